"""Fixtures: a real PostgreSQL per session, a fresh database per test (cloned from a migrated
template), managers, and a REST client."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Before any app module reads its settings.
os.environ.update(
    {
        "APP_ENV": "test",
        "BCRYPT_ROUNDS": "4",  # cost 12 is asserted in test_auth; 4 keeps the suite fast
        "SEED_DEMO_DATA": "false",
        # Inline, so monkeypatched settings and functions apply; the pool's own tests and the
        # browser tests' server run it (tests/infra/test_cpu_pool.py, live_server).
        "CPU_POOL_WORKERS": "0",
        # A test that signs reads the first sealed copy right after: the signing waits for it
        # (the background build without waiting has its own test in test_sealed_copy.py).
        "SIGNED_COPY_WAIT_SECONDS": "30",
    }
)

from tests.support.postgres import ThrowawayPostgres, throwaway_postgres  # noqa: E402

TEMPLATE_DB = "privet_template"
DEFAULT_PASSWORD = "Secret-Pass-1"


def use_database(url: str) -> None:
    from privet_manager_app.infra.db import dispose_engines
    from privet_manager_app.settings import reset_settings_cache

    os.environ["DATABASE_URL"] = url
    reset_settings_cache()
    dispose_engines()


def prepare_schema(*, with_support_bridge: bool = False) -> None:
    """What a deployment has: the client app's tables, then our migrations."""
    from privet_manager_app.cli import migrate
    from privet_manager_app.dev.client_app_fixture import create_client_app_tables
    from privet_manager_app.infra.db import get_engine

    with get_engine().begin() as connection:
        create_client_app_tables(connection, with_support_bridge=with_support_bridge)
    migrate()


@pytest.fixture(scope="session")
def postgres():
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def template_db(postgres: ThrowawayPostgres) -> str:
    use_database(postgres.create_database(TEMPLATE_DB))
    prepare_schema()
    from privet_manager_app.infra.db import dispose_engines

    dispose_engines()  # CREATE DATABASE … TEMPLATE needs the template without connections
    return TEMPLATE_DB


@pytest.fixture
def storage_dir(tmp_path, monkeypatch) -> Path:
    from privet_manager_app.settings import reset_settings_cache

    directory = tmp_path / "storage"
    monkeypatch.setenv("STORAGE_DIR", str(directory))
    reset_settings_cache()
    return directory


@pytest.fixture
def db(postgres: ThrowawayPostgres, template_db: str, storage_dir) -> str:
    """A fresh, migrated PostgreSQL database for one test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    url = postgres.create_database(name, template=template_db)
    use_database(url)
    yield url
    from privet_manager_app.infra.db import dispose_engines

    dispose_engines()
    postgres.drop_database(name)


@pytest.fixture
def empty_db(postgres: ThrowawayPostgres) -> str:
    """A new database with nothing in it (not even our migrations), in use for one test."""
    from privet_manager_app.infra.db import dispose_engines

    name = f"m_{uuid.uuid4().hex[:12]}"
    use_database(postgres.create_database(name))
    yield name
    dispose_engines()
    postgres.drop_database(name)


@pytest.fixture
def make_manager(db):
    """make_manager(role='manager', email=None, name=None) → Actor (password DEFAULT_PASSWORD)."""
    from privet_manager_app.domain.admin import auth
    from privet_manager_app.domain.common.actors import Actor

    def factory(role: str = "manager", email: str | None = None, name: str | None = None):
        email = email or f"{role}-{uuid.uuid4().hex[:8]}@example.com"
        manager = auth.create_manager(email, name or f"Тест {role}", DEFAULT_PASSWORD, role)
        return Actor(id=manager.id, email=manager.email, name=manager.name, role=manager.role)

    return factory


@pytest.fixture
def manager(make_manager):
    return make_manager("manager", name="Мастер Анна")


@pytest.fixture
def admin(make_manager):
    return make_manager("admin", name="Админ Борис")


@pytest.fixture
def api(db):
    from fastapi.testclient import TestClient

    from privet_manager_app.api.app import create_api

    with TestClient(create_api(), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def login_headers(api):
    """login_headers(actor) → {"Authorization": "Bearer …"} via the real login endpoint."""

    def factory(actor) -> dict[str, str]:
        response = api.post(
            "/api/manager/auth/login", json={"email": actor.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return factory


@pytest.fixture
def add_users(db):
    """add_users(n) → client-app users (and their manager_clients rows)."""
    from privet_manager_app.dev.client_app_fixture import add_client_app_users
    from privet_manager_app.domain.clients.sync import backfill_manager_clients
    from privet_manager_app.infra.db import transaction

    def factory(count: int, seed: int = 1):
        with transaction() as session:
            users = add_client_app_users(session, count, seed=seed)
            backfill_manager_clients(session)
            return users

    return factory


# ---- Browser tests: the real server + headless Chromium (phone-sized) ----------------------

UI_PORT = int(os.environ.get("TEST_UI_PORT", "8765"))
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(postgres, template_db, tmp_path_factory):
    """The app as `make run` serves it, on PostgreSQL with demo data, built once per session."""
    from privet_manager_app.cli import build_frontend, prepare_database
    from privet_manager_app.infra.db import dispose_engines
    from tests.support.live_server import LiveServer

    name = "ui_live"
    url = postgres.create_database(name, template=template_db)
    storage = tmp_path_factory.mktemp("ui-storage")
    previous = os.environ.get("DATABASE_URL")
    use_database(url)
    os.environ["STORAGE_DIR"] = str(storage)
    prepare_database(seed_demo=True)
    dispose_engines()
    build_frontend(UI_PORT)
    ARTIFACTS.mkdir(exist_ok=True)
    server_tmp = tmp_path_factory.mktemp("ui-server-tmp")  # where upload bodies would spool
    env = {
        "DATABASE_URL": url,
        "STORAGE_DIR": str(storage),
        "APP_ENV": "test",
        "TMPDIR": str(server_tmp),
        "PUBLIC_BASE_URL": f"http://localhost:{UI_PORT}",
        # As behind one reverse proxy: a request without X-Forwarded-For is the peer's own.
        "TRUSTED_PROXY_HOPS": "1",
        "CPU_POOL_WORKERS": "2",  # bcrypt, photos and PDFs in worker processes, as deployed
    }
    server = LiveServer(UI_PORT, env, ARTIFACTS / "server.log").start()
    yield server
    server.stop()
    if previous:
        use_database(previous)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()


def phone_context(browser, live_server, **options):
    """A phone-sized browser context of its own (own cookies, own socket) on the live server."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        timezone_id="Europe/Moscow",
        base_url=live_server.url,
        **options,
    )
    context.set_default_timeout(15_000)
    return context


