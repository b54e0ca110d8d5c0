"""Who may still guess a signing code: the client's wrong-code budget and the per-IP throttle.

Both count rows of one ledger, `manager_otp_guesses` (every code compared, right or wrong), so
they outlive a code, a regenerated contract, a resend and a restart.

- **The client's budget.** At most OTP_CLIENT_MAX_WRONG wrong codes (10) per client in
  OTP_CLIENT_WINDOW_HOURS (24 h), across all its codes and contracts. Then signing is locked —
  `otp_locked`, with the moment the oldest counted guess leaves the window — until then or until
  an admin unlocks (the counted guesses are forgiven, audited). Without it, regenerating the
  contract handed out five fresh attempts each time: unlimited guessing.
- **One IP.** OTP_IP_FREE_WRONG wrong codes an hour freely, then every further guess from that
  IP waits a doubling delay after its last wrong one, and at most OTP_IP_MAX_WRONG wrong codes
  per window: one address cannot spray codes across many clients. The delay binds only that
  IP — a guess from anywhere else is judged by the client's budget alone.

A guess is counted in the transaction that compares it, under the client's lock (a PostgreSQL
advisory lock; SQLite runs one writer at a time anyway) and, for a wrong one, the IP's — taken
after the client's, one order everywhere: parallel guesses are counted as many as they are, none
slips past a limit between its check and its count. A right guess adds nothing the IP's
throttle counts, so it is judged on what is committed and does not queue behind the address's
other guesses until they commit (a whole office signs from one address). A guess refused by a
limit is refused whether it was right or not, and not counted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.clients.access import lock_client
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import moscow_text, utcnow
from privet_manager_app.domain.common.errors import Conflict, TooManyAttempts, ValidationFailed
from privet_manager_app.domain.common.money import plural
from privet_manager_app.domain.common.text import multiline_error
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.views import SigningLockView
from privet_manager_app.infra.db import is_postgres, transaction
from privet_manager_app.schema.tables import ManagerOtpGuess
from privet_manager_app.settings import get_settings

UNLOCK_ADMIN_ONLY = "Разблокировать подписание может только администратор"
MIN_REASON = 5
MAX_REASON = 500


def _codes(count: int) -> str:
    return f"{count} {plural(count, 'неверный код', 'неверных кода', 'неверных кодов')}"


def _advisory_lock(session: Session, name: str) -> None:
    """A lock on a name until the transaction ends (PostgreSQL); SQLite serialises anyway."""
    if not is_postgres(session):
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _wrong_times(session: Session, *conditions, since: dt.datetime, limit: int) -> list:
    """Times of the newest wrong guesses matching `conditions` since `since`, newest first."""
    return list(
        session.execute(
            sa.select(ManagerOtpGuess.created_at)
            .where(ManagerOtpGuess.wrong.is_(True), ManagerOtpGuess.created_at > since, *conditions)
            .order_by(ManagerOtpGuess.created_at.desc())
            .limit(limit)
        ).scalars()
    )


# ---- The client's budget ----------------------------------------------------------------------


def client_lock(
    session: Session, client_id: int, now: dt.datetime | None = None
) -> SigningLockView:
    """The client's budget as it stands: wrong codes counted, left, and the lock if any."""
    settings = get_settings()
    now = now or utcnow()
    window = dt.timedelta(hours=settings.OTP_CLIENT_WINDOW_HOURS)
    limit = settings.OTP_CLIENT_MAX_WRONG
    times = _wrong_times(
        session,
        ManagerOtpGuess.client_id == client_id,
        ManagerOtpGuess.forgiven_at.is_(None),
        since=now - window,
        limit=limit,
    )
    locked = len(times) >= limit
    return SigningLockView(
        locked=locked,
        wrong_codes=len(times),
        limit=limit,
        attempts_left=max(0, limit - len(times)),
        window_hours=settings.OTP_CLIENT_WINDOW_HOURS,
        # The oldest of the `limit` newest leaves the window first: then a guess is allowed.
        unlocks_at=times[limit - 1] + window if locked else None,
    )


def locked_message(lock: SigningLockView) -> str:
    return (
        f"Подписание заблокировано: {_codes(lock.wrong_codes)} за {lock.window_hours} ч. "
        f"Разблокируется {moscow_text(lock.unlocks_at)} (МСК) или раньше — администратором"
    )


def locked_error(lock: SigningLockView, now: dt.datetime | None = None) -> TooManyAttempts:
    wait = max(1, math.ceil((lock.unlocks_at - (now or utcnow())).total_seconds()))
    return TooManyAttempts(
        "otp_locked",
        locked_message(lock),
        extra={
            "unlocks_at": lock.unlocks_at.isoformat(),
            "retry_after_seconds": wait,
            "attempts_left": 0,
        },
    )


def lock_guesses(session: Session, client_id: int) -> None:
    """The client's ledger is ours until commit: a guess is counted before the next is checked
    (taken after the client's row lock, before the IP's — one order everywhere)."""
    _advisory_lock(session, f"otp-client:{client_id}")


