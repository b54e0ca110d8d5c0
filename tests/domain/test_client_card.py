"""The client card: internal log and notes, what we sent to the client's chat, the audit trail,
and the passport number shown only by an explicit, audited «Показать»."""

from __future__ import annotations

import datetime as dt

import pytest

from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.clients import claims
from privet_manager_app.domain.common.errors import Forbidden, NotFound, ValidationFailed
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.wizard import passport
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import SupportMessage, SupportTicket
from tests.support.factories import add_passport, audit_entries, claimed_client, new_client
from tests.support.samples import without_times

UTC = dt.UTC


def _chat(user_id: int, *messages: tuple[str, str, dict | None]) -> None:
    with transaction() as session:
        ticket = SupportTicket(user_id=user_id, subject="Договор и оплата")
        session.add(ticket)
        session.flush()
        for index, (author, body, payload) in enumerate(messages):
            session.add(
                SupportMessage(
                    ticket_id=ticket.id,
                    author_type=author,
                    body=body,
                    payload=payload,
                    created_at=dt.datetime(2026, 11, 1, 10, index, tzinfo=UTC),
                )
            )


def test_заметка_попадает_во_внутренний_журнал_рядом_с_событиями_шагов(manager, make_manager):
    colleague = make_manager("manager", name="Коллега")
    client = claimed_client(manager)
    note = journal.add_note(colleague, client.id, "  Клиент просил звонить после 18:00\nпо будням ")
    assert note.body == "Клиент просил звонить после 18:00\nпо будням"
    assert (note.kind, note.author) == ("note", "Коллега")
    log = journal.client_log(manager, client.id)
    assert [entry.kind for entry in log] == ["note", "event"]
    assert log[0].id == note.id
    assert "взял в работу" in log[1].body
    assert log[1].author == manager.name


def test_пустая_или_слишком_длинная_заметка_отклоняется(manager):
    client = claimed_client(manager)
    for body in ("   ", "x" * (journal.NOTE_MAX_LENGTH + 1), "текст\u202e"):
        with pytest.raises(ValidationFailed) as error:
            journal.add_note(manager, client.id, body)
        assert error.value.fields["body"]
    with pytest.raises(NotFound):
        journal.add_note(manager, 999_999, "текст")
    assert journal.client_log(manager, new_client(phone="+79035550000").id) == []


def test_чат_клиента_показывает_только_наши_сообщения_новые_сверху_и_без_кода(manager):
    client = claimed_client(manager)
    _chat(
        client.user_id,
        ("user", "Здравствуйте, когда придёт мастер?", None),
        (
            "system",
            "Код для подписания договора ПМ-2026-000123 на сумму 1 500,00 ₽: 482913. "
            "Код действует 10 минут.",
            {"type": "contract_otp", "code": "482913", "contract_number": "ПМ-2026-000123"},
        ),
        ("support", "Ответ оператора", None),
        ("system", "Договор ПМ-2026-000123 подписан", {"type": "contract_signed"}),
    )
    chat = journal.sent_to_client(manager, client.id)
    assert [message.kind for message in chat] == ["contract_signed", "contract_otp"]
    otp = chat[1]
    assert "482913" not in otp.body
    assert "ПМ-2026-000123" in otp.body
    assert "1 500,00" in otp.body
    assert otp.kind_label == "Код для подписания"
    assert not hasattr(otp, "payload")


def test_аудит_клиента_с_именами_менеджеров_и_без_номеров_паспорта(admin, manager, make_manager):
    other = make_manager("manager", name="Пётр")
    client = claimed_client(manager)
    claims.reassign_client(admin, client.id, other.id)
    trail = audit.client_trail(manager, client.id)
    assert [entry.action for entry in trail] == ["client_reassigned", "client_claimed"]
    assert trail[0].manager_name == admin.name
    assert trail[0].action_label == "Передал клиента другому менеджеру"
    assert trail[1].manager_name == manager.name
    change = next(c for c in trail[0].changes if c.field == "assigned_manager_id")
    assert (change.before, change.after) == (str(manager.id), str(other.id))


def test_показ_паспорта_пишет_в_аудит_кто_когда_откуда(manager):
    client = claimed_client(manager)
    add_passport(client, number="987654")
    actor = manager.with_origin("10.1.2.3", "Mozilla/5.0 (iPhone)")
    detail = client_card.get_client(manager, client.id)
    assert detail.passport.number_masked == "45** ****54"
    assert "987654" not in without_times(detail.model_dump_json())
    assert audit_entries(client.id, "passport_revealed") == []

    revealed = passport.reveal_passport(actor, client.id)
    assert revealed.number_full == "4512 987654"
    [entry] = audit_entries(client.id, "passport_revealed")
    assert (entry.manager_id, entry.ip, entry.user_agent) == (
        manager.id,
        "10.1.2.3",
        "Mozilla/5.0 (iPhone)",
    )
    assert entry.created_at is not None
    assert "987654" not in str(entry.changes)
    trail = audit.client_trail(manager, client.id)
    assert trail[0].action_label == "Посмотрел полный номер паспорта"
    assert "987654" not in without_times(str([item.model_dump_json() for item in trail]))


def test_паспорт_чужого_клиента_менеджеру_не_показывается(manager, make_manager, admin):
    other = make_manager("manager", name="Пётр")
    client = claimed_client(other)
    add_passport(client, number="987654")
    with pytest.raises(Forbidden) as error:
        passport.reveal_passport(manager, client.id)
    assert error.value.code == "pii_forbidden"
    assert audit_entries(client.id, "passport_revealed") == []
    assert passport.reveal_passport(admin, client.id).number == "987654"
    assert len(audit_entries(client.id, "passport_revealed")) == 1
    without = claimed_client(manager, phone="+79035550001")
    with pytest.raises(NotFound) as missing:
        passport.reveal_passport(manager, without.id)
    assert missing.value.code == "passport_not_found"


# ---- REST -------------------------------------------------------------------------------------
