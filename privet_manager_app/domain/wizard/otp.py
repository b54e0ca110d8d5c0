"""The one-time signing code (the ПЭП key, DESIGN §5).

Six digits from the OS CSPRNG (`secrets`). The code goes only to the client's chat in the
«Привет Супер» app; our tables keep HMAC-SHA256(OTP_HMAC_SECRET, code ‖ contract id), so a
database dump reveals no live code, and the same code cannot sign another contract. Nothing here
logs the code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlmodel import Session

from privet_manager_app.domain.common.money import format_rub, plural
from privet_manager_app.domain.wizard.support_chat import MessageType, post_to_client
from privet_manager_app.schema.tables import ManagerContract
from privet_manager_app.settings import get_settings

CODE_DIGITS = 6


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(code: str, contract_id: int) -> str:
    key = get_settings().OTP_HMAC_SECRET.encode()
    return hmac.new(key, f"{code}:{contract_id}".encode(), hashlib.sha256).hexdigest()


def code_matches(code: str, contract_id: int, stored_hash: str) -> bool:
    return hmac.compare_digest(code_hash(code, contract_id), stored_hash)


def otp_message(number: str, amount_text: str, code: str, ttl_minutes: int) -> str:
    # Names what is signed (number and amount): a bare code that does not say what it signs
    # is weak evidence in a Russian court.
    return (
        f"Код для подписания договора {number} на сумму {amount_text}: {code}. "
        "Никому не сообщайте код, кроме менеджера «Привет Супер», который оформляет ваш "
        f"договор. Код действует {ttl_minutes} {plural(ttl_minutes, 'минуту', 'минуты', 'минут')}."
    )


def send_code(session: Session, contract: ManagerContract, user_id: int, now: dt.datetime) -> None:
    """A fresh code for the contract, posted to the client's chat; the previous one dies."""
    settings = get_settings()
    code = new_code()
    expires_at = now + dt.timedelta(minutes=settings.OTP_TTL_MINUTES)
    message_id = post_to_client(
        session,
        user_id,
        otp_message(
            contract.number, format_rub(contract.surcharge), code, settings.OTP_TTL_MINUTES
        ),
        {
            "type": MessageType.CONTRACT_OTP,
            "contract_number": contract.number,
            "amount": str(contract.surcharge),
            "currency": "RUB",
            "code": code,
            "expires_at": expires_at.isoformat(),
            "ttl_minutes": settings.OTP_TTL_MINUTES,
        },
    )
    contract.otp_hash = code_hash(code, contract.id)
    contract.otp_expires_at = expires_at
    contract.otp_sent_at = now
    contract.otp_send_count += 1
    contract.otp_attempts = 0
    contract.otp_support_message_id = message_id
    contract.updated_at = now
    session.add(contract)
