"""`make run` leaves the checkout as it was: building the frontend writes only ignored files."""

from __future__ import annotations

from reflex.utils.frontend_skeleton import initialize_gitignore

from tests.conftest import ROOT


def test_инициализация_reflex_при_сборке_не_дописывает_gitignore(tmp_path):
    # `reflex export` runs Reflex's init whenever .web is missing (a fresh checkout, `make clean`),
    # and the init adds every entry of its own that it does not find in .gitignore word for word.
    ours = (ROOT / ".gitignore").read_text()
    copy = tmp_path / ".gitignore"
    copy.write_text(ours)
    initialize_gitignore(gitignore_file=copy)
    assert copy.read_text() == ours
