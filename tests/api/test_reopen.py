"""Reopening a signed file over REST: 403 for a manager, a new contract version for an admin."""

from __future__ import annotations

import pytest

from privet_manager_app.schema.enums import ClientStatus
from tests.support.factories import (
    client_row,
    invoiced_client,
)


@pytest.fixture
def invoiced(manager):
    return invoiced_client(manager)


def test_rest_переоткрытие_для_менеджера_403_для_админа_200(
    api, login_headers, manager, admin, invoiced
):
    client, _, _ = invoiced
    url = f"/api/manager/admin/clients/{client.id}/reopen"
    refused = api.post(url, json={"reason": "Хочу"}, headers=login_headers(manager))
    assert refused.status_code == 403
    assert refused.json()["code"] == "admin_only"
    assert client_row(client.id).status == ClientStatus.AWAITING_PAYMENT
    done = api.post(url, json={"reason": "Ошибка в паспорте"}, headers=login_headers(admin))
    assert done.status_code == 200
    assert done.json()["status"] == "in_progress"
