"""Issue 9, item 6: Schemathesis over every REST operation of the live app — the real server
process on PostgreSQL and moto's S3, over HTTP — as a manager and as an admin, in its
examples, coverage and fuzzing phases: no server error, no response outside the schema, no
undocumented status or content type, 405 for a method a path does not have, and data the
schema calls valid never refused as malformed. Seeded and deterministic (tests/support/fuzz.py);
a failure names each operation and check. The figures land in test-artifacts/fuzz-*.txt."""

from __future__ import annotations

import pytest

from privet_manager_app.dev.demo import DEMO_PASSWORD
from tests.conftest import ARTIFACTS
from tests.support.fuzz import FuzzTarget, login, run_schemathesis

pytestmark = pytest.mark.xdist_group("fuzz")  # one server for both roles


@pytest.fixture(scope="module")
def target(postgres, template_db, s3_endpoint, tmp_path_factory):
    with FuzzTarget(postgres, template_db, s3_endpoint, tmp_path_factory.mktemp("fuzz")) as app:
        yield app


# The manager first: the admin's run may reset passwords and deactivate accounts it finds.
@pytest.mark.parametrize(
    "email", ["manager@example.com", "admin@example.com"], ids=["manager", "admin"]
)
def test_schemathesis_по_живому_приложению_без_единой_ошибки(target, email, tmp_path):
    token = login(target.url, email, DEMO_PASSWORD)
    figures = run_schemathesis(target.url, token, report_dir=tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    role = email.split("@")[0]
    (ARTIFACTS / f"fuzz-{role}.txt").write_text(figures.describe() + "\n")
    print(f"schemathesis as {role}: {figures.describe()}")
    assert figures.operations >= 50, figures.describe()
    assert figures.requests > 1000, figures.describe()
    assert figures.failures == [], figures.describe()
    assert figures.errors == [], figures.describe()
