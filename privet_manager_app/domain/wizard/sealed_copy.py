"""The sealed signed copy: what we hand out after a signing, checkable without us.

One PDF: the signed original's pages, unchanged (and the original file itself attached, byte
for byte), the signature certificate the signing stored (the ПЭП trace), then an evidence page
— the messages we posted to the client's chat about this contract (codes hidden), the head of
the audit hash chain at that moment, the seal certificate — and the whole sealed by the
organisation (infra/seal.py: PAdES B-B, B-T when TSA_URL is set). The original stays as it is:
its SHA-256 is what the code message and the ПЭП HMAC name.

When. `after_signing` — the one hook signing calls, after its commit — makes the first edition.
Whenever a copy is asked for (the card, the final screen, REST, the link in the client's chat)
while the chat holds a message about the contract that the newest copy does not list yet (the
invoice, a reminder, the payment, a reopening), a new edition is made; earlier editions stay
valid and verifiable, and each printed its own audit head.

How, with nothing under a lock and nothing orphaned. A short transaction claims the edition: a
`building` row carrying a lease token and the storage key the builder will write. Outside any
transaction the copy is assembled, sealed (CPU and the TSA over HTTP), checked and stored. A
second short transaction marks the row `ready` — only while the lease is still its builder's. A
failed build deletes its object, then its row; if even the delete fails, the row stays and names
the key. A builder that died leaves a row whose lease goes stale: the next request takes it over
and deletes the dead builder's key first. Concurrent requests for one edition: one builds, the
others get the newest ready edition, or 503 `signed_copy_pending` with Retry-After.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import uuid
from io import BytesIO

import jwt
import sqlalchemy as sa
from pypdf import PdfReader
from sqlmodel import select

from privet_manager_app.domain.clients.access import is_holder
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.clock import MOSCOW, utcnow
from privet_manager_app.domain.common.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ServiceUnavailable,
)
from privet_manager_app.domain.common.rows import find_client
from privet_manager_app.domain.history import audit, chain, journal
from privet_manager_app.domain.history.audit_chain import ChainLink
from privet_manager_app.domain.views import View
from privet_manager_app.domain.wizard import certificate
from privet_manager_app.domain.wizard.contract import PDF_CONTENT_TYPE, signed_contract
from privet_manager_app.domain.wizard.contract_text import long_date, moscow_time, typograph
from privet_manager_app.infra import cpu_pool, pdf
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.pdf import Column, Document, Fields, Heading, Paragraph, QRCode, Table
from privet_manager_app.infra.seal import (
    Seal,
    SealCheck,
    SealingError,
    assemble_copy,
    organisation_seal,
    seal_pdf,
    validate_sealed,
)
from privet_manager_app.infra.storage import StorageError, get_storage, new_key
from privet_manager_app.schema.enums import ContractStatus
from privet_manager_app.schema.tables import ManagerClient, ManagerContract, ManagerSealedCopy
from privet_manager_app.settings import get_settings

log = logging.getLogger(__name__)

BUILDING, READY = "building", "ready"
LEASE_SECONDS = 120  # longer than a build can take: storage and TSA calls all have timeouts
PENDING_RETRY_SECONDS = 3
CLIENT_LINK_DAYS = 90
_LINK_AUDIENCE = "privet-signed-copy"
_BUILDER = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="sealed-copy")


class SignedCopyPending(ServiceUnavailable):
    """Another request is making this copy right now: ask again in a moment."""

    def __init__(self) -> None:
        super().__init__(
            "signed_copy_pending",
            "Заверенная копия договора готовится — повторите через несколько секунд",
            retry_after=PENDING_RETRY_SECONDS,
        )


def _cannot_build(reason: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        "signed_copy_unavailable",
        f"Заверенную копию сейчас не собрать: {reason}. Повторите через минуту",
    )


class SignedCopyView(View):
    url: str  # short-lived, like the contract PDF's
    filename: str
    number: str
    edition: int
    sealed_at: dt.datetime
    sha256: str
    timestamp_at: dt.datetime | None


# ---- Claiming an edition ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Claim:
    copy_id: int
    token: str
    key: str
    stale_key: str | None  # a dead builder's object, to delete before anything else
    edition: int
    contract_id: int
    client_id: int
    number: str
    pdf_key: str
    pdf_sha256: str
    certificate_key: str
    signed_at: dt.datetime
    contract_date: str
    city: str
    verify_url: str
    messages: tuple[journal.ChatMessage, ...]
    head: ChainLink


def _newest(session, contract_id: int, status: str | None = None) -> ManagerSealedCopy | None:
    query = select(ManagerSealedCopy).where(ManagerSealedCopy.contract_id == contract_id)
    if status:
        query = query.where(ManagerSealedCopy.status == status)
    return session.exec(query.order_by(ManagerSealedCopy.edition.desc()).limit(1)).first()


def _claim(contract_id: int) -> ManagerSealedCopy | _Claim:
    """The copy to hand out if it is up to date, or the claim to build the next edition."""
    now = utcnow()
    with transaction() as session:
        contract = session.get(ManagerContract, contract_id)
        if contract is None or contract.status != ContractStatus.SIGNED:
            raise NotFound("signed_copy_not_found", "Договор ещё не подписан")
        if not (contract.certificate_key and contract.pdf_key and contract.pdf_sha256):
            raise SignedCopyPending()  # the signing has not stored its certificate yet
        client = session.get(ManagerClient, contract.client_id)
        messages = tuple(journal.contract_messages(session, client.user_id, contract.number))
        newest_message = max((message.id for message in messages), default=0)
        ready = _newest(session, contract_id, READY)
        if ready is not None and (ready.messages_through or 0) >= newest_message:
            return ready
        latest = _newest(session, contract_id)
        token, key, stale_key = str(uuid.uuid4()), new_key(f"contracts/{client.id}", ".pdf"), None
        head = chain.current_head(session)
        # Who builds the edition now, and what it will seal (the same for a take-over).
        lease = {
            "lease_token": token,
            "lease_at": now,
            "storage_key": key,
            "audit_head_seq": head.seq,
            "audit_head_hash": head.row_hash,
            "messages_through": newest_message,
        }
        if latest is not None and latest.status == BUILDING:
            fresh = latest.lease_at and now - latest.lease_at < dt.timedelta(seconds=LEASE_SECONDS)
            if fresh:
                if ready is not None:
                    return ready  # the next edition is on its way; this one is still valid
                raise SignedCopyPending()
            taken = session.execute(
                sa.update(ManagerSealedCopy)
                .where(
                    ManagerSealedCopy.id == latest.id,
                    ManagerSealedCopy.lease_token == latest.lease_token,
                )
                .values(**lease)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                raise SignedCopyPending()
            log.warning("sealed copy %s: stale build taken over", latest.id)
            copy_id, edition, stale_key = latest.id, latest.edition, latest.storage_key
        else:
            row = ManagerSealedCopy(
                contract_id=contract_id,
                edition=(latest.edition if latest else 0) + 1,
                status=BUILDING,
                created_at=now,
                **lease,
            )
            session.add(row)
            try:
                session.flush()
            except sa.exc.IntegrityError:
                raise SignedCopyPending() from None  # a parallel request claimed this edition
            copy_id, edition = row.id, row.edition
        snapshot = contract.data_snapshot
        return _Claim(
            copy_id=copy_id,
            token=token,
            key=key,
            stale_key=stale_key,
            edition=edition,
            contract_id=contract.id,
            client_id=client.id,
            number=contract.number,
            pdf_key=contract.pdf_key,
            pdf_sha256=contract.pdf_sha256,
            certificate_key=contract.certificate_key,
            signed_at=contract.signed_at,
            contract_date=snapshot["contract_date"],
            city=snapshot["city"],
            verify_url=snapshot["verify_url"],
            messages=messages,
            head=head,
        )


# ---- Building ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Built:
    sha256: str
    size: int
    seal_fingerprint: str
    timestamp_at: dt.datetime | None


def _hex_groups(value: str) -> str:
    return " ".join(value[start : start + 16] for start in range(0, len(value), 16))


def ascii_number(number: str) -> str:
    """«ПМ-2026-000001» → «PM-2026-000001»: file names inside the PDF stay plain ASCII."""
    return number.replace("ПМ", "PM")


def _seal_owner(seal: Seal) -> str:
    """«ООО «Привет Супер», ОГРН …, ИНН …» from the certificate's subject (the Russian OIDs of
    OGRN and INN are not named by asn1crypto); the full subject when it has no organisation."""
    subject = seal.certificate.subject.native
    owner = subject.get("organization_name") or subject.get("common_name")
    if not owner:
        return seal.subject
    parts = [owner]
    for label, oid in (("ОГРН", "1.2.643.100.1"), ("ИНН", "1.2.643.100.4")):
        if subject.get(oid):
            parts.append(f"{label} {subject[oid]}")
    unit = subject.get("organizational_unit_name")
    return ", ".join(parts) + (f" ({unit})" if unit else "")


def evidence_document(
    claim: _Claim, seal: Seal, *, original_pages: int, tsa_url: str, now: dt.datetime
) -> Document:
    """The page after the signature certificate: what the copy is, what was sent to the client,
    where the audit chain stood, and how to check all of it without us."""
    number = claim.number
    contract_date = long_date(dt.date.fromisoformat(claim.contract_date))
    messages = tuple(
        (str(message.id), moscow_time(message.created_at), f"{message.kind_label}. {message.body}")
        for message in claim.messages
    ) or (("—", "—", "сообщений нет"),)
    timestamp = (
        f"штамп времени RFC 3161 от службы {tsa_url} (PAdES B-T)"
        if tsa_url
        else "без штампа времени (PAdES B-B): время печати — по часам Исполнителя"
    )
    blocks = [
        Paragraph(
            f"Настоящая копия состоит из Договора № {number} от {contract_date} (страницы 1–"
            f"{original_pages}, без изменений; файл Договора вложен в копию как "
            f"«{ascii_number(number)}.pdf»), листа подписания и этого листа. Копия заверена "
            "электронной печатью Исполнителя: любое изменение файла после заверения видно при "
            "проверке подписи в PDF-просмотрщике.",
            indent=8,
        ),
        Heading("Копия"),
        Fields(
            (
                ("Договор", f"№ {number} от {contract_date}"),
                ("Хеш-сумма файла договора (SHA-256)", _hex_groups(claim.pdf_sha256)),
                ("Договор подписан", moscow_time(claim.signed_at)),
                ("Редакция копии", f"{claim.edition} от {moscow_time(now)}"),
            ),
            label_width=0.36,
        ),
        Heading("Сообщения Заказчику в чате поддержки «Привет Супер»"),
        Table(
            (
                Column("№ сообщения", 0.14),
                Column("Время", 0.22),
                Column("Что отправлено", 0.64),
            ),
            messages,
            size=7.5,
        ),
        Paragraph(
            "Одноразовые коды скрыты (••••••): код знает только Заказчик. Номер сообщения — его "
            "идентификатор в канале поддержки приложения.",
            size=7.5,
            muted=True,
        ),
        Heading("Журнал аудита Исполнителя"),
        Fields(
            (
                ("Записей в журнале на момент заверения", str(claim.head.seq)),
                ("Хеш последней записи (голова цепочки)", _hex_groups(claim.head.row_hash)),
            ),
            label_width=0.36,
        ),
        Paragraph(
            "Каждая запись журнала аудита несёт хеш SHA-256 своего содержания и предыдущей "
            "записи. Изменение или удаление любой записи, сделанной до заверения этой копии, "
            "меняет хеш записи с указанным номером — это видно по данной копии.",
            size=7.5,
        ),
        Heading("Печать Исполнителя"),
        Fields(
            (
                ("Владелец сертификата печати", _seal_owner(seal)),
                ("Отпечаток сертификата (SHA-256)", _hex_groups(seal.fingerprint)),
                ("Время заверения", timestamp),
            ),
            label_width=0.36,
        ),
        QRCode(
            claim.verify_url,
            "Проверка: панель подписей PDF-просмотрщика («Подпись действительна», «Документ не "
            "изменялся»), команда pyhanko sign validate с сертификатом печати, или страница "
            f"{claim.verify_url} — загрузите файл копии.",
            size=22,
        ),
    ]
    return Document(
        title="ЗАВЕРЕНИЕ КОПИИ",
        subtitle=f"договора № {number}: сообщения Заказчику, журнал аудита, печать",
        place=claim.city,
        date=long_date(now.astimezone(MOSCOW).date()),
        header=f"{seal.certificate.subject.native.get('organization_name', '')} · "
        f"Заверенная копия договора № {number}",
        footer=f"Заверение копии договора № {number} · страница {{page}} из {{pages}}",
        blocks=tuple(
            dataclasses.replace(block, text=typograph(block.text))
            if isinstance(block, Paragraph)
            else block
            for block in blocks
        ),
        created_at=now,
        subject=f"Заверенная копия договора № {number}",
    )


def _build(claim: _Claim) -> _Built:
    """Assemble, seal, check and store the copy (no transaction is open here)."""
    settings = get_settings()
    storage = get_storage()
    if claim.stale_key:
        storage.delete(claim.stale_key)
    try:
        original = storage.get(claim.pdf_key)
        certificate = storage.get(claim.certificate_key)
    except StorageError as error:
        log.error("sealed copy of %s: stored document missing: %s", claim.number, error)
        raise _cannot_build("в хранилище нет файла договора или листа подписания") from error
    if hashlib.sha256(original).hexdigest() != claim.pdf_sha256:
        log.error("sealed copy of %s: the stored original does not hash as signed", claim.number)
        raise Conflict(
            "original_mismatch",
            "Файл договора в хранилище не совпадает с подписанным (SHA-256): заверенная копия "
            "не выдаётся — сообщите администратору",
        )
    seal = organisation_seal()
    page = evidence_document(
        claim,
        seal,
        original_pages=len(PdfReader(BytesIO(original)).pages),
        tsa_url=settings.TSA_URL,
        now=utcnow(),
    )
    try:
        sealed, check = cpu_pool.run(
            seal_copy_here, original, certificate, page, claim.number, claim.city
        )
    except SealingError as error:
        log.warning("sealed copy of %s: %s", claim.number, error)
        reason = "служба штампов времени не отвечает" if settings.TSA_URL else "ошибка печати"
        raise _cannot_build(reason) from error
    if not check.valid:  # never hand out a copy our own check refuses
        log.error("sealed copy of %s fails its own check: %s", claim.number, check.problem)
        raise _cannot_build("копия не прошла проверку печати")
    storage.put(claim.key, sealed, PDF_CONTENT_TYPE)
    return _Built(
        sha256=hashlib.sha256(sealed).hexdigest(),
        size=len(sealed),
        seal_fingerprint=seal.fingerprint,
        timestamp_at=check.timestamp_at,
    )


def seal_copy_here(
    original: bytes, certificate_pdf: bytes, page: Document, number: str, city: str
) -> tuple[bytes, SealCheck]:
    """The copy assembled, sealed and checked in this process — a CPU pool worker: rendering,
    pypdf, the signature and its validation hold the GIL for most of a build (the TSA call,
    when configured, is made from here too; it has its timeout)."""
    unsigned = assemble_copy(
        original,
        certificate_pdf,
        pdf.render_here(page),
        title=f"Заверенная копия договора № {number}",
        original_filename=f"{ascii_number(number)}.pdf",
    )
    sealed = seal_pdf(
        unsigned,
        reason=f"Заверенная копия договора № {number}",
        location=city,
        contact_info=get_settings().COMPANY_SUPPORT_PHONE,
        seal=organisation_seal(),
    )
    return sealed, validate_sealed(sealed)


def _release(claim: _Claim) -> None:
    """A failed build: its object goes, then its row. If the storage cannot delete now, the row
    stays behind and names the key: whoever takes the lease over deletes it."""
    try:
        get_storage().delete(claim.key)
    except (ServiceUnavailable, StorageError):
        log.warning("sealed copy %s: object %s left for the next builder", claim.copy_id, claim.key)
        return
    with contextlib.suppress(ServiceUnavailable), transaction() as session:
        session.execute(
            sa.delete(ManagerSealedCopy).where(
                ManagerSealedCopy.id == claim.copy_id,
                ManagerSealedCopy.lease_token == claim.token,
                ManagerSealedCopy.status == BUILDING,
            )
        )


def _finish(claim: _Claim, built: _Built, actor: Actor | None) -> ManagerSealedCopy:
    now = utcnow()
    with transaction() as session:
        done = session.execute(
            sa.update(ManagerSealedCopy)
            .where(
                ManagerSealedCopy.id == claim.copy_id,
                ManagerSealedCopy.lease_token == claim.token,
                ManagerSealedCopy.status == BUILDING,
            )
            .values(
                status=READY,
                sha256=built.sha256,
                size_bytes=built.size,
                sealed_at=now,
                seal_certificate_sha256=built.seal_fingerprint,
                timestamp_at=built.timestamp_at,
                lease_token=None,
                lease_at=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if done == 1:
            audit.record(
                session,
                actor,
                "sealed_copy_issued",
                "contract",
                claim.contract_id,
                client_id=claim.client_id,
                changes={
                    "edition": {"before": None, "after": claim.edition},
                    "sha256": {"before": None, "after": built.sha256},
                    "audit_head_seq": {"before": None, "after": claim.head.seq},
                },
            )
            return session.get(ManagerSealedCopy, claim.copy_id)
    # The lease went to another builder meanwhile (ours looked dead): its copy counts.
    with contextlib.suppress(ServiceUnavailable, StorageError):
        get_storage().delete(claim.key)
    raise SignedCopyPending()


def ensure_sealed_copy(contract_id: int, actor: Actor | None = None) -> ManagerSealedCopy:
    """The contract's newest sealed copy, made now if missing or behind the client's chat."""
    # The copy carries the signature certificate: made first if the signing could not store it.
    certificate.issue_certificate(contract_id)
    claimed = _claim(contract_id)
    if isinstance(claimed, ManagerSealedCopy):
        return claimed
    try:
        built = _build(claimed)
    except BaseException:
        _release(claimed)
        raise
    return _finish(claimed, built, actor)


# ---- Handing it out ---------------------------------------------------------------------------


def _view(copy: ManagerSealedCopy, number: str) -> SignedCopyView:
    filename = f"{number}-заверенная-копия.pdf"
    return SignedCopyView(
        url=get_storage().download_url(copy.storage_key, filename=filename),
        filename=filename,
        number=number,
        edition=copy.edition,
        sealed_at=copy.sealed_at,
        sha256=copy.sha256,
        timestamp_at=copy.timestamp_at,
    )


def signed_copy(actor: Actor, client_id: int) -> SignedCopyView:
    """The sealed copy of the client's signed contract, with a short-lived link to it.

    Like the contract PDF (it carries the full passport), only for the manager who holds the
    client and admins."""
    with transaction() as session:
        client = find_client(session, client_id)
        if not is_holder(actor, client):
            raise Forbidden(
                "documents_forbidden",
                "Договор клиента открывают только менеджер, который его ведёт, и администратор",
            )
        contract = signed_contract(session, client.id)
        if contract is None:
            raise NotFound("signed_copy_not_found", "Договор ещё не подписан")
        contract_id, number = contract.id, contract.number
    return _view(ensure_sealed_copy(contract_id, actor), number)


def after_signing(actor: Actor | None, client_id: int) -> None:
    """The hook signing calls once its transaction has committed: the first copy, started now
    in the background.

    Never fails the signing: a copy that cannot be made yet (the TSA or the storage down) is
    made on the first request for it. The answer waits SIGNED_COPY_WAIT_SECONDS for it at
    most (0 by default: a build is CPU the signing answer need not hold the manager for)."""
    try:
        with transaction() as session:
            contract = signed_contract(session, client_id)
            if contract is None:
                return
            contract_id = contract.id
        future = _BUILDER.submit(_build_logged, contract_id, actor)
    except Exception:  # the signing has committed: nothing here may turn it into an error
        log.exception("sealed copy of client %s not started", client_id)
        return
    wait = get_settings().SIGNED_COPY_WAIT_SECONDS
    if wait and not concurrent.futures.wait([future], timeout=wait).done:
        log.info("sealed copy of client %s: still building in the background", client_id)


def _build_logged(contract_id: int, actor: Actor | None) -> None:
    """A background build: nobody waits for its answer, so every outcome is logged here."""
    try:
        ensure_sealed_copy(contract_id, actor)
    except SignedCopyPending:
        pass  # another request is making it
    except DomainError as error:
        log.warning("sealed copy of contract %s not made yet: %s", contract_id, error.code)
    except Exception:
        log.exception("sealed copy of contract %s failed", contract_id)


# ---- The link in the client's chat ------------------------------------------------------------


def _link_key() -> bytes:
    secret = get_settings().CONTRACT_SIGNATURE_SECRET.encode()
    return hmac.new(secret, b"privet-signed-copy-link/v1", hashlib.sha256).digest()


def client_link(contract_id: int) -> str:
    """A link for the «Договор подписан» message: opens the newest sealed copy for
    CLIENT_LINK_DAYS. Stable whatever the copy becomes: the message itself is listed in it."""
    token = jwt.encode(
        {
            "cid": contract_id,
            "aud": _LINK_AUDIENCE,
            "exp": utcnow() + dt.timedelta(days=CLIENT_LINK_DAYS),
        },
        _link_key(),
        algorithm="HS256",
    )
    return f"{get_settings().public_base_url}/api/signed-copy/{token}"


def signed_copy_by_link(token: str) -> SignedCopyView:
    """The copy behind a chat link (anyone holding the link: the client)."""
    try:
        claims = jwt.decode(token, _link_key(), algorithms=["HS256"], audience=_LINK_AUDIENCE)
        contract_id = int(claims["cid"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        raise NotFound(
            "signed_copy_link_invalid",
            "Ссылка на заверенную копию недействительна или устарела — попросите менеджера "
            "прислать копию",
        ) from None
    with transaction() as session:
        contract = session.get(ManagerContract, contract_id)
        if contract is None or contract.status != ContractStatus.SIGNED:
            raise NotFound("signed_copy_not_found", "Договор не найден")
        number = contract.number
    return _view(ensure_sealed_copy(contract_id), number)
