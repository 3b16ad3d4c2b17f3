"""Tests of ingest.sources: every bad input has a defined outcome, and nothing raises."""
from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import sources
from ingest.records import Document, content_hash
from ingest.sources import (
    MAX_CHARS,
    Skipped,
    SourceError,
    iter_documents,
    iter_jsonl,
    load_boilerplate,
    metadata_from_text,
    normalise_text,
    read_html_file,
    read_text_file,
)
from helpers import write

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
C0_EXCEPT_TAB_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f]")

BODY = (
    "Freight lorries crossed the river bridge on Tuesday morning for the first time in months.\n\n"
    "Customs officials said the crossing would open three days a week at first.\n"
)


def only(items) -> Document | Skipped:
    items = list(items)
    assert len(items) == 1, items
    return items[0]


# --- empty, binary and encodings --------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", "\ufeff\n".encode(), "\ufeff".encode("utf-16")])
def test_sources_empty_file_is_skipped(tmp_path, content):
    path = write(tmp_path / "empty.txt", content)
    assert read_text_file(path) == Skipped(str(path), "empty document")
    assert only(iter_documents([path])) == Skipped(str(path), "empty document")


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",  # NUL bytes
        b"text at first" + bytes(range(1, 9)) * 20,  # mostly control characters, no NUL
        "abc\x00def".encode("utf-8") * 100,
    ],
)
@pytest.mark.parametrize("suffix", [".txt", ".html", ".jsonl", ".bin", ""])
def test_sources_binary_file_is_skipped(tmp_path, content, suffix):
    path = write(tmp_path / f"blob{suffix}", content)
    assert only(iter_documents([path])) == Skipped(str(path), "binary file, not text")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_sources_unicode_encodings_are_decoded(tmp_path, encoding):
    text = "Kim Jong-un met Xi Jinping (习近平) in Pyongyang (평양) — café."
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be", "utf-32-le"):  # the BOM is what tells them apart
        bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00"}[encoding]
        data = bom + data
    doc = read_text_file(write(tmp_path / "doc.txt", data))
    assert isinstance(doc, Document)
    assert doc.text == text
    assert doc.id == content_hash(text)


def test_sources_invalid_utf8_with_few_errors_is_replaced(tmp_path):
    text = "Dandong traders said business was slow. " * 20  # 800 characters, one bad byte
    data = text.encode() + b"\xff" + b" The bridge reopened."
    doc = read_text_file(write(tmp_path / "damaged.txt", data))
    assert isinstance(doc, Document)
    assert doc.text.count("\ufffd") == 1
    assert doc.text.endswith("\ufffd The bridge reopened.")


def test_sources_invalid_utf8_falls_back_to_cp1252(tmp_path):
    text = "The délégation arrived in Dandong on Monday – “quietly”, officials said."
    doc = read_text_file(write(tmp_path / "legacy.txt", text.encode("cp1252")))
    assert isinstance(doc, Document)
    assert doc.text == text


def test_sources_genuine_replacement_characters_are_not_errors(tmp_path):
    text = "\ufffd\ufffd a document that contains replacement characters \ufffd"
    doc = read_text_file(write(tmp_path / "fffd.txt", text))
    assert doc.text == text


@pytest.mark.parametrize(
    "data",
    [
        "朝鲜与中国的边境贸易恢复了。丹东的商人说生意很慢。".encode("gbk"),  # GBK: mostly not ASCII
        "Пхеньян и Пекин подписали соглашение.".encode("cp1251"),  # would be cp1252 mojibake
    ],
)
def test_sources_undecodable_text_is_skipped(tmp_path, data):
    path = write(tmp_path / "legacy.txt", data)
    assert read_text_file(path) == Skipped(str(path), "not valid UTF-8 text")


def test_sources_text_is_normalised(tmp_path):
    # A NUL in the first 8 KiB means binary; further on it is a stray byte to remove.
    padding = "Padding line of ordinary text.\n" * 300
    data = f"Line one\r\nLine two\rLine three\x07\x1b\f{padding}Page two\x00\tCafe\u0301\ufeff".encode()
    doc = read_text_file(write(tmp_path / "messy.txt", data))
    assert doc.text == f"Line one\nLine two\nLine three\n{padding}Page two\tCafé"


