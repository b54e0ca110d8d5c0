"""Reading the audit log of one client: who did what, when, from where (with managers' names).

Passport numbers in before/after were masked when written (audit.changed_fields); they are shown
as stored.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa

from privet_manager_app.domain.actors import Actor
from privet_manager_app.domain.errors import NotFound
from privet_manager_app.domain.views import View
from privet_manager_app.infra.db import transaction
from privet_manager_app.models import ManagerAuditLog, ManagerClient, ManagerUser

TRAIL_LIMIT = 200
ACTION_LABELS = {
    "client_claimed": "Взял клиента в работу",
    "client_reassigned": "Передал клиента другому менеджеру",
    "client_reopened": "Переоткрыл карточку",
    "profile_updated": "Изменил контактные данные",
    "passport_saved": "Сохранил паспорт",
    "passport_revealed": "Посмотрел полный номер паспорта",
    "passport_scanned": "Паспорт распознан по фото",
    "device_added": "Добавил устройство",
    "device_imported": "Добавил устройство из приложения клиента",
    "device_updated": "Изменил устройство",
    "device_deleted": "Удалил устройство",
    "photo_added": "Добавил фото",
    "photo_deleted": "Удалил фото",
    "tariff_applied": "Рассчитал доплату по тарифу",
    "contract_generated": "Сформировал договор и отправил код",
    "contract_otp_resent": "Отправил код повторно",
    "otp_resent": "Отправил код повторно",
    "contract_signed": "Договор подписан",
    "contract_otp_failed": "Неверный код подписания",
    "otp_failed": "Неверный код подписания",
    "payment_confirmed": "Подтвердил оплату",
    "invoice_sent": "Выставил счёт",
    "invoice_issued": "Выставил счёт",
    "invoice_reminded": "Напомнил о счёте",
    "client_processed": "Закрыл карточку",
}
FIELD_LABELS = {
    "name": "Имя",
    "phone": "Телефон",
    "email": "Email",
    "registration_address": "Адрес",
    "status": "Статус",
    "assigned_manager_id": "Менеджер",
    "series": "Серия",
    "number": "Номер",
    "last_name": "Фамилия",
    "first_name": "Имя",
    "middle_name": "Отчество",
    "birth_date": "Дата рождения",
    "birth_place": "Место рождения",
    "issue_date": "Дата выдачи",
    "issued_by": "Кем выдан",
    "division_code": "Код подразделения",
    "viewed": "Просмотрено",
}


class AuditChange(View):
    field: str
    label: str
    before: str
    after: str


class AuditEntry(View):
    id: int
    action: str
    action_label: str
    entity_type: str
    entity_id: str | None
    manager_id: int | None
    manager_name: str
    changes: list[AuditChange]
    ip: str | None
    user_agent: str | None
    created_at: dt.datetime


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "да" if value else "нет"
    return str(value)


def _changes(raw: dict[str, Any] | None) -> list[AuditChange]:
    result = []
    for field, change in (raw or {}).items():
        if isinstance(change, dict) and ("before" in change or "after" in change):
            before, after = change.get("before"), change.get("after")
        else:
            before, after = None, change
        result.append(
            AuditChange(
                field=field,
                label=FIELD_LABELS.get(field, field),
                before=_text(before),
                after=_text(after),
            )
        )
    return result


def client_trail(actor: Actor, client_id: int, limit: int = TRAIL_LIMIT) -> list[AuditEntry]:
    """The client's audit entries, newest first."""
    with transaction() as session:
        if session.get(ManagerClient, client_id) is None:
            raise NotFound("client_not_found", "Клиент не найден")
        rows = session.execute(
            sa.select(ManagerAuditLog, ManagerUser.name)
            .outerjoin(ManagerUser, ManagerUser.id == ManagerAuditLog.manager_id)
            .where(ManagerAuditLog.client_id == client_id)
            .order_by(ManagerAuditLog.created_at.desc(), ManagerAuditLog.id.desc())
            .limit(limit)
        ).all()
    return [
        AuditEntry(
            id=entry.id,
            action=entry.action,
            action_label=ACTION_LABELS.get(entry.action, entry.action),
            entity_type=entry.entity_type,
            entity_id=entry.entity_id,
            manager_id=entry.manager_id,
            manager_name=name or "Система",
            changes=_changes(entry.changes),
            ip=entry.ip,
            user_agent=entry.user_agent,
            created_at=entry.created_at,
        )
        for entry, name in rows
    ]
