"""Passport fields encrypted at rest: AES-256-GCM with a key id per value, key rotation, and the
keyed blind index that finds the same passport on another client without decrypting anything."""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import json
import re
import stat
import threading

import pytest

from privet_manager_app.infra import crypto
from privet_manager_app.infra.crypto import CryptoError, Key, KeyConfigError, KeyRing
from privet_manager_app.settings import InsecureSettingsError, Settings, reset_settings_cache
from tests.support.production import prod_settings

NUMBER_CONTEXT = crypto.field_context("users_passports", "number", "user_id=42")


def key(kid: str) -> Key:
    return crypto.parse_key(crypto.new_key_text(kid))


@pytest.fixture(scope="module")
def index_key() -> Key:
    return key("idx1")


@pytest.fixture(scope="module")
def k2025() -> Key:
    return key("k2025")


@pytest.fixture(scope="module")
def k2026() -> Key:
    return key("k2026")


@pytest.fixture
def ring(k2025, index_key) -> KeyRing:
    return KeyRing(k2025, index_key=index_key)


# ---- Encryption -------------------------------------------------------------------------------


def test_номер_паспорта_хранится_токеном_с_id_ключа_и_расшифровывается(ring):
    token = ring.encrypt("123456", context=NUMBER_CONTEXT)
    assert re.fullmatch(r"v1:k2025:[A-Za-z0-9_-]+", token)
    assert "123456" not in token
    assert ring.decrypt(token, context=NUMBER_CONTEXT) == "123456"


def test_длинное_кем_выдан_и_короткие_поля_помещаются_в_колонки_плана(ring):
    context = "users_passports.issued_by#user_id=42"
    issued_by = ("ГУ МВД России по г. Москве, отдел по району Пресненский " * 9)[:500]
    assert ring.decrypt(ring.encrypt(issued_by, context=context), context=context) == issued_by
    widest = "№" * 500  # 500 characters (the form's limit) of 3 bytes each in UTF-8
    assert len(ring.encrypt(widest, context=context)) <= 2100  # issued_by_enc: TEXT
    for short in ("4512", "123456", "2019-05-21", "770-001"):
        assert len(ring.encrypt(short, context=context)) <= 80  # the other *_enc: varchar(80)


def test_одинаковые_номера_шифруются_по_разному(ring):
    first = ring.encrypt("123456", context=NUMBER_CONTEXT)
    second = ring.encrypt("123456", context=NUMBER_CONTEXT)
    assert first != second  # a fresh nonce each time: equal values are not visible as equal


def test_чужой_ключ_с_тем_же_id_не_расшифровывает(ring, index_key):
    token = ring.encrypt("123456", context=NUMBER_CONTEXT)
    stranger = KeyRing(key("k2025"), index_key=index_key)
    with pytest.raises(CryptoError, match="authentication"):
        stranger.decrypt(token, context=NUMBER_CONTEXT)


def test_значение_под_неизвестным_ключом_называет_его_id(ring, k2026, index_key):
    token = KeyRing(k2026, index_key=index_key).encrypt("123456", context=NUMBER_CONTEXT)
    with pytest.raises(CryptoError, match="k2026"):
        ring.decrypt(token, context=NUMBER_CONTEXT)


def test_любой_изменённый_байт_шифртекста_отклоняется(ring):
    token = ring.encrypt("123456", context=NUMBER_CONTEXT)
    prefix, body = token.rsplit(":", 1)
    blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    for position in range(len(blob)):
        changed = bytearray(blob)
        changed[position] ^= 0x80
        forged = f"{prefix}:{base64.urlsafe_b64encode(bytes(changed)).decode().rstrip('=')}"
        with pytest.raises(CryptoError):
            ring.decrypt(forged, context=NUMBER_CONTEXT)
    with pytest.raises(CryptoError):
        ring.decrypt(f"{prefix}:{body[:20]}", context=NUMBER_CONTEXT)  # truncated
    for garbage in ("", "123456", "v2:k2025:AAAA", "v1:k2025:не-base64!"):
        with pytest.raises(CryptoError):
            ring.decrypt(garbage, context=NUMBER_CONTEXT)


def test_шифртекст_перенесённый_в_другую_строку_или_колонку_не_расшифровывается(ring):
    token = ring.encrypt("123456", context=NUMBER_CONTEXT)
    other_row = crypto.field_context("users_passports", "number", "user_id=43")
    other_column = crypto.field_context("users_passports", "series", "user_id=42")
    for context in (other_row, other_column):
        with pytest.raises(CryptoError):
            ring.decrypt(token, context=context)


