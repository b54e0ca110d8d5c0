"""Two replicas of the app working together: two `serve` processes on their own ports, started
at the same moment on one fresh (empty) PostgreSQL database, one S3 (moto) and one Redis.

The REST flow claim … payment alternates request by request between them; the UI in Chromium
goes through a round-robin proxy (tests/support/round_robin_proxy.py), so its page loads, its
requests and its sockets move between the replicas while the tab's state lives in Redis.

Run on their own (`make test` does): `TEST_UI_PORT=8765 pytest -m replicas` — the proxy listens
on the port the frontend was built for, which the browser tests' live server holds during
`pytest -m browser`.
"""

from __future__ import annotations

import collections
import concurrent.futures
import hashlib
import os
import re
import time
import uuid
from types import SimpleNamespace

import boto3
import httpx
import pytest
import sqlalchemy as sa

from privet_manager_app.dev.demo import DEMO_PASSWORD
from tests.conftest import (
    ARTIFACTS,
    UI_PORT,
    add_tv_with_photo,
    collect_csp_violations,
    phone_context,
    ui_login,
    use_database,
)
from tests.support import factories, images
from tests.support.live_server import LiveServer
from tests.support.ports import free_port
from tests.support.redis_server import ThrowawayRedis
from tests.support.round_robin_proxy import RoundRobinProxy
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY, list_keys, s3_settings
from tests.support.samples import PASSPORT_REQUEST, register_in_client_app

pytestmark = [pytest.mark.replicas, pytest.mark.slow]

M = "/api/manager"
PASSPORT = PASSPORT_REQUEST


@pytest.fixture(scope="module")
def cluster(postgres, s3_endpoint, tmp_path_factory):
    """Redis, then two replicas started together on an empty database: they migrate and seed
    the demo taking turns (advisory lock), and both announce themselves with Redis."""
    from privet_manager_app.cli import build_frontend
    from privet_manager_app.infra.db import dispose_engines

    build_frontend(UI_PORT)  # a no-op when `make test` has built it for this port
    ARTIFACTS.mkdir(exist_ok=True)
    previous = os.environ.get("DATABASE_URL")
    name = f"replicas_{uuid.uuid4().hex[:10]}"
    url = postgres.create_database(name)
    servers: list[LiveServer] = []
    with ThrowawayRedis() as redis:
        shared = {
            "DATABASE_URL": url,
            "STORAGE_DIR": str(tmp_path_factory.mktemp("replicas-storage")),
            "APP_ENV": "test",
            "PUBLIC_BASE_URL": f"http://localhost:{UI_PORT}",  # the proxy, as a load balancer
            "TRUSTED_PROXY_HOPS": "1",
            "CPU_POOL_WORKERS": "1",  # two replicas on two cores: one worker process each
            "REDIS_URL": redis.url,
            "SEED_DEMO_DATA": "true",
            "DEMO_CLIENTS": "24",
            **s3_settings(s3_endpoint, connect_timeout=5, read_timeout=60, max_attempts=2),
        }
        for index in range(2):
            env = {**shared, "TMPDIR": str(tmp_path_factory.mktemp(f"replica-{index}-tmp"))}
            servers.append(LiveServer(free_port(), env, ARTIFACTS / f"replica-{index}.log"))
        try:
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                list(pool.map(lambda server: server.start(timeout=180), servers))
            use_database(url)
            yield SimpleNamespace(servers=servers, redis=redis, url=url, env=shared)
        finally:
            for server in servers:
                server.stop()
            dispose_engines()
            if previous:
                use_database(previous)
            postgres.drop_database(name)


def _rows(sql: str) -> list:
    from privet_manager_app.infra.db import get_engine

    with get_engine().connect() as connection:
        return connection.execute(sa.text(sql)).all()


def _s3_keys(env: dict[str, str], prefix: str = "") -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT"],
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    return list_keys(SimpleNamespace(client=client, bucket=env["S3_BUCKET"]), prefix)


# ---- REST, request by request on alternating replicas --------------------------------------


class Alternating:
    """One REST client over both replicas: each request goes to the next one in turn."""

    def __init__(self, servers: list[LiveServer]) -> None:
        self.http = [
            httpx.Client(base_url=server.url.replace("localhost", "127.0.0.1"), timeout=120)
            for server in servers
        ]
        self.turn = 0
        self.served: collections.Counter[int] = collections.Counter()
        self.steps: collections.defaultdict[str, set[int]] = collections.defaultdict(set)
        self.headers: dict[str, str] = {}

    def send(self, step: str, method: str, path: str, **kwargs) -> tuple[int, httpx.Response]:
        replica = self.turn % len(self.http)
        self.turn += 1
        response = self.http[replica].request(method, path, headers=self.headers, **kwargs)
        self.served[replica] += 1
        self.steps[step].add(replica)
        return replica, response

    def call(self, step: str, method: str, path: str, expect=(200, 201), **kwargs) -> dict:
        replica, response = self.send(step, method, path, **kwargs)
        assert response.status_code in (expect if isinstance(expect, tuple) else (expect,)), (
            f"{step} on replica {replica}: HTTP {response.status_code} {response.text[:500]}"
        )
        return response.json() if response.content else {}

    def close(self) -> None:
        for client in self.http:
            client.close()


