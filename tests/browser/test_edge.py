"""Headers and sessions in the browser (issue 9, items 3 and 7): every page of the compiled app
runs under its Content-Security-Policy with nothing blocked and its socket connected; nobody
frames it; CORS answers only our own origin; over HTTPS the session cookie is Secure; behind
our proxy a signature made in the UI records the client, never what it typed into
X-Forwarded-For."""

from __future__ import annotations

import os
import socket

import httpx
import pytest
from sqlmodel import select

from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerClient,
    ManagerContract,
    ManagerSession,
)
from tests.conftest import CHROMIUM_ARGS, collect_csp_violations, ui_login
from tests.support import factories
from tests.support.tls_proxy import tls_proxy

pytestmark = pytest.mark.browser

FORGED = "6.6.6.6"
CLIENT = "203.0.113.77"
EVIL = "https://evil.example"


def _phone_context(browser, base_url: str, **options):
    return browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        base_url=base_url,
        **options,
    )


class PageWatch:
    """What a page reported: console errors, uncaught errors, socket traffic."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.frames_received = 0
        self.sockets: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("websocket", self._socket)

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def _socket(self, websocket) -> None:
        self.sockets.append(websocket.url)
        websocket.on("framereceived", lambda _frame: self._count())

    def _count(self) -> None:
        self.frames_received += 1


def _client_ids_in_demo() -> tuple[int, int]:
    """A client in progress and one signed or processed, from the demo data's real wizards."""
    with transaction() as session:
        rows = session.exec(
            select(ManagerClient.id, ManagerClient.status).order_by(ManagerClient.id)
        ).all()
    in_progress = next(cid for cid, status in rows if status == "in_progress")
    finished = next(cid for cid, status in rows if status in ("signed", "processed"))
    return in_progress, finished


def test_все_страницы_работают_под_csp_без_блокировок_и_ошибок_с_живым_сокетом(live_db, browser):
    context = _phone_context(browser, live_db.url)
    violations = collect_csp_violations(context)
    page = context.new_page()
    watch = PageWatch(page)
    in_progress, finished = _client_ids_in_demo()
    login = page.goto("/login")
    assert "script-src 'self' 'sha256-" in login.headers["content-security-policy"]
    ui_login(page, "admin@example.com")
    paths = ["/clients?tab=new", "/clients?tab=in_work", "/clients?tab=processed", "/verify"]
    paths += ["/admin/tariffs", "/admin/managers", "/admin/dashboard"]
    for client_id in (in_progress, finished):
        paths.append(f"/clients/{client_id}/card")
        paths += [f"/clients/{client_id}/step/{step}" for step in (1, 2, 3, 4, "success")]
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # the socket's answers and what they render
    assert watch.sockets
    assert watch.frames_received > len(paths)  # the socket carried the pages' state
    context.close()
    assert violations == []
    assert watch.errors == []


