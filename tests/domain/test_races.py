"""The same request sent many times at once — a double tap, a retry, two tabs, two managers —
has one effect: one signature, one payment, one invoice, and wrong codes counted exactly.

Each race runs on PostgreSQL (the client's row lock, as coded; and with that lock taken away,
as if the code were wrong — then the database's conditional updates and the unique index must
hold alone) and on a SQLite file with the app's real engine settings (the quick start).
"""

from __future__ import annotations

import collections
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.clients.access import lock_client
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.domain.inputs import PaymentInput
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import payment as payments
from privet_manager_app.domain.wizard import signing, tariff_apply
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import (
    ManagerAuditLog,
    ManagerClient,
    ManagerContract,
    ManagerInvoice,
    ManagerOtpGuess,
)
from privet_manager_app.settings import get_settings, reset_settings_cache
from tests.conftest import DEFAULT_PASSWORD, prepare_schema, use_database
from tests.support.factories import (
    chat_messages,
    last_code,
    make_tariff,
    ready_client,
    wrong_code,
)

PARALLEL = 12
TWO_DEVICES = (("smartphone", "Apple", "iPhone 13"), ("tablet", "Apple", "iPad Air"))


def _without_row_lock(session: Session, client_id: int) -> ManagerClient:
    """lock_client as if someone had dropped `with_for_update()`."""
    client = session.get(ManagerClient, client_id)
    assert client is not None
    return client


@pytest.fixture(params=["postgresql", "postgresql-no-row-lock", "sqlite"])
def database(request, tmp_path, monkeypatch):
    """→ the database kind; the app's engine points at a fresh, migrated database of it."""
    if request.param.startswith("postgresql"):
        request.getfixturevalue("db")
        if request.param == "postgresql-no-row-lock":
            for module in (signing, payments):
                monkeypatch.setattr(module, "lock_client", _without_row_lock)
        yield request.param
        return
    monkeypatch.setenv("STORAGE_DIR", str(tmp_path / "storage"))
    use_database(f"sqlite:///{tmp_path / 'races.db'}")
    prepare_schema()
    yield request.param
    monkeypatch.undo()
    use_database("sqlite://")  # the next test's fixtures point it where they need it
    reset_settings_cache()


@pytest.fixture
def master() -> Actor:
    email = f"master-{uuid.uuid4().hex[:8]}@example.com"
    row = auth.create_manager(email, "Мастер Гонок", DEFAULT_PASSWORD)
    actor = Actor(id=row.id, email=row.email, name=row.name, role=row.role)
    return actor.with_origin("10.0.0.7", "Mozilla/5.0 (race)")


def _race(count: int, call, *args) -> list[object]:
    """`count` threads released at once, each calling `call(*args)` → results or errors."""
    return _race_calls([lambda: call(*args)] * count)


