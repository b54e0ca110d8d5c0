"""The signature certificate («лист подписания»): the ПЭП trace of a signed contract as a PDF.

It is made after the signing commits, outside any transaction: the signature is the row, the
certificate a rendering of it. If the storage is down at that moment the contract is signed all
the same, and the certificate is made on the first request for it.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import NotFound
from privet_manager_app.domain.wizard.contract import (
    PDF_CONTENT_TYPE,
    client_for_documents,
    signed_contract,
)
from privet_manager_app.domain.wizard.contract_text import (
    certificate_document,
    signer_identity,
)
from privet_manager_app.domain.wizard.devices import remove_objects
from privet_manager_app.domain.wizard.signature import canonical_json, iso_utc, signature_payload
from privet_manager_app.infra import pdf
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage, new_key
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, ManagerUser

logger = logging.getLogger(__name__)


def certificate_filename(contract: ManagerContract) -> str:
    return f"{contract.number}-подписание.pdf"


def certificate_evidence(session: Session, contract: ManagerContract) -> dict[str, Any]:
    """Everything the certificate prints, from the stored signature alone (so it can be made,
    or made again, at any time after the signing)."""
    user_id = session.get(ManagerClient, contract.client_id).user_id
    signer = session.get(ManagerUser, contract.signed_by or contract.created_by)
    payload = signature_payload(contract, user_id)
    snapshot = contract.data_snapshot
    return {
        **payload,
        **signer_identity(snapshot),
        "signature_hmac": contract.signature_hmac,
        "canonical_json": canonical_json(payload),
        "contract_date": snapshot["contract_date"],
        "city": snapshot["city"],
        "company_name": snapshot["company"]["name"],
        "amount": str(contract.surcharge),
        "otp_sent_at": iso_utc(contract.otp_sent_at),
        # Two acts, two times: the consent ticked, then the right code typed (signed_at).
        "pep_agreed_at": iso_utc(contract.pep_agreed_at or contract.signed_at),
        "otp_send_count": contract.otp_send_count,
        "otp_failed_attempts": contract.otp_attempts,
        "manager_name": signer.name if signer else "—",
        "manager_email": signer.email if signer else "—",
        "verify_url": snapshot["verify_url"],
    }


def issue_certificate(contract_id: int) -> str | None:
    """Render and store the certificate of a signed contract that has none yet. → its key
    (None: not signed). Storage down → ServiceUnavailable; the object of a write whose record
    did not commit is removed."""
    with transaction() as session:
        contract = session.get(ManagerContract, contract_id)
        if contract is None or contract.status != ContractStatus.SIGNED:
            return None
        if contract.certificate_key:
            return contract.certificate_key
        evidence = certificate_evidence(session, contract)
        client_id = contract.client_id
    document = pdf.render(certificate_document(evidence))
    key = new_key(f"contracts/{client_id}", ".pdf")
    written = False
    try:
        get_storage().put(key, document, PDF_CONTENT_TYPE)
        written = True
        with transaction() as session:
            # Two requests may make it at once: the first record wins, the other's file goes.
            recorded = session.execute(
                sa.update(ManagerContract)
                .where(ManagerContract.id == contract_id, ManagerContract.certificate_key.is_(None))
                .values(certificate_key=key)
                .execution_options(synchronize_session=False)
            ).rowcount
            if recorded != 1:
                current = session.get(ManagerContract, contract_id).certificate_key
        if recorded != 1:
            remove_objects([key])
            return current
        return key
    except BaseException:
        remove_objects([key])  # a timed-out write may have landed all the same
        if written:
            logger.warning("certificate of contract %s stored but not recorded", contract_id)
        raise


def issue_after_signing(contract_id: int) -> str | None:
    """Right after the signing commit: the certificate if the storage lets us make it now."""
    try:
        return issue_certificate(contract_id)
    except Exception:
        logger.warning(
            "certificate of contract %s not made now; it is made on first request",
            contract_id,
            exc_info=True,
        )
        return None


def certificate_url(actor: Actor, client_id: int) -> str:
    """A short-lived link to the signature certificate of the signed contract (made now if
    the storage was down when the contract was signed)."""
    with transaction() as session:
        client_for_documents(session, actor, client_id)
        contract = signed_contract(session, client_id)
        if contract is None:
            raise NotFound("certificate_not_found", "Договор ещё не подписан")
    key = contract.certificate_key or issue_certificate(contract.id)
    if key is None:
        raise NotFound("certificate_not_found", "Договор ещё не подписан")
    return get_storage().download_url(key, filename=certificate_filename(contract))
