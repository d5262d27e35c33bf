"""The public API of assistant/: questions in, cited answers out. The CLI, the web app and eval/
all go through `Assistant.ask`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterator

from assistant import texts
from assistant.compose import compose_answer, compose_refusal, prepend_fact_lines
from assistant.fact_answers import change_answer, compare_projects
from assistant.facts import DURATION_RE, LEAST_RE, MOST_RE, FactIndex, is_comparison
from assistant.field_answers import (YEAR_RE, across_projects, asked_fields, asks_order, is_across_projects, named_value,
                                     project_field)
from assistant.fields import FieldIndex, FieldMatch, label_in
from assistant.fitted import FITTED
from assistant.generation import Generator
from assistant.conversation import Conversation, Turn
from assistant.evidence import Candidate, candidates, score_candidates, select, without_identity
from assistant.index import IndexView
from assistant.project_meaning import ProjectMeaning
from assistant.query import QueryAnalysis, analyse, name_terms_of
from assistant.refusal import asks_for_a_part_not_given, out_of_corpus, should_refuse, specific_place
from assistant.retrieval import HankeRetriever, Hit, HybridSearcher
from assistant.topic_answers import projects_on_topic
from core.sentence_vectors import SentenceVectors
from core.settings import Settings, get_settings
from core.text_analysis import words
from core.types import Answer, Document, Passage

EVIDENCE_HITS = 6
KEYWORD_LEADERS = 2
SIBLING_SCORE_FACTOR = 0.5


@dataclass
class Gathered:
    """A question's analysis, retrieval and scored candidates, before the answer is composed."""
    resolved: str  # the question with a follow-up's project filled in
    analysis: QueryAnalysis
    vector: list[float]
    named: set[str]  # the projects the question names
    hits: list[Hit]
    cands: list[Candidate]
    in_corpus: bool
    field_matches: list[FieldMatch]
    weakly_named: bool = False  # the named projects are named only by a word they alone carry


class QuestionError(ValueError):
    """A question the assistant will not take (empty, too long, unknown project)."""

    def __init__(self, key: str, language: str = "en", **values):
        self.key = key
        super().__init__(texts.ERRORS[key][language].format(**values))


def check_question(question: str, settings: Settings) -> str:
    """The stripped question, or QuestionError when it is empty or too long."""
    question = (question or "").strip()
    if not question:
        raise QuestionError("empty_question")
    if len(question) > settings.max_question_chars:
        raise QuestionError("question_too_long", limit=settings.max_question_chars)
    return question


# The share of a sentence a fact's span must cover for the sentence to restate it.
RESTATED_SHARE = 0.8


def restates_a_fact(cand: Candidate, facts: list) -> bool:
    """The sentence is the row a fact line above it already cites ("Hankkeen yhteyshenkilön nimi: …"):
    quoting it again would say the same thing twice."""
    span = max(1, cand.end - cand.start)
    return any(fact.doc == cand.hit.chunk.doc
               and min(cand.end, fact.end) - max(cand.start, fact.start) >= RESTATED_SHARE * span for fact in facts)


