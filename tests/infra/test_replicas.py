"""Several replicas of the app: starting together on a fresh database, and what a deployment
without Redis may not do."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa

from privet_manager_app import cli
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra import replicas
from privet_manager_app.infra.db import dispose_engines, get_engine, transaction
from privet_manager_app.schema.tables import ManagerReplica
from tests.conftest import ROOT, use_database

# Both processes wait for the same moment, then prepare the database: the race of two
# replicas started by one deployment.
START_TOGETHER = """
import os, sys, time
time.sleep(max(0.0, float(os.environ["START_AT"]) - time.time()))
from privet_manager_app.cli import prepare_database
prepare_database(seed_demo=True)
"""


@pytest.fixture
def fresh_db(postgres, tmp_path):
    name = f"r_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name)
    yield url
    dispose_engines()
    postgres.drop_database(name)


def test_две_реплики_на_пустой_базе_обе_мигрируют_и_сеют_демо_один_раз(fresh_db, tmp_path):
    start_at = time.time() + 8  # both interpreters have imported the app by then
    env = {
        **os.environ,
        "DATABASE_URL": fresh_db,
        "APP_ENV": "test",
        "DEMO_CLIENTS": "12",
        "STORAGE_DIR": str(tmp_path / "storage"),
        "START_AT": str(start_at),
        "PYTHONPATH": str(ROOT),
    }
    replicas = [
        subprocess.Popen(
            [sys.executable, "-c", START_TOGETHER],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [replica.communicate(timeout=240) for replica in replicas]
    for replica, (_out, err) in zip(replicas, results, strict=True):
        assert replica.returncode == 0, err[-3000:]
    assert sum("Демо-данные" in out for out, _ in results) == 1, "демо засеяно один раз"

    use_database(fresh_db)
    with get_engine().connect() as connection:
        versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        clients = connection.execute(sa.text("SELECT count(*) FROM manager_clients")).scalar()
    assert len(versions) == 1
    assert clients == 12


def test_несколько_воркеров_без_redis_не_запускаются(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(SystemExit) as refused:
        cli.main(["serve", "--workers", "2", "--no-build"])
    assert "REDIS_URL" in str(refused.value)


def test_вторая_реплика_без_redis_отказывается_стартовать(db):
    replicas.announce("app-1:8000", has_redis=False)
    with pytest.raises(replicas.ReplicaRefused, match="REDIS_URL"):
        replicas.announce("app-2:8000", has_redis=False)
    replicas.announce("app-1:8000", has_redis=False)  # the same instance restarting


def test_реплики_с_redis_работают_вместе_а_пропавшая_не_мешает(db):
    replicas.announce("app-1:8000", has_redis=True)
    replicas.announce("app-2:8000", has_redis=True)
    with pytest.raises(replicas.ReplicaRefused):
        replicas.announce("app-3:8000", has_redis=False)
    # Both went away without a goodbye (killed): after ALIVE_SECONDS they no longer count.
    with transaction() as session:
        session.execute(
            sa.update(ManagerReplica).values(
                seen_at=utcnow() - dt.timedelta(seconds=replicas.ALIVE_SECONDS + 1)
            )
        )
    replicas.announce("app-3:8000", has_redis=False)
    replicas.heartbeat("app-3:8000")
    replicas.leave("app-3:8000")
    replicas.announce("app-4:8000", has_redis=False)
