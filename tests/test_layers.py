"""The import graph of the three packages, read with ``ast``: layers point one way and graph/ has no circle.

Every import counts, also those inside functions: a circle through a deferred import is still a
circle a reader has to untangle. ``from a.b import c`` is an import of module ``a.b.c`` when that
is a module, else of ``a.b``; importing a sub-module is not counted as importing its package's face.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ontology", "ingest", "graph")
# Lowest first: a module may import its own layer and those below, never one above. A module
# belongs to the longest layer name it starts with, so a new graph/x.py lands in "graph", below build.
LAYERS = ("ontology", "ingest", "graph", "graph.build", "graph.store", "graph.views", "graph.app")
SPACY = {"spacy", "thinc"}


def _module_names() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = _module_names()


def imports_of(name: str, source: str, known: set[str] | frozenset[str]) -> set[str]:
    """The modules ``source`` (module ``name``) imports: project modules by name, others by top package."""
    package = name if MODULES.get(name, Path()).name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names)
    return {m if m in known else m.split(".")[0] for m in found}


def layer(name: str) -> int:
    """Index in LAYERS of the layer ``name`` belongs to."""
    matches = [i for i, prefix in enumerate(LAYERS) if name == prefix or name.startswith(prefix + ".")]
    return max(matches, key=lambda i: len(LAYERS[i]))


def import_graph(modules: dict[str, str]) -> nx.DiGraph:
    """Module -> imported module, for modules given as name -> source text."""
    g = nx.DiGraph()
    known = frozenset(modules)
    for name, source in modules.items():
        g.add_node(name)
        g.add_edges_from((name, target) for target in imports_of(name, source, known))
    return g


def circles(g: nx.DiGraph, prefix: str) -> list[list[str]]:
    """The import circles among modules named ``prefix`` or under it."""
    inside = g.subgraph(n for n in g if n == prefix or n.startswith(prefix + "."))
    return sorted(sorted(c) for c in nx.strongly_connected_components(inside) if len(c) > 1)


def upward(g: nx.DiGraph) -> list[tuple[str, str]]:
    """Imports from a module to one in a higher layer."""
    return sorted((a, b) for a, b in g.edges if a in MODULES and b in MODULES and layer(b) > layer(a))


GRAPH = import_graph({name: path.read_text(encoding="utf-8") for name, path in MODULES.items()})


def test_layers_graph_has_no_import_circle():
    assert circles(GRAPH, "graph") == []


def test_layers_no_import_from_a_lower_layer_to_a_higher_one():
    assert upward(GRAPH) == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.split(".")[0] == "ingest"))
def test_layers_ingest_imports_nothing_from_graph(name):
    assert not {m for m in GRAPH.successors(name) if m.split(".")[0] == "graph"}


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) == LAYERS.index("graph.views")))
def test_layers_views_never_import_spacy(name):
    reached = nx.descendants(GRAPH, name) | {name}
    assert not {(m, s) for m in reached & set(MODULES) for s in GRAPH.successors(m) if s in SPACY}


@pytest.mark.parametrize("modules, found", [
    ({"graph.a": "from graph.b import x", "graph.b": "import graph.a"}, [["graph.a", "graph.b"]]),
    ({"graph.a": "def f():\n    from graph import b", "graph.b": "from graph.a import f"}, [["graph.a", "graph.b"]]),
    ({"graph.a": "from graph.b import x", "graph.b": "import ontology"}, []),
])
def test_layers_circles_are_found_also_through_deferred_imports(modules, found):
    assert circles(import_graph(modules), "graph") == found


@pytest.mark.parametrize("importer, imported, allowed", [
    ("graph.store.embedded", "graph.build", True),
    ("graph.views.network", "graph.store", True),
    ("graph.store.factory", "graph.views.render", False),
    ("graph.build", "graph.app.cli", False),
    ("ingest.records", "graph.build", False),
    ("ontology.actors", "ingest.records", False),
])
def test_layers_order(importer, imported, allowed):
    assert (layer(imported) <= layer(importer)) == allowed
