"""Passport scan accuracy: generated phone photos of passports → what the scan reads.

    .venv/bin/python bench/passport_scan.py [--count 200] [--first-seed 1001] [--jobs 2]

1. Generates `count` photos with tests/support/passport_samples.py (deterministic from the
   seed: random Russian names with Ё/Й/Щ/Ъ/Ь…, dates, series, division codes; rotated ±7°, in
   perspective, blurred, JPEG, uneven light, sometimes a glare or an EXIF rotation; phone
   resolutions). Photos are cached in bench/results/passport_samples/ (git-ignored) so a re-run
   measures the scan, not the drawing.
2. For each photo, in this one process, one after the other: the whole scan as the endpoint runs
   it (`read_passport_photo`: decode, find, straighten, OCR, decode the zone) — timed; and, side
   by side, the baseline: the same band read by Tesseract alone (no glyph grid, no second looks)
   and decoded the same way.
3. Prints: share of passports with every zone field exact; share of fields exact; wrong fields
   that were NOT flagged (a silent error — the one that matters) vs flagged; median and p95
   seconds per photo; the machine's load average. Writes bench/results/passport_scan.{txt,json}.
Target: ≥ 95 % of passports fully exact, p95 ≤ 1.5 s per photo on 2 cores.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import json
import os
import pickle
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("APP_ENV", "test")

from privet_manager_app.domain.common.errors import ValidationFailed  # noqa: E402
from privet_manager_app.domain.wizard import passport_mrz  # noqa: E402
from privet_manager_app.domain.wizard.passport_scan import read_passport_photo  # noqa: E402
from privet_manager_app.domain.wizard.photos import ACCEPTED_FORMATS  # noqa: E402
from privet_manager_app.infra import ocr  # noqa: E402
from tests.support import passport_samples  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CACHE = RESULTS / "passport_samples"
TARGET_EXACT = 0.95
TARGET_P95 = 1.5


def _generator_version() -> str:
    source = (ROOT / "tests" / "support" / "passport_samples.py").read_bytes()
    source += (ROOT / "privet_manager_app" / "domain" / "wizard" / "passport_mrz.py").read_bytes()
    return hashlib.sha256(source).hexdigest()[:12]


def _make(seed: int) -> Path:
    path = CACHE / _generator_version() / f"{seed}.pickle"
    if not path.exists():
        sample = passport_samples.sample(seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(pickle.dumps((sample.image, sample.person, sample.conditions)))
        temporary.replace(path)
    return path


def _baseline(image: bytes) -> dict | None:
    try:
        grey = ocr.load_photo(image, formats=ACCEPTED_FORMATS, max_pixels=50_000_000)
        zone = ocr.read_zone(grey, refine=False)
        if zone is None:
            return None
        decoded = passport_mrz.decode(zone.line1, zone.line2, today=passport_samples.TODAY)
    except (ValueError, ValidationFailed):
        return None
    return {"fields": decoded.fields(), "unchecked": list(decoded.unchecked)}


def _ours(image: bytes) -> dict | None:
    try:
        decoded = read_passport_photo(image)
    except ValidationFailed:
        return None
    return {"fields": decoded.fields(), "unchecked": list(decoded.unchecked)}


def _score(results: list[tuple[dict, dict | None]]) -> dict:
    exact = fields_exact = silent = flagged = 0
    total_fields = 0
    for expected, got in results:
        total_fields += len(expected)
        if got is None:
            continue
        wrong = [name for name in expected if got["fields"][name] != expected[name]]
        exact += not wrong
        fields_exact += len(expected) - len(wrong)
        flagged += sum(name in got["unchecked"] for name in wrong)
        silent += sum(name not in got["unchecked"] for name in wrong)
    count = len(results)
    return {
        "passports": count,
        "fully_exact": exact / count,
        "fields_exact": fields_exact / total_fields,
        "not_found": sum(got is None for _, got in results),
        "wrong_flagged": flagged,
        "wrong_silent": silent,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=1001)
    parser.add_argument("--jobs", type=int, default=2, help="processes drawing the photos")
    args = parser.parse_args()
    seeds = range(args.first_seed, args.first_seed + args.count)

    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        paths = list(pool.map(_make, seeds))
    drawing = time.perf_counter() - started

    load_before = os.getloadavg()
    ours, baseline, seconds = [], [], []
    _ours(pickle.loads(paths[0].read_bytes())[0])  # warm-up: the thread's Tesseract engines
    for path in paths:
        image, person, _ = pickle.loads(path.read_bytes())
        expected = person.expected_fields()
        tick = time.perf_counter()
        got = _ours(image)
        seconds.append(time.perf_counter() - tick)
        ours.append((expected, got))
        baseline.append((expected, _baseline(image)))
    load_after = os.getloadavg()

    mine, base = _score(ours), _score(baseline)
    quantiles = statistics.quantiles(seconds, n=20)
    rows = [
        ("passports", f"{mine['passports']}", f"{base['passports']}"),
        ("every zone field exact", f"{mine['fully_exact']:.1%}", f"{base['fully_exact']:.1%}"),
        ("fields exact", f"{mine['fields_exact']:.2%}", f"{base['fields_exact']:.2%}"),
        ("zone not found", f"{mine['not_found']}", f"{base['not_found']}"),
        (
            "wrong fields flagged «проверьте»",
            f"{mine['wrong_flagged']}",
            f"{base['wrong_flagged']}",
        ),
        ("wrong fields NOT flagged", f"{mine['wrong_silent']}", f"{base['wrong_silent']}"),
    ]
    width = max(len(row[0]) for row in rows)
    lines = [
        f"Passport scan, {args.count} generated photos (seeds {seeds.start}–{seeds.stop - 1})",
        f"{'':{width}}  {'scan':>10}  {'Tesseract alone':>16}",
        *(f"{name:{width}}  {ours_:>10}  {base_:>16}" for name, ours_, base_ in rows),
        f"seconds per photo (whole scan): median {statistics.median(seconds):.3f}, "
        f"p95 {quantiles[18]:.3f}, max {max(seconds):.3f}",
        f"machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after (shared with other work); photos drawn in {drawing:.0f} s",
        f"target: every field exact ≥ {TARGET_EXACT:.0%} — "
        f"{'met' if mine['fully_exact'] >= TARGET_EXACT else 'NOT met'}; "
        f"p95 ≤ {TARGET_P95} s — {'met' if quantiles[18] <= TARGET_P95 else 'NOT met'}",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "passport_scan.txt").write_text(text + "\n", encoding="utf-8")
    (RESULTS / "passport_scan.json").write_text(
        json.dumps(
            {
                "scan": mine,
                "baseline": base,
                "seconds": {"median": statistics.median(seconds), "p95": quantiles[18]},
                "load": [load_before, load_after],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
