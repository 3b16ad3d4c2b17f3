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

    def run(text: str, date: str | None = None, author: str | None = None):
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


HAND_ACTORS = {  # name in the text -> (entity key, class); keys as in the gazetteer
    "China": ("china", "State"), "North Korea": ("north_korea", "State"), "Xi Jinping": ("xi_jinping", "Person"),
    "Kim Jong-un": ("kim_jong_un", "Person"), "Wang Yi": ("wang_yi", "Person"), "Beijing": ("beijing", "City"),
    "Pyongyang": ("pyongyang", "City"),
}


@pytest.fixture(scope="session")
def make_extraction():
    """Build records by hand, without spaCy: every known actor named in ``text`` is an entity with
    one mention; ``meeting=True`` adds a meeting between the people named."""
    from ingest.records import Document, Entity, Event, Extraction, Mention

    def build(text: str, *, source: str | None = None, title: str | None = None, date: str | None = None,
              meeting: bool = False) -> Extraction:
        doc = Document.from_text(text, title=title, source=source, date=date)
        entities, people = [], []
        for name, (key, cls) in HAND_ACTORS.items():
            start = text.find(name)
            if start < 0:
                continue
            mention = Mention(doc.id, 0, text, start, start + len(name), name)
            entities.append(Entity(key, name, cls, in_gazetteer=True, mentions=(mention,)))
            if cls == "Person":
                people.append(key)
        events = ()
        if meeting and len(people) >= 2:
            trigger = Mention(doc.id, 0, text, 0, len(text), text)
            events = (Event("e1", "Meeting", "met", participants=tuple(people[:2]), date=date, mentions=(trigger,)),)
        return Extraction(doc, tuple(entities), events=events)

    return build


@pytest.fixture()
def yalu(tmp_path):
    """Run the installed ``yalu`` script in a child process; the store is ``tmp_path / "store"``
    unless ``store=`` is given. Returns the CompletedProcess (text stdout/stderr)."""
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("yalu")
    if not exe.exists():
        pytest.skip(f"no yalu script next to {sys.executable} (pip install -e . first)")

    def run(*args, store: Path | None = None, timeout: float = 900, **kwargs) -> subprocess.CompletedProcess:
        env = {**os.environ, "YALU_STORE": str(store or tmp_path / "store"), "COLUMNS": "200"}
        env.pop("YALU_DEBUG", None)
        env.update(kwargs.pop("env", {}))
        return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, env=env, cwd=tmp_path,
                              timeout=timeout, **kwargs)

    return run