def test_sources_crlf_split_across_chunks_is_one_newline(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "_CHUNK_BYTES", 4)
    doc = read_text_file(write(tmp_path / "crlf.txt", b"abc\r\ndef\r\n\r\nghi\r"))
    assert doc.text == "abc\ndef\n\nghi"


# --- big files --------------------------------------------------------------------------------


def test_sources_long_text_is_split_at_paragraphs(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_CHARS", 100)
    monkeypatch.setattr(sources, "_CHUNK_BYTES", 64)
    paragraphs = [f"Paragraph {n} says something about the border trade of the month." for n in range(12)]
    path = write(tmp_path / "long.txt", "\n\n".join(paragraphs) + "\n")
    docs = list(iter_documents([path], title="Border Report"))
    assert len(docs) == 12  # two paragraphs (2 x 66 characters) never fit in 100
    for n, doc in enumerate(docs, 1):
        assert isinstance(doc, Document)
        assert len(doc.text) <= 100
        assert doc.title == f"Border Report (part {n})"
        assert doc.source == f"{path}#part{n}"
    assert [doc.text for doc in docs] == paragraphs


def test_sources_text_without_breaks_is_cut_anyway(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_CHARS", 50)
    path = write(tmp_path / "wall.txt", "x" * 175)
    docs = list(iter_documents([path]))
    assert [len(doc.text) for doc in docs] == [50, 50, 50, 25]
    assert docs[0].title == "wall.txt (part 1)"


@pytest.mark.slow
def test_sources_50mb_file_is_streamed_in_bounded_parts(tmp_path):
    sentence = "The délégation crossed the bridge at Sinuiju — and traders watched it from the far bank."
    paragraph = " ".join([sentence] * 5)
    count = 50_000_000 // (len(paragraph.encode()) + 2)
    path = tmp_path / "big.txt"
    with open(path, "w", encoding="utf-8") as handle:
        block = (paragraph + "\n\n") * 1000
        for _ in range(count // 1000):
            handle.write(block)
    written = (count // 1000) * 1000
    assert path.stat().st_size > 49_000_000

    tracemalloc.start()
    try:
        parts = []
        for doc in iter_documents([path]):
            assert isinstance(doc, Document)
            assert len(doc.text) <= MAX_CHARS
            assert doc.text.startswith("The délégation") and doc.text.endswith("far bank.")
            parts.append((len(doc.text.replace("\n", "")), doc.title, doc.source))
            del doc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 300_000_000, f"peak {peak / 1e6:.0f} MB"
    assert sum(length for length, _, _ in parts) == written * len(paragraph)
    assert len(parts) >= written * len(paragraph) // MAX_CHARS
    assert parts[0][1:] == ("big.txt (part 1)", f"{path}#part1")
    assert parts[-1][2] == f"{path}#part{len(parts)}"


# --- HTML -------------------------------------------------------------------------------------


def test_sources_html_main_text_and_metadata():
    doc = read_html_file(FIXTURES / "article.html")
    assert isinstance(doc, Document)
    assert doc.title == "Border Trade Resumes at Sinuiju Crossing"
    assert doc.author == "Mira Osterhout"
    assert doc.date == "2019-04-17"
    assert "Freight lorries crossed the river bridge" in doc.text
    assert "legally cross the border in either direction." in doc.text
    for junk in ("trackPageView", "font-family", "Subscribe to our Newsletter", "Share this", "cookies",
                 "You are here", "All rights reserved"):
        assert junk not in doc.text
    assert "\n\n" in doc.text  # paragraphs separated as in text files


def test_sources_html_boilerplate_lines_are_dropped(tmp_path, monkeypatch):
    import trafilatura

    class Extracted:
        text = ("Share this\nThe talks ended without a statement.\nSubscribe to our Newsletter!\n"
                "We use cookies to improve your experience.")
        title = author = date = None

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *args, **kwargs: Extracted())
    doc = read_html_file(write(tmp_path / "page.html", "<html><body><p>x</p></body></html>"))
    assert doc.text == "The talks ended without a statement."


def test_sources_html_falls_back_to_body_text(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *args, **kwargs: None)
    html = (
        "<!DOCTYPE html><html><head><title>T</title><style>p {color: red}</style></head><body>"
        "<script>var tracking = 1;</script><div>Talks in Beijing<p>ended late</p></div>"
        "<p hidden>secret</p><ul><li>Share this</li><li>first item</li></ul></body></html>"
    )
    doc = read_html_file(write(tmp_path / "page.htm", html))
    assert doc.text == "Talks in Beijing\n\nended late\n\nfirst item"


@pytest.mark.parametrize(
    "html",
    [
        "<html><head><script>var x = 1;</script></head><body><script>run()</script><style>a{}</style></body></html>",
        "<html><body>   </body></html>",
        "<p>",
        "<!-- only a comment -->",
    ],
)
def test_sources_html_without_text_is_skipped(tmp_path, html):
    path = write(tmp_path / "page.html", html)
    assert read_html_file(path) == Skipped(str(path), "no main text found in HTML")


def test_sources_html_never_uses_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert isinstance(read_html_file(FIXTURES / "article.html"), Document)


def test_sources_html_declared_charset_is_used(tmp_path):
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
        "<body><p>丹东的商人说，边境贸易在星期二恢复了。</p></body></html>"
    )
    doc = read_html_file(write(tmp_path / "zh.html", html.encode("gbk")))
    assert isinstance(doc, Document)
    assert "边境贸易" in doc.text


# --- JSON Lines -------------------------------------------------------------------------------


def test_sources_jsonl_reads_objects_and_skips_bad_lines(tmp_path):
    lines = [
        json.dumps({"text": "Xi met Kim in Beijing.", "title": "Summit", "author": "A. Writer",
                    "date": "March 28, 2018", "url": "https://example.org/summit", "id": "s1"}),
        "",
        "{not json",
        json.dumps({"title": "no text here"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": 42}),
        json.dumps({"text": "   "}),
        json.dumps({"text": "Second document.", "id": "doc-7"}),
        json.dumps({"text": "Third document."}) + "\r",
    ]
    path = write(tmp_path / "docs.jsonl", "\n".join(lines))
    items = list(iter_jsonl(path))
    assert [type(item).__name__ for item in items] == ["Document", "Skipped", "Skipped", "Skipped", "Skipped",
                                                       "Skipped", "Document", "Document"]
    first = items[0]
    assert (first.text, first.title, first.author, first.date, first.source) == (
        "Xi met Kim in Beijing.", "Summit", "A. Writer", "2018-03-28", "https://example.org/summit")
    assert first.id == content_hash("Xi met Kim in Beijing.")
    assert str(items[1]).startswith(f"{path}:3: invalid JSON: ")
    assert items[2] == Skipped(f"{path}:4", 'no string "text" field')
    assert items[3] == Skipped(f"{path}:5", "expected a JSON object, got list")
    assert items[4] == Skipped(f"{path}:6", 'no string "text" field')
    assert items[5] == Skipped(f"{path}:7", "empty document")
    assert items[6].source == f"{path}#doc-7"
    assert items[7].source == f"{path}:9"


def test_sources_jsonl_blank_file_is_empty(tmp_path):
    path = write(tmp_path / "blank.ndjson", "\n\n  \n")
    assert only(iter_documents([path])) == Skipped(str(path), "empty document")


def test_sources_jsonl_deeply_nested_line_is_skipped(tmp_path):
    path = write(tmp_path / "deep.jsonl", "[" * 100_000 + "\n" + json.dumps({"text": "after"}))
    items = list(iter_jsonl(path))
    assert isinstance(items[0], Skipped) and items[0].source == f"{path}:1"
    assert items[1].text == "after"


# --- paths ------------------------------------------------------------------------------------


def test_sources_missing_path_is_skipped(tmp_path):
    missing = tmp_path / "nope.txt"
    assert only(iter_documents([missing])) == Skipped(str(missing), "no such file or directory")
    assert read_text_file(missing) == Skipped(str(missing), "no such file or directory")
    assert only(iter_jsonl(missing)) == Skipped(str(missing), "no such file or directory")
    pattern = str(tmp_path / "*.nothing")
    skipped = only(iter_documents([pattern]))
    assert skipped.source == pattern and skipped.reason.startswith("no such file or directory")


def test_sources_directory_reads_each_file_by_kind(tmp_path):
    write(tmp_path / "b.txt", "Plain text document.")
    write(tmp_path / "a.html", (FIXTURES / "article.html").read_bytes())
    write(tmp_path / "c.jsonl", json.dumps({"text": "From JSON."}) + "\n" + json.dumps({"text": "Again."}))
    write(tmp_path / "sub" / "d.md", "# Notes on Trade\n\nMarkdown text.")
    write(tmp_path / "sub" / "e.dat", "<!DOCTYPE html><html><body><p>Sniffed as HTML.</p></body></html>")
    write(tmp_path / "sub" / "f.log", '\n{"text": "Sniffed as JSON Lines."}\n')
    write(tmp_path / "sub" / "g.csv", "plain,comma,separated\n")
    write(tmp_path / ".hidden.txt", "ignored")
    write(tmp_path / ".git" / "config.txt", "ignored")
    write(tmp_path / "__pycache__" / "x.txt", "ignored")
    write(tmp_path / "empty.txt", "")
    items = list(iter_documents([tmp_path]))
    sources_read = [Path(item.source.split("#")[0].split(":")[0]).name for item in items]
    assert sources_read == ["a.html", "b.txt", "c.jsonl", "c.jsonl", "empty.txt", "d.md", "e.dat", "f.log", "g.csv"]
    texts = [item.text if isinstance(item, Document) else item.reason for item in items]
    assert texts[1:] == ["Plain text document.", "From JSON.", "Again.", "empty document",
                         "# Notes on Trade\n\nMarkdown text.", "Sniffed as HTML.", "Sniffed as JSON Lines.",
                         "plain,comma,separated"]
    assert items[5].title == "Notes on Trade"


def test_sources_glob_patterns_and_duplicates(tmp_path):
    for name in ("x1.txt", "x2.txt", "y.html"):
        write(tmp_path / name, f"Text of {name}.")
    items = list(iter_documents([str(tmp_path / "x*.txt"), tmp_path / "x1.txt"]))
    assert [item.text for item in items] == ["Text of x1.txt.", "Text of x2.txt."]
    assert only(iter_documents(str(tmp_path / "y.html"))).text == "Text of y.html."


def test_sources_file_disappearing_while_reading(tmp_path):
    write(tmp_path / "a.txt", "First.")
    second = write(tmp_path / "b.txt", "Second.")
    items = iter_documents([tmp_path])
    assert next(items).text == "First."
    second.unlink()
    assert next(items) == Skipped(str(second), "file disappeared while reading")
    assert list(items) == []


def test_sources_unreadable_file_is_skipped(tmp_path, monkeypatch):
    path = write(tmp_path / "secret.txt", "Classified.")
    if os.geteuid() == 0:  # root reads anything: make open() refuse as the kernel would
        real_open = open

        def refusing_open(file, *args, **kwargs):
            if Path(file) == path:
                raise PermissionError(13, "Permission denied", str(file))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(sources, "open", refusing_open, raising=False)
    else:
        path.chmod(0)
    try:
        assert only(iter_documents([path])) == Skipped(str(path), "permission denied")
        assert read_text_file(path) == Skipped(str(path), "permission denied")
    finally:
        path.chmod(0o644)


def test_sources_fifo_is_not_read(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert only(iter_documents([tmp_path])) == Skipped(str(fifo), "not a regular file")


# --- metadata ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2016-09-05", "5 September 2016", "September 5, 2016", "Sept. 5, 2016",
                                   "5th of Sep 2016", "2016-09-05T08:30:00+09:00", "Published: 2016/9/5"])
def test_sources_dates_are_normalised(tmp_path, value):
    path = write(tmp_path / "a.txt", BODY)
    assert only(iter_documents([path], date=value)).date == "2016-09-05"


@pytest.mark.parametrize(("value", "iso"), [("2016", "2016"), ("2016-09", "2016-09"), (" 2016-09 ", "2016-09"),
                                           ("2016-09-05", "2016-09-05")])
def test_sources_a_year_or_month_is_a_date(tmp_path, value, iso):
    path = write(tmp_path / "a.txt", BODY)
    assert only(iter_documents([path], date=value)).date == iso
    jsonl = write(tmp_path / "a.jsonl", json.dumps({"text": BODY, "date": value}))
    assert only(iter_jsonl(jsonl)).date == iso


@pytest.mark.parametrize("value", ["sometime in 2016", "2016-02-30", "31/12/2016", "September 2016", "", "2016-13",
                                   "0000", "201"])
def test_sources_unparseable_dates_are_dropped(tmp_path, value):
    path = write(tmp_path / "a.txt", BODY)
    assert only(iter_documents([path], date=value)).date is None
    jsonl = write(tmp_path / "a.jsonl", json.dumps({"text": BODY, "date": value}))
    assert only(iter_jsonl(jsonl)).date is None


def test_sources_explicit_metadata_overrides_text(tmp_path):
    path = write(tmp_path / "a.txt", "Trade Talks Resume in Dandong\nBy Jane Doe\n12 March 2019\n\n" + BODY)
    read = only(iter_documents([path]))
    assert (read.title, read.author, read.date, read.source) == (
        "Trade Talks Resume in Dandong", "Jane Doe", "2019-03-12", str(path))
    given_ = only(iter_documents([path], title="T", author="A", date="1 May 2020", source="https://x.org/a"))
    assert (given_.title, given_.author, given_.date, given_.source) == ("T", "A", "2020-05-01", "https://x.org/a")
    assert given_.id == read.id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # navigation line, a caption, a title with a colon, an author line, a "Publisher, date" line
            "You are here\n\nThe bridge at dusk. Image courtesy of a reader.\n\n"
            "Pyongyang's Trade Policy in 2019: Slow and Steady\n\nMira Osterhout\n"
            "Asia Review, 17 April 2019\nTrade, Sanctions\nThe relationship ...",
            {"title": "Pyongyang's Trade Policy in 2019: Slow and Steady", "author": "Mira Osterhout",
             "date": "2019-04-17"},
        ),
        (
            "Border Trade Resumes at Sinuiju Crossing\nBy Jane van der Berg, Staff Writer\n"
            "Published: 2019-04-17\n\nFreight lorries crossed the bridge.",
            {"title": "Border Trade Resumes at Sinuiju Crossing", "author": "Jane van der Berg",
             "date": "2019-04-17"},
        ),
        (
            "China Hopes for Stability After N. Korea Purge\n\nApril 17, 2019\n\nBy John Roe and Ann Poe | Wire\n\n"
            "Officials declined to comment on 3 March 2019.",
            {"title": "China Hopes for Stability After N. Korea Purge", "author": "John Roe and Ann Poe",
             "date": "2019-04-17"},
        ),
        (  # body text only: no title, no author; a date inside a long paragraph dates an event
            "Chinese officials declined to say whether they had been in contact with Pyongyang.\n\n"
            "By contrast, the foreign ministry spokesman said on 12 December 2013 that stability was the "
            "priority for the region and that the execution was an internal affair of the country.\n",
            {"title": None, "author": None, "date": None},
        ),
        (
            "Talks in Beijing Ended Without a Joint Statement.\nBeijing held talks.",
            {"title": None, "author": None, "date": None},
        ),
        ("# Notes on the Sinuiju bridge\n\nSome text.", {"title": "Notes on the Sinuiju bridge", "author": None,
                                                          "date": None}),
        ("", {"title": None, "author": None, "date": None}),
        (  # a sentence-case first line standing alone is the headline; a dateline opening the text dates it
            "Border bridge reopens to freight traffic\n\nDANDONG, March 4, 2019 (Wire) -- Freight lorries "
            "crossed the bridge for the first time in months, traders said, and more were expected next week.",
            {"title": "Border bridge reopens to freight traffic", "author": None, "date": "2019-03-04"},
        ),
        (  # a first line running on into the next is no headline; a date after a dash in a sentence is none
            "Lorries crossed the bridge\nat dawn, traders said.\n\nThey said the border was busy since "
            "the crossing opened again in the spring, as it had been on 4 March 2019 - before the storm came.",
            {"title": None, "author": None, "date": None},
        ),
        (  # too long for a headline
            "Traders in the border city said that freight lorries crossed the bridge in large numbers today again\n\n"
            "More text.",
            {"title": None, "author": None, "date": None},
        ),
    ],
)
def test_sources_metadata_from_text(text, expected):
    assert metadata_from_text(text) == expected


