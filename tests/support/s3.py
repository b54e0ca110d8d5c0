"""A real S3 endpoint for tests: moto's ThreadedMotoServer on 127.0.0.1 (real HTTP, so
presigned URLs are exercised as a browser would use them)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tests.support.ports import free_port

ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key-0123456789"  # moto accepts any credentials
REGION = "us-east-1"


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
