"""Passport fields encrypted at rest (AES-256-GCM) and a keyed blind index for duplicates.

A stored value is a text token `v1:<kid>:<base64url(nonce ‖ ciphertext ‖ tag)>`:
- `kid` names the key that encrypted it, so a key ring of the current key plus previous ones
  decrypts everything while `rotate-passport-key` moves rows to the current key in batches;
- the nonce is 96 random bits per value. NIST SP 800-38D caps random nonces at 2³² values per
  key; passports are written a few million times in the life of a key, far below that;
- the associated data binds a value to its place, `v1|<kid>|<context>`, the context being
  table, column and row (field_context): a ciphertext copied into another row or column, or a
  token whose kid was edited, does not decrypt. Context uses the row's business key (user_id,
  contract number), known before the INSERT, not the database id.

The blind index is HMAC-SHA256 over the normalised series and number under a key of its own,
stored as `<kid>:<hex>`. It does not change when the encryption key rotates (that is the
frequent, routine rotation), so duplicate detection keeps working before, during and after
one. Its own key changes only on suspicion of compromise: the old index key stays in
PASSPORT_BLIND_INDEX_OLD_KEYS, lookups match any of `blind_index_candidates()`, and the rotation
command recomputes the stored index from the decrypted values.

Keys come from settings as `<kid>:<base64 of 32 bytes>`; dev and test make theirs once and keep
them under KEYS_DIR (production refuses to start without its own: configuration_problems).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from privet_manager_app.infra.keyfiles import create_once
from privet_manager_app.settings import Settings, get_settings

FORMAT_VERSION = "v1"
KEY_BYTES = 32  # AES-256; also the HMAC-SHA256 index key
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_PLAINTEXT_BYTES = 4096  # short text values only: names of issuers, numbers, dates
_KID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_TOKEN = re.compile(r"^v1:([A-Za-z0-9_-]{1,16}):([A-Za-z0-9_-]+)$")
_NOT_DIGITS = re.compile(r"\D")
DEV_KEYS_FILE = "dev-passport-keys.json"
DEV_KID_PREFIX = "dev"  # generated dev keys carry it; production refuses such a key
# 32 random bytes have ~30 distinct values; a typed pattern ("0000…", "abab…") has a few
MIN_DISTINCT_BYTES = 12


class CryptoError(Exception):
    """A value that cannot be decrypted: unknown key id, tampered, or not a token at all."""


class KeyConfigError(ValueError):
    """A key setting that is not `<kid>:<base64 of 32 bytes>`."""


@dataclasses.dataclass(frozen=True)
class Key:
    kid: str
    secret: bytes = dataclasses.field(repr=False)


def parse_key(text: str, *, setting: str = "key") -> Key:
    kid, separator, encoded = text.strip().partition(":")
    if not separator or not _KID.match(kid):
        raise KeyConfigError(f"{setting}: ожидается «<id ключа>:<base64 32 байт>»")
    try:
        secret = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=b"-_")
    except (binascii.Error, ValueError) as error:
        raise KeyConfigError(f"{setting}: ключ «{kid}» — не base64") from error
    if len(secret) != KEY_BYTES:
        raise KeyConfigError(f"{setting}: ключ «{kid}» должен быть {KEY_BYTES} байта")
    return Key(kid, secret)


def parse_keys(text: str, *, setting: str) -> list[Key]:
    return [parse_key(part, setting=setting) for part in text.split(",") if part.strip()]


def new_key_text(kid: str) -> str:
    """A fresh key in the settings' form, for an operator's .env."""
    if not _KID.match(kid):
        raise KeyConfigError("id ключа: латинские буквы, цифры, «-», «_», до 16 символов")
    return f"{kid}:{base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def field_context(table: str, column: str, row_key: object) -> str:
    """Where a value lives, e.g. 'users_passports.number#user_id=42'."""
    return f"{table}.{column}#{row_key}"


def normalise_passport(series: str, number: str) -> str:
    """Digits only: '45 12', '4512' and '４５１２' index alike (NFKC first)."""
    digits = [
        _NOT_DIGITS.sub("", unicodedata.normalize("NFKC", part or "")) for part in (series, number)
    ]
    return "|".join(digits)


class KeyRing:
    """The current key encrypts; every key in the ring decrypts. Thread-safe: immutable."""

    def __init__(
        self,
        current: Key,
        previous: Iterable[Key] = (),
        *,
        index_key: Key,
        previous_index_keys: Iterable[Key] = (),
    ) -> None:
        self.current = current
        self._keys: dict[str, AESGCM] = {}
        for key in (current, *previous):
            if key.kid in self._keys:
                raise KeyConfigError(f"id ключа «{key.kid}» встречается дважды")
            self._keys[key.kid] = AESGCM(key.secret)
        self.index_key = index_key
        self._index_keys = [index_key, *previous_index_keys]
        if len({key.kid for key in self._index_keys}) != len(self._index_keys):
            raise KeyConfigError("id ключей индекса паспорта повторяются")
        all_secrets = [key.secret for key in (current, *previous)]
        if any(key.secret in all_secrets for key in self._index_keys):
            # one key for two purposes would tie the index's life to the encryption key's
            raise KeyConfigError("ключ индекса паспорта должен отличаться от ключей шифрования")

    @property
    def kids(self) -> list[str]:
        return list(self._keys)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        data = plaintext.encode("utf-8")
        if len(data) > MAX_PLAINTEXT_BYTES:
            raise ValueError("value too long to encrypt as a field")
        nonce = secrets.token_bytes(NONCE_BYTES)
        kid = self.current.kid
        sealed = self._keys[kid].encrypt(nonce, data, _aad(kid, context))
        return f"{FORMAT_VERSION}:{kid}:{_b64(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        kid, blob = _split(token)
        cipher = self._keys.get(kid)
        if cipher is None:
            raise CryptoError(
                f"value encrypted under key '{kid}', which is not configured "
                "(PASSPORT_ENCRYPTION_KEY / PASSPORT_ENCRYPTION_OLD_KEYS)"
            )
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise CryptoError("encrypted value is truncated")
        try:
            data = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(kid, context))
        except InvalidTag as error:
            # wrong key material under a known kid, an edited byte, or a value moved elsewhere
            raise CryptoError("encrypted value failed authentication") from error
        return data.decode("utf-8")

    @staticmethod
    def key_id(token: str) -> str:
        return _split(token)[0]

    def needs_rotation(self, token: str) -> bool:
        return self.key_id(token) != self.current.kid

    def reencrypt(self, token: str, *, context: str) -> str:
        """The same value under the current key; a value already there is returned as is."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, context=context), context=context)

    def blind_index(self, series: str, number: str) -> str:
        """What is stored next to the encrypted passport, under the current index key."""
        return _index(self.index_key, series, number)

    def blind_index_candidates(self, series: str, number: str) -> list[str]:
        """What a duplicate search matches: the index under every configured index key."""
        return [_index(key, series, number) for key in self._index_keys]

    def index_needs_rotation(self, stored_index: str) -> bool:
        return not stored_index.startswith(f"{self.index_key.kid}:")


