"""The vocabulary, its Python namespace, the gazetteer and every data file that ships with Yalu."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ontology import GAZETTEER_DIR, ONTOLOGY_TTL, SHAPES_TTL
from ontology.actors import COARSE_CLASS, RELATIONS, load_gazetteer
from ontology.namespace import YALU

ROOT = Path(__file__).resolve().parents[1]
NS = str(YALU._NS)

# The minimum vocabulary the extraction scorer reads (../shared/eval/README.md, "The vocabulary
# contract"), written out here so the test does not depend on ../shared being present.
CONTRACT_CLASSES = {
    "Person": None, "State": None, "Organization": None, "Place": None,
    "PoliticalParty": "Organization", "GovernmentBody": "Organization", "MilitaryOrganization": "Organization",
    "MediaOrganization": "Organization", "Group": "Organization", "Company": "Organization",
    "InternationalOrganization": "Organization",
    "City": "Place", "Region": "Place", "Facility": "Place",
}
CONTRACT_FACTS = ("leaderOf", "memberOf", "envoyOf", "partOf", "locatedIn", "capitalOf", "affiliatedWith",
                  "country", "title", "liaisonWith")
CONTRACT_SUBPROPERTIES = (("leaderOf", "memberOf"), ("memberOf", "affiliatedWith"),
                          ("envoyOf", "affiliatedWith"), ("capitalOf", "locatedIn"))
CONTRACT_EVENTS = ("Meeting", "Visit", "Statement", "Sanction", "NuclearTest", "MissileTest", "Defection",
                   "PartyCongress", "Deployment", "Performance", "MilitaryAction")
CONTRACT_EVENT_PROPERTIES = ("agent", "participant", "target", "date", "place", "modality")
CONTRACT_MODALITIES = ("negated", "hypothetical", "speculative", "planned")


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(ONTOLOGY_TTL, format="turtle")


def defined_terms(g: Graph) -> set[str]:
    """Local names of the yalu: IRIs the ontology says something about."""
    return {str(s)[len(NS):] for s in set(g.subjects()) if isinstance(s, URIRef) and str(s).startswith(NS)}


def superclasses(g: Graph, cls: URIRef) -> set[URIRef]:
    return set(g.transitive_objects(cls, RDFS.subClassOf)) - {cls}


# ---------------------------------------------------------------- the closed namespace


def test_ontology_namespace_matches_turtle_both_ways(onto):
    in_python = set(YALU.__annotations__)
    in_turtle = defined_terms(onto)
    assert in_python - in_turtle == set(), "in ontology/namespace.py but not defined in yalu.ttl"
    assert in_turtle - in_python == set(), "defined in yalu.ttl but missing from ontology/namespace.py"


def test_ontology_turtle_uses_no_undefined_yalu_term(onto):
    used = {str(t)[len(NS):] for triple in onto for t in triple if isinstance(t, URIRef) and str(t).startswith(NS)}
    assert used <= defined_terms(onto)


@pytest.mark.parametrize("name", ["Meetings", "meeting", "leader_of", "Nope"])
def test_ontology_namespace_rejects_unknown_names(name):
    with pytest.raises(AttributeError):
        getattr(YALU, name)
    with pytest.raises(AttributeError):
        YALU[name]


def test_ontology_every_term_has_label_and_comment(onto):
    terms = [URIRef(NS + t) for t in defined_terms(onto)] + [URIRef("https://w3id.org/yalu/ontology")]
    lacking = [(str(t), p) for t in terms for p in ("label", "comment")
               if onto.value(t, RDFS[p]) is None]
    assert lacking == []


def test_ontology_every_term_is_declared(onto):
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual,
             YALU.Modality}
    undeclared = [t for t in defined_terms(onto) if not set(onto.objects(URIRef(NS + t), RDF.type)) & kinds]
    assert undeclared == []


# ---------------------------------------------------------------- axioms and Python agree


def test_ontology_coarse_class_agrees_with_subclass_axioms(onto):
    coarse = {"Person", "State", "Organization", "Place"}
    entity_classes = {str(c)[len(NS):] for c in onto.subjects(RDF.type, OWL.Class)
                      if {YALU.Actor, YALU.Place} & (superclasses(onto, c) | {c}) and c != YALU.Actor}
    assert entity_classes == set(COARSE_CLASS)
    for fine, expected in COARSE_CLASS.items():
        ups = {str(c)[len(NS):] for c in superclasses(onto, YALU[fine]) | {YALU[fine]}}
        assert ups & coarse == {expected}, fine


def test_ontology_gazetteer_relations_are_properties(onto):
    for relation in RELATIONS:
        assert (YALU[relation], RDF.type, OWL.ObjectProperty) in onto


# ---------------------------------------------------------------- the scorer's contract


@pytest.mark.parametrize("name,parent", sorted(CONTRACT_CLASSES.items()))
def test_ontology_contract_entity_classes(onto, name, parent):
    cls = YALU[name]
    assert (cls, RDF.type, OWL.Class) in onto
    if parent:
        assert YALU[parent] in superclasses(onto, cls)


@pytest.mark.parametrize("name", CONTRACT_FACTS)
def test_ontology_contract_fact_predicates(onto, name):
    kinds = set(onto.objects(YALU[name], RDF.type))
    assert kinds & {OWL.ObjectProperty, OWL.DatatypeProperty}
    if name == "title":
        assert OWL.DatatypeProperty in kinds
    else:
        assert OWL.ObjectProperty in kinds


@pytest.mark.parametrize("narrow,broad", CONTRACT_SUBPROPERTIES)
def test_ontology_contract_subproperties(onto, narrow, broad):
    assert YALU[broad] in set(onto.transitive_objects(YALU[narrow], RDFS.subPropertyOf))


@pytest.mark.parametrize("name", CONTRACT_EVENTS)
def test_ontology_contract_event_classes(onto, name):
    assert YALU.Event in superclasses(onto, YALU[name])


@pytest.mark.parametrize("name", CONTRACT_EVENT_PROPERTIES)
def test_ontology_contract_event_properties(onto, name):
    assert set(onto.objects(YALU[name], RDF.type)) & {OWL.ObjectProperty, OWL.DatatypeProperty}


@pytest.mark.parametrize("name", CONTRACT_MODALITIES)
def test_ontology_contract_modalities(onto, name):
    assert (YALU[name], RDF.type, YALU.Modality) in onto


# ---------------------------------------------------------------- the gazetteer


def gazetteer_entries() -> list[dict]:
    return [entry for path in sorted(GAZETTEER_DIR.glob("*.yaml"))
            for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []]


def test_ontology_gazetteer_loads():
    gaz = load_gazetteer()
    assert len(gaz) == len(gazetteer_entries()) > 700
    assert gaz["xi_jinping"].cls == "Person"


def test_ontology_gazetteer_ids_are_unique():
    ids = [str(entry["id"]) for entry in gazetteer_entries()]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert duplicates == []


def test_ontology_gazetteer_references_resolve():
    gaz = load_gazetteer()
    dangling = []
    for actor in gaz.values():
        refs = [actor.country, actor.part_of, actor.located_in, actor.capital_of, *actor.liaison_with,
                *(role.of for role in actor.roles)]
        dangling += [(actor.id, ref) for ref in refs if ref is not None and ref not in gaz]
    assert dangling == []


def test_ontology_gazetteer_countries_and_capitals_are_states():
    gaz = load_gazetteer()
    wrong = [(a.id, ref) for a in gaz.values() for ref in (a.country, a.capital_of)
             if ref is not None and gaz[ref].cls != "State"]
    assert wrong == []


def test_ontology_gazetteer_names_are_nonempty_strings():
    for entry in gazetteer_entries():
        assert isinstance(entry["label"], str) and entry["label"].strip(), entry["id"]
        for alias in entry.get("aliases") or ():
            assert isinstance(alias, str) and alias.strip(), entry["id"]


# ---------------------------------------------------------------- every shipped data file parses


def data_files() -> list[Path]:
    files = [*sorted((ROOT / "ingest" / "data").iterdir()), *sorted(GAZETTEER_DIR.glob("*.yaml")),
             *sorted((ROOT / "ontology").glob("*.ttl")), *sorted((ROOT / "graph" / "queries").rglob("*.rq")),
             *sorted((ROOT / "graph" / "templates").glob("*.json"))]
    return [p for p in files if p.is_file()]


@pytest.mark.parametrize("path", data_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_ontology_data_file_parses(path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".yaml":
        assert yaml.safe_load(text) is not None
    elif path.suffix == ".jsonl":
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        assert rows and all(isinstance(row, dict) for row in rows)
    elif path.suffix == ".json":
        assert json.loads(text)
    elif path.suffix == ".ttl":
        assert len(Graph().parse(data=text, format="turtle")) > 0
    elif path.suffix == ".rq":
        from graph.store import Store

        Store().query(text)  # parsed and run on an empty store; QueryError names the position
    else:
        pytest.fail(f"no parser for {path.name}: give it a known suffix or a test")


def test_ontology_data_dir_has_no_unknown_files():
    known = {".yaml", ".jsonl"}
    assert [p.name for p in (ROOT / "ingest" / "data").iterdir() if p.is_file() and p.suffix not in known] == []


def test_ontology_trigger_classes_are_event_classes(onto):
    path = ROOT / "ingest" / "data" / "triggers.jsonl"
    classes = {json.loads(line)["class"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    not_events = sorted(c for c in classes if YALU.Event not in superclasses(onto, URIRef(NS + c)))
    assert not_events == []


def test_ontology_shapes_file_is_shacl():
    g = Graph().parse(SHAPES_TTL, format="turtle")
    assert len(set(g.subjects(RDF.type, URIRef("http://www.w3.org/ns/shacl#NodeShape")))) >= 5


# ---------------------------------------------------------------- the wheel ships the data


def _working_tree_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        pytest.skip(f"not a git checkout: {out.stderr.strip()}")
    return [line for line in out.stdout.splitlines() if (ROOT / line).is_file()]


@pytest.mark.slow
def test_ontology_wheel_contains_data_files(tmp_path):
    # Build from a copy of the working tree, so the build leaves no build/ or egg-info in the repo.
    src = tmp_path / "src"
    for rel in _working_tree_files():
        if rel.split("/", 1)[0] in {"ingest", "graph", "ontology"} or rel in {"pyproject.toml", "README.md"}:
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, src / rel)
    out = tmp_path / "wheels"
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    (wheel,) = out.glob("yalu-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = [
        "ontology/yalu.ttl", "ontology/shapes.ttl",
        *(f"ontology/gazetteer/{p.name}" for p in GAZETTEER_DIR.glob("*.yaml")),
        *(f"ingest/data/{p.name}" for p in (ROOT / "ingest" / "data").iterdir() if p.is_file()),
        *(f"ingest/demo/{p.name}" for p in (ROOT / "ingest" / "demo").glob("*.txt")),
        *(f"graph/store/queries/{p.name}" for p in (ROOT / "graph" / "store" / "queries").glob("*.rq")),
        *(f"graph/views/queries/{p.name}" for p in (ROOT / "graph" / "views" / "queries").glob("*.rq")),
        *(f"graph/views/templates/{p.name}" for p in (ROOT / "graph" / "views" / "templates").iterdir() if p.is_file()),
    ]
    assert sorted(set(expected) - names) == []
    assert any(n.startswith("yalu-") and n.endswith("entry_points.txt") for n in names)


# ---------------------------------------------------------------- the HTML reference (make docs)

DOCS_HTML = ROOT / "docs" / "ontology.html"


@pytest.mark.parametrize("kind", [OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty])
def test_ontology_reference_documents_every_term(onto, kind):
    html = DOCS_HTML.read_text(encoding="utf-8")
    terms = {str(s) for s in onto.subjects(RDF.type, kind) if str(s).startswith(NS)}
    assert terms and not sorted(t for t in terms if t not in html), "run `make docs` after changing yalu.ttl"
    assert "<script src" not in html and "<link rel=\"stylesheet\" href=\"http" not in html  # reads offline


def test_ontology_reference_is_what_pylode_makes_of_the_turtle(tmp_path):
    pytest.importorskip("pylode")
    out = tmp_path / "ontology.html"
    proc = subprocess.run([sys.executable, "-m", "pylode", str(ONTOLOGY_TTL), "--css", "true", "--sort",
                           "--outputfile", str(out)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert out.read_text(encoding="utf-8") == DOCS_HTML.read_text(encoding="utf-8"), "run `make docs`"
