"""Issue 9, item 4: whatever a caller puts in a body or a query — any type, any size within the
edge limits, any character — no REST operation answers a 5xx. Hypothesis draws the values from
each operation's own OpenAPI schema (Schemathesis turns the schema into strategies), so a new
route is covered the moment it is declared."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st

from privet_manager_app.api.app import create_api
from privet_manager_app.domain.admin import auth
from tests.conftest import DEFAULT_PASSWORD
from tests.support import factories
from tests.support.fuzz import in_process_examples

# Logout and refresh revoke the token the rest of the examples use.
_SKIPPED = ("/auth/logout", "/auth/refresh")
OPERATIONS = [
    result.ok()
    for result in schemathesis.openapi.from_asgi("/openapi.json", create_api()).get_all_operations()
    if not result.ok().path.endswith(_SKIPPED)
]


@pytest.fixture
def admin_headers(admin):
    # Rows for the drawn ids to meet: a signed client (contract, invoice) and a tariff.
    factories.signed_client(admin)
    token = auth.login(admin.email, DEFAULT_PASSWORD, "127.0.0.1", None)
    return {"Authorization": f"Bearer {token.access_token}"}


def _never_5xx(operation, app, headers):
    @in_process_examples(6)
    @given(data=st.data())
    def body_and_query(data):
        case = data.draw(operation.as_strategy())
        response = case.call(headers=headers, app=app)
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)

    return body_and_query


def test_ни_одна_операция_не_отвечает_5xx(db, admin_headers):
    app = create_api()  # on this test's database
    server_errors = []
    for operation in OPERATIONS:
        try:
            _never_5xx(operation, app, admin_headers)()
        except AssertionError as error:
            server_errors.append(str(error)[:500])
    assert len(OPERATIONS) > 40
    assert server_errors == []