def _race_calls(calls: list) -> list[object]:
    """One thread per call, all released at once → each call's result or error."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = calls[index]()
        except Exception as error:  # the outcome under test
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _summary(outcomes: list[object]) -> collections.Counter:
    """What the callers were told: 'ok', a domain error code, or an unexpected exception."""
    return collections.Counter(
        error.code
        if isinstance(error := outcome, DomainError)
        else type(outcome).__name__
        if isinstance(outcome, Exception)
        else "ok"
        for outcome in outcomes
    )


def _audit_count(action: str, contract_id: int) -> int:
    with transaction() as session:
        return session.exec(
            select(sa.func.count(ManagerAuditLog.id)).where(
                ManagerAuditLog.action == action,
                ManagerAuditLog.entity_id == str(contract_id),
            )
        ).one()


def _chat_cards(user_id: int, card: str) -> int:
    return sum(
        1 for message in chat_messages(user_id) if (message.payload or {}).get("type") == card
    )


def _contract_sent(master: Actor):
    """A client with two devices and a surcharge, contract generated, code in the chat."""
    client = ready_client(master, TWO_DEVICES)
    tariff_apply.apply_tariff(master, client.id, make_tariff(extra_device_fee="750.50"))
    view = contracts.generate_contract(master, client.id)
    return client, view


def _signed(master: Actor):
    client, view = _contract_sent(master)
    signing.confirm_signature(master, client.id, last_code(client.user_id), True)
    return client, view


def test_двенадцать_одновременных_верных_кодов_дают_одну_подпись(database, master):
    client, view = _contract_sent(master)
    code = last_code(client.user_id)
    outcomes = _race(PARALLEL, signing.confirm_signature, master, client.id, code, True)
    told = _summary(outcomes)
    signatures = _audit_count("contract_signed", view.contract_id)
    print(f"{database}: {PARALLEL} right codes → {signatures} signature(s); callers told {told}")
    assert signatures == 1
    assert _chat_cards(client.user_id, "contract_signed") == 1
    assert told == {"ok": 1, "already_signed": PARALLEL - 1}


def test_двенадцать_одновременных_подтверждений_оплаты_дают_одну_оплату(database, master):
    client, view = _signed(master)
    payment = PaymentInput(amount=str(view.surcharge), method="cash")
    outcomes = _race(PARALLEL, payments.confirm_payment, master, client.id, payment)
    first = [o for o in outcomes if not isinstance(o, Exception) and not o.already_confirmed]
    payments_recorded = _audit_count("payment_confirmed", view.contract_id)
    print(
        f"{database}: {PARALLEL} payment confirms → {payments_recorded} payment(s), "
        f"{len(first)} told «first confirmation»; callers told {_summary(outcomes)}"
    )
    assert payments_recorded == 1
    assert len(first) == 1
    assert _chat_cards(client.user_id, "payment_received") == 1
    assert _summary(outcomes) == {"ok": PARALLEL}  # the others are told it is a repeat


def test_десять_одновременных_счетов_по_договору_дают_один_счёт(database, master):
    client, view = _signed(master)
    outcomes = _race(10, payments.send_invoice, master, client.id)
    with transaction() as session:
        invoices = session.exec(
            select(ManagerInvoice).where(ManagerInvoice.contract_id == view.contract_id)
        ).all()
    told = _summary(outcomes)
    print(f"{database}: 10 invoice requests → {len(invoices)} invoice(s); callers told {told}")
    assert len(invoices) == 1
    assert _chat_cards(client.user_id, "invoice") == 1
    assert told["ok"] == 1
    assert set(told) <= {"ok", "invoice_reminder_too_soon", "invoice_already_issued"}


def test_одновременные_неверные_коды_засчитываются_ровно_до_предела(database, master):
    client, view = _contract_sent(master)
    right = last_code(client.user_id)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    allowed = get_settings().OTP_MAX_ATTEMPTS
    outcomes = _race(PARALLEL, signing.confirm_signature, master, client.id, wrong, True)
    with transaction() as session:
        contract = session.get(ManagerContract, view.contract_id)
    told = _summary(outcomes)
    failed = _audit_count("otp_failed", view.contract_id)
    print(
        f"{database}: {PARALLEL} wrong codes, {allowed} allowed → counter "
        f"{contract.otp_attempts}, {failed} audited, callers told {told}"
    )
    assert told == {"otp_invalid": allowed, "otp_exhausted": PARALLEL - allowed}
    assert contract.otp_attempts == allowed
    assert failed == allowed
    assert contract.otp_hash is None  # the code is dead: the right one no longer signs
    refusal = _race(1, signing.confirm_signature, master, client.id, right, True)[0]
    assert isinstance(refusal, DomainError)
    assert refusal.code == "otp_exhausted"


def test_одновременные_коды_с_одного_адреса_по_разным_клиентам_считаются_ровно_до_предела(
    database, master
):
    """An office behind one address: wrong codes for seven clients and right ones for three,
    all at once. The address's free wrong codes are counted exactly — none slips past the
    throttle between its check and its count — and each right code signs or is throttled,
    never both, never a signature nobody was told of."""
    office = master.with_origin("10.9.9.9", "Mozilla/5.0 (office)")
    free = get_settings().OTP_IP_FREE_WRONG
    wrong_ones = [_contract_sent(master)[0] for _ in range(free + 2)]
    right_ones = [_contract_sent(master) for _ in range(3)]

    def guess(client, code):
        return lambda: signing.confirm_signature(office, client.id, code, True)

    calls = [guess(client, wrong_code(last_code(client.user_id))) for client in wrong_ones]
    calls += [guess(client, last_code(client.user_id)) for client, _ in right_ones]
    outcomes = _race_calls(calls)
    told_wrong = _summary(outcomes[: len(wrong_ones)])
    told_right = _summary(outcomes[len(wrong_ones) :])
    with transaction() as session:
        counted = session.exec(
            select(sa.func.count(ManagerOtpGuess.id)).where(
                ManagerOtpGuess.ip == "10.9.9.9", ManagerOtpGuess.wrong.is_(True)
            )
        ).one()
    signatures = sum(_audit_count("contract_signed", view.contract_id) for _, view in right_ones)
    print(f"{database}: wrong told {told_wrong}, right told {told_right}, {counted} counted")
    assert told_wrong == {"otp_invalid": free, "otp_ip_throttled": 2}
    assert counted == free
    assert set(told_right) <= {"ok", "otp_ip_throttled"}
    assert signatures == told_right["ok"]


def _issue_directly(contract_id: int, number: str, *, cancel_current: bool = False) -> None:
    """An invoice row written straight into the table, past every check of the code."""
    with transaction() as session:
        current = session.exec(
            select(ManagerInvoice).where(ManagerInvoice.contract_id == contract_id)
        ).one()
        if cancel_current:
            current.status = "cancelled"
            session.add(current)
            session.flush()
        session.add(
            ManagerInvoice(
                number=number,
                contract_id=contract_id,
                amount=current.amount,
                due_date=current.due_date,
            )
        )


def test_база_не_принимает_второй_живой_счёт_по_договору_даже_в_обход_кода(database, master):
    client, view = _signed(master)
    payments.send_invoice(master, client.id)
    with pytest.raises(sa.exc.IntegrityError):
        _issue_directly(view.contract_id, "СЧ-2026-999999")
    # a cancelled invoice (the file was reopened) does not count
    _issue_directly(view.contract_id, "СЧ-2026-999998", cancel_current=True)


def test_row_lock_helper_is_the_one_the_domain_uses():
    """The no-row-lock variant replaces what signing and payments actually call."""
    assert signing.lock_client is lock_client
    assert payments.lock_client is lock_client
