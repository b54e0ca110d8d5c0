"""Step 4, contract: readiness, numbering under concurrency, the data snapshot, the PDF (read
back with pypdf), storage, superseding, and who may open the document."""

from __future__ import annotations

import concurrent.futures
import hashlib
import io
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlmodel import select

from privet_manager_app.domain.common.clock import moscow_today
from privet_manager_app.domain.common.errors import Conflict
from privet_manager_app.domain.wizard import contract as contracts
from privet_manager_app.domain.wizard import tariff_apply
from privet_manager_app.domain.wizard.contract_text import contract_document
from privet_manager_app.domain.wizard.numbering import next_number
from privet_manager_app.domain.wizard.passport_vault import open_snapshot
from privet_manager_app.infra import pdf
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.storage import get_storage
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.schema.tables import ManagerContract
from privet_manager_app.settings import get_settings, reset_settings_cache
from tests.support.factories import (
    audit_entries,
    client_in_work,
    client_row,
    contract_row,
    count,
    last_code,
    make_tariff,
    number_reservation,
    priced_client,
    ready_client,
    resend_interval_passed,
)

YEAR = moscow_today().year


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def test_клиент_без_устройств_договор_не_получает(db, manager):
    client = client_in_work(manager)
    with transaction() as session:
        missing = contracts.readiness(session, client_row(client.id))
    assert "хотя бы одно устройство" in missing


def test_договор_формируется_с_номером_снимком_pdf_и_кодом_в_чате(db, manager):
    client = priced_client(
        manager, [("smartphone", "Apple", "iPhone 13"), ("fridge", "Bosch", "KGN39VI25R")]
    )
    view = contracts.generate_contract(manager, client.id)
    assert view.number == f"ПМ-{YEAR}-000001"
    assert view.status == ContractStatus.OTP_SENT
    assert view.client_status == "contract_sent"
    assert view.surcharge == Decimal("1450.50")
    assert view.pdf_url
    assert view.otp_expires_at
    assert view.otp_resend_available_at
    assert view.otp_attempts_left == 5
    assert view.otp_sends_left == 4

    stored = contract_row(view.contract_id)
    document = get_storage().get(stored.pdf_key)
    assert document.startswith(b"%PDF-")
    assert hashlib.sha256(document).hexdigest() == stored.pdf_sha256 == view.pdf_sha256
    snapshot = stored.data_snapshot
    assert snapshot["client"]["full_name"] == "Смирнова Анна Сергеевна"
    # the contract holds the passport in full — encrypted at rest, the mask beside it
    assert "123456" not in str(snapshot["client"]["passport"])  # the phone holds the digits too
    assert snapshot["client"]["passport"]["number_masked"] == "45** ****56"
    assert open_snapshot(snapshot)["client"]["passport"]["number"] == "123456"
    assert snapshot["client"]["phone"] == "+79161234567"
    assert [device["model"] for device in snapshot["devices"]] == ["iPhone 13", "KGN39VI25R"]
    assert snapshot["tariff"]["name"] == "Семейный"
    assert snapshot["surcharge"]["total"] == "1450.50"
    assert snapshot["company"]["inn"] == "7700000000"
    assert snapshot["verify_url"].endswith(f"/verify?number=ПМ-{YEAR}-000001")
    assert client_row(client.id).status == "contract_sent"

    text = pdf_text(document)
    for expected in (
        f"ДОГОВОР № ПМ-{YEAR}-000001",
        "ООО «Привет Супер»",
        "ИНН 7700000000",
        "Смирнова Анна Сергеевна",
        "серия 45 12 № 123456",
        "код подразделения 770-001",
        "119021, г. Москва, ул. Льва Толстого, д. 16, кв. 5",
        "+7 916 123-45-67",
        "anna@example.ru",
        "Bosch KGN39VI25R",
        "по тарифу «Семейный»",
        "990,00 ₽",
        "1 450,50 ₽ (одна тысяча четыреста пятьдесят рублей, пятьдесят копеек)",
        "Категория «Холодильник» × 1",
        "простой электронной подписью",
        "№ 63-ФЗ «Об электронной подписи»",
        "конфиденциальность ключа ПЭП",
        "чат поддержки приложения «Привет Супер»",
        f"/verify?number=ПМ-{YEAR}-000001",
        "страница 1 из 2",
    ):
        assert expected in text, expected


