"""Reflex's `/_upload`, judged from its headers before a byte of the body is read.

Reflex names the browser tab in `Reflex-Client-Token` and the state method that will receive
the files in `Reflex-Event-Handler`, and then parses the whole multipart body into temporary
files before that method runs. So everything that can be decided without the body is decided
here: the handler exists and takes uploaded files; the tab behind the token has a live socket
(a random token from a script has none); for handlers that say so, the request carries the
session cookie of a manager who is logged in now. Each upload handler declares how many files
of what size it takes (`@upload_rule`), next to its code.
"""

from __future__ import annotations

import asyncio
import dataclasses

from starlette.requests import cookie_parser

from privet_manager_app.edge.responses import Refusal
from privet_manager_app.settings import get_settings

SESSION_COOKIE = "pm_session"  # the manager's token, set by the Reflex frontend (ui/state.py)


@dataclasses.dataclass(frozen=True)
class UploadRule:
    max_files: int = 1
    max_file_bytes: int | None = None  # None: MAX_PHOTO_BYTES
    managers_only: bool = True

    def file_limit(self) -> int:
        return self.max_file_bytes or get_settings().MAX_PHOTO_BYTES


# A handler that declares nothing takes what most of them take: one photo, from a manager.
DEFAULT_RULE = UploadRule()


def upload_rule(*, max_files: int = 1, max_file_bytes: int | None = None, managers_only=True):
    """Declare what an upload handler accepts; put it under `@rx.event`."""
    rule = UploadRule(max_files, max_file_bytes, managers_only)

    def mark(function):
        function.__upload_rule__ = rule
        return function

    return mark


def upload_path() -> str:
    from reflex_base import constants
    from reflex_base.config import get_config

    return get_config().prepend_backend_path(str(constants.Endpoint.UPLOAD))


async def check_upload(headers: dict[str, str]) -> UploadRule:
    """The rule of the handler this upload is for, or a Refusal saying why there is none."""
    from reflex_base.registry import RegistrationContext
    from reflex_base.utils.exceptions import UploadTypeError, UploadValueError

    token = headers.get("reflex-client-token", "")
    handler_name = headers.get("reflex-event-handler", "")
    if not token or not handler_name:
        raise Refusal(400, "upload_headers_missing", "Загрузка без вкладки или обработчика")
    context = RegistrationContext.get()
    registered = context.event_handlers.get(handler_name)
    refusals = (UploadTypeError, UploadValueError)
    if registered is None or not _takes_files(registered.handler, *refusals):
        raise Refusal(400, "upload_handler_invalid", "Этот обработчик не принимает файлы")

    event_namespace = context.app.event_namespace
    # The same check Reflex makes before it pushes state to a tab (reflex/istate/shared.py);
    # with Redis it sees sockets held by the other replicas too.
    if event_namespace is None or not await event_namespace._token_manager.is_token_connected(
        token
    ):
        raise Refusal(
            403, "upload_session_missing", "Вкладка не подключена: обновите страницу и повторите"
        )

    rule = getattr(registered.handler.fn, "__upload_rule__", DEFAULT_RULE)
    if rule.managers_only:
        await _require_manager(headers.get("cookie", ""))
    return rule


def _takes_files(handler, *refusals: type[Exception]) -> bool:
    from reflex_base.event import resolve_upload_chunk_handler_param, resolve_upload_handler_param

    for resolve in (resolve_upload_handler_param, resolve_upload_chunk_handler_param):
        try:
            resolve(handler)
        except refusals:
            continue
        return True
    return False


async def _require_manager(cookie_header: str) -> None:
    from privet_manager_app.domain import auth
    from privet_manager_app.domain.errors import NotAuthenticated

    token = cookie_parser(cookie_header).get(SESSION_COOKIE, "")
    try:
        await asyncio.to_thread(auth.authenticate_token, token)  # a database read
    except NotAuthenticated as error:
        raise Refusal(401, error.code, error.message) from None
