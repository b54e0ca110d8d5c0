"""Who is acting: the manager behind a request, with where the request came from (for audit)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from privet_manager_app.domain.errors import Forbidden
from privet_manager_app.models import ManagerRole


@dataclasses.dataclass(frozen=True)
class Actor:
    id: int
    email: str
    name: str
    role: str
    session_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    logged_in_at: dt.datetime | None = None  # the password login this session descends from

    @property
    def is_admin(self) -> bool:
        return self.role == ManagerRole.ADMIN

    def require_admin(self) -> None:
        if not self.is_admin:
            raise Forbidden("admin_only", "Это действие доступно только администратору")

    def with_origin(self, ip: str | None, user_agent: str | None) -> Actor:
        return dataclasses.replace(self, ip=ip, user_agent=(user_agent or "")[:500] or None)
