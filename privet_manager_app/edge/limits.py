"""Request bodies are limited while they stream, in front of everything (REST, `/_upload`,
`/api/verify`).

Frameworks behind us read a body whole before anything can look at it: Starlette's form
parser spools every multipart part to a temporary file, FastAPI reads a JSON body into memory,
and a chunked body has no length to check up front. So the edge counts the bytes as they pass:
a declared Content-Length over the budget is refused before reading, and a body that grows
past it is refused at that chunk with `413 {detail, code: payload_too_large}`; the app behind
sees a disconnect (and stores nothing more), the rest of the body is never read, and the
connection closes with the answer.

Multipart bodies are also followed part by part with python-multipart — the parser Starlette
itself uses, so both see the same parts — because a budget per file is what the rules say
("a photo ≤ 20 MB"), not per request.
"""

from __future__ import annotations

import dataclasses
import logging
import re

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from privet_manager_app.edge import uploads
from privet_manager_app.edge.client_ip import client_ip, header_values
from privet_manager_app.edge.responses import Refusal, send_refusal
from privet_manager_app.settings import get_settings

logger = logging.getLogger(__name__)

# Boundaries, part headers and the closing line of a multipart body: generous, still tiny.
PART_OVERHEAD = 4 * 1024
FORM_OVERHEAD = 64 * 1024
MAX_FORM_FIELDS = 8  # an upload carries its files plus Reflex's bound-arguments field

LOCAL_STORAGE_UPLOAD = "/api/storage/upload/"
VERIFY = "/api/verify"
PASSPORT_SCAN = re.compile(r"/api/manager/clients/\d+/passport/scan")


@dataclasses.dataclass(frozen=True)
class Budget:
    total: int  # the whole body
    part: int | None = None  # each multipart part; None: the body is not followed by parts
    files: int | None = None  # parts that carry a file

    @classmethod
    def for_files(cls, files: int, file_bytes: int) -> Budget:
        return cls(
            total=files * (file_bytes + PART_OVERHEAD) + FORM_OVERHEAD,
            part=file_bytes,
            files=files,
        )

    def too_large(self) -> Refusal:
        """In the words of the rule a person knows: the file's limit, or the request's."""
        if self.part is not None:
            detail = f"Файл больше {_size(self.part)}"
        else:
            detail = f"Слишком большой запрос: больше {_size(self.total)}"
        return Refusal(413, "payload_too_large", detail)


def _size(limit: int) -> str:
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} МБ"
    return f"{limit // 1024} КБ"


class BodyLimits:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        try:
            budget = await _budget(scope, headers)
            _check_declared_length(headers, budget)
        except Refusal as refusal:
            await send_refusal(send, refusal)
            return

        meter = _Meter(budget, headers.get("content-type", ""))
        refused: Refusal | None = None
        answered = False

        async def metered_receive():
            nonlocal refused
            if refused is not None:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] != "http.request":
                return message
            try:
                meter.feed(message.get("body", b""))
            except Refusal as refusal:
                refused = refusal
                _log_refusal(scope, meter, refusal)
                if not answered:
                    await send_refusal(send, refusal)
                # What the app behind us sees: the client went away. It stops reading and
                # drops the parts it has spooled so far.
                return {"type": "http.disconnect"}
            return message

        async def guarded_send(message):
            nonlocal answered
            if refused is not None:
                return  # the app's answer to a body we cut off: we have answered already
            answered = True
            await send(message)

        await self.app(scope, metered_receive, guarded_send)


async def _budget(scope, headers: dict[str, str]) -> Budget:
    settings = get_settings()
    path = scope.get("path", "")
    if path == uploads.upload_path():
        rule = await uploads.check_upload(headers)
        return Budget.for_files(rule.max_files, rule.file_limit())
    if path.startswith(LOCAL_STORAGE_UPLOAD):
        return Budget(total=settings.MAX_PHOTO_BYTES)  # the raw photo, PUT by the browser
    if path == VERIFY and _media_type(headers) == "multipart/form-data":
        return Budget.for_files(1, settings.MAX_VERIFY_PDF_BYTES)
    if PASSPORT_SCAN.fullmatch(path) and _media_type(headers) == "multipart/form-data":
        return Budget.for_files(1, settings.MAX_PHOTO_BYTES)  # one passport photo
    return Budget(total=settings.MAX_JSON_BYTES)


def _check_declared_length(headers: dict[str, str], budget: Budget) -> None:
    declared = headers.get("content-length")
    if declared is None:
        return
    if not declared.strip().isdigit():
        raise Refusal(400, "bad_request", "Некорректная длина запроса")
    if int(declared) > budget.total:
        raise budget.too_large()


def _media_type(headers: dict[str, str]) -> str:
    return headers.get("content-type", "").split(";")[0].strip().lower()


def _log_refusal(scope, meter: _Meter, refusal: Refusal) -> None:
    settings = get_settings()
    peer = (scope.get("client") or (None,))[0]
    forwarded = header_values(scope["headers"], b"x-forwarded-for")
    logger.warning(
        "body refused: %s %s after %d bytes (%s), client %s",
        scope.get("method"),
        scope.get("path"),
        meter.received,
        refusal.detail,
        client_ip(peer, forwarded, settings.TRUSTED_PROXY_HOPS),
    )


class _Meter:
    """Counts a body as it arrives; raises Refusal at the first byte over a budget."""

    def __init__(self, budget: Budget, content_type: str) -> None:
        self.budget = budget
        self.received = 0
        self.parser: MultipartParser | None = None
        self.part_bytes = 0
        self.parts = 0
        self.files = 0
        self._header_name = b""
        self._header_value = b""
        self._part_has_file = False
        media, options = parse_options_header(content_type)
        if budget.part is not None and media == b"multipart/form-data" and options.get(b"boundary"):
            self.parser = MultipartParser(
                options[b"boundary"],
                {
                    "on_part_begin": self._part_begin,
                    "on_part_data": self._part_data,
                    "on_header_field": self._header_field,
                    "on_header_value": self._header_value_part,
                    "on_header_end": self._header_end,
                    "on_headers_finished": self._headers_finished,
                },
            )

    def feed(self, chunk: bytes) -> None:
        self.received += len(chunk)
        if self.received > self.budget.total:
            raise self.budget.too_large()
        if self.parser is not None and chunk:
            try:
                self.parser.write(chunk)
            except MultipartParseError:
                # A malformed body: the form parser behind us refuses it with 400; only the
                # total budget is left to watch.
                self.parser = None

    def _part_begin(self) -> None:
        self.parts += 1
        self.part_bytes = 0
        self._part_has_file = False
        if self.parts > (self.budget.files or 0) + MAX_FORM_FIELDS:
            raise Refusal(413, "payload_too_large", "Слишком много частей в форме")

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _header_value_part(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            _, options = parse_options_header(self._header_value)
            self._part_has_file = b"filename" in options
        self._header_name = b""
        self._header_value = b""

    def _headers_finished(self) -> None:
        if self._part_has_file:
            self.files += 1
            if self.budget.files is not None and self.files > self.budget.files:
                raise Refusal(
                    413,
                    "payload_too_large",
                    f"Слишком много файлов за раз: не больше {self.budget.files}",
                )

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self.part_bytes += end - start
        if self.budget.part is not None and self.part_bytes > self.budget.part:
            raise self.budget.too_large()
