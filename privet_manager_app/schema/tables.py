"""Our tables (`manager_*`, `users_passports`), migrated by `alembic/` (own version table)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.db import BigIntPK, JSONType, Money, UTCDateTime
from privet_manager_app.schema.client_app import DEVICES_TABLE, USERS_TABLE
from privet_manager_app.schema.enums import (
    ClientStatus,
    ContractStatus,
    InvoiceStatus,
    ManagerRole,
    NumberStatus,
)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime)


def storage_key(*, live_when: str | None = None) -> Any:
    """A column holding an object storage key. `sweep-storage` keeps every object such a
    column names (only in rows matching `live_when`, an SQL condition, when given) and removes
    the rest: a new column that points into the storage is declared with this, or its objects
    are swept away."""
    return Field(
        default=None,
        max_length=255,
        sa_column_kwargs={"info": {"storage_key": live_when or True}},
    )


def _manager_fk(nullable: bool = True) -> Any:
    return Field(
        default=None if nullable else ..., foreign_key="manager_users.id", nullable=nullable
    )


class ManagerUser(SQLModel, table=True):
    __tablename__ = "manager_users"

    id: int | None = Field(default=None, primary_key=True)
    # Stored lower-cased and stripped, so the unique constraint is case-insensitive.
    email: str = Field(max_length=255, unique=True)
    password_hash: str = Field(max_length=100)
    name: str = Field(max_length=255)
    role: str = Field(default=ManagerRole.MANAGER, max_length=20)
    is_active: bool = Field(default=True)
    last_login_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class ManagerSession(SQLModel, table=True):
    """A login: the JWT carries its id, so logout and deactivation end it server-side."""

    __tablename__ = "manager_sessions"

    id: str = Field(primary_key=True, max_length=36)
    manager_id: int = Field(foreign_key="manager_users.id", index=True)
    created_at: dt.datetime = _created()
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    ip: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=500)


class ManagerAttemptCounter(SQLModel, table=True):
    """Attempts counted by `domain/common/throttle.py` — logins per account and IP, per IP, per
    account; signing codes per IP — one row per rule (`scope`) and subject (a digest, never the
    typed e-mail or address). In the database, so every replica counts the same attempts."""

    __tablename__ = "manager_attempt_counters"

    scope: str = Field(primary_key=True, max_length=40)
    subject: str = Field(primary_key=True, max_length=64)
    attempts: int = Field(default=0)
    window_started_at: dt.datetime = Field(sa_type=UTCDateTime)
    last_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    blocked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ManagerClient(SQLModel, table=True):
    __tablename__ = "manager_clients"
    __table_args__ = (
        sa.Index("ix_manager_clients_updated_at_id", "updated_at", "id"),
        # The dashboard, one pass per figure (migration 0006): the funnel, the totals and every
        # manager's load from one index-only GROUP BY; the days and the median from their own
        # partial indexes.
        sa.Index("ix_manager_clients_status_manager", "status", "assigned_manager_id"),
        sa.Index(
            "ix_manager_clients_processed_at",
            "processed_at",
            postgresql_where=sa.text("status = 'processed'"),
            sqlite_where=sa.text("status = 'processed'"),
        ),
        sa.Index(
            "ix_manager_clients_first_signed_at",
            "first_signed_at",
            postgresql_include=["claimed_at"],
            postgresql_where=sa.text("first_signed_at IS NOT NULL"),
            sqlite_where=sa.text("first_signed_at IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    user_id: int = Field(sa_type=sa.BigInteger, foreign_key=f"{USERS_TABLE}.id", unique=True)
    status: str = Field(default=ClientStatus.NEW, max_length=20, index=True)
    assigned_manager_id: int | None = Field(
        default=None, foreign_key="manager_users.id", index=True
    )
    claimed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    processed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The first signature ever: set once by signing, kept through a reopen (the dashboard's
    # «claim → signed» median reads it instead of aggregating contracts).
    first_signed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    registration_address: str | None = Field(default=None, max_length=500)
    postcode: str | None = Field(default=None, max_length=6)
    region: str | None = Field(default=None, max_length=150)
    city: str | None = Field(default=None, max_length=150)
    street: str | None = Field(default=None, max_length=150)
    house: str | None = Field(default=None, max_length=20)
    building: str | None = Field(default=None, max_length=20)
    apartment: str | None = Field(default=None, max_length=20)
    version: int = Field(default=1)
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class ManagerClientSearch(SQLModel, table=True):
    """The list's search projection: one narrow row per client with what a list row shows and
    what a search matches, so every tab, search, count and export reads this table alone —
    never a scan of `users` (the client app's table, where we may add no index).

    Written in one place (`domain/clients/projection.py`): inside our own write transactions,
    and by the background sync for `users` rows the client app inserted or changed. The
    trigram (pg_trgm) GIN indexes — `search_text` one per stored tab, `phone_digits` — are
    created by migrations 0006 and 0008 where the extension is allowed, outside this model
    (`*_trgm`, see alembic/env.py).
    """

    __tablename__ = "manager_client_search"
    __table_args__ = (
        # Keyset order of each tab: one range of the index per page (read backwards). What a
        # search compares is included (PostgreSQL): a window of newest rows is read from the
        # index alone (migration 0009).
        sa.Index(
            "ix_manager_client_search_tab_cover",
            "tab",
            "updated_at",
            "client_id",
            postgresql_include=["search_text", "phone_digits"],
        ),
        # «Мои»: the manager's clients not yet processed.
        sa.Index(
            "ix_manager_client_search_mine_cover",
            "assigned_manager_id",
            "updated_at",
            "client_id",
            postgresql_include=["search_text", "phone_digits"],
            postgresql_where=sa.text("tab <> 'processed'"),
            sqlite_where=sa.text("tab <> 'processed'"),
        ),
        sa.Index("ix_manager_client_search_phone_digits", "phone_digits"),  # duplicate phone
        sa.Index("ix_manager_client_search_source_updated_at", "source_updated_at"),  # sync
    )

    client_id: int = Field(
        sa_type=sa.BigInteger,
        foreign_key="manager_clients.id",
        primary_key=True,
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},
    )
    user_id: int = Field(sa_type=sa.BigInteger, unique=True)
    tab: str = Field(max_length=10)  # new | in_work | processed — from the status
    status: str = Field(max_length=20)
    assigned_manager_id: int | None = None
    name: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=255)
    registration_address: str | None = Field(default=None, max_length=500)
    # lower(name ⏎ e-mail ⏎ address): a search term has no line break, so a match never spans
    # two fields.
    search_text: str = Field(sa_type=sa.Text)
    phone_digits: str | None = Field(default=None, max_length=20)  # the last 10 digits
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    version: int
    source_updated_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ManagerRuntime(SQLModel, table=True):
    """What the replicas share besides the business tables: short-lived cached figures (the
    dashboard, the tab counts) and the positions of background jobs."""

    __tablename__ = "manager_runtime"

    key: str = Field(primary_key=True, max_length=100)
    value: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    updated_at: dt.datetime = _created()


class ManagerReplica(SQLModel, table=True):
    """Running app instances (a heartbeat every few seconds): a replica that starts next to
    another one without Redis is refused — Reflex would keep each browser's state in one
    process's memory."""

    __tablename__ = "manager_replicas"

    instance: str = Field(primary_key=True, max_length=200)  # host:port
    pid: int
    has_redis: bool
    started_at: dt.datetime = _created()
    seen_at: dt.datetime = _created()


class UserPassport(SQLModel, table=True):
    """The passport. Series, number, issue date, issuer and division code are stored only
    encrypted (`*_enc`, AES-256-GCM tokens, domain/wizard/passport_vault.py); duplicates are
    found by the keyed blind index; the mask the card and the list show is kept as is."""

    __tablename__ = "users_passports"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    user_id: int = Field(sa_type=sa.BigInteger, foreign_key=f"{USERS_TABLE}.id", unique=True)
    last_name: str = Field(max_length=100)
    first_name: str = Field(max_length=100)
    middle_name: str | None = Field(default=None, max_length=100)
    birth_date: dt.date
    birth_place: str = Field(max_length=255)
    series_enc: str = Field(sa_type=sa.Text)
    number_enc: str = Field(sa_type=sa.Text)
    issue_date_enc: str = Field(sa_type=sa.Text)
    issued_by_enc: str = Field(sa_type=sa.Text)
    division_code_enc: str = Field(sa_type=sa.Text)
    # HMAC of series + number under the index key, «<kid>:<hex>»: equal passports, equal index.
    passport_index: str = Field(max_length=90, index=True)
    number_masked: str = Field(max_length=20)  # «45** ****56», what everyone but the form sees
    updated_by: int | None = _manager_fk()
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class ManagerDevice(SQLModel, table=True):
    __tablename__ = "manager_devices"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    client_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_clients.id", index=True, ondelete="CASCADE"
    )
    legacy_device_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, foreign_key=f"{DEVICES_TABLE}.id", ondelete="SET NULL"
    )
    category: str = Field(max_length=30)
    brand: str = Field(max_length=100)
    model: str = Field(max_length=100)
    serial_number: str | None = Field(default=None, max_length=100)
    purchase_year: int | None = None
    condition: str | None = Field(default=None, max_length=30)
    notes: str | None = Field(default=None, max_length=2000)
    created_by: int | None = _manager_fk()
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class ManagerDevicePhoto(SQLModel, table=True):
    __tablename__ = "manager_device_photos"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    device_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_devices.id", index=True, ondelete="CASCADE"
    )
    file_key: str = Field(max_length=255, sa_column_kwargs={"info": {"storage_key": True}})
    thumb_key: str = Field(max_length=255, sa_column_kwargs={"info": {"storage_key": True}})
    content_type: str = Field(max_length=50)
    width: int
    height: int
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_by: int | None = _manager_fk()
    created_at: dt.datetime = _created()


