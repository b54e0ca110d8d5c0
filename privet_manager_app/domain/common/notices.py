"""Warnings that do not stop a save: the manager sees them and decides (a shared phone, an
expired or duplicate passport)."""

from __future__ import annotations

from privet_manager_app.domain.views import View


class Notice(View):
    code: str
    message: str
