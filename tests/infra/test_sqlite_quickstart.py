"""Smoke test of the quick start: SQLite + local storage, migrations, demo data, login, list."""

from __future__ import annotations

import pytest


@pytest.fixture
def sqlite_db(tmp_path, monkeypatch):
    from tests.conftest import use_database

    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    monkeypatch.setenv("DEMO_CLIENTS", "25")
    use_database(f"sqlite:///{tmp_path / 'quick.db'}")
    yield tmp_path / "quick.db"
    from privet_manager_app.infra.db import dispose_engines

    dispose_engines()


def test_быстрый_старт_на_sqlite(sqlite_db):
    from fastapi.testclient import TestClient

    from privet_manager_app.api.app import create_api
    from privet_manager_app.cli import prepare_database
    from privet_manager_app.dev.demo import DEMO_PASSWORD

    prepare_database(seed_demo=True)
    prepare_database(seed_demo=True)  # a second start neither fails nor seeds twice
    assert sqlite_db.exists()
    with TestClient(create_api()) as api:
        login = api.post(
            "/api/manager/auth/login",
            json={"email": "manager@example.com", "password": DEMO_PASSWORD},
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        new = api.get("/api/manager/clients?tab=new&limit=100", headers=headers).json()["items"]
        in_work = api.get("/api/manager/clients?tab=in_work", headers=headers).json()["items"]
        done = api.get("/api/manager/clients?tab=processed", headers=headers).json()["items"]
        assert len(new) + len(in_work) + len(done) == 25
        assert len(done) == 2  # demo clients signed (PDF, OTP, photos) on SQLite too
        # SQLite's lower() is ASCII-only; ours folds Cyrillic too.
        some_name = new[0]["name"]
        found = api.get(
            "/api/manager/clients", params={"q": some_name.upper()}, headers=headers
        ).json()["items"]
        assert some_name in [item["name"] for item in found]
