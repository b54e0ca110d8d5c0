"""The real app (`python -m privet_manager_app serve`) in a subprocess, for browser tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


class LiveServer:
    def __init__(self, port: int, env: dict[str, str], log_path: Path) -> None:
        self.port = port
        self.url = f"http://localhost:{port}"
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120) -> LiveServer:
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "privet_manager_app",
                "serve",
                "--port",
                str(self.port),
                "--no-build",
            ],
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() takes every process it started
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/ping", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server did not answer: {self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        # Whatever is left of the group (a web worker, CPU pool processes) does not outlive
        # the tests: a server left on the port would answer the next run's browser tests.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)
