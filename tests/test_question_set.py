"""The evaluation question set: schema, unique ids, sources that exist, evidence that is verbatim."""

import json
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
CATEGORIES = {"goal", "change", "result", "figure", "cross_doc", "unanswerable", "meta"}


def collapse(text: str) -> str:
    return " ".join(text.split())


def test_schema_and_unique_ids():
    keys = {"id", "lang", "category", "question", "answer", "must_contain", "sources", "evidence"}
    for item in QUESTIONS:
        assert set(item) == keys, item["id"]
        assert item["lang"] in {"fi", "en"} and item["category"] in CATEGORIES
        assert isinstance(item["question"], str) and item["question"].strip()
        assert all(isinstance(group, list) and all(isinstance(s, str) for s in group) for group in item["must_contain"])
    ids = [item["id"] for item in QUESTIONS]
    assert len(ids) == len(set(ids))


def test_size_languages_and_categories():
    assert len(QUESTIONS) >= 80
    languages = Counter(item["lang"] for item in QUESTIONS)
    assert min(languages.values()) >= 0.35 * len(QUESTIONS)
    assert set(Counter(item["category"] for item in QUESTIONS)) == CATEGORIES


@pytest.mark.parametrize("item", QUESTIONS, ids=[item["id"] for item in QUESTIONS])
def test_evidence_is_verbatim_in_its_sources(item):
    if item["category"] == "unanswerable":
        assert item["must_contain"] == [] and item["sources"] == [] and item["evidence"] == []
        return
    assert item["must_contain"] and item["sources"] and item["evidence"]
    texts = []
    for source in item["sources"]:
        path = REPO / "corpus" / source
        assert path.is_file(), f"{item['id']}: no such source {source}"
        texts.append(collapse(path.read_text(encoding="utf-8")))
    for evidence in item["evidence"]:
        assert any(collapse(evidence) in text for text in texts), f"{item['id']}: {evidence!r} not in its sources"
