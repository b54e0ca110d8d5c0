"""Contracts and signature certificates rendered at the same time come out whole.

A contract is hashed and signed as the legal document: a file whose embedded font belongs to
another document rendered a moment earlier is worse than an error. Each parallel render is
compared byte for byte with a render of the same input done alone (creation dates are pinned by
the documents, so equal input gives equal bytes).
"""

from __future__ import annotations

import enum
import io
import random
import threading
from pathlib import PurePath
from types import MappingProxyType

from pypdf import PdfReader

from privet_manager_app.infra import pdf
from tests.support import documents

THREADS = 8
RENDERS_PER_THREAD = 25
KINDS = 6  # distinct documents per kind: different people, devices, amounts


def _inputs() -> list[tuple[str, pdf.Document]]:
    return [(f"договор {index}", documents.contract(index)) for index in range(KINDS)] + [
        (f"лист подписания {index}", documents.certificate(index)) for index in range(KINDS)
    ]


IMMUTABLE = (str, bytes, int, float, bool, tuple, frozenset, enum.Enum, PurePath, MappingProxyType)


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_договоры_и_листы_подписания_отрисованные_разом_совпадают_с_отрисованными_поодиночке():
    inputs = _inputs()
    alone = [pdf.render(document) for _, document in inputs]
    for (label, document), data in zip(inputs, alone, strict=True):
        # the references themselves are whole: the fonts embedded in them set readable text
        assert document.title.split()[0] in _text(data), label

    barrier = threading.Barrier(THREADS)
    wrong: list[str] = []
    errors: list[str] = []

    def manager(seed: int) -> None:
        order = random.Random(seed).choices(range(len(inputs)), k=RENDERS_PER_THREAD)
        barrier.wait()
        for index in order:
            label, document = inputs[index]
            try:
                data = pdf.render(document)
            except Exception as error:  # counted and reported below, not hidden
                errors.append(f"{label}: {type(error).__name__}: {error}")
                continue
            if data != alone[index]:
                wrong.append(label)

    threads = [threading.Thread(target=manager, args=(seed,)) for seed in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    total = THREADS * RENDERS_PER_THREAD
    outcome = f"of {total} renders {len(errors)} raised, {len(wrong)} differ from a lone render"
    assert errors == [], f"{outcome}; raised: {errors[:3]}"
    assert wrong == [], f"{outcome}; differ: {wrong[:5]}"


def test_два_документа_не_делят_ни_одного_изменяемого_объекта_шрифта():
    """What the parallel test shows by chance, checked exactly: whatever font state two
    documents hold in common is immutable (fpdf2 writes into the rest while it outputs)."""
    first, second = pdf._Pdf(documents.contract(0)), pdf._Pdf(documents.certificate(1))
    for document in (first, second):
        pdf._install_cached_fonts(document, document.document)
    shared = []
    for key, font in first.fonts.items():
        other = second.fonts[key]
        for name in type(font).__slots__:
            value = getattr(font, name, None)
            same = value is not None and value is getattr(other, name, None)
            if same and not isinstance(value, IMMUTABLE):
                shared.append(f"{key}.{name}: {type(value).__name__}")
    assert shared == []
