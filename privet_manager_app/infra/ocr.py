"""Reading the machine-readable zone of a passport photo: find it, straighten it, OCR it.

Photo bytes in, the two 44-character lines out — in memory only: the image and the text are
never written to disk or to a log (pytesseract, for one, writes every image to a temp file;
tesserocr hands Tesseract the pixels in memory).

Steps: decode (the JPEG decoder's own 1/2–1/8 scaling when the photo is large, EXIF orientation
applied, the pixel count checked from the header before anything is decoded) → find the zone on
a small copy: printed text lines (black-hat morphology with OpenCV), then the longest pair of
parallel lines of equal length one under the other — wherever it is, at whatever angle → cut
the band out along its own angle, ~24 px per character → Tesseract (LSTM, `eng`, only
`A-Z0-9<`, no dictionaries) → every glyph put in its cell of the 44-cell grid (OCR-B is
monospaced: symbols Tesseract adds or drops are found by their place) → the glyphs of line 1
that its English model confuses (8/B, 9/O, 3/S, `<`/K…) read again alone at three scales, names
settled with a Russian spelling model (`name_model`) → the two lines, with the positions of
line 2 that Tesseract doubts, for the check digits.

CPU-bound and synchronous (≈0.1–1 s): callers run it in a worker thread or process, never on the
event loop. Each thread keeps its own Tesseract engine (a `TessBaseAPI` must not be shared
between threads at once), created on first use.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import math
import os
import threading
from collections.abc import Sequence

import cv2
import numpy as np
import tesserocr
from PIL import Image, UnidentifiedImageError

from privet_manager_app.infra import name_model
from privet_manager_app.infra.images import exif_orientation, upright

TESSDATA_DIRS = (
    os.environ.get("TESSDATA_PREFIX", ""),
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
)
ZONE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
LINE_LENGTH = 44
WORK_LONG_SIDE = 2000  # the copy bands are cut from: a zone character is ≥ 8 px wide there
FIND_LONG_SIDE = 1000  # the copy the zone is searched on
TARGET_PITCH = 24  # px per character given to Tesseract
DOUBTFUL_CONFIDENCE = 80.0  # Tesseract's symbol confidence (0–100) below which a glyph is doubted
MAX_BANDS = 4


class NotAnImage(ValueError):
    """The bytes are not a photo in one of the accepted formats (or are broken)."""


class TooManyPixels(ValueError):
    """The image claims more pixels than allowed (a decompression bomb or a huge scan)."""


@dataclasses.dataclass(frozen=True)
class ZoneText:
    line1: str
    line2: str
    doubtful: tuple[int, ...]  # 0-based positions in line2 read with low confidence


# --- decoding the photo ---


def load_photo(data: bytes, *, formats: Sequence[str], max_pixels: int) -> Image.Image:
    """Greyscale, upright, long side ≤ ~2 × WORK_LONG_SIDE; the pixel count checked first."""
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except Image.DecompressionBombError:
        raise TooManyPixels from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise NotAnImage from None
    with image:
        width, height = image.size
        if width < 1 or height < 1:
            raise NotAnImage
        if width * height > max_pixels:
            raise TooManyPixels
        try:
            if image.format in ("JPEG", "MPO"):
                # Decoded straight at 1/2, 1/4 or 1/8 scale, never below the working size.
                scale = max(1, max(width, height) // WORK_LONG_SIDE)
                image.draft("L", (width // scale, height // scale))
            orientation = exif_orientation(image)
            grey = image.convert("L")
        except Image.DecompressionBombError:
            raise TooManyPixels from None
        except (OSError, ValueError, SyntaxError, EOFError, IndexError, TypeError):
            raise NotAnImage from None
    return upright(grey, orientation)


# --- finding the zone ---


@dataclasses.dataclass(frozen=True)
class Band:
    """A rotated rectangle around text lines, in the coordinates of the working copy."""

    center: tuple[float, float]
    size: tuple[float, float]  # along the lines, across them
    angle: float  # degrees, of the lines against the horizontal
    score: float


def text_lines(grey: np.ndarray) -> list[Band]:
    """Printed text lines of the photo (rotated rectangles in `grey`'s coordinates)."""
    height, width = grey.shape
    factor = FIND_LONG_SIDE / max(height, width)
    small = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    # Black-hat: dark strokes thinner than the kernel stand out, whatever the lighting.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    blackhat = cv2.morphologyEx(small, cv2.MORPH_BLACKHAT, kernel)
    _, mask = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    # Characters of one line merge; the gap between two lines of the zone stays open.
    mask = cv2.morphologyEx(
        mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (11, 1))
    )
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 2)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        if w < h:
            w, h, angle = h, w, angle - 90
        angle = (angle + 90) % 180 - 90
        if abs(angle) > 30 or w < 40 or w / max(h, 1) < 6:
            continue
        lines.append(Band((cx / factor, cy / factor), (w / factor, h / factor), angle, w))
    return lines


