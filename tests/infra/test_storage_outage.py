"""When the storage is down, a request fails in seconds with 503 `storage_unavailable` and a
`Retry-After` — it never hangs on a stuck S3 and never looks like a bug (500)."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator

import pytest
from sqlmodel import select

from privet_manager_app.domain.common.errors import ServiceUnavailable
from privet_manager_app.infra import storage
from privet_manager_app.infra.storage import LocalStorage, S3Storage
from privet_manager_app.schema.tables import ManagerContract
from privet_manager_app.settings import Settings, reset_settings_cache
from tests.support.factories import make_tariff, ready_client
from tests.support.hung_s3 import HungEndpoint, hung_endpoint, on_thread, refusing_endpoint
from tests.support.s3 import s3_settings

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 1.0
MAX_ATTEMPTS = 2
# Every attempt may wait its connect and read timeouts; botocore's backoff between attempts is
# milliseconds; one second for everything else on a busy machine.
BUDGET = MAX_ATTEMPTS * (CONNECT_TIMEOUT + READ_TIMEOUT) + 1.0
# How long a test waits before it calls the call hung (botocore's own defaults: 60 s × 5).
GIVE_UP = BUDGET + 10


def _s3_settings(endpoint: str) -> dict[str, str]:
    return s3_settings(
        endpoint,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_attempts=MAX_ATTEMPTS,
    )


def _assert_storage_unavailable(error: BaseException | None) -> None:
    assert isinstance(error, ServiceUnavailable), repr(error)
    assert error.code == "storage_unavailable"
    assert error.status == 503
    assert error.message == "Хранилище недоступно, попробуйте через минуту"
    assert error.retry_after > 0


@contextlib.contextmanager
def _app_storage_on_hung_s3(monkeypatch) -> Iterator[HungEndpoint]:
    """The app's own storage (`get_storage()`, what the use cases call) on an S3 that hangs."""
    with hung_endpoint() as endpoint:
        for name, value in _s3_settings(endpoint.url).items():
            monkeypatch.setenv(name, value)
        reset_settings_cache()
        storage._STORAGES.clear()
        try:
            yield endpoint
        finally:
            storage._STORAGES.clear()
            monkeypatch.undo()
            reset_settings_cache()


@pytest.fixture
def hung_s3_storage():
    with hung_endpoint() as endpoint:
        yield S3Storage(Settings(**_s3_settings(endpoint.url))), endpoint


def test_зависшее_s3_отказывает_в_записи_чтении_и_удалении_за_бюджет_таймаутов(hung_s3_storage):
    s3, endpoint = hung_s3_storage
    timings = {}
    for name, call, args in (
        ("put", s3.put, ("contracts/1/a.pdf", b"%PDF-1.7 ...", "application/pdf")),
        ("get", s3.get, ("contracts/1/a.pdf",)),
        ("size", s3.size, ("uploads/1/2/a.jpg",)),
        ("delete", s3.delete, ("photos/1/2/a.jpg",)),
    ):
        seconds, _, error = on_thread(call, *args, give_up=GIVE_UP)
        _assert_storage_unavailable(error)
        timings[name] = round(seconds, 2)
        assert seconds <= BUDGET, timings
    print(f"hung S3, seconds per call (budget {BUDGET} s): {timings}")
    assert endpoint.connections >= 4 * MAX_ATTEMPTS - 1  # retried, but a bounded number of times


def test_ссылки_на_файлы_подписываются_и_когда_s3_не_отвечает(hung_s3_storage):
    s3, _ = hung_s3_storage
    seconds, _, error = on_thread(s3.download_url, "contracts/1/a.pdf", give_up=2)
    assert error is None
    seconds_upload, _, error = on_thread(
        s3.upload_ticket, "uploads/1/2/a.jpg", "image/jpeg", give_up=2
    )
    assert error is None
    assert max(seconds, seconds_upload) < 0.5  # signing is local: no request to S3


