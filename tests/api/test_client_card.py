"""The client card's history over REST: journal and notes, the client's chat, the audit trail,
and the audited passport reveal."""

from __future__ import annotations

from tests.support.factories import add_passport, audit_entries, claimed_client
from tests.support.samples import without_times


def test_rest_журнал_заметки_чат_аудит(api, manager, login_headers):
    headers = login_headers(manager)
    client = claimed_client(manager)
    base = f"/api/manager/clients/{client.id}"
    added = api.post(f"{base}/notes", json={"body": "Перезвонить завтра"}, headers=headers)
    assert added.status_code == 201
    assert added.json()["author"] == manager.name
    log = api.get(f"{base}/log", headers=headers).json()
    assert log[0]["body"] == "Перезвонить завтра"
    empty = api.post(f"{base}/notes", json={"body": " "}, headers=headers)
    assert empty.status_code == 422
    assert empty.json()["code"] == "invalid_note"
    assert api.get(f"{base}/chat", headers=headers).json() == []
    audit = api.get(f"{base}/audit", headers=headers).json()
    assert audit[0]["action"] == "client_claimed"
    assert api.get("/api/manager/clients/999999/log", headers=headers).status_code == 404
    assert api.get(f"{base}/log").status_code == 401


def test_rest_паспорт_полностью_только_через_показать(api, manager, login_headers):
    headers = login_headers(manager)
    client = claimed_client(manager)
    add_passport(client, number="987654")
    base = f"/api/manager/clients/{client.id}"
    for path in ("", "/log", "/audit", "/chat"):
        assert "987654" not in without_times(api.get(base + path, headers=headers).text)
    revealed = api.post(f"{base}/passport/reveal", headers=headers)
    assert revealed.status_code == 200
    assert revealed.json()["number_full"] == "4512 987654"
    [entry] = audit_entries(client.id, "passport_revealed")
    assert entry.user_agent == "testclient"
    audit = api.get(f"{base}/audit", headers=headers)
    assert audit.json()[0]["action"] == "passport_revealed"
    assert "987654" not in without_times(audit.text)
