"""The CPU pool: bcrypt, photos and PDFs in worker processes, many request threads at once,
the same results and the same Russian errors as inline, and never more work handed over than
the pool's bound."""

from __future__ import annotations

import os
import threading
import time

import pytest

from privet_manager_app.domain.admin import auth
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.wizard.photos import normalize_photo
from privet_manager_app.infra import cpu_pool, pdf
from privet_manager_app.settings import reset_settings_cache
from tests.support import documents

WORKERS = 2
THREADS = 8


@pytest.fixture
def pool(monkeypatch):
    monkeypatch.setenv("CPU_POOL_WORKERS", str(WORKERS))
    reset_settings_cache()
    yield
    cpu_pool.shutdown()
    monkeypatch.delenv("CPU_POOL_WORKERS")
    reset_settings_cache()


def _in_threads(work, count: int = THREADS) -> list:
    results: list = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = work(index)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    return results


def test_пароли_восьми_входов_разом_хешируются_и_проверяются_в_других_процессах(pool):
    def login(index: int) -> tuple[bool, bool, int]:
        password = f"Пароль-{index}-длинный"
        stored = auth.hash_password(password)
        return (
            auth.verify_password(password, stored),
            auth.verify_password(password + "x", stored),
            cpu_pool.run(os.getpid),
        )

    results = _in_threads(login)
    assert all(right and not wrong for right, wrong, _ in results)
    workers = {pid for _, _, pid in results}
    assert os.getpid() not in workers
    assert 1 <= len(workers) <= WORKERS


def test_ошибка_фото_из_процесса_приходит_той_же_ошибкой_по_русски(pool):
    with pytest.raises(ValidationFailed) as refused:
        cpu_pool.run(normalize_photo, b"not a photo at all", filename="scan.jpg")
    assert refused.value.code == "photo_unsupported"
    assert refused.value.message.startswith("Это не фото")
    assert refused.value.fields == {"photo": refused.value.message}
    assert refused.value.extra == {"filename": "scan.jpg"}


def test_договор_из_процесса_тот_же_что_и_здесь(pool):
    document = documents.contract(1)
    assert pdf.render(document) == pdf.render_here(document)


def test_в_пул_передаётся_не_больше_его_предела(pool, monkeypatch):
    bound = WORKERS * cpu_pool.QUEUE_PER_WORKER
    cpu_pool.run(os.getpid)  # the workers are up
    handed: list[int] = []
    in_pool = 0
    lock = threading.Lock()
    submit = cpu_pool.futures.ProcessPoolExecutor.submit

    def counting_submit(self, fn, *args, **kwargs):
        nonlocal in_pool
        future = submit(self, fn, *args, **kwargs)
        with lock:
            in_pool += 1
            handed.append(in_pool)

        def done(_future):
            nonlocal in_pool
            with lock:
                in_pool -= 1

        future.add_done_callback(done)
        return future

    monkeypatch.setattr(cpu_pool.futures.ProcessPoolExecutor, "submit", counting_submit)
    started = time.perf_counter()
    _in_threads(lambda _: cpu_pool.run(time.sleep, 0.3), count=12)
    elapsed = time.perf_counter() - started
    assert max(handed) <= bound
    assert max(handed) == bound  # twelve callers did fill it
    assert elapsed >= 12 / WORKERS * 0.3 * 0.9  # two at a time, not twelve
