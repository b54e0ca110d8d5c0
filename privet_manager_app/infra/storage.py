"""Object storage for photos and PDFs: a local directory (default) or S3/MinIO, one interface.

Nothing here is public: browsers get short-lived signed URLs. For the local backend those point
at our own endpoints (`/api/storage/...`, see api/routers/storage.py), signed with
STORAGE_URL_SECRET; for S3 they are presigned by boto3.

A storage that is down never hangs a request: S3 calls have connect/read timeouts and a bounded
number of attempts, local file I/O a deadline, and «down» (a timeout, a refused connection, a 5xx)
is raised as `ServiceUnavailable.storage()` — 503 `storage_unavailable`, not a 500. Signing a URL
needs no I/O and keeps working during an outage.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeVar
from urllib.parse import quote

import jwt

from privet_manager_app.domain.common.clock import utcnow
from privet_manager_app.domain.common.errors import ServiceUnavailable
from privet_manager_app.settings import Settings, get_settings

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

UPLOAD_TTL_SECONDS = 15 * 60
DOWNLOAD_TTL_SECONDS = 10 * 60
_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9/_.\-]{0,240}$")
_SIGNING_ALGORITHM = "HS256"
_TOKEN_AUDIENCE = {"upload": "privet-storage-upload", "download": "privet-storage-download"}
# An upload link writes once: only while nothing is at its key.
SINGLE_USE = {"If-None-Match": "*"}


class StorageError(Exception):
    """A key that does not exist, or a backend failure."""


@dataclasses.dataclass(frozen=True)
class UploadTicket:
    upload_url: str
    method: str
    headers: dict[str, str]
    file_key: str
    expires_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class StoredObject:
    key: str
    modified_at: dt.datetime  # aware UTC


class Storage(Protocol):
    def objects(self) -> Iterator[StoredObject]: ...
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def size(self, key: str) -> int | None: ...
    def delete(self, key: str) -> None: ...
    def upload_ticket(self, key: str, content_type: str) -> UploadTicket: ...
    def download_url(self, key: str, *, filename: str | None = None) -> str: ...


def new_key(prefix: str, extension: str = "") -> str:
    """A random, unguessable key under a prefix: 'photos/12/8f2c….jpg'."""
    key = f"{prefix.strip('/')}/{uuid.uuid4().hex}{extension}"
    check_key(key)
    return key


def check_key(key: str) -> str:
    if not _KEY_PATTERN.match(key) or ".." in key:
        raise StorageError(f"invalid storage key: {key!r}")
    return key


# Threads that wait on the local directory. A hung mount (NFS, a dead disk) blocks a system call
# for good: the request gives up after STORAGE_IO_TIMEOUT, the thread stays stuck, and the pool's
# bound keeps such threads from piling up without limit.
_LOCAL_IO = concurrent.futures.ThreadPoolExecutor(max_workers=8, thread_name_prefix="storage-io")


class LocalStorage:
    def __init__(self, settings: Settings) -> None:
        self.root = Path(settings.STORAGE_DIR).resolve()
        self.secret = settings.STORAGE_URL_SECRET
        self.base_url = ""  # relative URLs: same origin as the app
        self.timeout = settings.STORAGE_IO_TIMEOUT

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if self.root not in path.parents:
            raise StorageError("key escapes the storage root")
        return path

    def _io(self, operation: Callable[..., _T], *args) -> _T:
        future = _LOCAL_IO.submit(operation, *args)
        try:
            return future.result(timeout=self.timeout)
        except concurrent.futures.TimeoutError:
            logger.warning(
                "local storage: %s did not finish in %s s", operation.__name__, self.timeout
            )
            raise ServiceUnavailable.storage() from None
        except (FileNotFoundError, StorageError):
            raise
        except OSError as error:  # a full disk, a read-only or vanished mount, EIO
            logger.warning("local storage: %s failed: %s", operation.__name__, error)
            raise ServiceUnavailable.storage() from error

    def objects(self) -> Iterator[StoredObject]:
        """Every object under the root, half-written `.part` files included (the sweep's view)."""
        found = self._io(self._walk, self.root)
        yield from found

    @staticmethod
    def _walk(root: Path) -> list[StoredObject]:
        if not root.exists():
            return []
        return [
            StoredObject(
                key=path.relative_to(root).as_posix(),
                modified_at=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC),
            )
            for path in root.rglob("*")
            if path.is_file()
        ]

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._io(self._write, self._path(key), data)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)  # readers never see a half-written file

    def put_new(self, key: str, data: bytes, content_type: str) -> bool:
        """put(), only if nothing is at the key yet (S3's If-None-Match: *). → written?"""
        return self._io(self._write_new, self._path(key), data)

    @staticmethod
    def _write_new(path: Path, data: bytes) -> bool:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
        temporary.write_bytes(data)
        try:
            os.link(temporary, path)  # atomic, and fails if the key exists: one writer wins
        except FileExistsError:
            return False
        finally:
            temporary.unlink()
        return True

    def get(self, key: str) -> bytes:
        try:
            return self._io(Path.read_bytes, self._path(key))
        except FileNotFoundError:
            raise StorageError(f"no object {key}") from None

    def size(self, key: str) -> int | None:
        return self._io(self._size, self._path(key))

    @staticmethod
    def _size(path: Path) -> int | None:
        return path.stat().st_size if path.exists() else None

    def delete(self, key: str) -> None:
        self._io(Path.unlink, self._path(key), True)

    def sign(self, purpose: str, key: str, ttl: int, **claims) -> tuple[str, dt.datetime]:
        expires_at = utcnow() + dt.timedelta(seconds=ttl)
        payload = {"key": key, "aud": _TOKEN_AUDIENCE[purpose], "exp": expires_at, **claims}
        return jwt.encode(payload, self.secret, algorithm=_SIGNING_ALGORITHM), expires_at

    def verify(self, purpose: str, token: str) -> dict:
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[_SIGNING_ALGORITHM],
                audience=_TOKEN_AUDIENCE[purpose],
            )
        except jwt.PyJWTError:
            raise StorageError("invalid or expired link") from None
        check_key(claims["key"])
        return claims

    def upload_ticket(self, key: str, content_type: str) -> UploadTicket:
        token, expires_at = self.sign("upload", key, UPLOAD_TTL_SECONDS, ct=content_type)
        return UploadTicket(
            upload_url=f"{self.base_url}/api/storage/upload/{token}",
            method="PUT",
            headers={"Content-Type": content_type, **SINGLE_USE},
            file_key=key,
            expires_at=expires_at,
        )

    def download_url(self, key: str, *, filename: str | None = None) -> str:
        claims = {"fn": filename} if filename else {}
        token, _ = self.sign("download", key, DOWNLOAD_TTL_SECONDS, **claims)
        return f"{self.base_url}/api/storage/file/{quote(token)}"