def test_политика_действительно_не_пускает_чужой_скрипт(live_server, browser):
    context = _phone_context(browser, live_server.url)
    violations = collect_csp_violations(context)
    page = context.new_page()
    page.goto("/login")
    page.wait_for_selector("#login-email")
    # What an injected <script> or <script src> of an XSS would be.
    page.evaluate(
        """() => {
            const inline = document.createElement("script");
            inline.textContent = "window.__injected = true";
            document.head.appendChild(inline);
            const remote = document.createElement("script");
            remote.src = "https://evil.example/steal.js";
            document.head.appendChild(remote);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__injected") is None
    context.close()
    blocked = {(item["directive"], item["blocked"]) for item in violations}
    assert ("script-src-elem", "inline") in blocked
    assert ("script-src-elem", "https://evil.example/steal.js") in blocked


def test_чужой_сайт_не_может_встроить_страницу_во_фрейм(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content(f'<iframe id="framed" src="{live_server.url}/login/"></iframe>')
    page.wait_for_timeout(1500)
    framed = next(frame for frame in page.frames if frame is not page.main_frame)
    assert not framed.url.startswith(live_server.url)  # Chromium shows its error page instead
    context.close()


def test_заголовки_страниц_api_и_файлов(live_server):
    with httpx.Client(base_url=live_server.url) as client:
        page = client.get("/login/")
        api = client.get("/api/manager/auth/me")
        script = client.get(
            next(part for part in page.text.split('"') if part.endswith(".js")),
        )
    for response in (page, api, script):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert "'unsafe-inline'" not in page.headers["content-security-policy"].split("style-src")[0]
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.status_code == 401


def test_swagger_получает_свой_cdn_и_хэш_своего_скрипта(live_server):
    docs = httpx.get(f"{live_server.url}/docs")  # on outside production
    assert docs.status_code == 200
    policy = docs.headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy
    assert "https://cdn.jsdelivr.net" in policy


def test_cors_отвечает_только_своему_адресу(live_server):
    own = f"http://localhost:{live_server.port}"  # PUBLIC_BASE_URL of the live server
    preflight = {"Access-Control-Request-Method": "POST"}
    with httpx.Client(base_url=live_server.url) as client:
        foreign = client.options("/api/manager/auth/login", headers={"Origin": EVIL, **preflight})
        ours = client.options("/api/manager/auth/login", headers={"Origin": own, **preflight})
        simple = client.get(
            "/api/manager/auth/me", headers={"Origin": EVIL, "Cookie": "pm_session=x"}
        )
        upload = client.options("/_upload", headers={"Origin": EVIL, **preflight})
    assert "access-control-allow-origin" not in foreign.headers
    assert "access-control-allow-origin" not in simple.headers
    assert "access-control-allow-origin" not in upload.headers
    assert ours.headers["access-control-allow-origin"] == own
    assert ours.headers["access-control-allow-credentials"] == "true"


def _socket_handshake(port: int, origin: str) -> int:
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: localhost:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        return int(sock.recv(4096).split(b" ", 2)[1])


def test_сокет_не_принимает_чужие_страницы(live_server):
    assert _socket_handshake(live_server.port, EVIL) == 403  # closed before it is accepted
    assert _socket_handshake(live_server.port, f"http://localhost:{live_server.port}") == 101


def test_по_https_cookie_сессии_secure_а_по_http_нет(live_server, browser, tmp_path):
    with tls_proxy("secure.test", live_server.port, tmp_path) as port:
        secure_browser = browser.browser_type.launch(
            executable_path=browser_executable(),
            args=[
                *CHROMIUM_ARGS,
                # https://secure.test/ (any port, the socket's :443 too) is our TLS proxy.
                f"--host-resolver-rules=MAP secure.test 127.0.0.1:{port}",
                "--ignore-certificate-errors",
            ],
        )
        try:
            context = _phone_context(secure_browser, "https://secure.test")
            violations = collect_csp_violations(context)
            page = context.new_page()
            watch = PageWatch(page)
            # "/login/" itself: the server's slash redirect would name http:// (README).
            page.goto("/login/")
            page.fill("#login-email", "manager@example.com")
            page.fill("#login-password", "ChangeMe123")
            page.click("#login-submit")
            page.wait_for_selector(".client-card")
            cookie = next(c for c in context.cookies() if c["name"] == "pm_session")
            assert cookie["secure"] is True
            assert cookie["sameSite"] == "Strict"
            assert any(url.startswith("wss://secure.test/") for url in watch.sockets)
            context.close()
            assert violations == []
        finally:
            secure_browser.close()

    plain = _phone_context(browser, live_server.url)
    page = plain.new_page()
    ui_login(page)  # development over plain HTTP (a phone on the LAN) still keeps its session
    cookie = next(c for c in plain.cookies() if c["name"] == "pm_session")
    assert cookie["secure"] is False
    plain.close()


def browser_executable() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def test_подпись_в_интерфейсе_за_прокси_пишет_ip_клиента_а_не_подделку(live_db, browser):
    """The live server trusts one proxy hop; this browser's requests carry what a client
    typed ("6.6.6.6") followed by what our proxy appended (the client's real address)."""
    manager = factories.demo_manager()
    client = factories.ready_client(manager, name="Прокси Проверка", phone="+79031239901")
    context = _phone_context(
        browser, live_db.url, extra_http_headers={"X-Forwarded-For": f"{FORGED}, {CLIENT}"}
    )
    page = context.new_page()
    ui_login(page)
    page.goto(f"/clients/{client.id}/step/4")
    page.wait_for_selector(".tariff-option")
    page.locator(".tariff-option", has_text="Базовый").click()
    page.click("#apply-tariff")
    page.wait_for_selector("#applied-tariff")
    page.click("#generate-contract")
    page.wait_for_selector("#signing-card", timeout=20_000)
    page.click("#pep-consent")
    page.fill("#otp-code", factories.last_code(client.user_id))
    page.click("#sign-contract")
    page.wait_for_url(f"**/clients/{client.id}/step/success", timeout=20_000)
    context.close()

    with transaction() as session:
        contract = session.exec(
            select(ManagerContract)
            .where(ManagerContract.client_id == client.id)
            .order_by(ManagerContract.id.desc())
        ).first()
        audit = dict(
            session.exec(
                select(ManagerAuditLog.action, ManagerAuditLog.ip).where(
                    ManagerAuditLog.client_id == client.id
                )
            ).all()
        )
        login_ip = session.exec(
            select(ManagerSession.ip)
            .where(ManagerSession.manager_id == manager.id)
            .order_by(ManagerSession.created_at.desc())
        ).first()
    assert contract.signer_ip == CLIENT
    assert audit["contract_signed"] == CLIENT
    assert FORGED not in audit.values()
    assert login_ip == CLIENT
