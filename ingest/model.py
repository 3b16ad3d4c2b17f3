"""The spaCy model's own rule-based steps, made faster with the same output.

The attribute ruler: spaCy's ``Matcher`` calls a Python function for every ``IN``, ``NOT_IN``
and ``REGEX`` test at every token. The English models' ruler holds some twenty such tests, and
matching them is about a sixth of the model's whole time on news text (``bench/README.md``).
Its patterns are plain: tokens in a row, each a few equality, set or regex tests of string
attributes and flags. :class:`ArrayMatcher` runs those tests once per document on an array per
attribute, and finds one-token patterns of equality tests by dictionary lookup. A ruler whose
patterns use anything else (operators, numeric comparisons, extension attributes...) keeps
spaCy's ``Matcher``.

The rule lemmatizer: its lemma is a function of a token's text, part of speech and morphology,
but spaCy caches only the lemmas its rules change and works out every base form ("talks" as a
verb, "meeting" as a noun) again each time. :func:`memoize_lemmas` keeps them all.

    >>> import spacy
    >>> nlp = spacy.blank("en")
    >>> ruler = nlp.add_pipe("attribute_ruler")
    >>> ruler.add([[{"LOWER": {"IN": ["ca", "wo"]}}, {"LOWER": "n't"}]], {"LEMMA": "not"}, index=1)
    >>> speed_up(nlp)
    ['attribute_ruler']
    >>> [(t.text, t.lemma_) for t in nlp("I can't, we won't, it isn't") if t.lemma_]
    [("n't", 'not'), ("n't", 'not')]
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import numpy as np
from spacy.attrs import IDS
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.strings import get_string_id
from spacy.tokens import Doc, Token

STRING_ATTRS = {"ORTH", "LOWER", "NORM", "TAG", "DEP", "LEMMA"}  # attribute values that are string ids
# the word's flags, read alike by the Matcher and Doc.to_array (not sentence starts: the Matcher reads those its own way)
FLAGS = {"IS_ALPHA", "IS_ASCII", "IS_DIGIT", "IS_LOWER", "IS_PUNCT", "IS_SPACE", "IS_TITLE", "IS_UPPER", "IS_STOP",
         "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY", "LIKE_URL", "LIKE_NUM",
         "LIKE_EMAIL"}
SET_TESTS = {"IN": "in", "NOT_IN": "not_in"}
LOOKUP_AFTER = 4  # one-token patterns of the same attributes found by a dictionary, when this many

# a test: (column, kind, value); kind is "eq" (a string id or flag), "in", "not_in" (a frozenset of
# string ids) or "regex" (a compiled pattern); tests are hashable, so each is run once per document
Test = tuple[int, str, Any]


class Unsupported(ValueError):
    """A pattern this matcher does not read; the ruler keeps spaCy's Matcher."""


class ArrayMatcher:
    """Stands in for an attribute ruler's ``Matcher``: same ``(match_id, start, end)`` set.

    Everything but matching a whole ``Doc`` (adding patterns, spans, alignments, a ``Span``)
    goes to the ``Matcher`` it wraps; adding or removing patterns makes it read them again, at
    the next match (the ruler records a rule's attributes after adding its patterns).
    """

    def __init__(self, ruler: AttributeRuler, matcher: Matcher):
        self.ruler = ruler
        self.matcher = matcher
        self.stale = False
        self.plan: _Plan | None = _Plan.of(ruler, matcher)

    def __getattr__(self, name: str) -> Any:
        if name in {"matcher", "ruler", "plan", "stale"}:  # not set yet (copy, unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.matcher, name)

    def __len__(self) -> int:
        return len(self.matcher)

    def __contains__(self, key) -> bool:
        return key in self.matcher

    def add(self, *args, **kwargs) -> None:
        self.matcher.add(*args, **kwargs)
        self.stale = True

    def remove(self, key) -> None:
        self.matcher.remove(key)
        self.stale = True

    def __call__(self, doclike, *, as_spans: bool = False, allow_missing: bool = False,
                 with_alignments: bool = False):
        if self.stale:
            self.plan, self.stale = _Plan.of(self.ruler, self.matcher), False
        # without allow_missing the Matcher checks the doc holds the attributes: let it
        if self.plan is None or as_spans or with_alignments or not allow_missing or not isinstance(doclike, Doc):
            return self.matcher(doclike, as_spans=as_spans, allow_missing=allow_missing,
                                with_alignments=with_alignments)
        return self.plan.matches(doclike)


