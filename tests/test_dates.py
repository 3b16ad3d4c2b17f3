"""Tests for ingest.dates: explicit, partial and relative date normalisation."""

from __future__ import annotations

import ast
import datetime
import doctest
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import dates
from ingest.dates import DateValue, anchor_of, find_dates, parse_date, shift_date

D = datetime.date
SEP_2016 = D(2016, 9, 5)  # a Monday
MAR_2018 = D(2018, 3, 28)  # a Wednesday
DEC_2013 = D(2013, 12, 13)  # a Friday

ISO_RE = {
    "year": re.compile(r"[0-9]{4}"),
    "month": re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])"),
    "day": re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"),
}

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def assert_valid(value: DateValue) -> None:
    """The iso matches its precision's regex and is a real calendar date."""
    assert value.precision in ISO_RE
    assert ISO_RE[value.precision].fullmatch(value.iso), value
    parts = [int(p) for p in value.iso.split("-")] + [1, 1]
    datetime.date(parts[0], parts[1], parts[2])  # raises if not a calendar date
    assert value.xsd == {"year": "gYear", "month": "gYearMonth", "day": "date"}[value.precision]


# ----------------------------------------------------------------- parse_date tables

EXPLICIT = [
    ("6 January 2016", "2016-01-06", "day"),
    ("Aug. 3, 2016", "2016-08-03", "day"),
    ("Aug 3 2016", "2016-08-03", "day"),
    ("March 26, 2018", "2018-03-26", "day"),
    ("on March 26, 2018", "2018-03-26", "day"),
    ("Sept. 9, 2016", "2016-09-09", "day"),
    ("Sep 9, 2016", "2016-09-09", "day"),
    ("2016-02-17", "2016-02-17", "day"),
    ("2016-2-7", "2016-02-07", "day"),
    ("2016/02/17", "2016-02-17", "day"),
    ("2016-02-17T10:30:00Z", "2016-02-17", "day"),
    ("2016-02", "2016-02", "month"),
    ("17th February 2016", "2016-02-17", "day"),
    ("February 17th, 2016", "2016-02-17", "day"),
    ("the 17th of February, 2016", "2016-02-17", "day"),
    ("the first of March 2016", "2016-03-01", "day"),
    ("the twenty-first of June 2016", "2016-06-21", "day"),
    ("Monday, March 26, 2018", "2018-03-26", "day"),
    ("Monday 26 March 2018", "2018-03-26", "day"),
    ("26 March, 2018", "2018-03-26", "day"),
    ("12 December 1950", "1950-12-12", "day"),
    ("29 February 2016", "2016-02-29", "day"),
    ("26-27 March 2018", "2018-03", "month"),
    ("March 26-27, 2018", "2018-03", "month"),
    ("In May 2016", "2016-05", "month"),
    ("in March 2016", "2016-03", "month"),
    ("March, 2016", "2016-03", "month"),
    ("March of 2016", "2016-03", "month"),
    ("Jan. 2016", "2016-01", "month"),
    ("early March 2016", "2016-03", "month"),
    ("mid-March 2016", "2016-03", "month"),
    ("the end of March 2016", "2016-03", "month"),
    ("In early 2016", "2016", "year"),
    ("in 1950", "1950", "year"),
    ("since 1992", "1992", "year"),
    ("late 2015", "2015", "year"),
    ("mid-2017", "2017", "year"),
    ("mid 2017", "2017", "year"),
    ("the middle of 2017", "2017", "year"),
    ("the first half of 2016", "2016", "year"),
    ("the end of 2016", "2016", "year"),
    ("the year 2000", "2000", "year"),
    ("2016's", "2016", "year"),
    ("spring 2016", "2016", "year"),
    ("the spring of 2016", "2016", "year"),
    ("the fall of 2016", "2016", "year"),
    ("winter 2016", "2016", "year"),
]


