"""Evidence benchmark: what the sealed copy, its check, passport encryption and the audit chain
cost, each side by side with the work it sits next to today.

    .venv/bin/python bench/evidence.py [--n 20]

Measured in rounds (a block of each, warm, the heap collected before every measurement):

  certificate  rendering the signature certificate PDF — what signing does today (baseline);
  seal B-B     the whole sealed copy: certificate render + assembly + the seal (pyHanko);
  seal B-T     the same with an RFC 3161 timestamp from the local test TSA (loopback HTTP);
  pyhanko      pyHanko's own validation of a sealed copy (baseline) …
  check        … against validate_sealed (the same plus the whole-file and /Contents checks);
  passport     encrypting + decrypting the five passport fields and the blind index, against
               the HMAC-SHA256 of the same text (the cost of today's signature HMAC);
  chain        hashing one audit row, and verifying a 100 000-row chain (→ 1M extrapolated).

Prints medians and ratios; results also go to bench/results/. No network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support.common import timed, write_json  # noqa: E402


def _timed(function, n: int) -> list[float]:
    return [timed(function, collect=True)[1] for _ in range(n)]


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="samples per measurement (default 20)")
    args = parser.parse_args()

    import datetime as dt
    import os
    import tempfile
    from io import BytesIO

    os.environ.setdefault("APP_ENV", "test")
    os.environ["KEYS_DIR"] = tempfile.mkdtemp(prefix="privet-bench-keys-")

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from privet_manager_app.domain.history import audit_chain
    from privet_manager_app.infra import crypto, seal
    from tests.support.sample_pdfs import certificate_pdf, contract_pdf
    from tests.support.tsa import TimestampAuthority

    organisation = seal.organisation_seal()
    original = contract_pdf()
    tsa = TimestampAuthority().start()
    results: dict[str, float] = {}
    try:
        rounds = 2
        samples: dict[str, list[float]] = {
            "certificate": [],
            "seal_bb": [],
            "seal_bt": [],
            "pyhanko": [],
            "check": [],
        }
        sealed = seal.seal_pdf(
            seal.assemble_copy(original, certificate_pdf(original)),
            reason="bench",
            location="г. Москва",
            tsa_url="",
        )
        signature_context = [organisation.certificate]

        def pyhanko_only() -> None:
            signature = PdfFileReader(BytesIO(sealed)).embedded_signatures[0]
            validate_pdf_signature(
                signature, ValidationContext(trust_roots=signature_context, allow_fetching=False)
            )

        for _ in range(rounds):
            samples["certificate"] += _timed(lambda: certificate_pdf(original), args.n // rounds)
            samples["seal_bb"] += _timed(
                lambda: seal.seal_pdf(
                    seal.assemble_copy(original, certificate_pdf(original)),
                    reason="bench",
                    location="г. Москва",
                    tsa_url="",
                ),
                args.n // rounds,
            )
            samples["seal_bt"] += _timed(
                lambda: seal.seal_pdf(
                    seal.assemble_copy(original, certificate_pdf(original)),
                    reason="bench",
                    location="г. Москва",
                    tsa_url=tsa.url,
                ),
                args.n // rounds,
            )
            samples["pyhanko"] += _timed(pyhanko_only, args.n // rounds)
            samples["check"] += _timed(
                lambda: seal.validate_sealed(sealed, trusted=signature_context, tsa_roots=[]),
                args.n // rounds,
            )
        for name, values in samples.items():
            results[f"{name}_median_ms"] = _median_ms(values)
    finally:
        tsa.stop()

    ring = crypto.passport_keys()
    fields = {
        "series": "4512",
        "number": "123456",
        "issue_date": "2019-05-21",
        "issued_by": "ГУ МВД России по г. Москве",
        "division_code": "770-001",
    }

    def passport_roundtrip() -> None:
        for _ in range(1000):
            tokens = {
                name: ring.encrypt(value, context=f"users_passports.{name}#user_id=42")
                for name, value in fields.items()
            }
            for name, token in tokens.items():
                ring.decrypt(token, context=f"users_passports.{name}#user_id=42")
            ring.blind_index(fields["series"], fields["number"])

    secret = b"k" * 32
    text = json.dumps(fields, ensure_ascii=False).encode()

    def hmac_only() -> None:
        for _ in range(1000):
            hmac.new(secret, text, hashlib.sha256).hexdigest()

    results["passport_roundtrip_us"] = round(_median_ms(_timed(passport_roundtrip, 9)), 2)
    results["hmac_us"] = round(_median_ms(_timed(hmac_only, 9)), 2)

    rows, head = [], None
    base = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    start = time.perf_counter()
    for index in range(100_000):
        row = {
            "created_at": base + dt.timedelta(seconds=index),
            "manager_id": 7,
            "action": "passport_saved",
            "entity_type": "passport",
            "entity_id": str(index),
            "client_id": index // 10,
            "changes": {"number": {"before": None, "after": "****56"}},
            "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (iPhone)",
        }
        seq, prev_hash, digest = audit_chain.next_link(head, row)
        rows.append({**row, "seq": seq, "prev_hash": prev_hash, "row_hash": digest})
        head = audit_chain.ChainLink(seq, digest)
    results["chain_append_us_per_row"] = round((time.perf_counter() - start) / 100_000 * 1e6, 2)
    start = time.perf_counter()
    assert audit_chain.verify_chain(rows, head=head) is None
    verify_seconds = time.perf_counter() - start
    results["chain_verify_100k_s"] = round(verify_seconds, 3)
    results["chain_verify_1m_s_extrapolated"] = round(verify_seconds * 10, 1)

    bb, certificate = results["seal_bb_median_ms"], results["certificate_median_ms"]
    print(f"certificate PDF (today):      {certificate:8.1f} ms")
    print(f"sealed copy B-B:              {bb:8.1f} ms  ({bb / certificate:.2f}× certificate)")
    print(f"sealed copy B-T (local TSA):  {results['seal_bt_median_ms']:8.1f} ms")
    check, plain = results["check_median_ms"], results["pyhanko_median_ms"]
    print(f"pyHanko validation:           {plain:8.1f} ms")
    print(f"validate_sealed:              {check:8.1f} ms  ({check / plain:.2f}× pyHanko alone)")
    roundtrip, mac = results["passport_roundtrip_us"], results["hmac_us"]
    print(
        f"passport 5 fields enc+dec+index: {roundtrip:6.1f} µs  ({roundtrip / mac:.1f}× one HMAC)"
    )
    print(f"audit chain: {results['chain_append_us_per_row']} µs/row to append (hash only), ")
    print(
        f"  verify 100k rows {results['chain_verify_100k_s']} s "
        f"(1M ≈ {results['chain_verify_1m_s_extrapolated']} s, CPU only)"
    )
    write_json("evidence.json", {"machine": platform.platform(), "n": args.n, **results}, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
