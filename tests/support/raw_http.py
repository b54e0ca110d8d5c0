"""Raw HTTP/1.1 over a socket: chunked bodies of any size generated on the fly.

httpx and browsers hide what matters here — when the server answers while the body is still
being sent, and how much of it was sent by then — so these tests speak HTTP themselves.
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

CHUNK = 64 * 1024


@dataclasses.dataclass
class RawResponse:
    status: int | None  # None: the server closed the connection without answering
    headers: dict[str, str]
    body: bytes
    bytes_sent: int  # body bytes the client managed to hand to the kernel
    seconds: float
    finished_body: bool  # the whole body was sent before the answer

    def json(self) -> dict:
        return json.loads(self.body)


def zeros(total: int, chunk: int = CHUNK) -> Iterator[bytes]:
    block = bytes(chunk)
    sent = 0
    while sent < total:
        piece = block[: min(chunk, total - sent)]
        sent += len(piece)
        yield piece


def multipart_stream(
    boundary: str,
    file_field: str,
    filename: str,
    content_type: str,
    size: int,
    *,
    head: bytes = b"",
) -> Iterator[bytes]:
    """One file part of `size` bytes (`head` first, then zeros), generated as it is sent."""
    yield (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + head
    yield from zeros(size - len(head))
    yield f"\r\n--{boundary}--\r\n".encode()


def multipart_body(boundary: str, parts: list[tuple[str, str, str, bytes]]) -> bytes:
    """[(field, filename, content_type, data)] → a complete multipart body."""
    out = bytearray()
    for field, filename, content_type, data in parts:
        out += (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out)


def _read_response(sock: socket.socket, deadline: float) -> tuple[int | None, dict, bytes]:
    data = bytearray()
    while b"\r\n\r\n" not in data:
        chunk = _recv(sock, deadline)
        if not chunk:
            return (None, {}, bytes(data)) if not data else _parse_head(bytes(data), b"")
        data += chunk
    head, _, rest = bytes(data).partition(b"\r\n\r\n")
    status, headers, _ = _parse_head(head + b"\r\n\r\n", b"")
    body = bytearray(rest)
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(body) < length:
            chunk = _recv(sock, deadline)
            if not chunk:
                break
            body += chunk
        return status, headers, bytes(body[:length])
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not body.endswith(b"0\r\n\r\n"):
            chunk = _recv(sock, deadline)
            if not chunk:
                break
            body += chunk
        return status, headers, _dechunk(bytes(body))
    while chunk := _recv(sock, deadline):
        body += chunk
    return status, headers, bytes(body)


def _recv(sock: socket.socket, deadline: float) -> bytes:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("no answer from the server")
    ready, _, _ = select.select([sock], [], [], remaining)
    if not ready:
        raise TimeoutError("no answer from the server")
    try:
        return sock.recv(CHUNK)
    except (ConnectionResetError, BrokenPipeError):
        return b""


def _parse_head(head: bytes, _rest: bytes) -> tuple[int | None, dict, bytes]:
    lines = head.split(b"\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        return None, {}, b""
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if b":" in line:
            name, _, value = line.partition(b":")
            key = name.decode("latin-1").strip().lower()
            value_text = value.decode("latin-1").strip()
            headers[key] = f"{headers[key]}, {value_text}" if key in headers else value_text
    return status, headers, b""


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2 :]
    return bytes(out)


def request(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | Iterable[bytes] = b"",
    *,
    chunked: bool | None = None,
    timeout: float = 120,
    host: str = "127.0.0.1",
) -> RawResponse:
    """Send a request; stop sending as soon as the server answers or closes the connection."""
    headers = {"Host": f"localhost:{port}", "Connection": "close", **(headers or {})}
    if chunked is None:
        chunked = not isinstance(body, bytes)
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
    elif isinstance(body, bytes) and "Content-Length" not in headers:
        headers["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    pieces: Iterable[bytes] = [body] if isinstance(body, bytes) else body

    started = time.monotonic()
    deadline = started + timeout
    sent = 0
    finished = True
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall((head + "\r\n").encode("latin-1"))
        sock.setblocking(False)
        try:
            for piece in pieces:
                if not piece:
                    continue
                frame = (f"{len(piece):x}\r\n".encode() + piece + b"\r\n") if chunked else piece
                if not _send_unless_answered(sock, frame, deadline):
                    finished = False
                    break
                sent += len(piece)
            else:
                if chunked:
                    _send_unless_answered(sock, b"0\r\n\r\n", deadline)
        except (BrokenPipeError, ConnectionResetError):
            finished = False
        status, response_headers, response_body = _read_response(sock, deadline)
    return RawResponse(
        status=status,
        headers=response_headers,
        body=response_body,
        bytes_sent=sent,
        seconds=time.monotonic() - started,
        finished_body=finished,
    )


def _send_unless_answered(sock: socket.socket, frame: bytes, deadline: float) -> bool:
    """Write the frame; False as soon as the server has something to say (or hung up)."""
    view = memoryview(frame)
    while view:
        readable, writable, _ = select.select([sock], [sock], [], deadline - time.monotonic())
        if readable:
            return False
        if not writable:
            raise TimeoutError("the server neither reads nor answers")
        try:
            count = sock.send(view)
        except BlockingIOError:
            continue
        view = view[count:]
    return True


# ---- the server process as the kernel sees it ----------------------------------------------


def descendants(pid: int) -> list[int]:
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            children = [int(child) for child in task.read_text().split()]
            found.extend(children)
            frontier.extend(children)
    return found


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak since start), KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


def open_files_under(pid: int, directory: Path) -> list[str]:
    """Files (deleted or not) under `directory` that the process still holds open."""
    prefix = str(directory)
    held = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(prefix):
            held.append(target)
    return held


def bytes_held_under(pid: int, directory: Path) -> int:
    """Total size of the files under `directory` the process holds open — unlinked temp files
    included (the kernel still knows their size through /proc/<pid>/fd)."""
    total = 0
    prefix = str(directory)
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd).startswith(prefix):
                total += os.stat(fd).st_size
        except OSError:
            continue
    return total
