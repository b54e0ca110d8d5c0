"""Development key material made once and kept: the dev seal certificate, the dev passport keys.

Only for `APP_ENV=dev|test` (production configures its own, see settings.evidence_problems).
Several processes start at once (pytest workers, `reflex run` with its backend, two replicas of
a demo stack): all of them must end up with the same key, never each with its own, or one
process would seal with a certificate another does not accept and encrypt passports with a key
the other cannot read. So the file is written under a temporary name and linked into place:
link() refuses to replace an existing file, and whoever loses the race reads the winner's file.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path


def create_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The file's bytes; when it does not exist yet, `make()` them and keep them (mode 0600)."""
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(make())
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes()