# --- data and errors --------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", load_boilerplate().patterns, ids=lambda p: p.pattern)
def test_sources_boilerplate_patterns_compile_and_skip_long_lines(pattern):
    assert isinstance(pattern, re.Pattern)
    assert not load_boilerplate().matches("Officials said " + "the talks went on. " * 30 + "We use cookies.")


@pytest.mark.parametrize("line", ["You are here", "Subscribe to our Newsletter", "Share this", "SHARE THIS »",
                                  "This website uses cookies to improve your experience.", "© 2019 The Review"])
def test_sources_boilerplate_lines_match(line):
    assert load_boilerplate().matches(line)


def test_sources_skipped_message_and_error():
    skipped = Skipped("corpus/a.jsonl:3", "invalid JSON: Expecting value (column 1)")
    assert str(skipped) == "corpus/a.jsonl:3: invalid JSON: Expecting value (column 1)"
    error = skipped.error()
    assert isinstance(error, SourceError) and isinstance(error, ValueError)
    assert str(error) == str(skipped) and "\n" not in str(error)


# --- properties -------------------------------------------------------------------------------

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".html", ".jsonl", ".dat", ""]))
def test_sources_arbitrary_bytes_never_raise(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        for item in iter_documents([path]):
            assert isinstance(item, (Document, Skipped))
            if isinstance(item, Document):
                assert item.text and not C0_EXCEPT_TAB_NEWLINE.search(item.text)


@FAST
@given(text=st.text(max_size=500))
def test_sources_arbitrary_text_round_trips(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.txt"
        path.write_text(text, encoding="utf-8", newline="")
        item = read_text_file(path)
        if isinstance(item, Document):
            assert not C0_EXCEPT_TAB_NEWLINE.search(item.text)
            assert item.text == normalise_text(text).strip()
            assert item.id == content_hash(item.text)
        else:
            assert item.reason in ("empty document", "binary file, not text")


JSONISH = st.one_of(
    st.text(max_size=80),
    st.builds(json.dumps, st.dictionaries(st.sampled_from(["text", "title", "author", "date", "url", "id", "x"]),
                                          st.one_of(st.text(max_size=40), st.integers(), st.none(),
                                                    st.lists(st.integers(), max_size=3)))),
    st.sampled_from(['{"text": "a\\ud800b"}', '{"text": "\\u0000\\u0007x"}', "[" * 2000, '{"text": 1e999}',
                     '{"text": "x", "date": "2016-13-45"}', "{", "null", '"text"']),
)


@FAST
@given(lines=st.lists(JSONISH, max_size=8))
def test_sources_arbitrary_jsonl_lines_never_raise(lines):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.jsonl"
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        for item in iter_jsonl(path):
            assert isinstance(item, (Document, Skipped))
            if isinstance(item, Document):
                assert not C0_EXCEPT_TAB_NEWLINE.search(item.text)
                assert not re.search("[\ud800-\udfff]", item.text)


def test_sources_imports_no_rdf_libraries():
    import subprocess
    import sys

    code = (
        "import sys; from ingest.sources import read_html_file; "
        f"read_html_file({str(FIXTURES / 'article.html')!r}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyoxigraph')))"
    )
    root = Path(__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "[]"
