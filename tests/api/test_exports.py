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
