"""Bodies are limited while they stream (issue 9, item 1), against the real server
(`python -m privet_manager_app serve`, granian) with raw chunked HTTP: an upload of 2 GiB, a
300 MB JSON and a 25 MB PDF are cut off early — the rest never read, nothing spooled to disk
or kept in memory, nothing stored. Figures land in test-artifacts/edge-body-limits.json."""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from pathlib import Path

import pytest

from privet_manager_app.ui.pages.step_devices import DevicesState
from privet_manager_app.ui.state import SessionState
from tests.conftest import ARTIFACTS, ui_login
from tests.support import raw_http
from tests.support.factories import files_under
from tests.support.images import pdf_bytes

pytestmark = pytest.mark.browser  # they need the live server, which the browser run owns

GIB = 1024 * 1024 * 1024
MB = 1024 * 1024
PHOTO_HANDLER = f"{DevicesState.get_full_name()}.handle_upload"
FIGURES: dict[str, dict] = {}


def _record(name: str, response, **figures) -> None:
    FIGURES[name] = {
        "status": response.status,
        "client_bytes_sent": response.bytes_sent,
        "seconds": round(response.seconds, 3),
        **figures,
    }
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "edge-body-limits.json").write_text(json.dumps(FIGURES, indent=2))
    print(name, figures)


class Worker:
    """The granian worker that serves the requests, as the kernel sees it."""

    def __init__(self, live_server) -> None:
        children = raw_http.descendants(live_server.process.pid)
        self.pid = max(children or [live_server.process.pid], key=self._rss)
        self.tmpdir = Path(live_server.env["TMPDIR"])
        self.peak_spooled = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @staticmethod
    def _rss(pid: int) -> int:
        return raw_http.memory_kib(pid)["VmRSS"]

    def memory(self) -> dict[str, int]:
        return raw_http.memory_kib(self.pid)

    def spooled(self) -> int:
        return raw_http.bytes_held_under(self.pid, self.tmpdir)

    def __enter__(self) -> Worker:
        def watch() -> None:
            while not self._stop.is_set():
                self.peak_spooled = max(self.peak_spooled, self.spooled())
                time.sleep(0.02)

        self._thread = threading.Thread(target=watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.3)  # the worker lets go of what it held
        self._stop.set()
        self._thread.join()


def _server_read(live_server, path: str) -> int | None:
    """Bytes the edge had let through when it refused (its own log line)."""
    log = Path(live_server.log_path).read_text(errors="replace")
    found = re.findall(rf"body refused: POST {re.escape(path)} after (\d+) bytes", log)
    return int(found[-1]) if found else None