class ManagerTariff(SQLModel, table=True):
    __tablename__ = "manager_tariffs"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=255)
    description: str | None = Field(default=None, max_length=2000)
    base_monthly_fee: Decimal = Field(sa_type=Money)
    included_devices: int = Field(default=0)
    extra_device_fee: Decimal = Field(sa_type=Money)
    # {category: fee as a string with two decimals}
    category_fees: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)
    max_discount_pct: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(5, 2))
    is_active: bool = Field(default=True)
    version: int = Field(default=1)
    updated_by: int | None = _manager_fk()
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class ManagerClientTariff(SQLModel, table=True):
    """One surcharge calculation; the latest per client is the current one."""

    __tablename__ = "manager_client_tariffs"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    client_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_clients.id", index=True, ondelete="CASCADE"
    )
    tariff_id: int = Field(foreign_key="manager_tariffs.id")
    tariff_snapshot: dict[str, Any] = Field(sa_type=JSONType)
    devices_count: int
    surcharge: Decimal = Field(sa_type=Money)
    discount_pct: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(5, 2))
    discount_reason: str | None = Field(default=None, max_length=500)
    breakdown: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    applied_by: int | None = _manager_fk()
    applied_at: dt.datetime = _created()


class ManagerContract(SQLModel, table=True):
    __tablename__ = "manager_contracts"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    client_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_clients.id", index=True, ondelete="CASCADE"
    )
    client_tariff_id: int | None = Field(
        default=None, sa_type=sa.BigInteger, foreign_key="manager_client_tariffs.id"
    )
    number: str = Field(max_length=20, unique=True)
    status: str = Field(default=ContractStatus.OTP_SENT, max_length=20, index=True)
    data_snapshot: dict[str, Any] = Field(sa_type=JSONType)
    surcharge: Decimal = Field(sa_type=Money)
    pdf_key: str | None = storage_key()
    pdf_sha256: str | None = Field(default=None, max_length=64)
    otp_hash: str | None = Field(default=None, max_length=64)
    otp_expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    otp_attempts: int = Field(default=0)
    otp_sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    otp_send_count: int = Field(default=0)
    otp_support_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    signed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    pep_agreed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    signer_ip: str | None = Field(default=None, max_length=45)
    signer_user_agent: str | None = Field(default=None, max_length=500)
    signature_hmac: str | None = Field(default=None, max_length=64)
    signed_by: int | None = _manager_fk()  # who typed the right code (the certificate names them)
    certificate_key: str | None = storage_key()
    paid_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    payment_amount: Decimal | None = Field(default=None, sa_type=Money)
    payment_method: str | None = Field(default=None, max_length=20)
    payment_reference: str | None = Field(default=None, max_length=255)
    payment_confirmed_by: int | None = _manager_fk()
    superseded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = _manager_fk()
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class ManagerNumberSequence(SQLModel, table=True):
    """Per-year counters behind ПМ-/СЧ- numbers; a row lock makes them gap-free under load."""

    __tablename__ = "manager_number_sequences"

    prefix: str = Field(primary_key=True, max_length=10)
    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last_value: int = Field(default=0)


