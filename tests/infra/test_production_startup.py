"""Production refuses to start on SQLite, never falls back to it, and names every problem of its
configuration at once — an operator fixes them in one go, not one per failed start."""

from __future__ import annotations

import subprocess
import sys

import pytest

from privet_manager_app.settings import InsecureSettingsError
from tests.conftest import ROOT
from tests.support.production import SECRETS, prod_settings

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
