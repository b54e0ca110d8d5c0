"""The session every page shares. Imports nothing from the pages.

Page markup is public; protection is here: every handler that reads or changes data first
asks `self.actor()`, which verifies the token against the database (not just a redirect).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

import reflex as rx

from privet_manager_app.domain import auth
from privet_manager_app.domain.actors import Actor
from privet_manager_app.domain.errors import DomainError, NotAuthenticated
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
