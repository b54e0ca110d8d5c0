"""Nothing orphaned: a process killed (SIGKILL) at random moments of contract generation and
photo processing leaves only what `sweep-storage` finds and removes — afterwards every row has
its object and no object is without a row."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import select

from privet_manager_app.domain.admin import storage_sweep
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.enums import NumberStatus
from privet_manager_app.schema.tables import (
    ManagerContract,
    ManagerDevicePhoto,
    ManagerNumberReservation,
)
from tests.support.factories import make_tariff, ready_client

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 6
CLIENTS = 18


def _cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "privet_manager_app", "sweep-storage", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def _killed_worker(job: dict, rng: random.Random) -> list[str]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "tests.support.kill_worker", json.dumps(job)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout.readline().strip() == "ready"
    time.sleep(rng.uniform(0.5, 5.0))
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    return worker.stdout.read().splitlines()


def test_kill_9_во_время_формирования_и_фото_после_уборки_ни_сирот_ни_дыр(db, manager):
    from privet_manager_app.domain.wizard import tariff_apply

    tariff = make_tariff()
    clients = []
    for _ in range(CLIENTS):
        client = ready_client(manager)
        tariff_apply.apply_tariff(manager, client.id, tariff)
        clients.append([client.id, client.device_ids[0]])
    storage = get_storage()
    with transaction() as session:  # the factory's photo rows get their objects
        for photo in session.exec(select(ManagerDevicePhoto)).all():
            storage.put(photo.file_key, b"jpeg", "image/jpeg")
            storage.put(photo.thumb_key, b"jpeg", "image/jpeg")

    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    job = {
        "actor": {
            "id": manager.id,
            "email": manager.email,
            "name": manager.name,
            "role": "manager",
        },
        "clients": clients,
    }
    steps = []
    for _ in range(ROUNDS):
        rng.shuffle(job["clients"])  # each round starts somewhere else
        steps.append(len(_killed_worker(job, rng)))

    dry_run = _cli("--older-than-hours", "0")
    applied = _cli("--older-than-hours", "0", "--apply")
    print(f"\nseed {seed}; steps finished per round before the kill: {steps}")
    print("dry run:\n" + dry_run + "apply:\n" + applied)

    with transaction() as session:
        contracts = session.exec(select(ManagerContract)).all()
        photos = session.exec(select(ManagerDevicePhoto)).all()
        reservations = session.exec(select(ManagerNumberReservation)).all()
    present = {stored.key for stored in storage.objects()}
    # Every row has its object …
    for contract in contracts:
        assert contract.pdf_key in present, contract.number
    for photo in photos:
        assert {photo.file_key, photo.thumb_key} <= present, photo.id
    # … no object is without a row, and no generation is left in flight.
    assert present <= storage_sweep.referenced_keys()
    assert {r.status for r in reservations} <= {NumberStatus.USED, NumberStatus.VOID}
    assert len([r for r in reservations if r.status == NumberStatus.USED]) == len(contracts)
    report = storage_sweep.sweep(dt.timedelta(0), apply=False)
    assert sum(report.unreferenced.values()) == 0
    assert report.missing == []


def test_уборка_без_apply_только_считает_а_свежее_не_трогает(db, manager):
    storage = get_storage()
    storage.put("contracts/1/left-by-a-crash.pdf", b"%PDF", "application/pdf")
    storage.put("uploads/1/2/spent.jpg", b"", "application/x-spent")

    fresh = storage_sweep.sweep(dt.timedelta(hours=1), apply=True)
    assert (fresh.recent, fresh.removed) == (2, 0)  # may belong to work about to commit

    dry = storage_sweep.sweep(dt.timedelta(0), apply=False)
    assert dry.unreferenced == {"contracts/": 1, "uploads/": 1}
    assert storage.size("contracts/1/left-by-a-crash.pdf") == 4

    done = storage_sweep.sweep(dt.timedelta(0), apply=True)
    assert done.removed == 2
    assert list(storage.objects()) == []
