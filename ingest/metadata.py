"""Detect a document's project code, name, type, dates, places and language from its text.

Everything here relies on the labels and layout of EURA forms, final reports and press releases
(`Hankekoodi`, `Hankkeen nimi`, `Alkaa … ja päättyy …`), never on particular file names, so that
it works on the next thousand documents of these kinds.
"""

from __future__ import annotations

import re
from collections import Counter

from core.text_analysis import finnishness, is_place_name, lemmas, words
from core.types import Document

CODE_LABEL_RE = re.compile(r"Hankekoodi[:\s]+(S\d{5})\b")
CODE_RE = re.compile(r"\b(S\d{5})\b")
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


def detect_type(text: str) -> str:
    head = text[:1500].lower()
    if "loppuraportti" in head[:600]:
        return "loppuraportti"
    if "hankkeen kuvaus" in head[:600] or "hankekuvaus" in head[:600]:
        return "hankekuvaus"
    if "tiedote" in head:
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


def link_to_project(document: Document, text: str, known: dict[str, str]) -> Document:
    """Give a document that names a project but not its code (a press release) that project.

    `known` maps project names to codes, gathered from the documents that do carry a code.
    """
    if document.project or not known:
        return document
    lowered = text.lower()
    counts = {name: lowered.count(name.lower()) for name in known}
    name, hits = max(counts.items(), key=lambda item: item[1])
    if hits == 0:
        return document
    code = known[name]
    return document.model_copy(update={
        "project": code, "project_name": name,
        "title": make_title(name, code, document.type, document.doc)})