def find_bands(grey: np.ndarray) -> list[Band]:
    """Candidate zones, best first: two parallel text lines of the same length, one under the
    other, a line height or two apart — the longest such pair of the page."""
    lines = text_lines(grey)
    pairs = []
    for upper in lines:
        for lower in lines:
            if lower is upper or abs(upper.angle - lower.angle) > 3:
                continue
            length = max(upper.size[0], lower.size[0])
            if min(upper.size[0], lower.size[0]) < 0.85 * length:
                continue
            angle = math.radians((upper.angle + lower.angle) / 2)
            dx = lower.center[0] - upper.center[0]
            dy = lower.center[1] - upper.center[1]
            across = -dx * math.sin(angle) + dy * math.cos(angle)  # downwards, perpendicular
            along = dx * math.cos(angle) + dy * math.sin(angle)
            line_height = max(upper.size[1], lower.size[1])
            if not (1.2 * line_height < across < 6 * line_height) or abs(along) > 0.1 * length:
                continue
            center = (
                (upper.center[0] + lower.center[0]) / 2,
                (upper.center[1] + lower.center[1]) / 2,
            )
            size = (length, across + line_height)
            pairs.append(Band(center, size, math.degrees(angle), length))
    return sorted(pairs, key=lambda band: band.score, reverse=True)[:MAX_BANDS]


def cut_band(
    grey: np.ndarray, band: Band, *, pitch: float = TARGET_PITCH, margin: float = 0.12
) -> np.ndarray:
    """The band, straightened and scaled so a zone character is ~`pitch` px wide."""
    width, height = band.size
    scale = pitch * LINE_LENGTH / width
    out_w = round(width * (1 + margin) * scale)
    out_h = round(height * (1 + 2.5 * margin) * scale + 2 * pitch)
    matrix = cv2.getRotationMatrix2D(band.center, band.angle, scale)
    matrix[0, 2] += out_w / 2 - band.center[0]
    matrix[1, 2] += out_h / 2 - band.center[1]
    return cv2.warpAffine(
        grey,
        matrix,
        (out_w, out_h),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )


# --- OCR ---

_local = threading.local()

# Glyphs Tesseract's general English model reads as another character of the same shape family
# (inside a word it expects letters, and the zone's names write Ь as 9, Я as 8, Ч as 3, Ш as 4;
# its fillers look to it like K). Such a glyph is read once more on its own — no word around it,
# only the characters of its family allowed — at three scales; the shape decides.
_SECOND_LOOK = {
    "B": "B8", "8": "8B", "O": "O9", "9": "9OI", "I": "I9", "S": "S34", "3": "3S", "4": "4SGT",
    "G": "G64", "6": "6G", "T": "T74", "7": "7T", "K": "K<", "X": "X<", "C": "C<", "D": "D9",
    "E": "E8", "Y": "Y9", "Z": "Z23", "2": "2Z",
}  # fmt: skip
_LOOK_SCALES = ((1.0, 1.0), (1.3, 1.0), (0.8, 0.6))  # (scale, weight of its vote)
_FIRST_READING_WEIGHT = 0.8  # the reading in context keeps its glyph unless two looks disagree