def _rest_flow(rest: Alternating, serial: int) -> None:
    """Claim … payment for a new client; `rest` says which replica serves each request."""
    client = factories.new_client(name=f"клиент реплик {serial}", phone=f"8 916 500-00-0{serial}")
    base = f"{M}/clients/{client.id}"
    login = rest.call(
        "login",
        "POST",
        f"{M}/auth/login",
        json={"email": "master2@example.com", "password": DEMO_PASSWORD},
    )
    rest.headers = {"Authorization": f"Bearer {login['access_token']}"}
    me = rest.call("me", "GET", f"{M}/auth/me")
    assert me["email"] == "master2@example.com"

    card = rest.call("claim", "POST", f"{base}/claim")
    assert card["status"] == "in_progress"
    assert card["assigned_manager"]["id"] == me["id"]
    profile = rest.call(
        "profile",
        "PATCH",
        f"{base}/profile",
        json={
            "version": card["version"],
            "name": "Петров Иван Сергеевич",
            "phone": f"+7 916 500 10 0{serial}",
            "email": f"replica{serial}@example.ru",
            "registration_address": "Московская обл., г. Химки, ул. Ленина, д 5 к2 кв 17",
        },
    )
    assert profile["phone"] == f"+7916500100{serial}"
    assert profile["address"]["city"] == "г. Химки"
    passport = rest.call(
        "passport",
        "PUT",
        f"{base}/passport",
        json={**PASSPORT, "number": f"55000{serial}", "version": profile["version"]},
    )
    assert passport["last_name"] == "Петров"
    shown = rest.call("passport_read", "GET", f"{base}/passport")
    assert (shown["number"], shown["last_name"]) == (f"55000{serial}", "Петров")
    detail = rest.call("card_read", "GET", base)
    assert detail["address"]["city"] == "г. Химки"

    device = rest.call(
        "device",
        "POST",
        f"{base}/devices",
        json={"category": "fridge", "brand": "Bosch", "model": "KGN39VI25R"},
    )
    ticket = rest.call(
        "upload_url",
        "POST",
        f"{base}/devices/{device['id']}/photos/upload-url",
        json={"filename": "IMG_0001.JPG", "content_type": "image/jpeg"},
    )
    # The phone's PUT goes to S3 itself (presigned), not to a replica.
    put = httpx.request(
        ticket["method"],
        ticket["upload_url"],
        headers=ticket["headers"],
        content=images.jpeg_bytes(1600, 1200, orientation=6, gps=True),
        timeout=60,
    )
    assert put.status_code in (200, 204), put.text
    rest.call(
        "photo_attach",
        "POST",
        f"{base}/devices/{device['id']}/photos",
        json={"file_key": ticket["file_key"]},
    )
    devices = rest.call("devices_read", "GET", f"{base}/devices")
    items = devices["items"] if isinstance(devices, dict) else devices
    photographed = next(item for item in items if item["id"] == device["id"])
    assert len(photographed["photos"]) == 1
    stored = photographed["photos"][0]
    assert stored["height"] > stored["width"]  # the EXIF turn applied: portrait
    image = httpx.get(stored["url"], timeout=30, follow_redirects=True)  # from the one S3
    assert image.status_code == 200
    assert hashlib.sha256(image.content).hexdigest() == stored["sha256"]

    tariffs = rest.call("tariffs", "GET", f"{M}/tariffs")
    home = next(item["id"] for item in tariffs if item["code"] == "home")
    applied = rest.call("tariff_apply", "POST", f"{base}/tariff/apply", json={"tariff_id": home})
    contract = rest.call("contract_generate", "POST", f"{base}/contract/generate", json={})
    assert re.fullmatch(r"ПМ-\d{4}-\d{6}", contract["number"]), contract
    assert contract["status"] == "otp_sent"
    # The PDF is a redirect to S3 (a presigned link), whichever replica made it.
    _, pdf = rest.send("contract_pdf", "GET", f"{base}/contract/pdf", follow_redirects=True)
    assert pdf.status_code == 200, pdf.text[:300]
    assert pdf.content.startswith(b"%PDF")

    code = factories.last_code(client.user_id)  # what the client reads out from the chat
    wrong = rest.call(
        "otp_wrong",
        "POST",
        f"{base}/contract/confirm",
        expect=422,
        json={"code": factories.wrong_code(code), "pep_agreed": True},
    )
    assert (wrong["code"], wrong["attempts_left"]) == ("otp_invalid", 4)
    signed = rest.call(
        "sign", "POST", f"{base}/contract/confirm", json={"code": code, "pep_agreed": True}
    )
    assert signed["pdf_sha256"] == contract["pdf_sha256"]
    paid = rest.call(
        "payment",
        "POST",
        f"{base}/payment/confirm",
        json={"amount": applied["surcharge"], "method": "card"},
    )
    assert paid["status"] == "processed"
    final = rest.call("card", "GET", base)
    assert final["status"] == "processed"
    processed = rest.call("list", "GET", f"{M}/clients", params={"tab": "processed", "limit": 100})
    assert client.id in {item["id"] for item in processed["items"]}


