"""Device photos: upload tickets, validation and normalisation, storage, records.

Every photo is re-encoded by us before it is accepted: the type is judged by the CONTENT (never
the file name or the declared type), the pixel count is checked from the header before a single
pixel is decoded (a 50 KB PNG can claim 60 megapixels and eat gigabytes), the EXIF orientation
is applied, and nothing of the original's metadata survives (phone photos carry GPS
coordinates of the client's home). The result is a JPEG with the long side ≤ 1200 px and a
~320 px thumbnail, stored under a private key.

The processing is CPU-bound and synchronous: surfaces run it in a worker thread (FastAPI sync
endpoints do; the Reflex UI uses a background task), never on the event loop.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging

from PIL import Image, UnidentifiedImageError
from sqlmodel import Session, select

from privet_manager_app.domain.clients.access import mark_changed
from privet_manager_app.domain.common.actors import Actor
from privet_manager_app.domain.common.errors import Conflict, NotFound, ValidationFailed
from privet_manager_app.domain.history import audit, journal
from privet_manager_app.domain.views import PhotoView
from privet_manager_app.domain.wizard.devices import device_for_change, photo_view, remove_objects
from privet_manager_app.infra import cpu_pool
from privet_manager_app.infra.db import transaction
from privet_manager_app.infra.images import HEIF_SUPPORTED, exif_orientation, upright
from privet_manager_app.infra.storage import (
    StorageError,
    UploadTicket,
    check_key,
    get_storage,
    new_key,
)
from privet_manager_app.schema.tables import ManagerClient, ManagerDevice, ManagerDevicePhoto
from privet_manager_app.settings import get_settings

logger = logging.getLogger(__name__)

LONG_SIDE = 1200
THUMB_SIDE = 320
JPEG_QUALITY = 85
THUMB_QUALITY = 80
MAX_PHOTOS_PER_DEVICE = 20
OUTPUT_CONTENT_TYPE = "image/jpeg"
SPENT_UPLOAD_CONTENT_TYPE = "application/x-spent-upload"
# Pillow's JPEG opener also returns "MPO" images (the JPEGs of many phone cameras, with extra
# preview frames), which are decoded like any JPEG.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP") + (("HEIF",) if HEIF_SUPPORTED else ())
UPLOAD_CONTENT_TYPES = {
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    **({"image/heic": ".heic", "image/heif": ".heif"} if HEIF_SUPPORTED else {}),
}
ACCEPTED_TEXT = "JPEG, PNG, WebP" + (" или HEIC" if HEIF_SUPPORTED else "")
NOT_A_PHOTO = f"Это не фото: принимаются {ACCEPTED_TEXT}"
_FORMAT_FILES = {
    "JPEG": (".jpg", "image/jpeg"),
    "MPO": (".jpg", "image/jpeg"),
    "PNG": (".png", "image/png"),
    "WEBP": (".webp", "image/webp"),
    "HEIF": (".heic", "image/heic"),
}


def max_photo_bytes() -> int:
    """The largest original accepted (the page reads one byte more and lets us refuse it)."""
    return get_settings().MAX_PHOTO_BYTES


class PhotoTooLarge(ValidationFailed):
    status = 413


@dataclasses.dataclass(frozen=True)
class NormalizedPhoto:
    data: bytes
    thumb: bytes
    width: int
    height: int
    thumb_width: int
    thumb_height: int
    sha256: str
    source_format: str
    content_type: str = OUTPUT_CONTENT_TYPE


class PhotoSaved(PhotoView):
    device_id: int
    client_version: int  # the client's version after the change: the next write sends it


def _refuse(code: str, message: str, filename: str | None = None) -> ValidationFailed:
    extra = {"filename": filename} if filename else None
    return ValidationFailed(code, message, fields={"photo": message}, extra=extra)


def _too_large(limit: int, filename: str | None = None) -> PhotoTooLarge:
    message = f"Фото больше {limit // (1024 * 1024)} МБ"
    extra = {"filename": filename} if filename else None
    return PhotoTooLarge("photo_too_large", message, fields={"photo": message}, extra=extra)


def _target_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    scale = long_side / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten(image: Image.Image) -> Image.Image:
    """Any mode → RGB or L; transparency lands on white (a JPEG has no alpha)."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode.startswith("I"):  # 16-bit greyscale PNG
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    ):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, quality: int) -> bytes:
    image.info = {}  # no EXIF, ICC, XMP or comments carried over from anywhere
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()


