"""The sealed signed copy: the organisation's PAdES seal (pyHanko), and how a copy is checked.

Scenarios: a court or an auditor gets the copy from the client and checks it without us — with
pyHanko's validator anchored on our certificate, with poppler's pdfsig, with the pyHanko CLI —
and every change of a single byte, anywhere, is refused.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import os
import stat
import subprocess
import threading
from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from privet_manager_app.infra import seal
from privet_manager_app.settings import InsecureSettingsError, Settings, reset_settings_cache
from tests.conftest import ROOT
from tests.support.pki import TestCA
from tests.support.production import prod_settings
from tests.support.sample_pdfs import certificate_pdf, contract_pdf
from tests.support.tsa import TimestampAuthority

ORGANISATION = "ООО «Привет Супер»"
REASON = "Заверенная копия договора № ПМ-2026-000042, подписанного ПЭП"


@pytest.fixture(scope="module")
def org_seal() -> seal.Seal:
    return seal.load_seal_pkcs12(
        seal.make_self_signed_pkcs12(organisation=ORGANISATION, ogrn="1207700000000")
    )


@pytest.fixture(scope="module")
def original() -> bytes:
    return contract_pdf()


@pytest.fixture(scope="module")
def unsigned_copy(original) -> bytes:
    return seal.assemble_copy(
        original,
        certificate_pdf(original),
        title="Заверенная копия договора № ПМ-2026-000042",
        original_filename="dogovor-PM-2026-000042.pdf",
    )


@pytest.fixture(scope="module")
def sealed(unsigned_copy, org_seal) -> bytes:
    return _seal_copy(unsigned_copy, org_seal)


@pytest.fixture(scope="module")
def tsa():
    with TimestampAuthority() as authority:
        yield authority


def _seal_copy(copy: bytes, by: seal.Seal, *, tsa_url: str = "") -> bytes:
    return seal.seal_pdf(copy, reason=REASON, location="г. Москва", seal=by, tsa_url=tsa_url)


def check(data: bytes, org_seal: seal.Seal, **kwargs) -> seal.SealCheck:
    return seal.validate_sealed(data, trusted=[org_seal.certificate], tsa_roots=[], **kwargs)


def flipped(data: bytes, position: int) -> bytes:
    changed = bytearray(data)
    changed[position] ^= 0x01
    return bytes(changed)


def contents_gap(data: bytes) -> tuple[int, int]:
    """Where the signature's own /Contents hex string lies (the one gap in its byte range)."""
    signature = PdfFileReader(BytesIO(data)).embedded_signatures[0]
    _, start, end, _ = (int(value) for value in signature.byte_range)
    return start, end


# ---- The copy is what we say it is ------------------------------------------------------------


def test_заверенная_копия_проходит_проверку_pyhanko_по_сертификату_организации(sealed, org_seal):
    signature = PdfFileReader(BytesIO(sealed)).embedded_signatures[0]
    status = validate_pdf_signature(
        signature,
        ValidationContext(trust_roots=[org_seal.certificate], allow_fetching=False),
    )
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact
    assert status.valid
    assert status.trusted
    assert signature.sig_object["/Reason"] == REASON
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES baseline

    result = check(sealed, org_seal)
    assert result.valid, result
    assert (result.sealed, result.intact, result.whole_file, result.ours) == (True,) * 4
    assert result.signer_fingerprint == org_seal.fingerprint
    assert ORGANISATION in result.signer_subject
    assert result.timestamp_present is False  # B-B: no TSA configured


def test_копия_это_страницы_оригинала_без_изменений_затем_лист_подписания_и_сам_оригинал(
    original, sealed
):
    source, copy = PdfReader(BytesIO(original)), PdfReader(BytesIO(sealed))
    certificate = PdfReader(BytesIO(certificate_pdf(original)))
    assert len(source.pages) >= 2
    assert len(copy.pages) == len(source.pages) + len(certificate.pages)
    for page, copied in zip(source.pages, copy.pages, strict=False):
        assert copied.get_contents().get_data() == page.get_contents().get_data()
        assert copied.mediabox == page.mediabox
    assert "ЛИСТ ПОДПИСАНИЯ" in copy.pages[len(source.pages)].extract_text()
    attached = copy.attachments["dogovor-PM-2026-000042.pdf"][0]
    assert attached == original  # the very bytes the code message and the HMAC name
    assert hashlib.sha256(original).hexdigest() in "".join(
        copy.pages[-1].extract_text().replace(" ", "").split()
    )


