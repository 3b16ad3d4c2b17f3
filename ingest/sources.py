"""Read input files into Documents: plain text, HTML and JSON Lines, with defined failure modes.

Every bad input becomes a ``Skipped`` record that says why (empty, binary, undecodable,
malformed line, missing, unreadable), never an exception, so that one broken file cannot stop
a corpus run. Texts are cleaned the same way whatever their kind (see ``normalise_text``) and
documents longer than ``MAX_CHARS`` are split at paragraph boundaries, so that every step
downstream works on bounded pieces.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "note.txt").write_text("Trade Across the Yalu\\n\\nBy Jane Doe\\n\\nBody.\\n")
    >>> _ = (folder / "empty.txt").write_text("  \\n")
    >>> for item in iter_documents([folder]):
    ...     print(type(item).__name__, item.title if isinstance(item, Document) else item.reason)
    Skipped empty document
    Document Trade Across the Yalu
"""
from __future__ import annotations

import codecs
import glob
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date as Date
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.records import Document

MAX_CHARS = 200_000  # longest document handed downstream (spaCy peaks near 4 KB a character); longer texts are split

DATA_DIR = Path(__file__).parent / "data"
TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ""})
HTML_SUFFIXES = frozenset({".html", ".htm"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})

_CHUNK_BYTES = 1 << 20  # big files are read in pieces of this size
_SNIFF_BYTES = 8192  # how much of a file decides "binary" and, for unknown suffixes, its kind
_MAX_REPLACED = 0.01  # share of undecodable characters still accepted as damaged UTF-8
_MAX_CONTROL = 0.10  # share of control characters above which a file is binary
_MIN_ASCII_CP1252 = 0.80  # a real Windows-1252 text is mostly ASCII; mojibake of other codepages is not
_DATELINE_CHARS = 120  # dates are read from short lines only: one in a paragraph dates an event

_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_ASCII = bytes(range(128))
_BINARY_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32), 127])  # controls text never has
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_REPLACEMENT_UTF8 = "\ufffd".encode()

_NEWLINES = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff]")  # run after _NEWLINES
_BINARY_CHARS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_GLOB_CHARS = re.compile(r"[*?[]")

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"(?<!\d)(?P<iy>\d{{4}})[-/.](?P<im>\d{{1,2}})[-/.](?P<id>\d{{1,2}})(?!\d)"
    rf"|(?<!\d)(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<dm>{_MONTH})\b\.?,?\s+(?P<dy>\d{{4}})(?!\d)"
    rf"|\b(?P<mm>{_MONTH})\b\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})(?!\d)",
    re.IGNORECASE,
)
_PARTIAL_ISO = re.compile(r"(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?")  # a year or month, as --date gives it
_FIRST_PARAGRAPH_LINE = re.compile(r"\s*([^\n]+)\n[ \t]*\n\s*\S")  # a first line that is a paragraph of its own
# "PLACE, DATE (AGENCY) -- text": a place of capitalised words, a comma, then the date before the dash
_DATELINE = re.compile(r"(?:[A-Z][\w.'-]*\s){0,3}[A-Z][\w.'-]*,\s*([^\n]{4,60}?)\s*(?:--|[-\u2013\u2014])\s")
_HEADLINE_WORDS = 15  # longest sentence-case first line still read as a headline
_BYLINE = re.compile(r"^(?:written\s+by|by|authors?\s*:)\s+(?P<name>.+)$", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[a-z]{3,}[.!?]\s")  # "Gen. Kim" and "N. Korea" are not sentence ends
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[.'\u2019-])*")
_NAME_PARTICLES = frozenset({"al", "bin", "da", "de", "del", "der", "di", "du", "el", "la", "le", "van", "von"})
_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of off on onto or over per than the to up upon via vs with".split()
)
_HTML_START = ("<!doctype html", "<html")
_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]{1,40})", re.IGNORECASE)
# Codecs a web page may declare that decode bytes to text; anything else (base64, idna, ...) is ignored.
# A page whose <meta> is readable as ASCII is not UTF-16 or EBCDIC, whatever it declares.
_WEB_CODECS = re.compile(
    r"^(cp(866|874|932|936|949|950|125\d)|iso8859-\d+|gb\w*|big5\w*|euc_\w+|shift_jis\w*|koi8-\w|iso2022_\w+)$"
)
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "ascii": "cp1252"}
_BLOCK_TAGS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table td th tr ul".split()
)


