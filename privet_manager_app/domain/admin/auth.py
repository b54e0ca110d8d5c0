"""Manager accounts, passwords, login with its throttle, sessions and access tokens (JWT HS256)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import uuid

import bcrypt
import jwt
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

from privet_manager_app.domain.common import throttle
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import (
    Conflict,
    Forbidden,
    NotAuthenticated,
    TooManyAttempts,
    ValidationFailed,
)
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.inputs import LoginInput
from privet_manager_app.infra import cpu_pool
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.enums import ManagerRole
from privet_manager_app.schema.tables import ManagerSession, ManagerUser
from privet_manager_app.settings import get_settings

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "privet-manager"
BCRYPT_MAX_BYTES = 72
MIN_PASSWORD_LENGTH = 8

INVALID_CREDENTIALS = "Неверный email или пароль"


@dataclasses.dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    manager: Actor
    token_type: str = "bearer"  # noqa: S105 - OAuth2 token type, not a secret


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def validate_new_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationFailed(
            "invalid_email", "Некорректный email", fields={"email": "Некорректный email"}
        ) from None


def check_password_bytes(password: str) -> bytes:
    """bcrypt looks at 72 bytes only (and bcrypt 5 raises beyond): refuse rather than truncate."""
    raw = password.encode("utf-8")
    if len(raw) > BCRYPT_MAX_BYTES:
        raise ValidationFailed(
            "password_too_long",
            f"Пароль слишком длинный: не больше {BCRYPT_MAX_BYTES} байт "
            "(около 36 русских или 72 латинских символов)",
            fields={"password": "Пароль слишком длинный"},
        )
    return raw


def validate_new_password(password: str) -> bytes:
    raw = check_password_bytes(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            "password_too_short",
            f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов",
            fields={"password": "Слишком короткий пароль"},
        )
    return raw


def _bcrypt_hash(raw: bytes, rounds: int) -> str:
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=rounds)).decode()


def _bcrypt_check(raw: bytes, password_hash: bytes) -> bool:
    return bcrypt.checkpw(raw, password_hash)


# bcrypt runs in the CPU pool (infra/cpu_pool.py): a burst of logins takes the pool's workers,
# not every request thread of the replica.
def hash_password(password: str) -> str:
    raw = validate_new_password(password)
    return cpu_pool.run(_bcrypt_hash, raw, get_settings().BCRYPT_ROUNDS)


def verify_password(password: str, password_hash: str) -> bool:
    return cpu_pool.run(_bcrypt_check, check_password_bytes(password), password_hash.encode())


@functools.cache
def _dummy_hash(rounds: int) -> str:
    return bcrypt.hashpw(b"no-such-account", bcrypt.gensalt(rounds=rounds)).decode()


def create_manager(
    email: str,
    name: str,
    password: str,
    role: str = ManagerRole.MANAGER,
    *,
    created_by: Actor | None = None,
) -> ManagerUser:
    """A new account; `created_by` (an admin in the UI/REST) is written to the audit log in the
    same transaction. The CLI's first admin has no creator."""
    email = validate_new_email(email)
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise ValidationFailed(
            "invalid_name", "Укажите имя (до 255 символов)", fields={"name": "Укажите имя"}
        )
    if role not in ManagerRole.__members__.values():
        raise ValidationFailed("invalid_role", "Роль: manager или admin", fields={"role": "?"})
    password_hash = hash_password(password)  # slow: outside the transaction
    with transaction() as session:
        if session.exec(select(ManagerUser.id).where(ManagerUser.email == email)).first():
            raise Conflict("email_taken", "Менеджер с таким email уже есть")
        manager = ManagerUser(email=email, name=name, role=role, password_hash=password_hash)
        session.add(manager)
        try:
            session.flush()
        except sa.exc.IntegrityError:
            # Two admins adding the same e-mail at once: the unique index decides.
            raise Conflict("email_taken", "Менеджер с таким email уже есть") from None
        if created_by is not None:
            audit.record(
                session,
                created_by,
                "manager_created",
                "manager",
                manager.id,
                changes=audit.changed_fields({}, {"email": email, "name": name, "role": role}),
            )
        return manager


# ---- Login and its throttle -----------------------------------------------------------------
#
# Three counters per attempt (domain/common/throttle.py), reserved together before bcrypt:
# - the account from this client IP: a few free failures, then growing delays. Someone guessing
#   from one address slows down only themselves — the owner elsewhere still logs in;
# - the client IP over every account: a ceiling for one address spraying many e-mails;
# - the account from anywhere: a hard lock (until an admin unlocks it) only at a much higher
#   count — a guesser behind many addresses.
# E-mails without an account are counted the same way: the answers never tell them apart.

PAIR_SCOPE, IP_SCOPE, ACCOUNT_SCOPE = "login_account_ip", "login_ip", "login_account"


