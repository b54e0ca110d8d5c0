"""Photo pipeline benchmark: our full normalisation vs a bare Pillow draft()+resize.

    .venv/bin/python bench/photo_pipeline.py [--runs 15]

1. A realistic 12-megapixel JPEG (4000×3000, photo-like noise, EXIF orientation 6 and GPS).
2. Median of N runs of `normalize_photo` (content check, pixel guard, draft, resize, rotation,
   metadata stripping, JPEG encode, thumbnail, sha256) against the median of a bare
   `Image.open → draft → resize` of the same file in the same run, interleaved so that machine
   noise hits both alike. Target: ratio ≤ 1.3.
3. Responsiveness: while photos are normalised in worker threads (as the REST endpoints and the
   Reflex background task run them), the event loop keeps answering — the latency of a trivial
   coroutine and of GET /api/manager/auth/me (FastAPI TestClient, in-process) is measured during
   the processing.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")

from PIL import Image  # noqa: E402

from privet_manager_app.domain.inputs import DeviceInput  # noqa: E402
from privet_manager_app.domain.wizard.photos import LONG_SIDE, normalize_photo  # noqa: E402
from tests.support.images import jpeg_bytes  # noqa: E402

TARGET_RATIO = 1.3


def bare_resize(data: bytes) -> Image.Image:
    """The floor: what any Pillow code must at least do to get a 1200 px picture."""
    image = Image.open(io.BytesIO(data))
    scale = LONG_SIDE / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    image.draft("RGB", size)
    return image.resize(size)


def timed(function, *args, **kwargs) -> float:
    started = time.perf_counter()
    function(*args, **kwargs)
    return time.perf_counter() - started


def pipeline_vs_bare(data: bytes, runs: int) -> tuple[float, float]:
    bare_resize(data), normalize_photo(data)  # warm-up: imports, codec tables
    bare, ours = [], []
    for _ in range(runs):
        bare.append(timed(bare_resize, data))
        ours.append(timed(normalize_photo, data))
    return statistics.median(ours), statistics.median(bare)


async def loop_latency_while_processing(data: bytes, photos: int) -> tuple[float, float, float]:
    """(processing wall time, median and max latency of a 1 ms-sleep coroutine meanwhile)."""
    latencies: list[float] = []
    done = asyncio.Event()

    async def heartbeat() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - started - 0.001)

    beat = asyncio.create_task(heartbeat())
    started = time.perf_counter()
    await asyncio.gather(*(asyncio.to_thread(normalize_photo, data) for _ in range(photos)))
    wall = time.perf_counter() - started
    done.set()
    await beat
    return wall, statistics.median(latencies), max(latencies)


def api_latency_while_processing(data: bytes, photos: int) -> tuple[float, float, float, int]:
    """GET /api/manager/auth/me while other requests POST …/photos (the real endpoint: storage
    read, validation, normalisation, storage write, database) — all through one FastAPI app.

    Runs against a throwaway PostgreSQL and a temporary local storage directory.
    → (idle median, busy median, photo request wall time, number of /me answers meanwhile)
    """
    import tempfile

    from fastapi.testclient import TestClient

    from privet_manager_app.api.app import create_api
    from privet_manager_app.domain.admin import auth
    from privet_manager_app.domain.clients import claims
    from privet_manager_app.domain.common.actors import Actor
    from privet_manager_app.domain.wizard import devices
    from privet_manager_app.infra.db import dispose_engines
    from privet_manager_app.infra.storage import get_storage, new_key
    from privet_manager_app.settings import reset_settings_cache
    from tests.conftest import prepare_schema
    from tests.support.factories import new_client
    from tests.support.postgres import throwaway_postgres

    with throwaway_postgres() as server, tempfile.TemporaryDirectory() as storage_dir:
        os.environ["DATABASE_URL"] = server.create_database("bench")
        os.environ["BCRYPT_ROUNDS"] = "4"
        os.environ["STORAGE_DIR"] = storage_dir
        reset_settings_cache()
        dispose_engines()
        prepare_schema()
        manager = auth.create_manager("bench@example.com", "Бенч", "Bench-Pass-1", "manager")
        actor = Actor(id=manager.id, email=manager.email, name=manager.name, role=manager.role)
        client = new_client()
        claims.claim_client(actor, client.id)
        device = devices.add_device(
            actor, client.id, DeviceInput(category="tv", brand="LG", model="C3")
        )
        keys = []
        for index in range(photos):
            key = new_key(f"uploads/{client.id}/{device.id}", ".jpg")
            # Distinct bytes per upload, so no two are deduplicated as the same picture.
            get_storage().put(key, data + bytes([index]), "image/jpeg")
            keys.append(key)

        with TestClient(create_api()) as http:
            token = http.post(
                "/api/manager/auth/login",
                json={"email": "bench@example.com", "password": "Bench-Pass-1"},
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            me = "/api/manager/auth/me"
            http.get(me, headers=headers)  # warm-up
            idle = [timed(http.get, me, headers=headers) for _ in range(20)]

            statuses: list[int] = []

            def upload(key: str) -> None:
                response = http.post(
                    f"/api/manager/clients/{client.id}/devices/{device.id}/photos",
                    headers=headers,
                    json={"file_key": key},
                )
                statuses.append(response.status_code)

            workers = [threading.Thread(target=upload, args=(key,)) for key in keys]
            busy: list[float] = []
            started = time.perf_counter()
            for worker in workers:
                worker.start()
            while any(worker.is_alive() for worker in workers):
                busy.append(timed(http.get, me, headers=headers))
            for worker in workers:
                worker.join()
            wall = time.perf_counter() - started
            assert statuses == [201] * photos, statuses
        dispose_engines()
    return statistics.median(idle), statistics.median(busy), wall, len(busy)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--skip-api", action="store_true", help="no PostgreSQL part")
    args = parser.parse_args()

    data = jpeg_bytes(4000, 3000, orientation=6, quality=92)
    print(f"input: 4000×3000 JPEG, {len(data) / 1e6:.1f} MB, EXIF orientation 6 + GPS")
    result = normalize_photo(data)
    print(
        f"output: {result.width}×{result.height} JPEG {len(result.data) / 1e3:.0f} KB, "
        f"thumbnail {result.thumb_width}×{result.thumb_height}"
    )

    ours, bare = pipeline_vs_bare(data, args.runs)
    ratio = ours / bare
    verdict = "OK" if ratio <= TARGET_RATIO else "SLOWER THAN TARGET"
    print(f"bare draft()+resize median: {bare * 1000:.1f} ms ({args.runs} runs)")
    print(f"full pipeline median:       {ours * 1000:.1f} ms ({args.runs} runs)")
    print(f"ratio: {ratio:.2f}× (target ≤ {TARGET_RATIO}×) {verdict}")

    wall, median_lag, max_lag = asyncio.run(loop_latency_while_processing(data, 4))
    print(
        f"event loop while 4 photos are processed in threads ({wall * 1000:.0f} ms): "
        f"heartbeat lag median {median_lag * 1000:.2f} ms, max {max_lag * 1000:.1f} ms"
    )
    if not args.skip_api:
        idle, busy, wall, answered = api_latency_while_processing(data, 4)
        print(
            f"GET /api/manager/auth/me: idle median {idle * 1000:.1f} ms; while 4 POST …/photos "
            f"ran ({wall * 1000:.0f} ms) median {busy * 1000:.1f} ms, {answered} answers"
        )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
