"""Managers administered over REST: admins only (403 for a manager), the last-admin rules
and their error codes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.admin import auth
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import (
    ManagerUser,
)
from tests.conftest import DEFAULT_PASSWORD

MANAGERS_URL = "/api/manager/admin/managers"


def test_rest_администратор_ведёт_менеджеров(api, admin, login_headers):
    headers = login_headers(admin)
    created = api.post(
        MANAGERS_URL,
        json={"email": "rest@example.com", "name": "Рест Мастер", "password": "Пароль-1234"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    manager_id = created.json()["id"]
    listed = api.get(MANAGERS_URL, headers=headers).json()
    assert {"rest@example.com", admin.email} <= {item["email"] for item in listed}
    patched = api.patch(
        f"{MANAGERS_URL}/{manager_id}", json={"role": "admin", "is_active": False}, headers=headers
    )
    assert patched.status_code == 200
    assert (patched.json()["role"], patched.json()["is_active"]) == ("admin", False)
    reset = api.post(
        f"{MANAGERS_URL}/{manager_id}/reset-password",
        json={"password": "Другой-пароль-1"},
        headers=headers,
    )
    assert reset.status_code == 200


def test_rest_правила_последнего_администратора_и_ошибки(api, admin, login_headers):
    headers = login_headers(admin)
    last = api.patch(f"{MANAGERS_URL}/{admin.id}", json={"role": "manager"}, headers=headers)
    assert last.status_code == 409
    assert last.json()["code"] == "last_admin"
    assert "администратор" in last.json()["detail"]
    self_off = api.patch(f"{MANAGERS_URL}/{admin.id}", json={"is_active": False}, headers=headers)
    assert self_off.json()["code"] == "cannot_deactivate_self"
    bad_role = api.patch(f"{MANAGERS_URL}/{admin.id}", json={"role": "root"}, headers=headers)
    assert bad_role.status_code == 422
    missing = api.patch(f"{MANAGERS_URL}/999999", json={"role": "manager"}, headers=headers)
    assert missing.status_code == 404
    taken = api.post(
        MANAGERS_URL,
        json={"email": admin.email, "name": "Дубль", "password": "Пароль-1234"},
        headers=headers,
    )
    assert taken.status_code == 409
    assert taken.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/manager/admin/managers", None),
        (
            "post",
            "/api/manager/admin/managers",
            {"email": "x@example.com", "name": "Икс", "password": "Пароль-1234", "role": "admin"},
        ),
        ("patch", "/api/manager/admin/managers/{admin}", {"is_active": False}),
        ("patch", "/api/manager/admin/managers/{manager}", {"role": "admin"}),
        ("post", "/api/manager/admin/managers/{admin}/reset-password", {"password": "Чужой-1234"}),
        ("get", "/api/manager/admin/dashboard", None),
        ("post", "/api/manager/admin/clients/1/reassign", {"manager_id": 1}),
    ],
)
def test_rest_менеджеру_админские_методы_отвечают_403(
    api, manager, admin, login_headers, method, path, body
):
    headers = login_headers(manager)
    url = path.format(admin=admin.id, manager=manager.id)
    response = api.request(method, url, json=body, headers=headers)
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Это действие доступно только администратору",
        "code": "admin_only",
    }
    with transaction() as session:
        assert session.get(ManagerUser, admin.id).is_active
        assert session.get(ManagerUser, manager.id).role == "manager"
        assert (
            session.execute(sa.select(sa.func.count()).select_from(ManagerUser)).scalar_one() == 2
        )
    assert auth.login(admin.email, DEFAULT_PASSWORD, None, None)
    assert api.request(method, url, json=body).status_code == 401
