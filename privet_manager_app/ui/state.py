"""The session every page shares, and the one guard of the pages' event handlers. Imports
nothing from the pages.

Page markup is public; protection is here: every handler that reads or changes data is wrapped
in `guard`, which asks `self.actor()` (the token verified against the database, not just a
redirect), sends a logged-out browser to the login page, shows progress, and maps the domain's
refusal (`DomainError`) to the page once — the rules themselves live in the domain.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import DomainError, NotAuthenticated
from privet_manager_app.edge import uploads
from privet_manager_app.edge.client_ip import client_ip as trusted_client_ip
from privet_manager_app.settings import get_settings
from privet_manager_app.ui import routes

T = TypeVar("T")

SESSION_COOKIE = uploads.SESSION_COOKIE  # the edge checks it before an upload's body is read


async def run_domain(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Domain calls touch the database (and bcrypt, Pillow, PDF): never on the event loop."""
    return await asyncio.to_thread(function, *args, **kwargs)


class SessionState(rx.State):
    token: str = rx.Cookie(
        "",
        name=SESSION_COOKIE,
        path="/",
        same_site="strict",
        max_age=get_settings().MANAGER_ACCESS_TOKEN_EXPIRE_MINUTES * 60,
    )
    manager_name: str = ""
    manager_role: str = ""

    @rx.var
    def is_admin(self) -> bool:
        return self.manager_role == "admin"

    async def actor(self) -> Actor | None:
        """The manager behind this browser tab, re-checked on every call; None when logged out."""
        if not self.token:
            return None
        try:
            actor = await run_domain(auth.authenticate_token, self.token)
        except NotAuthenticated:
            self.token = ""
            return None
        self.manager_name = actor.name
        self.manager_role = actor.role
        return actor.with_origin(self.client_ip(), self.router.headers.user_agent)

    def client_ip(self) -> str | None:
        """Where this tab's socket came from, by the rule REST uses too (edge/client_ip.py).

        The headers are the websocket handshake's, kept by Reflex for the connection (an event
        cannot bring its own); Reflex files the socket peer among them as asgi-scope-client.
        """
        raw = self.router.headers.raw_headers
        peer = raw.get("asgi-scope-client") or self.router.session.client_ip or None
        hops = get_settings().TRUSTED_PROXY_HOPS
        return trusted_client_ip(peer, raw.get("x-forwarded-for"), hops)

    def to_login(self) -> rx.event.EventSpec:
        return rx.redirect(routes.login(self.router.url.path or None), replace=True)

    @rx.event
    async def require_login(self):
        """on_load guard of every protected page (the handlers check again themselves)."""
        if await self.actor() is None:
            return self.to_login()
        return None

    @rx.event
    async def logout(self):
        actor = await self.actor()
        if actor is not None:
            with contextlib.suppress(DomainError):  # the browser forgets the token regardless
                await run_domain(auth.logout, actor)
        self.token = ""
        self.manager_name = ""
        self.manager_role = ""
        return rx.redirect(routes.LOGIN, replace=True)

    def _show_error(self, error: DomainError, target: str) -> None:
        """Where a page shows the domain's refusal: `target` is the message's var. An admin-only
        refusal goes to the page's `refuse` (admin pages then show nothing of their data)."""
        if error.code == "admin_only":
            self._refuse(error, target)
            return
        setattr(self, target, error.message)

    def _refuse(self, error: DomainError, target: str) -> None:
        setattr(self, target, error.message)


def guard(*, error: str = "error", busy: str | None = None, busy_as: Any = True):
    """The skeleton of an event handler that acts for the logged-in manager.

    The decorated method takes the `Actor` after `self` (the event's own arguments follow): no
    session → the login page; `busy` (a var) is set while it runs, with a first update sent so
    the button shows progress; the `error` var is cleared before and receives the domain's
    message on a `DomainError`. Use under `@rx.event`.
    """

    def decorate(method):
        signature = inspect.signature(method)
        outer = [param for name, param in signature.parameters.items() if name != "actor"]

        @functools.wraps(method)
        async def handler(self, *args, **kwargs):
            actor = await self.actor()
            if actor is None:
                yield self.to_login()
                return
            if error:
                setattr(self, error, "")
            if busy:
                setattr(self, busy, busy_as)
                yield
            try:
                result = method(self, actor, *args, **kwargs)
                if inspect.isasyncgen(result):
                    async for event in result:
                        yield event
                else:
                    event = await result
                    if event is not None:
                        yield event
            except DomainError as problem:
                self._show_error(problem, error)
            finally:
                if busy:
                    setattr(self, busy, type(busy_as)())

        # Reflex reads the event's parameters from the signature: the actor is not one of them.
        handler.__signature__ = signature.replace(parameters=outer)
        handler.__annotations__ = {
            name: hint for name, hint in method.__annotations__.items() if name != "actor"
        }
        return handler

    return decorate
