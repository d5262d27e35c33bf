"""Read and check an evaluation question file (JSONL, the format of ../shared/GUIDE.md).

One JSON object per line:
`{"id", "lang": "fi"|"en", "category", "question", "answer", "must_contain": [[alternatives…], …],
  "sources": [file names], "evidence": [verbatim substrings of the sources]}`.
Blank lines are skipped. Every problem is reported with its line number, so that a broken file
gives one clear message instead of a traceback halfway through an evaluation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("fi", "en")
CATEGORIES = ("goal", "change", "result", "figure", "cross_doc", "unanswerable", "meta")
REQUIRED_KEYS = ("id", "lang", "category", "question", "must_contain", "evidence")


class QuestionFileError(ValueError):
    """The question file is missing or not in the expected format; the message says where."""


@dataclass(frozen=True)
class Question:
    id: str
    lang: str
    category: str
    question: str
    answer: str = ""
    must_contain: list[list[str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return self.category != "unanswerable"


def _string_list(value, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"'{what}' must be a list of strings")
    return value


def parse_question(data: object) -> Question:
    """One question from one decoded JSON line; ValueError says what is wrong with it."""
    if not isinstance(data, dict):
        raise ValueError("a line must be a JSON object")
    missing = [key for key in REQUIRED_KEYS if key not in data]
    if missing:
        raise ValueError(f"missing key(s): {', '.join(missing)}")
    qid = data["id"]
    if not isinstance(qid, (str, int)) or not str(qid).strip():
        raise ValueError("'id' must be a non-empty string")
    if data["lang"] not in LANGUAGES:
        raise ValueError(f"'lang' must be one of {', '.join(LANGUAGES)}, not {data['lang']!r}")
    if data["category"] not in CATEGORIES:
        raise ValueError(f"'category' must be one of {', '.join(CATEGORIES)}, not {data['category']!r}")
    if not isinstance(data["question"], str) or not data["question"].strip():
        raise ValueError("'question' must be a non-empty string")
    groups = data["must_contain"]
    if not isinstance(groups, list):
        raise ValueError("'must_contain' must be a list of lists of strings")
    must_contain = [_string_list(group, "must_contain") for group in groups]
    if any(not group for group in must_contain):
        raise ValueError("'must_contain' has an empty list of alternatives (it could never match)")
    answer = data.get("answer", "")
    if not isinstance(answer, str):
        raise ValueError("'answer' must be a string")
    return Question(id=str(qid), lang=data["lang"], category=data["category"], question=data["question"],
                    answer=answer, must_contain=must_contain,
                    sources=_string_list(data.get("sources", []), "sources"),
                    evidence=_string_list(data["evidence"], "evidence"))


def load_questions(path: Path) -> list[Question]:
    """All questions of a JSONL file, or QuestionFileError naming the file and line."""
    path = Path(path)
    if not path.exists():
        raise QuestionFileError(f"question file not found: {path}")
    if not path.is_file():
        raise QuestionFileError(f"not a file: {path}")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise QuestionFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise QuestionFileError(f"{path}: cannot read ({error.strerror or error})") from None
    questions: list[Question] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise QuestionFileError(f"{path} line {number}: not valid JSON ({error.msg})") from None
        try:
            question = parse_question(data)
        except ValueError as error:
            raise QuestionFileError(f"{path} line {number}: {error}") from None
        if question.id in seen:
            raise QuestionFileError(
                f"{path} line {number}: duplicate id {question.id!r} (first on line {seen[question.id]})")
        seen[question.id] = number
        questions.append(question)
    if not questions:
        raise QuestionFileError(f"{path}: no questions in the file")
    return questions