def login_rules() -> tuple[throttle.Rule, throttle.Rule, throttle.Rule]:
    settings = get_settings()
    delays = {
        "first_delay": dt.timedelta(seconds=settings.LOGIN_FIRST_DELAY_SECONDS),
        "max_delay": dt.timedelta(minutes=settings.LOGIN_MAX_DELAY_MINUTES),
    }
    window = dt.timedelta(hours=settings.LOGIN_WINDOW_HOURS)
    pair = throttle.Rule(
        PAIR_SCOPE, settings.LOGIN_FREE_ATTEMPTS, window, **delays, clear_on_success=True
    )
    per_ip = throttle.Rule(
        IP_SCOPE, settings.LOGIN_IP_FREE_ATTEMPTS, dt.timedelta(hours=1), **delays
    )
    lock_at = settings.LOGIN_ACCOUNT_LOCK_FAILURES
    account = throttle.Rule(ACCOUNT_SCOPE, lock_at, window, lock_after=lock_at)
    return pair, per_ip, account


def account_subject(email: str) -> str:
    return throttle.subject(normalize_email(email))


def pair_subject_prefix(email: str) -> str:
    """Every (account, IP) counter of one account starts with this (an admin unlock clears them)."""
    return account_subject(email)[:32]


def _login_attempts(email: str, ip: str | None) -> list[throttle.Attempt]:
    pair, per_ip, account = login_rules()
    return [
        throttle.Attempt(pair, pair_subject_prefix(email) + throttle.subject(ip)[:32]),
        throttle.Attempt(per_ip, throttle.subject(ip)),
        throttle.Attempt(account, account_subject(email)),
    ]


def _refused(refusal: throttle.Refusal) -> TooManyAttempts:
    if refusal.retry_after is None:
        return TooManyAttempts(
            "account_locked",
            "Вход в эту учётную запись заблокирован после многих неудачных попыток. "
            "Обратитесь к администратору",
            # Not a promise: the lock stays until an admin lifts it; a hint when to look again.
            extra={"retry_after_seconds": ACCOUNT_LOCKED_RETRY_SECONDS},
        )
    seconds = refusal.retry_after
    wait = f"{seconds} с" if seconds < 60 else f"{math.ceil(seconds / 60)} мин"
    return TooManyAttempts(
        "login_throttled",
        f"Слишком много неудачных попыток входа. Повторите через {wait}",
        extra={"retry_after_seconds": seconds},
    )


ACCOUNT_LOCKED_RETRY_SECONDS = 3600


def login(email: str, password: str, ip: str | None, user_agent: str | None) -> IssuedToken:
    """Reserve the attempt (committed), check the password (slow, no transaction open), then
    either open a session and take the attempt back, or leave it counted."""
    typed = LoginInput.model_validate({"email": email, "password": password})
    key = normalize_email(typed.email)
    check_password_bytes(password)
    attempts = _login_attempts(key, ip)
    with transaction() as session:
        manager = session.exec(select(ManagerUser).where(ManagerUser.email == key)).first()
        reservation = throttle.reserve(session, attempts)
        if manager is not None and ACCOUNT_SCOPE in reservation.newly_locked:
            audit.record(
                session,
                None,
                "manager_login_locked",
                "manager",
                manager.id,
                changes={
                    "failed_logins": {"before": None, "after": reservation.counts[ACCOUNT_SCOPE]}
                },
            )
    if reservation.refusal is not None:
        raise _refused(reservation.refusal)

    password_ok = check_credentials(password, manager.password_hash if manager else None)
    if not manager or not password_ok:
        raise NotAuthenticated("invalid_credentials", INVALID_CREDENTIALS)
    if not manager.is_active:
        raise Forbidden("account_disabled", "Учётная запись отключена. Обратитесь к администратору")

    now = utcnow()
    expires_at = _session_expiry(now, logged_in_at=now)
    with transaction() as session:
        throttle.settle(session, attempts)
        session.execute(
            sa.update(ManagerUser).where(ManagerUser.id == manager.id).values(last_login_at=now)
        )
        login_session = _open_session(session, manager.id, expires_at, ip, user_agent)
    actor = dataclasses.replace(_actor_from(manager, login_session.id), logged_in_at=now)
    return _issue(actor, login_session.id, now, expires_at)


def check_credentials(password: str, password_hash: str | None) -> bool:
    """The slow part of a login, on its own (bcrypt; the same cost for an unknown e-mail)."""
    stored = password_hash or _dummy_hash(get_settings().BCRYPT_ROUNDS)
    return verify_password(password, stored) and password_hash is not None


def unlock_login(session: Session, email: str) -> bool:
    """Lift the hard lock of an account and forget its failures from every address (an admin's
    action, in the caller's transaction) → whether it was locked."""
    pair, _per_ip, account = login_rules()
    subject = account_subject(email)
    was_locked = bool(throttle.locked(session, account, [subject]))
    throttle.clear(session, account, subject)
    throttle.clear(session, pair, pair_subject_prefix(email), prefix=True)
    return was_locked


