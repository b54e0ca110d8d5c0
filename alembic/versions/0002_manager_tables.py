"""Our tables: manager_* and users_passports.

Revision ID: 0002_manager_tables
Revises: 0001_support_bridge
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0002_manager_tables"
down_revision: str | Sequence[str] | None = "0001_support_bridge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "manager_login_throttle",
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_key", name=op.f("pk_manager_login_throttle")),
    )
    op.create_table(
        "manager_number_sequences",
        sa.Column("prefix", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year", name=op.f("pk_manager_number_sequences")),
    )
    op.create_table(
        "manager_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("password_hash", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_login_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_users")),
        sa.UniqueConstraint("email", name=op.f("uq_manager_users_email")),
    )
    op.create_table(
        "manager_audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("entity_type", sa.String(length=50), nullable=False),
        sa.Column("entity_id", sa.String(length=50), nullable=True),
        sa.Column("client_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_audit_log_manager_id_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_audit_log")),
    )
    op.create_index(
        "ix_manager_audit_log_client_created",
        "manager_audit_log",
        ["client_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "manager_clients",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assigned_manager_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registration_address", sa.String(length=500), nullable=True),
        sa.Column("postcode", sa.String(length=6), nullable=True),
        sa.Column("region", sa.String(length=150), nullable=True),
        sa.Column("city", sa.String(length=150), nullable=True),
        sa.Column("street", sa.String(length=150), nullable=True),
        sa.Column("house", sa.String(length=20), nullable=True),
        sa.Column("building", sa.String(length=20), nullable=True),
        sa.Column("apartment", sa.String(length=20), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_clients_assigned_manager_id_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_manager_clients_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_clients")),
        sa.UniqueConstraint("user_id", name=op.f("uq_manager_clients_user_id")),
    )
    op.create_index(
        op.f("ix_manager_clients_assigned_manager_id"),
        "manager_clients",
        ["assigned_manager_id"],
        unique=False,
    )
    op.create_index(op.f("ix_manager_clients_status"), "manager_clients", ["status"], unique=False)
    op.create_index(
        "ix_manager_clients_updated_at_id",
        "manager_clients",
        ["updated_at", "id"],
        unique=False,
    )
    op.create_table(
        "manager_sessions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_sessions_manager_id_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_sessions")),
    )
    op.create_index(
        op.f("ix_manager_sessions_manager_id"),
        "manager_sessions",
        ["manager_id"],
        unique=False,
    )
    op.create_table(
        "manager_tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("base_monthly_fee", sa.Numeric(12, 2), nullable=False),
        sa.Column("included_devices", sa.Integer(), nullable=False),
        sa.Column("extra_device_fee", sa.Numeric(12, 2), nullable=False),
        sa.Column(
            "category_fees",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("max_discount_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_tariffs_updated_by_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_tariffs")),
        sa.UniqueConstraint("code", name=op.f("uq_manager_tariffs_code")),
    )
    op.create_table(
        "users_passports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("middle_name", sa.String(length=100), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("birth_place", sa.String(length=255), nullable=False),
        sa.Column("series", sa.String(length=4), nullable=False),
        sa.Column("number", sa.String(length=6), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=500), nullable=False),
        sa.Column("division_code", sa.String(length=7), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"],
            ["manager_users.id"],
            name=op.f("fk_users_passports_updated_by_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_users_passports_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users_passports")),
        sa.UniqueConstraint("user_id", name=op.f("uq_users_passports_user_id")),
    )
    op.create_index(
        "ix_users_passports_series_number",
        "users_passports",
        ["series", "number"],
        unique=False,
    )
    op.create_table(
        "manager_client_tariffs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column(
            "tariff_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("devices_count", sa.Integer(), nullable=False),
        sa.Column("surcharge", sa.Numeric(12, 2), nullable=False),
        sa.Column("discount_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("discount_reason", sa.String(length=500), nullable=True),
        sa.Column(
            "breakdown",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("applied_by", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["applied_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_client_tariffs_applied_by_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_client_tariffs_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["manager_tariffs.id"],
            name=op.f("fk_manager_client_tariffs_tariff_id_manager_tariffs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_client_tariffs")),
    )
    op.create_index(
        op.f("ix_manager_client_tariffs_client_id"),
        "manager_client_tariffs",
        ["client_id"],
        unique=False,
    )
    op.create_table(
        "manager_devices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("legacy_device_id", sa.BigInteger(), nullable=True),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("purchase_year", sa.Integer(), nullable=True),
        sa.Column("condition", sa.String(length=30), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_devices_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_devices_created_by_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["legacy_device_id"],
            ["devices.id"],
            name=op.f("fk_manager_devices_legacy_device_id_devices"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_devices")),
    )
    op.create_index(
        op.f("ix_manager_devices_client_id"),
        "manager_devices",
        ["client_id"],
        unique=False,
    )
    op.create_table(
        "manager_support_threads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_support_threads_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_support_threads")),
        sa.UniqueConstraint("client_id", name=op.f("uq_manager_support_threads_client_id")),
    )
    op.create_table(
        "manager_contracts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("client_tariff_id", sa.BigInteger(), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "data_snapshot",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("surcharge", sa.Numeric(12, 2), nullable=False),
        sa.Column("pdf_key", sa.String(length=255), nullable=True),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=True),
        sa.Column("otp_hash", sa.String(length=64), nullable=True),
        sa.Column("otp_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_attempts", sa.Integer(), nullable=False),
        sa.Column("otp_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_send_count", sa.Integer(), nullable=False),
        sa.Column("otp_support_message_id", sa.BigInteger(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pep_agreed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signer_ip", sa.String(length=45), nullable=True),
        sa.Column("signer_user_agent", sa.String(length=500), nullable=True),
        sa.Column("signature_hmac", sa.String(length=64), nullable=True),
        sa.Column("certificate_key", sa.String(length=255), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("payment_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("payment_method", sa.String(length=20), nullable=True),
        sa.Column("payment_reference", sa.String(length=255), nullable=True),
        sa.Column("payment_confirmed_by", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["manager_clients.id"],
            name=op.f("fk_manager_contracts_client_id_manager_clients"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["client_tariff_id"],
            ["manager_client_tariffs.id"],
            name=op.f("fk_manager_contracts_client_tariff_id_manager_client_tariffs"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_contracts_created_by_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_confirmed_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_contracts_payment_confirmed_by_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_contracts")),
        sa.UniqueConstraint("number", name=op.f("uq_manager_contracts_number")),
    )
    op.create_index(
        op.f("ix_manager_contracts_client_id"),
        "manager_contracts",
        ["client_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_manager_contracts_status"),
        "manager_contracts",
        ["status"],
        unique=False,
    )
    op.create_table(
        "manager_device_photos",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("device_id", sa.BigInteger(), nullable=False),
        sa.Column("file_key", sa.String(length=255), nullable=False),
        sa.Column("thumb_key", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["manager_devices.id"],
            name=op.f("fk_manager_device_photos_device_id_manager_devices"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_device_photos_uploaded_by_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_device_photos")),
    )
    op.create_index(
        op.f("ix_manager_device_photos_device_id"),
        "manager_device_photos",
        ["device_id"],
        unique=False,
    )
    op.create_table(
        "manager_support_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=False),
        sa.Column("author_manager_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_manager_id"],
            ["manager_users.id"],
            name=op.f("fk_manager_support_messages_author_manager_id_manager_users"),
        ),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["manager_support_threads.id"],
            name=op.f("fk_manager_support_messages_thread_id_manager_support_threads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_support_messages")),
    )
    op.create_index(
        op.f("ix_manager_support_messages_thread_id"),
        "manager_support_messages",
        ["thread_id"],
        unique=False,
    )
    op.create_table(
        "manager_invoices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("contract_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("support_message_id", sa.BigInteger(), nullable=True),
        sa.Column("notify_count", sa.Integer(), nullable=False),
        sa.Column("last_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["manager_contracts.id"],
            name=op.f("fk_manager_invoices_contract_id_manager_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["manager_users.id"],
            name=op.f("fk_manager_invoices_created_by_manager_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manager_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_manager_invoices_number")),
    )
    op.create_index(
        op.f("ix_manager_invoices_contract_id"),
        "manager_invoices",
        ["contract_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_manager_invoices_contract_id"), table_name="manager_invoices")
    op.drop_table("manager_invoices")
    op.drop_index(
        op.f("ix_manager_support_messages_thread_id"),
        table_name="manager_support_messages",
    )
    op.drop_table("manager_support_messages")
    op.drop_index(op.f("ix_manager_device_photos_device_id"), table_name="manager_device_photos")
    op.drop_table("manager_device_photos")
    op.drop_index(op.f("ix_manager_contracts_status"), table_name="manager_contracts")
    op.drop_index(op.f("ix_manager_contracts_client_id"), table_name="manager_contracts")
    op.drop_table("manager_contracts")
    op.drop_table("manager_support_threads")
    op.drop_index(op.f("ix_manager_devices_client_id"), table_name="manager_devices")
    op.drop_table("manager_devices")
    op.drop_index(op.f("ix_manager_client_tariffs_client_id"), table_name="manager_client_tariffs")
    op.drop_table("manager_client_tariffs")
    op.drop_index("ix_users_passports_series_number", table_name="users_passports")
    op.drop_table("users_passports")
    op.drop_table("manager_tariffs")
    op.drop_index(op.f("ix_manager_sessions_manager_id"), table_name="manager_sessions")
    op.drop_table("manager_sessions")
    op.drop_index("ix_manager_clients_updated_at_id", table_name="manager_clients")
    op.drop_index(op.f("ix_manager_clients_status"), table_name="manager_clients")
    op.drop_index(op.f("ix_manager_clients_assigned_manager_id"), table_name="manager_clients")
    op.drop_table("manager_clients")
    op.drop_index("ix_manager_audit_log_client_created", table_name="manager_audit_log")
    op.drop_table("manager_audit_log")
    op.drop_table("manager_users")
    op.drop_table("manager_number_sequences")
    op.drop_table("manager_login_throttle")
