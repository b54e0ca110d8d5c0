"""Signing over REST: the ПЭП trace it writes can be recomputed independently."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import re

from pypdf import PdfReader

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.settings import get_settings
from tests.support.factories import (
    chat_messages,
    client_row,
    contract_row,
    five_wrong_codes,
    generated,
    last_code,
    resend_interval_passed,
    wrong_code,
)

IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) PrivetManager/1.0"


def test_rest_подпись_пишет_след_пэп_который_пересчитывается_независимо(
    api, login_headers, manager
):
    client, view = generated(manager)
    headers = {**login_headers(manager), "User-Agent": IPHONE_UA}
    url = f"/api/manager/clients/{client.id}/contract/confirm"
    code = last_code(client.user_id)

    before_wrong = utcnow()
    wrong = api.post(url, json={"code": wrong_code(code), "pep_agreed": True}, headers=headers)
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "otp_invalid"
    assert wrong.json()["attempts_left"] == 4
    no_consent = api.post(url, json={"code": code, "pep_agreed": False}, headers=headers)
    assert no_consent.status_code == 422
    assert no_consent.json()["code"] == "pep_consent_required"

    response = api.post(url, json={"code": code, "pep_agreed": True}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "signed"
    assert body["certificate_url"]

    stored = contract_row(view.contract_id)
    assert stored.status == ContractStatus.SIGNED
    assert stored.signer_ip == "testclient"
    assert stored.signer_user_agent == IPHONE_UA
    # Consent came with the first confirm (no consent request before it): recorded at its
    # receipt, before that code was compared — and kept for the code that signed.
    assert before_wrong < stored.pep_agreed_at < stored.signed_at
    assert stored.otp_hash is None
    assert body["pdf_sha256"] == stored.pdf_sha256
    assert dt.datetime.fromisoformat(body["signed_at"]) == stored.signed_at

    # Independently of the app's code: the canonical JSON of DESIGN §5 and its HMAC.
    canonical = (
        "{"
        f'"contract_number":"{stored.number}",'
        f'"ip":"testclient",'
        f'"otp_message_id":{stored.otp_support_message_id},'
        f'"pdf_sha256":"{stored.pdf_sha256}",'
        f'"signed_at":"{stored.signed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")}+00:00",'
        f'"user_agent":"{IPHONE_UA}",'
        f'"user_id":{client.user_id}'
        "}"
    )
    expected = hmac.new(
        get_settings().CONTRACT_SIGNATURE_SECRET.encode(), canonical.encode(), hashlib.sha256
    ).hexdigest()
    assert stored.signature_hmac == body["signature_hmac"] == expected

    # «Договор подписан» in the client's chat.
    signed_card = chat_messages(client.user_id)[-1]
    assert signed_card.author_type == "system"
    copy_url = signed_card.payload.pop("signed_copy_url")  # the sealed copy, for the client
    assert copy_url.startswith(f"{get_settings().public_base_url}/api/signed-copy/")
    assert signed_card.payload == {
        "type": "contract_signed",
        "contract_number": stored.number,
        "signed_at": stored.signed_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "amount": "1500.00",
        "currency": "RUB",
        "pdf_sha256": stored.pdf_sha256,
        "verify_url": stored.data_snapshot["verify_url"],
    }
    assert signed_card.body.startswith(f"Договор {stored.number} подписан")
    assert client_row(client.id).status == "signed"

    # The signature certificate tells the whole story.
    certificate = get_storage().get(stored.certificate_key)
    text = re.sub(
        r"\s+",
        " ",
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate)).pages),
    ).replace("\u00a0", " ")
    for expected_text in (
        "ЛИСТ ПОДПИСАНИЯ",
        stored.number,
        "Смирнова Анна Сергеевна",
        "45** ****56",
        "+7 916 ***-**-67",
        "чат поддержки приложения «Привет Супер»",
        f"сообщение № {stored.otp_support_message_id}",
        "неверных вводов последнего кода: 1",
        "testclient",
        "Мастер Анна",
    ):
        assert expected_text in text, expected_text
    # long hex strings and the signed JSON wrap inside their cells
    packed = text.replace(" ", "")
    assert stored.pdf_sha256 in packed
    assert stored.signature_hmac in packed
    assert canonical.replace(" ", "") in packed  # the exact signed string is printed

    certificate_link = api.get(
        f"/api/manager/clients/{client.id}/contract/certificate?redirect=false",
        headers=headers,
    )
    assert certificate_link.status_code == 200


def test_rest_согласие_отдельным_запросом_блокировка_и_разблокировка_администратором(
    api, login_headers, manager, admin
):
    client, _ = generated(manager)
    headers = login_headers(manager)
    base = f"/api/manager/clients/{client.id}/contract"

    consent = api.post(f"{base}/consent", json={"pep_agreed": True}, headers=headers)
    assert consent.status_code == 200, consent.text
    assert consent.json()["pep_agreed"] is True
    assert dt.datetime.fromisoformat(consent.json()["pep_agreed_at"]) <= utcnow()

    # Ten wrong codes, each from its own address (no per-IP delay), over two contracts.
    five_wrong_codes(manager, client, "10.1.0")
    resend_interval_passed(client.id)
    regenerated = api.post(f"{base}/generate", json={}, headers=headers)
    assert regenerated.status_code == 200, regenerated.text
    five_wrong_codes(manager, client, "10.1.1")
    resend_interval_passed(client.id)

    locked = api.post(
        f"{base}/confirm",
        json={"code": last_code(client.user_id), "pep_agreed": True},
        headers=headers,
    )
    assert locked.status_code == 429, locked.text
    assert locked.json()["code"] == "otp_locked"
    assert locked.json()["unlocks_at"]
    again = api.post(f"{base}/generate", json={}, headers=headers)
    assert (again.status_code, again.json()["code"]) == (429, "otp_locked")

    card = api.get(f"/api/manager/clients/{client.id}", headers=headers)
    assert card.json()["signing_lock"]["locked"] is True

    unlock_url = f"/api/manager/admin/clients/{client.id}/signing-unlock"
    reason = {"reason": "Клиент диктовал код из старого сообщения"}
    assert api.post(unlock_url, json=reason, headers=headers).status_code == 403
    unlocked = api.post(unlock_url, json=reason, headers=login_headers(admin))
    assert unlocked.status_code == 200, unlocked.text
    assert (unlocked.json()["locked"], unlocked.json()["attempts_left"]) == (False, 10)
    assert api.post(unlock_url, json=reason, headers=login_headers(admin)).status_code == 409
