"""The one error type of the domain: a stable machine `code` and a Russian message.

Each surface maps it in one place: REST → HTTP status + `{detail, code, fields?}`, UI → a message
next to the field or a toast.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.extra = extra or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return body


class NotAuthenticated(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class ValidationFailed(DomainError):
    status = 422


class TooManyAttempts(DomainError):
    status = 429


class ServiceUnavailable(DomainError):
    """A part the request needs is down (object storage, the database): not the caller's
    mistake and not a bug — the same request is expected to work once the part is back.

    Surfaces answer 503 with `Retry-After: retry_after` (REST) or the message with the form
    kept (UI)."""

    status = 503
    RETRY_AFTER_SECONDS = 60  # what «через минуту» promises

    def __init__(self, code: str, message: str, *, retry_after: int = RETRY_AFTER_SECONDS):
        super().__init__(code, message, extra={"retry_after_seconds": retry_after})
        self.retry_after = retry_after

    @classmethod
    def storage(cls) -> ServiceUnavailable:
        return cls("storage_unavailable", "Хранилище недоступно, попробуйте через минуту")

    @classmethod
    def database(cls) -> ServiceUnavailable:
        return cls("database_unavailable", "База данных недоступна, попробуйте через минуту")