def test_две_реплики_поднялись_вместе_и_rest_ходит_по_ним_по_очереди(cluster):
    started = time.monotonic()
    # Both alive, both with Redis, on one database migrated and seeded once.
    replicas = _rows("SELECT instance, has_redis FROM manager_replicas ORDER BY instance")
    assert [has_redis for _, has_redis in replicas] == [True, True]
    assert len(_rows("SELECT version_num FROM alembic_version")) == 1
    logs = [server.log_path.read_text() for server in cluster.servers]
    assert sum("Демо-данные" in log for log in logs) == 1, "демо засеяно один раз"

    rest = Alternating(cluster.servers)
    try:
        for serial in (1, 2):  # two flows: the first starts on replica 0, the second on 1
            rest.turn = serial - 1
            _rest_flow(rest, serial)
    finally:
        rest.close()
    # Every step was served by both replicas over the two flows, and each served half.
    one_sided = {step: sorted(served) for step, served in rest.steps.items() if len(served) < 2}
    assert one_sided == {}, one_sided
    assert abs(rest.served[0] - rest.served[1]) <= 2, rest.served
    print(
        f"REST over two replicas: {dict(rest.served)} requests, {time.monotonic() - started:.1f} s"
    )


# ---- The UI through a round-robin proxy ----------------------------------------------------


