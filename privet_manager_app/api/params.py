"""Request types every router shares: bounded ids (a huge id is a 422, never a 500), the card
version for optimistic locking, and strict bodies (an unknown field is an error)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Field

from privet_manager_app.domain.inputs import MAX_BIGINT, MAX_INT

ClientId = Annotated[int, Path(ge=1, le=MAX_BIGINT, description="id клиента (manager_clients)")]
DeviceId = Annotated[int, Path(ge=1, le=MAX_BIGINT, description="id устройства")]
PhotoId = Annotated[int, Path(ge=1, le=MAX_BIGINT, description="id фото")]
ManagerId = Annotated[int, Path(ge=1, le=MAX_INT, description="id менеджера")]
TariffId = Annotated[int, Path(ge=1, le=MAX_INT, description="id тарифа")]
Version = Annotated[int, Field(ge=1, le=MAX_INT, description="версия карточки для блокировки")]
OptionalVersion = Annotated[
    int | None, Query(ge=1, le=MAX_INT, description="версия карточки (если передана — проверяется)")
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