def _tessdata() -> str:
    for path in TESSDATA_DIRS:
        if path and os.path.exists(os.path.join(path, "eng.traineddata")):
            return path
    raise RuntimeError(
        "Tesseract data not found: install the Debian package tesseract-ocr-eng "
        "or set TESSDATA_PREFIX"
    )


def _new_engine(psm: int) -> tesserocr.PyTessBaseAPI:
    api = tesserocr.PyTessBaseAPI(
        path=_tessdata(),
        lang="eng",
        psm=psm,
        oem=tesserocr.OEM.LSTM_ONLY,
        # No English dictionary: the zone holds no English words.
        variables={"load_system_dawg": "0", "load_freq_dawg": "0"},
    )
    api.SetVariable("tessedit_char_whitelist", ZONE_ALPHABET)
    return api


def _engines() -> tuple[tesserocr.PyTessBaseAPI, tesserocr.PyTessBaseAPI]:
    """(block reader, single-glyph reader) of this thread."""
    engines = getattr(_local, "engines", None)
    if engines is None:
        engines = (_new_engine(tesserocr.PSM.SINGLE_BLOCK), _new_engine(tesserocr.PSM.SINGLE_CHAR))
        _local.engines = engines
    return engines


@dataclasses.dataclass(frozen=True)
class _Glyph:
    char: str
    box: tuple[int, int, int, int]
    confidence: float
    others: str = ""  # other characters Tesseract saw in the same glyph

    @property
    def center(self) -> float:
        return (self.box[0] + self.box[2]) / 2


def _glyph_lines(api: tesserocr.PyTessBaseAPI, image: np.ndarray) -> list[list[_Glyph]]:
    api.SetImage(Image.fromarray(image))
    api.Recognize()
    lines: list[list[_Glyph]] = []
    iterator = api.GetIterator()
    level = tesserocr.RIL.SYMBOL
    while True:
        if iterator.IsAtBeginningOf(tesserocr.RIL.TEXTLINE) or not lines:
            lines.append([])
        char = iterator.GetUTF8Text(level)
        box = iterator.BoundingBox(level)
        if char and box:
            lines[-1].append(_Glyph(char, box, iterator.Confidence(level)))
        if not iterator.Next(level):
            break
    api.Clear()
    return [line for line in lines if line]


def _tidy(line: list[_Glyph]) -> list[_Glyph]:
    """One glyph per printed character. Tesseract's LSTM sometimes emits two symbols for one
    glyph it hesitates over («IO» for a 9, «B8» for an 8) — their boxes overlap: they become one
    glyph that remembers both readings. A box stretched over a shadow or the page edge (the
    first character's, typically) is cut back to a character's width from its right side."""
    if not line:
        return line
    width = float(np.median([glyph.box[2] - glyph.box[0] for glyph in line]))
    tidy: list[_Glyph] = []
    for glyph in line:
        x1, y1, x2, y2 = glyph.box
        if x2 - x1 > 1.6 * width:
            glyph = dataclasses.replace(glyph, box=(round(x2 - width), y1, x2, y2))
        if tidy:
            previous = tidy[-1]
            overlap = min(previous.box[2], glyph.box[2]) - max(previous.box[0], glyph.box[0])
            narrower = min(previous.box[2] - previous.box[0], glyph.box[2] - glyph.box[0])
            if overlap > 0.4 * max(narrower, 1):
                keep, other = (
                    (previous, glyph)
                    if previous.confidence >= glyph.confidence
                    else (glyph, previous)
                )
                tidy[-1] = dataclasses.replace(
                    keep,
                    box=(
                        min(previous.box[0], glyph.box[0]),
                        min(previous.box[1], glyph.box[1]),
                        max(previous.box[2], glyph.box[2]),
                        max(previous.box[3], glyph.box[3]),
                    ),
                    confidence=min(previous.confidence, glyph.confidence),
                    others=keep.others + other.char + other.others,
                )
                continue
        tidy.append(glyph)
    return tidy


