"""The values our tables store in their status and role columns, with the Russian labels people
see (the one list: the UI and the API read the labels from here through the domain views)."""

from __future__ import annotations

import enum


class ManagerRole(enum.StrEnum):
    MANAGER = "manager"
    ADMIN = "admin"


class ClientStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    CONTRACT_SENT = "contract_sent"
    SIGNED = "signed"
    AWAITING_PAYMENT = "awaiting_payment"
    PROCESSED = "processed"


class ContractStatus(enum.StrEnum):
    OTP_SENT = "otp_sent"
    SIGNED = "signed"
    SUPERSEDED = "superseded"


class InvoiceStatus(enum.StrEnum):
    ISSUED = "issued"
    PAID = "paid"
    CANCELLED = "cancelled"


STATUS_LABELS = {
    ClientStatus.NEW: "Новый",
    ClientStatus.IN_PROGRESS: "В работе",
    ClientStatus.CONTRACT_SENT: "Договор отправлен",
    ClientStatus.SIGNED: "Подписан",
    ClientStatus.AWAITING_PAYMENT: "Ожидает оплаты",
    ClientStatus.PROCESSED: "Обработан",
}
ROLE_LABELS = {ManagerRole.MANAGER: "Менеджер", ManagerRole.ADMIN: "Администратор"}
CONTRACT_STATUS_LABELS = {
    ContractStatus.OTP_SENT: "Ожидает подписи",
    ContractStatus.SIGNED: "Подписан",
    ContractStatus.SUPERSEDED: "Заменён новым",
}
INVOICE_STATUS_LABELS = {
    InvoiceStatus.ISSUED: "Выставлен",
    InvoiceStatus.PAID: "Оплачен",
    InvoiceStatus.CANCELLED: "Отменён",
}
