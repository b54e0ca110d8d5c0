"""PDF typesetting (fpdf2): a small document model — headings, paragraphs, tables, label/value
fields, a signatures block, a QR code — rendered with the DejaVu fonts shipped in assets/fonts.

The domain decides what a contract says (domain/contract_text.py); this module only sets it.

Speed (bench/contract_generation.py). Parsing a TrueType font costs fpdf2 ~25 ms per style, so
fonts are parsed once per process. They cannot simply be shared between documents or
deep-copied: at output fpdf2 subsets the font *in place* (fontTools mutates the TTFont) and
writes the document's object numbers into the font descriptor, and its `TTFFont.__deepcopy__`
shares both. Documents are rendered at the same time on several threads, so nothing mutable of a
parsed font is ever handed to a document: the shared parse is read-only (its maps are
`MappingProxyType`s), and each document gets its own TTFont (unpickled), descriptor, width
table and subset (`_FontSet.install`). Sharing the descriptor made one document's embedded font
point at another's objects. The TTFont bytes are the
shipped fonts reduced once to the scripts documents use (Latin, Cyrillic, punctuation, ₽, №),
which makes fpdf2's per-document subsetting several times cheaper; a document with a character
outside that set falls back to the full fonts. Paragraphs are wrapped here with per-word widths:
fpdf2's multi_cell re-measures the line for every character it adds (quadratic per line).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import pickle
import threading
from collections.abc import Iterator, Sequence
from io import BytesIO
from pathlib import Path
from types import MappingProxyType

import segno
from fontTools import subset as font_subset
from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.line_break import TextLine

from privet_manager_app.infra import cpu_pool
from privet_manager_app.settings import PROJECT_DIR

FONT_DIR = PROJECT_DIR / "assets" / "fonts"
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
# What documents are written in: Latin with Latin-1 and Extended-A (foreign names, brands and
# models), Cyrillic (Russian and the other Cyrillic alphabets of Russia's peoples), dashes,
# quotes and bullets, currency signs (₽, €), №, ™, minus and ≤ ≥. Anything else falls back to
# the full fonts.
REDUCED_RANGES = (
    (0x20, 0x17F),
    (0x400, 0x4FF),
    (0x2010, 0x2044),
    (0x20A0, 0x20BF),
    (0x2116, 0x2116),
    (0x2122, 0x2122),
    (0x2212, 0x2212),
    (0x2264, 0x2265),
)

PT = 25.4 / 72  # mm per point
LINE_SPACING = 1.22
TEXT_COLOR = (20, 20, 20)
MUTED_COLOR = (110, 110, 110)
RULE_COLOR = (150, 150, 150)
HEADER_FILL = (236, 236, 236)
QR_MASK = 2


# ---- Document model ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Heading:
    text: str
    size: float = 10
    space_before: float = 2.2
    space_after: float = 1.0


@dataclasses.dataclass(frozen=True)
class Paragraph:
    text: str
    size: float = 9
    bold: bool = False
    align: str = "J"  # J | L | C | R
    indent: float = 0  # first line, mm
    space_after: float = 0.8
    muted: bool = False


@dataclasses.dataclass(frozen=True)
class Column:
    title: str
    width: float  # relative
    align: str = "L"


@dataclasses.dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    size: float = 8.5
    bold_rows: frozenset[int] = frozenset()
    space_after: float = 2.0


@dataclasses.dataclass(frozen=True)
class Fields:
    """Label / value rows: the parties' data."""

    rows: tuple[tuple[str, str], ...]
    label_width: float = 0.34  # share of the text width
    size: float = 8.5
    space_after: float = 2.0


@dataclasses.dataclass(frozen=True)
class Party:
    title: str
    lines: tuple[str, ...]
    signature: str


@dataclasses.dataclass(frozen=True)
class Signatures:
    parties: tuple[Party, Party]
    size: float = 8.5


@dataclasses.dataclass(frozen=True)
class QRCode:
    url: str
    caption: str
    size: float = 26  # mm