@contextlib.contextmanager
def _s3_outage_as_unavailable() -> Iterator[None]:
    """botocore's «the storage is down» → ServiceUnavailable; «no such key» and the like stay."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as S3ConnectionError

    try:
        yield
    except (S3ConnectionError, HTTPClientError) as error:  # refused, timed out, cut off
        logger.warning("object storage unreachable: %s", error)
        raise ServiceUnavailable.storage() from error
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
            logger.warning("object storage failing: %s", error)
            raise ServiceUnavailable.storage() from error
        raise


class S3Storage:
    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        # botocore's defaults (60 s to connect, 60 s per read, several attempts) let one hung
        # S3 hold a request — and whatever it holds — for minutes.
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=settings.S3_CONNECT_TIMEOUT,
            read_timeout=settings.S3_READ_TIMEOUT,
            retries={"mode": "standard", "total_max_attempts": settings.S3_MAX_ATTEMPTS},
        )
        self.bucket_checked = False
        common = {
            "aws_access_key_id": settings.S3_ACCESS_KEY,
            "aws_secret_access_key": settings.S3_SECRET_KEY,
            "region_name": settings.S3_REGION,
            "config": config,
        }
        self.bucket = settings.S3_BUCKET
        # {"ServerSideEncryption": "AES256"} for put_object and presigned PUTs, or nothing.
        self.encryption = {"ServerSideEncryption": settings.S3_SSE} if settings.S3_SSE else {}
        self.client = boto3.client("s3", endpoint_url=settings.S3_ENDPOINT or None, **common)
        # Browsers may reach MinIO by another name than the app does (compose: minio:9000 vs
        # localhost:9000): URLs for browsers are signed for the public endpoint.
        public = settings.S3_PUBLIC_ENDPOINT or settings.S3_ENDPOINT or None
        self.public_client = (
            self.client
            if public == (settings.S3_ENDPOINT or None)
            else boto3.client("s3", endpoint_url=public, **common)
        )

    def ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        with _s3_outage_as_unavailable():
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError as error:
                if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                    raise
                self.client.create_bucket(Bucket=self.bucket)
        self.bucket_checked = True

    def objects(self) -> Iterator[StoredObject]:
        """Every object in the bucket, page by page (the sweep's view)."""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        with _s3_outage_as_unavailable():
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(key=item["Key"], modified_at=item["LastModified"])

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if not self.bucket_checked:  # S3 was down when the app first needed it
            self.ensure_bucket()
        with _s3_outage_as_unavailable():
            self.client.put_object(
                Bucket=self.bucket,
                Key=check_key(key),
                Body=data,
                ContentType=content_type,
                **self.encryption,
            )

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            with _s3_outage_as_unavailable():
                response = self.client.get_object(Bucket=self.bucket, Key=check_key(key))
                return response["Body"].read()
        except ClientError:
            raise StorageError(f"no object {key}") from None

    def size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            with _s3_outage_as_unavailable():
                return self.client.head_object(Bucket=self.bucket, Key=check_key(key))[
                    "ContentLength"
                ]
        except ClientError:
            return None

    def delete(self, key: str) -> None:
        with _s3_outage_as_unavailable():
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def upload_ticket(self, key: str, content_type: str) -> UploadTicket:
        # If-None-Match is signed into the URL: the PUT succeeds only while nothing is at the
        # key, and after the photo is attached an empty marker stays there (domain/photos.py).
        url = self.public_client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": check_key(key),
                "ContentType": content_type,
                "IfNoneMatch": SINGLE_USE["If-None-Match"],
                **self.encryption,
            },
            ExpiresIn=UPLOAD_TTL_SECONDS,
        )
        # The encryption header is signed into the URL: the browser must send it as well.
        sse = (
            {"x-amz-server-side-encryption": self.encryption["ServerSideEncryption"]}
            if self.encryption
            else {}
        )
        return UploadTicket(
            upload_url=url,
            method="PUT",
            headers={"Content-Type": content_type, **SINGLE_USE, **sse},
            file_key=key,
            expires_at=utcnow() + dt.timedelta(seconds=UPLOAD_TTL_SECONDS),
        )

    def download_url(self, key: str, *, filename: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": check_key(key)}
        if filename:
            params["ResponseContentDisposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
        return self.public_client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=DOWNLOAD_TTL_SECONDS
        )


_STORAGES: dict[tuple, Storage] = {}


def get_storage() -> Storage:
    """The configured backend, built once per configuration (tests switch directories)."""
    settings = get_settings()
    marker = (
        settings.STORAGE_BACKEND,
        str(settings.STORAGE_DIR),
        settings.S3_ENDPOINT,
        settings.S3_BUCKET,
        settings.S3_SSE,
    )
    if marker not in _STORAGES:
        if settings.STORAGE_BACKEND == "s3":
            storage = S3Storage(settings)
            try:
                storage.ensure_bucket()
            except ServiceUnavailable:
                # Links can still be signed; the bucket is checked again before the first write.
                logger.warning("object storage down at start: bucket check deferred")
        else:
            storage = LocalStorage(settings)
        _STORAGES[marker] = storage
    return _STORAGES[marker]
