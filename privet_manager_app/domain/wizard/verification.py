"""Public verification: is this file (or this number + hash) a signed original?

Anonymous visitors learn only validity, the number and the signing date — never who signed,
the amount or anything else from the contract.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlmodel import select

from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.views import VerificationResult
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.schema.tables import ManagerContract

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NUMBER = re.compile(r"^ПМ-\d{4}-\d{6}$")
NOT_FOUND = VerificationResult(valid=False, number=None, signed_at=None)


def _signed(contract: ManagerContract | None) -> VerificationResult:
    if contract is None or contract.status != ContractStatus.SIGNED:
        return NOT_FOUND
    return VerificationResult(valid=True, number=contract.number, signed_at=contract.signed_at)


def verify_pdf(data: bytes) -> VerificationResult:
    """The uploaded file, byte for byte, is a signed contract's PDF."""
    if not data:
        message = "Загрузите PDF-файл договора"
        raise ValidationFailed("empty_file", message, fields={"file": message})
    digest = hashlib.sha256(data).hexdigest()
    with transaction() as session:
        contract = session.exec(
            select(ManagerContract).where(
                ManagerContract.pdf_sha256 == digest,
                ManagerContract.status == ContractStatus.SIGNED,
            )
        ).first()
        return _signed(contract)


def verify_number(number: str, sha256: str) -> VerificationResult:
    """A contract number and the SHA-256 of its file match a signed contract."""
    number = (number or "").strip().upper().replace("PM-", "ПМ-")
    digest = (sha256 or "").strip().lower()
    if not _SHA256.match(digest):
        message = "SHA-256 — 64 шестнадцатеричных символа"
        raise ValidationFailed("invalid_sha256", message, fields={"sha256": message})
    if not _NUMBER.match(number):
        message = "Номер договора в виде ПМ-2026-000001"
        raise ValidationFailed("invalid_contract_number", message, fields={"number": message})
    with transaction() as session:
        contract = session.exec(
            select(ManagerContract).where(ManagerContract.number == number)
        ).first()
        if contract is None or not hmac.compare_digest(contract.pdf_sha256 or "", digest):
            return NOT_FOUND
        return _signed(contract)