def correct_lemmas(nlp: Language, exceptions: dict[str, dict[str, str]]) -> None:
    """Add lemma exceptions (part of speech -> form -> lemma) to the model's rule lemmatizer.

    >>> import spacy
    >>> from ingest.pipeline import default_model
    >>> nlp = spacy.load(default_model())
    >>> correct_lemmas(nlp, {"verb": {"staged": "stage"}})
    >>> [t.lemma_ for t in nlp("The army staged drills.")][2]
    'stage'
    """
    # spaCy's own exception table does not help here: an exception that its rules also produce ("stage"
    # beside "stag") keeps the rules' order, so the fix is applied before the rules
    fixes = {(pos, form): lemma for pos, forms in exceptions.items() for form, lemma in forms.items()}
    for _, step in nlp.pipeline:
        if isinstance(step, Lemmatizer) and step.mode == "rule":
            rule = step.lemmatize

            def lemmatize(token: Token, rule=rule) -> list[str]:
                fix = fixes.get((token.pos_.lower(), token.lower_))
                return [fix] if fix is not None else rule(token)

            lemmatize.memoized = getattr(rule, "memoized", False)  # type: ignore[attr-defined]
            step.lemmatize = lemmatize


def speed_up(nlp: Language) -> list[str]:
    """Speed up the model's attribute ruler and rule lemmatizer where they allow it; their names."""
    done = []
    for name, step in nlp.pipeline:
        if isinstance(step, AttributeRuler) and on_arrays(step):
            done.append(name)
        elif isinstance(step, Lemmatizer) and memoize_lemmas(step):
            done.append(name)
    return done


def memoize_lemmas(lemmatizer: Lemmatizer) -> bool:
    """Keep every lemma a rule lemmatizer works out; False (nothing changed) for other modes."""
    if lemmatizer.mode != "rule" or getattr(lemmatizer.lemmatize, "memoized", False):
        return False
    rule = lemmatizer.lemmatize
    known: dict[tuple[int, int, int], list[str]] = {}

    def lemmatize(token: Token) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)  # all that spaCy's rules read of a token
        forms = known.get(key)
        if forms is None:
            forms = known[key] = rule(token)
        return forms

    lemmatize.memoized = True  # type: ignore[attr-defined]
    lemmatizer.lemmatize = lemmatize
    return True


def on_arrays(ruler: AttributeRuler) -> bool:
    """Match ``ruler``'s patterns on attribute arrays; False (nothing changed) if it cannot."""
    matcher = ruler.matcher.matcher if isinstance(ruler.matcher, ArrayMatcher) else ruler.matcher
    wrapped = ArrayMatcher(ruler, matcher)
    if wrapped.plan is None:
        return False
    ruler.matcher = wrapped
    return True


