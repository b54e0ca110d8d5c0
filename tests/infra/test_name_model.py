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
