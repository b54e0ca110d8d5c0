"""Public verification: is this file a signed original, or a sealed copy of one, unchanged?

- The original: its SHA-256 is that of a signed contract (what the code message named).
- A sealed copy: the organisation's seal is checked (infra/seal.validate_sealed: integrity,
  the signer is our seal certificate, the timestamp if any, nothing changed or added after
  sealing — one byte is enough to refuse), and the copy is ours: issued by us (its SHA-256 is
  in `manager_sealed_copies`) or carrying a signed contract's original as its attachment.
  Checking a seal is CPU work: callers run this in a worker thread (REST: the thread pool, UI:
  run_domain), and no transaction is open while it runs.

Anonymous visitors learn only validity, the number and the dates — never who signed, the amount
or anything else from the contract.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from sqlmodel import select

from privet_manager_app.domain.common.clock import moscow_text
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.views import VerificationResult
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.seal import SealCheck, attached_original, validate_sealed
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.schema.tables import ManagerContract, ManagerSealedCopy

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NUMBER = re.compile(r"^ПМ-\d{4}-\d{6}$")
NOT_FOUND_MESSAGE = (
    "Не найден или изменён: это не подписанный оригинал договора и не заверенная копия"
)
NOT_FOUND = VerificationResult(valid=False, number=None, signed_at=None, message=NOT_FOUND_MESSAGE)
SEAL_VALID = "подпись организации действительна, документ не изменён после подписания"
# Why a file with a seal in it is refused, in the words the page shows.
PROBLEMS = {
    "modified": "Копия изменена после заверения: печать организации не сходится с "
    "содержимым файла. Это не подлинная копия — запросите копию у «Привет Супер»",
    "modified_after_sealing": "В копию что-то дописано или изменено после заверения: печать "
    "не покрывает файл целиком. Это не подлинная копия — запросите копию у «Привет Супер»",
    "not_our_seal": "Копия заверена не печатью организации «Привет Супер»",
    "seal_certificate_invalid": "Сертификат печати, которым заверена копия, недействителен",
    "timestamp_invalid": "Штамп времени в копии повреждён или не относится к этой печати",
}


def _signed(contract: ManagerContract | None) -> VerificationResult:
    if contract is None or contract.status != ContractStatus.SIGNED:
        return NOT_FOUND
    return VerificationResult(
        valid=True,
        number=contract.number,
        signed_at=contract.signed_at,
        document="original",
        message=f"Подлинный договор № {contract.number}, подписан "
        f"{moscow_text(contract.signed_at)} (МСК): это подписанный оригинал",
    )


def _copy_answer(
    contract: ManagerContract, check: SealCheck | None, copy: ManagerSealedCopy | None
) -> VerificationResult:
    signed = f"подписан {moscow_text(contract.signed_at)} (МСК)"
    when = check.timestamp_at if check and check.timestamp_trusted else None
    if check is not None:
        stamp = f"; время заверения {moscow_text(when)} подтверждено штампом" if when else ""
        message = f"Заверенная копия договора № {contract.number}, {signed}: {SEAL_VALID}{stamp}"
    else:  # a hash typed in: it names a copy we issued, the file itself is not here to check
        message = (
            f"Заверенная копия договора № {contract.number}, {signed}: SHA-256 совпадает с "
            f"копией, выданной {moscow_text(copy.sealed_at)} (МСК)"
        )
    return VerificationResult(
        valid=True,
        number=contract.number,
        signed_at=contract.signed_at,
        document="sealed_copy",
        message=message,
        sealed_at=copy.sealed_at if copy else None,
        timestamp_at=when,
    )


def _looks_sealed(data: bytes) -> bool:
    return data.startswith(b"%PDF") and b"/ByteRange" in data


def verify_pdf(data: bytes) -> VerificationResult:
    """The uploaded file is a signed original, or an intact sealed copy of one."""
    if not data:
        message = "Загрузите PDF-файл договора"
        raise ValidationFailed("empty_file", message, fields={"file": message})
    digest = hashlib.sha256(data).hexdigest()
    with transaction() as session:
        original = session.exec(
            select(ManagerContract).where(
                ManagerContract.pdf_sha256 == digest,
                ManagerContract.status == ContractStatus.SIGNED,
            )
        ).first()
    if original is not None:
        return _signed(original)
    if not _looks_sealed(data):
        return NOT_FOUND
    check = validate_sealed(data)  # CPU: the caller's worker thread, no transaction open
    if not check.valid:
        if check.problem in PROBLEMS:
            return VerificationResult(
                valid=False,
                number=None,
                signed_at=None,
                document="sealed_copy",
                problem=check.problem,
                message=PROBLEMS[check.problem],
            )
        return NOT_FOUND
    inner = attached_original(data)
    inner_digest = hashlib.sha256(inner).hexdigest() if inner else None
    with transaction() as session:
        copy = session.exec(
            select(ManagerSealedCopy).where(
                ManagerSealedCopy.sha256 == digest, ManagerSealedCopy.status == "ready"
            )
        ).first()
        if copy is not None:
            contract = session.get(ManagerContract, copy.contract_id)
        elif inner_digest is not None:
            contract = session.exec(
                select(ManagerContract).where(ManagerContract.pdf_sha256 == inner_digest)
            ).first()
        else:
            contract = None
    if contract is None or contract.status != ContractStatus.SIGNED:
        return NOT_FOUND
    return _copy_answer(contract, check, copy)


def verify_number(number: str, sha256: str) -> VerificationResult:
    """A contract number and the SHA-256 of its file (the original or a sealed copy we issued)
    match a signed contract."""
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
        if contract is None:
            return NOT_FOUND
        if hmac.compare_digest(contract.pdf_sha256 or "", digest):
            return _signed(contract)
        copy = session.exec(
            select(ManagerSealedCopy).where(
                ManagerSealedCopy.contract_id == contract.id,
                ManagerSealedCopy.sha256 == digest,
                ManagerSealedCopy.status == "ready",
            )
        ).first()
    if copy is None or contract.status != ContractStatus.SIGNED:
        return NOT_FOUND
    return _copy_answer(contract, None, copy)