@pytest.mark.parametrize(("text", "iso", "precision"), EXPLICIT)
def test_dates_explicit_forms(text: str, iso: str, precision: str) -> None:
    value = parse_date(text)
    assert value == DateValue(iso, precision)
    # An anchor changes nothing for explicit dates.
    assert parse_date(text, anchor=SEP_2016) == value


@pytest.mark.parametrize(
    "text",
    [
        "6 january 2016",
        "6 JANUARY 2016",
        "  6   January\t2016 ",
        "6 January 2016.",
        "(6 January 2016)",
        "“6 January 2016”",
        "On 6 January, 2016,",
    ],
)
def test_dates_case_whitespace_punctuation(text: str) -> None:
    assert parse_date(text) == DateValue("2016-01-06", "day")


PARTIAL = [
    ("on 17 February", SEP_2016, "2016-02-17", "day"),
    ("17 February", SEP_2016, "2016-02-17", "day"),
    ("17th February", SEP_2016, "2016-02-17", "day"),
    ("February 17th", SEP_2016, "2016-02-17", "day"),
    ("Feb. 17", SEP_2016, "2016-02-17", "day"),
    ("the 17th of February", SEP_2016, "2016-02-17", "day"),
    ("on the 17th of February", SEP_2016, "2016-02-17", "day"),
    ("Sept. 9", SEP_2016, "2016-09-09", "day"),
    ("Monday, 17 October", SEP_2016, "2016-10-17", "day"),  # 42 days ahead: same year
    ("on 17 December", SEP_2016, "2015-12-17", "day"),  # > 2 months ahead: last year
    ("in May", SEP_2016, "2016-05", "month"),
    ("May", SEP_2016, "2016-05", "month"),
    ("in November", SEP_2016, "2016-11", "month"),
    ("in December", SEP_2016, "2015-12", "month"),
    ("in early March", SEP_2016, "2016-03", "month"),
    ("mid-May", SEP_2016, "2016-05", "month"),
    ("the end of January", SEP_2016, "2016-01", "month"),
    ("last May", SEP_2016, "2016-05", "month"),
    ("last September", SEP_2016, "2015-09", "month"),
    ("next January", SEP_2016, "2017-01", "month"),
    ("March last year", SEP_2016, "2015-03", "month"),
    ("May this year", SEP_2016, "2016-05", "month"),
    ("17 February last year", SEP_2016, "2015-02-17", "day"),
    ("in the spring", SEP_2016, "2016", "year"),
    ("in the winter", SEP_2016, "2016", "year"),
    ("spring last year", SEP_2016, "2015", "year"),
]


@pytest.mark.parametrize(("text", "anchor", "iso", "precision"), PARTIAL)
def test_dates_partial_forms_use_anchor(
    text: str, anchor: datetime.date, iso: str, precision: str
) -> None:
    assert parse_date(text, anchor=anchor) == DateValue(iso, precision)


