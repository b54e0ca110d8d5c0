"""The sealed signed copy: made after the signing, checkable by anyone with the organisation's
certificate (pyHanko, a PDF reader), refused by /verify when one byte changes, handed to the
manager (card, final screen, REST) and to the client (the link in «Договор подписан»)."""

from __future__ import annotations

import hashlib
import io
import re
import threading
import time
from urllib.parse import urlsplit

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader
from sqlmodel import select

from privet_manager_app.domain.common.errors import Forbidden, NotFound
from privet_manager_app.domain.history import chain
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import payment, sealed_copy, signing, verification
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.seal import attached_original, organisation_seal
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.tables import ManagerContract, ManagerSealedCopy
from tests.support.factories import (
    audit_entries,
    chat_messages,
    claimed_client,
    last_code,
    signed_client,
    signing_client,
)
from tests.support.tsa import TimestampAuthority


def _text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def _copies(client_id: int) -> list[ManagerSealedCopy]:
    with transaction() as session:
        contract = session.exec(
            select(ManagerContract).where(ManagerContract.client_id == client_id)
        ).one()
        rows = session.exec(
            select(ManagerSealedCopy)
            .where(ManagerSealedCopy.contract_id == contract.id)
            .order_by(ManagerSealedCopy.edition)
        ).all()
        return [(row, contract) for row in rows]


def _stored_copy(client_id: int) -> tuple[bytes, ManagerSealedCopy, ManagerContract]:
    copy, contract = _copies(client_id)[-1]
    return get_storage().get(copy.storage_key), copy, contract


def test_после_подписания_готова_заверенная_копия_которую_pyhanko_признаёт_по_сертификату(
    db, manager
):
    client = signed_client(manager)
    code = last_code(client.user_id)
    data, copy, contract = _stored_copy(client.id)
    assert copy.status == "ready"
    assert copy.edition == 1
    assert hashlib.sha256(data).hexdigest() == copy.sha256

    # Anyone holding the organisation's certificate can check it — no database needed.
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    status = validate_pdf_signature(
        signature,
        ValidationContext(trust_roots=[organisation_seal().certificate], allow_fetching=False),
    )
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact
    assert status.valid
    assert status.trusted
    assert status.coverage.name == "ENTIRE_FILE"

    # The original: its pages first, and the very bytes the code message named, attached.
    original = get_storage().get(contract.pdf_key)
    assert attached_original(data) == original
    assert hashlib.sha256(original).hexdigest() == contract.pdf_sha256
    original_pages = len(PdfReader(io.BytesIO(original)).pages)
    pages = PdfReader(io.BytesIO(data)).pages
    assert pages[0].extract_text() == PdfReader(io.BytesIO(original)).pages[0].extract_text()
    assert len(pages) >= original_pages + 2  # + the signature certificate + the evidence page

    text = _text(data)
    assert "ЛИСТ ПОДПИСАНИЯ" in text.upper()
    assert "ЗАВЕРЕНИЕ КОПИИ" in text
    # Every message we posted about this contract, by its id; the code itself hidden.
    for message in chat_messages(client.user_id):
        assert str(message.id) in text
    assert code not in text
    assert "••••••" in text
    # The audit chain's head at sealing time, printed: later edits of older rows show.
    head_hash = copy.audit_head_hash
    assert " ".join(head_hash[i : i + 16] for i in range(0, 64, 16)) in text
    assert copy.audit_head_seq > 0
    assert organisation_seal().fingerprint[:16] in text
    assert len(audit_entries(client.id, "sealed_copy_issued")) == 1


def test_verify_признаёт_копию_а_копию_с_одним_изменённым_байтом_отклоняет(db, manager):
    client = signed_client(manager)
    data, copy, contract = _stored_copy(client.id)
    answer = verification.verify_pdf(data)
    assert answer.valid
    assert answer.document == "sealed_copy"
    assert answer.number == contract.number
    assert verification.SEAL_VALID in answer.message
    assert answer.sealed_at == copy.sealed_at

    # One byte inside the signed text of the contract's first page.
    position = data.index(b"stream", 2000) + 40
    changed = bytearray(data)
    changed[position] ^= 0x01
    refused = verification.verify_pdf(bytes(changed))
    assert refused.valid is False
    assert refused.problem in {"modified", "modified_after_sealing"}
    assert "не подлинная копия" in refused.message

    # One byte appended after the seal.
    appended = verification.verify_pdf(data + b"\n%")
    assert appended.valid is False

    # By number + the copy's SHA-256, as the README tells an auditor.
    by_hash = verification.verify_number(contract.number, copy.sha256)
    assert by_hash.valid
    assert by_hash.document == "sealed_copy"


def test_rest_отдаёт_копию_менеджеру_клиента_и_никому_больше(
    db, manager, make_manager, api, login_headers
):
    client = signed_client(manager)
    _, copy, contract = _stored_copy(client.id)
    url = f"/api/manager/clients/{client.id}/contract/signed-copy"
    response = api.get(url, params={"redirect": "false"}, headers=login_headers(manager))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["sha256"] == copy.sha256
    assert body["edition"] == 1
    assert body["filename"].startswith(contract.number)
    link = urlsplit(body["url"])
    downloaded = api.get(f"{link.path}?{link.query}")
    assert downloaded.status_code == 200
    assert hashlib.sha256(downloaded.content).hexdigest() == copy.sha256
    redirected = api.get(url, headers=login_headers(manager), follow_redirects=False)
    assert redirected.status_code == 307

    stranger = make_manager(email="other@example.com")
    assert api.get(url, headers=login_headers(stranger)).status_code == 403
    with pytest.raises(Forbidden):
        sealed_copy.signed_copy(stranger, client.id)
    unsigned = claimed_client(manager)
    with pytest.raises(NotFound):
        sealed_copy.signed_copy(manager, unsigned.id)
    missing = api.get(
        f"/api/manager/clients/{unsigned.id}/contract/signed-copy", headers=login_headers(manager)
    )
    assert missing.status_code == 404


