"""The model's rule-based steps made faster (ingest/model.py): spaCy's matches and lemmas, no others."""
from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.pipeline import default_model
from ingest.model import ArrayMatcher, memoize_lemmas, on_arrays, speed_up

DEMO = Path(__file__).resolve().parents[1] / "ingest" / "demo"
# words the English models' ruler has rules for (contractions, "that", auxiliaries, "there is"), and others
WORDS = ["I", "you", "it", "that", "if", "since", "is", "'s", "are", "'re", "am", "'m", "have", "'ve", "be", "do",
         "did", "'d", "not", "n't", "ai", "nt", "gon", "na", "got", "ta", "let", "c'm", "on", "y'", "all",
         "nothin'", "There", "there", "which", "the", "a", "Kim", "met", "Xi", "in", "Beijing", "will", "to",
         "go", ",", ".", "\n", "  ", "-", "2018", "sanctions", "'"]


@pytest.fixture(scope="module")
def model():
    """The bare model sped up, its ruler, and the spaCy Matcher that ruler had."""
    nlp = spacy.load(default_model())
    ruler = nlp.get_pipe("attribute_ruler")
    original = ruler.matcher
    assert speed_up(nlp) == ["attribute_ruler", "lemmatizer"]
    return nlp, ruler, original


@pytest.fixture(scope="module")
def plain():
    """The bare model as spaCy loads it."""
    return spacy.load(default_model())


def _annotations(doc) -> list[tuple[str, str, str]]:
    return [(t.pos_, str(t.morph), t.lemma_) for t in doc]


def _same_matches(model, text: str) -> None:
    nlp, ruler, original = model
    doc = nlp(text)
    assert isinstance(ruler.matcher, ArrayMatcher)
    assert sorted(ruler.matcher(doc, allow_missing=True)) == sorted(original(doc, allow_missing=True))


@pytest.mark.parametrize("path", sorted(DEMO.glob("*.txt")), ids=lambda p: p.stem)
def test_ruler_finds_what_spacys_matcher_finds_in_the_demo_texts(model, path):
    _same_matches(model, path.read_text(encoding="utf-8"))


def test_ruler_finds_the_contractions_and_auxiliaries_it_has_rules_for(model):
    nlp, ruler, _ = model
    doc = nlp("Y'all ain't gonna believe it, but there's a cat that I'd seen.")
    assert len(ruler.matcher(doc, allow_missing=True)) > len(doc)  # the tag map, and the exceptions on top
    _same_matches(model, doc.text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14).map(" ".join))
def test_ruler_finds_what_spacys_matcher_finds_in_any_word_salad(model, plain, text):
    _same_matches(model, text)
    assert _annotations(model[0](text)) == _annotations(plain(text))


def test_model_sets_the_annotations_spacy_sets(model, plain):
    nlp, _, _ = model
    for path in sorted(DEMO.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert _annotations(nlp(text)) == _annotations(plain(text)), path.name
        assert _annotations(nlp(text)) == _annotations(plain(text)), f"{path.name}, read again"


def test_model_lemmas_are_memoized_once_and_only_for_rules():
    nlp = spacy.blank("en")
    lookup = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    assert memoize_lemmas(lookup) is False
    rule = spacy.load(default_model()).get_pipe("lemmatizer")
    assert memoize_lemmas(rule) is True
    assert memoize_lemmas(rule) is False  # a second wrapper would only add a call


def test_ruler_keeps_spacys_matcher_for_patterns_it_does_not_read():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "so", "OP": "+"}]], {"LEMMA": "so"})
    matcher = ruler.matcher
    assert on_arrays(ruler) is False
    assert ruler.matcher is matcher
    assert [t.lemma_ for t in nlp("so so")] == ["so", "so"]


def test_ruler_reads_patterns_added_after_it_took_over():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "dprk"}]], {"LEMMA": "North Korea"})
    assert on_arrays(ruler)
    ruler.add([[{"LOWER": {"REGEX": "^prc$"}}]], {"LEMMA": "China"})
    assert isinstance(ruler.matcher, ArrayMatcher)
    assert [t.lemma_ for t in nlp("DPRK and PRC")] == ["North Korea", "", "China"]
    ruler.add([[{"LOWER": "and", "OP": "?"}]], {"LEMMA": "&"})  # not for arrays: spaCy's Matcher again
    assert [t.lemma_ for t in nlp("DPRK and PRC")] == ["North Korea", "&", "China"]
    assert ruler.matcher.plan is None


def test_ruler_patterns_survive_a_round_trip_through_bytes():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"TAG": {"NOT_IN": ["NN"]}, "LOWER": "a"}, {"IS_SPACE": False}]], {"LEMMA": "x"}, index=-1)
    assert on_arrays(ruler)
    copy = spacy.blank("en").add_pipe("attribute_ruler").from_bytes(ruler.to_bytes())
    assert copy.patterns == ruler.patterns


def test_ruler_hands_spans_and_alignments_to_spacys_matcher(model):
    nlp, ruler, original = model
    doc = nlp("They don't.")
    spans = ruler.matcher(doc, as_spans=True, allow_missing=True)
    assert [(s.start, s.end, s.label) for s in spans] == \
        [(s.start, s.end, s.label) for s in original(doc, as_spans=True, allow_missing=True)]


VARIED = [
    [{"IS_PUNCT": True}, {"LOWER": {"IN": ["kim", "xi"]}}],
    [{"TEXT": "Kim"}, {"IS_TITLE": True}, {"IS_DIGIT": False}],
    [{"NORM": {"NOT_IN": ["the", "a"]}, "IS_ALPHA": True}],
    [{"ORTH": {"REGEX": "^[A-Z]{2,}$"}}],
    [{"LIKE_NUM": True}, {}],
    [{"lower": "in"}, {"IS_STOP": False, "IS_SPACE": False}],
]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["KCNA", "Xi", "DPRK", "17", "(", "Kim", "the"]), max_size=12).map(" ".join))
def test_ruler_finds_what_spacys_matcher_finds_for_every_kind_of_test_it_reads(text):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    for n, pattern in enumerate(VARIED):
        ruler.add([pattern], {"LEMMA": f"rule{n}"}, index=-1)
    original = ruler.matcher
    assert on_arrays(ruler)
    doc = nlp.make_doc(text)
    assert sorted(ruler.matcher(doc, allow_missing=True)) == sorted(original(doc, allow_missing=True))


def test_ruler_leaves_sentence_starts_to_spacys_matcher():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"IS_SENT_START": True}]], {"LEMMA": "first"})
    assert on_arrays(ruler) is False
