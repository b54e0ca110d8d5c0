"""A small, bounded pool of worker processes for the CPU-heavy steps — bcrypt, photo
normalisation, PDF rendering — so one replica uses every core, and a burst of them neither
holds the GIL that serves every other request nor piles up without limit.

`run(fn, *args)` is called from the request's worker thread (never the event loop) and waits
for the result; at most `CPU_POOL_WORKERS × QUEUE_PER_WORKER` calls are handed to the pool at
once, the rest wait in their own threads. `fn` must be a module-level function with picklable
arguments and result. A DomainError raised in a worker is raised again here, the same type,
code, message and fields (an exception pickles by its args only, which ours do not fit).

CPU_POOL_WORKERS=0 runs everything inline (the tests' default, so that monkeypatched settings
and functions apply; the pool's own tests and the browser tests' server turn it on). Workers
are spawned, not forked: forking a process with running threads and open connections copies
them half-alive.
"""

from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from privet_manager_app.domain.common.errors import DomainError
from privet_manager_app.settings import get_settings

T = TypeVar("T")
QUEUE_PER_WORKER = 2

_lock = threading.Lock()
_pool: futures.ProcessPoolExecutor | None = None
_slots: threading.BoundedSemaphore | None = None
_size = 0


def _call(fn: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[bool, Any]:
    """In the worker: the result, or the domain error's parts."""
    try:
        return True, fn(*args, **kwargs)
    except DomainError as error:
        return False, (type(error), error.code, error.message, error.fields, error.extra)


def _get(workers: int) -> tuple[futures.ProcessPoolExecutor, threading.BoundedSemaphore]:
    global _pool, _slots, _size
    with _lock:
        if _pool is None or _size != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=False)
            _pool = futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("spawn")
            )
            _slots = threading.BoundedSemaphore(workers * QUEUE_PER_WORKER)
            _size = workers
        return _pool, _slots


def _discard(pool: futures.ProcessPoolExecutor) -> None:
    global _pool
    with _lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    workers = get_settings().CPU_POOL_WORKERS
    if workers <= 0:
        return fn(*args, **kwargs)
    pool, slots = _get(workers)
    with slots:
        try:
            ok, value = pool.submit(_call, fn, args, kwargs).result()
        except BrokenProcessPool:
            # A worker died (killed for memory, say): a fresh pool next time; this call is
            # done here rather than failed.
            _discard(pool)
            return fn(*args, **kwargs)
    if ok:
        return value
    kind, code, message, fields, extra = value
    raise kind(code, message, fields=fields, extra=extra)


def _forget_in_child() -> None:
    """A forked child inherits the parent's pool object but neither its manager thread nor its
    processes: a call submitted there waits forever. `serve` seeds the demo (bcrypt, in the
    pool) before granian forks its web workers, so every login of the worker hung. The child
    starts a pool of its own when it first needs one."""
    global _lock, _pool, _slots, _size
    _lock = threading.Lock()
    _pool, _slots, _size = None, None, 0


os.register_at_fork(after_in_child=_forget_in_child)


def shutdown() -> None:
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
