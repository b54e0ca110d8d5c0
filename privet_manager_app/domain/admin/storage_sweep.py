"""`sweep-storage`: objects in the storage that no committed row references, and rows whose
object is missing.

An object is live when a column declared with `schema.tables.storage_key()` names it (in rows
matching the column's `live_when` condition, when it has one). Everything else older than the
horizon — the leftovers of a process killed between its write and its commit, a spent upload
marker, a half-written `.part` file — is garbage; `--apply` removes it. Contract numbers left
`reserved` by a generation that died mid-way (older than the horizon) are first settled as void,
so the PDF they were writing becomes garbage too.

The horizon keeps the sweep away from work in flight: an object written a moment ago may belong
to a transaction that is about to commit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlmodel import SQLModel

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard.devices import remove_objects
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage


@dataclasses.dataclass
class SweepReport:
    scanned: Counter  # objects per top-level prefix
    unreferenced: Counter  # per prefix: no committed row names them, older than the horizon
    recent: int  # unreferenced but younger than the horizon: left alone
    missing: list[str]  # keys a committed row names that are not in the storage
    voided_numbers: list[str]  # reservations settled as interrupted (with apply)
    removed: int = 0


def _prefix(key: str) -> str:
    return key.split("/", 1)[0] + "/"


def _key_columns() -> list[tuple[sa.Column, str | bool]]:
    return [
        (column, column.info["storage_key"])
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if column.info.get("storage_key")
    ]


def referenced_keys(*, in_flight: bool = True) -> set[str]:
    """Every key a committed row references (as the declared columns say). `in_flight`: also
    the keys of work still under way (columns with a `live_when`), whose object may not be
    written yet."""
    keys: set[str] = set()
    with transaction() as session:
        for column, live_when in _key_columns():
            query = sa.select(column).where(column.is_not(None))
            if isinstance(live_when, str):
                if not in_flight:
                    continue
                query = query.where(sa.text(live_when))
            keys.update(session.execute(query).scalars())
    return keys


def sweep(older_than: dt.timedelta, *, apply: bool) -> SweepReport:
    voided = contracts.settle_interrupted(older_than, apply=apply)
    cutoff = utcnow() - older_than
    # Rows first, then the listing: an object committed in between is in the listing but not
    # in `live`; the horizon keeps it (it is newer than the cutoff).
    live = referenced_keys()
    required = referenced_keys(in_flight=False)
    scanned: Counter = Counter()
    unreferenced: Counter = Counter()
    garbage: list[str] = []
    present: set[str] = set()
    recent = 0
    for stored in get_storage().objects():
        scanned[_prefix(stored.key)] += 1
        present.add(stored.key)
        if stored.key in live:
            continue
        if stored.modified_at > cutoff:
            recent += 1
            continue
        unreferenced[_prefix(stored.key)] += 1
        garbage.append(stored.key)
    report = SweepReport(
        scanned=scanned,
        unreferenced=unreferenced,
        recent=recent,
        missing=sorted(required - present),
        voided_numbers=voided,
    )
    if apply:
        remove_objects(garbage)
        report.removed = len(garbage)
    return report


def report_lines(report: SweepReport, *, apply: bool) -> list[str]:
    prefixes = sorted(set(report.scanned) | set(report.unreferenced))
    lines = [
        f"{prefix:<12} объектов {report.scanned[prefix]:>7}, "
        f"без записи {report.unreferenced[prefix]:>6}"
        for prefix in prefixes
    ]
    lines.append(f"без записи, но моложе порога (не трогаем): {report.recent}")
    lines.append(f"записей без объекта: {len(report.missing)}")
    lines.extend(f"  нет объекта: {key}" for key in report.missing[:50])
    verb = "аннулировано" if apply else "к аннулированию"
    lines.append(f"прерванных формирований договора {verb}: {len(report.voided_numbers)}")
    if apply:
        lines.append(f"удалено объектов: {report.removed}")
    else:
        lines.append(
            f"к удалению: {sum(report.unreferenced.values())} (запустите с --apply, чтобы удалить)"
        )
    return lines
