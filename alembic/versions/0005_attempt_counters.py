"""Attempt counters shared by every replica (login per account+IP, per IP, per account; signing
codes per IP) replace the per-e-mail lockout; an index for «passport reads in the last 24 h».

The old lockout lived in `manager_users.failed_login_count/locked_until` and
`manager_login_throttle`: five failures from anywhere locked the owner out. Its counts are not
carried over (they were at most 15 minutes long).

Revision ID: 0005_attempt_counters
Revises: 0004_signing_ledgers
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0005_attempt_counters"
down_revision: str | Sequence[str] | None = "0004_signing_ledgers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manager_attempt_counters",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "subject", name=op.f("pk_manager_attempt_counters")),
    )
    op.create_index(
        op.f("ix_manager_attempt_counters_last_attempt_at"),
        "manager_attempt_counters",
        ["last_attempt_at"],
    )
    op.drop_table("manager_login_throttle")
    with op.batch_alter_table("manager_users") as batch:
        batch.drop_column("failed_login_count")
        batch.drop_column("locked_until")
    op.create_index(
        "ix_manager_audit_log_action_created",
        "manager_audit_log",
        ["action", "created_at", "manager_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_manager_audit_log_action_created", table_name="manager_audit_log")
    with op.batch_alter_table("manager_users") as batch:
        batch.add_column(
            sa.Column("failed_login_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "manager_login_throttle",
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_key", name=op.f("pk_manager_login_throttle")),
    )
    op.drop_index(
        op.f("ix_manager_attempt_counters_last_attempt_at"), table_name="manager_attempt_counters"
    )
    op.drop_table("manager_attempt_counters")
