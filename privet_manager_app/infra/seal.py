"""The organisation's electronic seal on the sealed signed copy, and checking one (pyHanko).

The sealed copy is what we hand out after a signing: the signed original's pages, unchanged,
then the signature certificate page(s) (assemble_copy), sealed with the organisation's
certificate as a PAdES baseline signature — B-B, or B-T with an RFC 3161 timestamp when TSA_URL
is set (seal_pdf). Any PDF reader's signature panel then shows who sealed it and whether it
changed since; the README gives the pyHanko command that checks it without us. The original
PDF is never modified: its SHA-256 is what the code message and the ПЭП HMAC name, and the
copy carries it as an attachment, byte for byte.

The seal is a certification signature that allows no changes (DocMDP P=1). validate_sealed is
stricter than a reader: besides the signature and the signer (trust anchored on our own seal
certificates, current and retired, never on a public CA list), it refuses a file with anything
after the sealed bytes and checks the one gap the signature cannot cover — the /Contents hex
of the signature itself — for its exact canonical form. pyHanko alone judges a copy with a
byte appended after %%EOF, or with the zero padding of /Contents edited, as intact: for a
document a court is asked to trust, "changed by one byte" has to mean refused.

Keys: SEAL_PKCS12_PATH + SEAL_PKCS12_PASSWORD (key, certificate and chain). Dev and test make
a self-signed organisation certificate from the COMPANY_* settings once and keep it under
KEYS_DIR; production refuses to start without its own (configuration_problems).

seal_pdf and validate_sealed are blocking (CPU, and the TSA over HTTP): call them from a worker
thread, never on the event loop, and never inside a database transaction or lock. pyHanko runs
its own event loop per call, so concurrent calls from several threads are independent; the Seal
object is immutable and shared.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from io import BytesIO
from pathlib import Path

from asn1crypto import keys, pem
from asn1crypto import parser as asn1_parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from pypdf import PdfReader, PdfWriter

from privet_manager_app.infra.keyfiles import create_once
from privet_manager_app.settings import Settings, get_settings

log = logging.getLogger(__name__)

SEAL_FIELD = "OrganisationSeal"
DEV_SEAL_FILE = "dev-seal.p12"
DEV_SEAL_VALIDITY = dt.timedelta(days=3650)
SEAL_RSA_BITS = 3072  # NIST SP 800-57: 128-bit security, valid beyond 2030
# Russian legal-entity identifiers as qualified certificates carry them (Приказ ФСБ № 795).
OID_OGRN = ObjectIdentifier("1.2.643.100.1")
OID_INN_LE = ObjectIdentifier("1.2.643.100.4")
# Either usage marks a key meant to sign documents; ETSI EN 319 412-3 asks for non-repudiation
# in seal certificates, many CA-issued document-signing certificates carry digital signature.
SEAL_KEY_USAGE = {"digital_signature", "non_repudiation"}


class SealConfigError(RuntimeError):
    """The seal's PKCS#12 is missing, unreadable, has no key, or its certificate is expired."""


class SealingError(RuntimeError):
    """The document could not be sealed (unreadable PDF, timestamp authority unreachable)."""


@dataclasses.dataclass(frozen=True)
class Seal:
    """The organisation's signing key and certificate, with the chain to embed."""

    signer: signers.SimpleSigner = dataclasses.field(repr=False)
    certificate: asn1_x509.Certificate = dataclasses.field(repr=False)
    self_made: bool  # the dev/test self-signed certificate

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    @property
    def subject(self) -> str:
        return self.certificate.subject.human_friendly


