"""The passport at rest: series, number, issue date, issuer and division code are stored only as
AES-256-GCM tokens (infra/crypto.py), in `users_passports` and inside contract snapshots.

Every reader and writer of those fields goes through here:
- `sealed_columns` / `open_row`: the `users_passports` columns (context: table, column, user_id —
  a token copied into another client's row does not decrypt);
- `duplicate_condition`: the same series + number elsewhere, by the keyed blind index, never by
  decrypting rows;
- `seal_snapshot` / `open_snapshot`: the passport inside a contract's data snapshot (context:
  the contract number); the stored snapshot keeps the mask for the certificate page;
- `rotate_batch`: moves rows to the current key (and the current index key) in batches —
  `rotate-passport-key` and the migration that encrypted the clear columns both use it.

The mask «45** ****56» is kept in clear: it is what the list, the card, the CSV export and the
audit show anyway, and reading it must not cost a decryption per row.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.common.masking import mask_passport
from privet_manager_app.infra.crypto import CryptoError, KeyRing, field_context, passport_keys
from privet_manager_app.schema.tables import ManagerContract, UserPassport

TABLE = "users_passports"
SECRET_FIELDS = ("series", "number", "issue_date", "issued_by", "division_code")
SNAPSHOT_PLACE = "manager_contracts.data_snapshot.passport"
ROTATION_BATCH = 500


@dataclasses.dataclass(frozen=True)
class PassportSecrets:
    series: str
    number: str
    issue_date: dt.date
    issued_by: str
    division_code: str

    @property
    def masked(self) -> str:
        return mask_passport(self.series, self.number)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class PassportUnreadable(RuntimeError):
    """A stored passport that does not decrypt: a missing key, or an edited or moved value."""


def _text(field: str, value: Any) -> str:
    return value.isoformat() if field == "issue_date" else str(value)


def _value(field: str, text: str) -> Any:
    return dt.date.fromisoformat(text) if field == "issue_date" else text


def _row_context(field: str, user_id: int) -> str:
    return field_context(TABLE, field, f"user_id={user_id}")


def _snapshot_context(field: str, number: str) -> str:
    return f"{SNAPSHOT_PLACE}.{field}#number={number}"


# ---- users_passports --------------------------------------------------------------------------


def sealed_columns(user_id: int, values: dict[str, Any]) -> dict[str, str]:
    """The stored columns for the passport's secret fields (a dict of the clear values)."""
    ring = passport_keys()
    columns = {
        f"{field}_enc": ring.encrypt(
            _text(field, values[field]), context=_row_context(field, user_id)
        )
        for field in SECRET_FIELDS
    }
    columns["passport_index"] = ring.blind_index(values["series"], values["number"])
    columns["number_masked"] = mask_passport(values["series"], values["number"])
    return columns


def open_row(row: UserPassport, ring: KeyRing | None = None) -> PassportSecrets:
    ring = ring or passport_keys()
    try:
        return PassportSecrets(
            **{
                field: _value(
                    field,
                    ring.decrypt(
                        getattr(row, f"{field}_enc"), context=_row_context(field, row.user_id)
                    ),
                )
                for field in SECRET_FIELDS
            }
        )
    except CryptoError as error:
        raise PassportUnreadable(f"паспорт user_id={row.user_id}: {error}") from error


def duplicate_condition(series: str, number: str, *, other_than_user: int):
    """WHERE clause: another client's passport with the same series and number."""
    candidates = passport_keys().blind_index_candidates(series, number)
    return sa.and_(
        UserPassport.passport_index.in_(candidates), UserPassport.user_id != other_than_user
    )


# ---- Contract snapshots -----------------------------------------------------------------------


def seal_snapshot(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot as stored: its passport encrypted under the contract's number."""
    stored = copy.deepcopy(snapshot)
    passport = stored["client"]["passport"]
    ring = passport_keys()
    number = stored["number"]
    stored["client"]["passport"] = {
        "encrypted": {
            field: ring.encrypt(str(passport[field]), context=_snapshot_context(field, number))
            for field in SECRET_FIELDS
        },
        "number_masked": mask_passport(passport["series"], passport["number"]),
    }
    return stored


def open_snapshot(stored: dict[str, Any]) -> dict[str, Any]:
    """The snapshot the contract was rendered from (passport in clear), for a re-render."""
    passport = stored.get("client", {}).get("passport", {})
    if "encrypted" not in passport:
        return stored
    ring = passport_keys()
    snapshot = copy.deepcopy(stored)
    try:
        snapshot["client"]["passport"] = {
            field: ring.decrypt(token, context=_snapshot_context(field, stored["number"]))
            for field, token in passport["encrypted"].items()
        }
    except CryptoError as error:
        raise PassportUnreadable(f"договор {stored['number']}: {error}") from error
    return snapshot


# ---- Rotation ---------------------------------------------------------------------------------


@dataclasses.dataclass
class RotationCount:
    passports: int = 0
    contracts: int = 0

    @property
    def total(self) -> int:
        return self.passports + self.contracts


def _stale_passports(ring: KeyRing):
    current = f"v1:{ring.current.kid}:%"
    index = f"{ring.index_key.kid}:%"
    return sa.or_(
        *(getattr(UserPassport, f"{field}_enc").not_like(current) for field in SECRET_FIELDS),
        UserPassport.passport_index.not_like(index),
    )


def _snapshot_token(field: str):
    return ManagerContract.data_snapshot["client"]["passport"]["encrypted"][field].as_string()


def _stale_snapshots(ring: KeyRing):
    current = f"v1:{ring.current.kid}:%"
    return sa.and_(
        _snapshot_token("number").is_not(None),
        sa.or_(*(_snapshot_token(field).not_like(current) for field in SECRET_FIELDS)),
    )


def _locked_batch(session: Session, table, stale, limit: int):
    """Up to `limit` rows of `table` matching `stale`, oldest id first, locked for this
    transaction; rows another runner holds are skipped, not waited for."""
    return session.scalars(
        sa.select(table)
        .where(stale)
        .order_by(table.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def rotate_batch(session: Session, limit: int = ROTATION_BATCH) -> RotationCount:
    """Re-encrypt up to `limit` passports and `limit` contract snapshots still under an older
    key (or indexed under an older index key). Rows already current are never selected, so the
    command can stop at any batch and be run again; concurrent runners skip each other's rows."""
    ring = passport_keys()
    count = RotationCount()
    rows = _locked_batch(session, UserPassport, _stale_passports(ring), limit)
    for row in rows:
        secrets = open_row(row, ring)
        for name, value in sealed_columns(row.user_id, secrets.as_dict()).items():
            current = getattr(row, name)
            if name.endswith("_enc") and not ring.needs_rotation(current):
                continue  # the value is under the current key: keep its token
            setattr(row, name, value)
        session.add(row)
        count.passports += 1
    contracts = _locked_batch(session, ManagerContract, _stale_snapshots(ring), limit)
    for contract in contracts:
        contract.data_snapshot = seal_snapshot(open_snapshot(contract.data_snapshot))
        session.add(contract)
        count.contracts += 1
    return count


def still_under_old_keys(session: Session) -> RotationCount:
    ring = passport_keys()
    return RotationCount(
        passports=session.scalar(
            sa.select(sa.func.count()).select_from(UserPassport).where(_stale_passports(ring))
        ),
        contracts=session.scalar(
            sa.select(sa.func.count()).select_from(ManagerContract).where(_stale_snapshots(ring))
        ),
    )
