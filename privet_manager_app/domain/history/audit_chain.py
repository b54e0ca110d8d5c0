"""The audit log as a hash chain: editing or deleting an old row breaks every later link.

Each row carries `seq` (1, 2, 3 … with no gaps), `prev_hash` (the previous row's hash; the
first row's is GENESIS_HASH) and `row_hash`:

    row_hash = SHA-256( "privet-audit-chain/v1\\n" ‖ prev_hash ‖ "\\n" ‖ canonical_content )

canonical_content is JSON of exactly CHAIN_FIELDS — keys sorted, no spaces, UTF-8 (not
\\u-escaped), no NaN/Infinity — with times as UTC ISO 8601 with microseconds
("2026-11-27T09:15:02.123456+00:00", what PostgreSQL's timestamptz and our SQLite column keep)
and the `changes` JSON nested the same way. The database id is not hashed: the hash is
computed before the INSERT, and `seq` is the order. An auditor can recompute the chain from a
plain export with a dozen lines of any language; nothing here needs a key.

Anyone with write access to the table can still recompute a whole forged suffix. What catches
that is outside the database: the head (seq + hash) printed in every sealed copy handed to a
client. verify_chain takes such heads as `anchors`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

GENESIS_HASH = "0" * 64
HASH_DOMAIN = b"privet-audit-chain/v1\n"
# What a row says, in the order of the documentation (the JSON itself is key-sorted).
CHAIN_FIELDS = (
    "seq",
    "created_at",
    "manager_id",
    "action",
    "entity_type",
    "entity_id",
    "client_id",
    "changes",
    "ip",
    "user_agent",
)


class ChainFormatError(ValueError):
    """A value the canonical form does not define (naive time, NaN, an unknown type)."""


@dataclasses.dataclass(frozen=True)
class ChainLink:
    """A point of the chain: the last row's seq and hash (the head), or an anchor."""

    seq: int
    row_hash: str


GENESIS = ChainLink(0, GENESIS_HASH)


@dataclasses.dataclass(frozen=True)
class BrokenLink:
    """The first place where the chain does not hold, and why."""

    seq: int | None  # the row at which the break shows (None: at the end, against the head)
    row_id: Any  # its database id, for the operator
    reason: str  # sequence_gap | link_broken | content_changed | anchor_mismatch | head_mismatch
    expected: str
    found: str


def _field(row: Any, name: str) -> Any:
    return row[name] if isinstance(row, Mapping) else getattr(row, name)


def _utc_text(value: dt.datetime | str) -> str:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        raise ChainFormatError("audit time without a time zone")
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ChainFormatError("NaN or infinity in audit content")
        return value
    if isinstance(value, dt.datetime):
        return _utc_text(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise ChainFormatError(f"audit content holds a {type(value).__name__}, not JSON")


def canonical_content(row: Any) -> str:
    """The row's content as the one string its hash is computed over."""
    content = {name: _plain(_field(row, name)) for name in CHAIN_FIELDS}
    content["created_at"] = _utc_text(_field(row, "created_at"))
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def row_hash(prev_hash: str, content: str | Any) -> str:
    """The hash of a row given the previous row's hash and its content (row or canonical str)."""
    text = content if isinstance(content, str) else canonical_content(content)
    digest = hashlib.sha256(HASH_DOMAIN)
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def next_link(head: ChainLink | None, row: Any) -> tuple[int, str, str]:
    """For the writer: (seq, prev_hash, row_hash) of a row appended after `head`.

    `row` supplies CHAIN_FIELDS except seq, which this assigns.
    """
    head = head or GENESIS
    seq = head.seq + 1
    content = {name: _field(row, name) for name in CHAIN_FIELDS if name != "seq"}
    return seq, head.row_hash, row_hash(head.row_hash, {**content, "seq": seq})


def verify_chain(
    rows: Iterable[Any],
    *,
    start: ChainLink = GENESIS,
    head: ChainLink | None = None,
    anchors: Mapping[int, str] | None = None,
) -> BrokenLink | None:
    """Recompute the chain over rows in seq order; the first broken link, or None.

    Streams: rows may be a server-side cursor over millions. `start` resumes from a verified
    point; `head` is the expected last link (the head table), `anchors` heads printed in
    sealed copies ({seq: row_hash}).
    """
    anchors = anchors or {}
    previous = start
    for row in rows:
        seq, row_id = _field(row, "seq"), _field(row, "id") if _has(row, "id") else None
        if seq != previous.seq + 1:
            return BrokenLink(seq, row_id, "sequence_gap", str(previous.seq + 1), str(seq))
        stored_prev = _field(row, "prev_hash")
        if stored_prev != previous.row_hash:
            return BrokenLink(seq, row_id, "link_broken", previous.row_hash, str(stored_prev))
        recomputed = row_hash(previous.row_hash, row)
        stored = _field(row, "row_hash")
        if stored != recomputed:
            return BrokenLink(seq, row_id, "content_changed", recomputed, str(stored))
        if seq in anchors and anchors[seq] != stored:
            return BrokenLink(seq, row_id, "anchor_mismatch", anchors[seq], stored)
        previous = ChainLink(seq, stored)
    beyond = sorted(seq for seq in anchors if seq > previous.seq)
    if beyond:
        # a sealed copy names a row the table no longer has
        return BrokenLink(beyond[0], None, "anchor_mismatch", anchors[beyond[0]], "нет строки")
    if head is not None and head != previous:
        # rows cut off the end (or a head moved without its rows)
        return BrokenLink(
            None,
            None,
            "head_mismatch",
            f"{head.seq}:{head.row_hash}",
            f"{previous.seq}:{previous.row_hash}",
        )
    return None


def _has(row: Any, name: str) -> bool:
    return name in row if isinstance(row, Mapping) else hasattr(row, name)
