"""Production-mode settings for tests: the secrets, plus the seal and passport keys issue 12
requires (APP_ENV=prod refuses to start without them)."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from privet_manager_app.settings import Settings

STRONG = "x" * 20 + "-strong-secret-value-1"
SECRETS = {
    "MANAGER_JWT_SECRET": STRONG + "a",
    "CONTRACT_SIGNATURE_SECRET": STRONG + "b",
    "OTP_HMAC_SECRET": STRONG + "c",
    "STORAGE_URL_SECRET": STRONG + "d",
}
SEAL_PASSWORD = "seal-p12-password"


@functools.cache
def production_evidence() -> dict[str, str]:
    """A seal PKCS#12 on disk (made once per test process) and passport keys, as settings."""
    from privet_manager_app.infra import crypto, seal

    directory = Path(tempfile.mkdtemp(prefix="privet-prod-keys-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "seal.p12"
    path.write_bytes(
        seal.make_self_signed_pkcs12(organisation="ООО «Привет Супер»", password=SEAL_PASSWORD)
    )
    return {
        "SEAL_PKCS12_PATH": str(path),
        "SEAL_PKCS12_PASSWORD": SEAL_PASSWORD,
        "PASSPORT_ENCRYPTION_KEY": crypto.new_key_text("k2026"),
        "PASSPORT_BLIND_INDEX_KEY": crypto.new_key_text("idx2026"),
    }


def prod_settings(*, evidence: bool = True, **overrides) -> Settings:
    values = {"APP_ENV": "prod", **SECRETS, **(production_evidence() if evidence else {})}
    return Settings(**{**values, **overrides})
