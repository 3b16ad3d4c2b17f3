"""Bad inputs through the whole ``yalu ingest`` path, and property tests of extraction.

Every bad input gives one stderr line naming it and the reason; the run ends with a summary
line; the exit code is non-zero only when nothing could be ingested; and what the store held
before is still there afterwards.
"""
from __future__ import annotations

import codecs
import ctypes
import gc
import json
import os
import re
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.build import build_graph
from graph.store import Store
from helpers import write

pytestmark = pytest.mark.model  # `yalu ingest` loads the spaCy pipeline

SUMMARY = re.compile(r"^\d+ added, \d+ replaced, \d+ updated, \d+ unchanged, \d+ skipped, \d+ failed \(")
BEFORE_TEXT = "Wang Yi met Ri Yong-ho in Pyongyang."
GOOD = "Xi Jinping met Kim Jong-un in Beijing on 26 March 2018.\n"


# ---------------------------------------------------------------- helpers


@pytest.fixture()
def store(tmp_path, make_extraction) -> Path:
    """A store that already holds one document, so each test can check it survives."""
    path = tmp_path / "store"
    s = Store(path)
    s.add(make_extraction(BEFORE_TEXT, source="before.txt", title="Before"))
    s.flush()
    del s
    gc.collect()  # releases Oxigraph's lock before the child opens the store
    return path


def stored_sources(path: Path) -> set[str]:
    s = Store(path, read_only=True)
    try:
        return {d["source"] for d in s.documents()}
    finally:
        del s
        gc.collect()


