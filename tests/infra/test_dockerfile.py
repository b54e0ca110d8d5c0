"""The runtime image runs as an unprivileged user: every directory the app writes to at run
time must be one the image hands to that user (the first black-box run of the image as built
crashed on start: Reflex's UI state went to /app/.states and its upload directory to
/app/uploaded_files, both under root's /app)."""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

from tests.conftest import ROOT


def _runtime_stage() -> list[str]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stage = text.split(" AS runtime", 1)[1]
    return [line.strip() for line in stage.splitlines() if line.strip() and line[0] != "#"]


def test_всё_что_приложение_пишет_в_контейнере_принадлежит_его_пользователю():
    lines = _runtime_stage()
    env: dict[str, str] = {}
    for line in lines:
        if line.startswith("ENV "):
            env.update(part.split("=", 1) for part in shlex.split(line[4:]))
    user = next(line.split()[1] for line in lines if line.startswith("USER "))
    owned = [
        PurePosixPath(path)
        for line in lines
        for chown in re.findall(rf"chown -R {user} ([^&]+)", line)
        for path in chown.split()
    ]
    writes = {
        "STORAGE_DIR": env.get("STORAGE_DIR"),
        "REFLEX_STATES_WORKDIR": env.get("REFLEX_STATES_WORKDIR"),
        "REFLEX_UPLOADED_FILES_DIR": env.get("REFLEX_UPLOADED_FILES_DIR"),
        "KEYS_DIR (default data/keys)": env.get("KEYS_DIR", "/app/data/keys"),
    }
    for name, path in writes.items():
        assert path, f"{name} не задан в образе"
        assert any(PurePosixPath(path).is_relative_to(root) for root in owned), (name, path)
