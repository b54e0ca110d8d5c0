"""Settings from the environment and `.env` (names of the original README kept)."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Development defaults. In production mode each of them is refused by name.
DEV_JWT_SECRET = "dev-only-manager-jwt-secret-not-for-production"
DEV_SIGNATURE_SECRET = "dev-only-contract-signature-secret-not-for-prod"
DEV_OTP_SECRET = "dev-only-otp-hmac-secret-not-for-production"
DEV_STORAGE_SECRET = "dev-only-storage-url-secret-not-for-production"
# Values seen in the original README and in MinIO's docs: never acceptable in production.
KNOWN_WEAK_SECRETS = {
    "",
    "change_me",
    "changeme",
    "change_me_backend_secret",
    "change_me_manager_secret",
    "change_me_signature",
    "minioadmin",
    "secret",
    DEV_JWT_SECRET,
    DEV_SIGNATURE_SECRET,
    DEV_OTP_SECRET,
    DEV_STORAGE_SECRET,
}
MIN_SECRET_LENGTH = 32  # HS256 wants a key of at least 256 bits (RFC 7518 §3.2)


class InsecureSettingsError(RuntimeError):
    """Production mode with a default, weak or empty secret, or without PostgreSQL."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            problems[0] if len(problems) == 1 else "".join(f"\n  {problem}" for problem in problems)
        )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

    APP_ENV: Literal["dev", "test", "prod"] = "dev"
    PORT: int = 8000
    # Where the contract's QR code and link lead, and our own browser origin; unset: this
    # machine on PORT.
    PUBLIC_BASE_URL: str = ""

    DATABASE_URL: str = f"sqlite:///{PROJECT_DIR / 'data' / 'privet_manager.db'}"
    DATABASE_POOL_SIZE: int = 10
    DATABASE_POOL_TIMEOUT: float = Field(default=5.0, gt=0, le=60)  # wait for a free connection
    DATABASE_CONNECT_TIMEOUT: int = Field(default=5, ge=2, le=60)  # libpq's minimum is 2 s

    MANAGER_JWT_SECRET: str = DEV_JWT_SECRET
    MANAGER_ACCESS_TOKEN_EXPIRE_MINUTES: int = Field(default=120, ge=1, le=24 * 60)
    BCRYPT_ROUNDS: int = Field(default=12, ge=4, le=16)
    # Login throttling (README «Вход: защита от подбора»). Per account and client IP: free
    # failures, then each next attempt waits, the wait doubling up to the maximum.
    LOGIN_FREE_ATTEMPTS: int = Field(default=5, ge=1, le=100)
    LOGIN_FIRST_DELAY_SECONDS: int = Field(default=60, ge=1, le=3600)
    LOGIN_MAX_DELAY_MINUTES: int = Field(default=15, ge=1, le=24 * 60)
    LOGIN_WINDOW_HOURS: int = Field(default=24, ge=1, le=24 * 30)  # counts forgotten after it
    # Per client IP over all accounts (an office behind one NAT shares it): free failures per
    # hour, then the same growing delays.
    LOGIN_IP_FREE_ATTEMPTS: int = Field(default=30, ge=1, le=10_000)
    # The account itself locks (until an admin unlocks it) only after this many failures from
    # anywhere within LOGIN_WINDOW_HOURS: a guesser behind many addresses, not a typo.
    LOGIN_ACCOUNT_LOCK_FAILURES: int = Field(default=100, ge=10, le=100_000)
    # Worker processes for bcrypt, photos and PDFs (infra/cpu_pool.py); 0: in the request's
    # own thread.
    CPU_POOL_WORKERS: int = Field(default=2, ge=0, le=16)
    # How long the signing answer waits for the first sealed copy. 0: it answers at once and
    # the copy is built in the background (any request for it before then gets 503
    # `signed_copy_pending`, or builds it).
    SIGNED_COPY_WAIT_SECONDS: float = Field(default=0, ge=0, le=30)

    STORAGE_BACKEND: Literal["local", "s3"] = "local"
    STORAGE_DIR: Path = PROJECT_DIR / "data" / "storage"
    STORAGE_URL_SECRET: str = DEV_STORAGE_SECRET
    S3_ENDPOINT: str = ""
    S3_PUBLIC_ENDPOINT: str = ""
    S3_ACCESS_KEY: str = ""
    S3_SECRET_KEY: str = ""
    S3_BUCKET: str = "privet-bucket"
    S3_REGION: str = "us-east-1"
    # A storage that is down must fail a request in seconds (503), not hold it for minutes.
    S3_CONNECT_TIMEOUT: float = Field(default=2.0, gt=0, le=30)
    S3_READ_TIMEOUT: float = Field(default=5.0, gt=0, le=60)
    S3_MAX_ATTEMPTS: int = Field(default=2, ge=1, le=5)  # the first try included
    STORAGE_IO_TIMEOUT: float = Field(default=5.0, gt=0, le=60)  # local directory
    # Server-side encryption asked of S3 for every object we write (and every presigned PUT):
    # "AES256" (SSE-S3). Off by default: MinIO without a KMS refuses such requests.
    S3_SSE: Literal["", "AES256"] = ""

    CONTRACT_SIGNATURE_SECRET: str = DEV_SIGNATURE_SECRET
    OTP_HMAC_SECRET: str = DEV_OTP_SECRET
    OTP_TTL_MINUTES: int = 10
    OTP_MAX_ATTEMPTS: int = 5
    OTP_RESEND_SECONDS: int = 60
    OTP_MAX_SENDS: int = 5
    # The client's wrong-code budget: across all its codes and contracts, then signing locks
    # until the window frees it or an admin unlocks (domain/wizard/otp_budget.py).
    OTP_CLIENT_MAX_WRONG: int = Field(default=10, ge=1, le=1000)
    OTP_CLIENT_WINDOW_HOURS: int = Field(default=24, ge=1, le=24 * 30)
    # One IP: this many wrong codes an hour freely, then each guess waits a doubling delay;
    # and a ceiling per OTP_CLIENT_WINDOW_HOURS.
    OTP_IP_FREE_WRONG: int = Field(default=5, ge=1, le=1000)
    OTP_IP_DELAY_SECONDS: int = Field(default=2, ge=1, le=3600)
    OTP_IP_MAX_DELAY_SECONDS: int = Field(default=900, ge=1, le=86400)
    OTP_IP_MAX_WRONG: int = Field(default=30, ge=1, le=100000)
    # A generation in flight longer than this crashed: its number is voided as interrupted.
    CONTRACT_GENERATION_STALE_SECONDS: int = Field(default=120, ge=10, le=3600)
    INVOICE_DUE_DAYS: int = 5
    INVOICE_REMINDER_SECONDS: int = 3600

    COMPANY_NAME: str = "ООО «Привет Супер»"
    COMPANY_INN: str = "7700000000"
    COMPANY_KPP: str = "770001001"
    COMPANY_OGRN: str = "1207700000000"
    COMPANY_ADDRESS: str = "123112, г. Москва, Пресненская наб., д. 12"
    COMPANY_BANK: str = "АО «Банк», БИК 044525000"
    COMPANY_ACCOUNT: str = "40702810000000000000"
    COMPANY_SIGNATORY: str = "Генеральный директор Иванов И. И."
    COMPANY_SUPPORT_PHONE: str = "+7 800 000-00-00"

    SEED_DEMO_DATA: bool = False
    # A standalone demo stack (docker-compose.full.yml) has no client app: create stand-in
    # `users`/`devices` tables when absent. Never set this against the real shared database.
    CREATE_CLIENT_APP_TABLES: bool = False
    DEMO_CLIENTS: int = 64
    MAX_PHOTO_BYTES: int = 20 * 1024 * 1024
    MAX_PHOTO_PIXELS: int = 50_000_000

    # Evidence (issue 12): the organisation's seal, the timestamp authority, passport keys.
    # Where dev/test keep the seal certificate and passport keys they make for themselves.
    KEYS_DIR: Path = PROJECT_DIR / "data" / "keys"
    SEAL_PKCS12_PATH: str = ""  # the organisation's key + certificate (+ chain), PKCS#12
    SEAL_PKCS12_PASSWORD: str = ""
    SEAL_RETIRED_CERTS_PATH: str = ""  # PEM: earlier seal certificates, still accepted
    TSA_URL: str = ""  # RFC 3161 timestamp authority; empty = seal without a timestamp (B-B)
    TSA_TIMEOUT_SECONDS: float = Field(default=10, gt=0, le=60)
    TSA_TRUST_ROOTS_PATH: str = ""  # PEM: the CA(s) a timestamp's signer must chain to
    PASSPORT_ENCRYPTION_KEY: str = ""  # <kid>:<base64 of 32 bytes>
    PASSPORT_ENCRYPTION_OLD_KEYS: str = ""  # comma-separated, same form: still decrypt
    PASSPORT_BLIND_INDEX_KEY: str = ""  # <kid>:<base64 of 32 bytes>, independent of the above
    PASSPORT_BLIND_INDEX_OLD_KEYS: str = ""

    # --- The HTTP edge (privet_manager_app/edge; README «Граница HTTP») ---
    # Our reverse proxies in front of the app: the client IP is the Nth X-Forwarded-For entry
    # from the right (0: no proxy, the socket peer is the client).
    TRUSTED_PROXY_HOPS: int = Field(default=0, ge=0, le=10)
    # Request bodies, refused with 413 while they stream.
    MAX_JSON_BYTES: int = Field(default=1024 * 1024, ge=1024)
    MAX_VERIFY_PDF_BYTES: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Origins besides PUBLIC_BASE_URL allowed to call us from a browser (comma-separated).
    CORS_EXTRA_ORIGINS: str = ""
    # Who may frame our pages (CSP frame-ancestors): 'none', 'self' or a list of origins.
    FRAME_ANCESTORS: str = "'none'"
    # A login lasts at most this long, refreshes included.
    SESSION_MAX_HOURS: int = Field(default=12, ge=1, le=24 * 30)
    # Swagger (/docs) and /openapi.json: on in dev and tests, off in prod unless set.
    DOCS_ENABLED: bool | None = None
    # Replaced by TRUSTED_PROXY_HOPS; still read only to refuse it loudly.
    TRUST_PROXY_HEADERS: str | None = None

    @field_validator("TRUST_PROXY_HEADERS")
    @classmethod
    def _replaced_proxy_switch(cls, value: str | None) -> None:
        if value is not None:
            raise ValueError(
                "TRUST_PROXY_HEADERS больше не поддерживается: укажите TRUSTED_PROXY_HOPS — "
                "число своих прокси перед приложением (обычно 1), 0 — без прокси"
            )
        return None

    @field_validator("CORS_EXTRA_ORIGINS")
    @classmethod
    def _explicit_origins(cls, value: str) -> str:
        for origin in value.split(","):
            origin = origin.strip()
            if origin and not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?", origin):
                raise ValueError(
                    f"CORS_EXTRA_ORIGINS: {origin!r} — нужен точный адрес вида "
                    "https://host[:порт], без путей и без «*»"
                )
        return value

    @field_validator("FRAME_ANCESTORS")
    @classmethod
    def _frame_sources(cls, value: str) -> str:
        for source in value.split():
            if source not in ("'none'", "'self'") and not re.fullmatch(
                r"https?://[A-Za-z0-9.\-*]+(:\d{1,5})?", source
            ):
                raise ValueError(
                    f"FRAME_ANCESTORS: {source!r} — допустимы 'none', 'self' или адреса "
                    "https://host[:порт] через пробел"
                )
        if "'none'" in value.split() and len(value.split()) > 1:
            raise ValueError("FRAME_ANCESTORS: 'none' не сочетается с другими источниками")
        return value.strip() or "'none'"

    @property
    def docs_enabled(self) -> bool:
        return self.DOCS_ENABLED if self.DOCS_ENABLED is not None else not self.is_production

    @property
    def public_base_url(self) -> str:
        return (self.PUBLIC_BASE_URL or f"http://localhost:{self.PORT}").rstrip("/")

    @property
    def is_production(self) -> bool:
        return self.APP_ENV == "prod"

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    def production_problems(self) -> list[str]:
        """Every missing or unsafe setting of production mode, each naming its variable — an
        operator fixes them all in one go instead of one per failed start."""
        if not self.is_production:
            return []
        problems = []
        if not self.DATABASE_URL.strip() or "DATABASE_URL" not in self.model_fields_set:
            problems.append(
                "DATABASE_URL: в режиме APP_ENV=prod укажите PostgreSQL "
                "(postgresql://…); встроенная SQLite — только для разработки"
            )
        elif self.is_sqlite:
            problems.append(
                "DATABASE_URL: SQLite в режиме APP_ENV=prod не допускается — нужен PostgreSQL "
                "(общая база с клиентским приложением, блокировки строк)"
            )
        required = {
            "MANAGER_JWT_SECRET": MIN_SECRET_LENGTH,
            "CONTRACT_SIGNATURE_SECRET": MIN_SECRET_LENGTH,
            "OTP_HMAC_SECRET": MIN_SECRET_LENGTH,
        }
        if self.STORAGE_BACKEND == "local":
            required["STORAGE_URL_SECRET"] = MIN_SECRET_LENGTH
        else:
            required["S3_SECRET_KEY"] = 8  # MinIO's own minimum
        for name, min_length in required.items():
            value = getattr(self, name)
            if value.strip().lower() in KNOWN_WEAK_SECRETS or len(value) < min_length:
                problems.append(
                    f"{name}: в режиме APP_ENV=prod нужен собственный секрет "
                    f"(не пустой, не значение по умолчанию, не короче {min_length} символов)"
                )
        if self.SEED_DEMO_DATA and not self.CREATE_CLIENT_APP_TABLES:
            problems.append(
                "SEED_DEMO_DATA: демо-менеджеры с известным паролем допустимы только в "
                "автономном демо-стенде (CREATE_CLIENT_APP_TABLES=true), не в общей базе"
            )
        if len({self.MANAGER_JWT_SECRET, self.CONTRACT_SIGNATURE_SECRET, self.OTP_HMAC_SECRET}) < 3:
            problems.append(
                "MANAGER_JWT_SECRET, CONTRACT_SIGNATURE_SECRET и OTP_HMAC_SECRET должны различаться"
            )
        problems.extend(self.evidence_problems())
        return problems

    def check_production_secrets(self) -> None:
        """Refuse to run in production with anything in `production_problems`."""
        problems = self.production_problems()
        if problems:
            raise InsecureSettingsError(problems)

    def evidence_problems(self) -> list[str]:
        """Production without its own seal certificate or passport keys: every problem, named.

        The rules live with the code that uses the values (infra/seal.py, infra/crypto.py);
        imported here, not at the top, because both modules read these settings.
        """
        if not self.is_production:
            return []
        from privet_manager_app.infra import crypto, seal

        return seal.configuration_problems(self) + crypto.configuration_problems(self)


@functools.cache
def get_settings() -> Settings:
    settings = Settings()
    settings.check_production_secrets()
    return settings


def reset_settings_cache() -> None:
    """Tests and the CLI change the environment and then re-read it."""
    get_settings.cache_clear()
