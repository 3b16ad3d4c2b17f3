"""The vocabulary, its Python namespace, the gazetteer and every data file that ships with Yalu."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from ontology import GAZETTEER_DIR, ONTOLOGY_TTL, SHAPES_TTL
from ontology.actors import COARSE_CLASS, RELATIONS, load_gazetteer, read_gazetteer
from ontology.coverage import CoverageError, by_class, coverage, load_categories, report
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


# ---------------------------------------------------------------- gazetteer schema, ambiguity and coverage

QID = re.compile(r"^Q[1-9][0-9]*$")


def shared_names(gaz: dict) -> dict[str, set[str]]:
    """Each name (as the PhraseMatcher sees it, after ``Actor.names()``) that two or more entries carry."""
    owners: dict[str, set[str]] = defaultdict(set)
    for actor in gaz.values():
        for name in actor.names():
            owners[name].add(actor.id)
    return {name: ids for name, ids in owners.items() if len(ids) > 1}


def declared(actor) -> set[str]:
    """The entry's ``ambiguous`` names with their curly-apostrophe forms, as ``names()`` spells them."""
    return set(replace(actor, label=actor.ambiguous[0], aliases=actor.ambiguous[1:]).names()) \
        if actor.ambiguous else set()


def test_ontology_gazetteer_shared_names_are_declared_ambiguous_by_every_owner():
    gaz = load_gazetteer()
    undeclared = sorted((name, key) for name, ids in shared_names(gaz).items() for key in ids
                        if name not in declared(gaz[key]))
    assert undeclared == [], "add the name to `ambiguous` of every entry that carries it"


def test_ontology_gazetteer_ambiguous_names_are_really_shared():
    gaz = load_gazetteer()
    shared = shared_names(gaz)
    stale = sorted((a.id, name) for a in gaz.values() for name in a.ambiguous if a.id not in shared.get(name, ()))
    assert stale == [], "an `ambiguous` name no other entry carries (or the entry itself lacks)"


def test_ontology_gazetteer_ambiguous_field_is_read(tmp_path):
    path = tmp_path / "twins.yaml"
    path.write_text(yaml.safe_dump([
        {"id": "ruritania", "label": "Ruritania", "class": "State"},
        {"id": "ro_tal_gi_a", "label": "Ro Tal Gi", "class": "Person", "ambiguous": ["Ro Tal Gi"]},
        {"id": "ro_tal_gi_b", "label": "Ro Tal Gi", "class": "Person", "ambiguous": "Ro Tal Gi"},
    ]), encoding="utf-8")
    gaz = read_gazetteer([path])
    assert gaz["ro_tal_gi_a"].ambiguous == gaz["ro_tal_gi_b"].ambiguous == ("Ro Tal Gi",)
    assert gaz["ruritania"].ambiguous == ()


def raw_roles() -> list[tuple[str, dict]]:
    return [(str(entry["id"]), role) for entry in gazetteer_entries() for role in entry.get("roles") or ()]


def test_ontology_gazetteer_roles_have_title_body_relation_and_integer_years():
    wrong = []
    for key, role in raw_roles():
        if not all(isinstance(role.get(k), str) and role[k].strip() for k in ("title", "of", "relation")):
            wrong.append((key, role, "title, of and relation are required strings"))
        years = [role.get(k) for k in ("start", "end") if role.get(k) is not None]
        if any(type(y) is not int for y in years):
            wrong.append((key, role, "years are integers"))
        elif len(years) == 2 and years[0] > years[1]:
            wrong.append((key, role, "start <= end"))
        if role.get("end") is not None and role.get("start") is None:
            wrong.append((key, role, "an end year needs a start year"))
    assert wrong == []


def test_ontology_gazetteer_role_bodies_exist_and_are_not_persons():
    gaz = load_gazetteer()
    wrong = [(a.id, r.of) for a in gaz.values() for r in a.roles if r.of not in gaz or gaz[r.of].cls == "Person"]
    assert wrong == []


def test_ontology_gazetteer_roles_belong_to_persons():
    gaz = load_gazetteer()
    assert [a.id for a in gaz.values() if a.roles and a.cls != "Person"] == []


def test_ontology_gazetteer_wikidata_ids_are_well_formed_and_unique():
    gaz = load_gazetteer()
    qids = [a.wikidata for a in gaz.values() if a.wikidata is not None]
    assert [q for q in qids if not isinstance(q, str) or not QID.match(q)] == []
    assert sorted({q for q in qids if qids.count(q) > 1}) == []


def test_ontology_gazetteer_persons_have_no_single_token_alias():
    gaz = load_gazetteer()
    # initials ("JFK") name one person; a surname alone ("Kim") tags every namesake, and the
    # pipeline resolves short forms in context; a one-word name ("Ulanhu") may be spelt other ways
    single = [(a.id, n) for a in gaz.values() if a.cls == "Person" and len(a.label.split()) > 1
              for n in a.aliases if len(n.split()) < 2 and not n.isupper()]
    assert single == []


def test_ontology_coverage_categories_parse_and_name_known_bodies():
    gaz = load_gazetteer()
    categories = load_categories()
    names = [c.name for c in categories]
    assert len(names) == len(set(names)) > 40
    unknown = []
    for cat in categories:
        refs = cat.spec if cat.selector == "ids" else cat.spec.get("of", ()) if cat.selector == "roles" else ()
        refs = [refs] if isinstance(refs, str) else refs
        unknown += [(cat.name, ref) for ref in refs if ref not in gaz]
        if cat.selector == "entries":
            unknown += [(cat.name, c) for c in ([cat.spec["class"]] if isinstance(cat.spec["class"], str)
                                                else cat.spec["class"]) if c not in COARSE_CLASS]
    assert unknown == []


@pytest.mark.parametrize("category", load_categories(), ids=lambda c: c.name)
def test_ontology_coverage_every_category_finds_entries(category):
    gaz = load_gazetteer()
    (row,) = coverage(gaz, [category])
    assert row.members, f"no entry found: check the selector of {category.name!r}"
    assert row.with_qid is not None and 0 <= row.with_qid <= 1
    assert (row.dated is None) == (category.selector != "roles")


def test_ontology_coverage_totals_count_every_entry():
    gaz = load_gazetteer()
    classes = by_class(gaz)
    assert sum(classes.values()) == len(gazetteer_entries()) == len(gaz)
    text = report(gaz, load_categories())
    assert f"**{len(gazetteer_entries())}**" in text


@pytest.mark.parametrize("bad", [
    [{"category": "no selector"}],
    [{"category": "two selectors", "ids": ["china"], "roles": {"of": "china"}}],
    [{"ids": ["china"]}],
])
def test_ontology_coverage_rejects_malformed_categories(tmp_path, bad):
    path = tmp_path / "coverage.yaml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(CoverageError, match="exactly one of"):
        load_categories(path)


def test_ontology_coverage_command_prints_the_table():
    out = subprocess.run([sys.executable, "-m", "ontology.coverage"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert "| PRC ambassadors to the DPRK |" in out.stdout


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
