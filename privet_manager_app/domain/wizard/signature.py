"""The ПЭП trace as evidence: what is signed with the organisation's key, and how.

signature_hmac = HMAC-SHA256(CONTRACT_SIGNATURE_SECRET, canonical JSON of {contract_number,
user_id, pdf_sha256, otp_message_id, signed_at, ip, user_agent}); canonical = keys sorted, no
spaces, UTF-8 without escaping, signed_at as ISO 8601 UTC with microseconds. Anyone holding the
key can recompute it from the stored row; the certificate PDF prints the exact string.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

from privet_manager_app.schema.tables import ManagerContract
from privet_manager_app.settings import get_settings


def canonical_json(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def iso_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def signature_payload(contract: ManagerContract, user_id: int) -> dict[str, Any]:
    return {
        "contract_number": contract.number,
        "user_id": user_id,
        "pdf_sha256": contract.pdf_sha256,
        "otp_message_id": contract.otp_support_message_id,
        "signed_at": iso_utc(contract.signed_at),
        "ip": contract.signer_ip,
        "user_agent": contract.signer_user_agent,
    }


def signature_hmac(payload: dict[str, Any]) -> str:
    key = get_settings().CONTRACT_SIGNATURE_SECRET.encode()
    return hmac.new(key, canonical_json(payload).encode("utf-8"), hashlib.sha256).hexdigest()