def _open_checked(data: bytes, filename: str | None) -> Image.Image:
    """Size, type by content and pixel count — from the header only, nothing decoded yet."""
    settings = get_settings()
    if len(data) > settings.MAX_PHOTO_BYTES:
        raise _too_large(settings.MAX_PHOTO_BYTES, filename)
    if not data:
        raise _refuse("photo_empty", "Файл пустой", filename)
    Image.MAX_IMAGE_PIXELS = settings.MAX_PHOTO_PIXELS
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError:
        raise _too_many_pixels(settings.MAX_PHOTO_PIXELS, filename) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise _refuse("photo_unsupported", NOT_A_PHOTO, filename) from None
    width, height = image.size
    if width * height > settings.MAX_PHOTO_PIXELS or width < 1 or height < 1:
        image.close()
        if width < 1 or height < 1:
            raise _refuse("photo_unsupported", NOT_A_PHOTO, filename)
        raise _too_many_pixels(settings.MAX_PHOTO_PIXELS, filename)
    return image


def normalize_photo(data: bytes, *, filename: str | None = None) -> NormalizedPhoto:
    """Bytes of an upload → a clean JPEG + thumbnail, or ValidationFailed saying why not."""
    settings = get_settings()
    image = _open_checked(data, filename)
    with image:
        width, height = image.size
        source_format = image.format or "?"
        target = _target_size(width, height, LONG_SIDE)
        try:
            if image.format in ("JPEG", "MPO"):
                # Decode at 1/2, 1/4 or 1/8 scale straight from the DCT: never less than target.
                image.draft("RGB", target)
            image.load()
            orientation = exif_orientation(image)
            picture = _flatten(image)
            if picture is image:
                picture = image.copy()  # `image` is closed when this block ends
            if picture.size != target:
                picture = picture.resize(target, Image.Resampling.BICUBIC, reducing_gap=3.0)
        except Image.DecompressionBombError:
            raise _too_many_pixels(settings.MAX_PHOTO_PIXELS, filename) from None
        except OSError as error:
            if "truncated" in str(error).lower():
                raise _refuse(
                    "photo_truncated",
                    "Файл фото обрезан (загрузка прервалась) — загрузите его ещё раз",
                    filename,
                ) from None
            raise _refuse("photo_broken", "Файл фото повреждён", filename) from None
        except (ValueError, SyntaxError, EOFError, IndexError, TypeError):
            raise _refuse("photo_broken", "Файл фото повреждён", filename) from None
    picture = upright(picture, orientation)
    # The thumbnail comes from the already reduced picture: a second pass over 1200 px, not 12 MP.
    thumb = picture.resize(
        _target_size(picture.width, picture.height, THUMB_SIDE),
        Image.Resampling.BICUBIC,
        reducing_gap=2.0,
    )
    photo_bytes = _encode(picture, JPEG_QUALITY)
    return NormalizedPhoto(
        data=photo_bytes,
        thumb=_encode(thumb, THUMB_QUALITY),
        width=picture.width,
        height=picture.height,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        sha256=hashlib.sha256(photo_bytes).hexdigest(),
        source_format=source_format,
    )


def _too_many_pixels(limit: int, filename: str | None) -> ValidationFailed:
    return _refuse(
        "photo_too_many_pixels",
        f"Слишком большое изображение: больше {limit // 1_000_000} мегапикселей",
        filename,
    )


def _check_device(actor: Actor, client_id: int, device_id: int, version: int | None) -> None:
    """Access and limits before any heavy work (short read transaction, nothing written)."""
    with transaction() as session:
        _, device = device_for_change(session, actor, client_id, device_id, version)
        _check_photo_count(session, device)


