"""Real PDFs for the evidence tests: a two-page contract and its signature certificate, typeset
by the app's own renderer (Cyrillic fonts, compressed streams, a QR code) — not stand-ins."""

from __future__ import annotations

import datetime as dt
import hashlib

from privet_manager_app.domain.contract_text import certificate_document
from privet_manager_app.infra import pdf

SIGNED_AT = "2026-11-27T09:15:02.123456+00:00"


def contract_pdf(number: str = "ПМ-2026-000042", amount: str = "1 500,00 ₽") -> bytes:
    clauses = [
        pdf.Paragraph(
            f"{index}. Исполнитель принимает на обслуживание технику Заказчика, указанную в "
            f"таблице, а Заказчик вносит доплату {amount} в порядке раздела 4 Договора. " * 3,
            indent=8,
        )
        for index in range(1, 19)
    ]
    document = pdf.Document(
        title=f"ДОГОВОР № {number}",
        subtitle="на сервисное обслуживание техники",
        place="г. Москва",
        date="27 ноября 2026 г.",
        header=f"ООО «Привет Супер» · Договор № {number}",
        footer="страница {page} из {pages}",
        blocks=(
            pdf.Heading("1. Предмет договора"),
            *clauses,
            pdf.Table(
                (pdf.Column("Устройство", 3), pdf.Column("Серийный номер", 2)),
                (("Холодильник Атлант ХМ-4624", "SN-0042"), ("Телевизор Samsung UE55", "TV-77")),
            ),
        ),
        created_at=dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC),
    )
    return pdf.render(document)


def certificate_pdf(original: bytes, number: str = "ПМ-2026-000042") -> bytes:
    evidence = {
        "contract_number": number,
        "contract_date": "2026-11-27",
        "pdf_sha256": hashlib.sha256(original).hexdigest(),
        "signer_name": "Иванова Мария Петровна",
        "signer_passport_masked": "45** ****56",
        "user_id": 1042,
        "signer_phone_masked": "+7 916 ***-**-67",
        "otp_message_id": 9001,
        "amount": "1500.00",
        "otp_sent_at": "2026-11-27T09:12:40.000001+00:00",
        "pep_agreed_at": SIGNED_AT,
        "signed_at": SIGNED_AT,
        "otp_send_count": 1,
        "otp_failed_attempts": 0,
        "ip": "203.0.113.7",
        "user_agent": "Mozilla/5.0 (iPhone)",
        "manager_name": "Пётр Мастеров",
        "manager_email": "manager@example.com",
        "signature_hmac": "ab" * 32,
        "canonical_json": '{"contract_number":"' + number + '"}',
        "city": "г. Москва",
        "company_name": "ООО «Привет Супер»",
        "verify_url": "https://manager.example.ru/verify",
    }
    return pdf.render(certificate_document(evidence))
