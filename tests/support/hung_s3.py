"""Storage (or database) endpoints that are down, for outage tests — real sockets on 127.0.0.1.

- `hung_endpoint()`: accepts every connection, reads what the client sends and never answers —
  an S3 that hangs (a stuck MinIO, a half-dead load balancer). Without a read timeout a client
  waits on it for as long as its library allows.
- `refusing_endpoint()`: a port that refuses connections — a MinIO or PostgreSQL that is stopped.
  The port stays bound (never listening), so no other process can take it during the test.

Both yield `http://127.0.0.1:PORT`; `.port` is on the object for non-HTTP clients.
`on_thread()` runs a call against them with a deadline, so a hang fails the test, not the run.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.service import Service


class HungEndpoint(Service):
    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0  # how many the clients opened (their retries show here)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="hung-endpoint", daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.1):
                sock = key.fileobj
                if sock is self._listener:
                    with contextlib.suppress(BlockingIOError):
                        connection, _ = self._listener.accept()
                        connection.setblocking(False)
                        self._selector.register(connection, selectors.EVENT_READ)
                        self.connections += 1
                    continue
                try:
                    # Swallow the request so the client's send never blocks; answer nothing.
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionError:
                    data = b""
                if not data:  # the client gave up and closed
                    self._selector.unregister(sock)
                    sock.close()

    def start(self) -> HungEndpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for key in list(self._selector.get_map().values()):
            key.fileobj.close()
        self._selector.close()


hung_endpoint = HungEndpoint  # `with hung_endpoint() as endpoint:`


class RefusingEndpoint(Service):
    def __init__(self) -> None:
        # Bound but not listening: the kernel answers every SYN with a reset.
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._socket.close()


refusing_endpoint = RefusingEndpoint  # `with refusing_endpoint() as endpoint:`


def on_thread(
    call: Callable, *args: Any, give_up: float, **kwargs: Any
) -> tuple[float, Any, BaseException | None]:
    """(seconds it took, what it returned, what it raised) of a call run on a thread. Fails the
    test if the call is still waiting after `give_up` seconds — the thread is left to the
    endpoint's shutdown."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            outcome["result"] = call(*args, **kwargs)
        except BaseException as error:  # the outcome under test
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(give_up)
    if thread.is_alive():
        pytest.fail(f"{getattr(call, '__name__', call)} still waiting after {give_up:.0f} s")
    return outcome["seconds"], outcome.get("result"), outcome.get("error")
