"""Document numbers `ПМ-2026-000001` / `СЧ-2026-000001`: sequential per prefix and year.

A counter row per (prefix, year) in `manager_number_sequences`, incremented by one
INSERT … ON CONFLICT DO UPDATE … RETURNING: the row lock it takes lasts until the transaction
ends, so concurrent generations queue on it and get consecutive numbers, and a rolled-back
generation gives its number back (no gaps from failures).
"""

from __future__ import annotations

from sqlmodel import Session

from privet_manager_app.infra.db import upsert
from privet_manager_app.schema.tables import ManagerNumberSequence

CONTRACT_PREFIX = "ПМ"
INVOICE_PREFIX = "СЧ"


def next_number(session: Session, prefix: str, year: int) -> str:
    table = ManagerNumberSequence
    statement = upsert(session, table).values(prefix=prefix, year=year, last_value=1)
    # One statement: the first number of a year inserts the counter, later ones increment it
    # under the row lock the conflict takes.
    value = session.execute(
        statement.on_conflict_do_update(
            index_elements=["prefix", "year"],
            set_={"last_value": table.last_value + 1},
        ).returning(table.last_value)
    ).scalar_one()
    return f"{prefix}-{year}-{value:06d}"
