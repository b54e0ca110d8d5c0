"""Signing ledgers: contract numbers and their fate, every compared code, who signed.

- `manager_number_reservations`: a number is taken in its own short transaction (the counter
  is held for milliseconds), the PDF is made outside any transaction; a generation that fails
  leaves its number as `void` with the reason.
- `manager_otp_guesses`: every code compared — the client's wrong-code budget (≤ 10 in 24 h
  across all its codes and contracts) and the per-IP throttle count these rows.
- `manager_contracts.signed_by`: the manager who typed the right code (the certificate, now
  issued after the signing commit, names them).

Revision ID: 0004_signing_ledgers
Revises: 0003_one_invoice_per_contract
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0004_signing_ledgers"
down_revision: str | Sequence[str] | None = "0003_one_invoice_per_contract"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "manager_number_reservations",
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("object_key", sa.String(length=255), nullable=True),
        sa.Column("void_reason", sa.String(length=500), nullable=True),
        sa.Column("reserved_by", sa.Integer(), nullable=True),
        sa.Column("reserved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_number_reservations_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reserved_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_number_reservations_reserved_by_manager_users"),
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_manager_number_reservations")),
    )
    op.create_index(
        op.f("ix_manager_number_reservations_client_id"),
        "manager_number_reservations",
        ["client_id"],
        unique=False,
    )
    op.create_table(
        "manager_otp_guesses",
        sa.Column("id", BIG_PK, nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("wrong", sa.Boolean(), nullable=False),
        sa.Column("forgiven_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("forgiven_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_otp_guesses_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["manager_contracts.id"],
            name=op.f("fk_manager_otp_guesses_contract_id_manager_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["forgiven_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_otp_guesses_forgiven_by_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_otp_guesses_manager_id_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_otp_guesses")),
    )
    op.create_index(
        "ix_manager_otp_guesses_client_created",
        "manager_otp_guesses",
        ["client_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_manager_otp_guesses_ip_created",
        "manager_otp_guesses",
        ["ip", "created_at"],
        unique=False,
    )
    with op.batch_alter_table("manager_contracts") as batch:
        batch.add_column(sa.Column("signed_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_manager_contracts_signed_by_manager_users"),
            "manager_users",
            ["signed_by"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("manager_contracts") as batch:
        batch.drop_constraint(
            op.f("fk_manager_contracts_signed_by_manager_users"), type_="foreignkey"
        )
        batch.drop_column("signed_by")
    op.drop_index("ix_manager_otp_guesses_ip_created", table_name="manager_otp_guesses")
    op.drop_index("ix_manager_otp_guesses_client_created", table_name="manager_otp_guesses")
    op.drop_table("manager_otp_guesses")
    op.drop_index(
        op.f("ix_manager_number_reservations_client_id"),
        table_name="manager_number_reservations",
    )
    op.drop_table("manager_number_reservations")