def test_оригинал_при_сборке_и_заверении_копии_не_меняется(org_seal):
    original = contract_pdf()
    kept = bytes(original)
    _seal_copy(seal.assemble_copy(original, certificate_pdf(original)), org_seal)
    assert original == kept


# ---- Any change is refused --------------------------------------------------------------------


def test_изменённый_байт_в_тексте_договора_обнаруживается(sealed, org_seal):
    content_stream = sealed.index(b"stream", sealed.index(b"/Contents")) + 40
    result = check(flipped(sealed, content_stream), org_seal)
    assert not result.valid
    assert result.problem == "modified"


def test_байт_дописанный_после_печати_обнаруживается_хотя_pyhanko_его_пропускает(sealed, org_seal):
    appended = sealed + b"\n"
    signature = PdfFileReader(BytesIO(appended)).embedded_signatures[0]
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[org_seal.certificate], allow_fetching=False)
    )
    assert status.bottom_line  # pyHanko alone: "entire revision covered", judged valid
    result = check(appended, org_seal)
    assert not result.valid
    assert result.problem == "modified_after_sealing"


def test_правка_заполнения_подписи_не_покрытого_хешем_обнаруживается(sealed, org_seal):
    start, end = contents_gap(sealed)
    padding_zero = end - 3  # /Contents is the CMS in hex, padded with zeros up to '>'
    assert sealed[padding_zero : padding_zero + 1] == b"0"
    padded = bytearray(sealed)
    padded[padding_zero] = ord("1")
    assert check(bytes(padded), org_seal).problem == "modified_after_sealing"

    letter = next(i for i in range(start + 1, end) if sealed[i : i + 1] in b"ABCDEF")
    lower = bytearray(sealed)
    lower[letter] = ord(chr(sealed[letter]).lower())  # the same bytes once decoded
    assert check(bytes(lower), org_seal).problem == "modified_after_sealing"


