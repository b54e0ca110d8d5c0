"""The CPU pool in a forked process: granian forks its web workers from `serve`, which may
have used the pool already (the demo seed hashes passwords in it)."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from privet_manager_app.infra import cpu_pool
from privet_manager_app.settings import reset_settings_cache


@pytest.fixture
def pool(monkeypatch):
    monkeypatch.setenv("CPU_POOL_WORKERS", "1")
    reset_settings_cache()
    yield
    cpu_pool.shutdown()
    monkeypatch.delenv("CPU_POOL_WORKERS")
    reset_settings_cache()


def _in_forked_worker(results) -> None:
    results.put(cpu_pool.run(os.getpid))
    cpu_pool.shutdown()  # as a web worker's lifespan does: its pool's process ends with it


def test_пул_после_fork_работает_в_дочернем_процессе_а_не_ждёт_вечно(pool):
    parent_worker = cpu_pool.run(os.getpid)  # the parent's pool is up, as after the demo seed
    fork = multiprocessing.get_context("fork")
    results = fork.Queue()
    child = fork.Process(target=_in_forked_worker, args=(results,))
    child.start()
    child.join(30)
    hung = child.is_alive()
    if hung:
        child.kill()
        child.join(10)
    assert not hung, "a call to the pool in the forked process never returned"
    child_worker = results.get(timeout=5)
    assert child_worker not in (parent_worker, child.pid, os.getpid())  # its own pool's process