class _Plan:
    """The ruler's patterns as tests on columns of ``Doc.to_array(attrs)``."""

    def __init__(self, attrs: list[str], single: dict[tuple[int, ...], dict[Any, list[int]]],
                 general: list[tuple[int, tuple[tuple[Test, ...], ...]]], strings):
        self.attr_ids = [IDS[a] for a in attrs]
        # one-token patterns of equality tests, by the columns they test: value(s) -> keys
        self.single = single
        self.general = general  # (key, one tuple of tests per token)
        self.strings = strings
        self.regex_hits: dict[re.Pattern, dict[int, bool]] = defaultdict(dict)

    @classmethod
    def of(cls, ruler: AttributeRuler, matcher: Matcher) -> _Plan | None:
        attrs: list[str] = []
        single: dict[tuple[int, ...], dict[Any, list]] = defaultdict(lambda: defaultdict(list))
        general: list[tuple[int, tuple[tuple[Test, ...], ...]]] = []
        try:
            for i in range(len(ruler.attrs)):
                key = ruler.vocab.strings.add(str(i))
                if key not in matcher:
                    continue
                _, patterns = matcher.get(key)
                for pattern in patterns:
                    tokens = tuple(tuple(_tests(spec, attrs)) for spec in pattern)
                    if not tokens:
                        raise Unsupported("an empty pattern")
                    if len(tokens) == 1 and tokens[0] and all(kind == "eq" for _, kind, _ in tokens[0]):
                        tests = sorted(tokens[0])
                        columns = tuple(col for col, _, _ in tests)
                        if len(set(columns)) == len(columns):  # one test per attribute: a lookup
                            values = tuple(v for _, _, v in tests)
                            single[columns][values[0] if len(values) == 1 else values].append((key, tokens))
                            continue
                    general.append((key, tokens))
        except Unsupported:
            return None
        if not attrs:
            return None
        lookups = {}
        for columns, by_value in single.items():
            if sum(map(len, by_value.values())) < LOOKUP_AFTER:  # a pass over the doc costs more than a mask
                general += [pattern for patterns in by_value.values() for pattern in patterns]
            else:
                lookups[columns] = {value: [key for key, _ in patterns] for value, patterns in by_value.items()}
        return cls(attrs, lookups, general, ruler.vocab.strings)

    def matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        n = len(doc)
        if not n:
            return []
        table = doc.to_array(self.attr_ids).reshape(n, len(self.attr_ids))
        columns = table.T.tolist()
        out: list[tuple[int, int, int]] = []
        for tested, lookup in self.single.items():
            get = lookup.get
            values = columns[tested[0]] if len(tested) == 1 else zip(*(columns[c] for c in tested))
            for i, value in enumerate(values):
                keys = get(value)
                if keys:
                    out.extend((key, i, i + 1) for key in keys)
        masks: dict[Test, np.ndarray] = {}
        for key, tokens in self.general:
            length = len(tokens)
            if length > n:
                continue
            found = np.ones(n - length + 1, dtype=bool)
            for offset, tests in enumerate(tokens):
                for test in tests:
                    mask = masks.get(test)
                    if mask is None:
                        mask = masks[test] = self._mask(table[:, test[0]], columns[test[0]], test)
                    found &= mask[offset:n - length + 1 + offset]
            out.extend((key, start, start + length) for start in np.flatnonzero(found).tolist())
        return list(dict.fromkeys(out))  # a span two patterns of one key find is one match, as in spaCy

    def _mask(self, column: np.ndarray, values: list[int], test: Test) -> np.ndarray:
        """Which tokens pass ``test``: ``column`` is the tested attribute, ``values`` the same as a list."""
        _, kind, value = test
        if kind == "eq":
            return column == value
        if kind == "in":  # numpy's isin sorts both sides: slower than a set on a document's few tokens
            return np.array([v in value for v in values], dtype=bool)
        if kind == "not_in":
            return np.array([v not in value for v in values], dtype=bool)
        hits = self.regex_hits[value]  # a string's verdict is kept: a corpus repeats its words
        for v in set(values).difference(hits):
            hits[v] = value.search(self.strings[v]) is not None
        return np.array([hits[v] for v in values], dtype=bool)


def _tests(spec: dict, attrs: list[str]) -> list[Test]:
    """The tests of one token's pattern; ``attrs`` gains the attributes it reads (their columns)."""
    if not isinstance(spec, dict):
        raise Unsupported(repr(spec))
    tests = []
    for name, value in spec.items():
        attr = "ORTH" if name.upper() == "TEXT" else name.upper()
        flag = attr in FLAGS
        if attr not in STRING_ATTRS and not flag:
            raise Unsupported(f"attribute {name}")  # OP, POS, _, LENGTH...: spaCy's Matcher reads them
        if attr not in attrs:
            attrs.append(attr)
        column = attrs.index(attr)
        if flag:
            if not isinstance(value, bool):
                raise Unsupported(f"{name}: {value!r}")
            tests.append((column, "eq", int(value)))
        elif isinstance(value, str):
            tests.append((column, "eq", get_string_id(value)))
        elif isinstance(value, dict) and len(value) == 1:
            (op, arg), = value.items()
            if op in SET_TESTS and isinstance(arg, (list, tuple)) and all(isinstance(v, str) for v in arg):
                tests.append((column, SET_TESTS[op], frozenset(get_string_id(v) for v in arg)))
            elif op == "REGEX" and isinstance(arg, str):
                tests.append((column, "regex", re.compile(arg)))
            else:
                raise Unsupported(f"{name}: {value!r}")
        else:
            raise Unsupported(f"{name}: {value!r}")
    return tests
