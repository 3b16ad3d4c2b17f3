"""Check a Yalu graph against ``ontology/shapes.ttl`` with pySHACL.

Validation returns a report; callers decide what a violation means (the CLI would turn it
into an exit code). pySHACL is needed only here, and imported only when validating.

    >>> from rdflib import Graph
    >>> validate(Graph())
    (True, 'Validation Report\\nConforms: True\\n')
"""
from __future__ import annotations

from functools import lru_cache

from rdflib import Dataset, Graph

from ontology import ONTOLOGY_TTL, SHAPES_TTL


@lru_cache(maxsize=1)
def load_shapes() -> Graph:
    """The SHACL shapes (``ontology/shapes.ttl``), parsed once."""
    return Graph().parse(SHAPES_TTL, format="turtle")


@lru_cache(maxsize=1)
def _ontology() -> Graph:
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


def validate(graph: Graph | Dataset) -> tuple[bool, str]:
    """Validate ``graph`` against Yalu's shapes, with RDFS inference over the ontology.

    The ontology is mixed into a copy of the data before inference, so the caller's graph is
    never changed. A Dataset is validated one named graph at a time (pySHACL's behaviour).

    Args:
        graph: the data, e.g. from ``graph.build.build_graph`` or a parsed export.

    Returns:
        ``(conforms, report_text)``: the pySHACL verdict and its human-readable report.

    Raises:
        ImportError: when pySHACL is not installed (it comes with the ``test`` extra).
    """
    try:
        from pyshacl import validate as shacl_validate
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("validating needs pySHACL: pip install 'yalu[test]' (or pip install pyshacl)") from exc
    conforms, _, text = shacl_validate(
        graph,
        shacl_graph=load_shapes(),
        ont_graph=_ontology(),
        inference="rdfs",
        abort_on_first=False,
        allow_warnings=False,
        inplace=False,
    )
    return bool(conforms), str(text)