def fingerprint(certificate: asn1_x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, hex: what PDF readers show as its fingerprint."""
    return hashlib.sha256(certificate.dump()).hexdigest()


# ---- Key material -----------------------------------------------------------------------------


def make_self_signed_pkcs12(
    *,
    organisation: str,
    common_name: str | None = None,
    country: str = "RU",
    locality: str | None = None,
    ogrn: str | None = None,
    inn: str | None = None,
    note: str | None = None,
    valid_for: dt.timedelta = DEV_SEAL_VALIDITY,
    password: str = "",
) -> bytes:
    """A self-signed seal certificate and its RSA key as PKCS#12 (dev, tests, demo stack)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=SEAL_RSA_BITS)
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name or organisation),
    ]
    if locality:
        attributes.append(x509.NameAttribute(NameOID.LOCALITY_NAME, locality))
    if note:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, note))
    if ogrn:
        attributes.append(x509.NameAttribute(OID_OGRN, ogrn))
    if inn:
        attributes.append(x509.NameAttribute(OID_INN_LE, inn))
    name = x509.Name(attributes)
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            # id-kp-documentSigning (RFC 9336): what the key is for, in readers' terms
            x509.ExtendedKeyUsage(
                [ObjectIdentifier("1.3.6.1.5.5.7.3.36"), ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(password.encode())
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        organisation.encode(), key, certificate, None, encryption
    )


def load_seal_pkcs12(data: bytes, password: str = "", *, self_made: bool = False) -> Seal:
    try:
        key, certificate, extra = pkcs12.load_key_and_certificates(
            data, password.encode() if password else None
        )
    except ValueError as error:
        raise SealConfigError(
            "PKCS#12 печати не открывается: неверный пароль или повреждённый файл"
        ) from error
    if key is None or certificate is None:
        raise SealConfigError("в PKCS#12 печати нет закрытого ключа или сертификата")
    if certificate.not_valid_after_utc <= dt.datetime.now(dt.UTC):
        raise SealConfigError(
            f"сертификат печати истёк {certificate.not_valid_after_utc:%d.%m.%Y}: нужен новый"
        )
    registry = SimpleCertificateStore()
    registry.register_multiple([_to_asn1(cert) for cert in extra or ()])
    signer = _SealSigner(
        private_key=key,
        signing_key=keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        signing_cert=_to_asn1(certificate),
        cert_registry=registry,
    )
    return Seal(signer=signer, certificate=signer.signing_cert, self_made=self_made)


class _SealSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its DER key again for every signature, and parsing an RSA
    key runs OpenSSL's key check: ~145 ms for RSA-3072, twice per seal (size estimate + real
    signature). This one keeps the key parsed once; other mechanisms go the usual way."""

    def __init__(self, *, private_key: PrivateKeyTypes, **kwargs) -> None:
        super().__init__(**kwargs)
        self._private_key = private_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        digest = get_pyca_cryptography_hash(digest_algorithm)
        key = self._private_key
        if mechanism == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), digest)
        if mechanism == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(digest))
        return super().sign_raw(data, digest_algorithm)


def _to_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def read_pem_certificates(path: str | Path) -> list[asn1_x509.Certificate]:
    data = Path(path).read_bytes()
    if not pem.detect(data):
        return [asn1_x509.Certificate.load(data)]
    return [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(data, multiple=True)]


def _may_make_own_seal(settings: Settings) -> bool:
    # The standalone demo stack (prod mode over its own database) may, like dev; see README.
    return not settings.is_production or settings.CREATE_CLIENT_APP_TABLES


def _dev_seal_pkcs12(settings: Settings) -> bytes:
    return create_once(
        settings.KEYS_DIR / DEV_SEAL_FILE,
        lambda: make_self_signed_pkcs12(
            organisation=settings.COMPANY_NAME,
            locality=_city(settings.COMPANY_ADDRESS),
            ogrn=settings.COMPANY_OGRN,
            inn=settings.COMPANY_INN,
            note="Тестовая печать (не для продакшена)",
        ),
    )


def _city(address: str) -> str | None:
    for part in address.split(","):
        part = part.strip()
        if part.startswith("г. "):
            return part[3:]
    return None


def seal_from_settings(settings: Settings) -> Seal:
    if settings.SEAL_PKCS12_PATH:
        path = Path(settings.SEAL_PKCS12_PATH)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise SealConfigError(f"SEAL_PKCS12_PATH: не читается файл {path}") from error
        return load_seal_pkcs12(data, settings.SEAL_PKCS12_PASSWORD)
    if not _may_make_own_seal(settings):
        raise SealConfigError("SEAL_PKCS12_PATH: в режиме APP_ENV=prod нужна печать организации")
    return load_seal_pkcs12(_dev_seal_pkcs12(settings), self_made=True)


@functools.cache
def _cached_seal(_shaping_settings: tuple) -> Seal:
    return seal_from_settings(get_settings())


def organisation_seal() -> Seal:
    """The process's seal; a change of the settings that shape it (tests) loads it anew."""
    settings = get_settings()
    return _cached_seal(
        (
            settings.SEAL_PKCS12_PATH,
            settings.SEAL_PKCS12_PASSWORD,
            str(settings.KEYS_DIR),
            _may_make_own_seal(settings),
        )
    )


