"""Public verification: a signed original is recognised by its file or by number + SHA-256,
and an anonymous visitor learns nothing beyond validity, number and date."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from privet_manager_app.api.app import create_api
from privet_manager_app.domain.common.errors import ValidationFailed
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import signing, tariff_apply, verification
from privet_manager_app.edge.asgi import edge
from privet_manager_app.infra.storage import get_storage
from tests.support.factories import contract_row, last_code, make_tariff, ready_client

URL = "/api/verify"


def contract_file(manager, *, sign: bool):
    client = ready_client(manager)
    tariff_apply.apply_tariff(manager, client.id, make_tariff())
    view = contracts.generate_contract(manager, client.id)
    if sign:
        signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    row = contract_row(view.contract_id)
    return row, get_storage().get(row.pdf_key)


def upload(api, data: bytes):
    return api.post(URL, files={"file": ("договор.pdf", data, "application/pdf")})


def test_подписанный_договор_признаётся_подлинным_по_файлу(api, manager):
    row, data = contract_file(manager, sign=True)
    response = upload(api, data)  # no login: the page is public
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["valid"], answer["number"], answer["document"]) == (True, row.number, "original")
    assert answer["signed_at"] == row.signed_at.isoformat().replace("+00:00", "Z")
    assert "подписанный оригинал" in answer["message"]
    assert answer["sealed_at"] is answer["problem"] is None


def test_изменённый_или_неподписанный_файл_не_подлинный(api, manager):
    _, signed = contract_file(manager, sign=True)
    tampered = signed.replace(b"/Producer", b"/Pr0ducer", 1)
    refused = upload(api, tampered).json()
    assert (refused["valid"], refused["number"], refused["signed_at"]) == (False, None, None)
    _, unsigned = contract_file(manager, sign=False)
    assert upload(api, unsigned).json()["valid"] is False


def test_проверка_по_номеру_и_хешу(api, manager):
    row, data = contract_file(manager, sign=True)
    digest = hashlib.sha256(data).hexdigest()
    ok = api.post(URL, json={"number": row.number, "sha256": digest.upper()})
    assert ok.status_code == 200
    assert ok.json()["valid"] is True
    assert ok.json()["document"] == "original"
    wrong = api.post(URL, json={"number": row.number, "sha256": "0" * 64})
    # a wrong hash does not even confirm that the number exists or when it was signed
    assert wrong.json() == verification.NOT_FOUND.model_dump(mode="json")
    latin = verification.verify_number(row.number.replace("ПМ", "PM"), digest)
    assert latin.valid is True


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"number": "ПМ-2026-000001", "sha256": "xyz"}, "invalid_sha256"),
        ({"number": "12345", "sha256": "a" * 64}, "invalid_contract_number"),
        ({"number": "ПМ-2026-000001"}, "validation_error"),
        ({"number": "ПМ-2026-000001", "sha256": "a" * 64, "extra": 1}, "validation_error"),
    ],
)
def test_плохой_запрос_проверки_это_422_а_не_500(api, payload, code):
    response = api.post(URL, json=payload)
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["detail"]


def test_проверка_без_файла_или_с_чужим_типом(api):
    no_file = api.post(URL, files={"other": ("x.txt", b"hello", "text/plain")})
    assert no_file.status_code == 422
    assert no_file.json()["code"] == "file_required"
    empty = api.post(URL, files={"file": ("x.pdf", b"", "application/pdf")})
    assert empty.status_code == 422
    assert empty.json()["code"] == "empty_file"
    plain = api.post(URL, content=b"hello", headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415
    broken_json = api.post(URL, content=b"{", headers={"Content-Type": "application/json"})
    assert broken_json.status_code == 422
    # A declared size over the limit is refused by the edge before any body is read.
    with TestClient(edge(create_api())) as edged:
        huge = edged.post(
            URL,
            content=b"x",
            headers={"Content-Type": "application/json", "Content-Length": str(50 * 1024 * 1024)},
        )
    assert huge.status_code == 413
    assert huge.json()["code"] == "payload_too_large"


def test_пустой_файл_в_домене_отклоняется(db):
    with pytest.raises(ValidationFailed):
        verification.verify_pdf(b"")