def test_подмена_id_ключа_в_токене_не_проходит(k2025, k2026, index_key):
    both = KeyRing(k2026, [k2025], index_key=index_key)
    token = both.encrypt("123456", context=NUMBER_CONTEXT)
    relabelled = token.replace(":k2026:", ":k2025:")
    with pytest.raises(CryptoError):
        both.decrypt(relabelled, context=NUMBER_CONTEXT)


def test_общий_набор_ключей_безопасен_из_многих_потоков(ring):
    start = threading.Barrier(8)

    def roundtrip(worker: int) -> bool:
        start.wait()
        values = [f"{worker:02d}{index:04d}" for index in range(300)]
        tokens = [ring.encrypt(value, context=f"t.c#{value}") for value in values]
        return values == [
            ring.decrypt(t, context=f"t.c#{v}") for t, v in zip(tokens, values, strict=True)
        ]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert all(pool.map(roundtrip, range(8)))


# ---- Rotation ---------------------------------------------------------------------------------


def test_после_смены_ключа_старые_значения_читаются_и_перешифровываются_под_новым(
    k2025, k2026, index_key
):
    before = KeyRing(k2025, index_key=index_key)
    old_token = before.encrypt("123456", context=NUMBER_CONTEXT)

    rotated = KeyRing(k2026, [k2025], index_key=index_key)
    assert rotated.decrypt(old_token, context=NUMBER_CONTEXT) == "123456"
    assert rotated.needs_rotation(old_token)
    new_token = rotated.reencrypt(old_token, context=NUMBER_CONTEXT)
    assert KeyRing.key_id(new_token) == "k2026"
    assert not rotated.needs_rotation(new_token)
    assert rotated.reencrypt(new_token, context=NUMBER_CONTEXT) == new_token  # resumable: no-op

    retired = KeyRing(k2026, index_key=index_key)  # the old key removed after the rotation
    assert retired.decrypt(new_token, context=NUMBER_CONTEXT) == "123456"
    with pytest.raises(CryptoError, match="k2025"):
        retired.decrypt(old_token, context=NUMBER_CONTEXT)


def test_индекс_паспорта_не_меняется_при_смене_ключа_шифрования(k2025, k2026, index_key):
    before = KeyRing(k2025, index_key=index_key)
    after = KeyRing(k2026, [k2025], index_key=index_key)
    assert before.blind_index("4512", "123456") == after.blind_index("4512", "123456")


# ---- Blind index ------------------------------------------------------------------------------


def test_индекс_паспорта_стабилен_и_не_зависит_от_записи(ring, k2025, index_key):
    index = ring.blind_index("4512", "123456")
    assert re.fullmatch(r"idx1:[0-9a-f]{64}", index)
    assert KeyRing(k2025, index_key=index_key).blind_index("45 12", " 123 456") == index
    assert ring.blind_index("４５１２", "１２３４５６") == index  # full-width digits (NFKC)
    assert ring.blind_index("4512", "123457") != index
    assert ring.blind_index("4512", "12345") != ring.blind_index("451", "212345")  # separated
    assert "123456" not in index


def test_индекс_без_своего_ключа_не_вычислить(ring, k2025):
    other = KeyRing(k2025, index_key=key("idx1"))
    assert other.blind_index("4512", "123456") != ring.blind_index("4512", "123456")


def test_смена_ключа_индекса_ищет_дубликаты_под_обоими_ключами(k2025, index_key):
    new_index = key("idx2")
    ring = KeyRing(k2025, index_key=new_index, previous_index_keys=[index_key])
    old_stored = KeyRing(k2025, index_key=index_key).blind_index("4512", "123456")
    candidates = ring.blind_index_candidates("4512", "123456")
    assert candidates[0] == ring.blind_index("4512", "123456")
    assert old_stored in candidates
    assert ring.index_needs_rotation(old_stored)
    assert not ring.index_needs_rotation(candidates[0])


# ---- Key configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "id ключа"),
        (base64.b64encode(bytes(32)).decode(), "id ключа"),
        ("k1:" + base64.b64encode(bytes(16)).decode(), "32 байта"),
        ("k1:не base64", "base64"),
        ("ключ:" + base64.b64encode(bytes(32)).decode(), "id ключа"),
    ],
)
def test_неправильный_ключ_в_настройках_отклоняется_понятно(text, complaint):
    with pytest.raises(KeyConfigError, match=complaint):
        crypto.parse_key(text, setting="PASSPORT_ENCRYPTION_KEY")


def test_ключ_в_формате_base64url_тоже_принимается():
    secret = bytes(range(32))
    encoded = base64.urlsafe_b64encode(secret).decode().rstrip("=")
    assert crypto.parse_key(f"k1:{encoded}").secret == secret


