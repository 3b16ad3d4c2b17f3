"""Every module's docstring examples run and hold: a docstring that shows an example is a promise."""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# their examples load the spaCy pipeline
NEEDS_MODEL = {"ingest.entities", "ingest.pipeline", "graph.app.corpus", "graph.views.network"}
MODULES = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for package in ("ingest", "graph", "ontology")
                 for p in (ROOT / package).glob("**/*.py" if package == "graph" else "*.py") if p.stem != "__init__")


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.model) if n in NEEDS_MODEL else n
                                  for n in MODULES])
def test_doctests_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"