def _multipart_upload(token: str, size: int, *, cookie: str = "", handler: str = PHOTO_HANDLER):
    boundary = f"edge{uuid.uuid4().hex}"
    headers = {
        "Reflex-Client-Token": token,
        "Reflex-Event-Handler": handler,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    if cookie:
        headers["Cookie"] = cookie
    body = raw_http.multipart_stream(boundary, "files", "IMG_0001.jpg", "image/jpeg", size)
    return headers, body


@pytest.fixture
def live_tab(live_server, phone):
    """A manager's browser tab, logged in, with its live socket: (client token, cookie)."""
    ui_login(phone)
    phone.wait_for_url("**/clients**")
    phone.wait_for_selector(".client-card")
    token = phone.evaluate("() => window.sessionStorage.getItem('token')")
    session = next(c for c in phone.context.cookies() if c["name"] == "pm_session")
    return token, f"pm_session={session['value']}"


def _refused_as_too_large(live_server, response, path: str, limit: int) -> int:
    """413 `payload_too_large`, answered before the body ended, after the server read at most
    `limit` plus one chunk and the part head; returns what it read."""
    assert response.status == 413, response.body
    assert response.json()["code"] == "payload_too_large"
    assert not response.finished_body
    read = _server_read(live_server, path)
    assert read is not None
    assert read <= limit + 256 * 1024
    return read


def test_2_гб_в_upload_без_живой_вкладки_отклоняются_до_чтения_тела(live_server):
    headers, body = _multipart_upload(str(uuid.uuid4()), 2 * GIB)
    with Worker(live_server) as worker:
        response = raw_http.request(live_server.port, "POST", "/_upload", headers, body)
    assert response.status == 403, response.body
    assert response.json()["code"] == "upload_session_missing"
    assert not response.finished_body
    assert response.bytes_sent < 32 * MB  # what fit into socket buffers, no more
    assert worker.peak_spooled == 0
    assert raw_http.open_files_under(worker.pid, worker.tmpdir) == []
    _record(
        "upload_2gib_random_token",
        response,
        server_body_bytes_read=0,
        peak_spooled_bytes=worker.peak_spooled,
    )


def test_2_гб_в_upload_из_вкладки_менеджера_обрываются_на_20_мб(live_server, live_tab):
    token, cookie = live_tab
    storage = Path(live_server.env["STORAGE_DIR"])
    stored_before = files_under(storage)
    headers, body = _multipart_upload(token, 2 * GIB, cookie=cookie)
    with Worker(live_server) as worker:
        before = worker.memory()
        response = raw_http.request(live_server.port, "POST", "/_upload", headers, body)
        after = worker.memory()
    read = _refused_as_too_large(live_server, response, "/_upload", 20 * MB)  # the photo limit
    assert "20 МБ" in response.json()["detail"]
    assert response.bytes_sent < read + 32 * MB
    assert worker.peak_spooled <= 20 * MB + 256 * 1024
    assert raw_http.open_files_under(worker.pid, worker.tmpdir) == []  # temp file gone
    assert files_under(storage) == stored_before  # nothing stored
    _record(
        "upload_2gib_live_manager_tab",
        response,
        server_body_bytes_read=read,
        peak_spooled_bytes=worker.peak_spooled,
        rss_kib_before=before["VmRSS"],
        rss_kib_after=after["VmRSS"],
    )


def test_upload_в_обработчик_без_файлов_или_без_входа_отклоняется_до_тела(live_server, live_tab):
    token, cookie = live_tab
    cases = [
        (f"{SessionState.get_full_name()}.logout", cookie, 400, "upload_handler_invalid"),
        ("no_such.handler", cookie, 400, "upload_handler_invalid"),
        (PHOTO_HANDLER, "", 401, "not_authenticated"),
        (PHOTO_HANDLER, "pm_session=eyJhbGciOiJIUzI1NiJ9.e30.forged", 401, "token_invalid"),
    ]
    for handler, with_cookie, status, code in cases:
        headers, body = _multipart_upload(token, 50 * MB, cookie=with_cookie, handler=handler)
        response = raw_http.request(live_server.port, "POST", "/_upload", headers, body)
        assert (response.status, response.json()["code"]) == (status, code), handler
        assert not response.finished_body


def test_300_мб_json_в_rest_отклоняются_на_первом_мегабайте(live_server):
    def json_body():
        yield b'{"email": "a@example.com", "password": "'
        yield from (b"a" * len(chunk) for chunk in raw_http.zeros(300 * MB))
        yield b'"}'

    with Worker(live_server) as worker:
        before = worker.memory()
        response = raw_http.request(
            live_server.port,
            "POST",
            "/api/manager/auth/login",
            {"Content-Type": "application/json"},
            json_body(),
        )
        after = worker.memory()
    read = _refused_as_too_large(live_server, response, "/api/manager/auth/login", 1 * MB)
    assert after["VmRSS"] - before["VmRSS"] < 50 * 1024  # KiB: no 300 MB buffer, not even 50
    _record(
        "json_300mb_rest",
        response,
        server_body_bytes_read=read,
        rss_kib_before=before["VmRSS"],
        rss_kib_after=after["VmRSS"],
        hwm_kib_before=before["VmHWM"],
        hwm_kib_after=after["VmHWM"],
    )


def test_pdf_25_мб_на_проверку_отклоняется_а_обычный_проверяется(live_server):
    boundary = f"edge{uuid.uuid4().hex}"
    content_type = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    chunked = raw_http.multipart_stream(
        boundary, "file", "contract.pdf", "application/pdf", 25 * MB, head=b"%PDF-1.7\n"
    )
    with Worker(live_server) as worker:
        response = raw_http.request(live_server.port, "POST", "/api/verify", content_type, chunked)
    read = _refused_as_too_large(live_server, response, "/api/verify", 20 * MB)
    assert response.json() == {"detail": "Файл больше 20 МБ", "code": "payload_too_large"}
    assert raw_http.open_files_under(worker.pid, worker.tmpdir) == []

    # Declared up front: refused before a byte of the body is read.
    declared = raw_http.request(
        live_server.port,
        "POST",
        "/api/verify",
        {**content_type, "Content-Length": str(25 * MB)},
        raw_http.zeros(25 * MB),
        chunked=False,
    )
    assert declared.status == 413
    assert declared.json()["code"] == "payload_too_large"
    assert not declared.finished_body

    # A document of normal size still gets its answer.
    small = raw_http.multipart_body(
        boundary, [("file", "contract.pdf", "application/pdf", pdf_bytes())]
    )
    normal = raw_http.request(live_server.port, "POST", "/api/verify", content_type, small)
    assert normal.status == 200, normal.body
    assert normal.json()["valid"] is False
    _record(
        "verify_pdf_25mb",
        response,
        server_body_bytes_read=read,
        peak_spooled_bytes=worker.peak_spooled,
        declared_length_client_bytes_sent=declared.bytes_sent,
    )
