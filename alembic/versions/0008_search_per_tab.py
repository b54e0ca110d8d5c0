"""Substring search per tab: one trigram index per stored tab instead of one over all rows.

A search the list cannot answer from the tab's newest rows (listing._page_rows: the term is
rare in this tab) asks the tab's trigram index for every match: with one index over all tabs
that was every client matching anywhere — a street is on 14,000 processed clients and on no
new one, and «Новые» + that street fetched them all. `tab = '…'` partial indexes hold only the
tab's own rows. «Мои» reads its own partial btree index (assignee), not these.

Where pg_trgm was refused (migration 0006), there is nothing to split: this does nothing, and
`python -m privet_manager_app search-indexes` creates these once pg_trgm is installed.

Building them at a million clients takes about a minute, during which the projection takes no
writes: on a big database create them first by hand with `search-indexes` (CONCURRENTLY, no
lock), then migrate — the migration skips indexes that exist.

Revision ID: 0008_search_per_tab
Revises: 0007_evidence
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008_search_per_tab"
down_revision: str | Sequence[str] | None = "0007_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABS = ("new", "in_work", "processed")
ALL_TABS_INDEX = "ix_manager_client_search_text_trgm"


def _has_trigrams(bind) -> bool:
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    return found.first() is not None


def upgrade() -> None:
    bind = op.get_bind()
    if not _has_trigrams(bind):
        return
    for tab in TABS:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_manager_client_search_{tab}_text_trgm "
            f"ON manager_client_search USING gin (search_text gin_trgm_ops) WHERE tab = '{tab}'"
        )
    op.execute(f"DROP INDEX IF EXISTS {ALL_TABS_INDEX}")


def downgrade() -> None:
    bind = op.get_bind()
    if not _has_trigrams(bind):
        return
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {ALL_TABS_INDEX} "
        "ON manager_client_search USING gin (search_text gin_trgm_ops)"
    )
    for tab in TABS:
        op.execute(f"DROP INDEX IF EXISTS ix_manager_client_search_{tab}_text_trgm")