RELATIVE = [
    ("today", D(2016, 9, 26), "2016-09-26", "day"),
    ("Today's", D(2016, 9, 26), "2016-09-26", "day"),
    ("this morning", D(2016, 9, 26), "2016-09-26", "day"),
    ("tonight", D(2016, 9, 26), "2016-09-26", "day"),
    ("yesterday", D(2016, 9, 26), "2016-09-25", "day"),
    ("yesterday’s", D(2016, 9, 26), "2016-09-25", "day"),
    ("yesterday morning", D(2016, 9, 1), "2016-08-31", "day"),
    ("the day before yesterday", D(2016, 9, 26), "2016-09-24", "day"),
    ("tomorrow", D(2016, 12, 31), "2017-01-01", "day"),
    ("on Monday", MAR_2018, "2018-03-26", "day"),
    ("Tuesday", MAR_2018, "2018-03-27", "day"),
    ("Wednesday", MAR_2018, "2018-03-28", "day"),
    ("Thursday", MAR_2018, "2018-03-22", "day"),
    ("on Sunday", MAR_2018, "2018-03-25", "day"),
    ("Friday night", MAR_2018, "2018-03-23", "day"),
    ("Wed.", MAR_2018, "2018-03-28", "day"),
    ("Friday", DEC_2013, "2013-12-13", "day"),
    ("last Tuesday", MAR_2018, "2018-03-27", "day"),
    ("last Wednesday", MAR_2018, "2018-03-21", "day"),  # strictly before the anchor
    ("next Friday", MAR_2018, "2018-03-30", "day"),
    ("last week", MAR_2018, "2018-03", "month"),  # 12-18 March 2018
    ("this week", D(2018, 3, 14), "2018-03", "month"),
    ("last week", SEP_2016, "2016", "year"),  # 29 Aug - 4 Sep 2016 spans two months
    ("next week", D(2018, 3, 14), "2018-03", "month"),
    ("last month", SEP_2016, "2016-08", "month"),
    ("last month", D(2016, 1, 5), "2015-12", "month"),
    ("this month", SEP_2016, "2016-09", "month"),
    ("earlier this month", SEP_2016, "2016-09", "month"),
    ("next month", D(2016, 12, 5), "2017-01", "month"),
    ("last year", SEP_2016, "2015", "year"),
    ("last year's", SEP_2016, "2015", "year"),
    ("this year", SEP_2016, "2016", "year"),
    ("earlier this year", SEP_2016, "2016", "year"),
    ("late last year", SEP_2016, "2015", "year"),
    ("the end of last year", SEP_2016, "2015", "year"),
    ("next year", SEP_2016, "2017", "year"),
    ("last spring", DEC_2013, "2013", "year"),
    ("last spring", D(2013, 4, 10), "2012", "year"),  # spring 2013 not yet over
    ("last summer", DEC_2013, "2013", "year"),
    ("last autumn", DEC_2013, "2013", "year"),
    ("last winter", DEC_2013, "2013", "year"),  # Dec 2012 - Feb 2013
    ("this summer", D(2016, 7, 1), "2016", "year"),
    ("next spring", DEC_2013, "2014", "year"),
    ("three weeks ago", SEP_2016, "2016-08-15", "day"),
    ("two days ago", D(2016, 3, 1), "2016-02-28", "day"),
    ("a month ago", SEP_2016, "2016-08", "month"),
    ("a year ago", SEP_2016, "2015", "year"),
    ("two decades ago", SEP_2016, "1996", "year"),
]


@pytest.mark.parametrize(("text", "anchor", "iso", "precision"), RELATIVE)
def test_dates_relative_to_document_date(
    text: str, anchor: datetime.date, iso: str, precision: str
) -> None:
    assert parse_date(text, anchor=anchor) == DateValue(iso, precision)


PARTIAL_ANCHOR = [  # a document dated to the year or month only
    ("in May", "2017", "2017-05", "month"),
    ("on 17 December", "2017", "2017-12-17", "day"),  # the year's end: not pushed back a year
    ("on 17 February", "2017-05", "2017-02-17", "day"),
    ("last year", "2017-05", "2016", "year"),
    ("this year", "2017", "2017", "year"),
    ("last month", "2017-05", "2017-04", "month"),
    ("two years ago", "2017", "2015", "year"),
    ("last month", "2017", None, None),  # needs a month
    ("last week", "2017-05", None, None),  # needs a day
    ("yesterday", "2017-05", None, None),
    ("today", "2017", None, None),
    ("on Monday", "2017-05", None, None),
    ("6 January 2016", "2017", "2016-01-06", "day"),  # explicit dates need no anchor
]


@pytest.mark.parametrize(("text", "document_date", "iso", "precision"), PARTIAL_ANCHOR)
def test_dates_partial_document_date_resolves_as_finely_as_it_is_known(
    text: str, document_date: str, iso: str | None, precision: str | None
) -> None:
    expected = None if iso is None else DateValue(iso, precision)
    assert parse_date(text, anchor=anchor_of(document_date)) == expected


