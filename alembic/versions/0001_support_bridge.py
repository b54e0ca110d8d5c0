"""Support bridge: support_tickets / support_messages, only where the client app has none.

The client app may own these tables already; then this revision does nothing to them. Downgrade
never drops them: they hold the clients' chat, which the client app reads.

Revision ID: 0001_support_bridge
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001_support_bridge"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "support_tickets" not in existing:
        op.create_table(
            "support_tickets",
            sa.Column("id", BIGINT_PK, nullable=False),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.Column("subject", sa.String(length=255), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["user_id"], ["users.id"], name="fk_support_tickets_user_id_users"
            ),
            sa.PrimaryKeyConstraint("id", name="pk_support_tickets"),
        )
        op.create_index("ix_support_tickets_user_id", "support_tickets", ["user_id"])
    if "support_messages" not in existing:
        op.create_table(
            "support_messages",
            sa.Column("id", BIGINT_PK, nullable=False),
            sa.Column("ticket_id", sa.BigInteger(), nullable=False),
            sa.Column("author_type", sa.String(length=20), nullable=False),
            sa.Column("author_id", sa.BigInteger(), nullable=True),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("payload", JSON, nullable=True),
            sa.Column("is_read", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["ticket_id"],
                ["support_tickets.id"],
                name="fk_support_messages_ticket_id_support_tickets",
            ),
            sa.PrimaryKeyConstraint("id", name="pk_support_messages"),
        )
        op.create_index("ix_support_messages_ticket_id", "support_messages", ["ticket_id"])


def downgrade() -> None:
    pass
