"""The list's search projection and what the dashboard and several replicas need.

- `manager_client_search`: one narrow row per client (tab, status, assignee, what a list row
  shows, lower-cased search text, the phone's last 10 digits), filled here from
  `manager_clients` + `users`; indexed for every tab's keyset order, «Мои», the duplicate-phone
  lookup and — where the pg_trgm extension may be created — substring search (GIN trigram
  indexes `*_trgm`, kept outside the models: alembic/env.py does not compare them).
- `manager_clients.first_signed_at` (the first signature, kept through a reopen) and
  `processed_at` filled where it was missing, with the dashboard's indexes.
- `manager_runtime` (cached figures shared by the replicas, job positions) and
  `manager_replicas` (heartbeats).

On a shared database without the right to create extensions the migration still succeeds: the
trigram indexes are skipped and search degrades to a scan of the tab's projection rows (README,
«Масштаб»); `python -m privet_manager_app search-indexes` adds them once pg_trgm is installed.

Revision ID: 0006_client_search
Revises: 0005_attempt_counters
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0006_client_search"
down_revision: str | Sequence[str] | None = "0005_attempt_counters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRGM_INDEXES = {
    "ix_manager_client_search_text_trgm": "search_text",
    "ix_manager_client_search_phone_trgm": "phone_digits",
}
NOT_PROCESSED = sa.text("tab <> 'processed'")
PROCESSED = sa.text("status = 'processed'")
SIGNED_ONCE = sa.text("first_signed_at IS NOT NULL")

# The same rows `domain/clients/projection.py` writes, spelled out here so the migration stays
# what it was when the code moves on. SQLite gets lower() and digits_only() from the app's
# connection (infra/db.py): its own lower() knows no Cyrillic.
_FILL = """
INSERT INTO manager_client_search (client_id, user_id, tab, status, assigned_manager_id, name,
    phone, email, registration_address, search_text, phone_digits, created_at, updated_at,
    version, source_updated_at)
SELECT c.id, c.user_id,
       CASE c.status WHEN 'new' THEN 'new' WHEN 'processed' THEN 'processed' ELSE 'in_work' END,
       c.status, c.assigned_manager_id, u.name, u.phone, u.email, c.registration_address,
       lower(coalesce(u.name, '') || {newline} || coalesce(u.email, '') || {newline}
             || coalesce(c.registration_address, '')),
       nullif({last_ten}, ''),
       c.created_at, c.updated_at, c.version, u.updated_at
FROM manager_clients c JOIN users u ON u.id = c.user_id
"""
_PG_FILL = _FILL.format(
    newline="E'\\n'", last_ten="right(regexp_replace(coalesce(u.phone, ''), '[^0-9]', '', 'g'), 10)"
)
_SQLITE_FILL = _FILL.format(newline="char(10)", last_ten="substr(digits_only(u.phone), -10)")


def _create_trigram_indexes(bind) -> None:
    """pg_trgm where we may create it (inside a savepoint: a refusal must not abort the
    migration); without it the search still works, only slower."""
    installed = bind.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    ).first()
    if installed is None:
        try:
            with bind.begin_nested():
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError:
            return
    for name, column in TRGM_INDEXES.items():
        op.create_index(
            name,
            "manager_client_search",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"

    with op.batch_alter_table("manager_clients") as batch:
        batch.add_column(sa.Column("first_signed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE manager_clients SET first_signed_at = (SELECT min(k.signed_at) FROM "
        "manager_contracts k WHERE k.client_id = manager_clients.id AND k.status = 'signed') "
        "WHERE id IN (SELECT client_id FROM manager_contracts WHERE status = 'signed' "
        "AND signed_at IS NOT NULL)"
    )
    # Files closed before processed_at existed: their last change is when they were closed.
    op.execute(
        "UPDATE manager_clients SET processed_at = updated_at "
        "WHERE status = 'processed' AND processed_at IS NULL"
    )
    op.create_index(
        "ix_manager_clients_status_manager",
        "manager_clients",
        ["status", "assigned_manager_id"],
    )
    op.create_index(
        "ix_manager_clients_processed_at",
        "manager_clients",
        ["processed_at"],
        postgresql_where=PROCESSED,
        sqlite_where=PROCESSED,
    )
    op.create_index(
        "ix_manager_clients_first_signed_at",
        "manager_clients",
        ["first_signed_at"],
        postgresql_include=["claimed_at"],
        postgresql_where=SIGNED_ONCE,
        sqlite_where=SIGNED_ONCE,
    )

    op.create_table(
        "manager_client_search",
        sa.Column("client_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("tab", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_manager_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("registration_address", sa.String(length=500), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("phone_digits", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_client_search_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_manager_client_search")),
        sa.UniqueConstraint("user_id", name=op.f("uq_manager_client_search_user_id")),
    )
    # Rows first, indexes after: building an index over a filled table is several times
    # faster than growing it row by row (≈ 1 min per million clients here).
    op.execute(_PG_FILL if postgres else _SQLITE_FILL)
    op.create_index(
        "ix_manager_client_search_tab_order",
        "manager_client_search",
        ["tab", "updated_at", "client_id"],
    )
    op.create_index(
        "ix_manager_client_search_mine_order",
        "manager_client_search",
        ["assigned_manager_id", "updated_at", "client_id"],
        postgresql_where=NOT_PROCESSED,
        sqlite_where=NOT_PROCESSED,
    )
    op.create_index(
        "ix_manager_client_search_phone_digits", "manager_client_search", ["phone_digits"]
    )
    op.create_index(
        "ix_manager_client_search_source_updated_at",
        "manager_client_search",
        ["source_updated_at"],
    )
    if postgres:
        _create_trigram_indexes(bind)

    op.create_table(
        "manager_runtime",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column(
            "value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_manager_runtime")),
    )
    op.create_table(
        "manager_replicas",
        sa.Column("instance", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("has_redis", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("instance", name=op.f("pk_manager_replicas")),
    )


def downgrade() -> None:
    op.drop_table("manager_replicas")
    op.drop_table("manager_runtime")
    op.drop_table("manager_client_search")  # its indexes go with it
    op.drop_index("ix_manager_clients_first_signed_at", table_name="manager_clients")
    op.drop_index("ix_manager_clients_processed_at", table_name="manager_clients")
    op.drop_index("ix_manager_clients_status_manager", table_name="manager_clients")
    with op.batch_alter_table("manager_clients") as batch:
        batch.drop_column("first_signed_at")