@pytest.mark.parametrize(("iso", "precision"), [("2017", "year"), ("2016-02", "month"), ("2016-02-29", "day")])
def test_dates_anchor_of_keeps_the_precision(iso: str, precision: str) -> None:
    anchor = anchor_of(iso)
    assert getattr(anchor, "precision", "day") == precision and anchor.isoformat().startswith(iso)


@pytest.mark.parametrize("iso", [None, "", "2017-13", "2015-02-29", "May 2017", "17", "2017-05-05T10:00"])
def test_dates_anchor_of_bad_input_gives_none(iso: str | None) -> None:
    assert anchor_of(iso) is None


def test_dates_anchor_may_be_a_datetime() -> None:
    anchor = datetime.datetime(2018, 3, 28, 23, 59)
    assert parse_date("yesterday", anchor=anchor) == DateValue("2018-03-27", "day")


NONE_ANYWAY = [
    "",
    "   ",
    "the 1990s",
    "1990s",
    "the 1990's",
    "the '90s",
    "the 20th century",
    "20 minutes",
    "for years",
    "years",
    "three weeks",
    "two years",
    "recently",
    "now",
    "currently",
    "age 70",
    "70 years old",
    "1,400",
    "1400",
    "2100",
    "16",
    "31 February 2016",
    "30 February",
    "February 30, 2016",
    "2016-13",
    "2016-02-30",
    "0 January 2016",
    "32 March 2016",
    "the 17th",
    "on",
    "in the following year",
    "the previous year",
    "the following week",
    "two days later",
    "a month earlier",
    "in two weeks",
    "Mayday",
    "marching",
    "some day",
    "the weekend",
    "decades",
    "last night's 2016",
]


@pytest.mark.parametrize("text", NONE_ANYWAY)
def test_dates_unresolvable_gives_none(text: str) -> None:
    assert parse_date(text) is None
    assert parse_date(text, anchor=SEP_2016) is None


@pytest.mark.parametrize(
    "text",
    [
        "on 17 February",
        "in May",
        "today",
        "yesterday",
        "on Monday",
        "last week",
        "last year",
        "last spring",
        "this month",
        "three weeks ago",
        "in the spring",
        "March last year",
    ],
)
def test_dates_relative_without_anchor_gives_none(text: str) -> None:
    assert parse_date(text) is None


def test_dates_feb_29_in_a_common_year_gives_none() -> None:
    assert parse_date("29 February", anchor=D(2017, 5, 1)) is None
    assert parse_date("29 February", anchor=D(2016, 5, 1)) == DateValue("2016-02-29", "day")


def test_dates_non_str_input_gives_none() -> None:
    assert parse_date(None) is None  # type: ignore[arg-type]
    assert parse_date(2016) is None  # type: ignore[arg-type]
    assert shift_date(DateValue("2016", "year"), None) is None  # type: ignore[arg-type]
    assert find_dates(None) == []  # type: ignore[arg-type]


# ------------------------------------------------------------------------ shift_date

DAY = DateValue("2016-01-06", "day")
MONTH = DateValue("2016-01", "month")
YEAR = DateValue("2016", "year")

