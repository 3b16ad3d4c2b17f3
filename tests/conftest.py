"""Shared fixtures: the spaCy pipeline (loaded once), our own texts, and paths to ../shared."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = SHARED / "eval" / "gold"


@pytest.fixture(scope="session")
def nlp():
    """Yalu's spaCy pipeline; tests using it are about extraction rules, not the statistical model."""
    from ingest.pipeline import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def extract_text(nlp):
    """Extract records from a text we wrote, with an optional publication date."""
    from ingest.pipeline import extract
    from ingest.records import Document

    def run(text: str, date: str | None = "2016-09-05", author: str | None = None):
        return extract(Document.from_text(text, date=date, author=author), nlp)

    return run


@pytest.fixture()
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is absent (it is not part of this repository)")
    return CORPUS


def pytest_collection_modifyitems(config, items):
    # Tests that use the spaCy pipeline are marked, so `-m "not model"` gives a fast subset.
    for item in items:
        if "nlp" in getattr(item, "fixturenames", ()) or "extract_text" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.model)