class SourceError(ValueError):
    """An input file that yields no document; the message is ``"<path>[:<line>]: <reason>"``."""

    def __init__(self, source: str | Path, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"{self.source}: {reason}")


@dataclass(frozen=True)
class Skipped:
    """An input that produced no document, and why.

    ``source`` is the path, with ``":LINE"`` for a line of a JSON Lines file; ``str()`` gives
    the one-line message ``"<source>: <reason>"``.
    """

    source: str
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.reason}"

    def error(self) -> SourceError:
        """The exception to raise for a caller that treats a skipped input as fatal."""
        return SourceError(self.source, self.reason)


@dataclass(frozen=True)
class Boilerplate:
    """Lines of web pages that are not article text (``ingest/data/boilerplate.yaml``)."""

    lines: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, line: str) -> bool:
        """True when ``line`` is boilerplate.

        Args:
            line: one line of text.

        Returns:
            Whether the line is listed, or is short and matches a listed pattern.

        Example:
            >>> load_boilerplate().matches("Subscribe to our Newsletter!")
            True
        """
        key = " ".join(line.strip(" .:!|\u00bb\u203a>-\u2013\u2014\u2022\u00b7").split()).casefold()
        if key in self.lines:
            return True
        return len(line) <= 300 and any(pattern.search(line) for pattern in self.patterns)