def test_тот_же_снимок_всегда_даёт_тот_же_pdf(db, manager):
    client = priced_client(manager)
    view = contracts.generate_contract(manager, client.id)
    stored = contract_row(view.contract_id)
    again = pdf.render(contract_document(open_snapshot(stored.data_snapshot)))
    assert hashlib.sha256(again).hexdigest() == stored.pdf_sha256


def test_кэш_шрифтов_не_теряет_глифы_между_договорами(db, manager):
    # fpdf2 subsets a font in place at output: a shared or deep-copied font would lose glyphs
    # the next document needs. Different names → different glyph sets, one after another.
    first = priced_client(manager, last_name="Щукина", first_name="Юлия", middle_name="Эдуардовна")
    second = priced_client(
        manager, last_name="Фёдоров", first_name="Żaneta", middle_name="Ёжикович"
    )
    texts = []
    for client in (first, second, first):
        resend_interval_passed(client.id)
        view = contracts.generate_contract(manager, client.id)
        stored = contract_row(view.contract_id)
        data = get_storage().get(stored.pdf_key)
        cached = pdf_text(data)
        snapshot = open_snapshot(stored.data_snapshot)
        naive = pdf_text(pdf.render_parsing_fonts(contract_document(snapshot)))
        assert cached == naive
        texts.append(cached)
    assert "Щукина Юлия Эдуардовна" in texts[0]
    assert "Фёдоров Żaneta Ёжикович" in texts[1]
    assert "Щукина Юлия Эдуардовна" in texts[2]


def test_символ_вне_сокращённого_шрифта_печатается_полным_шрифтом(db, manager):
    client = ready_client(manager, [("tv", "Ωmega", "Σ-55 ∞")])
    tariff_apply.apply_tariff(manager, client.id, make_tariff())
    view = contracts.generate_contract(manager, client.id)
    data = get_storage().get(contract_row(view.contract_id).pdf_key)
    assert "Ωmega Σ-55 ∞" in pdf_text(data)


def test_правка_после_формирования_заменяет_договор_и_гасит_код(db, manager):
    client = priced_client(manager)
    first = contracts.generate_contract(manager, client.id)
    tariff_apply.apply_tariff(manager, client.id, make_tariff(name="Другой"))  # an edit of step 4
    old = contract_row(first.contract_id)
    assert old.status == ContractStatus.SUPERSEDED
    assert old.otp_hash is None
    assert old.otp_expires_at is None
    assert client_row(client.id).status == "in_progress"
    with transaction() as session:
        assert contracts.current_contract_view(session, client.id) is None

    resend_interval_passed(client.id)
    second = contracts.generate_contract(manager, client.id)
    assert second.number == f"ПМ-{YEAR}-000002"


def test_новый_договор_заменяет_неподписанный_и_убивает_его_код(db, manager):
    from privet_manager_app.domain.common.errors import ValidationFailed
    from privet_manager_app.domain.wizard import signing

    client = priced_client(manager)
    first = contracts.generate_contract(manager, client.id)
    old_code = last_code(client.user_id)
    resend_interval_passed(client.id)
    second = contracts.generate_contract(manager, client.id)
    assert contract_row(first.contract_id).status == ContractStatus.SUPERSEDED
    assert contract_row(second.contract_id).status == ContractStatus.OTP_SENT
    new_code = last_code(client.user_id)
    if old_code != new_code:  # one in a million they coincide
        with pytest.raises(ValidationFailed) as error:
            signing.confirm_signature(manager, client.id, old_code, True)
        assert error.value.code == "otp_invalid"