def _grid(line: list[_Glyph], pitch: float) -> tuple[float, float, float]:
    """(centre of cell 0, pitch, misfit) of a line, refined from a first guess of the pitch by
    a fit to all its glyphs."""
    origin = line[0].center
    for _ in range(3):
        indexes, centers = [], []
        for glyph in line:
            index = round((glyph.center - origin) / pitch)
            if abs(glyph.center - origin - index * pitch) < 0.3 * pitch:
                indexes.append(index)
                centers.append(glyph.center)
        if len(set(indexes)) < LINE_LENGTH // 2:
            break
        pitch, origin = (float(value) for value in np.polyfit(indexes, centers, 1))
    misfit = 0.0
    seen = set()
    for glyph in line:
        index = round((glyph.center - origin) / pitch)
        offset = (glyph.center - origin) / pitch - index
        misfit += min(offset * offset, 0.09) + (0.09 if index in seen else 0)
        seen.add(index)
    return origin, pitch, misfit


def _cells(line: list[_Glyph], pitches: list[float]) -> list[_Glyph | None]:
    """The glyphs on the zone's grid: OCR-B is monospaced, so a glyph's place says which of
    the 44 characters it is. Tesseract sometimes drops a filler of a long run or sees two
    glyphs in one (a «K» between two «<»): one glyph per cell, the one nearest its centre.
    The pitch is guessed from the line's own ends (wrong if a trailing filler was dropped) and
    from the other line's (a few per cent off in perspective): the better fit wins."""
    if len(line) == LINE_LENGTH:
        return list(line)  # one glyph per character: the order is the place
    fits = [_grid(line, pitch) for pitch in pitches if pitch > 0]
    if not fits:
        return [None] * LINE_LENGTH
    origin, pitch, _ = min(fits, key=lambda fit: fit[2])
    cells: list[_Glyph | None] = [None] * LINE_LENGTH
    for glyph in line:
        index = round((glyph.center - origin) / pitch)
        if not 0 <= index < LINE_LENGTH:
            continue
        current = cells[index]
        offset = abs(glyph.center - origin - index * pitch)
        if current is None or offset < abs(current.center - origin - index * pitch):
            cells[index] = glyph
    return cells


