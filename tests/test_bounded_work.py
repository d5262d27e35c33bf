"""Bounded work per document (issue 15, finding 1): a file whose text is one long line full of tabs
once made every figure of the "table row" store the whole row, so memory grew with the square of
the line (1 MB of text: 5.2 GB at ingest, a 647 MB record; 4 MB: killed by the kernel).

The poison files are built here from the real final report with its newlines turned into spaces
(as the red team did), and ingested in a child process whose peak RSS is measured: the child reports
its own high-water mark (`VmHWM`; not `ru_maxrss`, which Linux keeps across exec, so a child of a
pytest process holding the embedding model would report the parent's size), and the parent kills it if its RSS passes the bound (the old code would
otherwise take gigabytes from a shared machine before failing).
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import Settings
from ingest.chunking import MAX_ROW_CHARS
from ingest.facts import MAX_FACT_CHARS
from ingest.loaders import LoadError, load_bytes
from ingest.pipeline import build_record
from tests.conftest import CORPUS, cli_env

REPORT = CORPUS / "000_5e0951cc4940ee8c.txt"
# What loading, chunking and fact extraction may add to the child's RSS for these inputs. Measured
# after the fix: +19 MB for the 1 MB file (peak 111 MB), a 172 MB peak for `hanke ingest` refusing the
# 4 MB one (before: 5.2 GB for 1 MB; the 4 MB file was killed by the kernel at 22.8 GB).
GROWTH_BOUND_MB = 300
KILL_AT_MB = 1500
PEAK_MARK = "PEAK_RSS_KB="


def long_tab_line(size: int) -> str:
    """The real report as one line (its table rows keep their tabs), repeated to `size` characters."""
    line = REPORT.read_text(encoding="utf-8").replace("\n", " ")
    return (line * (size // len(line) + 1))[:size]


# The child's peak RSS in kB, reset at exec (unlike ru_maxrss, which a forked child inherits).
HWM_FUNCTION = ("def high_water_kb():\n"
                "    return next(int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n")


def run_measured(code: str, env: dict | None = None, timeout: float = 240) -> tuple[subprocess.CompletedProcess, int]:
    """Run `code` in a child Python; returns the result and the child's peak RSS in MB. The code
    sets `base` (the RSS before the work) itself; the child prints both on stderr at exit."""
    wrapped = ("import atexit, sys\n" + HWM_FUNCTION +
               "atexit.register(lambda: print('" + PEAK_MARK + "%d' % high_water_kb(), file=sys.stderr, flush=True))\n"
               + code)
    process = subprocess.Popen([sys.executable, "-c", wrapped], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env, cwd=Path(__file__).resolve().parents[1])
    status = Path(f"/proc/{process.pid}/status")
    deadline = time.time() + timeout
    while process.poll() is None:
        try:
            rss_kb = next(int(line.split()[1]) for line in status.read_text().splitlines()
                          if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            rss_kb = 0
        if rss_kb > KILL_AT_MB * 1024 or time.time() > deadline:
            process.kill()
            out, err = process.communicate()
            pytest.fail(f"child killed at {rss_kb // 1024} MB RSS after {timeout - (deadline - time.time()):.0f} s "
                        f"(bound {KILL_AT_MB} MB): memory is not bounded\n{err[-2000:]}")
        time.sleep(0.05)
    out, err = process.communicate()
    peaks = [int(line[len(PEAK_MARK):]) for line in err.splitlines() if line.startswith(PEAK_MARK)]
    assert peaks, err[-2000:]
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), peaks[-1] // 1024


BUILD_RECORD = """
import json, resource
from pathlib import Path
from core.settings import Settings
from ingest.pipeline import build_record
from tests.test_bounded_work import long_tab_line

text = long_tab_line({size})
base = high_water_kb() // 1024
record = build_record("pitka_rivi.txt", text.encode("utf-8"), "pitka_rivi.txt", Settings())
print(json.dumps({{"base_mb": base, "chars": len(text), "tabs": text.count("\\t"), "chunks": len(record.chunks),
                  "longest_chunk": max(c.end - c.start for c in record.chunks), "facts": len(record.facts),
                  "longest_fact": max(len(f.line) for f in record.facts),
                  "quotes_match": all(record.text[f.start:f.end] == f.line for f in record.facts
                                      if f.kind in ("table", "score", "statement")),
                  "record_bytes": len(record.model_dump_json())}}))
"""


def test_a_megabyte_long_tab_line_is_split_and_its_facts_are_bounded():
    result, peak_mb = run_measured(BUILD_RECORD.format(size=1_000_000))
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout)
    assert out["tabs"] > 2000  # the shape of the red team's file: thousands of "cells" on one line
    assert peak_mb - out["base_mb"] < GROWTH_BOUND_MB, (peak_mb, out)
    # Linear in the input: the record is a few times the text (before: 647 MB for 1 MB).
    assert out["record_bytes"] < 5 * out["chars"], out
    assert out["longest_chunk"] <= MAX_ROW_CHARS and out["chunks"] > out["chars"] // 1000, out
    assert out["longest_fact"] <= MAX_FACT_CHARS and out["quotes_match"], out


def test_the_four_megabyte_file_is_refused_by_hanke_ingest_naming_the_limit(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "pitka_rivi.txt").write_text(long_tab_line(4_000_000), encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=folder)
    code = ("import resource, runpy, sys\n"
            f"sys.argv = ['hanke', 'ingest', {str(folder)!r}]\n"
            "runpy.run_module('assistant.cli', run_name='__main__')\n")
    result, peak_mb = run_measured(code, env={**cli_env(settings), "COLUMNS": "200"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "pitka_rivi.txt" in result.stdout and "HANKE_MAX_CHUNKS_PER_DOCUMENT" in result.stdout, result.stdout
    assert peak_mb < 1000, peak_mb  # before: killed by the kernel at 22.8 GB


def test_the_chunk_limit_refuses_a_long_document_and_names_the_setting():
    text = "\n\n".join(f"{n}. Otsikko {n}\n\n" + "Hankkeessa tehtiin työtä monella tavalla. " * 15 for n in range(1, 30))
    settings = Settings(max_chunks_per_document=10)
    with pytest.raises(LoadError, match="HANKE_MAX_CHUNKS_PER_DOCUMENT"):
        build_record("pitka.txt", text.encode(), "pitka.txt", settings)
    assert len(build_record("pitka.txt", text.encode(), "pitka.txt", Settings()).chunks) > 10


def _docx_with_text(paragraphs: int) -> bytes:
    import docx

    words = ["hanke", "työllisyys", "koulutus", "Lieksa", "Juuka", "rahoitus", "tavoite", "tulos", "yritys"]
    rng = random.Random(15)
    document = docx.Document()
    for _ in range(paragraphs):
        document.add_paragraph(" ".join(rng.choice(words) + str(rng.randrange(1000)) for _ in range(40)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_docx_that_unpacks_to_more_xml_than_the_limit_is_refused_before_it_is_parsed():
    data = _docx_with_text(3000)  # about 3 MB of XML; it passes the zip ratio check
    with pytest.raises(LoadError, match="HANKE_MAX_UNPACKED_MB"):
        load_bytes("iso.docx", data, max_unpacked_bytes=1024 * 1024)
    assert "hanke" in load_bytes("iso.docx", data, max_unpacked_bytes=8 * 1024 * 1024)