def test_ссылка_в_чате_клиента_открывает_копию_а_подделанная_нет(db, manager, api):
    client = signed_client(manager)
    signed_message = chat_messages(client.user_id)[-1]
    assert signed_message.payload["type"] == "contract_signed"
    link = urlsplit(signed_message.payload["signed_copy_url"])
    response = api.get(link.path, follow_redirects=False)
    assert response.status_code == 307
    target = urlsplit(response.headers["location"])
    data = api.get(f"{target.path}?{target.query}").content
    _, copy, _ = _stored_copy(client.id)
    assert hashlib.sha256(data).hexdigest() == copy.sha256

    forged = api.get(link.path[:-3] + "abc", follow_redirects=False)
    assert forged.status_code == 404
    assert forged.json()["code"] == "signed_copy_link_invalid"


def test_счёт_после_подписания_выходит_новой_редакцией_копии_старая_остаётся_действительной(
    db, manager
):
    client = signed_client(manager)
    first, _, _ = _stored_copy(client.id)
    payment.send_invoice(manager, client.id)
    view = sealed_copy.signed_copy(manager, client.id)
    assert view.edition == 2
    (old, _), (new, _) = _copies(client.id)
    second = get_storage().get(new.storage_key)
    invoice = next(m for m in chat_messages(client.user_id) if m.payload["type"] == "invoice")
    listed = f"Счёт. {' '.join(invoice.body.split()[:2])}"  # kind label, then the body
    assert listed in _text(second)
    assert listed not in _text(first)
    assert new.audit_head_seq > old.audit_head_seq
    assert verification.verify_pdf(first).valid
    assert verification.verify_pdf(second).valid
    # Asked again with nothing new in the chat: the same edition, not a third one.
    assert sealed_copy.signed_copy(manager, client.id).edition == 2
    assert len(_copies(client.id)) == 2


def test_с_tsa_копия_получает_штамп_времени_rfc3161(db, manager, monkeypatch):
    from privet_manager_app.settings import reset_settings_cache

    authority = TimestampAuthority().start()
    try:
        monkeypatch.setenv("TSA_URL", authority.url)
        reset_settings_cache()
        client = signed_client(manager)
        data, copy, _ = _stored_copy(client.id)
    finally:
        authority.stop()
    assert copy.timestamp_at is not None
    assert "RFC 3161" in _text(data)


def test_копия_сверяется_с_головой_цепочки_аудита(db, manager):
    client = signed_client(manager)
    _, copy, _ = _stored_copy(client.id)
    with transaction() as session:
        assert chain.anchors(session)[copy.audit_head_seq] == copy.audit_head_hash
    assert chain.verify_stored().intact


def test_без_ожидания_подпись_отвечает_сразу_а_копия_собирается_в_фоне(db, manager, monkeypatch):
    """SIGNED_COPY_WAIT_SECONDS=0 (the production default): the signing answer does not wait
    for the sealed copy; the copy is made in the background, and a request for it meanwhile
    is told to come back."""
    from privet_manager_app.settings import reset_settings_cache

    monkeypatch.setenv("SIGNED_COPY_WAIT_SECONDS", "0")
    reset_settings_cache()
    started, release = threading.Event(), threading.Event()
    build = sealed_copy._build

    def slow_build(claim):
        started.set()
        assert release.wait(30)
        return build(claim)

    monkeypatch.setattr(sealed_copy, "_build", slow_build)
    client = signing_client(manager)
    contracts.generate_contract(manager, client.id)
    began = time.monotonic()
    signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    assert time.monotonic() - began < 3, "подпись ждала заверенную копию"
    assert started.wait(10)
    with pytest.raises(sealed_copy.SignedCopyPending):
        sealed_copy.signed_copy(manager, client.id)
    assert [copy.status for copy, _ in _copies(client.id)] == ["building"]
    release.set()
    deadline = time.monotonic() + 30
    while [copy.status for copy, _ in _copies(client.id)] != ["ready"]:
        assert time.monotonic() < deadline, "копия так и не собралась в фоне"
        time.sleep(0.05)
    assert verification.verify_pdf(_stored_copy(client.id)[0]).valid
    assert len(audit_entries(client.id, "sealed_copy_issued")) == 1


def test_копия_собирается_в_процессах_пула_и_проходит_проверку(db, manager, monkeypatch):
    """The CPU pool on (as deployed): assembling, sealing and checking the copy run in a worker
    process, with the seal the request's process knows."""
    from privet_manager_app.infra import cpu_pool
    from privet_manager_app.settings import reset_settings_cache

    monkeypatch.setenv("CPU_POOL_WORKERS", "2")
    reset_settings_cache()
    calls = []
    run = cpu_pool.run

    def counted(fn, *args, **kwargs):
        calls.append(fn.__name__)
        return run(fn, *args, **kwargs)

    monkeypatch.setattr(cpu_pool, "run", counted)
    try:
        client = signed_client(manager)
        data, copy, _ = _stored_copy(client.id)
    finally:
        cpu_pool.shutdown()
    assert "seal_copy_here" in calls
    assert copy.status == "ready"
    assert copy.seal_certificate_sha256 == organisation_seal().fingerprint
    assert verification.verify_pdf(data).valid
