"""Call Reflex event handlers directly, the way the server would, without a browser."""

from __future__ import annotations

import inspect
from typing import Any

import reflex as rx


def make_state(state_class: type[rx.State], token: str = "") -> Any:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(state_class.get_full_name().split(".")[1:])
    state.token = token
    return state


async def run_handler(state: Any, handler, *args) -> list[Any]:
    """Run an event handler on a state; returns what it yielded/returned (redirects, None…)."""
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        return [item async for item in result]
    if inspect.iscoroutine(result):
        return [await result]
    if inspect.isgenerator(result):
        return list(result)
    return [result]


def redirect_path(events: list[Any]) -> str | None:
    """The path of the first rx.redirect among the handler's outputs."""
    for event in events:
        for spec in event if isinstance(event, list | tuple) else [event]:
            args = {str(name._js_expr): value for name, value in getattr(spec, "args", ())}
            if "path" in args and "external" in args:
                return args["path"]._var_value
    return None


def run_sync(state: Any, handler, *args) -> list[Any]:
    """run_handler from synchronous tests, on its own thread: Playwright's sync API keeps an
    event loop running on the main thread once a browser test has run."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run_handler(state, handler, *args)).result()


def assert_each_leads_to_login(handlers, prepare=None) -> None:
    """Each (state class, handler) called on a fresh state with no session answers with the
    login page; `prepare(state)` first sets what the page would hold (its client, version)."""
    for state_class, handler in handlers:
        state = make_state(state_class)
        if prepare is not None:
            prepare(state)
        assert redirect_path(run_sync(state, handler)) == "/login", handler