SHIFTS = [
    (DAY, "three weeks prior", "2015-12-16", "day"),
    (DAY, "three weeks earlier", "2015-12-16", "day"),
    (DAY, "3 weeks before", "2015-12-16", "day"),
    (DAY, "two days later", "2016-01-08", "day"),
    (DAY, "Two Days Later", "2016-01-08", "day"),
    (DAY, "a day after", "2016-01-07", "day"),
    (DAY, "ten days on", "2016-01-16", "day"),
    (DAY, "a fortnight later", "2016-01-20", "day"),
    (DAY, "a week prior to that", "2015-12-30", "day"),
    (DAY, "some three weeks later", "2016-01-27", "day"),
    (DAY, "the day before", "2016-01-05", "day"),
    (DAY, "the week after", "2016-01-13", "day"),
    (DAY, "the following week", "2016-01-13", "day"),
    (DAY, "the next day", "2016-01-07", "day"),
    (DAY, "the previous day", "2016-01-05", "day"),
    (DAY, "a month before", "2015-12", "month"),
    (DAY, "two months later", "2016-03", "month"),
    (DAY, "the following month", "2016-02", "month"),
    (DAY, "a year later", "2017", "year"),
    (DAY, "the previous year", "2015", "year"),
    (DAY, "two years ago", "2014", "year"),
    (DAY, "later that year", "2016", "year"),
    (DAY, "earlier that month", "2016-01", "month"),
    (DAY, "that same day", "2016-01-06", "day"),
    (DAY, "later that week", "2016-01", "month"),  # 4-10 January 2016
    (DAY, "the following Monday", "2016-01-11", "day"),
    (DAY, "the previous Friday", "2016-01-01", "day"),
    (MONTH, "two days later", "2016-01", "month"),
    (MONTH, "three weeks later", "2016-02", "month"),  # from mid-month
    (MONTH, "a month later", "2016-02", "month"),
    (MONTH, "a year earlier", "2015", "year"),
    (YEAR, "three weeks prior", "2016", "year"),
    (YEAR, "three months later", "2016", "year"),  # never more precise than the base
    (YEAR, "a decade later", "2026", "year"),
]


@pytest.mark.parametrize(("base", "text", "iso", "precision"), SHIFTS)
def test_dates_shift_offsets(base: DateValue, text: str, iso: str, precision: str) -> None:
    assert shift_date(base, text) == DateValue(iso, precision)


@pytest.mark.parametrize(
    "text",
    ["", "three weeks", "days later", "weeks earlier", "later", "the following", "a few days later",
     "6 January 2016", "yesterday", "three apples later", "the following Monday morning"],
)
def test_dates_shift_non_offsets_give_none(text: str) -> None:
    assert shift_date(DAY, text) is None


def test_dates_shift_weekday_needs_day_precision() -> None:
    assert shift_date(MONTH, "the following Monday") is None


def test_dates_shift_off_the_calendar_gives_none() -> None:
    assert shift_date(DateValue("9999-12-31", "day"), "a day later") is None
    assert shift_date(DateValue("0001-01-01", "day"), "9999 years earlier") is None


# ------------------------------------------------------------------------ find_dates


def spans(text: str, anchor: datetime.date | None = None) -> list[tuple[str, str]]:
    return [(text[s:e], v.iso) for s, e, v in find_dates(text, anchor=anchor)]


def test_dates_find_explicit_and_longest_match() -> None:
    text = "Kim visited Beijing on March 26, 2018, and again in May 2018."
    assert spans(text) == [("March 26, 2018", "2018-03-26"), ("May 2018", "2018-05")]


def test_dates_find_relative_with_anchor() -> None:
    text = "Xi met Kim last week and again yesterday; talks began three weeks ago, on Monday."
    assert spans(text, MAR_2018) == [
        ("last week", "2018-03"),
        ("yesterday", "2018-03-27"),
        ("three weeks ago", "2018-03-07"),
        ("Monday", "2018-03-26"),
    ]


def test_dates_find_relative_skipped_without_anchor() -> None:
    assert spans("Xi met Kim yesterday and last week, on 6 January 2016.") == [
        ("6 January 2016", "2016-01-06")
    ]


def test_dates_find_bare_years_need_context() -> None:
    text = "In 2016, 2000 troops and 1,400 tanks moved; since 1950 ties, the 1990s were hard."
    assert spans(text) == [("2016", "2016"), ("1950", "1950")]


def test_dates_find_modifiers_are_in_the_span() -> None:
    text = "Trade fell in early 2016 and again by mid-2017."
    assert spans(text) == [("early 2016", "2016"), ("mid-2017", "2017")]


