"""The container's entrypoint, run outside Docker: prod mode migrates a shared DB and serves."""

from __future__ import annotations

import os
import subprocess
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa

from privet_manager_app.cli import FRONTEND_DIR
from privet_manager_app.dev.client_app_fixture import create_client_app_tables
from tests.conftest import ROOT
from tests.support.ports import free_port
from tests.support.production import production_evidence

SECRETS = {
    "MANAGER_JWT_SECRET": "entrypoint-test-jwt-secret-0123456789abcdef",
    "CONTRACT_SIGNATURE_SECRET": "entrypoint-test-signature-secret-0123456789",
    "OTP_HMAC_SECRET": "entrypoint-test-otp-secret-0123456789abcdef",
    "STORAGE_URL_SECRET": "entrypoint-test-storage-secret-0123456789ab",
}


@pytest.fixture
def shared_database(postgres):
    """A database as the client app keeps it: its tables exist, ours do not yet."""
    name = f"e_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        create_client_app_tables(connection, with_support_bridge=True)
    engine.dispose()
    yield url
    postgres.drop_database(name)


@pytest.mark.skipif(not (FRONTEND_DIR / "index.html").exists(), reason="frontend not built")
def test_entrypoint_в_прод_режиме_мигрирует_и_обслуживает_один_порт(shared_database, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        **SECRETS,
        **production_evidence(),  # the seal and passport keys (issue 12)
        "APP_ENV": "prod",
        "DATABASE_URL": shared_database,
        "STORAGE_DIR": str(tmp_path),
        "PORT": str(port),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
    }
    log = (tmp_path / "entrypoint.log").open("w")
    process = subprocess.Popen(
        [str(ROOT / "docker" / "entrypoint.sh")], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "entrypoint.log").read_text()
            try:
                if httpx.get(f"{base}/ping", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        page = httpx.get(f"{base}/login/", timeout=5)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "viewport-fit=cover" in page.text
        # Production: Swagger and the schema are off unless DOCS_ENABLED says otherwise.
        assert httpx.get(f"{base}/openapi.json", timeout=5).status_code == 404
        assert "swagger" not in httpx.get(f"{base}/docs", timeout=5).text.lower()
        api = httpx.post(f"{base}/api/manager/auth/login", json={"email": "a@b.c", "password": "x"})
        assert api.status_code == 401
        engine = sa.create_engine(shared_database)
        with engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
        engine.dispose()
        assert {"manager_clients", "privet_manager_alembic_version"} <= tables
        # No demo data in production mode.
        assert "manager@example.com" not in (tmp_path / "entrypoint.log").read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_entrypoint_в_прод_режиме_без_секретов_не_стартует(shared_database, tmp_path):
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
        "APP_ENV": "prod",
        "DATABASE_URL": shared_database,
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [str(ROOT / "docker" / "entrypoint.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "MANAGER_JWT_SECRET" in result.stderr
