"""Settings (production refuses default secrets) and the operator CLI."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from privet_manager_app import cli
from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.settings import InsecureSettingsError, Settings
from tests.conftest import ROOT
from tests.support.production import production_evidence

STRONG = "x" * 20 + "-strong-secret-value-1"


def _prod(**overrides) -> Settings:
    values = {
        "APP_ENV": "prod",
        "DATABASE_URL": "postgresql://privet@db.internal:5432/privetdb",
        "MANAGER_JWT_SECRET": STRONG + "a",
        "CONTRACT_SIGNATURE_SECRET": STRONG + "b",
        "OTP_HMAC_SECRET": STRONG + "c",
        "STORAGE_URL_SECRET": STRONG + "d",
        **production_evidence(),  # the seal and passport keys (issue 12)
    }
    values.update(overrides)
    return Settings(**values)


def test_прод_с_собственными_секретами_запускается():
    _prod().check_production_secrets()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MANAGER_JWT_SECRET", ""),
        ("MANAGER_JWT_SECRET", "change_me_manager_secret"),
        ("CONTRACT_SIGNATURE_SECRET", "change_me_signature"),
        ("OTP_HMAC_SECRET", "short"),
        ("STORAGE_URL_SECRET", "dev-only-storage-url-secret-not-for-production"),
    ],
)
def test_прод_отказывается_от_пустого_или_стандартного_секрета_и_называет_переменную(name, value):
    with pytest.raises(InsecureSettingsError, match=name):
        _prod(**{name: value}).check_production_secrets()


def test_прод_с_s3_требует_ключ_s3():
    with pytest.raises(InsecureSettingsError, match="S3_SECRET_KEY"):
        _prod(STORAGE_BACKEND="s3", S3_SECRET_KEY="minioadmin").check_production_secrets()


def test_прод_без_секретов_не_стартует_и_печатает_имя_переменной(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import privet_manager_app.privet_manager_app"],
        cwd=ROOT,
        env={"APP_ENV": "prod", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "MANAGER_JWT_SECRET" in result.stderr


def test_create_manager_читает_пароль_из_stdin(db, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Very-Secret-1\n"))
    cli.main(
        [
            "create-manager",
            "--email",
            "New@Example.com",
            "--name",
            "Новый",
            "--role",
            "admin",
            "--password-stdin",
        ]
    )
    assert "admin new@example.com" in capsys.readouterr().out
    assert auth.login("new@example.com", "Very-Secret-1", None, None).manager.is_admin


def test_backfill_clients_идемпотентен(db, add_users, capsys):
    add_users(3)
    from privet_manager_app.infra.db import transaction
    from privet_manager_app.schema.client_app import ClientUser

    with transaction() as session:
        session.add(ClientUser(name="Без карточки"))
    cli.main(["backfill-clients"])
    cli.main(["backfill-clients"])
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Добавлено записей manager_clients: 1",
        "Обновлено строк поиска: 1",
        "Добавлено записей manager_clients: 0",
        "Обновлено строк поиска: 0",
    ]


def test_seed_demo_создаёт_клиентов_и_демо_входы(db):
    cli.main(["seed-demo", "12"])
    from privet_manager_app.dev.demo import DEMO_PASSWORD

    manager = auth.login("manager@example.com", DEMO_PASSWORD, None, None).manager
    admin = auth.login("admin@example.com", DEMO_PASSWORD, None, None).manager
    assert admin.is_admin
    assert not manager.is_admin
    new = clients.list_clients(manager, "new", limit=100).items
    in_work = clients.list_clients(manager, "in_work", limit=100).items
    processed = clients.list_clients(manager, "processed", limit=100).items
    assert len(new) + len(in_work) + len(processed) == 12
    # The first demo clients went through the real wizard: every tab has something to show.
    assert sorted(card.status for card in in_work) == [
        "awaiting_payment",
        "contract_sent",
        "in_progress",
        "in_progress",
    ]
    assert len(processed) == 2
    assert all(card.registration_address for card in in_work + processed)