@pytest.fixture
def phone(browser, live_server, request):
    """A fresh phone-sized browser context; screenshots of failures land in test-artifacts/."""
    context = phone_context(browser, live_server, device_scale_factor=2)
    # Every browser test runs under the app's Content-Security-Policy and reports what it
    # blocked: a scenario that needs something the policy forbids fails here. (Playwright
    # polls a bare expression string with eval, which the policy forbids: write
    # wait_for_function predicates as functions, "() => …".)
    violations = collect_csp_violations(context)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()
    assert violations == [], f"Content-Security-Policy blocked: {violations}"


CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    sample: event.sample,
    page: location.pathname,
  });
});
"""


def collect_csp_violations(context) -> list[dict]:
    """The violations every page of the context reports, across navigations."""
    found: list[dict] = []

    def report(violation: dict) -> None:
        found.append(violation)

    context.expose_function("__reportCspViolation", report)
    context.add_init_script(CSP_REPORTER)
    return found


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def ui_login(page, email: str = "manager@example.com", password: str = "ChangeMe123") -> None:
    page.context.clear_cookies()  # whoever was logged in before, this is a fresh session
    page.goto("/login")
    page.fill("#login-email", email)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url("**/clients**")


def add_tv_with_photo(page, photo) -> None:
    """Step 3: «Добавить устройство» → an LG TV, saved, then one photo into its dialog, shown
    (the dialog stays open: the caller looks at it or closes it).

    A click made while the page's socket is still (re)connecting — right after a navigation,
    or on another replica — can be lost, as a person's tap would be: clicked again, at most
    three times, until the dialog is there."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(3):
        page.click("#add-device")
        try:
            page.wait_for_selector("#field-brand", timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    for name, value in {"brand": "LG", "model": "OLED55C3", "purchase_year": "2022"}.items():
        page.fill(f"#field-{name}", value)
    page.click("#field-category")
    page.get_by_role("option", name="Телевизор").click()
    page.click("#save-device")
    page.wait_for_selector("input[type=file]", state="attached")
    page.set_input_files("input[type=file]", str(photo))
    page.wait_for_selector(".device-photo", timeout=30_000)


# ---- S3 storage: moto's S3 over real HTTP on 127.0.0.1 (presigned URLs as browsers use them) --


@pytest.fixture(scope="session")
def s3_endpoint():
    from tests.support.s3 import moto_s3_server

    with moto_s3_server() as endpoint:
        yield endpoint


@pytest.fixture
def s3_storage(db, s3_endpoint, monkeypatch):
    """STORAGE_BACKEND=s3 against moto, a fresh bucket per test; yields the S3Storage."""
    from privet_manager_app.infra import storage
    from privet_manager_app.settings import reset_settings_cache
    from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY

    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("S3_ENDPOINT", s3_endpoint)
    monkeypatch.setenv("S3_PUBLIC_ENDPOINT", "")
    monkeypatch.setenv("S3_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("S3_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("S3_REGION", REGION)
    monkeypatch.setenv("S3_BUCKET", f"privet-{uuid.uuid4().hex[:12]}")
    reset_settings_cache()
    storage._STORAGES.clear()
    yield storage.get_storage()
    storage._STORAGES.clear()
    monkeypatch.undo()
    reset_settings_cache()


def pytest_collection_modifyitems(config, items):
    """Browser tests share one live server (one port): under xdist they run on one worker."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