@dataclasses.dataclass(frozen=True)
class Spacer:
    height: float


Block = Heading | Paragraph | Table | Fields | Signatures | QRCode | Spacer


@dataclasses.dataclass(frozen=True)
class Document:
    title: str
    blocks: tuple[Block, ...]
    created_at: dt.datetime  # fixed: the same data always renders to the same bytes
    subtitle: str | None = None
    place: str | None = None
    date: str | None = None
    header: str | None = None
    footer: str | None = None  # '{page}' and '{pages}' are replaced
    author: str = ""
    subject: str = ""

    def texts(self) -> Iterator[str]:
        yield from (self.title, self.subtitle or "", self.place or "", self.date or "")
        yield from (self.header or "", self.footer or "", "0123456789")
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                yield block.text
            elif isinstance(block, Table):
                yield from (column.title for column in block.columns)
                for row in block.rows:
                    yield from row
            elif isinstance(block, Fields):
                for label, value in block.rows:
                    yield label
                    yield value
            elif isinstance(block, Signatures):
                for party in block.parties:
                    yield from (party.title, party.signature, *party.lines)
            elif isinstance(block, QRCode):
                yield block.caption


# ---- Fonts ------------------------------------------------------------------------------------


def _reduce_font(path: Path) -> bytes:
    font = ttLib.TTFont(path, recalcTimestamp=False)
    options = font_subset.Options(
        notdef_outline=True,
        recommended_glyphs=True,
        glyph_names=True,
        layout_features=[],
        hinting=False,
    )
    options.drop_tables += ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern"]
    subsetter = font_subset.Subsetter(options)
    subsetter.populate(
        unicodes=[code for first, last in REDUCED_RANGES for code in range(first, last + 1)]
    )
    subsetter.subset(font)
    output = BytesIO()
    font.save(output)
    return output.getvalue()


@dataclasses.dataclass(frozen=True)
class _ParsedFont:
    style: str
    # The fontTools TTFont with every table decompiled, pickled: unpickling gives each document
    # its own copy (fpdf2 subsets it in place) without parsing the font file again.
    tables: bytes
    prototype: TTFFont


def _decompiled(data: bytes) -> bytes:
    font = ttLib.TTFont(BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    tags = font.keys()
    for tag in tags:
        # loads each table; glyph outlines stay compact until a subset needs them
        font.get(tag)
    font.getGlyphOrder()
    return pickle.dumps(font, protocol=pickle.HIGHEST_PROTOCOL)


class _FontSet:
    """Both styles parsed once, read-only; `install` gives a document its own mutable parts."""

    def __init__(self, datas: dict[str, bytes]) -> None:
        scratch = FPDF()
        self.fonts: list[_ParsedFont] = []
        for style, data in datas.items():
            key = f"{FONT_FAMILY.lower()}{style}"
            prototype = TTFFont(scratch, BytesIO(data), key, style)
            prototype.ttfont.close()
            prototype.ttfont = None  # each document unpickles its own
            # The BytesIO it was parsed from (a read position): only HarfBuzz text shaping,
            # which documents do not use, would read it again.
            prototype.ttffile = None
            if prototype.color_font is not None:
                raise RuntimeError(f"{key}: colour fonts are not cached (their glyphs mutate)")
            # Only read after parsing (glyph lookup): a write would be a bug, so make it raise.
            prototype.cmap = MappingProxyType(prototype.cmap)
            prototype.glyph_ids = MappingProxyType(prototype.glyph_ids)
            self.fonts.append(_ParsedFont(style, _decompiled(data), prototype))
        self.coverage = frozenset.intersection(
            *(frozenset(chr(code) for code in font.prototype.cmap) for font in self.fonts)
        )

    def install(self, pdf: FPDF) -> None:
        for parsed in self.fonts:
            font = copy.copy(parsed.prototype)  # immutable attributes and read-only maps
            font.i = len(pdf.fonts) + 1
            # our own bytes, made in this process a moment ago: nothing untrusted is unpickled
            font.ttfont = pickle.loads(parsed.tables)  # noqa: S301
            # output() writes this document's object numbers and font stream into it
            font.desc = copy.copy(parsed.prototype.desc)
            # a defaultdict: reading a missing character stores the default width
            font.cw = copy.copy(parsed.prototype.cw)
            font.missing_glyphs = []
            font.biggest_size_pt = 0
            font.subset = SubsetMap(font)
            font._hbfont = None  # the HarfBuzz face, built lazily per document
            pdf.fonts[font.fontkey] = font


_font_lock = threading.Lock()
_font_sets: dict[bool, _FontSet] = {}


def _font_set(reduced: bool) -> _FontSet:
    font_set = _font_sets.get(reduced)
    if font_set is None:
        with _font_lock:
            font_set = _font_sets.get(reduced)
            if font_set is None:
                datas = {}
                for style, name in FONT_FILES.items():
                    path = FONT_DIR / name
                    datas[style] = _reduce_font(path) if reduced else path.read_bytes()
                font_set = _font_sets[reduced] = _FontSet(datas)
    return font_set


def warm_up() -> None:
    """Parse the fonts now (at start-up) rather than in the first request."""
    _font_set(reduced=True)


def _install_cached_fonts(pdf: FPDF, document: Document) -> None:
    reduced = _font_set(reduced=True)
    if set("".join(document.texts())) - {"\n"} <= reduced.coverage:
        reduced.install(pdf)
    else:
        _font_set(reduced=False).install(pdf)


def _install_fonts_from_files(pdf: FPDF, _document: Document) -> None:
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT_FAMILY, style, FONT_DIR / name)