class ManagerNumberReservation(SQLModel, table=True):
    """Every contract number handed out, and what became of it.

    The counter is held only while a number is taken (its own short transaction); the PDF is
    rendered and stored after that, outside any transaction. A generation that fails later
    leaves its number here as `void` with the reason — never a silent gap in the sequence.
    """

    __tablename__ = "manager_number_reservations"

    number: str = Field(primary_key=True, max_length=20)
    client_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_clients.id", index=True, ondelete="CASCADE"
    )
    status: str = Field(default=NumberStatus.RESERVED, max_length=20)
    # Where the PDF goes: known before it is written, so an object left by a crash mid-way is
    # recognisably this generation's (kept while in flight, swept once the number is void).
    object_key: str | None = storage_key(live_when="status = 'reserved'")
    void_reason: str | None = Field(default=None, max_length=500)
    reserved_by: int | None = _manager_fk()
    reserved_at: dt.datetime = _created()
    settled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ManagerOtpGuess(SQLModel, table=True):
    """Every signing code compared, right or wrong: the ledger behind the client's wrong-code
    budget and the per-IP throttle (domain/wizard/otp_budget.py). It outlives codes, contracts
    and restarts by design."""

    __tablename__ = "manager_otp_guesses"
    __table_args__ = (
        sa.Index("ix_manager_otp_guesses_client_created", "client_id", "created_at"),
        sa.Index("ix_manager_otp_guesses_ip_created", "ip", "created_at"),
    )

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    client_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_clients.id", ondelete="CASCADE"
    )
    contract_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_contracts.id", ondelete="CASCADE"
    )
    manager_id: int | None = _manager_fk()
    ip: str = Field(default="", max_length=45)  # "" when the origin is unknown (a script)
    wrong: bool
    # An admin unlocked the client's signing: the guess no longer counts against the client
    # (it still counts against the IP it came from).
    forgiven_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    forgiven_by: int | None = _manager_fk()
    created_at: dt.datetime = _created()