def our_certificates(settings: Settings | None = None) -> list[asn1_x509.Certificate]:
    """Certificates whose seal is ours: the current one and the retired ones still accepted."""
    settings = settings or get_settings()
    certificates = [organisation_seal().certificate]
    if settings.SEAL_RETIRED_CERTS_PATH:
        certificates += read_pem_certificates(settings.SEAL_RETIRED_CERTS_PATH)
    return certificates


def timestamp_trust_roots(settings: Settings | None = None) -> list[asn1_x509.Certificate]:
    settings = settings or get_settings()
    if not settings.TSA_TRUST_ROOTS_PATH:
        return []
    return read_pem_certificates(settings.TSA_TRUST_ROOTS_PATH)


def configuration_problems(settings: Settings) -> list[str]:
    """What production lacks for the seal (empty list: all good)."""
    problems = []
    if not settings.SEAL_PKCS12_PATH and not _may_make_own_seal(settings):
        problems.append(
            "SEAL_PKCS12_PATH: в режиме APP_ENV=prod нужна печать организации — файл PKCS#12 "
            "с ключом и сертификатом (пароль — SEAL_PKCS12_PASSWORD)"
        )
    else:
        try:
            seal_from_settings(settings)
        except SealConfigError as error:
            problems.append(f"SEAL_PKCS12_PATH: {error}")
    for name in ("SEAL_RETIRED_CERTS_PATH", "TSA_TRUST_ROOTS_PATH"):
        path = getattr(settings, name)
        if path:
            try:
                read_pem_certificates(path)
            except (OSError, ValueError) as error:
                problems.append(f"{name}: не читаются сертификаты из {path} ({error})")
    if settings.TSA_URL and not settings.TSA_URL.startswith(("http://", "https://")):
        problems.append("TSA_URL: нужен адрес http(s):// службы штампов времени")
    return problems


# ---- The sealed copy --------------------------------------------------------------------------


def assemble_copy(
    original_pdf: bytes,
    *appendices: bytes,
    title: str | None = None,
    original_filename: str = "original.pdf",
) -> bytes:
    """One unsigned PDF: the original's pages unchanged, then each appendix's pages (the
    signature certificate, the evidence page).

    The original file itself rides along as an attachment, so the copy carries the very bytes
    whose SHA-256 the certificate page and the client's chat name.
    """
    writer = PdfWriter()
    writer.append(PdfReader(BytesIO(original_pdf)))
    for appendix in appendices:
        writer.append(PdfReader(BytesIO(appendix)))
    writer.add_attachment(original_filename, original_pdf)
    if title:
        writer.add_metadata({"/Title": title})
    output = BytesIO()
    writer.write(output)
    return output.getvalue()


def attached_original(pdf_bytes: bytes) -> bytes | None:
    """The original carried inside a sealed copy (the first attached file), or None."""
    try:
        attachments = PdfReader(BytesIO(pdf_bytes)).attachments
    except Exception:  # an uploaded file: unreadable means "none"
        log.info("sealed copy: attachments unreadable", exc_info=True)
        return None
    for contents in attachments.values():
        if contents:
            return contents[0]
    return None


