"""The list's order indexes carry what a search compares: a window of newest rows is read from
the index alone.

A search the first rows of a tab do not answer reads the tab's newest rows in list order and
keeps those that match (listing._newest_rows_page): up to 10,000 of them at a million clients.
With `(tab, updated_at, client_id)` every one of those rows cost a visit to its table page —
≈ 4 µs a row, 30–40 ms a window. The same keys with `search_text` and `phone_digits` included
(PostgreSQL INCLUDE) answer the window by an index-only scan; the table is read for the page's
rows alone. The same for «Мои» (the assignee's partial index). SQLite (quick start) has no
INCLUDE: there the indexes are the plain ones under the new names.

Building them at a million clients takes about a minute each, during which the projection takes
no writes: on a big database create them first with `search-indexes` (CONCURRENTLY, no lock),
then migrate — the migration skips indexes that exist and drops the old ones (2026-12-05).
"""

from alembic import op

revision = "0009_search_covering"
down_revision = "0008_search_per_tab"

TABLE = "manager_client_search"
NOT_PROCESSED = "tab <> 'processed'"
# name: (key columns, partial condition); the old index each replaces keeps the same keys.
INDEXES = {
    "ix_manager_client_search_tab_cover": ("tab, updated_at, client_id", None),
    "ix_manager_client_search_mine_cover": (
        "assigned_manager_id, updated_at, client_id",
        NOT_PROCESSED,
    ),
}
REPLACED = {
    "ix_manager_client_search_tab_cover": "ix_manager_client_search_tab_order",
    "ix_manager_client_search_mine_cover": "ix_manager_client_search_mine_order",
}
INCLUDED = "search_text, phone_digits"


def _create(name: str, keys: str, where: str | None, *, include: bool) -> None:
    op.execute(
        f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} ({keys})"
        + (f" INCLUDE ({INCLUDED})" if include else "")
        + (f" WHERE {where}" if where else "")
    )


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (keys, where) in INDEXES.items():
        _create(name, keys, where, include=postgres)
        op.execute(f"DROP INDEX IF EXISTS {REPLACED[name]}")


def downgrade() -> None:
    for name, (keys, where) in INDEXES.items():
        _create(REPLACED[name], keys, where, include=False)
        op.execute(f"DROP INDEX IF EXISTS {name}")
