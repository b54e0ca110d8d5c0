"""A real S3 endpoint for tests: moto's ThreadedMotoServer on 127.0.0.1 (real HTTP, so
presigned URLs are exercised as a browser would use them)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from tests.support.ports import free_port

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-0123456789"  # moto accepts any credentials
REGION = "us-east-1"


def s3_settings(
    endpoint: str, *, connect_timeout: float, read_timeout: float, max_attempts: int
) -> dict[str, str]:
    """The settings of an S3 storage at `endpoint` with a fresh bucket and short timeouts."""
    return {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT": endpoint,
        "S3_PUBLIC_ENDPOINT": "",
        "S3_ACCESS_KEY": ACCESS_KEY,
        "S3_SECRET_KEY": SECRET_KEY,
        "S3_REGION": REGION,
        "S3_BUCKET": f"privet-{uuid.uuid4().hex[:12]}",
        "S3_CONNECT_TIMEOUT": str(connect_timeout),
        "S3_READ_TIMEOUT": str(read_timeout),
        "S3_MAX_ATTEMPTS": str(max_attempts),
    }


@contextlib.contextmanager
def moto_s3_server() -> Iterator[str]:
    """Start moto's S3 on a free local port; yields the endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def list_keys(storage, prefix: str = "") -> list[str]:
    """Every key with content in the storage's bucket under a prefix (the empty markers used
    upload links leave at their keys are not content: photos._spend_upload)."""
    response = storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=prefix)
    return sorted(item["Key"] for item in response.get("Contents", []) if item["Size"] > 0)
