"""Schemathesis against the live app (issue 9, item 6): the real server process
(`python -m privet_manager_app serve`, granian) on PostgreSQL and moto's S3 over HTTP, fuzzed
over HTTP by the `st` command as a subprocess, so what is tested is what a client meets.

`run_schemathesis` returns the run's figures from Schemathesis' own NDJSON event stream:
requests sent, operations tested, and each failure with its operation and check — a pytest
failure names them, and the figures are what the issue note quotes.

By hand (a running app, see the README): `python -m tests.support.fuzz URL EMAIL PASSWORD`.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import httpx
from hypothesis import HealthCheck, settings

from tests.support.live_server import ROOT, LiveServer
from tests.support.ports import free_port
from tests.support.s3 import ACCESS_KEY, REGION, SECRET_KEY

HERE = Path(__file__).resolve().parent
SCHEMA_PATH = "/openapi.json"
# They revoke the bearer token the rest of the run holds (tests/api/test_auth.py covers them).
EXCLUDED_PATHS = r"/auth/(logout|refresh)$"
PHASES = "examples,coverage,fuzzing"
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "unsupported_method",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
    "schema_valid_data_well_formed",  # fuzz_hooks.py
)
SEED = 20261202
MAX_EXAMPLES = 5  # per operation and phase: both roles' runs stay within ~5 min of CI


def in_process_examples(max_examples: int) -> settings:
    """Hypothesis settings for drawing an operation's cases in the test process (tests/api):
    the same derandomized examples on every run, no deadline, no example database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@dataclasses.dataclass
class FuzzFigures:
    requests: int = 0
    operations: int = 0
    failures: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)
    errors: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    def by_check(self) -> dict[str, int]:
        return dict(collections.Counter(check for _, check, _ in self.failures))

    def failing_operations(self) -> list[str]:
        return sorted({operation for operation, _, _ in self.failures})

    def describe(self) -> str:
        lines = [
            f"{self.requests} requests, {self.operations} operations, "
            f"{len(self.failures)} failures, {len(self.errors)} errors",
            f"by check: {self.by_check()}",
        ]
        lines += [f"  {op} — {check}: {text[:300]}" for op, check, text in self.failures]
        lines += [f"  {op} — error: {text[:300]}" for op, text in self.errors]
        return "\n".join(lines)


def login(base_url: str, email: str, password: str) -> str:
    response = httpx.post(
        f"{base_url}/api/manager/auth/login",
        json={"email": email, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


def run_schemathesis(
    base_url: str,
    token: str,
    *,
    report_dir: Path,
    max_examples: int = MAX_EXAMPLES,
    seed: int = SEED,
    extra: tuple[str, ...] = (),
) -> FuzzFigures:
    report_dir.mkdir(parents=True, exist_ok=True)
    events = report_dir / "events.ndjson"
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(HERE / "schemathesis.toml"),
        "run",
        f"{base_url}{SCHEMA_PATH}",
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        PHASES,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(max_examples),
        "--seed",
        str(seed),
        "--generation-deterministic",
        "--workers",
        "1",
        "--continue-on-failure",
        "--request-timeout",
        "30",
        "--exclude-path-regex",
        EXCLUDED_PATHS,
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(events),
        *extra,
    ]
    completed = subprocess.run(
        command,
        cwd=report_dir,
        capture_output=True,
        text=True,
        timeout=900,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SCHEMATHESIS_HOOKS": "tests.support.fuzz_hooks",
        },
    )
    (report_dir / "stdout.txt").write_text(completed.stdout + completed.stderr)
    if not events.exists():
        raise RuntimeError(f"schemathesis did not run:\n{completed.stdout[-3000:]}")
    return parse_events(events)


def parse_events(path: Path) -> FuzzFigures:
    figures = FuzzFigures()
    operations: set[str] = set()
    seen: set[tuple[str, str, str]] = set()
    for line in path.read_text().splitlines():
        event = json.loads(line)
        for name, payload in event.items():
            if name == "ScenarioFinished":
                _scenario(payload, figures, operations, seen)
            elif name == "NonFatalError":
                label = payload.get("label") or "?"
                figures.errors.append((label, str(payload.get("info", payload))[:500]))
    figures.operations = len(operations)
    return figures


def _scenario(payload: dict, figures: FuzzFigures, operations: set[str], seen: set) -> None:
    recorder = payload.get("recorder") or {}
    label = recorder.get("label") or payload.get("label")
    if label:
        operations.add(label)
    figures.requests += len(recorder.get("interactions") or {})
    for checks in (recorder.get("checks") or {}).values():
        for check in checks:
            if check.get("status") != "failure":
                continue
            failure = check.get("failure_info") or {}
            inner = failure.get("failure") or {}
            title = inner.get("title") or ""
            message = inner.get("message") or ""
            key = (label, check["name"], title + " " + message[:200])
            if key not in seen:
                seen.add(key)
                figures.failures.append(key)


class FuzzTarget:
    """The app as deployed: PostgreSQL (a database of its own), moto S3, demo data seeded by the
    server itself (so every tab, contract and photo exists), served on a free port."""

    def __init__(self, postgres, template_db: str, s3_endpoint: str, workdir: Path) -> None:
        self.postgres = postgres
        self.name = f"fuzz_{uuid.uuid4().hex[:10]}"
        self.database_url = postgres.create_database(self.name, template=template_db)
        port = free_port()
        self.env = {
            "DATABASE_URL": self.database_url,
            "APP_ENV": "test",
            "SEED_DEMO_DATA": "true",
            "DEMO_CLIENTS": "24",
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT": s3_endpoint,
            "S3_PUBLIC_ENDPOINT": "",
            "S3_ACCESS_KEY": ACCESS_KEY,
            "S3_SECRET_KEY": SECRET_KEY,
            "S3_REGION": REGION,
            "S3_BUCKET": f"fuzz-{uuid.uuid4().hex[:12]}",
            "TMPDIR": str(workdir),
            "PUBLIC_BASE_URL": f"http://localhost:{port}",
            "CPU_POOL_WORKERS": "0",
        }
        self.server = LiveServer(port, self.env, workdir / "fuzz-server.log")

    def __enter__(self) -> FuzzTarget:
        self.server.start(timeout=240)
        return self

    def __exit__(self, *exc) -> None:
        self.server.stop()
        self.postgres.drop_database(self.name)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"


if __name__ == "__main__":
    url, email, password = sys.argv[1:4]
    directory = Path(tempfile.mkdtemp(prefix="fuzz-report-"))
    base = url.rstrip("/")
    result = run_schemathesis(base, login(base, email, password), report_dir=directory)
    print(result.describe())
    print(f"report: {directory}")
    sys.exit(1 if result.failures or result.errors else 0)
