"""One trustworthy client IP (issue 9, item 3): what a client types into X-Forwarded-For never
reaches the signed ПЭП trace nor the audit; behind N proxies of ours the address the
outermost one saw does."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from pypdf import PdfReader
from sqlmodel import select

from privet_manager_app.domain import contracts, tariffs
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.models import ManagerAuditLog
from privet_manager_app.settings import Settings, reset_settings_cache
from tests.support.factories import contract_row, last_code, make_tariff, ready_client

FORGED = "6.6.6.6"  # what an attacker puts at the left of X-Forwarded-For
CLIENT = "203.0.113.50"  # the address our proxy saw the request come from
PROXY = "10.0.0.2"  # our proxy: the socket peer of the app


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "hops", "expected"),
    [
        # No proxy: the header is the client's own text, ignored.
        (CLIENT, f"{FORGED}", 0, CLIENT),
        (CLIENT, None, 0, CLIENT),
        # One proxy: it appended the address it saw; everything left of it is the client's.
        (PROXY, f"{FORGED}, {CLIENT}", 1, CLIENT),
        (PROXY, f"{FORGED},{FORGED}, {CLIENT}", 1, CLIENT),
        (PROXY, CLIENT, 1, CLIENT),
        # Two proxies (CDN → nginx → app): the second from the right.
        (PROXY, f"{FORGED}, {CLIENT}, 10.9.9.9", 2, CLIENT),
        # A chain shorter than configured: the request skipped our proxies — the peer.
        (PROXY, FORGED, 2, PROXY),
        (PROXY, None, 1, PROXY),
        # Ports and brackets as some proxies write them; garbage from a broken proxy.
        (PROXY, f"{FORGED}, {CLIENT}:51234", 1, CLIENT),
        (PROXY, f"{FORGED}, [2001:db8::7]:443", 1, "2001:db8::7"),
        (PROXY, f"{FORGED}, unknown", 1, PROXY),
    ],
)
def test_ip_клиента_берётся_справа_по_числу_своих_прокси(peer, forwarded_for, hops, expected):
    from privet_manager_app.edge.client_ip import client_ip

    assert client_ip(peer, forwarded_for, hops) == expected


def test_старый_переключатель_trust_proxy_headers_отказывает_при_старте(monkeypatch):
    monkeypatch.setenv("TRUST_PROXY_HEADERS", "true")
    with pytest.raises(ValidationError, match="TRUSTED_PROXY_HOPS"):
        Settings()


@pytest.fixture
def behind_proxy(db, monkeypatch):
    """REST as the app sees it behind one reverse proxy: the peer is the proxy."""
    from privet_manager_app.api.app import create_api

    def start(hops: int) -> TestClient:
        monkeypatch.setenv("TRUSTED_PROXY_HOPS", str(hops))
        reset_settings_cache()
        return TestClient(create_api(), client=(PROXY, 40000), raise_server_exceptions=False)

    return start


def _contract_waiting_for_code(manager):
    client = ready_client(manager)
    tariffs.apply_tariff(manager, client.id, make_tariff(extra_device_fee="0.00"))
    return client, contracts.generate_contract(manager, client.id)


def _sign_over_rest(api: TestClient, manager, client, forwarded_for: str):
    login = api.post(
        "/api/manager/auth/login",
        json={"email": manager.email, "password": "Secret-Pass-1"},
        headers={"X-Forwarded-For": forwarded_for},
    )
    assert login.status_code == 200, login.text
    response = api.post(
        f"/api/manager/clients/{client.id}/contract/confirm",
        json={"code": last_code(client.user_id), "pep_agreed": True},
        headers={
            "Authorization": f"Bearer {login.json()['access_token']}",
            "X-Forwarded-For": forwarded_for,
        },
    )
    assert response.status_code == 200, response.text


def _audit_ips(client_id: int) -> dict[str, str | None]:
    with transaction() as session:
        rows = session.exec(
            select(ManagerAuditLog).where(ManagerAuditLog.client_id == client_id)
        ).all()
        return {row.action: row.ip for row in rows}


def test_поддельный_x_forwarded_for_за_прокси_не_попадает_в_след_пэп_и_аудит(behind_proxy, manager):
    client, view = _contract_waiting_for_code(manager)
    api = behind_proxy(hops=1)
    # The attacker sends "X-Forwarded-For: 6.6.6.6"; our proxy appends what it saw.
    _sign_over_rest(api, manager, client, f"{FORGED}, {CLIENT}")

    stored = contract_row(view.contract_id)
    assert stored.signer_ip == CLIENT
    assert _audit_ips(client.id)["contract_signed"] == CLIENT
    certificate = get_storage().get(stored.certificate_key)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(certificate)).pages)
    assert CLIENT in text
    assert FORGED not in text


def test_без_прокси_заголовок_x_forwarded_for_игнорируется(behind_proxy, manager):
    client, view = _contract_waiting_for_code(manager)
    api = behind_proxy(hops=0)
    _sign_over_rest(api, manager, client, f"{FORGED}, {CLIENT}")
    assert contract_row(view.contract_id).signer_ip == PROXY  # the socket peer, nothing typed
    assert _audit_ips(client.id)["contract_signed"] == PROXY
