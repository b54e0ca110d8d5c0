"""The values our tables store in their status and role columns, each with the Russian label
people see (the one list: the UI and the API read the labels through the domain views)."""

from __future__ import annotations

import enum


class Labelled(enum.StrEnum):
    """A value with its Russian label, declared together: `NEW = "new", "Новый"`."""

    label: str

    def __new__(cls, value: str, label: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[Labelled, str]:
        return {member: member.label for member in cls}


class ManagerRole(Labelled):
    MANAGER = "manager", "Менеджер"
    ADMIN = "admin", "Администратор"


class ClientStatus(Labelled):
    NEW = "new", "Новый"
    IN_PROGRESS = "in_progress", "В работе"
    CONTRACT_SENT = "contract_sent", "Договор отправлен"
    SIGNED = "signed", "Подписан"
    AWAITING_PAYMENT = "awaiting_payment", "Ожидает оплаты"
    PROCESSED = "processed", "Обработан"


class ContractStatus(Labelled):
    OTP_SENT = "otp_sent", "Ожидает подписи"
    SIGNED = "signed", "Подписан"
    SUPERSEDED = "superseded", "Заменён новым"


class NumberStatus(Labelled):
    """What became of a contract number (manager_number_reservations)."""

    RESERVED = "reserved", "Договор формируется"
    USED = "used", "Договор сформирован"
    VOID = "void", "Номер аннулирован"


class InvoiceStatus(Labelled):
    ISSUED = "issued", "Выставлен"
    PAID = "paid", "Оплачен"
    CANCELLED = "cancelled", "Отменён"


STATUS_LABELS = ClientStatus.labels()
ROLE_LABELS = ManagerRole.labels()
CONTRACT_STATUS_LABELS = ContractStatus.labels()
INVOICE_STATUS_LABELS = InvoiceStatus.labels()
