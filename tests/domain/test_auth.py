"""Manager accounts and login: bcrypt, lockout, no account enumeration, sessions."""

from __future__ import annotations

import bcrypt
import pytest
import sqlalchemy as sa

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    ValidationFailed,
)
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerUser
from tests.conftest import DEFAULT_PASSWORD


def _login(email, password=DEFAULT_PASSWORD):
    return auth.login(email, password, "127.0.0.1", "pytest")


def test_пароль_хранится_как_bcrypt_с_настроенной_стоимостью(manager):
    with transaction() as session:
        stored = session.get(ManagerUser, manager.id).password_hash
    assert stored.startswith("$2b$04$")
    assert bcrypt.checkpw(DEFAULT_PASSWORD.encode(), stored.encode())


def test_по_умолчанию_стоимость_bcrypt_12(monkeypatch):
    from privet_manager_app.settings import Settings

    monkeypatch.delenv("BCRYPT_ROUNDS")
    assert Settings().BCRYPT_ROUNDS == 12


def test_email_уникален_без_учёта_регистра(make_manager):
    make_manager(email="Boss@Example.com")
    with pytest.raises(Conflict) as error:
        make_manager(email="boss@example.COM")
    assert error.value.code == "email_taken"


def test_вход_без_учёта_регистра_email(make_manager):
    make_manager(email="Case@Example.com")
    issued = _login("  CASE@example.com ")
    assert issued.manager.email == "case@example.com"


def test_пароль_длиннее_72_байт_отклоняется_понятно(db):
    with pytest.raises(ValidationFailed) as error:
        auth.create_manager("long@example.com", "Длинный", "пароль" * 13, "manager")
    assert error.value.code == "password_too_long"
    assert "72" in error.value.message
    with pytest.raises(ValidationFailed):
        _login("long@example.com", "я" * 40)


def test_короткий_пароль_и_плохой_email_отклоняются(db):
    with pytest.raises(ValidationFailed) as short:
        auth.create_manager("short@example.com", "Коротко", "123", "manager")
    assert short.value.code == "password_too_short"
    with pytest.raises(ValidationFailed) as bad_email:
        auth.create_manager("not-an-email", "Имя", DEFAULT_PASSWORD, "manager")
    assert bad_email.value.code == "invalid_email"


def test_неверный_пароль_и_несуществующий_email_отвечают_одинаково(manager):
    with pytest.raises(NotAuthenticated) as wrong_password:
        _login(manager.email, "wrong-password")
    with pytest.raises(NotAuthenticated) as no_account:
        _login("nobody@example.com", "wrong-password")
    assert wrong_password.value.to_dict() == no_account.value.to_dict()


def test_успешный_вход_сбрасывает_счётчик_неудач(manager):
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            _login(manager.email, "wrong-password")
    _login(manager.email)
    for _ in range(4):
        with pytest.raises(NotAuthenticated):
            _login(manager.email, "wrong-password")
    assert _login(manager.email)


def test_отключённый_менеджер_не_входит_и_его_токен_перестаёт_действовать(manager):
    issued = _login(manager.email)
    with transaction() as session:
        session.execute(
            sa.update(ManagerUser).where(ManagerUser.id == manager.id).values(is_active=False)
        )
    with pytest.raises(Forbidden) as error:
        _login(manager.email)
    assert error.value.code == "account_disabled"
    with pytest.raises(NotAuthenticated):
        auth.authenticate_token(issued.access_token)


def test_выход_завершает_сессию_на_сервере(manager):
    issued = _login(manager.email)
    actor = auth.authenticate_token(issued.access_token)
    auth.logout(actor)
    with pytest.raises(NotAuthenticated) as error:
        auth.authenticate_token(issued.access_token)
    assert error.value.code == "session_ended"


def test_обновление_токена_закрывает_старый(manager):
    old = _login(manager.email)
    new = auth.refresh(auth.authenticate_token(old.access_token))
    assert auth.authenticate_token(new.access_token).id == manager.id
    with pytest.raises(NotAuthenticated):
        auth.authenticate_token(old.access_token)


def test_поддельный_и_просроченный_токен_отклоняются(manager, monkeypatch):
    import jwt

    issued = _login(manager.email)
    claims = jwt.decode(issued.access_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-secret", algorithm="HS256")
    with pytest.raises(NotAuthenticated) as forged_error:
        auth.authenticate_token(forged)
    assert forged_error.value.code == "token_invalid"
    from privet_manager_app.settings import get_settings

    expired = jwt.encode(
        {**claims, "exp": int(utcnow().timestamp()) - 10},
        get_settings().MANAGER_JWT_SECRET,
        algorithm="HS256",
    )
    with pytest.raises(NotAuthenticated) as expired_error:
        auth.authenticate_token(expired)
    assert expired_error.value.code == "token_expired"


def test_роль_берётся_из_базы_а_не_из_токена(manager):
    issued = _login(manager.email)
    with transaction() as session:
        session.execute(
            sa.update(ManagerUser).where(ManagerUser.id == manager.id).values(role="admin")
        )
    assert auth.authenticate_token(issued.access_token).is_admin
