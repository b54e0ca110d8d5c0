"""The CSV export over REST: a file any manager can download."""

from __future__ import annotations

import csv
import io

from tests.support.factories import claimed_client

EXPORT_URL = "/api/manager/clients/export.csv"


def _rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_rest_экспорт_отдаёт_файл_любому_менеджеру(api, manager, login_headers):
    claimed_client(manager, name="Иван Петров")
    response = api.get(EXPORT_URL, params={"tab": "mine"}, headers=login_headers(manager))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "clients-moi-" in disposition
    _, row = _rows(response.content)
    assert row[1] == "Иван Петров"
    assert api.get(EXPORT_URL).status_code == 401
    bad = api.get(EXPORT_URL, params={"tab": "x"}, headers=login_headers(manager))
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_tab"


def test_rest_экспорт_идёт_потоком_и_скачивается_по_cookie_сессии(
    api, manager, login_headers, add_users
):
    add_users(30)
    token = login_headers(manager)["Authorization"].removeprefix("Bearer ")
    # What the list page's «Скачать» link does: the browser sends its session cookie.
    api.cookies.set("pm_session", token)
    with api.stream("GET", EXPORT_URL, params={"tab": "new"}) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed, not built in memory
        data = b"".join(response.iter_bytes())
    api.cookies.clear()
    assert len(_rows(data)) == 31
    count = api.get(
        "/api/manager/clients/export/count", params={"tab": "new"}, headers=login_headers(manager)
    )
    assert count.json() == {"rows": 30}
    assert api.get("/api/manager/clients/export/count").status_code == 401
