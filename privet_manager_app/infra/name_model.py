"""Which spelling of a name the zone most likely holds, when the glyphs leave a choice.

The zone writes Cyrillic names with Latin letters and digits (Ь = 9, Я = 8, Ч = 3, Ш = 4 …), and
OCR-B's 8 and B, 9 and O, 3 and S differ by a few pixels. Where a glyph could be several of
them, the votes of the OCR passes are weighed together with how Russian the resulting word is:
a character trigram model of Russian spelling, counted once per process from the Russian
Hunspell dictionary Debian ships (`hunspell-ru`: ~146 000 words, first names and patronymics
among them) — a source independent of any name list, so rare names are not forced into common
ones, only unpronounceable readings («УЛЬБНОВ», «ВИС» at the end of a patronymic) lose.

Without the dictionary the glyph votes decide alone.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from privet_manager_app.domain.wizard.passport_mrz import CYRILLIC_TO_MRZ

DICTIONARIES = (Path("/usr/share/hunspell/ru_RU.dic"),)
_START, _END = "^", "$"
_ALPHABET_SIZE = len(set(CYRILLIC_TO_MRZ.values())) + 1
_SMOOTHING = 0.2
OCR_WEIGHT = 8.0  # how much the glyph votes count against the spelling (log scale)
MAX_COMBINATIONS = 512

_lock = threading.Lock()
_model: TrigramModel | None = None
_loaded = False


class TrigramModel:
    """P(word) as a product of P(char | two previous chars), in the zone's alphabet."""

    def __init__(self, words: Iterable[str]) -> None:
        self._trigrams: Counter[str] = Counter()
        self._bigrams: Counter[str] = Counter()
        for word in words:
            padded = _START * 2 + word + _END
            for index in range(len(padded) - 2):
                self._trigrams[padded[index : index + 3]] += 1
                self._bigrams[padded[index : index + 2]] += 1

    def log_probability(self, word: str) -> float:
        padded = _START * 2 + word + _END
        total = 0.0
        for index in range(len(padded) - 2):
            context = padded[index : index + 2]
            count = self._trigrams[padded[index : index + 3]]
            total += math.log(
                (count + _SMOOTHING) / (self._bigrams[context] + _SMOOTHING * _ALPHABET_SIZE)
            )
        return total


def to_zone(word: str) -> str | None:
    """A dictionary word in the zone's characters, or None if it has other symbols."""
    out = []
    for char in word.upper():
        if char not in CYRILLIC_TO_MRZ:
            return None
        out.append(CYRILLIC_TO_MRZ[char])
    return "".join(out)


def _read_dictionary(path: Path) -> Iterable[str]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        next(lines, None)  # the word count
        for line in lines:
            word = to_zone(line.split("/", 1)[0].strip())
            if word:
                yield word


def model() -> TrigramModel | None:
    """The process's model, counted on first use (≈1 s) and read-only afterwards."""
    global _model, _loaded
    if not _loaded:
        with _lock:
            if not _loaded:
                path = next((path for path in DICTIONARIES if path.exists()), None)
                _model = TrigramModel(_read_dictionary(path)) if path else None
                _loaded = True
    return _model


def resolve(cells: list[Mapping[str, float]]) -> str:
    """One character per cell of line 1: each cell is {character: OCR votes}. Cells with one
    candidate are fixed; in each name part the combination of the others that maximises
    spelling × votes wins."""
    chosen = [max(votes, key=votes.__getitem__) if votes else "<" for votes in cells]
    language = model()
    if language is None:
        return "".join(chosen)
    # Name parts: runs between fillers, read on the first choices (fillers are decided by votes).
    start = 5
    while start < len(cells):
        if chosen[start] == "<":
            start += 1
            continue
        end = start
        while end < len(cells) and chosen[end] != "<":
            end += 1
        _resolve_part(chosen, cells, start, end, language)
        start = end
    return "".join(chosen)


def _resolve_part(
    chosen: list[str],
    cells: list[Mapping[str, float]],
    start: int,
    end: int,
    language: TrigramModel,
) -> None:
    open_positions = [
        index
        for index in range(start, end)
        if len([char for char in cells[index] if char != "<"]) > 1
    ]
    if not open_positions:
        return
    options = []
    for index in open_positions:
        votes = {char: value for char, value in cells[index].items() if char != "<"}
        total = sum(votes.values())
        options.append([(char, math.log(value / total)) for char, value in votes.items()])
    if math.prod(len(option) for option in options) > MAX_COMBINATIONS:
        return
    best_score, best = -math.inf, None
    for combination in itertools.product(*options):
        word = chosen[start:end]
        ocr_score = 0.0
        for index, (char, score) in zip(open_positions, combination, strict=True):
            word[index - start] = char
            ocr_score += score
        total = language.log_probability("".join(word)) + OCR_WEIGHT * ocr_score
        if total > best_score:
            best_score, best = total, word
    chosen[start:end] = best