def test_dates_find_month_words_need_capitals_and_context() -> None:
    text = "China may march in; troops may respond in May, said an official on 3 March."
    assert spans(text, SEP_2016) == [("May", "2016-05"), ("3 March", "2016-03-03")]


def test_dates_find_seasons_and_curly_apostrophes() -> None:
    text = "After the fall of the regime last spring, Pyongyang’s envoy came in the fall of 1989."
    assert spans(text, DEC_2013) == [("last spring", "2013"), ("the fall of 1989", "1989")]


def test_dates_find_iso_and_offsets_preserved() -> None:
    text = "Report — dated 2016-02-17 — cites yesterday’s test."
    found = find_dates(text, anchor=D(2016, 2, 18))
    assert [(text[s:e], v.iso) for s, e, v in found] == [
        ("2016-02-17", "2016-02-17"),
        ("yesterday", "2016-02-17"),
    ]


def test_dates_find_nothing() -> None:
    assert find_dates("") == []
    assert find_dates("No dates here, only 2000 troops and a few years of talks.") == []


# ----------------------------------------------------------------------- DateValue


@pytest.mark.parametrize(
    ("iso", "precision", "xsd"),
    [("2016", "year", "gYear"), ("2016-02", "month", "gYearMonth"), ("2016-02-17", "day", "date")],
)
def test_dates_value_xsd(iso: str, precision: str, xsd: str) -> None:
    assert DateValue(iso, precision).xsd == xsd


@pytest.mark.parametrize(
    ("iso", "precision"),
    [("2016", "day"), ("2016-02-30", "day"), ("2016-13", "month"), ("16", "year"), ("2016", "decade")],
)
def test_dates_value_rejects_inconsistent(iso: str, precision: str) -> None:
    with pytest.raises(ValueError):
        DateValue(iso, precision)


def test_dates_value_is_frozen() -> None:
    value = DateValue("2016", "year")
    with pytest.raises(AttributeError):
        value.iso = "2017"  # type: ignore[misc]


# ---------------------------------------------------------------------------- module