@lru_cache(maxsize=1)
def load_boilerplate(path: Path = DATA_DIR / "boilerplate.yaml") -> Boilerplate:
    """Load the boilerplate list.

    Args:
        path: the YAML file, with a ``lines`` list and a ``patterns`` list of regular expressions.

    Returns:
        The parsed list.

    Raises:
        SourceError: if the file is not of that shape or a pattern does not compile.

    Example:
        >>> "you are here" in load_boilerplate().lines
        True
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(data.get(k, []), list) for k in ("lines", "patterns")):
        raise SourceError(path, "expected a mapping with 'lines' and 'patterns' lists")
    try:
        patterns = tuple(re.compile(p, re.IGNORECASE) for p in data.get("patterns", []))
    except (re.error, TypeError) as exc:
        raise SourceError(path, f"bad pattern: {exc}") from exc
    lines = frozenset(" ".join(str(line).split()).casefold() for line in data.get("lines", []))
    return Boilerplate(lines=lines, patterns=patterns)


# --- public readers -------------------------------------------------------------------------


def iter_documents(
    paths: Iterable[str | Path] | str | Path,
    *,
    title: str | None = None,
    author: str | None = None,
    date: str | None = None,
    source: str | None = None,
) -> Iterator[Document | Skipped]:
    """Read files, directories and glob patterns into Documents, in order.

    Directories are read recursively in sorted order, ignoring hidden entries and
    ``__pycache__``; a pattern such as ``"corpus/*.txt"`` is expanded when no file has that
    literal name. Each file is read by its kind: ``.txt``/``.text``/``.md``/no suffix as text,
    ``.html``/``.htm`` as HTML, ``.jsonl``/``.ndjson`` as JSON Lines; any other suffix is
    sniffed (HTML if it starts with ``<!doctype html`` or ``<html``, JSON Lines if its first
    non-blank line starts with ``{``, else text). A file given twice is read once. Texts longer
    than ``MAX_CHARS`` become several Documents titled ``"<title> (part N)"`` with source
    ``"<path>#partN"``; text files are streamed, so memory stays bounded whatever their size.

    Args:
        paths: files, directories or glob patterns (a single one is accepted too).
        title: title for every document, overriding what is read from the input.
        author: author for every document, overriding what is read from the input.
        date: publication date for every document: a year, a month or a day (see
            ``document_date``), ignored (the date read from the input is kept) when it does not parse.
        source: source for every document, instead of its path or URL.

    Returns:
        An iterator of Documents and of Skipped records for inputs that gave no document.
        It never raises for a bad, missing or unreadable input.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.txt").write_text("Kim Jong-un visited Beijing.")
        >>> [d.text for d in iter_documents([folder / "*.txt", folder / "missing.txt"], date="5 May 2018")
        ...  if isinstance(d, Document)]
        ['Kim Jong-un visited Beijing.']
        >>> [str(s).endswith("missing.txt: no such file or directory")
        ...  for s in iter_documents([folder / "missing.txt"])]
        [True]
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    overrides = {"title": title, "author": author, "date": document_date(date), "source": source}
    seen: set[str] = set()
    for item in _expand(paths):
        if isinstance(item, Skipped):
            yield item
            continue
        key = os.path.realpath(item)
        if key in seen:
            continue
        seen.add(key)
        yield from _guard(item, _read_any(item, overrides), listed=True)


def read_text_file(path: str | Path) -> Document | Skipped:
    """Read a plain-text file into one Document (never split; see ``iter_documents`` for that).

    Decoding: UTF-8, with or without BOM; UTF-16 and UTF-32 with a BOM. Invalid UTF-8 is
    decoded with ``errors="replace"`` only when the replaced characters are fewer than 1 % of
    all characters (a few damaged bytes should not lose a document); otherwise, when the file is
    mostly ASCII and has none of the five bytes Windows-1252 leaves undefined, it is read as
    Windows-1252 (the usual legacy encoding of English web text); else it is skipped as
    ``"not valid UTF-8 text"``. The text is then cleaned by ``normalise_text`` and stripped.
    Title, author and date come from ``metadata_from_text``.

    Args:
        path: the file.

    Returns:
        The Document, or a Skipped record: ``"empty document"``, ``"binary file, not text"``
        (NUL bytes or over 10 % control characters in the first 8 KiB), ``"not valid UTF-8
        text"``, ``"no such file or directory"``, ``"permission denied"`` ...

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "latin.txt"
        >>> _ = p.write_bytes("Caf\\u00e9 in Dandong".encode("cp1252"))
        >>> read_text_file(p).text
        'Café in Dandong'
    """
    path = Path(path)
    return next(_guard(path, _text_documents(path, {}, max_chars=None), listed=False))


def read_html_file(path: str | Path) -> Document | Skipped:
    """Read the main text and metadata of an HTML page into one Document.

    trafilatura extracts the main text (no comments, no tables, favouring precision) with the
    page's title, author and date, from the string only: it is never given a URL and never
    fetches anything. Remaining boilerplate lines (``load_boilerplate``) are dropped and
    paragraphs are separated by blank lines. When trafilatura finds nothing, the visible text of
    ``<body>`` (without scripts and styles) is used. The bytes are decoded as for text files,
    except that a ``<meta charset>`` the page declares is preferred over Windows-1252 when the
    page is not valid UTF-8.

    Args:
        path: the ``.html`` file.

    Returns:
        The Document, or a Skipped record (``"no main text found in HTML"`` among the reasons
        of ``read_text_file``).

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "page.html"
        >>> _ = p.write_text("<html><body><script>x()</script><p>Trade resumed.</p></body></html>")
        >>> read_html_file(p).text
        'Trade resumed.'
    """
    path = Path(path)
    return next(_guard(path, _html_documents(path, {}, max_chars=None), listed=False))


def iter_jsonl(path: str | Path) -> Iterator[Document | Skipped]:
    """Read a JSON Lines file: one object per line with ``text`` and optional metadata.

    Each object needs a string ``text``; ``title``, ``author``, ``date``, ``url`` (the source)
    and ``id`` are optional. A document's source is its ``url``, else ``"<path>#<id>"``, else
    ``"<path>:<line>"``; its ``id`` stays the content hash of the text. Blank lines are ignored;
    a bad line is skipped and the following lines are still read.

    Args:
        path: the ``.jsonl`` or ``.ndjson`` file.

    Returns:
        An iterator of Documents and Skipped records; a bad line gives
        ``Skipped("<path>:<line>", "invalid JSON: ...")`` or ``... 'no string "text" field'``.

    Example:
        >>> import tempfile
        >>> p = Path(tempfile.mkdtemp()) / "docs.jsonl"
        >>> _ = p.write_text('{"text": "Xi met Kim.", "date": "March 28, 2018"}\\n{oops\\n')
        >>> [getattr(x, "date", None) or x.reason for x in iter_jsonl(p)]
        ['2018-03-28', 'invalid JSON: Expecting property name enclosed in double quotes (column 2)']
    """
    path = Path(path)
    yield from _guard(path, _jsonl_documents(path, {}, max_chars=MAX_CHARS), listed=False)


def normalise_text(text: str) -> str:
    """Clean a text the way every reader does.

    Newlines become ``\\n`` (also CR, vertical tab, form feed, NEL and the Unicode line and
    paragraph separators); other control characters except ``\\t`` are removed, with stray
    byte-order marks; lone surrogates become U+FFFD; the result is NFC-normalised.

    Args:
        text: any string.

    Returns:
        The cleaned string (not stripped).

    Example:
        >>> normalise_text("Pyongyang\\r\\nBeijing\\x00\\x07 Cafe\\u0301")
        'Pyongyang\\nBeijing Café'
    """
    return unicodedata.normalize("NFC", _clean(text))


def metadata_from_text(text: str) -> dict[str, str | None]:
    """Find the title, author and date that a pasted web article starts with.

    Only the first non-empty lines are read. The title is the first of the first 10 lines that
    looks like a headline: at most 200 characters and two words, not boilerplate (such as "You
    are here"), not a byline or a dateline, not ending with a period, and mostly Title Case or
    containing a colon (a Markdown ``# heading`` needs neither); failing that, a first line in
    sentence case ("Kim visits Beijing for talks") is the title when a blank line follows it and
    it reads as a headline apart from its capitals (at most 15 words). The author is the name of a
    "By NAME" line, or else a line right after the title that is just a 2–4-word proper name.
    The date is the first full date (day, month and year: ``2016-09-05``, ``5 September 2016``,
    ``September 5, 2016``) on a short line (at most 120 characters) of the first 15; a date
    inside a paragraph usually dates an event, not the article, except in a news dateline that
    opens the first paragraph ("PYONGYANG, May 5, 2017 (KCNA) -- ...").

    Args:
        text: the document text.

    Returns:
        ``{"title": ..., "author": ..., "date": ...}``, with None for what is not found and the
        date as ``YYYY-MM-DD``.

    Example:
        >>> metadata_from_text("Keeping Calm: Beijing and Pyongyang\\nJane Doe\\n"
        ...                    "Asia Review, 5 September 2016\\nThe relationship ...")
        {'title': 'Keeping Calm: Beijing and Pyongyang', 'author': 'Jane Doe', 'date': '2016-09-05'}
    """
    lines = _head_lines(text, 15)
    title_at = next((i for i, line in enumerate(lines[:10]) if _is_headline(line)), None)
    author = next((name for line in lines if (name := _byline_name(line))), None)
    if author is None and title_at is not None and title_at + 1 < len(lines):
        following = lines[title_at + 1]
        author = following if _is_proper_name(following) else None
    found_date = next((d for line in lines if len(line) <= _DATELINE_CHARS and (d := _iso_date(line))), None)
    if found_date is None:
        found_date = next((d for line in lines[:3] if (m := _DATELINE.match(line)) and (d := _iso_date(m[1]))), None)
    title = None if title_at is None else lines[title_at].lstrip("#").strip()
    if title is None and (first := _FIRST_PARAGRAPH_LINE.match(text)) and _is_headline(first[1], sentence_case=True):
        title = first[1].strip()
    return {"title": title, "author": author, "date": found_date}


# --- expanding paths ------------------------------------------------------------------------


def _expand(paths: Iterable[str | Path]) -> Iterator[Path | Skipped]:
    for raw in paths:
        path = Path(raw)
        if os.path.lexists(path):
            yield from _expand_existing(path, set())
        elif _GLOB_CHARS.search(str(raw)):
            matches = sorted(glob.glob(str(raw), recursive=True))
            if not matches:
                yield Skipped(str(raw), "no such file or directory (the pattern matches nothing)")
            for match in matches:
                yield from _expand_existing(Path(match), set())
        else:
            yield Skipped(str(raw), "no such file or directory")


def _expand_existing(path: Path, visited: set[str]) -> Iterator[Path | Skipped]:
    if path.is_dir():
        yield from _walk(path, visited)
    elif path.is_file():
        yield path
    elif not path.exists():  # a dangling symbolic link
        yield Skipped(str(path), "no such file or directory")
    else:  # a FIFO or device would block or never end
        yield Skipped(str(path), "not a regular file")


def _walk(folder: Path, visited: set[str]) -> Iterator[Path | Skipped]:
    real = os.path.realpath(folder)
    if real in visited:  # a symbolic link back up the tree
        return
    visited.add(real)
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except PermissionError:
        yield Skipped(str(folder), "permission denied")
        return
    except OSError as exc:
        yield Skipped(str(folder), f"cannot list directory: {exc.strerror or exc}")
        return
    for entry in entries:
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        # The entry's type is the one seen when listing: a file deleted since is still read (and
        # reported as gone) rather than looked up again.
        if entry.is_dir():
            yield from _walk(Path(entry.path), visited)
        elif entry.is_file():
            yield Path(entry.path)
        else:
            yield from _expand_existing(Path(entry.path), visited)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    codec = next((name for bom, name, _ in _BOMS if head.startswith(bom)), "utf-8")
    start = head.decode(codec, "replace").lstrip().lower()
    if start.startswith(_HTML_START):
        return "html"
    return "jsonl" if start.startswith("{") else "text"


# --- reading by kind ------------------------------------------------------------------------


def _read_any(path: Path, overrides: Mapping[str, str | None]) -> Iterator[Document | Skipped]:
    kind = _kind(path)  # inside the generator, so that _guard sees its errors too
    if kind == "html":
        yield from _html_documents(path, overrides, max_chars=MAX_CHARS)
    elif kind == "jsonl":
        yield from _jsonl_documents(path, overrides, max_chars=MAX_CHARS)
    else:
        yield from _text_documents(path, overrides, max_chars=MAX_CHARS)


def _guard(path: Path, documents: Iterator[Document | Skipped], *, listed: bool) -> Iterator[Document | Skipped]:
    """Turn the failures of reading one file into a Skipped record."""
    if not listed and not os.path.lexists(path):
        yield Skipped(str(path), "no such file or directory")
        return
    try:
        yield from documents
    except SourceError as exc:
        yield Skipped(exc.source, exc.reason)
    except FileNotFoundError:
        yield Skipped(str(path), "file disappeared while reading")
    except PermissionError:
        yield Skipped(str(path), "permission denied")
    except IsADirectoryError:
        yield Skipped(str(path), "is a directory")
    except OSError as exc:
        yield Skipped(str(path), f"cannot read: {exc.strerror or exc}")


def _text_documents(
    path: Path, overrides: Mapping[str, str | None], *, max_chars: int | None
) -> Iterator[Document | Skipped]:
    codec, errors = _choose_codec(path)
    parts = _parts(_clean_chunks(_decoded_chunks(path, codec, errors)), max_chars)
    yield from _documents(parts, overrides, {}, source=str(path), fallback_title=path.name)


def _html_documents(
    path: Path, overrides: Mapping[str, str | None], *, max_chars: int | None
) -> Iterator[Document | Skipped]:
    codec, errors = _choose_codec(path, html=True)
    text, found = _extract_html("".join(_decoded_chunks(path, codec, errors)))
    if not text:
        raise SourceError(path, "no main text found in HTML")
    parts = _bounded(normalise_text(text), max_chars)
    yield from _documents(parts, overrides, found, source=str(path), fallback_title=path.name)


def _jsonl_documents(
    path: Path, overrides: Mapping[str, str | None], *, max_chars: int | None
) -> Iterator[Document | Skipped]:
    codec, errors = _choose_codec(path)
    any_line = False
    for number, line in _numbered_lines(_decoded_chunks(path, codec, errors)):
        if not line.strip():
            continue
        any_line = True
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Skipped(where, f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        except (ValueError, RecursionError) as exc:  # too many digits, too deeply nested
            yield Skipped(where, f"invalid JSON: {type(exc).__name__}: {exc}")
            continue
        if not isinstance(record, dict):
            yield Skipped(where, f"expected a JSON object, got {type(record).__name__}")
            continue
        text = record.get("text")
        if not isinstance(text, str):
            yield Skipped(where, 'no string "text" field')
            continue
        found = {key: _string(record.get(key)) for key in ("title", "author", "date")}
        record_id = record.get("id")
        own_source = _string(record.get("url")) or (
            f"{path}#{record_id}" if isinstance(record_id, (str, int)) and str(record_id).strip() else where
        )
        yield from _documents(
            _bounded(normalise_text(text), max_chars),
            overrides,
            found,
            source=own_source,
            fallback_title=where,
            where=where,
        )
    if not any_line:
        yield Skipped(str(path), "empty document")


def _documents(
    parts: Iterator[str],
    overrides: Mapping[str, str | None],
    found: Mapping[str, str | None],
    *,
    source: str,
    fallback_title: str,
    where: str | None = None,
) -> Iterator[Document | Skipped]:
    """Documents from the parts of one text; parts are numbered only when there are several.

    Metadata: ``overrides`` first, then what the file said (``found``), then the text itself.
    """
    source = overrides.get("source") or source
    first = next(parts, None)
    if first is None:
        yield Skipped(where or source, "empty document")
        return
    meta = _merge(overrides, found, metadata_from_text(first))
    second = next(parts, None)
    if second is None:
        yield Document.from_text(first, source=source, **meta)
        return
    base = meta.pop("title") or fallback_title
    yield Document.from_text(first, title=f"{base} (part 1)", source=f"{source}#part1", **meta)
    del first
    number = 2
    for part in _prepend(second, parts):
        yield Document.from_text(part, title=f"{base} (part {number})", source=f"{source}#part{number}", **meta)
        number += 1


def _prepend(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    del first  # the caller holds no reference either, so a yielded part can be freed
    yield from rest


def _merge(*layers: Mapping[str, str | None]) -> dict[str, str | None]:
    """The first title, author and date found, in the order of ``layers``; dates as ISO."""
    merged: dict[str, str | None] = {}
    for key in ("title", "author", "date"):
        values = (_string(layer.get(key)) for layer in layers)
        if key == "date":
            values = (document_date(value) for value in values)
        merged[key] = next((value for value in values if value), None)
    return merged


def _string(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(normalise_text(value).split())
    return value or None


# --- decoding -------------------------------------------------------------------------------


def _choose_codec(path: Path, *, html: bool = False) -> tuple[str, str]:
    """Return ``(codec, errors)`` to decode the file with.

    Raises:
        SourceError: if the file is empty, binary or neither UTF-8 nor Windows-1252.
    """
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head:
        raise SourceError(path, "empty document")
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            replaced, total, _, _ = _scan(path, codec)
            sample = head.decode(codec, "replace")
            if len(_BINARY_CHARS.findall(sample)) > _MAX_CONTROL * len(sample):
                raise SourceError(path, "binary file, not text")
            if replaced >= _MAX_REPLACED * max(total, 1):
                raise SourceError(path, f"not valid {label} text")
            return codec, "replace"
    if b"\x00" in head or len(head) - len(head.translate(None, _BINARY_BYTES)) > _MAX_CONTROL * len(head):
        raise SourceError(path, "binary file, not text")
    replaced, total, non_ascii, cp1252_undefined = _scan(path, "utf-8")
    if replaced == 0:
        return "utf-8", "replace"  # "replace", not "strict": the file may change under us
    declared = _declared_charset(head) if html else None
    if declared and _decodes_cleanly(path, declared):
        return declared, "replace"
    if replaced < _MAX_REPLACED * total:
        return "utf-8", "replace"
    if cp1252_undefined == 0 and non_ascii <= (1 - _MIN_ASCII_CP1252) * total:
        return "cp1252", "replace"
    raise SourceError(path, "not valid UTF-8 text")


def _scan(path: Path, codec: str) -> tuple[int, int, int, int]:
    """Stream through the file: (characters replaced, characters, non-ASCII bytes, bytes undefined in cp1252)."""
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    replaced = total = non_ascii = undefined = genuine = 0
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            text = decoder.decode(chunk)
            total += len(text)
            replaced += text.count("\ufffd")
            non_ascii += len(chunk.translate(None, _ASCII))
            undefined += sum(chunk.count(byte) for byte in _CP1252_UNDEFINED)
            # A U+FFFD written in the file is text, not a decoding error (tail: one split over chunks).
            genuine += (tail + chunk).count(_REPLACEMENT_UTF8) if codec.startswith("utf-8") else 0
            tail = chunk[-2:]
    text = decoder.decode(b"", final=True)
    total += len(text)
    replaced += text.count("\ufffd")
    return replaced - genuine, total, non_ascii, undefined


def _declared_charset(head: bytes) -> str | None:
    match = _CHARSET.search(head)
    if not match:
        return None
    try:
        codec = codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    codec = _WHATWG_ALIASES.get(codec, codec)
    return codec if _WEB_CODECS.match(codec) else None


def _decodes_cleanly(path: Path, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (UnicodeError, ValueError):
        return False
    return True


def _decoded_chunks(path: Path, codec: str, errors: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(codec)(errors=errors)
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _clean(text: str) -> str:
    return _SURROGATES.sub("\ufffd", _CONTROLS.sub("", _NEWLINES.sub("\n", text)))


def _clean_chunks(chunks: Iterable[str]) -> Iterator[str]:
    """``_clean`` over a stream; a CR at the end of a chunk waits for a possible LF."""
    carry = ""
    for chunk in chunks:
        chunk = carry + chunk
        carry = "\r" if chunk.endswith("\r") else ""
        if carry:
            chunk = chunk[:-1]
        if chunk:
            yield _clean(chunk)
    if carry:
        yield "\n"


def _parts(chunks: Iterable[str], max_chars: int | None) -> Iterator[str]:
    """Stripped, NFC-normalised, non-empty parts of at most ``max_chars`` characters, cut between paragraphs."""
    buffer: list[str] = []
    size = 0
    for chunk in chunks:
        buffer.append(chunk)
        size += len(chunk)
        if max_chars is not None and size > max_chars:
            text = "".join(buffer)
            while len(text) > max_chars:
                head, text = _cut(text, max_chars)
                yield from _bounded(unicodedata.normalize("NFC", head), max_chars)
            buffer, size = [text], len(text)
    yield from _bounded(_joined_nfc(buffer), max_chars)


def _joined_nfc(pieces: list[str]) -> str:
    """Join and normalise, emptying ``pieces``: a text read whole is then held twice at most."""
    text = "".join(pieces)
    pieces.clear()
    return unicodedata.normalize("NFC", text)  # the same object when already NFC, as usual


def _bounded(text: str, max_chars: int | None) -> Iterator[str]:
    """Cut an already-normalised text into stripped, non-empty parts of at most ``max_chars``."""
    while max_chars is not None and len(text) > max_chars:
        head, text = _cut(text, max_chars)
        if head := head.strip():
            yield head
    if text := text.strip():
        yield text


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Split before ``limit`` at the last paragraph break, else line break, else space."""
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, limit)
        if at > 0:
            at += len(separator)
            return text[:at], text[at:]
    at = limit  # no whitespace at all: cut anyway, but not inside a run of combining marks
    while at > limit // 2 and unicodedata.combining(text[at]):
        at -= 1
    return text[:at], text[at:]


def _numbered_lines(chunks: Iterable[str]) -> Iterator[tuple[int, str]]:
    pending: list[str] = []
    number = 0
    for chunk in chunks:
        if "\n" not in chunk:
            pending.append(chunk)
            continue
        first, *middle, last = chunk.split("\n")
        number += 1
        yield number, "".join(pending) + first
        for line in middle:
            number += 1
            yield number, line
        pending = [last]
    if rest := "".join(pending):
        yield number + 1, rest


# --- HTML -----------------------------------------------------------------------------------


def _extract_html(html: str) -> tuple[str, dict[str, str | None]]:
    """Main text (paragraphs separated by blank lines) and metadata of a page."""
    import trafilatura  # imported here: it takes a quarter of a second and only HTML needs it

    html = re.sub(r"^\s*<\?xml[^>]*>", "", _clean(html))  # lxml refuses NULs, and a str declaring an encoding
    found: dict[str, str | None] = {}
    try:
        result = trafilatura.bare_extraction(
            html,
            include_comments=False,
            include_tables=False,
            favor_precision=True,
            with_metadata=True,
            # Dates from the page's markup only: a date found in the body text dates an event.
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # noqa: BLE001 - a third-party parser on hostile input; fall back below
        result = None
    text = ""
    if result is not None:
        found = {key: getattr(result, key, None) for key in ("title", "author", "date")}
        text = result.text or ""
    lines = _content_lines(text)
    if not lines:
        lines = _content_lines(_visible_text(html))
    return "\n\n".join(lines), found


def _content_lines(text: str) -> list[str]:
    boilerplate = load_boilerplate()
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return [line for line in lines if line and not boilerplate.matches(line)]


def _visible_text(html: str) -> str:
    """The text of ``<body>`` without scripts, styles and hidden elements, one block per line."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.document_fromstring(html)
    except (etree.LxmlError, ValueError):
        return ""
    for element in root.xpath("//script|//style|//noscript|//template|//head|//*[@hidden]"):
        if element.getparent() is not None:
            element.drop_tree()
    body = root.find("body")
    body = root if body is None else body
    for element in body.iter():
        if isinstance(element.tag, str) and element.tag.lower() in _BLOCK_TAGS:
            element.text = "\n" + (element.text or "")
            element.tail = "\n" + (element.tail or "")
    return body.text_content()


# --- metadata -------------------------------------------------------------------------------


def _head_lines(text: str, count: int) -> list[str]:
    """The first ``count`` non-empty stripped lines, without splitting the whole text."""
    lines: list[str] = []
    start = 0
    while len(lines) < count and start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if line := text[start:end].strip():
            lines.append(line)
        start = end + 1
    return lines


def _iso_date(value: str | None) -> str | None:
    """The first full date in ``value`` as ``YYYY-MM-DD``, or None."""
    if not isinstance(value, str):
        return None
    for match in _DATE.finditer(value):
        groups = match.groupdict()
        if groups["iy"]:
            year, month, day = int(groups["iy"]), int(groups["im"]), int(groups["id"])
        elif groups["dy"]:
            year, month, day = int(groups["dy"]), _MONTHS[groups["dm"].lower()], int(groups["dd"])
        else:
            year, month, day = int(groups["my"]), _MONTHS[groups["mm"].lower()], int(groups["md"])
        try:
            return Date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


def document_date(value: str | None) -> str | None:
    """A publication date as ISO at the precision given: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    A year or month is accepted only as ISO (a bare number in a text is no date); a full date
    in any form ``_iso_date`` reads.

    Args:
        value: what a flag, a JSON record or the text gave.

    Returns:
        The ISO date, or None when ``value`` is none of those.

    Example:
        >>> [document_date(v) for v in ("2017", "2017-05", "5 May 2017", "2017-13", "May")]
        ['2017', '2017-05', '2017-05-05', None, None]
    """
    if not isinstance(value, str):
        return None
    value = value.strip()
    if match := _PARTIAL_ISO.fullmatch(value):
        return value if int(match["year"]) > 0 else None
    return _iso_date(value)


def _is_headline(line: str, *, sentence_case: bool = False) -> bool:
    heading = line.startswith("#")  # a Markdown heading says so itself
    line = line.lstrip("#").strip() if heading else line
    if len(line) > 200 or line.rstrip("\"'\u201d\u2019)").endswith((".", ",", ";", ":")):
        return False
    if line[:1].islower() or _SENTENCE_BREAK.search(line):  # a sentence, or the rest of one
        return False
    words = [word for word in line.split() if word[:1].isalpha() or word[1:2].isalpha()]
    if len(words) < 2 or load_boilerplate().matches(line) or _iso_date(line) or _BYLINE.match(line):
        return False
    if heading or (":" in line and len(line.split()) >= 3):
        return True
    if sentence_case:
        return line[:1].isupper() and len(words) >= 3 and len(line.split()) <= _HEADLINE_WORDS
    significant = [word.lstrip("\"'\u201c\u2018(") for word in words]
    significant = [word for word in significant if word.lower() not in _SMALL_WORDS]
    capitalised = sum(word[:1].isupper() for word in significant)
    return capitalised >= 2 and capitalised >= 0.75 * len(significant)


def _byline_name(line: str) -> str | None:
    match = _BYLINE.match(line) if len(line) <= _DATELINE_CHARS else None
    if not match:
        return None
    name = re.split(r"\s*(?:[,|/\u2022\u00b7\u2013\u2014(]|\s-\s)", match.group("name"), maxsplit=1)[0].strip()
    names = re.split(r"\s+(?:and|&)\s+", name)
    if all(_is_proper_name(each, least=1) for each in names):
        return name
    return None


def _is_proper_name(line: str, *, least: int = 2) -> bool:
    words = line.split()
    if not least <= len(words) <= 4 or load_boilerplate().matches(line):
        return False
    for index, word in enumerate(words):
        if word in _NAME_PARTICLES and 0 < index < len(words) - 1:
            continue
        if not (word[0].isupper() and _NAME_WORD.fullmatch(word)):
            return False
    return not line.endswith(".") or words[-1] in ("Jr.", "Sr.")  # else a sentence, not a name