def seal_pdf(
    pdf_bytes: bytes,
    *,
    reason: str,
    location: str,
    contact_info: str | None = None,
    seal: Seal | None = None,
    tsa_url: str | None = None,
    tsa_timeout: float | None = None,
) -> bytes:
    """The document sealed by the organisation: PAdES B-B, or B-T when a TSA is configured.

    `seal` and `tsa_url` default to the settings' (pass tsa_url="" to seal without a timestamp).
    """
    settings = get_settings()
    seal = seal or organisation_seal()
    tsa_url = settings.TSA_URL if tsa_url is None else tsa_url
    timestamper = (
        HTTPTimeStamper(tsa_url, timeout=tsa_timeout or settings.TSA_TIMEOUT_SECONDS)
        if tsa_url
        else None
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        reason=reason,
        location=location,
        contact_info=contact_info,
        name=seal.certificate.subject.native.get("organization_name"),
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        signer_key_usage=SEAL_KEY_USAGE,
    )
    room = (seal.fingerprint, bool(tsa_url))
    reserved = _CONTENTS_ROOM.get(room)
    try:
        try:
            sealed = _sign(pdf_bytes, metadata, seal, timestamper, reserved)
        except SigningError as error:
            if reserved is None or "larger than expected" not in str(error):
                raise
            log.info("the seal outgrew its room of %d hex digits: estimated again", reserved)
            reserved = None
            sealed = _sign(pdf_bytes, metadata, seal, timestamper, None)
    except Exception as error:
        # pyHanko raises many types (PDF syntax, TSA transport, aiohttp); the caller needs one
        raise SealingError(f"печать не поставлена: {error}") from error
    if reserved is None:
        _CONTENTS_ROOM[room] = _contents_room(sealed)
    return sealed


# The room a seal's CMS gets in /Contents (hex digits), per seal certificate, with or without a
# timestamp. pyHanko estimates it, when not given one, by building a whole dummy signature —
# about half of a seal's CPU (12 of 26 ms) — and, with a TSA, by asking the TSA for a dummy
# token: a second TSA request per copy. The first seal of a process measures it (pyHanko
# reserves half as much again as the dummy takes); the next reuse it, and one that does not fit
# is made again with a fresh estimate. A dict read and write are atomic: threads at worst
# estimate twice.
_CONTENTS_ROOM: dict[tuple[str, bool], int] = {}
_BYTE_RANGE = re.compile(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]")


def _sign(
    pdf_bytes: bytes,
    metadata: signers.PdfSignatureMetadata,
    seal: Seal,
    timestamper: HTTPTimeStamper | None,
    reserved: int | None,
) -> bytes:
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=True)
    output = signers.sign_pdf(
        writer, metadata, signer=seal.signer, timestamper=timestamper, bytes_reserved=reserved
    )
    return output.getvalue()


def _contents_room(sealed: bytes) -> int:
    """The hex digits between the < and > of the newest signature's /Contents: the gap of its
    /ByteRange [0 a b c] less the two brackets."""
    _, first_end, second_start, _ = (int(n) for n in _BYTE_RANGE.findall(sealed)[-1])
    return second_start - first_end - 2


# ---- Checking a sealed copy -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SealCheck:
    """What validate_sealed found. `valid` is the one answer; the rest says why."""

    sealed: bool = False  # the file is a PDF with an organisation-style seal in it
    intact: bool = False  # the sealed bytes hash to what the seal signed, and it verifies
    whole_file: bool = False  # the seal covers the entire file: nothing changed or added after
    ours: bool = False  # the sealer is our organisation certificate (current or retired)
    certificate_valid: bool = False  # that certificate was valid (period, usage) for the seal
    signer_subject: str | None = None
    signer_fingerprint: str | None = None
    signer_reported_at: dt.datetime | None = None  # the sealer's own clock, not proof
    timestamp_present: bool = False
    timestamp_intact: bool = False  # the token verifies and covers this seal's signature
    timestamp_trusted: bool = False  # its authority chains to TSA_TRUST_ROOTS_PATH
    timestamp_at: dt.datetime | None = None
    timestamp_authority: str | None = None
    problem: str | None = None  # code of the first reason to refuse, None when valid

    @property
    def valid(self) -> bool:
        return self.problem is None