def test_выключенное_s3_отказывает_сразу():
    with refusing_endpoint() as endpoint:
        s3 = S3Storage(Settings(**_s3_settings(endpoint.url)))
        seconds, _, error = on_thread(
            s3.put, "contracts/1/a.pdf", b"%PDF", "application/pdf", give_up=GIVE_UP
        )
    _assert_storage_unavailable(error)
    assert seconds <= BUDGET


def test_приложение_стартует_и_подписывает_ссылки_когда_s3_лежит(monkeypatch):
    """The bucket check of the first get_storage() must not hang or fail the app: it is
    deferred to the first write."""
    with _app_storage_on_hung_s3(monkeypatch) as endpoint:
        seconds, _, error = on_thread(storage.get_storage, give_up=GIVE_UP)
        assert error is None
        assert seconds <= BUDGET
        started = time.monotonic()
        assert storage.get_storage().download_url("photos/1/2/a.jpg").startswith(endpoint.url)
        assert time.monotonic() - started < 0.5
        _, _, error = on_thread(
            storage.get_storage().put, "photos/1/2/b.jpg", b"x", "image/jpeg", give_up=GIVE_UP
        )
        _assert_storage_unavailable(error)


# ---- The local directory: a mount that hangs (NFS) is a FIFO here: open() never returns ----


@pytest.fixture
def hanging_local(tmp_path):
    local = LocalStorage(
        Settings(STORAGE_DIR=tmp_path, STORAGE_IO_TIMEOUT=1.0, STORAGE_URL_SECRET="x" * 40)
    )
    fifos = []

    def fifo(key: str) -> None:
        path = tmp_path / key
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
        fifos.append(path)

    yield local, fifo
    for path in fifos:  # let the stuck threads finish: open the other end, then close it
        with open(os.open(path, os.O_RDWR | os.O_NONBLOCK), "rb", buffering=0):
            pass


def test_зависшая_локальная_папка_отказывает_за_таймаут(hanging_local):
    local, fifo = hanging_local
    fifo("contracts/1/stuck.pdf")
    seconds, _, error = on_thread(local.get, "contracts/1/stuck.pdf", give_up=GIVE_UP)
    _assert_storage_unavailable(error)
    assert seconds <= 1.0 + 1.0
    fifo("contracts/1/new.pdf.part")  # where put() writes before the atomic rename
    seconds, _, error = on_thread(
        local.put, "contracts/1/new.pdf", b"%PDF", "application/pdf", give_up=GIVE_UP
    )
    _assert_storage_unavailable(error)
    assert seconds <= 1.0 + 1.0


# ---- Through REST ------------------------------------------------------------------------------


def test_договор_при_зависшем_s3_даёт_503_storage_unavailable_с_retry_after_и_ничего_не_пишет(
    api, login_headers, manager, monkeypatch
):
    from privet_manager_app.domain.wizard import tariff_apply
    from privet_manager_app.infra.db import transaction

    client = ready_client(manager)
    tariff_apply.apply_tariff(manager, client.id, make_tariff())
    headers = login_headers(manager)
    with _app_storage_on_hung_s3(monkeypatch):
        started = time.monotonic()
        response = api.post(f"/api/manager/clients/{client.id}/contract/generate", headers=headers)
        seconds = time.monotonic() - started
        # what does not need the storage keeps answering
        me = api.get("/api/manager/auth/me", headers=headers)
        ticket = api.post(
            f"/api/manager/clients/{client.id}/devices/{client.device_ids[0]}/photos/upload-url",
            headers=headers,
            json={"filename": "a.jpg", "content_type": "image/jpeg"},
        )
    print(f"contract/generate against a hung S3: {response.status_code} in {seconds:.2f} s")
    assert response.status_code == 503, response.text
    assert response.json() == {
        "detail": "Хранилище недоступно, попробуйте через минуту",
        "code": "storage_unavailable",
        "retry_after_seconds": 60,
    }
    assert response.headers["retry-after"] == "60"
    # the bucket check at first use and the upload, each within its budget
    assert seconds <= 2 * BUDGET
    assert me.status_code == 200
    assert ticket.status_code == 200, ticket.text
    with transaction() as session:
        assert (
            session.exec(
                select(ManagerContract).where(ManagerContract.client_id == client.id)
            ).all()
            == []
        )
