"""Yalu's vocabulary (OWL), SHACL shapes and actor gazetteer, as data files with tiny loaders.

Importing this package loads nothing heavy: the RDF-facing helpers live in
:mod:`ontology.namespace`, the RDF-free gazetteer loader in :mod:`ontology.actors`.
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
ONTOLOGY_TTL = HERE / "yalu.ttl"
SHAPES_TTL = HERE / "shapes.ttl"
GAZETTEER_DIR = HERE / "gazetteer"

__all__ = ["ONTOLOGY_TTL", "SHAPES_TTL", "GAZETTEER_DIR"]
