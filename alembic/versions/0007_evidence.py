"""Evidence: the audit log as a hash chain, passports encrypted at rest, sealed signed copies.

- manager_audit_log gets seq / prev_hash / row_hash; the existing rows are chained in batches in
  the order they were written (created_at, id); manager_audit_chain_head holds the last link,
  manager_audit_chain_check how far the chain was verified.
- users_passports: series, number, issue date, issuer and division code are encrypted in batches
  into *_enc columns (AES-256-GCM under PASSPORT_ENCRYPTION_KEY), the keyed blind index and the
  mask are computed, the clear columns are dropped; the passport inside every contract's data
  snapshot is encrypted the same way.
- manager_sealed_copies: the sealed signed copies and the chain head each one printed.

Unlike the other migrations this one imports the application: encrypting needs the very key
ring and token format (v1) the app reads with, and chaining the very canonical form
`verify-audit` recomputes. Both are versioned formats, so the code this calls keeps meaning
what it meant here.

Revision ID: 0007_evidence
Revises: 0006_client_search
Create Date: 2026-12-03
"""

import types
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0007_evidence"
down_revision: str | Sequence[str] | None = "0006_client_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000
SECRET = ("series", "number", "issue_date", "issued_by", "division_code")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC_TIME = sa.DateTime(timezone=True)

