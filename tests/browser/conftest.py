"""Fixtures of the browser tests."""

from __future__ import annotations

import pytest

from tests.conftest import use_database


@pytest.fixture
def live_db(live_server):
    """Domain helpers in a browser test talk to the live server's database."""
    use_database(live_server.env["DATABASE_URL"])
    return live_server