class Assistant:
    def __init__(self, settings: Settings | None = None, embeddings=None):
        self.settings = settings or get_settings()
        self.index = IndexView.load(self.settings)
        if embeddings is None:
            from core.embeddings import shared_embeddings

            embeddings = shared_embeddings()
        self.searcher = HybridSearcher(self.index, embeddings)
        self.facts = FactIndex(self.index)
        self.fields = FieldIndex(self.index, embeddings)
        self.sentence_vectors = SentenceVectors(embeddings, self.settings)
        self.project_meaning = ProjectMeaning(self.index, self.fields)
        self.generator = Generator.from_settings(self.settings)  # None unless HANKE_LLM_* is set

    def retriever(self, k: int = 5, project: str | None = None) -> HankeRetriever:
        return HankeRetriever(searcher=self.searcher, k=k, project=project)

    def documents(self) -> list[Document]:
        return self.index.documents()

    def validate(self, question: str, project: str | None) -> str:
        question = check_question(question, self.settings)
        if project and project not in self.index.projects:
            raise QuestionError("unknown_project", project=project)
        return question

    def gather(self, question: str, project: str | None = None, k: int | None = None,
               conversation: Conversation | None = None) -> Gathered:
        """Everything an answer is chosen from: the question's analysis, the retrieved chunks and every
        candidate sentence with its features and fitted score (also what `hanke fit` learns from)."""
        names = self.index.name_words()
        own = analyse(question, names)
        resolved = question
        if conversation is not None:
            names_project = bool(self.index.mentioned_projects(own.lemmas, question))
            resolved = conversation.resolve(question, names_project)
        analysis = analyse(resolved, names)
        analysis.language = own.language if len(question.split()) > 2 else (
            conversation.turns[-1].language if conversation and conversation.turns else own.language)
        k = k or self.settings.top_k
        strong, weak = self.index.named_projects(analysis.lemmas, resolved)
        named = set(strong + weak)
        # The content is guessed from the projects named in words; a guess that turns out wrong (a
        # project meant or found by retrieval) costs a second pass in content_similarity.
        vector = self.sentence_vectors.embed_question(
            resolved, self.content_guess(resolved, analysis, {project} if project else named))
        meant = None
        if not named and not project and not is_comparison(resolved, []) and not is_across_projects(resolved, []):
            meant = self.project_meaning.meant(vector)  # named in other words ("University of Helsinki's study")
        hits = self.searcher.search(resolved, max(k, EVIDENCE_HITS * 3), project or meant, analysis, vector=vector,
                                    named=sorted(named))
        evidence_hits = hits[:EVIDENCE_HITS] + self.keyword_leaders(hits) + self.sibling_hits(
            resolved, analysis, hits, vector)
        evidence_hits += self.list_continuations(evidence_hits)
        # Named only by a word one project carries (its applicant, its town), not by name or code.
        weakly_named = bool(named) and not strong
        if meant:
            named = {meant}
        if named:
            evidence_hits = [h for h in evidence_hits if h.document.project in named
                             or self.index.chunk_links.get(h.chunk.id, set()) & named] or evidence_hits
        analysis.projects = ({project} if project else set(named)) or {
            h.document.project for h in hits[:EVIDENCE_HITS // 2] if h.document.project}
        analysis.name_terms = self.name_terms(resolved, analysis.projects)
        cands = candidates(evidence_hits)
        focus = {project} if project else named
        if focus:
            # Of a bulletin on many projects, only the sentences that name the question's project.
            cands = [c for c in cands if c.hit.document.project or self.index.mentioned_in(c.text) & focus]
        analysis.focus_place = specific_place(analysis, self.index)
        in_corpus = not out_of_corpus(analysis, self.index)
        field_matches = self.fields.match(analysis, vector) if in_corpus else []
        score_candidates(cands, analysis, self.index, named | ({project} if project else set()),
                         {m.label: m.score for m in field_matches}, self.content_similarity(analysis, cands))
        return Gathered(resolved, analysis, vector, named, hits, cands, in_corpus, field_matches, weakly_named)

    def content_similarity(self, analysis: QueryAnalysis, cands: list[Candidate]) -> list[float]:
        """Cosine of each candidate sentence and the question's content (without its project's names)."""
        if not cands:
            return []
        asked = self.sentence_vectors.question_vector(without_identity(analysis.text, analysis.identity(self.index)))
        return [float(v) for v in self.sentence_vectors.vectors([c.text for c in cands]) @ asked]

    def name_terms(self, resolved: str, projects: set[str]) -> set[str]:
        """The question's words that spell a word of these projects' names (only these projects':
        another project's name words are content)."""
        return name_terms_of(words(resolved), self.index.name_words(projects))

    def content_guess(self, resolved: str, analysis: QueryAnalysis, projects: set[str]) -> str:
        """The question's content as content_similarity will take it (analysis.identity) if these are
        its projects."""
        return without_identity(analysis.text, self.index.identity_terms(projects) | self.name_terms(resolved, projects))

    def ask(self, question: str, project: str | None = None, k: int | None = None,
            conversation: Conversation | None = None, generate: bool = True) -> Answer:
        started = time.perf_counter()
        question = self.validate(question, project)
        k = k or self.settings.top_k
        gathered = self.gather(question, project, k, conversation)
        resolved, analysis, vector, named = gathered.resolved, gathered.analysis, gathered.vector, gathered.named
        hits, cands, in_corpus, field_matches = gathered.hits, gathered.cands, gathered.in_corpus, gathered.field_matches
        retrieved_ms = (time.perf_counter() - started) * 1000
        chosen = select(cands, analysis, self.settings.answer_sentences)
        ranked = sorted(cands, key=lambda c: -c.score)
        found = not should_refuse(analysis, self.index, hits, chosen, cands)
        citations_from_facts = False
        removed: list = []  # an asked field the documents give only as removed
        fields = asked_fields(field_matches, self.fields)
        comparison = None
        comparative = in_corpus and not project and is_comparison(resolved, sorted(named))
        # "Which got the most funding?", "Which lasted longest?": figures compared across projects
        # (facts); other questions over the projects read one form field of each.
        if comparative and (MOST_RE.search(resolved) or LEAST_RE.search(resolved) or DURATION_RE.search(resolved)):
            comparison = compare_projects(analysis, resolved, self.facts, named)
        # A question about the set may use a word that one project alone carries as the value to filter
        # by ("Which projects does the Council of Tampere Region oversee?"); the project answers only
        # when no field value does.
        across_named = [] if gathered.weakly_named else sorted(named)
        # "Of Kaiku, Romaniportti and Ohjaamo Helsinki, which started first?": the named projects in order.
        group = across_named if len(across_named) > 1 and asks_order(resolved) else None
        # "Which project started earliest?" is about the set too.
        set_order = not across_named and asks_order(resolved) and is_comparison(resolved, [])
        about_set = in_corpus and not project and is_across_projects(resolved, across_named)
        if comparison is None and about_set and not (group or set_order or fields or YEAR_RE.search(resolved)) \
                and not named_value(self.fields, analysis, vector, field_matches)[1]:
            # No field asked and no field value named in full: the set by topic ("Mitkä hankkeet
            # liittyvät matkailuun?"), from what the projects' documents say.
            topic = projects_on_topic(analysis, self.index)
            if topic is not None:
                comparison = prepend_fact_lines(*topic, "", [], self.index)
        if comparison is None and in_corpus and not project and (group or set_order or about_set):
            across = across_projects(field_matches, self.fields, analysis, vector, group)
            if across is not None:
                lines, facts = across
                comparison = prepend_fact_lines(lines, facts, "", [], self.index)
        if comparison is None and comparative:
            comparison = compare_projects(analysis, resolved, self.facts, named)
        if comparison is not None:
            found = True
            text, citations = comparison
        else:
            code = project or (next(iter(named)) if len(named) == 1 else hits[0].document.project if hits else None)
            lines, facts = change_answer(analysis, resolved, self.facts, code, [f.label for f in fields]
                                         ) if in_corpus else ([], [])
            # Plan-vs-outcome facts lead the passages too; a field line is one row of a form, and
            # the retrieved passages keep their order behind it (leading with the field lines' chunks
            # lowered hit@1 on every set: the cited row is often not the evidence).
            citations_from_facts = bool(lines)
            answered_fields = 0
            if not lines and fields and (named or project) and not asks_for_a_part_not_given(
                    analysis, self.index, chosen, cands):
                # Only for a project the question names: otherwise the top passage's project may be
                # another one, and the sentences (which name their document) answer instead.
                codes = [project] if project else sorted(named)
                # "Mikä on X:n yhteyshenkilön puhelinnumero?" where the form says "(poistettu)":
                # the documents do not give it, and the answer says so with the removed line.
                removed = self.fields.removed_only(fields[0].label, [c for c in codes if c])
                if removed:
                    found, fields = False, []
                for field in fields:
                    if answered_fields >= FITTED["fields_per_question"]:
                        break
                    more, more_facts = project_field(field, self.fields, [c for c in codes if c], analysis.language,
                                                     first=len(facts))
                    answered_fields += bool(more)
                    lines += more
                    facts += more_facts
            quoted = [c for c in chosen if not restates_a_fact(c, facts)]
            if answered_fields:
                quoted = quoted[:2]  # the field line answers; two passages beside it show where it stands
            if found and quoted:
                # When a field line gives the best sentence's value, that line leads, not another figure.
                text, citations = compose_answer(analysis, quoted, ranked, lead=quoted[0] is chosen[0])
            elif found or lines:  # plan-vs-outcome facts answer even when the passages alone look weak
                found, text, citations = True, "", []
            if lines:
                text, citations = prepend_fact_lines(lines, facts, text, citations, self.index)
                text = text.rstrip()
        if not found:
            closest = []
            for hit in hits[:3]:
                best_of_hit = next((c for c in ranked if c.hit is hit), None)
                if best_of_hit is not None and not restates_a_fact(best_of_hit, removed):
                    closest.append(best_of_hit)
            text, citations = compose_refusal(analysis, hits, closest)
            if removed:
                head, _, rest = text.partition("\n")
                line = texts.FIELD_REMOVED[analysis.language].format(label=label_in(removed[0].label, analysis.language))
                text, citations = prepend_fact_lines([f"{line} [@0]"], removed[:1], rest, citations, self.index)
                text = f"{head}\n{text}".rstrip()
        passages = self.passages(hits, citations if comparison is not None or citations_from_facts else [], k, ranked)
        total_ms = (time.perf_counter() - started) * 1000
        answer = Answer(question=question, language=analysis.language, answer=text, found=found,
                        citations=citations, passages=passages,
                        timings_ms={"retrieval": round(retrieved_ms, 1), "total": round(total_ms, 1)})
        if generate and self.generator is not None:  # checked; the extractive answer when a check fails
            answer = self.generator.answer(answer, [t.question for t in conversation.turns] if conversation else [])
        if conversation is not None:
            conversation.add(Turn(question, resolved, text, analysis.language))
        return answer

    def passages(self, hits, fact_citations, k: int, ranked: list[Candidate]) -> list[Passage]:
        """The retrieved passages: first the chunks holding the facts an answer was built from, then
        the chunks whose sentences the fitted scorer found most probable evidence (best first), then
        the rest in retrieval order. (Ordering by the scorer raised hit@1 from 0.60 to 0.78 and hit@5
        from 0.90 to 0.93 on the corpus-dev DEV half; eval/README.md, seventh session.)"""
        chunks: dict[str, object] = {}  # by id: one chunk may reach here as several hits' copies
        for citation in fact_citations:
            record = self.index.records[citation.doc]
            chunk = next((c for c in record.chunks if c.start <= citation.start < c.end), None)
            if chunk is not None:
                chunks.setdefault(chunk.id, chunk)
        for chunk in [c.hit.chunk for c in ranked] + [h.chunk for h in hits]:
            chunks.setdefault(chunk.id, chunk)
        return [Passage(doc=c.doc, title=self.index.document(c.doc).title, section=c.section, text=c.text,
                        start=c.start, end=c.end, score=0.0, rank=rank, project=self.index.document(c.doc).project)
                for rank, c in enumerate(list(chunks.values())[:k], start=1)]

    @staticmethod
    def keyword_leaders(hits) -> list:
        """BM25's own best chunks, even when dense retrieval missed them (tables after a
        report's signature are found by their words, rarely by their embedding)."""
        shown = hits[:EVIDENCE_HITS]
        return [h for h in hits[EVIDENCE_HITS:] if h.keyword_rank is not None
                and h.keyword_rank < KEYWORD_LEADERS and h not in shown]

    def list_continuations(self, hits) -> list:
        """The next chunk of a chunk that ends announcing a list ("…seuraavista työpaketeista:"),
        so that the list can be quoted with its introduction. Scored low: it is read, not ranked."""
        seen = {h.chunk.id for h in hits}
        extra = []
        for hit in hits:
            if not hit.chunk.text.rstrip().endswith(":"):
                continue
            chunks = sorted(self.index.records[hit.chunk.doc].chunks, key=lambda c: c.start)
            following = next((c for c in chunks if c.start >= hit.chunk.end - 1), None)
            if following is not None and following.id not in seen:
                seen.add(following.id)
                extra.append(Hit(following, hit.document, hit.score * SIBLING_SCORE_FACTOR, None, None, 0.0))
        return extra

    def sibling_hits(self, query: str, analysis, hits, vector) -> list:
        """The best chunk of each other document of the top hit's project.

        Plan and final report (or press release) often state the same figure differently; a fixed
        number of top chunks rarely covers both sides, so each sibling document gets one look.
        """
        if not hits or not (analysis.wants_figure or analysis.wants_date or analysis.wants_person):
            return []
        top = hits[0].document
        seen = {h.chunk.id for h in hits[:EVIDENCE_HITS]}
        extra = []
        for document in self.index.documents():
            if document.project != top.project or document.doc == top.doc or not top.project:
                continue
            ranked = self.searcher.search(query, self.settings.candidate_pool, None, analysis,
                                          doc=document.doc, vector=vector)
            # The document's best fused chunk and its best keyword chunk (a table a dense
            # English query misses is often the keyword winner).
            picks = ranked[:1] + [h for h in ranked if h.keyword_rank == 0][:1]
            for hit in picks:
                if hit.chunk.id not in seen:
                    seen.add(hit.chunk.id)
                    hit.score *= SIBLING_SCORE_FACTOR
                    extra.append(hit)
        return extra

    def stream(self, question: str, project: str | None = None,
               conversation: Conversation | None = None) -> Iterator[tuple[str, object]]:
        """Events for a streamed answer: ("citations", [...]), then ("token", text) pieces, then ("done", answer).

        The extractive answer is ready at once; streaming it line by line lets the page show the
        first evidence while the rest renders, and keeps the protocol ready for an LLM option.
        """
        answer = self.ask(question, project, conversation=conversation)
        yield "meta", {"language": answer.language, "found": answer.found}
        yield "citations", [c.model_dump() for c in answer.citations]
        for line in answer.answer.split("\n"):
            yield "token", line + "\n"
        yield "done", answer.public()
