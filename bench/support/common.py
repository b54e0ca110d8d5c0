"""What every benchmark here does the same way: set the app's schema up, time a call, take
percentiles, say how loaded the machine is, write its results to bench/results/.

A script puts the repository root on sys.path, then imports this as `bench.support.common`.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS_DIR = ROOT / "bench" / "results"


class AppSchema:
    """The app's database set-up, imported lazily (after DATABASE_URL is set).

    With the scripts' own adapters (subclasses) the only place that knows where the app's
    modules live: after a move only these blocks change."""

    def __init__(self) -> None:
        from privet_manager_app.cli import migrate
        from privet_manager_app.dev.client_app_fixture import create_client_app_tables
        from privet_manager_app.dev.demo_tariffs import ensure_demo_tariffs
        from privet_manager_app.infra.db import dispose_engines, get_engine
        from privet_manager_app.settings import reset_settings_cache

        self._migrate = migrate
        self._client_tables = create_client_app_tables
        self._tariffs = ensure_demo_tariffs
        self.get_engine = get_engine
        self.dispose = dispose_engines
        self.reread_settings = reset_settings_cache

    def use(self, url: str) -> None:
        """Point the app at one database. Settings are re-read only when the URL changes: a
        re-read inside a measured call would be measured with it (engines stay cached per URL,
        so switching back and forth is free)."""
        if os.environ.get("DATABASE_URL") != url:
            os.environ["DATABASE_URL"] = url
            self.reread_settings()

    def prepare_schema(self, *, tariffs: bool = True) -> None:
        """The client app's tables as it keeps them, then ours by migration (+ demo tariffs)."""
        with self.get_engine().begin() as connection:
            self._client_tables(connection, with_support_bridge=False)
        self._migrate()
        if tariffs:
            self._tariffs()


def timed(function: Callable, *args: Any, collect: bool = False) -> tuple[Any, float]:
    """(result, seconds). `collect`: start from a collected heap, so that one side's garbage is
    not collected on the other side's clock."""
    if collect:
        gc.collect()
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # nearest rank
    return ordered[int(rank) - 1]


def summary(values: list[float], digits: int = 2) -> dict:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, digits),
        "p95_ms": round(percentile(values, 0.95) * 1000, digits),
    }


def load_level() -> str:
    """Printed with every figure: the machine is shared, a run at load > 2 is noisy."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} (1 / 5 min), {os.cpu_count()} CPU"


def results_path(name: str) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    return RESULTS_DIR / name


def write_json(name: str, data: Any, *, indent: int = 1) -> Path:
    path = results_path(name)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=indent, default=str))
    return path