def _check_photo_count(session: Session, device: ManagerDevice) -> None:
    count = len(
        session.exec(
            select(ManagerDevicePhoto.id).where(ManagerDevicePhoto.device_id == device.id)
        ).all()
    )
    if count >= MAX_PHOTOS_PER_DEVICE:
        raise Conflict(
            "too_many_photos", f"У устройства не может быть больше {MAX_PHOTOS_PER_DEVICE} фото"
        )


def upload_prefix(client_id: int, device_id: int) -> str:
    return f"uploads/{client_id}/{device_id}/"


def photo_upload_ticket(
    actor: Actor, client_id: int, device_id: int, filename: str, content_type: str
) -> UploadTicket:
    """Where the browser PUTs the original: presigned S3 PUT or our signed local endpoint.

    The object lands under `uploads/…` (private) and becomes a photo only through
    `attach_photo`, which checks and re-encodes it.
    """
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type not in UPLOAD_CONTENT_TYPES:
        raise _refuse("photo_unsupported", f"Принимаются фото {ACCEPTED_TEXT}", filename or None)
    if len(filename or "") > 255:
        message = "Имя файла не длиннее 255 символов"
        raise ValidationFailed("invalid_filename", message, fields={"filename": message})
    _check_device(actor, client_id, device_id, None)
    key = new_key(upload_prefix(client_id, device_id), UPLOAD_CONTENT_TYPES[content_type])
    return get_storage().upload_ticket(key, content_type)


def attach_photo(
    actor: Actor, client_id: int, device_id: int, file_key: str, *, version: int | None = None
) -> PhotoSaved:
    """Turn an uploaded object (`file_key` from the ticket) into a device photo."""
    try:
        check_key(file_key or "")
    except StorageError:
        file_key = ""
    if not file_key.startswith(upload_prefix(client_id, device_id)):
        message = "Некорректный file_key: загрузите фото по ссылке из upload-url"
        raise ValidationFailed("invalid_file_key", message, fields={"file_key": message})
    _check_device(actor, client_id, device_id, version)
    storage = get_storage()
    limit = get_settings().MAX_PHOTO_BYTES
    size = storage.size(file_key)
    if size is None:
        raise NotFound("upload_not_found", "Файл не найден: загрузите фото ещё раз")
    if size == 0:  # an empty file, or the marker an attached (or refused) upload left
        raise _refuse("photo_empty", "Файл пустой (или это фото уже принято): загрузите заново")
    try:
        if size > limit:
            raise _too_large(limit)
        data = storage.get(file_key)
        normalized = cpu_pool.run(normalize_photo, data)  # decoding: in a worker process
    except (ValidationFailed, StorageError):
        _spend_upload(file_key)  # a refused original is not kept
        raise
    saved = _store_and_record(actor, client_id, device_id, normalized, version)
    _spend_upload(file_key)
    return saved


def _spend_upload(file_key: str) -> None:
    """The original goes (it may carry GPS); an empty marker stays at its key until the link
    expires, so the upload link — a presigned PUT with If-None-Match, or our own signed one —
    cannot write there again. Markers under `uploads/` older than the link (15 min) are
    garbage for the bucket's lifecycle rule (README, «Ограничения»)."""
    try:
        get_storage().put(file_key, b"", SPENT_UPLOAD_CONTENT_TYPE)
    except Exception:  # storage hiccups must not undo a committed photo
        logger.warning("could not replace upload %s with its marker", file_key, exc_info=True)
        remove_objects([file_key])


def attach_photo_bytes(
    actor: Actor,
    client_id: int,
    device_id: int,
    data: bytes,
    filename: str | None = None,
    *,
    version: int | None = None,
) -> PhotoSaved:
    """The same pipeline for bytes received directly (the Reflex upload handler)."""
    limit = get_settings().MAX_PHOTO_BYTES
    if len(data) > limit:
        raise _too_large(limit, filename)
    _check_device(actor, client_id, device_id, version)
    normalized = cpu_pool.run(normalize_photo, data, filename=filename)
    return _store_and_record(actor, client_id, device_id, normalized, version)


