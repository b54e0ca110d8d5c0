"""The client's wrong-code budget across all its codes and contracts, the per-IP throttle, the
admin unlock, and the client's consent as an act of its own before the code."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from privet_manager_app.domain.clients import card
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import (
    Conflict,
    Forbidden,
    TooManyAttempts,
    ValidationFailed,
)
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import otp_budget, signing
from privet_manager_app.infra.db import get_engine, transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.schema.tables import ManagerOtpGuess
from tests.support.factories import (
    audit_entries,
    contract_row,
    generated,
    last_code,
    resend_interval_passed,
    wrong_code,
)

OFFICE = "10.0.0.1"
SHOP = "10.0.0.2"
HOME = "10.0.0.3"


def _guess_wrong(actor, client, times: int) -> ValidationFailed:
    error = None
    for _ in range(times):
        with pytest.raises(ValidationFailed) as raised:
            signing.confirm_signature(
                actor, client.id, wrong_code(last_code(client.user_id)), pep_agreed=True
            )
        error = raised.value
        assert error.code == "otp_invalid"
    return error


def _spent_budget(manager):
    """Ten wrong codes over two contracts of one client, from two addresses (neither of them
    throttled): what regenerating the contract used to make unlimited."""
    client, _ = generated(manager)
    _guess_wrong(manager.with_origin(OFFICE, "UA"), client, 5)
    resend_interval_passed(client.id)
    contracts.generate_contract(manager, client.id)  # a fresh code, five fresh code attempts
    last = _guess_wrong(manager.with_origin(SHOP, "UA"), client, 5)
    return client, last


def test_перевыпуск_договора_не_даёт_новых_попыток_сверх_десяти_в_сутки(db, manager):
    client, last = _spent_budget(manager)
    assert last.extra["attempts_left"] == 0
    assert "Подписание заблокировано: 10 неверных кодов за 24 ч" in last.message
    unlocks_at = dt.datetime.fromisoformat(last.extra["unlocks_at"])
    assert dt.timedelta(hours=23, minutes=59) < unlocks_at - utcnow() <= dt.timedelta(hours=24)

    # Even the right code, from an address that never guessed, no longer signs …
    home = manager.with_origin(HOME, "UA")
    with pytest.raises(TooManyAttempts) as locked:
        signing.confirm_signature(home, client.id, last_code(client.user_id), True)
    assert locked.value.code == "otp_locked"
    assert locked.value.extra["unlocks_at"] == last.extra["unlocks_at"]
    assert contract_row(contracts_pending(client.id)).status == ContractStatus.OTP_SENT
    # … nor does a new contract or a resend hand out a fresh code.
    resend_interval_passed(client.id)
    for attempt in (
        lambda: contracts.generate_contract(manager, client.id),
        lambda: contracts.resend_otp(manager, client.id),
    ):
        with pytest.raises(TooManyAttempts) as refused:
            attempt()
        assert refused.value.code == "otp_locked"

    # The lock is on record once, and the card shows it.
    [entry] = audit_entries(client.id, "signing_locked")
    assert entry.changes["wrong_codes"] == {"before": 9, "after": 10}
    with transaction() as session:
        detail = card.client_detail(session, manager, client.id)
    assert detail.signing_lock.locked is True
    assert detail.signing_lock.unlocks_at.isoformat() == last.extra["unlocks_at"]
    assert detail.contract.signing_locked_until == detail.signing_lock.unlocks_at
    assert detail.contract.otp_attempts_left == 0


def contracts_pending(client_id: int) -> int:
    with transaction() as session:
        return contracts.pending_contract(session, client_id).id


def test_лимит_клиента_переживает_перезапуск_и_освобождается_через_сутки(db, manager):
    client, _ = _spent_budget(manager)
    get_engine().dispose()  # as a restart would: no state but the database's
    home = manager.with_origin(HOME, "UA")
    with pytest.raises(TooManyAttempts):
        signing.confirm_signature(home, client.id, last_code(client.user_id), True)

    # A day after the oldest of the ten, one guess is free again.
    with transaction() as session:
        oldest = session.execute(
            sa.select(sa.func.min(ManagerOtpGuess.id)).where(ManagerOtpGuess.client_id == client.id)
        ).scalar_one()
        session.execute(
            sa.update(ManagerOtpGuess)
            .where(ManagerOtpGuess.id == oldest)
            .values(created_at=utcnow() - dt.timedelta(hours=24, seconds=1))
        )
    with transaction() as session:
        lock = otp_budget.client_lock(session, client.id)
    assert (lock.locked, lock.attempts_left) == (False, 1)
    resend_interval_passed(client.id)
    contracts.resend_otp(manager, client.id)  # the last code died with its fifth wrong entry
    assert signing.confirm_signature(home, client.id, last_code(client.user_id), True)


def test_администратор_разблокирует_подписание_с_причиной_в_аудите(db, manager, admin):
    client, _ = _spent_budget(manager)
    with pytest.raises(Forbidden):
        otp_budget.unlock_signing(manager, client.id, "Клиент ошибся цифрами")
    with pytest.raises(ValidationFailed) as no_reason:
        otp_budget.unlock_signing(admin, client.id, " ")
    assert no_reason.value.code == "unlock_reason_required"

    unlocked = otp_budget.unlock_signing(admin, client.id, "Клиент диктовал старый код")
    assert (unlocked.locked, unlocked.wrong_codes, unlocked.attempts_left) == (False, 0, 10)
    [entry] = audit_entries(client.id, "signing_unlocked")
    assert entry.changes["reason"]["after"] == "Клиент диктовал старый код"
    assert entry.changes["wrong_codes"] == {"before": 10, "after": 0}
    with pytest.raises(Conflict) as again:
        otp_budget.unlock_signing(admin, client.id, "Ещё раз на всякий случай")
    assert again.value.code == "signing_not_locked"

    resend_interval_passed(client.id)
    contracts.resend_otp(manager, client.id)

    home = manager.with_origin(HOME, "UA")
    assert signing.confirm_signature(home, client.id, last_code(client.user_id), True)


def test_один_адрес_не_перебирает_коды_по_разным_клиентам(db, manager):
    first, _ = generated(manager)
    second, _ = generated(manager)
    office = manager.with_origin(OFFICE, "UA")
    _guess_wrong(office, first, 5)

    # Another client, the same address: it waits now, and the guess is neither compared nor
    # counted against the innocent client.
    with pytest.raises(TooManyAttempts) as throttled:
        signing.confirm_signature(office, second.id, last_code(second.user_id), True)
    assert throttled.value.code == "otp_ip_throttled"
    assert 1 <= throttled.value.extra["retry_after_seconds"] <= 2
    with transaction() as session:
        assert otp_budget.client_lock(session, second.id).wrong_codes == 0

    # The delay binds that address only: the right code from elsewhere signs at once.
    assert signing.confirm_signature(
        manager.with_origin(SHOP, "UA"), second.id, last_code(second.user_id), True
    )


def test_верный_код_не_ждёт_чужих_попыток_с_того_же_адреса(db, manager):
    """Managers of one office share an address. A right code adds nothing the address's
    throttle counts, so it does not queue behind another guess from that address still in
    flight (its lock held here); a wrong code does, until that guess is counted."""
    office = manager.with_origin(OFFICE, "UA")
    signer, _ = generated(manager)
    guesser, _ = generated(manager)
    outcomes: dict[str, object] = {}

    def attempt(name, client, code):
        try:
            outcomes[name] = signing.confirm_signature(office, client.id, code, True)
        except Exception as error:  # the outcome under test
            outcomes[name] = error

    right = threading.Thread(
        target=attempt, args=("right", signer, last_code(signer.user_id)), daemon=True
    )
    wrong = threading.Thread(
        target=attempt,
        args=("wrong", guesser, wrong_code(last_code(guesser.user_id))),
        daemon=True,
    )
    with transaction() as other:
        otp_budget.lock_ip(other, OFFICE)  # another guess from the office, not yet counted
        right.start()
        wrong.start()
        right.join(timeout=30)
        signed_meanwhile = not right.is_alive()
        wrong.join(timeout=1)
        wrong_waited = wrong.is_alive()
    right.join(timeout=30)
    wrong.join(timeout=30)
    assert signed_meanwhile, "the right code waited for the address's lock"
    assert not isinstance(outcomes["right"], Exception), outcomes["right"]
    assert wrong_waited, "the wrong code was counted without the address's lock"
    assert isinstance(outcomes["wrong"], ValidationFailed)
    assert outcomes["wrong"].code == "otp_invalid"


def test_согласие_клиента_записывается_своим_действием_до_кода(db, manager):
    client, view = generated(manager)
    consent = signing.record_consent(manager, client.id, True)
    assert consent.pep_agreed is True
    agreed_at = consent.pep_agreed_at
    # Ticking again keeps the first moment; the code comes later, in its own request.
    assert signing.record_consent(manager, client.id, True).pep_agreed_at == agreed_at
    result = signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    assert result.pep_agreed_at == agreed_at < result.signed_at
    stored = contract_row(view.contract_id)
    assert (stored.pep_agreed_at, stored.signed_at) == (agreed_at, result.signed_at)
    assert [e.action for e in audit_entries(client.id, "pep_consent_given")] == [
        "pep_consent_given"
    ]

    # The certificate shows the two acts with their two times.
    certificate = get_storage().get(stored.certificate_key)
    text = re.sub(
        r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(certificate)).pages)
    )
    packed = text.replace(" ", "")
    assert signing.iso_utc(agreed_at) in packed
    assert signing.iso_utc(result.signed_at) in packed
    assert signing.iso_utc(agreed_at) != signing.iso_utc(result.signed_at)


def test_снятая_отметка_согласия_не_подписывает_без_новой(db, manager):
    client, view = generated(manager)
    signing.record_consent(manager, client.id, True)
    withdrawn = signing.record_consent(manager, client.id, False)
    assert (withdrawn.pep_agreed, withdrawn.pep_agreed_at) == (False, None)
    assert len(audit_entries(client.id, "pep_consent_withdrawn")) == 1
    assert contract_row(view.contract_id).pep_agreed_at is None