def check_client(session: Session, client_id: int, now: dt.datetime) -> SigningLockView:
    """Refuse while the client's signing is locked (call under `lock_guesses`); → the budget
    as it stands."""
    lock = client_lock(session, client_id, now)
    if lock.locked:
        raise locked_error(lock, now)
    return lock


# ---- One IP -----------------------------------------------------------------------------------


def lock_ip(session: Session, ip: str | None) -> None:
    """The IP's guesses are ours until commit (taken after the client's)."""
    _advisory_lock(session, f"otp-ip:{ip or ''}")


def check_ip(session: Session, ip: str | None, now: dt.datetime, *, wrong: bool) -> None:
    """Refuse a guess from an IP that guessed wrong too often (429 `otp_ip_throttled`, with
    `retry_after_seconds`). A wrong guess takes the IP's lock until it is counted."""
    settings = get_settings()
    if wrong:
        lock_ip(session, ip)
    from_ip = ManagerOtpGuess.ip == (ip or "")
    day = _wrong_times(
        session,
        from_ip,
        since=now - dt.timedelta(hours=settings.OTP_CLIENT_WINDOW_HOURS),
        limit=settings.OTP_IP_MAX_WRONG,
    )
    if len(day) >= settings.OTP_IP_MAX_WRONG:
        free_at = day[-1] + dt.timedelta(hours=settings.OTP_CLIENT_WINDOW_HOURS)
        raise _ip_throttled(free_at, now)
    hour = [moment for moment in day if moment > now - dt.timedelta(hours=1)]
    beyond = len(hour) - settings.OTP_IP_FREE_WRONG
    if beyond >= 0:
        delay = min(settings.OTP_IP_MAX_DELAY_SECONDS, settings.OTP_IP_DELAY_SECONDS * 2**beyond)
        next_at = hour[0] + dt.timedelta(seconds=delay)
        if now < next_at:
            raise _ip_throttled(next_at, now)


def _ip_throttled(next_at: dt.datetime, now: dt.datetime) -> TooManyAttempts:
    wait = max(1, math.ceil((next_at - now).total_seconds()))
    return TooManyAttempts(
        "otp_ip_throttled",
        f"С этого адреса слишком много неверных кодов. Следующая попытка — через {wait} с",
        extra={"retry_after_seconds": wait},
    )


# ---- Counting and unlocking -------------------------------------------------------------------


def count_guess(
    session: Session,
    actor: Actor,
    client_id: int,
    contract_id: int,
    *,
    wrong: bool,
    now: dt.datetime,
) -> SigningLockView:
    """Put the compared guess in the ledger; a wrong one that spends the client's budget locks
    signing (audited, in the client's log). → the budget after this guess."""
    session.add(
        ManagerOtpGuess(
            client_id=client_id,
            contract_id=contract_id,
            manager_id=actor.id,
            ip=actor.ip or "",
            wrong=wrong,
            created_at=now,
        )
    )
    session.flush()
    lock = client_lock(session, client_id, now)
    if wrong and lock.locked:
        audit.record(
            session,
            actor,
            "signing_locked",
            "client",
            client_id,
            client_id=client_id,
            changes={
                "wrong_codes": {"before": lock.wrong_codes - 1, "after": lock.wrong_codes},
                "unlocks_at": {"before": None, "after": lock.unlocks_at.isoformat()},
            },
        )
        journal.log_event(session, client_id, actor, locked_message(lock))
    return lock


def unlock_signing(actor: Actor, client_id: int, reason: str) -> SigningLockView:
    """Admin: forgive the client's counted wrong codes (they still count for their IPs)."""
    actor.require_admin(UNLOCK_ADMIN_ONLY)
    cleaned, error = multiline_error(reason or "", "Причина", max_length=MAX_REASON)
    if error or len(cleaned) < MIN_REASON:
        message = error or f"Опишите причину (не короче {MIN_REASON} символов)"
        raise ValidationFailed("unlock_reason_required", message, fields={"reason": message})
    now = utcnow()
    with transaction() as session:
        lock_client(session, client_id)
        lock_guesses(session, client_id)
        before = client_lock(session, client_id, now)
        if not before.locked:
            raise Conflict("signing_not_locked", "Подписание этого клиента не заблокировано")
        session.execute(
            sa.update(ManagerOtpGuess)
            .where(
                ManagerOtpGuess.client_id == client_id,
                ManagerOtpGuess.wrong.is_(True),
                ManagerOtpGuess.forgiven_at.is_(None),
            )
            .values(forgiven_at=now, forgiven_by=actor.id)
        )
        audit.record(
            session,
            actor,
            "signing_unlocked",
            "client",
            client_id,
            client_id=client_id,
            changes={
                "wrong_codes": {"before": before.wrong_codes, "after": 0},
                "unlocks_at": {"before": before.unlocks_at.isoformat(), "after": None},
                "reason": {"before": None, "after": cleaned},
            },
        )
        journal.log_event(
            session,
            client_id,
            actor,
            f"Подписание разблокировано администратором {actor.name}: {cleaned}",
        )
        return client_lock(session, client_id, now)
