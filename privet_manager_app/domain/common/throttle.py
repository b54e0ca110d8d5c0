"""Attempt throttling shared by every replica: a guess is counted BEFORE it is checked.

A rule (`Rule`) says how many attempts a subject gets before each next one has to wait, how
the wait grows, when the count is forgotten and whether it ever locks for good. The counters
live in `manager_attempt_counters` (PostgreSQL), so every replica and every worker sees the same
numbers; the row lock taken by `reserve` makes parallel guesses count as many as they are — the
40th of 40 simultaneous guesses sees 39 before it, not 0.

The caller runs the slow check (bcrypt, an HMAC compare) between `reserve` and `settle`, outside
the transaction that reserved: the reservation is committed first, so it counts even if the
process dies mid-check, and no database lock is held while the hash is computed.

Subjects are stored as digests, never as typed e-mails or addresses. Runs on the caller's session
(`infra.db.upsert` only spells the insert for the dialect).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.db import upsert
from privet_manager_app.schema.tables import ManagerAttemptCounter as Counter


@dataclasses.dataclass(frozen=True)
class Rule:
    """`free` attempts per window; after the `free`-th, each attempt makes the next one wait
    `first_delay`, doubling up to `max_delay`. `lock_after` attempts lock the subject until
    `clear` (an admin), whatever the window. A success either forgets the subject
    (`clear_on_success`: it proved it knows the secret) or only takes its own attempt back."""

    scope: str
    free: int
    window: dt.timedelta
    first_delay: dt.timedelta = dt.timedelta(0)
    max_delay: dt.timedelta = dt.timedelta(0)
    lock_after: int | None = None
    clear_on_success: bool = False

    def delay_after(self, attempts: int) -> dt.timedelta:
        if attempts < self.free or not self.first_delay:
            return dt.timedelta(0)
        doublings = min(attempts - self.free, 32)  # 2**32 × a second is past any max_delay
        return min(self.first_delay * (2**doublings), self.max_delay or self.first_delay)


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One rule applied to one subject (already a digest: see `subject`)."""

    rule: Rule
    subject: str


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why an attempt was not even checked: the strictest rule that refused it."""

    rule: Rule
    retry_after: int | None  # seconds; None = locked until someone clears it


@dataclasses.dataclass(frozen=True)
class Reservation:
    refusal: Refusal | None
    counts: dict[str, int]  # scope → attempts in its window, this one included
    newly_locked: tuple[str, ...] = ()  # scopes this attempt locked


def subject(*parts: str | None) -> str:
    """A digest of what is counted (an e-mail, an IP, both): 64 hex characters."""
    text = "\x1f".join("-" if part is None else part for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()


def _locked_rows(session: Session, attempts: Sequence[Attempt]) -> dict[tuple[str, str], Counter]:
    """The counters of these attempts, created when missing, locked in one fixed order (two
    logins locking the same rows in opposite orders would deadlock)."""
    now = utcnow()
    keys = sorted({(attempt.rule.scope, attempt.subject) for attempt in attempts})
    for scope, key in keys:
        session.execute(
            upsert(session, Counter)
            .values(scope=scope, subject=key, attempts=0, window_started_at=now)
            .on_conflict_do_nothing(index_elements=[Counter.scope, Counter.subject])
        )
    rows = session.execute(
        sa.select(Counter)
        .where(sa.tuple_(Counter.scope, Counter.subject).in_(keys))
        .order_by(Counter.scope, Counter.subject)
        .with_for_update()
    ).scalars()
    return {(row.scope, row.subject): row for row in rows}


def _seconds(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def _severity(refusal: Refusal) -> float:
    return math.inf if refusal.retry_after is None else refusal.retry_after


def reserve(session: Session, attempts: Sequence[Attempt]) -> Reservation:
    """Count one attempt against every rule — or against none, if any rule refuses it now.

    A refused attempt is not counted: waiting out a delay is never made longer by knocking."""
    now = utcnow()
    rows = _locked_rows(session, attempts)
    refusals = []
    for attempt in attempts:
        row = rows[(attempt.rule.scope, attempt.subject)]
        if row.locked_at is None and row.window_started_at <= now - attempt.rule.window:
            row.attempts, row.window_started_at, row.blocked_until = 0, now, None
        if row.locked_at is not None:
            refusals.append(Refusal(attempt.rule, None))
        elif row.blocked_until is not None and row.blocked_until > now:
            refusals.append(Refusal(attempt.rule, _seconds(row.blocked_until, now)))
    if refusals:
        # A lock outranks any delay; among delays, the longest wait is the true one.
        strictest = max(
            refusals, key=lambda r: math.inf if r.retry_after is None else r.retry_after
        )
        counts = {a.rule.scope: rows[(a.rule.scope, a.subject)].attempts for a in attempts}
        return Reservation(strictest, counts)
    newly_locked = []
    for attempt in attempts:
        rule, row = attempt.rule, rows[(attempt.rule.scope, attempt.subject)]
        row.attempts += 1
        row.last_attempt_at = now
        delay = rule.delay_after(row.attempts)
        row.blocked_until = now + delay if delay else None
        if rule.lock_after is not None and row.attempts >= rule.lock_after:
            row.locked_at = now
            newly_locked.append(rule.scope)
        session.add(row)
    session.flush()
    counts = {a.rule.scope: rows[(a.rule.scope, a.subject)].attempts for a in attempts}
    return Reservation(None, counts, tuple(newly_locked))


def settle(session: Session, attempts: Sequence[Attempt]) -> None:
    """The reserved attempt succeeded: it was no guess. Rules with `clear_on_success` forget the
    subject; the others take this one attempt back (a correct login between guesses must not
    reset a counter the guesses share)."""
    rows = _locked_rows(session, attempts)
    for attempt in attempts:
        rule, row = attempt.rule, rows[(attempt.rule.scope, attempt.subject)]
        if rule.clear_on_success and row.locked_at is None:
            session.delete(row)
            continue
        row.attempts = max(0, row.attempts - 1)
        if row.blocked_until is not None and not rule.delay_after(row.attempts):
            row.blocked_until = None
        session.add(row)
    session.flush()


def clear(session: Session, rule: Rule, subject_or_prefix: str, *, prefix: bool = False) -> int:
    """Forget a subject (or every subject starting with `prefix`), lock included; → rows."""
    condition = (
        Counter.subject.startswith(subject_or_prefix, autoescape=True)
        if prefix
        else Counter.subject == subject_or_prefix
    )
    result = session.execute(sa.delete(Counter).where(Counter.scope == rule.scope, condition))
    return result.rowcount or 0


def locked(session: Session, rule: Rule, subjects: Sequence[str]) -> dict[str, dt.datetime]:
    """subject → when it was locked, for those of `subjects` that are locked now."""
    if not subjects:
        return {}
    rows = session.execute(
        sa.select(Counter.subject, Counter.locked_at).where(
            Counter.scope == rule.scope,
            Counter.subject.in_(list(subjects)),
            Counter.locked_at.is_not(None),
        )
    ).all()
    return dict(rows)


def forget_stale(session: Session, older_than: dt.timedelta) -> int:
    """Delete counters untouched for `older_than` (never a lock): the table stays small."""
    cutoff = utcnow() - older_than
    result = session.execute(
        sa.delete(Counter).where(
            Counter.locked_at.is_(None),
            sa.func.coalesce(Counter.last_attempt_at, Counter.window_started_at) < cutoff,
        )
    )
    return result.rowcount or 0
