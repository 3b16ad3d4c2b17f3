"""Date normalisation for event extraction: text -> ISO date with its precision.

Dates end up as ``xsd:date`` (``2016-02-17``), ``xsd:gYearMonth`` (``2016-02``) or
``xsd:gYear`` (``2016``), never more precise than the text says. Three kinds of
expression are handled:

* explicit: "6 January 2016", "Aug. 3, 2016", "2016-02-17", "March 2016", "1950";
* partial, completed from the document (publication) date: "on 17 February",
  "in May", "last spring", "on Monday", "yesterday", "three weeks ago";
* relative to another date, which the caller passes: "three weeks prior",
  "two days later", "the following week" (:func:`shift_date`).

Words (months, weekdays, seasons, number words, units, direction words...) live in
``data/dates.yaml``. Only the standard library and PyYAML are used. No public
function raises on any ``str`` input: anything it cannot resolve gives ``None``.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional

import yaml

__all__ = ["DateValue", "PartialAnchor", "anchor_of", "parse_date", "shift_date", "find_dates"]

_DATA_FILE = Path(__file__).resolve().parent / "data" / "dates.yaml"

_ISO_RE = {
    "year": re.compile(r"[0-9]{4}"),
    "month": re.compile(r"[0-9]{4}-[0-9]{2}"),
    "day": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
}
_XSD = {"year": "gYear", "month": "gYearMonth", "day": "date"}
_RANK = {"year": 0, "month": 1, "day": 2}

# Length-preserving clean-up (find_dates reports offsets into the original text).
_TRANSLATE = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"',
        "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    }
)
_EDGE_PUNCT = " \t\r\n\f\v.,;:!?()[]{}\"'"
_FLAGS = re.IGNORECASE
_W = r"(?![\w])"  # end of word


@dataclass(frozen=True)
class DateValue:
    """A calendar date at year, month or day precision.

    Attributes:
        iso: ``"2016"``, ``"2016-02"`` or ``"2016-02-17"``.
        precision: ``"year"``, ``"month"`` or ``"day"``; must agree with ``iso``.

    Raises:
        ValueError: On construction, if ``iso`` does not match ``precision`` or is
            not a real calendar date.

    Example:
        >>> DateValue("2016-02", "month").xsd
        'gYearMonth'
    """

    iso: str
    precision: str

    def __post_init__(self) -> None:
        pattern = _ISO_RE.get(self.precision) if isinstance(self.precision, str) else None
        if pattern is None or not isinstance(self.iso, str) or not pattern.fullmatch(self.iso):
            raise ValueError(f"not a {self.precision!r} ISO value: {self.iso!r}")
        parts = [int(p) for p in self.iso.split("-")] + [1, 1]
        try:
            datetime.date(parts[0], parts[1], parts[2])
        except ValueError as exc:
            raise ValueError(f"not a calendar date: {self.iso!r}") from exc

    @property
    def xsd(self) -> str:
        """The XML Schema datatype local name: ``gYear``, ``gYearMonth`` or ``date``."""
        return _XSD[self.precision]


class PartialAnchor(datetime.date):
    """A document date known to the year or month only: the last day of that period, with its precision.

    News reports the past, so a partial expression ("in May", "on 17 February") is completed as
    at the end of the period; one that needs a finer anchor than the document gives
    ("yesterday", "on Monday", "last week", "last month" against a year) stays unresolved.
    """

    precision: str

    @classmethod
    def of(cls, value: DateValue) -> PartialAnchor:
        """The anchor standing for a year or month ``value``."""
        year, *rest = (int(p) for p in value.iso.split("-"))
        month = rest[0] if rest else 12
        anchor = cls(year, month, calendar.monthrange(year, month)[1])
        anchor.precision = value.precision
        return anchor


def anchor_of(iso: str | None) -> datetime.date | None:
    """The anchor for a document date of any precision (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``).

    Args:
        iso: the document's ISO date, or None.

    Returns:
        A plain date for a day, a :class:`PartialAnchor` for a year or month, None for anything else.

    Example:
        >>> anchor_of("2017-05"), anchor_of("2017-05").precision
        (PartialAnchor(2017, 5, 31), 'month')
    """
    if not isinstance(iso, str):
        return None
    for precision in ("day", "month", "year"):
        if _ISO_RE[precision].fullmatch(iso):
            try:
                value = DateValue(iso, precision)
            except ValueError:
                return None
            return datetime.date.fromisoformat(iso) if precision == "day" else PartialAnchor.of(value)
    return None


def _precision(anchor: datetime.date) -> str:
    return getattr(anchor, "precision", "day")


# --------------------------------------------------------------------------- data


@functools.lru_cache(maxsize=1)
def _load_data() -> Mapping[str, Any]:
    """Read ``data/dates.yaml`` once."""
    with _DATA_FILE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{_DATA_FILE}: expected a mapping")
    return data


def _key(text: str) -> str:
    """Lookup key of a word or phrase: case-folded, dots dropped, hyphens as spaces."""
    return " ".join(text.casefold().replace(".", " ").replace("-", " ").split())


def _words(items: Iterable[Any]) -> tuple[str, ...]:
    return tuple(_key(str(item)) for item in items)


def _word_map(mapping: Mapping[Any, Any]) -> dict[str, int]:
    return {_key(str(k)): int(v) for k, v in mapping.items()}


@dataclass(frozen=True)
class _Vocab:
    months: dict[str, int]
    full_months: frozenset[str]
    weekdays: dict[str, int]
    full_weekdays: frozenset[str]
    seasons: dict[str, tuple[int, ...]]
    numbers: dict[str, int]
    ordinals: dict[str, int]
    units: dict[str, tuple[str, int, bool]]  # word -> (kind, count, is_plural)
    offset_suffixes: dict[str, int]
    document_suffixes: frozenset[str]
    offset_trailers: tuple[str, ...]
    approximators: tuple[str, ...]
    offset_prefixes: dict[str, int]
    relative_words: dict[str, int]
    periods: dict[str, str]
    relative_days: dict[str, int]
    day_parts: tuple[str, ...]
    modifiers: tuple[str, ...]
    leading_words: tuple[str, ...]
    find_context: tuple[str, ...]
    find_capitalised: frozenset[str]
    window_days: int
    bare_years: tuple[int, int]
    explicit_years: tuple[int, int]


def _names(rows: Iterable[Iterable[Any]]) -> tuple[dict[str, int], frozenset[str]]:
    names: dict[str, int] = {}
    full: set[str] = set()
    for row in rows:
        number, *words = list(row)
        for i, word in enumerate(words):
            names[_key(str(word))] = int(number)
            if i == 0:
                full.add(_key(str(word)))
    return names, frozenset(full)


@functools.lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    data = _load_data()
    months, full_months = _names(data["months"])
    weekdays, full_weekdays = _names(data["weekdays"])
    units: dict[str, tuple[str, int, bool]] = {}
    for unit in data["units"]:
        kind, count = str(unit["kind"]), int(unit["count"])
        units[_key(str(unit["singular"]))] = (kind, count, False)
        units[_key(str(unit["plural"]))] = (kind, count, True)
    bare_lo, bare_hi = (int(y) for y in data["bare_years"])
    expl_lo, expl_hi = (int(y) for y in data["explicit_years"])
    return _Vocab(
        months=months,
        full_months=full_months,
        weekdays=weekdays,
        full_weekdays=full_weekdays,
        seasons={_key(str(k)): tuple(int(m) for m in v) for k, v in data["seasons"].items()},
        numbers=_word_map(data["numbers"]),
        ordinals=_word_map(data["ordinals"]),
        units=units,
        offset_suffixes=_word_map(data["offset_suffixes"]),
        document_suffixes=frozenset(_words(data["document_suffixes"])),
        offset_trailers=_words(data["offset_trailers"]),
        approximators=_words(data["approximators"]),
        offset_prefixes=_word_map(data["offset_prefixes"]),
        relative_words=_word_map(data["relative_words"]),
        periods={_key(str(k)): str(v) for k, v in data["periods"].items()},
        relative_days=_word_map(data["relative_days"]),
        day_parts=_words(data["day_parts"]),
        modifiers=_words(data["period_modifiers"]),
        leading_words=_words(data["leading_words"]),
        find_context=_words(data["find_context_words"]),
        find_capitalised=frozenset(_words(data["find_capitalised"])),
        window_days=int(data["future_window_days"]),
        bare_years=(bare_lo, bare_hi),
        explicit_years=(expl_lo, expl_hi),
    )


def _alt(words: Iterable[str]) -> str:
    """Regex alternation of phrases, longest first, ending at a word boundary."""
    keys = sorted({_key(w) for w in words if _key(w)}, key=lambda w: (-len(w), w))
    if not keys:
        return r"(?!)"
    return "(?:" + "|".join(r"[\s-]+".join(map(re.escape, k.split())) for k in keys) + ")" + _W


def _names_alt(names: Iterable[str], full: frozenset[str]) -> str:
    """Full names, or abbreviations with an optional trailing dot."""
    names = list(names)
    return rf"(?:{_alt(n for n in names if n in full)}|{_alt(n for n in names if n not in full)}\.?)"


# -------------------------------------------------------------------- value helpers


@functools.lru_cache(maxsize=4096)  # DateValue is frozen; building one checks its text and the calendar
def _make(year: int, month: int | None = None, day: int | None = None) -> DateValue | None:
    """A DateValue at the precision given by which fields are set, or None if invalid."""
    try:
        datetime.date(year, 1 if month is None else month, 1 if day is None else day)
    except (ValueError, OverflowError, TypeError):
        return None
    if month is None:
        return DateValue(f"{year:04d}", "year")
    if day is None:
        return DateValue(f"{year:04d}-{month:02d}", "month")
    return DateValue(f"{year:04d}-{month:02d}-{day:02d}", "day")


def _of_date(day: datetime.date, precision: str) -> DateValue | None:
    if precision == "day":
        return _make(day.year, day.month, day.day)
    if precision == "month":
        return _make(day.year, day.month)
    return _make(day.year)


def _representative(value: DateValue) -> datetime.date:
    """The date standing for a value: itself, mid-month or mid-year."""
    parts = [int(p) for p in value.iso.split("-")]
    if value.precision == "day":
        return datetime.date(parts[0], parts[1], parts[2])
    if value.precision == "month":
        return datetime.date(parts[0], parts[1], 15)
    return datetime.date(parts[0], 7, 1)


def _coarser(a: str, b: str) -> str:
    return a if _RANK[a] <= _RANK[b] else b


def _add_days(day: datetime.date, days: int) -> datetime.date | None:
    try:
        return day + datetime.timedelta(days=days)
    except (OverflowError, ValueError):
        return None


def _week_value(day: datetime.date) -> DateValue | None:
    """The Monday-to-Sunday week around ``day`` at the finest precision containing it.

    A week inside one month is that month; a week across two months is the year; a
    week across two years is the year holding its Thursday (the ISO week-year).
    """
    start = _add_days(day, -day.weekday())
    end = _add_days(start, 6) if start else None
    if start is None or end is None:
        return None
    if (start.year, start.month) == (end.year, end.month):
        return _make(start.year, start.month)
    if start.year == end.year:
        return _make(start.year)
    thursday = _add_days(start, 3)
    return _make(thursday.year) if thursday else None


def _offset(base: DateValue, kind: str, amount: int) -> DateValue | None:
    """Move ``base`` by ``amount`` days, months or years (``kind``)."""
    try:
        rep = _representative(base)
    except ValueError:
        return None
    if kind == "day":
        moved = _add_days(rep, amount)
        return _of_date(moved, base.precision) if moved else None
    if kind == "month":
        year, month = divmod(rep.year * 12 + rep.month - 1 + amount, 12)
        if _coarser(base.precision, "month") == "month":
            return _make(year, month + 1)
        return _make(year)
    if kind == "year":
        return _make(rep.year + amount)
    return None


def _same_period(base: DateValue, kind: str, count: int) -> DateValue | None:
    """``base`` seen at the grain of a unit ("later that year", "that same week")."""
    if kind == "day" and count == 1:
        return base
    if kind == "day":
        if base.precision != "day":
            return base
        return _week_value(_representative(base))
    precision = _coarser(base.precision, "month" if kind == "month" else "year")
    return _of_date(_representative(base), precision)


def _weekday_near(day: datetime.date, weekday: int, direction: int) -> datetime.date | None:
    """Closest ``weekday`` to ``day``: on or before (0), strictly before (-1) or after (+1)."""
    if direction < 0:
        return _add_days(day, -(((day.weekday() - weekday - 1) % 7) + 1))
    if direction > 0:
        return _add_days(day, ((weekday - day.weekday() - 1) % 7) + 1)
    return _add_days(day, -((day.weekday() - weekday) % 7))


def _season_bounds(months: tuple[int, ...], label: int) -> tuple[datetime.date, datetime.date] | None:
    """First and last day of the season instance counted in year ``label``."""
    if not months:
        return None
    first, last = months[0], months[-1]
    start_year = label - 1 if first > last else label
    try:
        start = datetime.date(start_year, first, 1)
        end = datetime.date(label, last, calendar.monthrange(label, last)[1])
    except (ValueError, OverflowError, calendar.IllegalMonthError):
        return None
    return start, end


# ------------------------------------------------------------------------- rules

_Groups = Mapping[str, Optional[str]]
_Handler = Callable[[_Groups, Optional[datetime.date], _Vocab], Optional[DateValue]]


@dataclass(frozen=True)
class _Rule:
    name: str
    core: str
    handler: _Handler
    find: bool = True  # used by find_dates
    find_check: Callable[[re.Match[str], _Vocab], bool] | None = None
    needs: str = ""  # a regex every match holds, in lower-cased ASCII text: find_dates skips a text without it


@dataclass(frozen=True)
class _Compiled:
    rule: _Rule
    parse_re: re.Pattern[str]
    find_re: re.Pattern[str] | None
    scan_re: re.Pattern[str] | None = None  # find_re without IGNORECASE, for lower-cased ASCII text
    needs: re.Pattern[str] | None = None  # rule.needs, for ASCII text (IGNORECASE matches "s" to "\u017f")


def _g(groups: _Groups, name: str) -> str | None:
    value = groups.get(name)
    return value if value else None


def _in_range(year: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= year <= bounds[1]


def _year_of(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> int | None:
    """The year of a YEARREF: "2016" or "last year"/"this year"/"next year"."""
    year = _g(g, "year")
    if year is not None:
        number = int(year)
        return number if _in_range(number, v.explicit_years) else None
    rel = _g(g, "yrel")
    if rel is None or anchor is None:
        return None
    offset = v.relative_words.get(_key(rel))
    return None if offset is None else anchor.year + offset


def _month_of(g: _Groups, v: _Vocab) -> int | None:
    month = _g(g, "month")
    return None if month is None else v.months.get(_key(month))


def _day_of(g: _Groups, v: _Vocab, name: str = "day") -> int | None:
    day = _g(g, name)
    if day is not None:
        return int(day)
    word = _g(g, "dayword")
    return None if word is None else v.ordinals.get(_key(word))


def _rel_of(g: _Groups, v: _Vocab) -> int | None:
    rel = _g(g, "rel")
    return None if rel is None else v.relative_words.get(_key(rel))


def _h_iso_day(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    year = int(g["y"] or 0)
    if not _in_range(year, v.explicit_years):
        return None
    return _make(year, int(g["m"] or 0), int(g["d"] or 0))


def _h_iso_month(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    year = int(g["y"] or 0)
    return _make(year, int(g["m"] or 0)) if _in_range(year, v.explicit_years) else None


def _h_full(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    year, month, day = _year_of(g, anchor, v), _month_of(g, v), _day_of(g, v)
    if year is None or month is None or day is None:
        return None
    return _make(year, month, day)


def _h_range(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    """"26-27 March 2018": a range of days inside one month is that month."""
    year, month = _year_of(g, anchor, v), _month_of(g, v)
    first, last = _day_of(g, v), _day_of(g, v, "day2")
    if year is None or month is None or first is None or last is None or first >= last:
        return None
    if _make(year, month, first) is None or _make(year, month, last) is None:
        return None
    return _make(year, month)


def _h_partial_day(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    month, day = _month_of(g, v), _day_of(g, v)
    if anchor is None or month is None or day is None:
        return None
    candidate = _make(anchor.year, month, day)
    if candidate is None:
        return None
    if (_representative(candidate) - anchor).days > v.window_days:
        return _make(anchor.year - 1, month, day)
    return candidate


def _h_month_year(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    year, month = _year_of(g, anchor, v), _month_of(g, v)
    return None if year is None or month is None else _make(year, month)


def _h_month(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    """"May", "in early March", "last May", "next January" against the document date."""
    month = _month_of(g, v)
    if anchor is None or month is None:
        return None
    rel = _rel_of(g, v)
    if _g(g, "rel") is not None and rel is None:
        return None
    year = anchor.year
    if rel is None:
        first = _make(year, month, 1)
        if first is None:
            return None
        if (_representative(first) - anchor).days > v.window_days:
            year -= 1
    elif rel < 0:
        year = year if month < anchor.month else year - 1
    elif rel > 0:
        year = year if month > anchor.month else year + 1
    return _make(year, month)


def _h_season(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    """Seasons are year precision: "spring 2016", "last spring", "in the winter"."""
    season = _g(g, "season")
    months = v.seasons.get(_key(season)) if season else None
    if months is None:
        return None
    if _g(g, "year") or _g(g, "yrel"):
        year = _year_of(g, anchor, v)
        return None if year is None else _make(year)
    if anchor is None:
        return None
    rel = _rel_of(g, v)
    if _g(g, "rel") is not None and rel is None:
        return None
    instances = [
        (label, bounds)
        for label in range(anchor.year - 2, anchor.year + 3)
        if (bounds := _season_bounds(months, label)) is not None
    ]
    chosen: list[int]
    if rel is None:  # the latest one not starting well after the document date
        chosen = [lb for lb, (start, _) in instances if (start - anchor).days <= v.window_days][-1:]
    elif rel < 0:  # the latest one completed before the document date
        chosen = [lb for lb, (_, end) in instances if end < anchor][-1:]
    elif rel > 0:  # the first one starting after the document date
        chosen = [lb for lb, (start, _) in instances if start > anchor][:1]
    else:  # the current one, or else the nearest one
        def distance(bounds: tuple[datetime.date, datetime.date]) -> int:
            start, end = bounds
            return max((start - anchor).days, (anchor - end).days, 0)

        ranked = sorted(instances, key=lambda item: (distance(item[1]), item[0]))
        chosen = [ranked[0][0]] if ranked else []
    return _make(chosen[0]) if chosen else None


def _h_year(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    year = int(g["year"] or 0)
    return _make(year) if _in_range(year, v.bare_years) else None


def _h_relative_period(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    """"last week", "this month", "earlier this year", "late last year"."""
    rel, period = _rel_of(g, v), v.periods.get(_key(g["period"] or ""))
    if anchor is None or rel is None or period is None:
        return None
    if _RANK[_precision(anchor)] < _RANK["day" if period == "week" else period]:
        return None
    if period == "year":
        return _make(anchor.year + rel)
    if period == "month":
        year, month = divmod(anchor.year * 12 + anchor.month - 1 + rel, 12)
        return _make(year, month + 1)
    day = _add_days(anchor, 7 * rel)
    return _week_value(day) if day else None


def _h_weekday(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    """"Monday", "last Tuesday", "next Friday": the nearest such day to the document date."""
    weekday = v.weekdays.get(_key(g["weekday"] or ""))
    if anchor is None or weekday is None or _precision(anchor) != "day":
        return None
    rel = _rel_of(g, v)
    if _g(g, "rel") is not None and rel is None:
        return None
    day = _weekday_near(anchor, weekday, rel or 0)
    return _of_date(day, "day") if day else None


def _h_relative_day(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    offset = v.relative_days.get(_key(g["relday"] or ""))
    if anchor is None or offset is None or _precision(anchor) != "day":
        return None
    day = _add_days(anchor, offset)
    return _of_date(day, "day") if day else None


def _count_of(g: _Groups, v: _Vocab) -> int | None:
    num = _g(g, "num")
    if num is None:
        return None
    return int(num) if num.isdigit() else v.numbers.get(_key(num))


def _h_ago(g: _Groups, anchor: datetime.date | None, v: _Vocab) -> DateValue | None:
    """"three weeks ago", "two years ago" against the document date."""
    if anchor is None:
        return None
    base = _of_date(anchor, _precision(anchor))
    return None if base is None else _apply_count(base, g, v)


def _apply_count(base: DateValue, g: _Groups, v: _Vocab) -> DateValue | None:
    """Apply "<num> <unit> <direction>" groups to ``base``."""
    count = _count_of(g, v)
    unit = v.units.get(_key(g["unit"] or ""))
    direction = v.offset_suffixes.get(_key(g["dir"] or ""))
    if count is None or unit is None or direction is None:
        return None
    kind, size, _ = unit
    return _offset(base, kind, direction * count * size)


# find_dates checks: reject common words that merely look like dates.


def _month_ok(match: re.Match[str], v: _Vocab, *, full_only: bool = False) -> bool:
    text = match.groupdict().get("month")
    if not text:
        return True
    key = _key(text)
    capital = text[:1].isupper()
    if key not in v.full_months:
        return capital and not full_only
    return capital or key not in v.find_capitalised


def _check_named(match: re.Match[str], v: _Vocab) -> bool:
    return _month_ok(match, v)


def _check_month_alone(match: re.Match[str], v: _Vocab) -> bool:
    g = match.groupdict()
    return bool(g.get("pre") or g.get("mod") or g.get("rel")) and _month_ok(match, v, full_only=True)


def _check_season(match: re.Match[str], v: _Vocab) -> bool:
    g = match.groupdict()
    if g.get("rel") or g.get("year") or g.get("yrel"):
        return True
    return bool(g.get("pre") or g.get("mod")) and _key(g.get("season") or "") != "fall"


def _check_year(match: re.Match[str], v: _Vocab) -> bool:
    g = match.groupdict()
    return bool(g.get("pre") or g.get("mod") or g.get("theyear"))


def _check_weekday(match: re.Match[str], v: _Vocab) -> bool:
    return _key(match.group("weekday") or "") in v.full_weekdays


@functools.lru_cache(maxsize=1)
def _rules() -> tuple[_Compiled, ...]:
    v = _vocab()
    sep = r"(?:\s*,\s*|\s+)"
    month = rf"(?P<month>{_names_alt(v.months, v.full_months)})"
    weekday_pre = rf"(?:{_names_alt(v.weekdays, v.full_weekdays)}{sep})?"
    day = r"(?P<day>[0-9]{1,2})(?:st|nd|rd|th)?" + _W
    day2 = r"(?P<day2>[0-9]{1,2})(?:st|nd|rd|th)?" + _W
    day_of = rf"(?:the\s+)?(?:{day}(?:\s+of)?|(?P<dayword>{_alt(v.ordinals)})\s+of)"
    year = r"(?P<year>[0-9]{4})" + _W + r"(?!(?<=0)'s" + _W + ")"  # not "1990's"
    rel_alt = _alt(v.relative_words)
    year_ref = rf"(?:of\s+)?(?:{year}|(?P<yrel>{rel_alt})\s+year{_W})"
    mod = rf"(?:(?:the\s+)?(?P<mod>{_alt(v.modifiers)})(?:\s*-\s*|\s+))?"
    rel = rf"(?P<rel>{rel_alt})"
    parts = rf"(?:\s+{_alt(v.day_parts)})?"
    dash = r"\s*-\s*"
    # what a rule's pattern cannot match without (its month, its year...), for find_dates to skip a text:
    # cheap to scan for, and narrow enough that a sentence with a date is not scanned by every rule
    months = _any_of(_first_words(v.months))
    month_then_day = rf"{months}[a-z]*\.?\s+[0-9]{{1,2}}(?:st|nd|rd|th)?(?![\w])"  # "March 17", not "March 2016"
    day_dash_day = r"(?:[0-9]|st|nd|rd|th)\s*-\s*[0-9]"  # "17-19", "17th - 19th"
    rules = [
        _Rule(
            "iso_day",
            r"(?P<y>[0-9]{4})(?P<sep>[-/])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
            r"(?:t[0-9]{2}(?::?[0-9]{2}){0,2}(?:\.[0-9]+)?(?:z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?" + _W,  # t, z: T, Z
            _h_iso_day,
            needs=r"[0-9]{4}[-/][0-9]",
        ),
        _Rule("iso_month", r"(?P<y>[0-9]{4})-(?P<m>[0-9]{2})" + _W, _h_iso_month, find=False),
        _Rule("day_month_year", rf"{weekday_pre}{day_of}\s+{month}{sep}{year_ref}", _h_full, needs=months),
        _Rule("month_day_year", rf"{weekday_pre}{month}\s+{day}{sep}{year_ref}", _h_full, needs=month_then_day),
        _Rule("day_range", rf"{day}{dash}{day2}\s+{month}{sep}{year_ref}", _h_range, needs=day_dash_day),
        _Rule("month_day_range", rf"{month}\s+{day}{dash}{day2}{sep}{year_ref}", _h_range, needs=day_dash_day),
        _Rule("day_month", rf"{weekday_pre}{day_of}\s+{month}", _h_partial_day, find_check=_check_named,
              needs=months),
        _Rule("month_day", rf"{weekday_pre}{month}\s+{day}", _h_partial_day, find_check=_check_named,
              needs=month_then_day),
        _Rule("month_year", rf"{mod}{month}{sep}{year_ref}", _h_month_year, find_check=_check_named,
              needs=months),
        _Rule("month", rf"{mod}(?:{rel}\s+)?{month}", _h_month, find_check=_check_month_alone, needs=months),
        _Rule(
            "season",
            rf"{mod}(?:the\s+)?(?:{rel}\s+)?(?P<season>{_alt(v.seasons)})(?:{sep}{year_ref})?",
            _h_season,
            find_check=_check_season,
            needs=_any_of(_first_words(v.seasons)),
        ),
        _Rule("year", rf"{mod}(?P<theyear>(?:the\s+)?year\s+)?{year}", _h_year, find_check=_check_year,
              needs=r"[0-9]{4}"),
        _Rule(
            "relative_period",
            rf"{mod}{rel}\s+(?P<period>{_alt(v.periods)})",
            _h_relative_period,
            needs=_any_of(_first_words(v.periods)),
        ),
        _Rule(
            "weekday",
            rf"(?:{rel}\s+)?(?P<weekday>{_names_alt(v.weekdays, v.full_weekdays)}){parts}",
            _h_weekday,
            find_check=_check_weekday,
            needs=_any_of(_first_words(v.weekdays)),
        ),
        _Rule(
            "relative_day",
            rf"(?:the\s+)?(?P<relday>{_alt(v.relative_days)}){parts}",
            _h_relative_day,
            needs=_any_of(_first_words(v.relative_days)),
        ),
        _Rule(
            "count_from_document",
            rf"(?P<num>[0-9]{{1,4}}{_W}|{_alt(v.numbers)})\s+(?P<unit>{_alt(v.units)})"
            rf"\s+(?P<dir>{_alt(v.document_suffixes)})",
            _h_ago,
            needs=_any_of(_first_words(v.document_suffixes)),
        ),
    ]
    context = rf"(?<![\w])(?:(?P<pre>{_alt(v.find_context)})\s+)?"
    compiled = []
    needs: dict[str, re.Pattern[str]] = {}  # one pattern for rules that need the same: find_dates scans it once
    for rule in rules:
        find = rf"{context}(?P<core>{rule.core})"
        if rule.needs and rule.needs not in needs:
            needs[rule.needs] = re.compile(rule.needs)
        compiled.append(_Compiled(
            rule,
            re.compile(rf"(?:{rule.core})(?:'s)?", _FLAGS),
            re.compile(find, _FLAGS) if rule.find else None,
            re.compile(find) if rule.find and _lower_case_only(find) else None,
            needs.get(rule.needs),
        ))
    return tuple(compiled)


def _lower_case_only(pattern: str) -> bool:
    """ASCII, and no capital outside group syntax: on lower-cased ASCII text it needs no IGNORECASE."""
    return pattern.isascii() and re.search(r"[A-Z]", re.sub(r"\(\?P[<=]", "", pattern)) is None


def _any_of(words: Iterable[str]) -> str:
    """A regex alternation of the words, with no boundaries: "may" is found in "mayor"."""
    return "(?:" + "|".join(map(re.escape, words)) + ")"


def _first_words(words: Iterable[str]) -> tuple[str, ...]:
    """The first word of each phrase as :func:`_alt` matches it (a match of the alternation holds
    one), less those holding a shorter one: "apr" is in all that "april" is in."""
    first = {_key(w).split()[0] for w in words if _key(w)}
    return tuple(sorted(w for w in first if not any(o != w and o in w for o in first)))


def _finditer(compiled: _Compiled, text: str, lower: str | None) -> Iterator[re.Match[str]]:
    """The spans of ``compiled.find_re.finditer(text)``, found faster in ``lower`` (``text``
    lower-cased) when ASCII: pass a match to :func:`_in_case` for its groups.

    IGNORECASE matching is what makes the scan slow (Python's ``re`` then tries every branch
    of an alternation at every word). On ASCII text it is the same as plain matching of the
    lower-cased text by a pattern without capitals: same spans, in the same order.
    """
    if lower is None or compiled.scan_re is None:
        return compiled.find_re.finditer(text)
    return compiled.scan_re.finditer(lower)


def _in_case(compiled: _Compiled, text: str, found: re.Match[str]) -> re.Match[str]:
    """A match of :func:`_finditer`, matched again in ``text`` if need be: groups in their own case."""
    return found if found.re is compiled.find_re else compiled.find_re.match(text, found.start())


@functools.lru_cache(maxsize=1)
def _shift_rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    v = _vocab()
    singular = [w for w, (_, _, plural) in v.units.items() if not plural]
    trailer = rf"(?:\s+{_alt(v.offset_trailers)})?"
    approx = rf"(?:{_alt(v.approximators)}\s+)?"
    suffix = rf"(?P<dir>{_alt(v.offset_suffixes)})"
    prefix = rf"(?:the\s+)?(?P<pdir>{_alt(v.offset_prefixes)})\s+"
    weekday = rf"(?P<weekday>{_names_alt(v.weekdays, v.full_weekdays)})"
    specs = [
        (
            rf"{approx}(?P<num>[0-9]{{1,4}}{_W}|{_alt(v.numbers)})"
            rf"\s+(?P<unit>{_alt(v.units)})\s+{suffix}{trailer}",
            "count",
        ),
        (rf"(?:the\s+)?(?P<unit>{_alt(singular)})\s+{suffix}{trailer}", "one"),
        (rf"{prefix}(?P<unit>{_alt(singular)})", "prefix"),
        (rf"{prefix}{weekday}", "weekday"),
    ]
    return tuple((re.compile(pattern, _FLAGS), kind) for pattern, kind in specs)


# ------------------------------------------------------------------------ public


def _clean(text: str) -> str:
    return " ".join(text.translate(_TRANSLATE).split()).strip(_EDGE_PUNCT)


def _coerce_anchor(anchor: object) -> datetime.date | None:
    if isinstance(anchor, datetime.datetime):
        return anchor.date()
    return anchor if isinstance(anchor, datetime.date) else None


@functools.lru_cache(maxsize=1)
def _leading_re() -> re.Pattern[str]:
    return re.compile(rf"{_alt(_vocab().leading_words)}\s+", _FLAGS)


def parse_date(text: str, *, anchor: datetime.date | None = None) -> DateValue | None:
    """Normalise one date expression to an ISO value with its precision.

    Meant for the text of a spaCy DATE entity, possibly with a leading "on", "in",
    "since" or "the". Partial day/month without a year ("17 February", "in May")
    take the anchor's year, or the previous year when that would put them more than
    about two months after the anchor (news reports the past). Weekday names are the
    most recent such day on or before the anchor ("last Tuesday": strictly before;
    "next Tuesday": strictly after). "today" is the anchor, "yesterday" the day
    before. "last year"/"this year" are year precision, "last month"/"this month"
    month precision; "last week"/"this week" is the month holding that Monday-to-
    Sunday week, or its year when the week straddles two months. Seasons are year
    precision: "last spring" is the latest spring completed before the anchor.
    "early 2016", "mid-2016", "late 2016" are "2016". Decades, centuries, durations,
    ages and vague words give None.

    Args:
        text: The date expression. Case, curly apostrophes, extra spaces and
            surrounding punctuation do not matter.
        anchor: The document (publication) date, which resolves partial and relative
            expressions. Without it those give None.

    Returns:
        The date at the precision the text supports, or None when nothing can be
        resolved. Never raises on a ``str``.

    Example:
        >>> parse_date("on 17 February", anchor=datetime.date(2016, 9, 5))
        DateValue(iso='2016-02-17', precision='day')
    """
    if not isinstance(text, str):
        return None
    anchor = _coerce_anchor(anchor)
    cleaned = _clean(text)
    leading = _leading_re()
    while (match := leading.match(cleaned)) is not None:
        cleaned = cleaned[match.end():]
    if not cleaned:
        return None
    vocab = _vocab()
    for compiled in _rules():
        match = compiled.parse_re.fullmatch(cleaned)
        if match is not None:
            value = compiled.rule.handler(match.groupdict(), anchor, vocab)
            if value is not None:
                return value
    return None


def shift_date(base: DateValue, text: str) -> DateValue | None:
    """Apply a relative offset expression to a base date.

    Understands "<count> <unit> <direction>" ("three weeks prior", "two days later",
    "a month before", "some ten years earlier"), "the day before", "the following
    week", "the previous year", "the next day", "later that year" and "the following
    Monday". Days and weeks keep day precision on a day-precision base and the base's
    precision otherwise (a month or year base moves from its middle); months give
    month precision (year if the base is only a year); years give year precision.
    "that week"-style expressions give the week's month (or year).

    Args:
        base: The date the offset is relative to.
        text: The offset expression.

    Returns:
        The shifted date, or None if ``text`` is not an offset expression (or the
        result leaves the calendar). Never raises on a ``str``.

    Example:
        >>> shift_date(DateValue("2016-01-06", "day"), "three weeks prior")
        DateValue(iso='2015-12-16', precision='day')
    """
    if not isinstance(base, DateValue) or not isinstance(text, str):
        return None
    cleaned = _clean(text)
    if not cleaned:
        return None
    vocab = _vocab()
    for pattern, kind in _shift_rules():
        match = pattern.fullmatch(cleaned)
        if match is None:
            continue
        g = match.groupdict()
        if kind == "count":
            value = _apply_count(base, g, vocab)
        elif kind == "one":
            value = _apply_count(base, {**g, "num": "1"}, vocab)
        elif kind == "prefix":
            direction = vocab.offset_prefixes.get(_key(g["pdir"] or ""))
            unit = vocab.units.get(_key(g["unit"] or ""))
            if direction is None or unit is None:
                value = None
            elif direction == 0:
                value = _same_period(base, unit[0], unit[1])
            else:
                value = _offset(base, unit[0], direction * unit[1])
        else:  # "the following Monday": needs a day-precision base
            direction = vocab.offset_prefixes.get(_key(g["pdir"] or ""))
            weekday = vocab.weekdays.get(_key(g["weekday"] or ""))
            value = None
            if direction and weekday is not None and base.precision == "day":
                day = _weekday_near(_representative(base), weekday, direction)
                value = _of_date(day, "day") if day else None
        if value is not None:
            return value
    return None


def find_dates(text: str, *, anchor: datetime.date | None = None) -> list[tuple[int, int, DateValue]]:
    """Find every resolvable date expression in a sentence.

    For when spaCy's NER misses a date. Spans cover the date itself, not an
    introducing "on"/"in". A bare year counts only after a word such as "in",
    "since" or "by" ("in 1950", not "2000 troops"), a month name alone only after
    such a word or a modifier ("in May", "early March"), and "may"/"march" only
    when capitalised. Expressions that need the anchor are skipped without one.

    Args:
        text: The sentence (or any text).
        anchor: The document (publication) date, as for :func:`parse_date`.

    Returns:
        ``(start, end, value)`` character spans into ``text``, left to right and
        non-overlapping; where matches overlap the longest wins. Never raises on a
        ``str``.

    Example:
        >>> find_dates("Kim visited Beijing on March 26, 2018.")
        [(23, 37, DateValue(iso='2018-03-26', precision='day'))]
    """
    if not isinstance(text, str):
        return []
    anchor = _coerce_anchor(anchor)
    clean = text.translate(_TRANSLATE)
    lower = clean.lower() if clean.isascii() else None
    vocab = _vocab()
    present: dict[re.Pattern[str], bool] = {}  # whether lower holds what a rule needs
    candidates: list[tuple[int, int, _Compiled, re.Match[str]]] = []
    for compiled in _rules():
        if compiled.find_re is None:
            continue
        if lower is not None and compiled.needs is not None:
            if compiled.needs not in present:
                present[compiled.needs] = compiled.needs.search(lower) is not None
            if not present[compiled.needs]:
                continue
        for found in _finditer(compiled, clean, lower):
            start, end = found.span("core")
            if end > start:
                candidates.append((start, end, compiled, found))
    # longest first; a candidate is checked and valued only when nothing chosen overlaps it, as most
    # lose to a longer one ("October" in "9 October 2006")
    candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
    chosen: list[tuple[int, int, DateValue]] = []
    for start, end, compiled, found in candidates:
        if any(start < other_end and end > other_start for other_start, other_end, _ in chosen):
            continue
        match = _in_case(compiled, clean, found)
        check = compiled.rule.find_check
        if check is not None and not check(match, vocab):
            continue
        value = compiled.rule.handler(match.groupdict(), anchor, vocab)
        if value is not None:
            chosen.append((start, end, value))
    chosen.sort(key=lambda c: c[0])
    return chosen
