"""The evaluation question sets (tuning, held-out, the corpus-dev halves and validation sets): schema,
unique ids, sources that exist, evidence that is verbatim."""

import json
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
QUESTION_FILES = ("questions.jsonl", "questions_heldout.jsonl", "questions_corpusdev_dev.jsonl",
                  "questions_corpusdev_test.jsonl", "questions_corpusdev_val.jsonl", "questions_corpusdev_val2.jsonl",
                  "questions_corpusdev_val3.jsonl")
# A set written for some categories only: VAL3 asks about form fields and across projects.
FOCUSED = {"questions_corpusdev_val3.jsonl": {"meta", "cross_doc", "unanswerable"}}
# Where each set's sources live: corpus/ or the development corpus of 30 more projects.
SOURCE_DIRS = (REPO / "corpus", REPO / "eval" / "corpus-dev")
CATEGORIES = {"goal", "change", "result", "figure", "cross_doc", "unanswerable", "meta"}


def load(name: str) -> list[dict]:
    lines = (REPO / "eval" / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


SETS = {name: load(name) for name in QUESTION_FILES}
ITEMS = [(name, item) for name, items in SETS.items() for item in items]


def collapse(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", QUESTION_FILES)
def test_schema_and_unique_ids(name):
    questions = SETS[name]
    keys = {"id", "lang", "category", "question", "answer", "must_contain", "sources", "evidence"}
    for item in questions:
        assert set(item) == keys, item["id"]
        assert item["lang"] in {"fi", "en"} and item["category"] in CATEGORIES
        assert isinstance(item["question"], str) and item["question"].strip()
        assert all(isinstance(group, list) and all(isinstance(s, str) for s in group) for group in item["must_contain"])
    ids = [item["id"] for item in questions]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", QUESTION_FILES)
def test_size_languages_and_categories(name):
    questions = SETS[name]
    assert len(questions) >= 80
    languages = Counter(item["lang"] for item in questions)
    assert min(languages.values()) >= 0.35 * len(questions)
    assert set(Counter(item["category"] for item in questions)) == FOCUSED.get(name, CATEGORIES)


@pytest.mark.parametrize("name,item", ITEMS, ids=[f"{name.split('.')[0]}-{item['id']}" for name, item in ITEMS])
def test_evidence_is_verbatim_in_its_sources(name, item):
    if item["category"] == "unanswerable":
        assert item["must_contain"] == [] and item["sources"] == [] and item["evidence"] == []
        return
    assert item["must_contain"] and item["sources"] and item["evidence"]
    texts = []
    for source in item["sources"]:
        path = next((d / source for d in SOURCE_DIRS if (d / source).is_file()), None)
        assert path is not None, f"{item['id']}: no such source {source}"
        texts.append(collapse(path.read_text(encoding="utf-8")))
    for evidence in item["evidence"]:
        assert any(collapse(evidence) in text for text in texts), f"{item['id']}: {evidence!r} not in its sources"


def test_corpus_dev_halves_are_split_by_project():
    """No project's documents are a source of both halves (the split is by project, so that the
    test half measures projects nobody tuned on)."""
    def projects(name):
        return {source.split("_")[0] for item in SETS[name] for source in item["sources"]}

    dev, test = projects("questions_corpusdev_dev.jsonl"), projects("questions_corpusdev_test.jsonl")
    assert dev and test and not dev & test
    # The validation sets ask about the DEV half's projects only.
    for name in ("questions_corpusdev_val.jsonl", "questions_corpusdev_val2.jsonl", "questions_corpusdev_val3.jsonl"):
        assert projects(name) and projects(name) <= dev, name
