"""Manager accounts, passwords, login with lockout, sessions and access tokens (JWT HS256)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import uuid

import bcrypt
import jwt
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, select

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
from privet_manager_app.infra import cpu_pool
from privet_manager_app.infra.db import transaction, upsert
from privet_manager_app.schema.enums import ManagerRole
from privet_manager_app.schema.tables import ManagerLoginThrottle, ManagerSession, ManagerUser
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


def _throttle_key(email: str) -> str:
    # The throttle table never stores a typed e-mail in clear text.
    return hashlib.sha256(email.encode()).hexdigest()


def _locked_error(until: dt.datetime) -> TooManyAttempts:
    minutes = max(1, int((until - utcnow()).total_seconds() // 60) + 1)
    return TooManyAttempts(
        "account_locked",
        f"Слишком много неудачных попыток входа. Повторите через {minutes} мин.",
        extra={"retry_after_seconds": int((until - utcnow()).total_seconds())},
    )


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


def login(email: str, password: str, ip: str | None, user_agent: str | None) -> IssuedToken:
    """Five failures lock the e-mail for 15 minutes, whether or not an account has it."""
    settings = get_settings()
    key = normalize_email(email)
    check_password_bytes(password)
    now = utcnow()
    with transaction() as session:
        manager = session.exec(select(ManagerUser).where(ManagerUser.email == key)).first()
        throttle = None if manager else session.get(ManagerLoginThrottle, _throttle_key(key))
    locked_until = manager.locked_until if manager else (throttle and throttle.locked_until)
    if locked_until and locked_until > now:
        raise _locked_error(locked_until)

    password_ok = verify_password(
        password, manager.password_hash if manager else _dummy_hash(settings.BCRYPT_ROUNDS)
    )
    if not manager or not password_ok:
        _record_failure(manager, key)
        raise NotAuthenticated("invalid_credentials", INVALID_CREDENTIALS)
    if not manager.is_active:
        raise Forbidden("account_disabled", "Учётная запись отключена. Обратитесь к администратору")

    expires_at = _session_expiry(now, logged_in_at=now)
    with transaction() as session:
        session.execute(
            sa.update(ManagerUser)
            .where(ManagerUser.id == manager.id)
            .values(failed_login_count=0, locked_until=None, last_login_at=now)
        )
        login_session = _open_session(session, manager.id, expires_at, ip, user_agent)
    actor = dataclasses.replace(_actor_from(manager, login_session.id), logged_in_at=now)
    return _issue(actor, login_session.id, now, expires_at)


def _record_failure(manager: ManagerUser | None, key: str) -> None:
    settings = get_settings()
    lock_until = utcnow() + dt.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    limit = settings.LOGIN_MAX_FAILURES
    with transaction() as session:
        if manager is not None:
            # One atomic UPDATE: concurrent failures cannot both read the same count.
            reached = ManagerUser.failed_login_count + 1 >= limit
            session.execute(
                sa.update(ManagerUser)
                .where(ManagerUser.id == manager.id)
                .values(
                    failed_login_count=sa.case(
                        (reached, 0), else_=ManagerUser.failed_login_count + 1
                    ),
                    locked_until=sa.case((reached, lock_until), else_=ManagerUser.locked_until),
                )
            )
            return
        table = ManagerLoginThrottle
        reached = table.failed_count + 1 >= limit
        statement = upsert(session, table).values(
            email_key=_throttle_key(key), failed_count=1, updated_at=utcnow()
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.email_key],
                set_={
                    "failed_count": sa.case((reached, 0), else_=table.failed_count + 1),
                    "locked_until": sa.case((reached, lock_until), else_=table.locked_until),
                    "updated_at": utcnow(),
                },
            )
        )


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