def _aad(kid: str, context: str) -> bytes:
    return f"{FORMAT_VERSION}|{kid}|{context}".encode()


def _split(token: str) -> tuple[str, bytes]:
    match = _TOKEN.match(token or "")
    if match is None:
        raise CryptoError("not an encrypted value (expected v1:<kid>:<data>)")
    try:
        return match.group(1), _unb64(match.group(2))
    except (binascii.Error, ValueError) as error:
        raise CryptoError("encrypted value is not valid base64") from error


def _index(key: Key, series: str, number: str) -> str:
    message = normalise_passport(series, number).encode()
    return f"{key.kid}:{hmac.new(key.secret, message, hashlib.sha256).hexdigest()}"


# ---- From settings ----------------------------------------------------------------------------


def _may_make_own_keys(settings: Settings) -> bool:
    # The standalone demo stack (prod mode over its own database) may, like dev; see README.
    return not settings.is_production or settings.CREATE_CLIENT_APP_TABLES


def _dev_keys(settings: Settings) -> dict[str, str]:
    def make() -> bytes:
        keys = {
            "encryption": new_key_text(f"{DEV_KID_PREFIX}1"),
            "blind_index": new_key_text(f"{DEV_KID_PREFIX}idx1"),
        }
        return json.dumps(keys).encode()

    return json.loads(create_once(settings.KEYS_DIR / DEV_KEYS_FILE, make))


def ring_from_settings(settings: Settings) -> KeyRing:
    encryption, index = settings.PASSPORT_ENCRYPTION_KEY, settings.PASSPORT_BLIND_INDEX_KEY
    if not (encryption and index) and _may_make_own_keys(settings):
        dev = _dev_keys(settings)
        encryption, index = encryption or dev["encryption"], index or dev["blind_index"]
    return KeyRing(
        parse_key(encryption, setting="PASSPORT_ENCRYPTION_KEY"),
        parse_keys(settings.PASSPORT_ENCRYPTION_OLD_KEYS, setting="PASSPORT_ENCRYPTION_OLD_KEYS"),
        index_key=parse_key(index, setting="PASSPORT_BLIND_INDEX_KEY"),
        previous_index_keys=parse_keys(
            settings.PASSPORT_BLIND_INDEX_OLD_KEYS, setting="PASSPORT_BLIND_INDEX_OLD_KEYS"
        ),
    )


@functools.cache
def _cached_ring(_shaping_settings: tuple) -> KeyRing:
    return ring_from_settings(get_settings())


def passport_keys() -> KeyRing:
    """The process's key ring; a change of the settings that shape it (tests) builds a new one."""
    settings = get_settings()
    return _cached_ring(
        (
            str(settings.KEYS_DIR),
            settings.PASSPORT_ENCRYPTION_KEY,
            settings.PASSPORT_ENCRYPTION_OLD_KEYS,
            settings.PASSPORT_BLIND_INDEX_KEY,
            settings.PASSPORT_BLIND_INDEX_OLD_KEYS,
            _may_make_own_keys(settings),
        )
    )


def configuration_problems(settings: Settings) -> list[str]:
    """What production lacks for passport encryption (empty list: all good)."""
    problems = []
    for name in ("PASSPORT_ENCRYPTION_KEY", "PASSPORT_BLIND_INDEX_KEY"):
        if not getattr(settings, name) and not _may_make_own_keys(settings):
            problems.append(
                f"{name}: в режиме APP_ENV=prod нужен собственный ключ "
                "(«<id>:<base64 32 байт>», см. README «Доказательная база»)"
            )
    if problems:
        return problems
    try:
        ring = ring_from_settings(settings)
    except KeyConfigError as error:
        return [str(error)]
    if settings.is_production and not settings.CREATE_CLIENT_APP_TABLES:
        for name, key in (
            ("PASSPORT_ENCRYPTION_KEY", ring.current),
            ("PASSPORT_BLIND_INDEX_KEY", ring.index_key),
        ):
            if key.kid.startswith(DEV_KID_PREFIX) or len(set(key.secret)) < MIN_DISTINCT_BYTES:
                problems.append(
                    f"{name}: ключ разработки или не случайный ключ в режиме APP_ENV=prod"
                )
    return problems