class ManagerInvoice(SQLModel, table=True):
    __tablename__ = "manager_invoices"
    # At most one live invoice per contract, whatever the code does (migration 0003).
    __table_args__ = (
        sa.Index(
            "uq_manager_invoices_open_contract",
            "contract_id",
            unique=True,
            postgresql_where=sa.text("status <> 'cancelled'"),
            sqlite_where=sa.text("status <> 'cancelled'"),
        ),
    )

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    number: str = Field(max_length=20, unique=True)
    contract_id: int = Field(sa_type=sa.BigInteger, foreign_key="manager_contracts.id", index=True)
    amount: Decimal = Field(sa_type=Money)
    due_date: dt.date
    status: str = Field(default=InvoiceStatus.ISSUED, max_length=20)
    support_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    notify_count: int = Field(default=1)
    last_notified_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int | None = _manager_fk()
    created_at: dt.datetime = _created()
    paid_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ManagerSupportThread(SQLModel, table=True):
    """The manager-side log of one client (never shown to the client)."""

    __tablename__ = "manager_support_threads"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    client_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_clients.id", unique=True, ondelete="CASCADE"
    )
    created_at: dt.datetime = _created()


class ManagerSupportMessage(SQLModel, table=True):
    __tablename__ = "manager_support_messages"

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    thread_id: int = Field(
        sa_type=sa.BigInteger,
        foreign_key="manager_support_threads.id",
        index=True,
        ondelete="CASCADE",
    )
    author_manager_id: int | None = _manager_fk()
    kind: str = Field(default="note", max_length=20)  # note | event
    body: str = Field(max_length=4000)
    created_at: dt.datetime = _created()


