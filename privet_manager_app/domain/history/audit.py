"""The audit trail: who changed what (before/after of changed fields, passport numbers masked),
when, from where — written by every use case in its own transaction, read on the client card
with the managers' names."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.masking import mask_value
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.history import chain
from privet_manager_app.domain.inputs import PassportInput, ProfileInput
from privet_manager_app.domain.views import View
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.tables import ManagerAuditLog, ManagerUser

# Never written in clear text to the audit (DESIGN §3.3, §5).
MASKED_FIELDS = frozenset({"series", "number", "passport_number", "division_code"})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"before": …, "after": …}} for the fields whose value changed, sensitive masked."""
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old == new:
            continue
        if name in MASKED_FIELDS:
            old, new = mask_value(old), mask_value(new)
        changes[name] = {"before": old, "after": new}
    return changes


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    client_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> ManagerAuditLog:
    entry = ManagerAuditLog(
        manager_id=actor.id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        client_id=client_id,
        changes=changes or None,
        ip=actor.ip if actor else None,
        user_agent=actor.user_agent if actor else None,
        created_at=utcnow(),
    )
    chain.enqueue(session, entry)
    return entry


# ---- Reading ----------------------------------------------------------------------------------

TRAIL_LIMIT = 200
ACTION_LABELS = {
    "client_claimed": "Взял клиента в работу",
    "client_reassigned": "Передал клиента другому менеджеру",
    "client_reopened": "Переоткрыл карточку",
    "profile_updated": "Изменил контактные данные",
    "passport_saved": "Сохранил паспорт",
    "passport_revealed": "Посмотрел полный номер паспорта",
    "view_passport_form": "Открыл форму паспорта",
    "download_contract": "Получил ссылку на договор (с паспортом)",
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
    "pep_consent_given": "Отметил согласие клиента на ПЭП",
    "pep_consent_withdrawn": "Снял отметку согласия на ПЭП",
    "signing_locked": "Подписание заблокировано: исчерпан лимит неверных кодов",
    "signing_unlocked": "Разблокировал подписание",
    "contract_number_voided": "Номер договора аннулирован",
    "payment_confirmed": "Подтвердил оплату",
    "invoice_sent": "Выставил счёт",
    "invoice_issued": "Выставил счёт",
    "invoice_reminded": "Напомнил о счёте",
    "client_processed": "Закрыл карточку",
    "sealed_copy_issued": "Выдана заверенная копия договора",
}
FIELD_LABELS = {
    **{
        field: ProfileInput.label(field)
        for field in ("name", "phone", "email", "registration_address")
    },
    "status": "Статус",
    "assigned_manager_id": "Менеджер",
    **PassportInput.labels(),
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


def trail(session: Session, client_id: int, limit: int = TRAIL_LIMIT) -> list[AuditEntry]:
    """The client's audit entries, newest first, with the managers' names."""
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


def client_trail(actor: Actor, client_id: int, limit: int = TRAIL_LIMIT) -> list[AuditEntry]:
    """The client's audit entries, newest first."""
    with transaction() as session:
        find_client(session, client_id)
        return trail(session, client_id, limit)
