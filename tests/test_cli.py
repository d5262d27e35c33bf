"""The `hanke` command as a user runs it: a real subprocess against the ingested corpus."""

import json
import subprocess
import sys

import pytest

from tests.conftest import cli_env

HANKE = [sys.executable, "-m", "assistant.cli"]


def run(args, settings, stdin=None, timeout=300):
    return subprocess.run(HANKE + args, env=cli_env(settings), capture_output=True, text=True,
                          input=stdin, timeout=timeout)


@pytest.mark.parametrize("command", ["ingest", "remove", "ask", "chat", "docs", "project", "serve", "eval", "fit"])
def test_every_command_has_help(command, small_settings):
    result = run([command, "--help"], small_settings)
    assert result.returncode == 0 and "Usage" in result.stdout


def test_ask_json(corpus_settings):
    result = run(["ask", "How many doctor appointments did the Lieksa project have?", "--json"], corpus_settings)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "language", "answer", "found", "citations", "timings_ms"}
    assert data["found"] and "345" in data["answer"] and data["language"] == "en"
    assert {"n", "doc", "title", "section", "quote", "score"} <= set(data["citations"][0])
    assert "Traceback" not in result.stderr


def test_docs_json(corpus_settings):
    result = run(["docs", "--json"], corpus_settings)
    assert result.returncode == 0, result.stderr
    rows = {row["doc"]: row for row in json.loads(result.stdout)}
    assert len(rows) == 5
    assert rows["002_d1c5417522fec7e9.txt"]["project"] == "S21712"
    assert rows["002_d1c5417522fec7e9.txt"]["type"] == "tiedote"
    assert all(row["chunks"] > 0 for row in rows.values())


def test_chat_keeps_the_conversation(corpus_settings):
    result = run(["chat"], corpus_settings, stdin="Montako lääkäriaikaa Lieksan hankkeessa oli?\nentä Juuassa?\n\n")
    assert result.returncode == 0, result.stderr
    assert "345" in result.stdout and "Juuka 35" in result.stdout


@pytest.mark.parametrize("args,message", [
    (["ask", ""], "empty"),
    (["ingest", "/no/such/folder"], "not found"),
])
def test_bad_input_gives_a_message_not_a_traceback(args, message, corpus_settings):
    result = run(args, corpus_settings)
    assert result.returncode == 1
    assert message in result.stderr.lower() and "Traceback" not in result.stderr


def test_missing_index_says_to_ingest(small_settings):
    for args in (["ask", "Mikä on hankkeen tavoite?"], ["docs"]):
        result = run(args, small_settings)
        assert result.returncode == 1
        assert "hanke ingest" in result.stderr and "Traceback" not in result.stderr


def test_ingest_prints_a_summary(small_settings):
    small_settings.corpus_dir.mkdir(parents=True)
    (small_settings.corpus_dir / "a.txt").write_text("Hankkeen nimi: Testi\n\nTavoitteena on kouluttaa 5 henkilöä.\n")
    (small_settings.corpus_dir / "bad.txt").write_bytes(b"")
    result = run(["ingest", str(small_settings.corpus_dir)], small_settings)
    assert result.returncode == 0, result.stderr
    assert "added" in result.stdout and "failed" in result.stdout and "bad.txt: empty file" in result.stdout


def test_remove_takes_a_document_out_of_the_index(small_settings):
    small_settings.corpus_dir.mkdir(parents=True)
    (small_settings.corpus_dir / "a.txt").write_text("Hankkeen nimi: Testi\n\nTavoitteena on kouluttaa 5 henkilöä.\n")
    (small_settings.corpus_dir / "b.txt").write_text("Hankkeen nimi: Toinen\n\nHanke palkkasi 3 ohjaajaa.\n")
    assert run(["ingest", str(small_settings.corpus_dir)], small_settings).returncode == 0
    result = run(["remove", "a.txt"], small_settings)
    assert result.returncode == 0 and "removed a.txt" in result.stdout, result.stderr
    listed = [row["doc"] for row in json.loads(run(["docs", "--json"], small_settings).stdout)]
    assert listed == ["b.txt"]
    unknown = run(["remove", "a.txt"], small_settings)
    assert unknown.returncode == 1 and "not in the index: a.txt" in unknown.stderr
    assert "Traceback" not in unknown.stderr