class ManagerAuditLog(SQLModel, table=True):
    """One audit entry, a link of the hash chain (domain/history/audit_chain.py): `seq` 1, 2,
    3 … in commit order, `prev_hash` the previous entry's `row_hash`."""

    __tablename__ = "manager_audit_log"
    __table_args__ = (
        sa.Index("ix_manager_audit_log_client_created", "client_id", "created_at"),
        # Who read how many passports lately (dashboard, card): a range scan of one action.
        sa.Index("ix_manager_audit_log_action_created", "action", "created_at", "manager_id"),
    )

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    seq: int = Field(sa_type=sa.BigInteger, unique=True)
    prev_hash: str = Field(max_length=64)
    row_hash: str = Field(max_length=64)
    manager_id: int | None = _manager_fk()
    action: str = Field(max_length=50)
    entity_type: str = Field(max_length=50)
    entity_id: str | None = Field(default=None, max_length=50)
    client_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    # {field: {"before": ..., "after": ...}} with passport numbers masked.
    changes: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    ip: str | None = Field(default=None, max_length=45)
    user_agent: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = _created()


class ManagerAuditChainHead(SQLModel, table=True):
    """The chain's last link (one row, id 1). Every transaction that writes audit entries
    updates it first: its row lock is what keeps the chain one line under concurrency."""

    __tablename__ = "manager_audit_chain_head"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int = Field(default=0, sa_type=sa.BigInteger)
    row_hash: str = Field(max_length=64)


class ManagerAuditChainCheck(SQLModel, table=True):
    """How far the chain has been verified (one row, id 1): `verify-audit` checks it all, the
    dashboard continues from here — a separate row, so checking never waits on audit writers."""

    __tablename__ = "manager_audit_chain_check"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    verified_seq: int = Field(default=0, sa_type=sa.BigInteger)
    verified_hash: str = Field(max_length=64)
    verified_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    full_check_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    broken_seq: int | None = Field(default=None, sa_type=sa.BigInteger)
    broken_reason: str | None = Field(default=None, max_length=300)
    broken_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class ManagerSealedCopy(SQLModel, table=True):
    """A sealed signed copy of a contract (domain/wizard/sealed_copy.py): the original's pages,
    the signature certificate, the evidence page, sealed by the organisation. A new edition is
    issued when more messages about the contract went to the client's chat; every edition stays
    valid. A row in `building` holds the lease of the one process making that edition."""

    __tablename__ = "manager_sealed_copies"
    __table_args__ = (sa.UniqueConstraint("contract_id", "edition"),)

    id: int | None = Field(default=None, sa_type=BigIntPK, primary_key=True)
    contract_id: int = Field(
        sa_type=sa.BigInteger, foreign_key="manager_contracts.id", ondelete="CASCADE"
    )
    edition: int
    status: str = Field(default="building", max_length=20)  # building | ready
    # Declared for sweep-storage: a copy's object is live for as long as its row exists.
    storage_key: str = storage_key()
    lease_token: str | None = Field(default=None, max_length=36)
    lease_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    sha256: str | None = Field(default=None, max_length=64, index=True)
    size_bytes: int | None = None
    sealed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    seal_certificate_sha256: str | None = Field(default=None, max_length=64)
    timestamp_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The audit chain's head printed on the evidence page: an anchor for verify-audit.
    audit_head_seq: int = Field(sa_type=sa.BigInteger)
    audit_head_hash: str = Field(max_length=64)
    messages_through: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: dt.datetime = _created()


OUR_TABLES = frozenset(
    table.name
    for table in SQLModel.metadata.sorted_tables
    if table.name.startswith("manager_") or table.name == "users_passports"
)