def check_run(result, *, ok: bool, reported: dict[str, str] | None = None) -> list[str]:
    """The contract of every ingest run; returns the stderr lines."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = result.stderr.splitlines()
    for name, reason in (reported or {}).items():
        naming = [line for line in lines if name in line]
        assert len(naming) == 1, (name, lines)
        assert reason in naming[0], naming[0]
    if ok:
        assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    else:
        assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
        assert lines[-1] == "yalu: error: nothing was ingested"
    assert SUMMARY.match(result.stdout.splitlines()[-1]), result.stdout
    return lines


# ---------------------------------------------------------------- one bad input at a time


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "empty document"),
    ("blank.txt", b"  \n\t\r\n   \n", "empty document"),
    ("binary.txt", bytes(range(256)) * 16, "binary file"),
    ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(2000), "binary file"),
    ("broken.txt", b"Kim Jong-un \xff\xfe\x80\x81 visited \x9d\x8d\x90\x81\xc3\x28 " * 5, "not valid UTF-8"),
])
def test_robustness_unusable_file(yalu, tmp_path, store, name, content, reason):
    write(tmp_path / name, content)
    check_run(yalu("ingest", name, store=store), ok=False, reported={name: reason})
    assert stored_sources(store) == {"before.txt"}


def test_robustness_unusable_file_next_to_a_good_one(yalu, tmp_path, store):
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "good.txt", GOOD)
    lines = check_run(yalu("ingest", "empty.txt", "good.txt", store=store), ok=True,
                      reported={"empty.txt": "empty document"})
    assert len(lines) == 1
    assert stored_sources(store) == {"before.txt", "good.txt"}


def test_robustness_utf16_with_bom(yalu, tmp_path, store):
    write(tmp_path / "utf16.txt", codecs.BOM_UTF16_LE + GOOD.encode("utf-16-le"))
    check_run(yalu("ingest", "utf16.txt", store=store), ok=True)
    result = yalu("query", "-f", "json", "SELECT ?s WHERE { ?m <https://w3id.org/yalu/ontology#surface> ?s }",
                  store=store)
    assert "Kim Jong-un" in {row["s"] for row in json.loads(result.stdout)}
    assert stored_sources(store) == {"before.txt", "utf16.txt"}


def test_robustness_html_scripts_and_styles_stay_out(yalu, tmp_path, store):
    page = """<!doctype html><html><head><title>Trade Across the Yalu</title>
    <style>.ZZSTYLEZZ { color: red }</style>
    <script>var ZZSCRIPTZZ = "Kim Jong-nam met Wang Yi in Macau";</script></head>
    <body><article>
    <p>Chinese traders in Dandong said trade with North Korea resumed after Kim Jong-un visited Beijing.</p>
    <script type="text/javascript">document.write("ZZINLINEZZ Ri Yong-ho")</script>
    <noscript>ZZNOSCRIPTZZ</noscript>
    <p>Officials in Sinuiju welcomed the news on Tuesday, according to people familiar with the trade.</p>
    </article></body></html>"""
    write(tmp_path / "page.html", page)
    check_run(yalu("ingest", "page.html", store=store), ok=True)
    exported = yalu("export", "-f", "nq", store=store).stdout
    assert "Kim Jong-un" in exported and "Sinuiju" in exported
    for marker in ("ZZSTYLEZZ", "ZZSCRIPTZZ", "ZZINLINEZZ", "ZZNOSCRIPTZZ", "Macau", "document.write"):
        assert marker not in exported, marker
    assert stored_sources(store) == {"before.txt", "page.html"}


def test_robustness_malformed_json_lines(yalu, tmp_path, store):
    lines = [
        json.dumps({"text": "Wang Yi visited Pyongyang in 2018.", "title": "One"}),
        "{oops",
        json.dumps([1, 2, 3]),
        json.dumps({"title": "no text"}),
        "",
        json.dumps({"text": "Xi Jinping met Kim Jong-un in Beijing.", "id": "five"}),
    ]
    write(tmp_path / "docs.jsonl", "\n".join(lines) + "\n")
    stderr = check_run(yalu("ingest", "docs.jsonl", store=store), ok=True, reported={
        "docs.jsonl:2": "invalid JSON", "docs.jsonl:3": "expected a JSON object", "docs.jsonl:4": '"text"'})
    assert len(stderr) == 3
    sources = stored_sources(store)
    assert {"docs.jsonl:1", "docs.jsonl#five", "before.txt"} == {Path(s).name for s in sources}


def test_robustness_directory_with_mixed_files(yalu, tmp_path, store):
    folder = tmp_path / "mixed"
    write(folder / "a-good.txt", GOOD)
    write(folder / "b-empty.txt", b"")
    write(folder / "c-binary.dat", bytes(range(256)) * 8)
    write(folder / "d-page.html", "<html><body><p>Wang Yi met Ri Yong-ho in Pyongyang on Monday.</p></body></html>")
    write(folder / "e-docs.jsonl", json.dumps({"text": "Xi Jinping visited Pyongyang in June 2019."}) + "\n{bad\n")
    write(folder / "sub" / "f-nested.md", "# Talks\n\nLi Keqiang met Kim Yong-nam in Beijing.\n")
    write(folder / ".hidden.txt", "Hidden notes about Choe Ryong-hae.")
    write(folder / "g-nothing.html", "<html><body><script>only()</script></body></html>")
    os.mkfifo(folder / "h-pipe.txt")
    lines = check_run(yalu("ingest", "mixed", store=store), ok=True, reported={
        "b-empty.txt": "empty document", "c-binary.dat": "binary file", "e-docs.jsonl:2": "invalid JSON",
        "g-nothing.html": "no main text", "h-pipe.txt": "not a regular file"})
    assert len(lines) == 5
    names = {Path(s.split(":")[0].split("#")[0]).name for s in stored_sources(store)}
    assert names == {"before.txt", "a-good.txt", "d-page.html", "e-docs.jsonl", "f-nested.md"}


def test_robustness_missing_path(yalu, tmp_path, store):
    write(tmp_path / "good.txt", GOOD)
    check_run(yalu("ingest", "good.txt", "nowhere.txt", "nothing-*.txt", store=store), ok=True,
              reported={"nowhere.txt": "no such file", "nothing-*.txt": "matches nothing"})
    check_run(yalu("ingest", "nowhere.txt", store=store), ok=False, reported={"nowhere.txt": "no such file"})
    assert stored_sources(store) == {"before.txt", "good.txt"}


def test_robustness_file_disappears_after_listing(yalu, tmp_path, store):
    # Deterministic: the child deletes b.txt after the directory was listed and before it is read,
    # by wrapping the reader of ingest.sources; everything else is the real `yalu` entry point.
    folder = tmp_path / "vanishing"
    write(folder / "a.txt", GOOD)
    write(folder / "b.txt", "Wang Yi visited Pyongyang.")
    write(folder / "c.txt", "Li Keqiang met Kim Yong-nam in Beijing.")
    child = textwrap.dedent("""
        import os, sys
        import ingest.sources as sources
        real = sources._read_any
        def read_any(path, overrides):
            if path.name == "b.txt":
                os.unlink(path)
            return real(path, overrides)
        sources._read_any = read_any
        from graph.app.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    result = subprocess.run([sys.executable, "-c", child, "--store", str(store), "ingest", str(folder)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=900)
    check_run(result, ok=True, reported={"b.txt": "disappeared"})
    assert not (folder / "b.txt").exists()
    assert {Path(s).name for s in stored_sources(store)} == {"before.txt", "a.txt", "c.txt"}


def _without_dac_override() -> None:
    """Run in the child before exec: drop the capabilities that let root ignore file modes."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _chmod_tree(path: Path, dirs: int, files: int) -> None:
    for root, dirnames, filenames in os.walk(path):
        os.chmod(root, dirs)
        for name in filenames:
            os.chmod(os.path.join(root, name), files)


def test_robustness_read_only_store(yalu, tmp_path, store):
    write(tmp_path / "good.txt", GOOD)
    preexec = None
    if os.geteuid() == 0:  # root writes through file modes; drop that power in the child only
        probe = subprocess.run(["true"], preexec_fn=_without_dac_override, check=False)
        if probe.returncode != 0:
            pytest.skip("running as root without CAP_SETPCAP: cannot make a directory read-only for the child")
        preexec = _without_dac_override
    _chmod_tree(store, 0o555, 0o444)
    try:
        result = yalu("ingest", "good.txt", store=store, preexec_fn=preexec)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stdout == "", "a store that cannot be opened fails before any work is done"
        (message,) = result.stderr.splitlines()
        assert message.startswith("yalu: error: ") and str(store) in message
        assert re.search(r"permission denied|read-only", message, re.I), message
        read = yalu("stats", "-f", "json", store=store, preexec_fn=preexec)  # reading still works
        assert read.returncode == 0, read.stderr
        assert json.loads(read.stdout)["documents"] == 1
    finally:
        _chmod_tree(store, 0o755, 0o644)
    assert stored_sources(store) == {"before.txt"}


def test_robustness_locked_store(yalu, tmp_path, store):
    write(tmp_path / "good.txt", GOOD)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from graph.store import Store; s = Store(sys.argv[1]); "
                               "print('open', flush=True); sys.stdin.read()", str(store)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"  # the holder has the store open now
        result = yalu("ingest", "good.txt", store=store)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stdout == "", "a store that cannot be opened fails before any work is done"
        (message,) = result.stderr.splitlines()
        assert message.startswith("yalu: error: ") and str(store) in message
        assert re.search(r"lock", message, re.I), message
        read = yalu("stats", "-f", "json", store=store)  # readers are not locked out
        assert read.returncode == 0, read.stderr
        assert json.loads(read.stdout)["documents"] == 1
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert stored_sources(store) == {"before.txt"}


@pytest.mark.slow
def test_robustness_fifty_megabyte_file(yalu, tmp_path, store):
    # 50 MB of input, read in bounded memory: one short report per mebibyte, the rest blank lines, so the
    # reader, the splitter (ingest.sources.MAX_CHARS) and the store see the whole size while spaCy's share
    # stays small (dense text runs at a few hundred words/s today; see the next test).
    para = "Report {n}: Kim Jong-un met Xi Jinping in Beijing on {d} March 2018 to discuss trade.\n\n"
    gap = "\n" * (1 << 20)
    path = tmp_path / "big.txt"
    count = 0
    with open(path, "w", encoding="utf-8") as handle:
        while handle.tell() < 50 * 10**6:
            handle.write(para.format(n=count, d=count % 28 + 1) + gap)
            count += 1
    result = yalu("ingest", "big.txt", "--quiet", store=store)
    lines = check_run(result, ok=True)
    assert lines == []
    assert result.stdout.startswith(f"{count} added")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # the largest child so far
    assert peak < 3 * 2**30, f"peak RSS {peak / 2**20:.0f} MiB"
    assert len(stored_sources(store)) == count + 1


@pytest.mark.slow
def test_robustness_dense_text_file(yalu, tmp_path, store):
    # The largest dense text that runs in about two minutes on two cores (~800 words/s); spaCy's peak
    # memory grows with the length of the part it is handed (ingest.sources.MAX_CHARS).
    paragraph = ("Kim Jong-un met Xi Jinping in Beijing on {d} March 2018. Chinese officials in Dandong said "
                 "trade resumed. Wang Yi visited Pyongyang and spoke with Ri Yong-ho about sanctions.\n\n")
    text = "".join(paragraph.format(d=n % 28 + 1) for n in range(3000))  # about 525 kB, 87,000 words
    write(tmp_path / "dense.txt", text)
    result = yalu("ingest", "dense.txt", "--quiet", store=store)
    check_run(result, ok=True)
    from ingest.sources import MAX_CHARS

    added = int(result.stdout.split()[0])  # split into parts of at most MAX_CHARS, each a document
    assert added >= -(-len(text) // MAX_CHARS) and "0 failed" in result.stdout
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    assert peak < 3 * 2**30, f"peak RSS {peak / 2**20:.0f} MiB"


# ---------------------------------------------------------------- properties of extraction

NAMES = ["Xi Jinping", "Kim Jong-un", "Beijing", "Pyongyang", "North Korea", "Wang Yi", "Ri Yong-ho", "Dandong"]
WORDS = NAMES + ["met", "visited", "said", "the", "talks", "in", "on", "and", "March", "2018", "of", "trade",
                 "officials", "delegation", "with", "a", "new", "bridge", "river", "over", "week", ","]
CONTROLS = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9f", "\r", "\n",
            "\t", "\u200b", "\u200d", "\u2028", "\u2029", "\ufeff", "\ufffd", "\u0301", "\U0001F600"]

any_text = st.text(max_size=400)
control_mix = st.lists(st.sampled_from(CONTROLS + NAMES + [" ", ".", " met ", " in "]), max_size=80).map("".join)
long_token = st.builds(lambda ch, n, name: f"{name} met {ch * n} in Beijing.",
                       st.characters(exclude_categories=("Cs",)), st.integers(9_000, 10_000), st.sampled_from(NAMES))
long_sentence = st.lists(st.sampled_from(WORDS), min_size=400, max_size=1000).map(" ".join)
SETTINGS = settings(deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow,
                                                                              HealthCheck.data_too_large])


def check_extraction(nlp, text: str) -> None:
    from ingest.pipeline import extract
    from ingest.records import Document
    from ontology.validate import validate

    extraction = extract(Document.from_text(text), nlp)  # must not raise
    g = build_graph(extraction)
    back = Graph().parse(data=g.serialize(format="turtle"), format="turtle")
    assert isomorphic(g, back)
    conforms, report = validate(g)
    assert conforms, report


@settings(SETTINGS, max_examples=60)
@given(text=any_text)
def test_robustness_any_unicode_text(nlp, text):
    check_extraction(nlp, text)


@settings(SETTINGS, max_examples=60)
@given(text=control_mix)
def test_robustness_control_characters(nlp, text):
    check_extraction(nlp, text)


@settings(SETTINGS, max_examples=10)
@given(text=long_token)
def test_robustness_very_long_token(nlp, text):
    check_extraction(nlp, text)


@settings(SETTINGS, max_examples=4)
@given(text=long_sentence)
def test_robustness_very_long_sentence(nlp, text):
    check_extraction(nlp, text)
