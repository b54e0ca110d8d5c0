"""One invoice per contract that is not cancelled: a partial unique index.

The code already issues a second «notify» as a reminder, never as a second invoice; this makes
a double invoice impossible even if that code were wrong or two requests raced past it.
A cancelled invoice (reopened file) does not count, so a new contract edition can be billed.

Revision ID: 0003_one_invoice_per_contract
Revises: 0002_manager_tables
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003_one_invoice_per_contract"
down_revision: str | Sequence[str] | None = "0002_manager_tables"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_CANCELLED = sa.text("status <> 'cancelled'")


def upgrade() -> None:
    op.create_index(
        "uq_manager_invoices_open_contract",
        "manager_invoices",
        ["contract_id"],
        unique=True,
        postgresql_where=NOT_CANCELLED,
        sqlite_where=NOT_CANCELLED,
    )


def downgrade() -> None:
    op.drop_index("uq_manager_invoices_open_contract", table_name="manager_invoices")
