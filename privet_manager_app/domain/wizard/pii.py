"""Personal data shown in full only on purpose: the «Показать» action on the client card.

Every reveal is written to the audit log (who, when, from which IP and browser) — the
operator of personal data must be able to say who has seen a passport (152-ФЗ, ст. 19).
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import Forbidden, NotFound
from privet_manager_app.domain.common.masking import mask_passport
from privet_manager_app.domain.history import audit
from privet_manager_app.domain.views import View
from privet_manager_app.infra.db import transaction, utcnow
from privet_manager_app.schema.tables import ManagerClient, UserPassport


class RevealedPassport(View):
    series: str
    number: str
    number_full: str  # «4512 123456»
    number_masked: str
    revealed_at: dt.datetime


def reveal_passport(actor: Actor, client_id: int) -> RevealedPassport:
    """The full series and number, for the manager who holds the client or an admin."""
    with transaction() as session:
        client = session.get(ManagerClient, client_id)
        if client is None:
            raise NotFound("client_not_found", "Клиент не найден")
        if not actor.is_admin and client.assigned_manager_id != actor.id:
            raise Forbidden(
                "pii_forbidden",
                "Полный номер паспорта может посмотреть только менеджер, который ведёт клиента, "
                "или администратор",
            )
        passport = session.exec(
            select(UserPassport).where(UserPassport.user_id == client.user_id)
        ).first()
        if passport is None:
            raise NotFound("passport_not_found", "Паспорт ещё не заполнен")
        masked = mask_passport(passport.series, passport.number)
        audit.record(
            session,
            actor,
            "passport_revealed",
            "passport",
            client.user_id,
            client_id=client.id,
            # What was viewed, never the number itself.
            changes={"viewed": {"before": None, "after": f"серия и номер паспорта {masked}"}},
        )
        return RevealedPassport(
            series=passport.series,
            number=passport.number,
            number_full=f"{passport.series} {passport.number}",
            number_masked=masked,
            revealed_at=utcnow(),
        )