def test_интерфейс_через_прокси_ходит_по_двум_репликам_и_состояние_общее(
    cluster, browser, tmp_path
):
    started = time.monotonic()
    client = factories.new_client(name="анна смирнова", phone="8 (903) 222-33-44")
    backends = [server.port for server in cluster.servers]
    photo = tmp_path / "IMG_0002.jpg"
    photo.write_bytes(images.jpeg_bytes(2400, 1600, orientation=6, gps=True))
    try:
        proxy = RoundRobinProxy(UI_PORT, backends).start()
    except OSError as error:
        pytest.fail(
            f"порт {UI_PORT} занят ({error}): тест реплик запускается отдельно, "
            "`TEST_UI_PORT=… pytest -m replicas`, не вместе с `-m browser`"
        )
    context = phone_context(
        browser, SimpleNamespace(url=f"http://localhost:{UI_PORT}"), device_scale_factor=2
    )
    violations = collect_csp_violations(context)
    page = context.new_page()
    tokens: set[str] = set()  # the tab's Reflex token: a reload may get a new one (proxy docs)
    try:
        ui_login(page)
        page.wait_for_selector(".client-card")

        # Step 1: a full page load, so a new socket — on the other replica.
        page.goto(f"/clients/{client.id}/step/1")
        page.wait_for_function(
            "() => document.querySelector('#field-name')?.value === 'анна смирнова'"
        )
        assert "В работе" in page.inner_text("body")
        page.fill("#field-name", "Анна Смирнова")
        page.fill("#field-phone", "+7 903 222 33 44")
        page.fill("#field-email", "anna@example.ru")
        page.fill(
            "#field-registration_address",
            "Московская обл., г. Химки, ул. Мира, д 7 кв 3, 141400",
        )
        page.click("#field-email")
        page.wait_for_function("() => document.querySelector('#field-apartment')?.value === '3'")
        page.click("#save-profile")
        page.wait_for_url(f"**/clients/{client.id}/step/2")

        tokens.add(_tab_token(page))
        # Reloaded: another socket, another replica; what step 1 saved is there.
        page.goto(f"/clients/{client.id}/step/1")
        page.wait_for_function(
            "() => document.querySelector('#field-name')?.value === 'Анна Смирнова'"
        )
        assert page.input_value("#field-phone") == "+7 903 222-33-44"
        page.goto(f"/clients/{client.id}/step/2")
        page.wait_for_selector("#field-last_name")
        for name, value in {
            "last_name": "Смирнова",
            "first_name": "Анна",
            "middle_name": "Петровна",
            "birth_place": "г. Химки",
            "series": "46 12",
            "number": "765432",
            "issued_by": "ГУ МВД России по Московской обл.",
            "division_code": "500001",
            "birth_date": "1991-04-12",
            "issue_date": "2011-05-01",
        }.items():
            page.fill(f"#field-{name}", value)
        page.click("#save-passport")
        page.wait_for_url(f"**/clients/{client.id}/step/3")

        # Step 3: a device and its photo. The upload goes to the replica that does NOT hold
        # this tab's socket (the proxy sees to it): the tab's state must come from Redis.
        page.wait_for_selector("#add-device")
        add_tv_with_photo(page, photo)
        page.click("#close-device")
        # Closed when the server's answer (dialog_open and the dropped draft) has arrived: a
        # reload before it would bring the dialog back from the tab's draft.
        page.wait_for_selector("#close-device", state="detached")
        assert "Телевизор LG OLED55C3" in page.inner_text(".device-card")

        tokens.add(_tab_token(page))
        # Reloaded once more (the other replica again): the device and its photo are there.
        page.reload()
        page.wait_for_selector(".device-card")
        tokens.add(_tab_token(page))
        assert "Телевизор LG OLED55C3" in page.inner_text(".device-card")
        page.click("#devices-next")
        page.wait_for_url(f"**/clients/{client.id}/step/4")

        # Step 4 on a fresh page (a socket elsewhere again): tariff, contract, the client's code.
        page.reload()
        page.wait_for_selector(".tariff-option")
        page.locator(".tariff-option", has_text="Базовый").click()
        page.wait_for_selector("#preview-total")
        page.click("#apply-tariff")
        page.wait_for_selector("#applied-tariff")
        page.click("#generate-contract")
        page.wait_for_selector("#signing-card", timeout=20_000)
        assert re.search(r"ПМ-\d{4}-\d{6}", page.inner_text("#contract-number"))
        page.click("#pep-consent")
        page.fill("#otp-code", factories.last_code(client.user_id))
        page.click("#sign-contract")
        page.wait_for_url(f"**/clients/{client.id}/step/success", timeout=20_000)
        assert "оплата не требуется" in page.inner_text("#final-heading")

        # The lists: the client is processed, and the open list updates itself when the client
        # app registers someone new.
        page.goto("/clients?tab=processed")
        page.wait_for_selector(".client-card:has-text('Анна Смирнова')")
        assert "г. Химки" in page.inner_text("body")
        page.goto("/clients?tab=new")
        page.wait_for_selector(".client-card")
        page.fill("#client-search", "Репликова")
        page.wait_for_selector("#clients-empty")
        register_in_client_app(cluster.url, "Репликова Вера", "+7 916 700-71-71")
        page.wait_for_selector(".client-card:has-text('Репликова Вера')", timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "replicas-live-list.png"))
    except Exception:
        page.screenshot(path=str(ARTIFACTS / "FAILED-replicas-ui.png"), full_page=True)
        raise
    finally:
        context.close()
        proxy.stop()

    assert violations == [], f"Content-Security-Policy blocked: {violations}"
    assert proxy.errors == [], proxy.errors
    from privet_manager_app.infra.db import transaction
    from privet_manager_app.schema.tables import ManagerDevice, ManagerDevicePhoto

    with transaction() as session:
        stored = session.execute(
            sa.select(ManagerDevicePhoto.file_key)
            .join(ManagerDevice, ManagerDevice.id == ManagerDevicePhoto.device_id)
            .where(ManagerDevice.client_id == client.id)
        ).all()
    assert len(stored) == 1, "фото загружено один раз"
    assert stored[0].file_key in _s3_keys(cluster.env, stored[0].file_key)

    served = {
        backend: {kind: proxy.served[backend, kind] for kind in ("http", "websocket", "upload")}
        for backend in backends
    }
    sockets = "".join(
        f"{'ab'[backends.index(backend)]}{'⇧' if kind == 'upload' else ''}"
        for backend, kind, _, _ in proxy.log
        if kind != "http"
    )
    print(
        f"UI through the proxy: {served}, sockets and uploads (⇧) in order: {sockets}, "
        f"{len(tokens)} tab token(s), {time.monotonic() - started:.1f} s"
    )
    for backend in backends:
        assert proxy.count(backend, "http") >= 5, served
        assert proxy.count(backend, "websocket") >= 1, served
    assert sum(proxy.count(backend, "upload") for backend in backends) >= 1, served


def _tab_token(page) -> str:
    return page.evaluate("() => window.sessionStorage.getItem('token')")
