"""Detect a document's project code, name, type, dates, places and language from its text.

Everything here relies on the labels and layout of EURA forms, final reports and press releases
(`Hankekoodi`, `Hankkeen nimi`, `Alkaa … ja päättyy …`), never on particular file names, so that
it works on the next thousand documents of these kinds.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from core.project_names import lemma_sequence, name_mentions
from core.text_analysis import finnishness, is_place_name, lemmas, words
from core.types import Document

# EURA project codes: a fund letter and five digits (ESR S21712, EAKR A77892, and the other
# funds' prefixes). The `Hankekoodi` label is trusted first; a bare code in running text needs the
# letters EURA uses, so that "A4" or a street number is never taken for one.
CODE_LABEL_RE = re.compile(r"Hankekoodi[:\s]+([A-Z]{1,2}\d{4,6})\b")
CODE_RE = re.compile(r"\b([SAJRH]\d{5})\b")
NAME_RE = re.compile(r"Hankkeen nimi[:\s]+([^\t\n]+)")
DATE_RE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})\b")
START_RE = re.compile(r"(?:Alkamispäivämäärä|Alkaa)[:\s]+(\d{1,2}\.\d{1,2}\.\d{4})")
END_RE = re.compile(r"(?:Päättymispäivämäärä|päättyy)[:\s]+(\d{1,2}\.\d{1,2}\.\d{4})")
PLACE_LABEL_RE = re.compile(
    r"^(?:Kunnat|Maakunnat|Seutukunnat|Postitoimipaikka|Hakijan virallinen nimi|Tuensaajan nimi)"
    r"[:\s]+([^\t\n]+)", re.MULTILINE)

TYPE_LABELS = {
    "fi": {"loppuraportti": "loppuraportti", "hankekuvaus": "hankekuvaus", "tiedote": "tiedote",
           "other": "asiakirja"},
    "en": {"loppuraportti": "final report", "hankekuvaus": "project description",
           "tiedote": "press release", "other": "document"},
}


# The first lines of a news text name its genre: "Uutinen", "Artikkeli", "Tiedote", "…tiedotuslehti".
NEWS_HEAD_RE = re.compile(r"\b(\w*tiedot(e|teet|uslehti)\w*|uutinen|uutiset|artikkeli|toimintaesittely|"
                          r"news|press release|article)\b", re.I)


def detect_type(text: str) -> str:
    """The document type from the form title (ESR and EAKR descriptions say "rahoittaman hankkeen
    kuvaus", final reports "Loppuraportti") or a news text's genre line."""
    head = text[:1500].lower()
    if "loppuraportti" in head[:600]:
        return "loppuraportti"
    if "hankkeen kuvaus" in head[:600] or "hankekuvaus" in head[:600]:
        return "hankekuvaus"
    first_lines = "\n".join(line for line in text.strip().splitlines()[:3])
    if "tiedote" in head or NEWS_HEAD_RE.search(first_lines):
        return "tiedote"
    return "other"


def detect_code(text: str) -> str | None:
    labelled = CODE_LABEL_RE.search(text)
    if labelled:
        return labelled.group(1)
    codes = Counter(CODE_RE.findall(text))
    return codes.most_common(1)[0][0] if codes else None


def detect_name(text: str) -> str | None:
    match = NAME_RE.search(text)
    return match.group(1).strip() if match else None


def iso_date(finnish: str) -> str:
    day, month, year = finnish.split(".")
    return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"


def detect_dates(text: str) -> tuple[list[str], str | None, str | None]:
    dates = sorted({iso_date(".".join(m.groups())) for m in DATE_RE.finditer(text)})
    start = START_RE.search(text)
    end = END_RE.search(text)
    return (dates, iso_date(start.group(1)) if start else None, iso_date(end.group(1)) if end else None)


def detect_places(text: str) -> list[str]:
    found: list[str] = []
    for match in PLACE_LABEL_RE.finditer(text):
        for word in words(match.group(1)):
            if not is_place_name(word):
                continue
            for lemma in lemmas(word)[:1]:
                if len(lemma) > 2 and lemma not in found:
                    found.append(lemma)
    return found


def make_title(name: str | None, code: str | None, doc_type: str, fallback: str) -> str:
    label = TYPE_LABELS["fi"][doc_type]
    if name and code:
        return f"{name} ({code}) – {label}"
    if name:
        return f"{name} – {label}"
    return f"{fallback} – {label}"


def detect_metadata(doc: str, text: str) -> Document:
    doc_type = detect_type(text)
    code = detect_code(text)
    name = detect_name(text)
    dates, start, end = detect_dates(text)
    language = "fi" if finnishness(text[:5000]) >= 0.5 else "en"
    return Document(doc=doc, title=make_title(name, code, doc_type, doc.rsplit(".", 1)[0]),
                    project=code, project_name=name, type=doc_type, language=language, dates=dates,
                    start_date=start, end_date=end, places=detect_places(text), chars=len(text))


# Linking by content: the press text's lemmas against each project's, by TF-IDF cosine; the best
# project must be clearly ahead of the second, or the text stays unlinked.
CONTENT_MARGIN = 1.3


def content_similarities(text_tokens: list[str], projects: dict[str, list[str]]) -> dict[str, float]:
    """TF-IDF cosine of a text's lemmas with each project's lemmas."""
    n = len(projects) + 1
    df = Counter(t for tokens in projects.values() for t in set(tokens))

    def vector(tokens: list[str]) -> dict[str, float]:
        counts = Counter(tokens)
        return {t: c * math.log(n / (1 + df.get(t, 0))) for t, c in counts.items() if df.get(t, 0) < n - 1}

    query = vector(text_tokens)
    norm = math.sqrt(sum(v * v for v in query.values())) or 1.0
    scores = {}
    for code, tokens in projects.items():
        other = vector(tokens)
        other_norm = math.sqrt(sum(v * v for v in other.values())) or 1.0
        scores[code] = sum(v * other.get(t, 0.0) for t, v in query.items()) / (norm * other_norm)
    return scores


def link_to_project(document: Document, text: str, known: dict[str, str],
                    project_tokens: dict[str, list[str]] | None = None,
                    text_tokens: list[str] | None = None) -> Document:
    """Give a document that names a project but not its code (a press release) that project: by
    the project's name (or its acronym) in the text, else by content when one project's documents
    are clearly the most similar.

    `known` maps project names to codes, gathered from the documents that do carry a code;
    `project_tokens` holds each project's keyword lemmas and `text_tokens` this document's.
    """
    if document.project or not known:
        return document
    sequence = lemma_sequence(text)
    counts = {name: name_mentions(text, name, sequence) for name in known}
    name, hits = max(counts.items(), key=lambda item: item[1])
    code = known[name] if hits else None
    # A text that names a project of its own ("Hankkeen nimi: …") is not linked to another by content.
    if code is None and project_tokens and text_tokens and not document.project_name:
        scores = sorted(content_similarities(text_tokens, project_tokens).items(), key=lambda item: -item[1])
        if scores and scores[0][1] > 0 and (len(scores) == 1 or scores[0][1] >= CONTENT_MARGIN * scores[1][1]):
            code = scores[0][0]
            name = next(n for n, c in known.items() if c == code)
    if code is None:
        return document
    return document.model_copy(update={
        "project": code, "project_name": name,
        "title": make_title(name, code, document.type, document.doc)})
