"""REST login, me, refresh, logout; JSON errors with stable codes; Swagger."""

from __future__ import annotations

from tests.conftest import DEFAULT_PASSWORD


def test_вход_выдаёт_bearer_токен_и_me_возвращает_профиль(api, manager):
    response = api.post(
        "/api/manager/auth/login", json={"email": manager.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 120 * 60
    me = api.get(
        "/api/manager/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.json() == {
        "id": manager.id,
        "email": manager.email,
        "name": manager.name,
        "role": "manager",
    }


def test_неверный_пароль_401_с_кодом(api, manager):
    response = api.post("/api/manager/auth/login", json={"email": manager.email, "password": "x"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Неверный email или пароль", "code": "invalid_credentials"}


def test_мусор_в_теле_входа_422_а_не_500(api):
    for body in [
        None,
        [],
        {"email": 5},
        {"email": "a@b.c"},
        {"email": "x" * 10_000, "password": "p"},
    ]:
        response = api.post("/api/manager/auth/login", json=body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "validation_error"
    raw = api.post(
        "/api/manager/auth/login",
        content=b"{not json",
        headers={"content-type": "application/json"},
    )
    assert raw.status_code == 422


def test_выход_и_обновление_токена(api, manager, login_headers):
    headers = login_headers(manager)
    refreshed = api.post("/api/manager/auth/refresh", headers=headers)
    assert refreshed.status_code == 200
    assert api.get("/api/manager/auth/me", headers=headers).status_code == 401
    new_headers = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    assert api.post("/api/manager/auth/logout", headers=new_headers).status_code == 204
    after = api.get("/api/manager/auth/me", headers=new_headers)
    assert after.status_code == 401
    assert after.json()["code"] == "session_ended"


def test_неизвестный_путь_api_это_json_404(api):
    response = api.get("/api/manager/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_swagger_и_openapi_доступны(api):
    assert api.get("/docs").status_code == 200
    spec = api.get("/openapi.json").json()
    assert "/api/manager/auth/login" in spec["paths"]
    assert "/api/manager/clients" in spec["paths"]
