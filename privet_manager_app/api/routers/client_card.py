"""/api/manager/clients: CSV export of a list view, and the client card's history —
internal log and notes, messages sent to the client's chat, audit trail, passport reveal.

Included BEFORE the clients router: `/clients/export.csv` must not be taken for a client id.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from privet_manager_app.api.deps import current_actor, current_actor_or_session_cookie
from privet_manager_app.api.params import ClientId
from privet_manager_app.domain.clients import export as exports
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.inputs import SearchText, Text
from privet_manager_app.domain.wizard import passport

router = APIRouter(prefix="/clients", tags=["Карточка клиента"])


class NoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Text = Field(max_length=journal.NOTE_MAX_LENGTH * 2)


@router.get(
    "/export.csv",
    summary="CSV текущего списка (вкладка + поиск): UTF-8 с BOM, «;», паспорт замаскирован",
    description="Файл идёт потоком по мере чтения строк (вся вкладка, без предела). "
    "Авторизация — Bearer или cookie сессии интерфейса (ссылка «Скачать» на странице списка).",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_csv(
    tab: str = Query("new", max_length=20, description="new | in_work | mine | processed"),
    q: SearchText = Query("", max_length=clients.MAX_QUERY_LENGTH),
    actor: Actor = Depends(current_actor_or_session_cookie),
) -> StreamingResponse:
    pieces = exports.export_clients_csv(actor, tab, q)
    filename = exports.export_filename(tab)
    return StreamingResponse(
        pieces,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/export/count",
    summary="Сколько строк будет в CSV этого списка (вкладка + поиск)",
)
def export_count(
    tab: str = Query("new", max_length=20, description="new | in_work | mine | processed"),
    q: SearchText = Query("", max_length=clients.MAX_QUERY_LENGTH),
    actor: Actor = Depends(current_actor),
) -> dict[str, int]:
    return {"rows": exports.export_row_count(actor, tab, q)}


@router.get(
    "/{client_id:int}/log",
    response_model=list[journal.LogEntry],
    summary="Внутренний журнал: заметки и события шагов, новые сверху",
)
def get_log(client_id: ClientId, actor: Actor = Depends(current_actor)) -> list[journal.LogEntry]:
    return journal.client_log(actor, client_id)


@router.post(
    "/{client_id:int}/notes",
    response_model=journal.LogEntry,
    status_code=201,
    summary="Добавить заметку во внутренний журнал (клиент её не видит)",
)
def add_note(
    client_id: ClientId, body: NoteRequest, actor: Actor = Depends(current_actor)
) -> journal.LogEntry:
    return journal.add_note(actor, client_id, body.body)


@router.get(
    "/{client_id:int}/chat",
    response_model=list[journal.ChatMessage],
    summary="Что мы отправили в чат поддержки клиента (коды скрыты), новые сверху",
)
def get_chat(
    client_id: ClientId, actor: Actor = Depends(current_actor)
) -> list[journal.ChatMessage]:
    return journal.sent_to_client(actor, client_id)


@router.get(
    "/{client_id:int}/audit",
    response_model=list[audit.AuditEntry],
    summary="Журнал аудита клиента: кто, что, когда, откуда",
)
def get_audit(client_id: ClientId, actor: Actor = Depends(current_actor)) -> list[audit.AuditEntry]:
    return audit.client_trail(actor, client_id)


@router.post(
    "/{client_id:int}/passport/reveal",
    response_model=passport.RevealedPassport,
    summary="Показать полный номер паспорта (просмотр записывается в аудит)",
)
def reveal_passport(
    client_id: ClientId, actor: Actor = Depends(current_actor)
) -> passport.RevealedPassport:
    return passport.reveal_passport(actor, client_id)