def park_upload(
    actor: Actor,
    client_id: int,
    device_id: int,
    data: bytes,
    filename: str | None = None,
) -> str:
    """The quick half of a direct upload (the Reflex handler): header checks, then the original
    is kept under `uploads/…`; `attach_photo(file_key)` does the heavy half in a background
    task. → file_key."""
    _check_device(actor, client_id, device_id, None)
    with _open_checked(data, filename) as image:
        extension, content_type = _FORMAT_FILES.get(image.format or "", (".bin", "image/jpeg"))
    key = new_key(upload_prefix(client_id, device_id), extension)
    get_storage().put(key, data, content_type)
    return key


def _store_and_record(
    actor: Actor,
    client_id: int,
    device_id: int,
    photo: NormalizedPhoto,
    version: int | None,
) -> PhotoSaved:
    """Objects first, then one transaction; if the transaction fails the objects go away."""
    storage = get_storage()
    photo_key = new_key(f"photos/{client_id}/{device_id}", ".jpg")
    thumb_key = photo_key.removesuffix(".jpg") + "_thumb.jpg"
    written: list[str] = []
    try:
        storage.put(photo_key, photo.data, photo.content_type)
        written.append(photo_key)
        storage.put(thumb_key, photo.thumb, photo.content_type)
        written.append(thumb_key)
        with transaction() as session:
            client, device = device_for_change(session, actor, client_id, device_id, version)
            same = session.exec(
                select(ManagerDevicePhoto).where(
                    ManagerDevicePhoto.device_id == device.id,
                    ManagerDevicePhoto.sha256 == photo.sha256,
                )
            ).first()
            if same is not None:
                # The same picture twice (a double tap, a retried request): one record.
                remove_objects(written)
                return _saved(same, client)
            _check_photo_count(session, device)
            record = ManagerDevicePhoto(
                device_id=device.id,
                file_key=photo_key,
                thumb_key=thumb_key,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size_bytes=len(photo.data),
                sha256=photo.sha256,
                uploaded_by=actor.id,
            )
            session.add(record)
            session.flush()
            mark_changed(session, client, supersede_contract=True)
            audit.record(
                session,
                actor,
                "photo_added",
                "device_photo",
                record.id,
                client_id=client.id,
                changes={
                    "device_id": {"before": None, "after": device.id},
                    "sha256": {"before": None, "after": photo.sha256},
                    "source_format": {"before": None, "after": photo.source_format},
                },
            )
            journal.log_event(
                session,
                client.id,
                actor,
                f"Шаг «Устройства»: добавлено фото ({device.brand} {device.model})",
            )
            session.flush()
            return _saved(record, client)
    except BaseException:
        remove_objects(written)
        raise


def _saved(record: ManagerDevicePhoto, client: ManagerClient) -> PhotoSaved:
    return PhotoSaved(
        **photo_view(record).model_dump(), device_id=record.device_id, client_version=client.version
    )


def delete_photo(
    actor: Actor,
    client_id: int,
    device_id: int,
    photo_id: int,
    *,
    version: int | None = None,
) -> int:
    """Remove a photo (refused once signed). → the client's new version."""
    with transaction() as session:
        client, device = device_for_change(session, actor, client_id, device_id, version)
        record = session.get(ManagerDevicePhoto, photo_id)
        if record is None or record.device_id != device.id:
            raise NotFound("photo_not_found", "Фото не найдено")
        keys = [record.file_key, record.thumb_key]
        audit.record(
            session,
            actor,
            "photo_deleted",
            "device_photo",
            record.id,
            client_id=client.id,
            changes={"sha256": {"before": record.sha256, "after": None}},
        )
        session.delete(record)
        mark_changed(session, client, supersede_contract=True)
        journal.log_event(
            session,
            client.id,
            actor,
            f"Шаг «Устройства»: удалено фото ({device.brand} {device.model})",
        )
        session.flush()
        new_version = client.version
    remove_objects(keys)
    return new_version