def test_20_одновременных_договоров_получают_20_разных_номеров_подряд(db, manager):
    clients = [priced_client(manager) for _ in range(20)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        views = list(
            pool.map(lambda client: contracts.generate_contract(manager, client.id), clients)
        )
    numbers = sorted(view.number for view in views)
    assert numbers == [f"ПМ-{YEAR}-{index:06d}" for index in range(1, 21)]
    with transaction() as session:
        stored = session.exec(select(ManagerContract)).all()
    assert len(stored) == 20
    # PDFs rendered in 20 threads at once are byte for byte what one thread renders alone
    for contract in stored:
        again = pdf.render(contract_document(open_snapshot(contract.data_snapshot)))
        assert hashlib.sha256(again).hexdigest() == contract.pdf_sha256


def test_номера_идут_по_годам_и_префиксам_раздельно(db):
    with transaction() as session:
        assert next_number(session, "ПМ", 2026) == "ПМ-2026-000001"
        assert next_number(session, "ПМ", 2026) == "ПМ-2026-000002"
        assert next_number(session, "СЧ", 2026) == "СЧ-2026-000001"
        assert next_number(session, "ПМ", 2027) == "ПМ-2027-000001"


def test_неудачная_генерация_оставляет_аннулированный_номер_с_причиной(db, manager, monkeypatch):
    client = priced_client(manager)

    def broken_storage_put(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(get_storage()), "put", broken_storage_put)
    with pytest.raises(OSError, match="disk full"):
        contracts.generate_contract(manager, client.id)
    monkeypatch.undo()
    # No gap without a trace: the number is on record as void, with why; the next is the next.
    void = number_reservation(f"ПМ-{YEAR}-000001")
    assert void.status == "void"
    assert void.void_reason == "ошибка сервера (OSError)"
    assert [
        entry.changes["number"]["before"]
        for entry in audit_entries(client.id, "contract_number_voided")
    ] == [void.number]
    assert contracts.generate_contract(manager, client.id).number == f"ПМ-{YEAR}-000002"
    assert number_reservation(f"ПМ-{YEAR}-000002").status == "used"
    assert count(ManagerContract, ManagerContract.client_id == client.id) == 1


def test_после_подписания_новый_договор_не_формируется(db, manager):
    from privet_manager_app.domain.wizard import signing

    client = priced_client(manager)
    contracts.generate_contract(manager, client.id)
    signing.confirm_signature(manager, client.id, last_code(client.user_id), True)
    with pytest.raises(Conflict) as error:
        contracts.generate_contract(manager, client.id)
    assert error.value.code == "client_frozen"


@pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("zbarimg")),
    reason="нужны pdftoppm (poppler-utils) и zbarimg (zbar-tools)",
)
def test_qr_код_договора_ведёт_на_страницу_проверки(db, manager, tmp_path):
    client = priced_client(manager)
    view = contracts.generate_contract(manager, client.id)
    stored = contract_row(view.contract_id)
    pdf_path = tmp_path / "contract.pdf"
    pdf_path.write_bytes(get_storage().get(stored.pdf_key))
    subprocess.run(
        ["pdftoppm", "-r", "200", "-png", str(pdf_path), str(tmp_path / "page")], check=True
    )
    decoded = set()
    for page in sorted(tmp_path.glob("page*.png")):
        found = subprocess.run(
            ["zbarimg", "-q", "--raw", str(page)], capture_output=True, text=True, check=False
        )
        decoded.update(line for line in found.stdout.splitlines() if line)
    assert decoded == {stored.data_snapshot["verify_url"]}
    base_url = get_settings().public_base_url
    assert stored.data_snapshot["verify_url"] == f"{base_url}/verify?number=ПМ-{YEAR}-000001"


def test_ссылка_проверки_в_договоре_ведёт_на_порт_приложения_если_адрес_не_задан(
    manager, monkeypatch
):
    # A quick start on another port (`PORT=9123 make run`) must not print a QR code to :8000.
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    reset_settings_cache()
    client = priced_client(manager)
    view = contracts.generate_contract(manager, client.id)
    stored = contract_row(view.contract_id)
    assert stored.data_snapshot["verify_url"].startswith("http://localhost:9123/verify?number=")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://manager.example.ru/")
    reset_settings_cache()
    resend_interval_passed(client.id)
    again = contracts.generate_contract(manager, client.id)
    assert (
        contract_row(again.contract_id)
        .data_snapshot["verify_url"]
        .startswith("https://manager.example.ru/verify?number=")
    )