# ---- Rendering --------------------------------------------------------------------------------


# (font key, text) → advance width in font units (1/1000 em); the same for the reduced and the
# full font, which share their metrics.
_TEXT_UNITS: dict[tuple[str, str], float] = {}
_TEXT_UNITS_LIMIT = 50_000


@dataclasses.dataclass(frozen=True)
class _Line:
    text: str
    width: float
    spaces: int
    last: bool


class _Pdf(FPDF):
    def __init__(self, document: Document) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.document = document
        self.set_margins(left=22, top=16, right=14)
        self.set_auto_page_break(True, margin=16)
        self.c_margin = 0
        self.set_creation_date(document.created_at)
        self.set_title(document.title)
        self.set_author(document.author)
        self.set_subject(document.subject)
        self.set_creator("PrivetManagerApp")
        self.set_producer("PrivetManagerApp (fpdf2)")
        self.set_lang("ru-RU")
        self.set_text_color(*TEXT_COLOR)
        self.set_draw_color(*RULE_COLOR)

    # fpdf2 hooks
    def header(self) -> None:
        if not self.document.header:
            return
        self.use_font(7, muted=True)
        self.set_xy(self.l_margin, 8)
        self.cell(self.epw, 3.5, self.document.header, align="R")
        self.set_xy(self.l_margin, self.t_margin)
        self.set_text_color(*TEXT_COLOR)

    def footer(self) -> None:
        if not self.document.footer:
            return
        text = self.document.footer.replace("{page}", str(self.page_no()))
        text = text.replace("{pages}", self.str_alias_nb_pages)
        self.use_font(7, muted=True)
        self.set_xy(self.l_margin, self.h - 11)
        self.cell(self.epw, 3.5, text, align="C")
        self.set_text_color(*TEXT_COLOR)

    # text
    def use_font(self, size: float, *, bold: bool = False, muted: bool = False) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.set_text_color(*(MUTED_COLOR if muted else TEXT_COLOR))

    def text_width(self, text: str) -> float:
        font = self.current_font
        key = (font.fontkey, text)
        units = _TEXT_UNITS.get(key)
        if units is None:
            # contracts repeat the same words: their widths are remembered per process
            if len(_TEXT_UNITS) > _TEXT_UNITS_LIMIT:
                _TEXT_UNITS.clear()
            widths = font.cw
            units = _TEXT_UNITS[key] = sum(widths[ord(char)] for char in text)
        return units * self.font_size_pt * 0.001 / self.k

    def wrap(self, text: str, width: float, indent: float = 0) -> list[_Line]:
        """Greedy word wrap with per-word widths; explicit newlines start new lines."""
        lines: list[_Line] = []
        space = self.text_width(" ")
        for paragraph in text.split("\n"):
            current: list[str] = []
            current_width = 0.0
            available = width - indent
            for word in filter(None, paragraph.split(" ")):
                word_width = self.text_width(word)
                if current and current_width + space + word_width > available:
                    lines.append(_Line(" ".join(current), current_width, len(current) - 1, False))
                    current, current_width, available = [], 0.0, width
                while word_width > available:
                    # a word longer than a whole line (a long URL): cut it by characters
                    head, word = self._cut(word, available)
                    lines.append(_Line(head, self.text_width(head), 0, last=False))
                    word_width, available = self.text_width(word), width
                current_width += word_width + (space if current else 0)
                current.append(word)
            lines.append(_Line(" ".join(current), current_width, max(len(current) - 1, 0), True))
        return lines

    def _cut(self, word: str, available: float) -> tuple[str, str]:
        total = 0.0
        for index, char in enumerate(word):
            total += self.text_width(char)
            if total > available:
                return word[: max(index, 1)], word[max(index, 1) :]
        return word, ""

    def line(self, text_line: _Line, x: float, width: float, height: float, align: str) -> None:
        """One wrapped line at x, then the next line. Justified lines spread their spaces."""
        self.ensure_space(height)
        if align == "J" and not text_line.last and text_line.spaces:
            # fpdf2's own multi_cell emits each justified line this way; calling it directly
            # skips multi_cell's quadratic re-measuring (fpdf2 is pinned in requirements.txt).
            self.set_x(x)
            fragments = self._preload_font_styles(text_line.text, markdown=False)
            self._render_styled_text_line(
                TextLine(
                    fragments,
                    text_width=text_line.width,
                    number_of_spaces=text_line.spaces,
                    align=Align.J,
                    height=height,
                    max_width=width,
                ),
                height,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            return
        offset = 0.0
        if align == "R":
            offset = width - text_line.width
        elif align == "C":
            offset = (width - text_line.width) / 2
        if text_line.text:
            # text() is a quarter of cell()'s cost; the baseline is where cell() puts it
            baseline = self.y + 0.5 * height + 0.3 * self.font_size
            self.text(x + offset, baseline, text_line.text)
        self.set_xy(self.l_margin, self.y + height)

    @staticmethod
    def line_height(size: float) -> float:
        return size * PT * LINE_SPACING

    def ensure_space(self, height: float) -> None:
        if self.will_page_break(height):
            self.add_page()

    # blocks
    def title_block(self) -> None:
        document = self.document
        self.use_font(13, bold=True)
        self.cell(self.epw, 7, document.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if document.subtitle:
            self.use_font(10)
            for text_line in self.wrap(document.subtitle, self.epw):
                self.line(text_line, self.l_margin, self.epw, 5, "C")
        if document.place or document.date:
            self.ln(3)
            self.use_font(9)
            y = self.y
            self.cell(self.epw / 2, 5, document.place or "", align="L")
            self.set_xy(self.l_margin + self.epw / 2, y)
            self.cell(self.epw / 2, 5, document.date or "", align="R")
            self.set_xy(self.l_margin, y + 5)
        self.ln(3)

    def heading(self, block: Heading, keep_with: float = 0) -> None:
        self.use_font(block.size, bold=True)
        height = self.line_height(block.size)
        lines = self.wrap(block.text, self.epw)
        # never alone at a page's foot: together with the start of what it heads
        self.ensure_space(block.space_before + height * len(lines) + keep_with)
        self.ln(block.space_before)
        for text_line in lines:
            self.line(text_line, self.l_margin, self.epw, height, "L")
        self.ln(block.space_after)

    def paragraph(self, block: Paragraph) -> None:
        self.use_font(block.size, bold=block.bold, muted=block.muted)
        height = self.line_height(block.size)
        for index, text_line in enumerate(self.wrap(block.text, self.epw, block.indent)):
            indent = block.indent if index == 0 else 0
            self.line(text_line, self.l_margin + indent, self.epw - indent, height, block.align)
        self.ln(block.space_after)

    def grid(
        self,
        widths: Sequence[float],
        rows: Sequence[Sequence[str]],
        aligns: Sequence[str],
        size: float,
        *,
        bold_rows: frozenset[int] = frozenset(),
        header: Sequence[str] | None = None,
        bold_first_column: bool = False,
        shade_first_column: bool = False,
    ) -> None:
        padding = 1.0
        height = self.line_height(size)
        header_row = list(header) if header else None

        def layout(row: Sequence[str], bold: bool) -> tuple[list[list[_Line]], float]:
            cells = []
            for column, text in enumerate(row):
                self.use_font(size, bold=bold or (bold_first_column and column == 0))
                cells.append(self.wrap(text, widths[column] - 2 * padding))
            lines = max(len(cell) for cell in cells)
            return cells, lines * height + 2 * padding

        def draw(row: Sequence[str], bold: bool, fill: bool) -> None:
            cells, row_height = layout(row, bold)
            if self.will_page_break(row_height):
                self.add_page()
                if header_row and not fill:
                    draw(header_row, True, True)
            top, x = self.y, self.l_margin
            for column, cell_lines in enumerate(cells):
                shaded = fill or (shade_first_column and column == 0)
                if shaded:
                    self.set_fill_color(*HEADER_FILL)
                self.rect(x, top, widths[column], row_height, style="DF" if shaded else "D")
                self.use_font(size, bold=bold or (bold_first_column and column == 0))
                self.set_y(top + padding)
                for text_line in cell_lines:
                    self.line(
                        text_line, x + padding, widths[column] - 2 * padding, height, aligns[column]
                    )
                x += widths[column]
            self.set_xy(self.l_margin, top + row_height)

        if header_row:
            draw(header_row, True, True)
        for index, row in enumerate(rows):
            draw(row, index in bold_rows, False)

    def table(self, block: Table) -> None:
        total = sum(column.width for column in block.columns)
        widths = [self.epw * column.width / total for column in block.columns]
        self.grid(
            widths,
            block.rows,
            [column.align for column in block.columns],
            block.size,
            bold_rows=block.bold_rows,
            header=[column.title for column in block.columns],
        )
        self.ln(block.space_after)

    def fields(self, block: Fields) -> None:
        label = self.epw * block.label_width
        self.grid(
            [label, self.epw - label],
            block.rows,
            ["L", "L"],
            block.size,
            shade_first_column=True,
        )
        self.ln(block.space_after)

    _SIGNATURE_GAP = 8

    def _signature_columns(self, block: Signatures) -> tuple[float, list, int, int]:
        width = (self.epw - self._SIGNATURE_GAP) / 2
        self.use_font(block.size)
        columns = [
            (
                party,
                [line for text in party.lines for line in self.wrap(text, width)],
                self.wrap(party.signature, width),
            )
            for party in block.parties
        ]
        rows = max(len(lines) for _, lines, _ in columns)
        signature_rows = max(len(signature) for _, _, signature in columns)
        return width, columns, rows, signature_rows

    def signatures_height(self, block: Signatures) -> float:
        _, _, rows, signature_rows = self._signature_columns(block)
        return (rows + signature_rows + 1) * self.line_height(block.size) + 12

    def signatures(self, block: Signatures, keep_with: float = 0) -> None:
        width, columns, rows, _ = self._signature_columns(block)
        height = self.line_height(block.size)
        self.ensure_space(self.signatures_height(block) + keep_with)
        top = self.y
        for index, (party, lines, signature) in enumerate(columns):
            x = self.l_margin + index * (width + self._SIGNATURE_GAP)
            self.set_xy(x, top)
            self.use_font(block.size + 0.5, bold=True)
            self.cell(width, height + 1, party.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.use_font(block.size)
            for text_line in lines:
                self.line(text_line, x, width, height, "L")
            self.set_y(top + (rows + 1) * height + 9)
            for text_line in signature:
                self.line(text_line, x, width, height, "L")
        self.set_xy(self.l_margin, top + self.signatures_height(block))

    def qr_height(self, block: QRCode) -> float:
        self.use_font(8)
        caption = self.wrap(block.caption, self.epw - block.size - 4)
        return max(block.size, len(caption) * 4) + 2

    def qr_code(self, block: QRCode) -> None:
        # A fixed mask: every one of the eight gives a valid symbol that readers decode alike;
        # scoring all eight (segno's default) costs ~3 ms of pure Python per document.
        qr = segno.make(block.url, error="m", micro=False, mask=QR_MASK)
        matrix = qr.matrix
        module = block.size / (len(matrix) + 2)
        self.ensure_space(self.qr_height(block))
        self.use_font(8)
        caption = self.wrap(block.caption, self.epw - block.size - 4)
        top, left = self.y, self.l_margin
        self.set_fill_color(0, 0, 0)
        for row_index, row in enumerate(matrix):
            y = top + (row_index + 1) * module
            column = 0
            while column < len(row):
                if not row[column]:
                    column += 1
                    continue
                start = column
                while column < len(row) and row[column]:
                    column += 1
                x = left + (start + 1) * module
                self.rect(x, y, (column - start) * module, module, style="F")
        self.set_y(top + 2)
        for text_line in caption:
            self.line(text_line, left + block.size + 4, self.epw - block.size - 4, 4, "L")
        self.set_xy(self.l_margin, top + block.size + 2)

    def keep_height(self, blocks: Sequence[Block], index: int) -> float:
        """How much of the block at `index` must share a page with what precedes it."""
        if index >= len(blocks):
            return 0
        block = blocks[index]
        if isinstance(block, Paragraph):
            return 2 * self.line_height(block.size)
        if isinstance(block, Table | Fields):
            return 2 * self.line_height(block.size) + 4  # the header and a first row
        if isinstance(block, Signatures):
            # the verification QR stays on the signatures' page
            return self.signatures_height(block) + self.keep_height(blocks, index + 1)
        if isinstance(block, QRCode):
            return self.qr_height(block)
        return 0

    def render(self) -> bytes:
        self.add_page()
        self.title_block()
        blocks = self.document.blocks
        for index, block in enumerate(blocks):
            if isinstance(block, Heading):
                self.heading(block, keep_with=self.keep_height(blocks, index + 1))
            elif isinstance(block, Paragraph):
                self.paragraph(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Fields):
                self.fields(block)
            elif isinstance(block, Signatures):
                self.signatures(block, keep_with=self.keep_height(blocks, index + 1))
            elif isinstance(block, QRCode):
                self.qr_code(block)
            elif isinstance(block, Spacer):
                self.ln(block.height)
        return bytes(self.output())


def render(document: Document) -> bytes:
    """The document as PDF bytes, built in the CPU pool (infra/cpu_pool.py): layout holds the
    GIL for most of its time, and in a worker process it stops the replica's other requests."""
    return cpu_pool.run(render_here, document)


def render_here(document: Document) -> bytes:
    """The same, in this process; fonts come from the per-process cache."""
    pdf = _Pdf(document)
    _install_cached_fonts(pdf, document)
    return pdf.render()


def render_parsing_fonts(document: Document) -> bytes:
    """The same document, parsing the TTF files as a plain fpdf2 program does every time.

    Kept as the benchmark's baseline (bench/contract_generation.py) and as a reference the
    tests compare the cached renderer's text against.
    """
    pdf = _Pdf(document)
    _install_fonts_from_files(pdf, document)
    return pdf.render()
