"""The client list: tabs, search in any phone format, keyset paging, the field contract."""

from __future__ import annotations

import sqlalchemy as sa

from privet_manager_app.domain.clients import listing as clients
from privet_manager_app.domain.clients import projection, sync
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.infra.db import transaction
from privet_manager_app.schema.client_app import ClientUser
from privet_manager_app.schema.enums import ClientStatus
from privet_manager_app.schema.tables import ManagerClient

CARD_FIELDS = {
    "id",
    "user_id",
    "name",
    "phone",
    "email",
    "status",
    "registration_address",
    "assigned_manager",
    "updated_at",
    "version",
}


def _user(name, phone=None, email=None):
    with transaction() as session:
        user = ClientUser(name=name, phone=phone, email=email)
        session.add(user)
        session.flush()
        sync.backfill_manager_clients(session)
        return session.exec(
            sa.select(ManagerClient).where(ManagerClient.user_id == user.id)
        ).scalar_one()


def _set(client_id, **values):
    """A state written straight into the table, then into the list as our use cases do."""
    with transaction() as session:
        session.execute(
            sa.update(ManagerClient).where(ManagerClient.id == client_id).values(**values)
        )
        projection.refresh(session, [client_id])


def test_без_токена_список_не_отдаётся(api):
    response = api.get("/api/manager/clients")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_карточка_списка_несёт_поля_контракта(api, manager, login_headers, add_users):
    add_users(3)
    response = api.get("/api/manager/clients?tab=new", headers=login_headers(manager))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor"}
    assert len(body["items"]) == 3
    assert set(body["items"][0]) >= CARD_FIELDS
    assert body["items"][0]["status"] == "new"


def test_неизвестная_вкладка_422(api, manager, login_headers):
    response = api.get("/api/manager/clients?tab=archive", headers=login_headers(manager))
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_tab"


def test_вкладки_разбирают_клиентов_по_статусам(api, manager, make_manager, login_headers):
    other = make_manager()
    fresh = _user("Новый Клиент")
    mine = _user("Мой Клиент")
    theirs = _user("Чужой Клиент")
    done = _user("Готовый Клиент")
    _set(mine.id, status=ClientStatus.CONTRACT_SENT, assigned_manager_id=manager.id)
    _set(theirs.id, status=ClientStatus.IN_PROGRESS, assigned_manager_id=other.id)
    _set(done.id, status=ClientStatus.PROCESSED, assigned_manager_id=manager.id)
    headers = login_headers(manager)

    def names(tab):
        items = api.get(f"/api/manager/clients?tab={tab}", headers=headers).json()["items"]
        return {item["name"] for item in items}

    assert names("new") == {"Новый Клиент"}
    assert names("in_work") == {"Мой Клиент", "Чужой Клиент"}
    assert names("mine") == {"Мой Клиент"}
    assert names("processed") == {"Готовый Клиент"}
    card = api.get("/api/manager/clients?tab=mine", headers=headers).json()["items"][0]
    assert card["assigned_manager"] == {"id": manager.id, "name": manager.name}
    assert fresh.status == "new"


def test_поиск_по_цифрам_телефона_в_любом_формате(manager):
    _user("Старый Формат", phone="8 (916) 123-45-67")
    _user("Новый Формат", phone="+79161234567")
    _user("Другой", phone="+79261112233")
    for typed in ["916 123", "+7 916 123-45-67", "89161234567", "9161234567", "123-45"]:
        found = {card.name for card in clients.list_clients(manager, "new", typed).items}
        assert found == {"Старый Формат", "Новый Формат"}, typed


def test_поиск_по_имени_без_учёта_регистра_email_и_адресу(manager):
    anna = _user("Анна Петрова", email="Anna@Mail.ru")
    _user("Борис Смирнов", email="boris@example.ru")
    _set(anna.id, registration_address="123456, г. Москва, ул. Тверская, д. 1")
    assert [c.name for c in clients.list_clients(manager, "new", "анна").items] == ["Анна Петрова"]
    assert [c.name for c in clients.list_clients(manager, "new", "ANNA@").items] == ["Анна Петрова"]
    assert [c.name for c in clients.list_clients(manager, "new", "тверская").items] == [
        "Анна Петрова"
    ]
    assert [c.name for c in clients.list_clients(manager, "new", "петрова москва").items] == [
        "Анна Петрова"
    ]
    assert clients.list_clients(manager, "new", "100%_").items == []


def test_страницы_по_курсору_без_пропусков_и_повторов(api, manager, login_headers, add_users):
    add_users(45)
    headers = login_headers(manager)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"tab": "new", "limit": 20, **({"cursor": cursor} if cursor else {})}
        body = api.get("/api/manager/clients", params=params, headers=headers).json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 45


def test_испорченный_курсор_и_лимит_422(api, manager, login_headers):
    headers = login_headers(manager)
    bad_cursor = api.get("/api/manager/clients?cursor=!!!", headers=headers)
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["code"] == "invalid_cursor"
    bad_limit = api.get("/api/manager/clients?limit=100000", headers=headers)
    assert bad_limit.status_code == 422
    assert bad_limit.json()["code"] == "validation_error"
    long_query = api.get("/api/manager/clients?q=" + "я" * 10_000, headers=headers)
    assert long_query.status_code == 422


def test_новый_пользователь_клиентского_приложения_появляется_в_новых_после_синхронизации(
    manager,
):
    with transaction() as session:
        session.add(ClientUser(name="Только Что Зарегистрировался", created_at=utcnow()))
    # The read path writes nothing: the background job's next tick brings the new user in.
    assert "Только Что Зарегистрировался" not in _names(manager, "new")
    with transaction() as session:
        assert sync.pick_up_new_users(session) == 1
    assert "Только Что Зарегистрировался" in _names(manager, "new")


def _names(manager, tab, query=""):
    return [card.name for card in clients.list_clients(manager, tab, query).items]


def test_бэкфилл_идемпотентен(add_users):
    add_users(5)
    assert sync.reconcile_all() == sync.Reconciled(0, 0)
    with transaction() as session:
        session.add(ClientUser(name="Ещё Один"))
    assert sync.reconcile_all() == sync.Reconciled(clients_added=1, rows_fixed=1)
    assert sync.reconcile_all() == sync.Reconciled(0, 0)


def test_карточка_клиента_и_404(api, manager, login_headers, add_users):
    add_users(1)
    headers = login_headers(manager)
    card = api.get("/api/manager/clients", headers=headers).json()["items"][0]
    detail = api.get(f"/api/manager/clients/{card['id']}", headers=headers)
    assert detail.status_code == 200
    assert set(detail.json()["address"]) == {
        "postcode",
        "region",
        "city",
        "street",
        "house",
        "building",
        "apartment",
    }
    missing = api.get("/api/manager/clients/999999", headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Клиент не найден", "code": "client_not_found"}
    # Ids in paths are digits only: «abc» is no client's address (and shadows no other route).
    assert api.get("/api/manager/clients/abc", headers=headers).status_code == 404


def test_огромный_id_клиента_это_422_а_не_500(api, manager, login_headers):
    response = api.get(
        "/api/manager/clients/99999999999999999999999", headers=login_headers(manager)
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