def login_locks(session: Session, emails: list[str]) -> dict[str, dt.datetime]:
    """e-mail → when its account was hard-locked, for the locked ones among `emails`."""
    _pair, _per_ip, account = login_rules()
    subjects = {account_subject(email): email for email in emails}
    return {subjects[s]: at for s, at in throttle.locked(session, account, list(subjects)).items()}


def _open_session(
    session: Session,
    manager_id: int,
    expires_at: dt.datetime,
    ip: str | None,
    user_agent: str | None,
) -> ManagerSession:
    login_session = ManagerSession(
        id=str(uuid.uuid4()),
        manager_id=manager_id,
        expires_at=expires_at,
        ip=ip,
        user_agent=(user_agent or "")[:500] or None,
    )
    session.add(login_session)
    session.flush()
    return login_session


def _actor_from(manager: ManagerUser, session_id: str | None) -> Actor:
    return Actor(
        id=manager.id,
        email=manager.email,
        name=manager.name,
        role=manager.role,
        session_id=session_id,
    )


def _issue(actor: Actor, session_id: str, now: dt.datetime, expires_at: dt.datetime) -> IssuedToken:
    payload = {
        "sub": str(actor.id),
        "sid": session_id,
        "role": actor.role,
        "iss": JWT_ISSUER,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        # When the password was typed (OpenID's claim name): refreshes carry it unchanged.
        "auth_time": int((actor.logged_in_at or now).timestamp()),
    }
    token = jwt.encode(payload, get_settings().MANAGER_JWT_SECRET, algorithm=JWT_ALGORITHM)
    return IssuedToken(
        access_token=token, expires_in=int((expires_at - now).total_seconds()), manager=actor
    )


def authenticate_token(token: str | None) -> Actor:
    """The JWT must verify AND its session must be open AND the manager active.

    The role comes from the database, not from the token, so a changed role applies at once.
    """
    if not token:
        raise NotAuthenticated("not_authenticated", "Войдите в систему")
    try:
        claims = jwt.decode(
            token,
            get_settings().MANAGER_JWT_SECRET,
            algorithms=[JWT_ALGORITHM],
            issuer=JWT_ISSUER,
            options={"require": ["exp", "iat", "sub", "sid"]},
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("token_expired", "Сессия истекла, войдите снова") from None
    except jwt.PyJWTError:
        raise NotAuthenticated("token_invalid", "Недействительный токен, войдите снова") from None
    with transaction() as session:
        row = session.exec(
            select(ManagerUser, ManagerSession)
            .join(ManagerSession, ManagerSession.manager_id == ManagerUser.id)
            .where(ManagerSession.id == claims["sid"], ManagerUser.id == int(claims["sub"]))
        ).first()
    if row is None:
        raise NotAuthenticated("token_invalid", "Недействительный токен, войдите снова")
    manager, login_session = row
    if login_session.revoked_at is not None or login_session.expires_at <= utcnow():
        raise NotAuthenticated("session_ended", "Сессия завершена, войдите снова")
    if not manager.is_active:
        raise NotAuthenticated("account_disabled", "Учётная запись отключена")
    # Tokens from before auth_time existed count from their own issue.
    logged_in_at = dt.datetime.fromtimestamp(claims.get("auth_time", claims["iat"]), dt.UTC)
    return dataclasses.replace(_actor_from(manager, login_session.id), logged_in_at=logged_in_at)


def logout(actor: Actor) -> None:
    with transaction() as session:
        session.execute(
            sa.update(ManagerSession)
            .where(ManagerSession.id == actor.session_id, ManagerSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def _session_expiry(now: dt.datetime, *, logged_in_at: dt.datetime) -> dt.datetime:
    """A token lives its TTL, but never past SESSION_MAX_HOURS from the password login."""
    settings = get_settings()
    return min(
        now + dt.timedelta(minutes=settings.MANAGER_ACCESS_TOKEN_EXPIRE_MINUTES),
        logged_in_at + dt.timedelta(hours=settings.SESSION_MAX_HOURS),
    )


def refresh(actor: Actor) -> IssuedToken:
    """A fresh token on a new session; the old session ends (a stolen old token stops working).

    Refreshing never extends a login past SESSION_MAX_HOURS: a token that leaked once cannot
    be kept alive forever by refreshing it.
    """
    now = utcnow()
    logged_in_at = actor.logged_in_at or now
    expires_at = _session_expiry(now, logged_in_at=logged_in_at)
    if expires_at <= now:
        hours = get_settings().SESSION_MAX_HOURS
        raise NotAuthenticated(
            "session_lifetime_exceeded", f"Сессия длится больше {hours} ч — войдите снова"
        )
    with transaction() as session:
        session.execute(
            sa.update(ManagerSession)
            .where(ManagerSession.id == actor.session_id)
            .values(revoked_at=now)
        )
        new_session = _open_session(session, actor.id, expires_at, actor.ip, actor.user_agent)
    return _issue(
        dataclasses.replace(actor, session_id=new_session.id), new_session.id, now, expires_at
    )
