"""The signature does not wait for the storage: the certificate is made after the signing
commit, and on the first request for it if the storage was down at that moment."""

from __future__ import annotations

import io

from pypdf import PdfReader

from privet_manager_app.domain.common.errors import ServiceUnavailable
from privet_manager_app.domain.wizard import certificate, signing
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.enums import ContractStatus
from tests.support.factories import contract_row, generated, last_code


def test_подпись_проходит_при_недоступном_хранилище_лист_подписания_делается_потом(
    db, manager, monkeypatch
):
    client, view = generated(manager)
    storage = get_storage()

    def storage_down(*args, **kwargs):
        raise ServiceUnavailable.storage()

    monkeypatch.setattr(type(storage), "put", storage_down)
    result = signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    assert result.status == "signed"
    assert result.certificate_url is None
    stored = contract_row(view.contract_id)
    assert stored.status == ContractStatus.SIGNED
    assert stored.certificate_key is None

    monkeypatch.undo()  # the storage is back: the first request makes the certificate
    assert certificate.certificate_url(manager, client.id)
    key = contract_row(view.contract_id).certificate_key
    assert key is not None
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(storage.get(key))).pages)
    assert stored.number in text
    # and only once: the second request links the same file
    assert certificate.certificate_url(manager, client.id)
    assert contract_row(view.contract_id).certificate_key == key
