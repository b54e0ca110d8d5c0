"""The signing code and the signature: what the client's chat receives, how the code is kept,
expiry, attempts, replay, resend throttling, and the ПЭП trace recomputed independently."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re

import pytest
import sqlalchemy as sa

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import Conflict, TooManyAttempts, ValidationFailed
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import otp, signing
from privet_manager_app.infra.db import get_engine, transaction
from privet_manager_app.schema.client_app import SupportMessage, SupportTicket
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.schema.tables import OUR_TABLES
from privet_manager_app.settings import get_settings
from tests.support.factories import (
    chat_messages,
    client_row,
    contract_row,
    generated,
    last_code,
    signing_client,
    update_contract,
    wrong_code,
)

IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) PrivetManager/1.0"


def test_код_шесть_цифр_из_csprng():
    codes = {otp.new_code() for _ in range(200)}
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(codes) > 190


def test_код_уходит_в_чат_клиента_карточкой_с_номером_и_суммой(db, manager):
    client, view = generated(manager)
    messages = chat_messages(client.user_id)
    assert len(messages) == 1
    message = messages[0]
    assert message.author_type == "system"
    assert message.author_id is None
    assert message.is_read is False
    code = message.payload["code"]
    assert re.fullmatch(r"\d{6}", code)
    assert message.payload == {
        "type": "contract_otp",
        "contract_number": view.number,
        "amount": "1500.00",
        "currency": "RUB",
        "code": code,
        "expires_at": view.otp_expires_at.isoformat(),
        "ttl_minutes": 10,
    }
    assert message.body == (
        f"Код для подписания договора {view.number} на сумму 1\u00a0500,00\u00a0₽: {code}. "
        "Никому не сообщайте код, кроме менеджера «Привет Супер», который оформляет ваш "
        "договор. Код действует 10 минут."
    )
    with transaction() as session:
        ticket = session.get(SupportTicket, message.ticket_id)
    assert ticket.subject == "Договор и оплата"
    assert ticket.status == "open"
    assert contract_row(view.contract_id).otp_support_message_id == message.id


def test_открытое_обращение_клиента_используется_закрытое_нет(db, manager):
    client = signing_client(manager)
    earlier = utcnow() - dt.timedelta(days=3)
    with transaction() as session:
        closed = SupportTicket(user_id=client.user_id, subject="Старое", status="closed")
        pending = SupportTicket(
            user_id=client.user_id,
            subject="Вопрос по подписке",
            status="pending",
            created_at=earlier,
            updated_at=earlier,
        )
        session.add_all([closed, pending])
        session.flush()
        pending_id = pending.id
    contracts.generate_contract(manager, client.id)
    with transaction() as session:
        message = session.exec(sa.select(SupportMessage)).scalars().one()
        ticket = session.get(SupportTicket, pending_id)
        tickets = session.exec(sa.select(SupportTicket)).scalars().all()
    assert message.ticket_id == pending_id
    assert ticket.updated_at > earlier
    assert len(tickets) == 2


def test_код_хранится_только_как_hmac_и_нигде_не_пишется(db, manager, caplog):
    caplog.set_level(logging.DEBUG)
    client, view = generated(manager)
    code = last_code(client.user_id)
    stored = contract_row(view.contract_id)
    expected = hmac.new(
        get_settings().OTP_HMAC_SECRET.encode(),
        f"{code}:{view.contract_id}".encode(),
        hashlib.sha256,
    ).hexdigest()
    assert stored.otp_hash == expected
    # Our tables never hold the code in clear (hex digests aside, where 6 digits in a row
    # would be a one-in-a-billion coincidence).
    with get_engine().connect() as connection:
        for table in sorted(OUR_TABLES):
            for row in connection.execute(sa.text(f"SELECT * FROM {table}")).mappings():
                for name, value in row.items():
                    if name in {"otp_hash", "pdf_sha256", "sha256", "signature_hmac"}:
                        continue
                    assert code not in json.dumps(value, default=str, ensure_ascii=False), (
                        table,
                        name,
                    )
    assert code not in caplog.text


def test_неверный_код_считается_даже_при_ошибке(db, manager):
    client, view = generated(manager)
    code = last_code(client.user_id)
    with pytest.raises(ValidationFailed) as error:
        signing.confirm_signature(manager, client.id, wrong_code(code), True)
    assert error.value.code == "otp_invalid"
    assert error.value.extra == {"attempts_left": 4}
    assert "Осталось попыток: 4" in error.value.message
    assert contract_row(view.contract_id).otp_attempts == 1  # committed despite the error


def test_пять_неверных_попыток_убивают_код(db, manager):
    client, view = generated(manager)
    code = last_code(client.user_id)
    for attempts_left in (4, 3, 2, 1, 0):
        with pytest.raises(ValidationFailed) as error:
            signing.confirm_signature(manager, client.id, wrong_code(code), True)
        assert error.value.extra["attempts_left"] == attempts_left
    assert contract_row(view.contract_id).otp_hash is None
    with pytest.raises(ValidationFailed) as exhausted:
        signing.confirm_signature(manager, client.id, code, True)
    assert exhausted.value.code == "otp_exhausted"


def test_просроченный_код_не_принимается(db, manager):
    client, view = generated(manager)
    update_contract(view.contract_id, otp_expires_at=utcnow() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationFailed) as error:
        signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    assert error.value.code == "otp_expired"
    assert contract_row(view.contract_id).status == ContractStatus.OTP_SENT


def test_без_согласия_на_пэп_и_с_кривым_кодом_попытка_не_считается(db, manager):
    client, view = generated(manager)
    code = last_code(client.user_id)
    with pytest.raises(ValidationFailed) as consent:
        signing.confirm_signature(manager, client.id, code, False)
    assert consent.value.code == "pep_consent_required"
    with pytest.raises(ValidationFailed) as malformed:
        signing.confirm_signature(manager, client.id, "12a456", True)
    assert malformed.value.code == "otp_format"
    assert contract_row(view.contract_id).otp_attempts == 0
    # spaces as the client may dictate them are fine
    result = signing.confirm_signature(manager, client.id, f"{code[:3]} {code[3:]}", True)
    assert result.status == "signed"


def test_использованный_код_второй_раз_не_подписывает(db, manager):
    client, _ = generated(manager)
    code = last_code(client.user_id)
    signing.confirm_signature(manager, client.id, code, True)
    with pytest.raises(Conflict) as error:
        signing.confirm_signature(manager, client.id, code, True)
    assert error.value.code == "already_signed"


def test_повторная_отправка_не_чаще_минуты_и_не_больше_пяти_раз(db, manager):
    client, view = generated(manager)
    first_code = last_code(client.user_id)
    with pytest.raises(TooManyAttempts) as too_soon:
        contracts.resend_otp(manager, client.id)
    assert too_soon.value.code == "otp_resend_too_soon"
    assert 0 < too_soon.value.extra["retry_after_seconds"] <= 61

    for send in range(2, 6):
        update_contract(view.contract_id, otp_sent_at=utcnow() - dt.timedelta(seconds=61))
        resent = contracts.resend_otp(manager, client.id)
        assert resent.otp_sends_left == 5 - send
    messages = [m for m in chat_messages(client.user_id) if m.payload["type"] == "contract_otp"]
    assert len(messages) == 5
    assert contract_row(view.contract_id).otp_support_message_id == messages[-1].id

    update_contract(view.contract_id, otp_sent_at=utcnow() - dt.timedelta(seconds=61))
    with pytest.raises(TooManyAttempts) as limit:
        contracts.resend_otp(manager, client.id)
    assert limit.value.code == "otp_send_limit"

    new_code = last_code(client.user_id)
    if first_code != new_code:
        with pytest.raises(ValidationFailed):
            signing.confirm_signature(manager, client.id, first_code, True)
    assert signing.confirm_signature(manager, client.id, new_code, True).status == "signed"


def test_новый_код_после_исчерпания_попыток_снова_даёт_пять(db, manager):
    client, view = generated(manager)
    code = last_code(client.user_id)
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            signing.confirm_signature(manager, client.id, wrong_code(code), True)
    update_contract(view.contract_id, otp_sent_at=utcnow() - dt.timedelta(seconds=61))
    resent = contracts.resend_otp(manager, client.id)
    assert resent.otp_attempts_left == 5
    # From that address the next guess now waits (5 wrong codes from one IP within the hour);
    # a guess from another address is judged by the client's budget alone — and signs.
    elsewhere = manager.with_origin("10.0.0.99", "Mozilla/5.0")
    assert signing.confirm_signature(elsewhere, client.id, last_code(client.user_id), True)


def test_при_нулевой_доплате_подписанный_клиент_сразу_обработан(db, manager):
    client, _ = generated(manager, extra_fee="0.00")
    result = signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    assert result.status == "processed"
    row = client_row(client.id)
    assert row.status == "processed"
    assert row.processed_at is not None
    assert "Доплата не требуется" in chat_messages(client.user_id)[-1].body


def test_подписать_может_только_ведущий_менеджер(db, manager, make_manager):
    from privet_manager_app.domain.common.errors import Forbidden

    client, _ = generated(manager)
    other = make_manager(name="Мастер Пётр")
    with pytest.raises(Forbidden):
        signing.confirm_signature(other, client.id, last_code(client.user_id), True)


def test_канонический_json_без_пробелов_ключи_по_алфавиту_кириллица_как_есть(db, manager):
    client, view = generated(manager)
    actor = manager.with_origin("10.0.0.7", "Сафари на айфоне")
    signing.confirm_signature(actor, client.id, last_code(client.user_id), True)
    stored = contract_row(view.contract_id)
    payload = signing.signature_payload(stored, client.user_id)
    canonical = signing.canonical_json(payload)
    assert canonical.startswith('{"contract_number":"ПМ-')
    assert '"user_agent":"Сафари на айфоне"' in canonical
    assert list(json.loads(canonical)) == sorted(payload)
    expected = hmac.new(
        get_settings().CONTRACT_SIGNATURE_SECRET.encode(),
        canonical.encode("utf-8"),
        hashlib.sha256,
    ).hexdigest()
    assert stored.signature_hmac == expected


@pytest.mark.parametrize(
    ("minutes", "tail"), [(1, "1 минуту."), (3, "3 минуты."), (10, "10 минут."), (21, "21 минуту.")]
)
def test_срок_кода_в_сообщении_склоняется(minutes, tail):
    message = otp.otp_message("ПМ-2026-000001", "1 500,00 ₽", "123456", minutes)
    assert message.endswith(f"Код действует {tail}")
