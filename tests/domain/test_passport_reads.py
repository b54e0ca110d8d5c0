"""Issue 9, item 5: every full passport read is on record with its reason, and the card and the
dashboard count reads per manager over the last 24 hours — an admin who loops over clients
collecting numbers shows up at the top."""

from __future__ import annotations

import datetime as dt

from privet_manager_app.domain.admin import dashboard
from privet_manager_app.domain.clients import card, open_step
from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.history import passport_reads
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import passport
from tests.support import factories
from tests.support.factories import audit_entries


def _client_with_passport(manager):
    client = factories.client_in_work(manager)
    factories.add_passport(client)
    return client


def test_форма_паспорта_по_rest_записывается_с_причиной(manager):
    client = _client_with_passport(manager)
    seen = manager.with_origin("203.0.113.7", "Safari")
    assert passport.full_passport(seen, client.id).number == "123456"
    [entry] = audit_entries(client.id, "view_passport_form")
    assert (entry.manager_id, entry.ip, entry.user_agent) == (manager.id, "203.0.113.7", "Safari")
    assert entry.entity_type == "passport"
    assert entry.entity_id == str(client.user_id)
    assert "123456" not in str(entry.changes)


def test_шаг_2_с_полной_формой_записывается_а_маска_нет(manager, make_manager):
    client = _client_with_passport(manager)
    assert open_step.open_step(manager, client.id, open_step.Step.PASSPORT).passport is not None
    assert len(audit_entries(client.id, "view_passport_form")) == 1
    other = make_manager()
    view = open_step.open_step(other, client.id, open_step.Step.PASSPORT)
    assert view.passport is None
    assert view.passport_masked is not None
    assert len(audit_entries(client.id, "view_passport_form")) == 1  # a masked view is no read


def test_ссылка_на_pdf_договора_записывается(manager):
    client, _ = factories.generated(manager)
    before = len(audit_entries(client.id, "download_contract"))
    assert contracts.contract_pdf_url(manager, client.id)
    assert len(audit_entries(client.id, "download_contract")) == before + 1
    # The card hands the holder a PDF link as well: that is a read too.
    assert card.open_card(manager, client.id).detail.contract.pdf_url
    assert len(audit_entries(client.id, "download_contract")) == before + 2


def test_карточка_и_дашборд_показывают_просмотры_за_сутки(manager, admin):
    clients = [_client_with_passport(manager) for _ in range(3)]
    for client in clients:  # the admin walks through every client and reveals the number
        passport.reveal_passport(admin, client.id)
    passport.full_passport(manager, clients[0].id)

    board = dashboard.get_dashboard(admin)
    counts = {row.manager_name: (row.views, row.clients) for row in board.passport_views}
    assert counts == {"Админ Борис": (3, 3), "Мастер Анна": (1, 1)}
    assert board.passport_views[0].manager_name == "Админ Борис"  # the harvest is on top

    views = card.open_card(manager, clients[0].id).passport_views
    assert {(row.manager_name, row.views) for row in views} == {
        ("Админ Борис", 1),
        ("Мастер Анна", 1),
    }
    assert [row.views for row in card.open_card(manager, clients[1].id).passport_views] == [1]


def test_просмотры_старше_суток_не_считаются(manager, admin):
    client = _client_with_passport(manager)
    passport.reveal_passport(admin, client.id)
    tomorrow = utcnow() + passport_reads.WINDOW + dt.timedelta(minutes=1)
    assert dashboard.get_dashboard(admin, now=tomorrow).passport_views == []
    assert dashboard.get_dashboard(admin).passport_views[0].views == 1
