"""Production refuses to start on SQLite, never falls back to it, and names every problem of its
configuration at once — an operator fixes them in one go, not one per failed start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from privet_manager_app.settings import InsecureSettingsError
from tests.conftest import ROOT
from tests.support.production import SECRETS, prod_settings, production_evidence

EVERY_PROBLEM = ["DATABASE_URL", *SECRETS]


def test_прод_без_database_url_не_берёт_sqlite_по_умолчанию_и_называет_переменную(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = prod_settings()
    with pytest.raises(InsecureSettingsError, match="DATABASE_URL") as refused:
        settings.check_production_secrets()
    assert len(refused.value.problems) == 1


@pytest.mark.parametrize("url", ["sqlite:///data/privet_manager.db", "sqlite://", "  "])
def test_прод_на_sqlite_не_стартует(url):
    with pytest.raises(InsecureSettingsError, match="DATABASE_URL"):
        prod_settings(DATABASE_URL=url).check_production_secrets()


def test_прод_на_postgresql_стартует():
    prod_settings(
        DATABASE_URL="postgresql://privet@db.internal/privetdb"
    ).check_production_secrets()


def test_отказ_при_старте_перечисляет_все_проблемы_сразу(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "privet_manager_app", "migrate"],
        cwd=tmp_path,  # no .env of the worktree
        env={
            "APP_ENV": "prod",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    missing = [name for name in EVERY_PROBLEM if name not in result.stderr]
    assert missing == [], result.stderr


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
    result = subprocess.run(
        [str(ROOT / "docker" / "entrypoint.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    after = database.stat().st_mtime_ns if database.exists() else None
    assert after == before  # the quick-start database was not created or touched
    assert not os.path.exists(tmp_path / "storage")
