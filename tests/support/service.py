"""A throwaway server of the tests: `with Server() as server:` starts it and always stops it."""

from __future__ import annotations

from typing import Self


class Service:
    def start(self) -> Self:
        return self

    def stop(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