def test_любой_один_изменённый_байт_в_любом_месте_файла_отклоняется(sealed, org_seal):
    start, end = contents_gap(sealed)
    positions = {*range(0, len(sealed), max(1, len(sealed) // 150)), len(sealed) - 1}
    positions |= {start, start + 1, (start + end) // 2, end - 2, end - 1}
    accepted = [p for p in sorted(positions) if check(flipped(sealed, p), org_seal).valid]
    assert accepted == []
    assert len(positions) > 150


def test_изменение_после_печати_новой_ревизией_отклоняется(sealed, org_seal):
    writer = IncrementalPdfFileWriter(BytesIO(sealed))
    writer.root["/Lang"] = generic.TextStringObject("ru")  # a harmless-looking incremental save
    writer.update_root()
    output = BytesIO()
    writer.write(output)
    result = check(output.getvalue(), org_seal)
    assert not result.valid
    assert result.problem == "modified_after_sealing"


def test_не_pdf_пустой_файл_и_pdf_без_печати_отклоняются(unsigned_copy, org_seal):
    assert check(b"", org_seal).problem == "not_pdf"
    assert check(b"%PDF-1.7 garbage", org_seal).problem == "not_pdf"
    assert check(unsigned_copy, org_seal).problem == "no_seal"


# ---- Whose seal -------------------------------------------------------------------------------


def test_копия_с_печатью_другого_сертификата_с_тем_же_названием_не_наша(unsigned_copy, org_seal):
    impostor = seal.load_seal_pkcs12(seal.make_self_signed_pkcs12(organisation=ORGANISATION))
    forged = _seal_copy(unsigned_copy, impostor)
    result = check(forged, org_seal)
    assert result.intact  # a perfectly good signature…
    assert ORGANISATION in result.signer_subject  # …under our very name…
    assert not result.ours  # …by a key that is not ours
    assert result.problem == "not_our_seal"
    assert check(forged, impostor).valid  # the same file is fine against its own certificate


def test_печать_сертификатом_от_удостоверяющего_центра_проверяется_по_сертификату_организации(
    unsigned_copy,
):
    ca = TestCA()
    data, issued = ca.organisation_pkcs12(ORGANISATION, password="p12-пароль")
    ca_seal = seal.load_seal_pkcs12(data, "p12-пароль")
    sealed = _seal_copy(unsigned_copy, ca_seal)
    result = seal.validate_sealed(sealed, trusted=[issued.asn1], tsa_roots=[])
    assert result.valid, result
    embedded = PdfFileReader(BytesIO(sealed)).embedded_signatures[0].other_embedded_certs
    root = ca.root.certificate.subject.rfc4514_string()
    assert root in [_rfc4514(cert) for cert in embedded]  # the chain, for readers trusting the CA


def _rfc4514(certificate) -> str:
    from cryptography import x509

    return x509.load_der_x509_certificate(certificate.dump()).subject.rfc4514_string()


def test_прежний_сертификат_печати_из_списка_отозванных_в_архив_принимается(
    sealed, org_seal, tmp_path, monkeypatch
):
    """After the yearly certificate change, copies sealed last year still check out."""
    retired = tmp_path / "retired.pem"
    retired.write_bytes(_pem(org_seal))
    monkeypatch.setenv("KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("SEAL_RETIRED_CERTS_PATH", str(retired))
    reset_settings_cache()
    try:
        assert seal.organisation_seal().fingerprint != org_seal.fingerprint
        assert seal.validate_sealed(sealed, tsa_roots=[]).valid
        monkeypatch.delenv("SEAL_RETIRED_CERTS_PATH")
        reset_settings_cache()
        assert seal.validate_sealed(sealed, tsa_roots=[]).problem == "not_our_seal"
    finally:
        reset_settings_cache()


def _pem(org_seal: seal.Seal) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", org_seal.certificate.dump())


# ---- B-T: the timestamp authority -------------------------------------------------------------


def test_печать_со_штампом_времени_b_t_проверяется_вместе_со_службой_времени(
    unsigned_copy, org_seal, tsa
):
    before = dt.datetime.now(dt.UTC)
    requests = tsa.requests
    sealed = _seal_copy(unsigned_copy, org_seal, tsa_url=tsa.url)
    after = dt.datetime.now(dt.UTC)
    assert tsa.requests > requests

    signature = PdfFileReader(BytesIO(sealed)).embedded_signatures[0]
    status = validate_pdf_signature(
        signature,
        ValidationContext(trust_roots=[org_seal.certificate], allow_fetching=False),
        ts_validation_context=ValidationContext(
            trust_roots=[tsa.root_certificate], allow_fetching=False
        ),
    )
    assert status.bottom_line
    assert status.timestamp_validity.intact
    assert status.timestamp_validity.trusted

    result = seal.validate_sealed(
        sealed, trusted=[org_seal.certificate], tsa_roots=[tsa.root_certificate]
    )
    assert result.valid, result
    assert result.timestamp_present
    assert result.timestamp_intact
    assert result.timestamp_trusted
    assert before - dt.timedelta(seconds=1) <= result.timestamp_at <= after
    assert "Тестовая служба штампов времени" in result.timestamp_authority


def test_печать_b_t_просит_у_службы_времени_один_штамп_а_не_два(
    unsigned_copy, org_seal, tsa, monkeypatch
):
    """pyHanko sizes a signature by building a dummy one first, and for B-T asks the TSA for a
    dummy token to do it: two requests per copy (a TSA may bill each). The room the first seal
    took is reused by the next ones."""
    monkeypatch.setattr(seal, "_CONTENTS_ROOM", {}, raising=False)  # as in a fresh process
    start = tsa.requests
    _seal_copy(unsigned_copy, org_seal, tsa_url=tsa.url)
    first = tsa.requests - start
    sealed = _seal_copy(unsigned_copy, org_seal, tsa_url=tsa.url)
    assert (first, tsa.requests - start - first) == (2, 1)
    result = seal.validate_sealed(
        sealed, trusted=[org_seal.certificate], tsa_roots=[tsa.root_certificate]
    )
    assert result.valid, result
    assert result.timestamp_trusted


def test_печать_не_влезшая_в_запомненное_место_ставится_заново_с_новой_оценкой(
    unsigned_copy, org_seal, monkeypatch
):
    room = (org_seal.fingerprint, False)
    monkeypatch.setitem(seal._CONTENTS_ROOM, room, 1000)  # a CMS with a 3072-bit RSA: ~5,000
    sealed = _seal_copy(unsigned_copy, org_seal)
    assert check(sealed, org_seal).valid
    start, end = contents_gap(sealed)
    assert seal._CONTENTS_ROOM[room] == end - start - 2 > 1000


def test_штамп_службы_времени_которой_мы_не_доверяем_не_подтверждает_время(
    unsigned_copy, org_seal, tsa
):
    sealed = _seal_copy(unsigned_copy, org_seal, tsa_url=tsa.url)
    result = seal.validate_sealed(sealed, trusted=[org_seal.certificate], tsa_roots=[])
    assert result.valid  # the seal itself holds…
    assert result.timestamp_intact
    assert not result.timestamp_trusted  # …but the time is unconfirmed


def test_подменённое_время_в_штампе_обнаруживается(unsigned_copy, org_seal, tsa):
    sealed = _seal_copy(unsigned_copy, org_seal, tsa_url=tsa.url)
    start, end = contents_gap(sealed)
    signature = PdfFileReader(BytesIO(sealed)).embedded_signatures[0]
    token = signature.signer_info["unsigned_attrs"][0]["values"][0]
    gen_time = token["content"]["encap_content_info"]["content"].parsed["gen_time"].contents
    hex_time = gen_time.hex().upper().encode()
    at = sealed.index(hex_time, start, end)
    forged = bytearray(sealed)
    forged[at + 7] = ord("0") if forged[at + 7] != ord("0") else ord("1")  # the year's digit
    result = seal.validate_sealed(
        bytes(forged), trusted=[org_seal.certificate], tsa_roots=[tsa.root_certificate]
    )
    assert result.intact  # the seal's own signature is untouched…
    assert result.problem == "timestamp_invalid"  # …its timestamp token no longer verifies


def test_недоступная_служба_времени_даёт_ошибку_а_не_копию_без_штампа(unsigned_copy, org_seal, tsa):
    tsa.failing = True
    try:
        with pytest.raises(seal.SealingError):
            _seal_copy(unsigned_copy, org_seal, tsa_url=tsa.url)
    finally:
        tsa.failing = False


def test_копии_заверяются_параллельно_и_каждая_несёт_свой_документ(org_seal, tsa):
    originals = [contract_pdf(f"ПМ-2026-{index:06d}") for index in range(1, 7)]
    start = threading.Barrier(len(originals))

    def seal_one(original: bytes) -> bytes:
        copy = seal.assemble_copy(original, certificate_pdf(original))
        start.wait()
        return _seal_copy(copy, org_seal, tsa_url=tsa.url)

    with concurrent.futures.ThreadPoolExecutor(len(originals)) as pool:
        sealed_copies = list(pool.map(seal_one, originals))
    for original, sealed_copy in zip(originals, sealed_copies, strict=True):
        result = seal.validate_sealed(
            sealed_copy, trusted=[org_seal.certificate], tsa_roots=[tsa.root_certificate]
        )
        assert result.valid, result
        assert result.timestamp_trusted
        attached = PdfReader(BytesIO(sealed_copy)).attachments["original.pdf"][0]
        assert attached == original


# ---- Checking without us ----------------------------------------------------------------------


def test_pdfsig_poppler_видит_печать_действительной_а_изменённую_копию_нет(
    sealed, org_seal, tmp_path
):
    good, bad = tmp_path / "sealed.pdf", tmp_path / "changed.pdf"
    good.write_bytes(sealed)
    bad.write_bytes(flipped(sealed, sealed.index(b"stream", sealed.index(b"/Contents")) + 40))
    report = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True, check=True)
    assert "Signature is Valid." in report.stdout
    assert "Total document signed" in report.stdout
    assert ORGANISATION in report.stdout
    changed = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True)
    assert "Signature is Valid." not in changed.stdout


def test_команда_pyhanko_из_readme_проверяет_копию_по_сертификату_организации(
    sealed, org_seal, tmp_path
):
    copy, certificate = tmp_path / "copy.pdf", tmp_path / "organisation.pem"
    copy.write_bytes(sealed)
    certificate.write_bytes(_pem(org_seal))
    command = [
        str(ROOT / ".venv" / "bin" / "pyhanko"),
        "sign",
        "validate",
        "--trust",
        str(certificate),
        "--trust-replace",
        "--no-revocation-check",
        "--pretty-print",
        str(copy),
    ]
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}
    report = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert report.returncode == 0, report.stderr
    assert "The signature is judged VALID." in report.stdout
    assert "The signature covers the entire file." in report.stdout

    copy.write_bytes(flipped(sealed, sealed.index(b"stream", sealed.index(b"/Contents")) + 40))
    tampered = subprocess.run(command, capture_output=True, text=True, env=environment)
    assert tampered.returncode != 0
    assert "judged VALID" not in tampered.stdout


# ---- The organisation's key from settings -----------------------------------------------------


def test_печать_разработки_создаётся_один_раз_и_одна_на_все_процессы(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("SEAL_PKCS12_PATH", raising=False)
    reset_settings_cache()
    try:
        settings = Settings()
        start = threading.Barrier(4)

        def load() -> str:
            start.wait()
            return seal.seal_from_settings(settings).fingerprint

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            prints = set(pool.map(lambda _: load(), range(4)))
        assert len(prints) == 1
        kept = tmp_path / "keys" / seal.DEV_SEAL_FILE
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        again = seal.seal_from_settings(Settings())
        assert again.fingerprint in prints
        assert again.self_made
        assert settings.COMPANY_NAME in again.subject
        assert "1207700000000" in again.subject  # ОГРН from COMPANY_OGRN
        assert sorted(path.name for path in kept.parent.iterdir()) == [seal.DEV_SEAL_FILE]
    finally:
        reset_settings_cache()


def test_печать_из_pkcs12_в_настройках(tmp_path):
    data, issued = TestCA().organisation_pkcs12(ORGANISATION, password="верный")
    path = tmp_path / "seal.p12"
    path.write_bytes(data)
    loaded = seal.seal_from_settings(
        Settings(SEAL_PKCS12_PATH=str(path), SEAL_PKCS12_PASSWORD="верный")
    )
    assert loaded.fingerprint == hashlib.sha256(issued.asn1.dump()).hexdigest()
    assert not loaded.self_made
    with pytest.raises(seal.SealConfigError, match="пароль"):
        seal.seal_from_settings(Settings(SEAL_PKCS12_PATH=str(path), SEAL_PKCS12_PASSWORD="нет"))


def _prod(**overrides) -> Settings:
    return prod_settings(evidence=False, **overrides)


def test_прод_без_печати_и_ключей_паспорта_не_стартует_и_называет_все_переменные(tmp_path):
    with pytest.raises(InsecureSettingsError) as refused:
        _prod(KEYS_DIR=tmp_path).check_production_secrets()
    message = str(refused.value)
    for name in ("SEAL_PKCS12_PATH", "PASSPORT_ENCRYPTION_KEY", "PASSPORT_BLIND_INDEX_KEY"):
        assert name in message
    assert not (tmp_path / seal.DEV_SEAL_FILE).exists()  # nothing self-made in production


def test_прод_с_неверным_паролем_или_отсутствующим_файлом_печати_не_стартует(tmp_path):
    data, _ = TestCA().organisation_pkcs12(ORGANISATION, password="верный")
    path = tmp_path / "seal.p12"
    path.write_bytes(data)
    problems = seal.configuration_problems(
        _prod(SEAL_PKCS12_PATH=str(path), SEAL_PKCS12_PASSWORD="неверный")
    )
    assert len(problems) == 1
    assert "SEAL_PKCS12_PATH" in problems[0]
    assert "пароль" in problems[0]
    missing = seal.configuration_problems(_prod(SEAL_PKCS12_PATH=str(tmp_path / "нет.p12")))
    assert len(missing) == 1
    assert "не читается" in missing[0]
    assert (
        seal.configuration_problems(
            _prod(SEAL_PKCS12_PATH=str(path), SEAL_PKCS12_PASSWORD="верный")
        )
        == []
    )


def test_ключ_печати_разбирается_один_раз_а_не_при_каждой_подписи(
    unsigned_copy, org_seal, monkeypatch
):
    """pyHanko's stock signer re-parses the key (OpenSSL's RSA check, ~145 ms) twice per seal."""
    from pyhanko.sign.signers import pdf_cms

    parsed = []
    original_load = pdf_cms.serialization.load_der_private_key
    monkeypatch.setattr(
        pdf_cms.serialization,
        "load_der_private_key",
        lambda *args, **kwargs: parsed.append(1) or original_load(*args, **kwargs),
    )
    ca_seal = seal.load_seal_pkcs12(TestCA().organisation_pkcs12(ORGANISATION)[0])  # ECDSA
    for each in (org_seal, ca_seal):
        sealed = _seal_copy(unsigned_copy, each)
        assert seal.validate_sealed(sealed, trusted=[each.certificate], tsa_roots=[]).valid
    assert parsed == []
