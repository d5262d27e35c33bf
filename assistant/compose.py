"""Frame the chosen evidence as a short answer in the question's language, with [n] citations."""

from __future__ import annotations

import re
from dataclasses import replace

from assistant import texts
from assistant.evidence import SHORT_SENTENCE, Candidate, figure_unit
from core.numbers import format_figure
from assistant.query import QueryAnalysis
from assistant.retrieval import Hit
from core.text_analysis import finnishness
from core.types import Citation


SENTENCE_END_RE = re.compile(r"[.!?:]\s*$")


def _quote(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def _document_label(cand: Candidate, language: str) -> str:
    """"Hankekuvaus, S20118": the document a run of quotes comes from."""
    document = cand.hit.document
    label = texts.TYPE_LABEL[language][document.type]
    label = label[:1].upper() + label[1:]
    return f"{label}, {document.project}" if document.project else label


def quote_lines(cands: list[Candidate], language: str) -> list[str]:
    """The quotes, each under the document it comes from: a label line per run of quotes from one
    document, so that a source is named once rather than after every quote (the citations carry
    the section and the offsets). A bare row ("Suunniteltu: 465") keeps its heading beside it; a
    sentence needs none."""
    in_finnish = language == "en" and any(finnishness(c.text) > 0.5 for c in cands)
    lines: list[str] = []
    current = None
    for n, cand in enumerate(cands, start=1):
        if cand.hit.chunk.doc != current:
            note = texts.QUOTES_IN_FINNISH[language] if in_finnish and current is None else ""
            current = cand.hit.chunk.doc
            lines.append(f"{_document_label(cand, language)}{note}:")
        heading = ""
        # A sentence says what it is about; a bare row ("Suunniteltu: 500") needs its heading,
        # unless the quote before it is from the same section (the items of a list).
        section = cand.hit.chunk.section
        after_same = n > 1 and cands[n - 2].hit.chunk.doc == current and cands[n - 2].hit.chunk.section == section
        if len(cand.text) < SHORT_SENTENCE and section and not after_same and not SENTENCE_END_RE.search(cand.text):
            heading = f" ({section.split(' › ')[-1]})"
        lines.append(f"„{_quote(cand.text)}“{heading} [{n}]")
    return lines


def make_citation(n: int, cand: Candidate) -> Citation:
    return Citation(n=n, doc=cand.hit.chunk.doc, title=cand.hit.document.title, section=cand.hit.chunk.section,
                    quote=cand.text, score=round(cand.hit.score, 4), start=cand.start, end=cand.end,
                    project=cand.hit.document.project)


def find_disagreement(chosen: list[Candidate], ranked: list[Candidate]) -> Candidate | None:
    """A sentence from another document that gives a different number for the same thing."""
    best = chosen[0]
    best_figure = best.primary
    if best_figure is None or not best.matched:
        return None
    for cand in ranked:
        same_place = cand.hit.chunk.doc == best.hit.chunk.doc and cand.hit.chunk.section == best.hit.chunk.section
        if (same_place or cand.lexical < 0.5 * best.lexical
                or cand.hit.document.project != best.hit.document.project):
            continue
        figure = cand.primary
        units = {figure_unit(best), figure_unit(cand)} - {""}
        if (figure is not None and figure.value != best_figure.value and cand.matched & best.matched
                and len(units) <= 1):
            return cand
    return None


def shown_figure(cand: Candidate):
    """The candidate's figure as the answer writes it: a row of a cost table counts euros, which its
    heading says rather than the row ("Kustannukset yhteensä\t1 379 106,07" → 1 379 106,07 €)."""
    figure = cand.primary
    if figure is not None and not figure.unit and figure_unit(cand) == "EUR":
        return replace(figure, unit="€")
    return figure


def compose_answer(analysis: QueryAnalysis, chosen: list[Candidate], ranked: list[Candidate], lead: bool = True
                   ) -> tuple[str, list[Citation]]:
    """The quotes, led by the best one's figure for a figure question (lead=False: a line above
    already states the answer's figure)."""
    language = analysis.language
    lead = lead and analysis.wants_figure
    disagreeing = find_disagreement(chosen, ranked) if lead else None
    if disagreeing is not None and all(disagreeing is not c for c in chosen):
        chosen = chosen[:2] + [disagreeing]
    citations = [make_citation(n, cand) for n, cand in enumerate(chosen, start=1)]
    lines = []
    best_figure = shown_figure(chosen[0]) if lead else None
    if best_figure is not None:
        lines.append(texts.FIGURE_LEAD[language].format(value=format_figure(best_figure, language)) + " [1].")
    lines += quote_lines(chosen, language)
    if disagreeing is not None:
        n_best, n_other = 1, chosen.index(disagreeing) + 1
        values = texts.AND[language].join([
            f"{format_figure(shown_figure(chosen[0]), language)} [{n_best}]",
            f"{format_figure(shown_figure(disagreeing), language)} [{n_other}]"])
        lines.append(texts.DISAGREEMENT[language].format(values=values))
    return "\n".join(lines), citations


def compose_refusal(analysis: QueryAnalysis, hits: list[Hit], closest: list[Candidate]
                    ) -> tuple[str, list[Citation]]:
    language = analysis.language
    lines = [texts.REFUSAL[language]]
    citations = [make_citation(n, cand) for n, cand in enumerate(closest, start=1)]
    if closest:
        lines.append(texts.CLOSEST_PASSAGES[language])
        lines += quote_lines(closest, language)
    return "\n".join(lines), citations


def prepend_fact_lines(lines: list[str], facts: list, text: str, citations: list[Citation], index
                       ) -> tuple[str, list[Citation]]:
    """Put fact lines (which cite their facts as [@i]) before an answer, renumbering its citations."""
    from assistant.fact_answers import fact_citation

    shift = len(facts)
    fact_citations = [fact_citation(i + 1, fact, index) for i, fact in enumerate(facts)]
    shifted_text = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + shift}]", text)
    shifted = [c.model_copy(update={"n": c.n + shift}) for c in citations]
    head = [re.sub(r"\[@(\d+)\]", lambda m: f"[{int(m.group(1)) + 1}]", line) for line in lines]
    return "\n".join(head + [shifted_text]), fact_citations + shifted