def test_dates_doctests() -> None:
    result = doctest.testmod(dates, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4
    assert result.failed == 0


def test_dates_vocabulary_is_data() -> None:
    data = dates._load_data()
    assert "on" in data["offset_suffixes"]  # quoted: YAML 1.1 would read a bare on as True
    assert all(isinstance(w, str) for w in data["leading_words"] + data["find_context_words"])
    # No vocabulary word appears as a string literal in the code (docstrings aside).
    tree = ast.parse(open(dates.__file__, encoding="utf-8").read())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    literals = {
        node.value.casefold()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    }
    vocabulary = {"january", "feb", "may", "monday", "spring", "winter", "twelve", "fortnight",
                  "ago", "later", "prior", "yesterday", "today", "last", "following"}
    assert not [lit for lit in literals if vocabulary & set(re.findall(r"[a-z]+", lit))]


# ------------------------------------------------------------------------ properties

_TOKENS = [
    "on", "in", "the", "of", "since", "last", "this", "next", "early", "late", "mid-", "end of",
    "17", "17th", "31", "29", "0", "2016", "1990", "1899", "9999", "0000", "2016-02-17", "2016-02",
    "January", "Feb.", "may", "March", "Sept.", "Monday", "wed", "spring", "winter", "fall",
    "today", "yesterday", "a", "three", "twenty-first", "weeks", "week", "month", "years", "day",
    "ago", "later", "prior", "following", "previous", "that", "same", ",", "-", "'s", "’s", ".",
    "1990s", "first", "  ", "\u00a0", "\u2013",
]
date_like = st.lists(st.sampled_from(_TOKENS), max_size=8).map(" ".join)
any_text = st.one_of(st.text(), date_like)
anchors = st.one_of(st.none(), st.dates())
values = st.builds(
    lambda day, precision: DateValue(
        day.isoformat()[: {"year": 4, "month": 7, "day": 10}[precision]], precision
    ),
    st.dates(min_value=D(1000, 1, 1)),
    st.sampled_from(["year", "month", "day"]),
)


@PROPERTY_SETTINGS
@given(any_text, anchors)
def test_dates_parse_never_raises_and_is_valid(text: str, anchor: datetime.date | None) -> None:
    value = parse_date(text, anchor=anchor)
    if value is not None:
        assert_valid(value)


@PROPERTY_SETTINGS
@given(values, any_text)
def test_dates_shift_never_raises_and_is_valid(base: DateValue, text: str) -> None:
    value = shift_date(base, text)
    if value is not None:
        assert_valid(value)


@PROPERTY_SETTINGS
@given(any_text, anchors)
def test_dates_find_spans_valid_ordered_disjoint(text: str, anchor: datetime.date | None) -> None:
    found = find_dates(text, anchor=anchor)
    previous_end = 0
    for start, end, value in found:
        assert 0 <= previous_end <= start < end <= len(text)
        assert_valid(value)
        previous_end = end


@PROPERTY_SETTINGS
@given(st.dates(min_value=D(1900, 1, 1), max_value=D(2099, 12, 31)), anchors)
def test_dates_iso_roundtrip(day: datetime.date, anchor: datetime.date | None) -> None:
    assert parse_date(day.isoformat(), anchor=anchor) == DateValue(day.isoformat(), "day")
    assert parse_date(day.strftime("%d %B %Y")) == DateValue(day.isoformat(), "day")
    assert parse_date(day.strftime("%B %d, %Y")) == DateValue(day.isoformat(), "day")
    assert parse_date(day.strftime("%a, %b %d %Y")) == DateValue(day.isoformat(), "day")


@PROPERTY_SETTINGS
@given(st.dates(min_value=D(1000, 2, 1), max_value=D(9998, 11, 30)), st.sampled_from(range(7)))
def test_dates_weekday_is_latest_on_or_before_anchor(anchor: datetime.date, weekday: int) -> None:
    name = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][weekday]
    value = parse_date(f"on {name}", anchor=anchor)
    assert value is not None and value.precision == "day"
    day = datetime.date.fromisoformat(value.iso)
    assert day.weekday() == weekday and 0 <= (anchor - day).days < 7


# ---------------------------------------------------------------- the fast scan
# On ASCII text find_dates scans the lower-cased text without IGNORECASE and skips rules whose
# words are absent; it must find what a case-insensitive scan of every rule finds.
DATE_WORDS = [
    "on", "in", "the", "of", "since", "as of", "last", "this", "next", "early", "late", "mid-", "end of",
    "17", "17th", "3", "19-21", "2016", "1990", "1990's", "2016-02-17", "2016/2/17", "2016-02-17T12:00Z", "2016-02",
    "January", "Jan.", "feb", "May", "March", "Sept.", "sep", "Monday", "wed", "spring", "fall", "summer",
    "today", "yesterday", "tonight", "a", "three", "twenty-first", "weeks", "week", "month", "year", "day",
    "days", "ago", "from now", "later", "earlier", "morning", "first", ",", "-", ".", "'s", "  ", "decided",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(DATE_WORDS), st.sampled_from([str, str.upper, str.title, str.lower])),
                max_size=9).map(lambda words: " ".join(case(w) for w, case in words)))
def test_dates_scan_of_lower_cased_text_finds_what_ignorecase_finds(text):
    clean = text.translate(dates._TRANSLATE)
    for compiled in dates._rules():
        if compiled.find_re is None:
            continue
        expected = [(m.span(), m.groupdict()) for m in compiled.find_re.finditer(clean)]
        found = [(m.span(), dates._in_case(compiled, clean, m).groupdict())
                 for m in dates._finditer(compiled, clean, clean.lower())]
        assert found == expected, compiled.rule.name
        if compiled.needs is not None and not compiled.needs.search(clean.lower()):
            assert expected == [], compiled.rule.name