def validate_sealed(
    pdf_bytes: bytes,
    *,
    trusted: Sequence[asn1_x509.Certificate] | None = None,
    tsa_roots: Iterable[asn1_x509.Certificate] | None = None,
) -> SealCheck:
    """Is this our organisation's sealed copy, unchanged since sealing?

    `trusted` defaults to our seal certificates (current + retired), `tsa_roots` to
    TSA_TRUST_ROOTS_PATH. Untrusted input: every failure to parse is a refusal, never an error.
    """
    trusted = list(our_certificates() if trusted is None else trusted)
    tsa_roots = list(timestamp_trust_roots() if tsa_roots is None else tsa_roots)
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=True)
        signatures = reader.embedded_regular_signatures
    except Exception:  # any parse failure of an uploaded file means "not ours"
        log.info("sealed copy check: not a readable PDF", exc_info=True)
        return SealCheck(problem="not_pdf")
    if not signatures:
        return SealCheck(problem="no_seal")
    if len(signatures) > 1 or reader.embedded_timestamp_signatures:
        # we seal once; a second signature or document timestamp is a change after sealing
        return SealCheck(sealed=True, problem="modified")
    signature = signatures[0]
    try:
        return _check(signature, pdf_bytes, trusted, tsa_roots)
    except Exception:  # a malformed signature is a refusal, not a server error
        log.info("sealed copy check: malformed signature", exc_info=True)
        return SealCheck(sealed=True, problem="modified")


def _check(signature, pdf_bytes: bytes, trusted, tsa_roots) -> SealCheck:
    signer_certificate = signature.signer_cert
    signer_print = fingerprint(signer_certificate)
    ours = signer_print in {fingerprint(certificate) for certificate in trusted}
    status = validate_pdf_signature(
        signature,
        signer_validation_context=ValidationContext(
            trust_roots=trusted, allow_fetching=False, revocation_mode="soft-fail"
        ),
        ts_validation_context=ValidationContext(
            trust_roots=tsa_roots, allow_fetching=False, revocation_mode="soft-fail"
        ),
        key_usage_settings=KeyUsageConstraints(
            key_usage=SEAL_KEY_USAGE, match_all_key_usages=False
        ),
    )
    intact = bool(status.intact and status.valid)
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and _contents_canonical(
        signature, pdf_bytes
    )
    timestamp = status.timestamp_validity
    found = {
        "sealed": True,
        "intact": intact,
        "whole_file": whole_file,
        "ours": ours,
        "certificate_valid": bool(ours and status.trusted),
        "signer_subject": signer_certificate.subject.human_friendly,
        "signer_fingerprint": signer_print,
        "signer_reported_at": status.signer_reported_dt,
        "timestamp_present": timestamp is not None,
    }
    if timestamp is not None:
        found.update(
            timestamp_intact=bool(timestamp.intact and timestamp.valid),
            timestamp_trusted=bool(timestamp.intact and timestamp.valid and timestamp.trusted),
            timestamp_at=timestamp.timestamp,
            timestamp_authority=timestamp.signing_cert.subject.human_friendly,
        )
    problem = None
    if not intact:
        problem = "modified"
    elif not whole_file:
        problem = "modified_after_sealing"
    elif not ours:
        problem = "not_our_seal"
    elif not found["certificate_valid"]:
        problem = "seal_certificate_invalid"
    elif timestamp is not None and not found["timestamp_intact"]:
        problem = "timestamp_invalid"
    return SealCheck(**found, problem=problem)


def _contents_canonical(signature, pdf_bytes: bytes) -> bool:
    """The one stretch of the file the signature cannot cover — its own /Contents hex string —
    is exactly the upper-case hex of the CMS structure and zero padding, as pyHanko writes it."""
    _, covered_end, gap_end, _ = (int(value) for value in signature.byte_range)
    gap = pdf_bytes[covered_end:gap_end]
    contents = signature.pkcs7_content
    structure_length = asn1_parser.peek(contents)
    if contents[structure_length:].strip(b"\0"):
        return False
    return gap == b"<" + contents.hex().upper().encode() + b">"
