"""/api/manager/clients: the list by tabs and the client card."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from privet_manager_app.api.deps import current_actor
from privet_manager_app.api.params import ClientId
from privet_manager_app.domain.clients import card as client_card
from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.inputs import Line, SearchText
from privet_manager_app.domain.views import ClientDetail, ClientPage

router = APIRouter(prefix="/clients", tags=["Клиенты"])


@router.get("", response_model=ClientPage, summary="Список клиентов по вкладке")
def list_clients(
    tab: str = Query("new", max_length=20, description="new | in_work | mine | processed"),
    q: SearchText = Query(
        "", max_length=clients.MAX_QUERY_LENGTH, description="имя, телефон, email, адрес"
    ),
    cursor: Line | None = Query(None, max_length=200, description="next_cursor прошлой страницы"),
    limit: int = Query(clients.DEFAULT_PAGE, ge=1, le=clients.MAX_PAGE),
    actor: Actor = Depends(current_actor),
) -> ClientPage:
    return clients.list_clients(actor, tab=tab, query=q, cursor=cursor, limit=limit)


@router.get("/{client_id:int}", response_model=ClientDetail, summary="Карточка клиента")
def get_client(client_id: ClientId, actor: Actor = Depends(current_actor)) -> ClientDetail:
    return client_card.get_client(actor, client_id)