def _second_look(
    api: tesserocr.PyTessBaseAPI,
    image: np.ndarray,
    glyph: _Glyph,
    top: int,
    bottom: int,
    pitch: float,
) -> dict[str, float]:
    """{character: votes} for one glyph of line 1."""
    if glyph.char.isdigit() and not glyph.others:
        # A digit read inside a word, against the model's pull towards letters, is the glyph
        # (98 % in the benchmark's data); read alone, a clear «3» passes for an «S».
        return {glyph.char: 1.0}
    family = "".join(
        dict.fromkeys(
            (glyph.others + glyph.char if glyph.others else "")
            + "".join(_SECOND_LOOK.get(char, "") for char in glyph.char + glyph.others)
        )
    )
    if not family:
        return {glyph.char: 1.0}
    margin = int((bottom - top) * 0.5)
    left = int(glyph.center - pitch / 2)
    cell = image[max(0, top - margin) : bottom + margin, max(0, left) : int(left + pitch)]
    if cell.size == 0:
        return {glyph.char: 1.0}
    # A glyph read twice in context (two overlapping symbols) has no first reading to trust.
    votes = {glyph.char: _FIRST_READING_WEIGHT if not glyph.others else 0.3}
    api.SetVariable("tessedit_char_whitelist", family)
    for scale, weight in _LOOK_SCALES:
        view = (
            cell
            if scale == 1
            else cv2.resize(cell, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        )
        view = cv2.copyMakeBorder(view, 10, 10, 16, 16, cv2.BORDER_REPLICATE)
        api.SetImage(Image.fromarray(view))
        seen = api.GetUTF8Text().strip()[:1]
        if seen:
            votes[seen] = votes.get(seen, 0.0) + weight
    api.Clear()
    return votes


@dataclasses.dataclass(frozen=True)
class _Reading:
    """One pass of Tesseract over a band: both lines on the 44-cell grid."""

    crop: np.ndarray
    upper: list[_Glyph | None]
    lower: list[_Glyph | None]
    top: int
    bottom: int
    pitch: float


def _read_cells(crop: np.ndarray) -> _Reading | None:
    block, _ = _engines()
    lines = [line for line in _glyph_lines(block, crop) if len(line) >= 30]
    best = None
    for first, second in itertools.pairwise(lines):
        digits = sum(glyph.char.isdigit() for glyph in second)
        if digits >= 20 and (best is None or digits > best[0]):
            best = (digits, first, second)
    if best is None:
        return None
    _, first, second = best
    first, second = _tidy(first), _tidy(second)
    own_first = (first[-1].center - first[0].center) / (LINE_LENGTH - 1)
    own_second = (second[-1].center - second[0].center) / (LINE_LENGTH - 1)
    return _Reading(
        crop=crop,
        upper=_cells(first, [own_first, own_second]),
        lower=_cells(second, [own_second, own_first]),
        top=min(glyph.box[1] for glyph in first),
        bottom=max(glyph.box[3] for glyph in first),
        pitch=own_first,
    )


def _read_band(view: np.ndarray, band: Band, *, refine: bool = True) -> ZoneText | None:
    """The band read by Tesseract, put on the grid, doubtful glyphs of line 1 looked at again;
    `refine=False`: Tesseract's plain reading (the benchmark's baseline)."""
    crop = cut_band(view, band)
    if not refine:
        block, _ = _engines()
        lines = [line for line in _glyph_lines(block, crop) if len(line) >= 30]
        if len(lines) < 2:
            return None
        return ZoneText(*("".join(glyph.char for glyph in line) for line in lines[-2:]), ())
    reading = _read_cells(crop)
    if reading is None:
        return None
    _, single = _engines()
    line1 = name_model.resolve(
        [
            {"<": 1.0}
            if glyph is None
            else _second_look(single, crop, glyph, reading.top, reading.bottom, reading.pitch)
            for glyph in reading.upper
        ]
    )
    # An empty cell of line 2 is a filler where line 2 has fillers, otherwise an unread glyph:
    # written as «<», which the decoder treats as unknown in a digit field. Line 2 needs no
    # second look: its check digits and field types settle what the glyphs are.
    line2 = "".join("<" if glyph is None else glyph.char for glyph in reading.lower)
    doubtful = tuple(
        index
        for index, glyph in enumerate(reading.lower)
        if glyph is None or glyph.confidence < DOUBTFUL_CONFIDENCE
    )
    return ZoneText(line1, line2, doubtful)


def read_zone(grey: Image.Image, *, refine: bool = True) -> ZoneText | None:
    """The zone's two lines from an upright greyscale photo, or None when none is found."""
    pixels = np.asarray(grey)
    factor = min(1.0, WORK_LONG_SIDE / max(pixels.shape))
    work = (
        cv2.resize(pixels, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        if factor < 1
        else pixels
    )
    # Upright first; a photo taken upside down or sideways with no EXIF saying so is turned.
    turns = (None, cv2.ROTATE_180, cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)
    for turn in turns:
        view = work if turn is None else cv2.rotate(work, turn)
        for band in find_bands(view):
            found = _read_band(view, band, refine=refine)
            if found is not None:
                return found
    return None


def read_zone_from_bytes(
    data: bytes, *, formats: Sequence[str], max_pixels: int
) -> ZoneText | None:
    return read_zone(load_photo(data, formats=formats, max_pixels=max_pixels))
