"""GET /api/signed-copy/{token} (public): the link in the client's chat message «Договор
подписан» — the newest sealed copy of that contract, by a short-lived storage link."""

from __future__ import annotations

from fastapi import APIRouter, Path
from fastapi.responses import RedirectResponse

from privet_manager_app.api.openapi import raises
from privet_manager_app.domain.wizard import sealed_copy

router = APIRouter(prefix="/api/signed-copy", tags=["Заверенная копия (ссылка клиента)"])


@router.get(
    "/{token}",
    summary="Заверенная копия подписанного договора по ссылке из чата клиента",
    status_code=307,
    responses={
        307: {"description": "на подписанную короткоживущую ссылку"},
        **raises(
            s404="signed_copy_link_invalid, signed_copy_not_found",
            s409="original_mismatch",
            s503="signed_copy_pending (Retry-After), …",
        ),
    },
)
def by_link(token: str = Path(max_length=1000)) -> RedirectResponse:
    return RedirectResponse(sealed_copy.signed_copy_by_link(token).url, status_code=307)