def test_ключ_индекса_совпадающий_с_ключом_шифрования_и_повтор_id_отклоняются(k2025):
    with pytest.raises(KeyConfigError, match="отличаться"):
        KeyRing(k2025, index_key=Key("idx", k2025.secret))
    with pytest.raises(KeyConfigError, match="дважды"):
        KeyRing(k2025, [key("k2025")], index_key=key("idx"))


def test_ключи_разработки_создаются_один_раз_и_общие_для_всех_процессов(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYS_DIR", str(tmp_path))
    settings = Settings(KEYS_DIR=tmp_path)
    start = threading.Barrier(4)

    def make(_: int) -> str:
        start.wait()
        ring = crypto.ring_from_settings(settings)
        return ring.blind_index("4512", "123456") + hashlib.sha256(ring.current.secret).hexdigest()

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert len(set(pool.map(make, range(4)))) == 1
    kept = tmp_path / crypto.DEV_KEYS_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert set(json.loads(kept.read_text())) == {"encryption", "blind_index"}
    token = crypto.ring_from_settings(settings).encrypt("123456", context=NUMBER_CONTEXT)
    assert (
        crypto.ring_from_settings(Settings(KEYS_DIR=tmp_path)).decrypt(
            token, context=NUMBER_CONTEXT
        )
        == "123456"
    )  # a restart reads the same key


def test_набор_ключей_процесса_строится_из_настроек_и_обновляется_с_ними(tmp_path, monkeypatch):
    monkeypatch.setenv("KEYS_DIR", str(tmp_path))
    current, index = crypto.new_key_text("k9"), crypto.new_key_text("i9")
    monkeypatch.setenv("PASSPORT_ENCRYPTION_KEY", current)
    monkeypatch.setenv("PASSPORT_BLIND_INDEX_KEY", index)
    reset_settings_cache()
    try:
        ring = crypto.passport_keys()
        assert ring is crypto.passport_keys()
        assert ring.current.kid == "k9"
        monkeypatch.setenv("PASSPORT_ENCRYPTION_KEY", crypto.new_key_text("k10"))
        monkeypatch.setenv("PASSPORT_ENCRYPTION_OLD_KEYS", current)
        reset_settings_cache()
        assert crypto.passport_keys().kids == ["k10", "k9"]
    finally:
        reset_settings_cache()
    assert not (tmp_path / crypto.DEV_KEYS_FILE).exists()  # configured keys: nothing made


def _prod(**overrides) -> Settings:
    return prod_settings(evidence=False, **overrides)


def test_прод_отказывается_без_ключей_паспорта_и_называет_обе_переменные(tmp_path):
    problems = crypto.configuration_problems(_prod(KEYS_DIR=tmp_path))
    assert len(problems) == 2
    assert "PASSPORT_ENCRYPTION_KEY" in problems[0]
    assert "PASSPORT_BLIND_INDEX_KEY" in problems[1]
    assert not (tmp_path / crypto.DEV_KEYS_FILE).exists()


def test_прод_отказывается_от_ключа_разработки_и_от_не_случайного_ключа(tmp_path):
    zeros = "k1:" + base64.b64encode(bytes(32)).decode()
    weak = crypto.configuration_problems(
        _prod(PASSPORT_ENCRYPTION_KEY=zeros, PASSPORT_BLIND_INDEX_KEY=crypto.new_key_text("dev1"))
    )
    assert len(weak) == 2
    assert "PASSPORT_ENCRYPTION_KEY" in weak[0]
    assert "PASSPORT_BLIND_INDEX_KEY" in weak[1]
    malformed = crypto.configuration_problems(
        _prod(PASSPORT_ENCRYPTION_KEY="k1:abc", PASSPORT_BLIND_INDEX_KEY=crypto.new_key_text("i"))
    )
    assert malformed == ["PASSPORT_ENCRYPTION_KEY: ключ «k1» должен быть 32 байта"]
    good = _prod(
        PASSPORT_ENCRYPTION_KEY=crypto.new_key_text("k2026"),
        PASSPORT_BLIND_INDEX_KEY=crypto.new_key_text("idx2026"),
    )
    assert crypto.configuration_problems(good) == []


def test_прод_с_ключами_паспорта_но_без_печати_называет_только_печать(tmp_path):
    settings = _prod(
        KEYS_DIR=tmp_path,
        PASSPORT_ENCRYPTION_KEY=crypto.new_key_text("k2026"),
        PASSPORT_BLIND_INDEX_KEY=crypto.new_key_text("idx2026"),
    )
    with pytest.raises(InsecureSettingsError) as refused:
        settings.check_production_secrets()
    assert "SEAL_PKCS12_PATH" in str(refused.value)
    assert "PASSPORT" not in str(refused.value)
