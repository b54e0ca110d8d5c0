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

import math
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from privet_manager_app.domain.wizard.passport_mrz import CYRILLIC_TO_MRZ

DICTIONARIES = (Path("/usr/share/hunspell/ru_RU.dic"),)
_START, _END, _FILLER = "^", "$", "<"
_ALPHABET_SIZE = len(set(CYRILLIC_TO_MRZ.values())) + 1
_SMOOTHING = 0.2
OCR_WEIGHT = 8.0  # how much the glyph votes count against the spelling (log scale)
# Letters Tesseract reads where the zone has a digit standing for a letter (Я = 8 read as B or
# S, Ь = 9 as O or Y, Й = Q as G). The other way round is rare: a digit read inside a word is the
# glyph (see ocr._second_look). Each look-alike gets this many votes next to what was read (a
# first reading is worth 0.8, each confirming look 0.6–1.0): spelling then settles a weakly
# read glyph, and needs a large margin to overrule a confirmed one. The value was chosen on
# the benchmark's seeds 1001–1200 and checked on seeds it was not chosen on (bench/README.md).
# O↔D was tried and dropped: it turned Зоя into «Здя» and Олег into «Длег».
LOOK_ALIKES = {"B": "8", "S": "8", "O": "9", "Y": "9", "G": "Q"}
ALTERNATIVE_VOTES = 0.5
FILLER_ALIKES = "KXC"  # letters Tesseract sees in a filler «<» (ocr._SECOND_LOOK looks again)
UNCONFIRMED = 0.9  # votes of a glyph no second look agreed with (the first reading alone)

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

    def log_next(self, context: str, char: str) -> float:
        """log P(char | the two characters before it); `context` is padded with «^»."""
        count = self._trigrams[context + char]
        return math.log(
            (count + _SMOOTHING) / (self._bigrams[context] + _SMOOTHING * _ALPHABET_SIZE)
        )

    def log_probability(self, word: str) -> float:
        padded = _START * 2 + word + _END
        return sum(
            self.log_next(padded[index : index + 2], padded[index + 2])
            for index in range(len(padded) - 2)
        )


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
    cells = list(cells)
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
        if _resolve_part(chosen, cells, start, end, language):
            # The part's last glyph was a stray one: the zone's characters after it sit one
            # cell to the right of where they belong.
            del chosen[end - 1], cells[end - 1]
            chosen.append("<")
            cells.append({"<": 1.0})
            end -= 1
        start = end
    return "".join(chosen)


def _options(votes: Mapping[str, float], *, last: bool) -> list[tuple[str, float]]:
    """(character, log share of the votes) for one cell of a name part. `<` in the last cell
    stands for «the part ends one cell earlier»: Tesseract sometimes sees a glyph between a
    name and the filler after it («OLEGK<IL9I3» for «OLEG<IL9I3»), read alone, unconfirmed."""
    pool = dict(votes)
    for char in list(votes):
        for alike in LOOK_ALIKES.get(char, ""):
            pool.setdefault(alike, ALTERNATIVE_VOTES)
    unconfirmed = sum(votes.values()) <= UNCONFIRMED and not any(map(str.isdigit, votes))
    if unconfirmed and (last or set(votes) & set(FILLER_ALIKES)):
        pool.setdefault(_FILLER, ALTERNATIVE_VOTES)
    else:
        pool.pop(_FILLER, None)
    total = sum(pool.values())
    return [(char, math.log(value / total)) for char, value in pool.items() if value > 0]


def _resolve_part(
    chosen: list[str],
    cells: list[Mapping[str, float]],
    start: int,
    end: int,
    language: TrigramModel,
) -> bool:
    """The best spelling × votes of cells[start:end], exactly: Viterbi over the trigram
    model's two-character states (a few dozen per cell; every look-alike of every glyph can be
    weighed, where trying all combinations could not). True: the last glyph is a stray one."""
    # state (two previous characters) → (score, characters so far)
    states: dict[str, tuple[float, list[str]]] = {_START * 2: (0.0, [])}
    finished: tuple[float, list[str]] = (-math.inf, chosen[start:end])
    for index in range(start, end):
        following: dict[str, tuple[float, list[str]]] = {}
        for context, (score, word) in states.items():
            for char, ocr_score in _options(cells[index], last=index == end - 1):
                if char == _FILLER:
                    if context == _START * 2:
                        continue  # a part does not start with a filler
                    total = score + OCR_WEIGHT * ocr_score + language.log_next(context, _END)
                    if index == end - 1 and total > finished[0]:
                        finished = (total, [*word, _FILLER])
                    elif index < end - 1 and (
                        _START * 2 not in following or total > following[_START * 2][0]
                    ):
                        following[_START * 2] = (total, [*word, _FILLER])
                    continue
                total = score + OCR_WEIGHT * ocr_score + language.log_next(context, char)
                key = context[1] + char
                if key not in following or total > following[key][0]:
                    following[key] = (total, [*word, char])
        states = following
    for context, (score, word) in states.items():
        total = score + language.log_next(context, _END)
        if total > finished[0]:
            finished = (total, word)
    chosen[start:end] = finished[1]
    return finished[1][-1:] == [_FILLER]
