"""A tiny round-robin HTTP + websocket proxy in front of several app replicas, for the test of
replicas working together (tests/infra/test_replicas_together.py).

Every HTTP request is its own connection to the next backend: the request goes on with
`Connection: close`, the response comes back with it, so a browser opens a new connection for
its next request and that one goes to the other backend. Websocket upgrades (Reflex's
`/_event` socket) take turns among themselves — the first socket to backend 0, the next (a
reload) to backend 1, … — and the bytes are then piped both ways untouched.

One deliberate exception to the turns: an upload names its browser tab (`Reflex-Client-Token`),
and the proxy sends it to a backend other than the one holding that tab's socket — the case
that lost every upload before replicas shared their state in Redis. The socket is found by the
token in its URL; a tab whose token the backend replaced (Reflex sends `new_token` when the
old socket's record is still in Redis as a reload connects elsewhere) is not in that map, and
then the newest open socket counts as its own (the tests drive one tab at a time).

It runs its own event loop in a thread; `served` counts requests per backend and kind, `log`
keeps (backend, kind, method, path) of each.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading
from urllib.parse import parse_qs, urlsplit

HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection"}


def _headers(lines: list[bytes]) -> list[tuple[bytes, bytes]]:
    found = []
    for line in lines:
        name, _, value = line.partition(b":")
        found.append((name.strip().lower(), value.strip()))
    return found


def _with_close(start: bytes, headers: list[tuple[bytes, bytes]], extra=()) -> bytes:
    kept = [(name, value) for name, value in headers if name not in HOP_BY_HOP]
    lines = [start, *(name + b": " + value for name, value in [*kept, *extra])]
    return b"\r\n".join([*lines, b"Connection: close", b"", b""])


class RoundRobinProxy:
    def __init__(self, port: int, backends: list[int]) -> None:
        self.port = port
        self.backends = backends
        self.served: collections.Counter[tuple[int, str]] = collections.Counter()
        self.log: list[tuple[int, str, str, str]] = []
        self.errors: list[str] = []
        self._turn = {"http": 0, "websocket": 0}
        self._socket_of_tab: dict[str, int] = {}
        self._open_sockets: list[int] = []  # backends of the open sockets, oldest first
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    # ---- which backend --------------------------------------------------------------------

    def _choose(self, kind: str, method: str, target: str, headers: dict[bytes, bytes]) -> int:
        with self._lock:
            tab = headers.get(b"reflex-client-token", b"").decode()
            holder = self._socket_of_tab.get(tab) or (
                self._open_sockets[-1] if self._open_sockets else None
            )
            if kind == "http" and tab and holder is not None:
                backend = next(b for b in self.backends if b != holder)
                kind = "upload"
            else:
                backend = self.backends[self._turn[kind] % len(self.backends)]
                self._turn[kind] += 1
            if kind == "websocket":
                token = parse_qs(urlsplit(target).query).get("token", [""])[0]
                if token:
                    self._socket_of_tab[token] = backend
            self.served[backend, kind] += 1
            self.log.append((backend, kind, method, urlsplit(target).path))
            return backend

    def count(self, backend: int, *kinds: str) -> int:
        kinds = kinds or ("http", "websocket", "upload")
        with self._lock:
            return sum(self.served[backend, kind] for kind in kinds)

    # ---- serving --------------------------------------------------------------------------

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        upstream_writer = None
        opened = False
        try:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # a browser's spare connection closed unused
            start, *lines = head[:-4].split(b"\r\n")
            method, target, _version = start.decode("latin-1").split(" ", 2)
            headers = _headers(lines)
            by_name = dict(headers)
            websocket = by_name.get(b"upgrade", b"").lower() == b"websocket"
            backend = self._choose("websocket" if websocket else "http", method, target, by_name)
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", backend)
            peer = writer.get_extra_info("peername")[0].encode()
            if websocket:
                opened = True
                with self._lock:
                    self._open_sockets.append(backend)
                forwarded = b"\r\n".join([start, *lines, b"X-Forwarded-For: " + peer, b"", b""])
                upstream_writer.write(forwarded)
                answer = self._pipe(upstream_reader, writer)
            else:
                upstream_writer.write(_with_close(start, headers, [(b"X-Forwarded-For", peer)]))
                answer = self._answer(upstream_reader, writer)
            await upstream_writer.drain()
            tasks = [
                asyncio.create_task(self._pipe(reader, upstream_writer)),
                asyncio.create_task(answer),
            ]
            # An HTTP exchange ends when the backend has sent its response and closed; a socket
            # when either side closes.
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for unfinished in pending:
                unfinished.cancel()
            for finished in done:
                if finished.exception() is not None:
                    raise finished.exception()
        except Exception as error:  # a proxy keeps serving; the test asserts there were none
            self.errors.append(f"{type(error).__name__}: {error}")
        finally:
            if opened:
                with self._lock:
                    self._open_sockets.remove(backend)
            for stream in (writer, upstream_writer):
                if stream is not None:
                    stream.close()
            self._tasks.discard(task)

    async def _answer(self, upstream: asyncio.StreamReader, client: asyncio.StreamWriter) -> None:
        head = await upstream.readuntil(b"\r\n\r\n")
        start, *lines = head[:-4].split(b"\r\n")
        client.write(_with_close(start, _headers(lines)))
        await self._pipe(upstream, client)

    # ---- life -----------------------------------------------------------------------------

    async def _listen(self) -> asyncio.Server:
        return await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    def start(self) -> RoundRobinProxy:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.sleep(0.1)

        if self._server is not None:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> RoundRobinProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
