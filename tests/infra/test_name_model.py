"""The spelling model that settles look-alike glyphs in the zone's names (8/B, 9/O, 3/S)."""

from __future__ import annotations

import concurrent.futures

from privet_manager_app.infra import name_model


def test_модель_считает_русское_написание_вероятнее_нечитаемого():
    model = name_model.model()
    assert model is not None, "нужен пакет hunspell-ru (scripts/install-system-deps.sh)"
    # УЛЬЯНОВ against УЛЬБНОВ, ВИЧ against ВИС, БОЙКО against ЯОЙКО, ИВАНОВ against ЬВАНОВ.
    for likely, unlikely in (("UL98NOV", "UL9BNOV"), ("VI3", "VIS"), ("BOQKO", "8OQKO"),
                             ("IVANOV", "9VANOV")):  # fmt: skip
        assert model.log_probability(likely) > model.log_probability(unlikely)


def test_буквы_словаря_переводятся_в_знаки_зоны():
    assert name_model.to_zone("Соловьёв") == "SOLOV92V"
    assert name_model.to_zone("Jean") is None


def test_где_выбора_нет_решают_голоса_распознавания():
    cells = [{char: 1.0} for char in "PNRUSIVANOV<<IVAN"] + [{"<": 1.0}] * 27
    assert name_model.resolve(cells) == "PNRUSIVANOV<<IVAN" + "<" * 27


def test_сомнительный_знак_выбирается_по_написанию_и_голосам():
    word = "UL98NOVA"
    cells = [{char: 1.0} for char in "PNRUS"] + [{char: 1.0} for char in word]
    cells[5 + 3] = {"B": 1.0, "8": 0.9}  # Я read as B about as often as 8
    cells += [{"<": 1.0}] * (44 - len(cells))
    assert name_model.resolve(cells).startswith("PNRUSUL98NOVA<")
    # A clear glyph is not overruled by spelling.
    cells[5 + 3] = {"B": 2.6, "8": 0.05}
    assert name_model.resolve(cells).startswith("PNRUSUL9BNOVA<")


def test_модель_строится_один_раз_даже_при_одновременных_запросах(monkeypatch):
    monkeypatch.setattr(name_model, "_loaded", False)
    monkeypatch.setattr(name_model, "_model", None)
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        models = list(pool.map(lambda _: name_model.model(), range(8)))
    assert all(model is models[0] for model in models)


def _cells(line1: str, **votes: dict[str, float]) -> list[dict[str, float]]:
    """Cells of line 1 read clearly (a glyph confirmed by its second looks), but for the
    positions given as p<index>=votes; filled with fillers to 44."""
    cells = [{char: 3.4} for char in line1.ljust(44, "<")]
    for name, vote in votes.items():
        cells[int(name[1:])] = vote
    return cells


def test_лишний_знак_между_именем_и_заполнителем_отбрасывается():
    # Seed 1010 of the benchmark: «Олег» came out «Олегк» — a glyph no second look confirmed
    # read between the name and its filler, the patronymic one cell to the right.
    cells = _cells("PNRUSGRIGOR9EV<<OLEGK<IL9I3", p20={"K": 0.8})
    assert name_model.resolve(cells) == "PNRUSGRIGOR9EV<<OLEG<IL9I3".ljust(44, "<")
    # The same glyph confirmed by the second looks is a letter of the name.
    cells = _cells("PNRUSGRIGOR9EV<<OLEGK<IL9I3", p20={"K": 2.6})
    assert name_model.resolve(cells) == "PNRUSGRIGOR9EV<<OLEGK<IL9I3".ljust(44, "<")


def test_неподтверждённая_буква_может_быть_цифрой_заменой_буквы():
    # Seed 1137: «Софья» came out «Софоб» — Ь (9) read as O, Я (8) as B, no look confirming
    # the O; before, a glyph with one candidate was never weighed against spelling.
    cells = _cells("PNRUSCVETKOVA<<SOFOB<KUZ9MINI3NA", p18={"O": 0.8}, p19={"B": 0.8, "8": 1.0})
    assert name_model.resolve(cells).startswith("PNRUSCVETKOVA<<SOF98<KUZ9MINI3NA<")
    # A clearly read O stays an O: СОФОН is not turned into «СОФЬН».
    assert name_model.resolve(_cells("PNRUSCVETKOVA<<SOFON")).startswith("PNRUSCVETKOVA<<SOFON<")


def test_выбор_по_всем_знакам_сразу_совпадает_с_полным_перебором():
    import itertools
    import math
    import random

    model = name_model.model()
    generator = random.Random(7)
    for _ in range(30):
        word = [generator.choice("ABVGDEIKLMNOPRSTUX89") for _ in range(generator.randint(2, 7))]
        cells = [{char: generator.choice((0.8, 1.0, 3.4))} for char in word]
        cells[generator.randrange(len(cells))][generator.choice("B8SO9")] = 0.9
        chosen = list(word)
        dropped = name_model._resolve_part(chosen, cells, 0, len(word), model)
        options = [
            name_model._options(cell, last=index == len(cells) - 1)
            for index, cell in enumerate(cells)
        ]

        def score(combination):
            text = "".join(char for char, _ in combination).removesuffix("<")
            if text.startswith("<") or "<<" in text:
                return -math.inf  # a part neither starts with a filler nor holds two
            ocr = sum(value for _, value in combination)
            words = text.split("<")
            return sum(map(model.log_probability, words)) + name_model.OCR_WEIGHT * ocr

        best = max(itertools.product(*options), key=score)
        found = [(char, dict(option)[char]) for option, char in zip(options, chosen, strict=True)]
        assert math.isclose(score(best), score(found))
        assert dropped == (best[-1][0] == "<")


def test_заполнитель_между_именем_и_отчеством_прочитанный_как_буква_разделяет_их():
    # Seed 2201: «Всеволод Петрович» came out as one name «Всеволодкпетрович» — the filler
    # between them read as K, no second look confirming it.
    cells = _cells("PNRUS2LKIN<<VSEVOLODKPETROVI3", p20={"K": 0.8})
    assert name_model.resolve(cells) == "PNRUS2LKIN<<VSEVOLOD<PETROVI3".ljust(44, "<")
    # A K in a name, read as clearly, stays: МАКСИМ is not split into «МА СИМ».
    cells = _cells("PNRUS3ERNY42V<<MAKSIM<KUZ9MI3", p17={"K": 0.8})
    assert name_model.resolve(cells).startswith("PNRUS3ERNY42V<<MAKSIM<KUZ9MI3<")
