"""The container's entrypoint, run outside Docker: prod mode migrates a shared DB and serves."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from privet_manager_app.cli import FRONTEND_DIR
from privet_manager_app.dev.client_app_fixture import create_client_app_tables
from tests.conftest import ROOT
from tests.support.ports import free_port
from tests.support.production import SECRETS, production_evidence

ENTRYPOINT = str(ROOT / "docker" / "entrypoint.sh")


def _run_entrypoint(env: dict[str, str]) -> subprocess.CompletedProcess:
    """The entrypoint with only `env` (no .env of the worktree): for a start that is refused."""
    return subprocess.run([ENTRYPOINT], env=env, capture_output=True, text=True, timeout=60)


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


def _start_entrypoint(database: str, tmp_path, **extra: str) -> tuple[subprocess.Popen, str]:
    """The container's start in prod mode, in its own process group (as PID 1 of a container
    is), once `/ping` answers: (the process, its base URL)."""
    port = free_port()
    env = {
        **os.environ,
        **SECRETS,
        **production_evidence(),  # the seal and passport keys (issue 12)
        "APP_ENV": "prod",
        "DATABASE_URL": database,
        "STORAGE_DIR": str(tmp_path),
        "PORT": str(port),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        **extra,
    }
    log = (tmp_path / "entrypoint.log").open("w")
    process = subprocess.Popen(
        [ENTRYPOINT], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "entrypoint.log").read_text()
        try:
            if httpx.get(f"{base}/ping", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.3)
    _stop_group(process)
    raise AssertionError((tmp_path / "entrypoint.log").read_text()[-3000:])


def _group_members(group: int) -> list[str]:
    """Live (not zombie) processes of a process group: «pid command» each."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(f"{stat.parent.name} {text[text.index('(') : text.rindex(')') + 1]}")
    return members


def _stop_group(process: subprocess.Popen) -> None:
    """What a test must leave behind: nothing — the whole group, whatever it left running."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


@pytest.mark.skipif(not (FRONTEND_DIR / "index.html").exists(), reason="frontend not built")
def test_entrypoint_в_прод_режиме_мигрирует_и_обслуживает_один_порт(shared_database, tmp_path):
    process, base = _start_entrypoint(shared_database, tmp_path)
    try:
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
        _stop_group(process)


@pytest.mark.skipif(not (FRONTEND_DIR / "index.html").exists(), reason="frontend not built")
def test_контейнер_по_sigterm_останавливается_целиком_вместе_с_пулом_процессов(
    shared_database, tmp_path
):
    # `docker stop` sends SIGTERM to PID 1. The login below starts the CPU pool's worker
    # processes (bcrypt runs there); a web worker that exits without stopping them waits for
    # them forever, and the replica never goes away.
    # The suite runs everything inline (CPU_POOL_WORKERS=0); the container's default is 2.
    process, base = _start_entrypoint(shared_database, tmp_path, CPU_POOL_WORKERS="2")
    try:
        answer = httpx.post(
            f"{base}/api/manager/auth/login", json={"email": "a@b.c", "password": "x"}, timeout=30
        )
        assert answer.status_code == 401
        assert len(_group_members(process.pid)) >= 3  # server, web worker, pool worker(s)
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _group_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _group_members(process.pid) == []
        assert process.wait(timeout=5) == 0 or process.returncode == -signal.SIGTERM
    finally:
        _stop_group(process)


def test_entrypoint_в_прод_режиме_без_секретов_не_стартует(shared_database, tmp_path):
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
        "APP_ENV": "prod",
        "DATABASE_URL": shared_database,
        "HOME": str(tmp_path),
    }
    result = _run_entrypoint(env)
    assert result.returncode != 0
    assert "MANAGER_JWT_SECRET" in result.stderr


def test_контейнер_без_database_url_не_стартует_на_sqlite(tmp_path):
    env = {
        **SECRETS,
        **production_evidence(),
        "PATH": f"{ROOT / '.venv' / 'bin'}:/usr/bin:/bin",
        "APP_ENV": "prod",
        "HOME": str(tmp_path),
        "STORAGE_DIR": str(tmp_path / "storage"),
        "PORT": "1",  # it must not get as far as binding one
    }
    database = ROOT / "data" / "privet_manager.db"
    before = database.stat().st_mtime_ns if database.exists() else None
    result = _run_entrypoint(env)
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    after = database.stat().st_mtime_ns if database.exists() else None
    assert after == before  # the quick-start database was not created or touched
    assert not os.path.exists(tmp_path / "storage")