audit_log = sa.table(
    "manager_audit_log",
    sa.column("id", sa.BigInteger),
    sa.column("seq", sa.BigInteger),
    sa.column("prev_hash", sa.String),
    sa.column("row_hash", sa.String),
    sa.column("manager_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("client_id", sa.BigInteger),
    sa.column("changes", JSON),
    sa.column("ip", sa.String),
    sa.column("user_agent", sa.String),
    sa.column("created_at", UTC_TIME),
)
passports = sa.table(
    "users_passports",
    sa.column("id", sa.BigInteger),
    sa.column("user_id", sa.BigInteger),
    sa.column("series", sa.String),
    sa.column("number", sa.String),
    sa.column("issue_date", sa.Date),
    sa.column("issued_by", sa.String),
    sa.column("division_code", sa.String),
    *(sa.column(f"{field}_enc", sa.Text) for field in SECRET),
    sa.column("passport_index", sa.String),
    sa.column("number_masked", sa.String),
)
contracts = sa.table(
    "manager_contracts", sa.column("id", sa.BigInteger), sa.column("data_snapshot", JSON)
)


def _utc(value):
    import datetime as dt

    if isinstance(value, str):  # SQLite keeps text
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _batches(connection, table, *columns):
    """The rows of `table` by id, BATCH at a time (all columns, or `id` and `columns`)."""
    selected = (table.c.id, *columns) if columns else (table,)
    last_id = 0
    while True:
        rows = (
            connection.execute(
                sa.select(*selected).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        yield rows
        last_id = rows[-1]["id"]


def _chain_existing_rows(connection) -> tuple[int, str]:
    from privet_manager_app.domain.history.audit_chain import GENESIS, ChainLink, next_link

    head, last_key = GENESIS, None
    order = (audit_log.c.created_at, audit_log.c.id)
    while True:
        query = sa.select(audit_log).order_by(*order).limit(BATCH)
        if last_key is not None:
            query = query.where(sa.tuple_(*order) > sa.tuple_(*last_key))
        rows = connection.execute(query).mappings().all()
        if not rows:
            return head.seq, head.row_hash
        updates = []
        for row in rows:
            content = {**row, "created_at": _utc(row["created_at"])}
            seq, prev_hash, digest = next_link(head, content)
            updates.append({"row_id": row["id"], "s": seq, "p": prev_hash, "h": digest})
            head = ChainLink(seq, digest)
        connection.execute(
            sa.update(audit_log)
            .where(audit_log.c.id == sa.bindparam("row_id"))
            .values(seq=sa.bindparam("s"), prev_hash=sa.bindparam("p"), row_hash=sa.bindparam("h")),
            updates,
        )
        last_key = (rows[-1]["created_at"], rows[-1]["id"])


def _encrypt_passports(connection) -> None:
    from privet_manager_app.domain.wizard import passport_vault

    for rows in _batches(connection, passports):
        updates = [
            {
                "row_id": row["id"],
                **passport_vault.sealed_columns(row["user_id"], {f: row[f] for f in SECRET}),
            }
            for row in rows
        ]
        connection.execute(
            sa.update(passports)
            .where(passports.c.id == sa.bindparam("row_id"))
            .values({name: sa.bindparam(name) for name in updates[0] if name != "row_id"}),
            updates,
        )


def _convert_snapshots(connection, convert) -> None:
    for rows in _batches(connection, contracts, contracts.c.data_snapshot):
        updates = []
        for row in rows:
            changed = convert(row["data_snapshot"])
            if changed is not None:
                updates.append({"row_id": row["id"], "snapshot": changed})
        if updates:
            connection.execute(
                sa.update(contracts)
                .where(contracts.c.id == sa.bindparam("row_id"))
                .values(data_snapshot=sa.bindparam("snapshot", type_=JSON)),
                updates,
            )


def _sealed_snapshot(snapshot):
    from privet_manager_app.domain.wizard import passport_vault

    passport = ((snapshot or {}).get("client") or {}).get("passport") or {}
    if "number" not in passport or "number" not in snapshot:
        return None  # no passport in clear here
    return passport_vault.seal_snapshot(snapshot)


def _clear_snapshot(snapshot):
    from privet_manager_app.domain.wizard import passport_vault

    passport = ((snapshot or {}).get("client") or {}).get("passport") or {}
    if "encrypted" not in passport:
        return None
    return passport_vault.open_snapshot(snapshot)


def upgrade() -> None:
    connection = op.get_bind()

    # ---- the audit chain
    with op.batch_alter_table("manager_audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    head_seq, head_hash = _chain_existing_rows(connection)
    with op.batch_alter_table("manager_audit_log") as batch:
        batch.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("row_hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_manager_audit_log_seq"), ["seq"])
    op.create_table(
        "manager_audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("row_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_audit_chain_head")),
    )
    op.bulk_insert(
        sa.table(
            "manager_audit_chain_head",
            sa.column("id", sa.Integer),
            sa.column("seq", sa.BigInteger),
            sa.column("row_hash", sa.String),
        ),
        [{"id": 1, "seq": head_seq, "row_hash": head_hash}],
    )
    op.create_table(
        "manager_audit_chain_check",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("verified_seq", sa.BigInteger(), nullable=False),
        sa.Column("verified_hash", sa.String(length=64), nullable=False),
        sa.Column("verified_at", UTC_TIME, nullable=True),
        sa.Column("full_check_at", UTC_TIME, nullable=True),
        sa.Column("broken_seq", sa.BigInteger(), nullable=True),
        sa.Column("broken_reason", sa.String(length=300), nullable=True),
        sa.Column("broken_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_audit_chain_check")),
    )

    # ---- passports at rest
    with op.batch_alter_table("users_passports") as batch:
        for field in SECRET:
            batch.add_column(sa.Column(f"{field}_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("passport_index", sa.String(length=90), nullable=True))
        batch.add_column(sa.Column("number_masked", sa.String(length=20), nullable=True))
    _encrypt_passports(connection)
    op.drop_index("ix_users_passports_series_number", table_name="users_passports")
    with op.batch_alter_table("users_passports") as batch:
        for field in SECRET:
            batch.alter_column(f"{field}_enc", existing_type=sa.Text(), nullable=False)
            batch.drop_column(field)
        batch.alter_column("passport_index", existing_type=sa.String(length=90), nullable=False)
        batch.alter_column("number_masked", existing_type=sa.String(length=20), nullable=False)
    op.create_index(
        op.f("ix_users_passports_passport_index"), "users_passports", ["passport_index"]
    )
    _convert_snapshots(connection, _sealed_snapshot)

    # ---- sealed copies
    op.create_table(
        "manager_sealed_copies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("lease_token", sa.String(length=36), nullable=True),
        sa.Column("lease_at", UTC_TIME, nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("sealed_at", UTC_TIME, nullable=True),
        sa.Column("seal_certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("timestamp_at", UTC_TIME, nullable=True),
        sa.Column("audit_head_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_head_hash", sa.String(length=64), nullable=False),
        sa.Column("messages_through", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["manager_contracts.id"],
            name=op.f("fk_manager_sealed_copies_contract_id_manager_contracts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_sealed_copies")),
        sa.UniqueConstraint(
            "contract_id", "edition", name=op.f("uq_manager_sealed_copies_contract_id")
        ),
    )
    op.create_index(op.f("ix_manager_sealed_copies_sha256"), "manager_sealed_copies", ["sha256"])


def downgrade() -> None:
    from privet_manager_app.domain.wizard import passport_vault

    connection = op.get_bind()
    op.drop_index(op.f("ix_manager_sealed_copies_sha256"), table_name="manager_sealed_copies")
    op.drop_table("manager_sealed_copies")

    _convert_snapshots(connection, _clear_snapshot)
    op.drop_index(op.f("ix_users_passports_passport_index"), table_name="users_passports")
    with op.batch_alter_table("users_passports") as batch:
        batch.add_column(sa.Column("series", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("number", sa.String(length=6), nullable=True))
        batch.add_column(sa.Column("issue_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("issued_by", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("division_code", sa.String(length=7), nullable=True))
    for rows in _batches(connection, passports):
        updates = [
            {
                "row_id": row["id"],
                **passport_vault.open_row(types.SimpleNamespace(**row)).as_dict(),
            }
            for row in rows
        ]
        connection.execute(
            sa.update(passports)
            .where(passports.c.id == sa.bindparam("row_id"))
            .values({field: sa.bindparam(field) for field in SECRET}),
            updates,
        )
    with op.batch_alter_table("users_passports") as batch:
        for field in SECRET:
            batch.alter_column(field, nullable=False)
            batch.drop_column(f"{field}_enc")
        batch.drop_column("passport_index")
        batch.drop_column("number_masked")
    op.create_index(
        "ix_users_passports_series_number", "users_passports", ["series", "number"], unique=False
    )

    op.drop_table("manager_audit_chain_check")
    op.drop_table("manager_audit_chain_head")
    with op.batch_alter_table("manager_audit_log") as batch:
        batch.drop_constraint(op.f("uq_manager_audit_log_seq"), type_="unique")
        batch.drop_column("row_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
