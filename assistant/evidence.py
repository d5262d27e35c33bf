"""Pick the sentences that answer, from the retrieved chunks.

What we measured: a fixed number of sentences from the top chunk loses to the plain top chunk, but
three sentences that include the sentence after the best one beat it at two-thirds of the length.
Figure questions prefer sentences that carry a number; evidence from a second document is kept so
that plan-vs-report and disagreeing figures can both be shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.numbers import Figure, find_figures
from assistant.index import IndexView
from assistant.query import ORDINAL_REACH, QueryAnalysis
from assistant.retrieval import Hit
from assistant.scorer import load_scorer
from core.sentences import chunk_sentences
from core.text_analysis import is_noun, lemmas, looks_like_person, related_lemmas, words

BOILERPLATE_RE = re.compile(r"^(Ei liity suoraan hankkeen tavoitteisiin\.?|Ei relevantti.*|Ei vaikutusta\.?)$")
SHORT_SENTENCE = 60
CAUSE_RE = re.compile(r"\b(sillä|koska|takia|vuoksi|johdosta|johtuen|syy(nä|t|ksi)?|perusteella|perusteltua)\b", re.I)
# A form row answered with a tick ("…edistäminen: Ei", "…\tKyllä") answers only a yes/no question.
CHECKBOX_ROW_RE = re.compile(r"[:\t]\s*(Ei|Kyllä)\s*$")
YES_NO_QUESTION_RE = re.compile(r"^\s*(\w+(ko|kö)\b|is|was|were|did|does|do|has|have|are)\b", re.I)
HEADING_LEVELS = 2
BREAKDOWN_WEIGHT = 0.2
IDENTITY_WEIGHT = 0.3
# Words that say a figure is wanted (cost, budget, number) matter less than what it is a figure of.
MEASURE_TERMS = {"kustannus", "budjetti", "määrä", "lukumäärä", "summa", "euro", "yhteensä", "osuus",
                 "prosentti", "maksaa", "paljon", "moni", "kustannusarvio", "arvio", "kustantaa", "hinta"}
# Words that say where or when a figure was given, not what it is of ("loppuraportin mukaan", "alussa").
SOURCE_TERMS = {"loppuraportti", "raportti", "tiedote", "lehdistötiedote", "hankekuvaus", "kuvaus", "hakemus",
                "suunnitelma", "hankesuunnitelma", "mukaan", "alku", "loppu", "alussa", "lopussa", "alkuperäinen"}
TOTAL_RE = re.compile(r"\b(yhteensä|kokonais\w*|total)\b", re.I)
YEAR_RE = re.compile(r"\b(19|20)\d{2}\b")
FOCUS_REACH = 25  # characters from a place name to its figure: "Juuassa 17", "Juuka 35"
MEASURE_WEIGHT = 0.5
# "projekti" of "projektipäällikkö": a sentence about a project is not one about its manager.
MODIFIER_WEIGHT = 0.5
# "Montako osallistujaa…" is not answered by "Toteutunut: 3" under "Osallistuvien yritysten lukumäärä".
NAME_RE = re.compile(r"\b[A-ZÅÄÖ][a-zåäö]+(?:-[A-ZÅÄÖ][a-zåäö]+)? [A-ZÅÄÖ][a-zåäö]+(?:-[A-ZÅÄÖ][a-zåäö]+)?\b")


@dataclass
class Candidate:
    hit: Hit
    start: int  # absolute offsets in the document text
    end: int
    text: str
    position: int  # sentence index within its chunk
    lexical: float = 0.0
    matched: set[str] = field(default_factory=set)
    figures: list[Figure] = field(default_factory=list)
    primary: Figure | None = None
    score: float = 0.0  # the ranking model's probability that this is evidence: which candidate leads
    confidence: float = 0.0  # the linear model's: whether any candidate is evidence enough to answer
    features: dict[str, float] = field(default_factory=dict)


def text_lemmas(text: str) -> set[str]:
    found: set[str] = set()
    for word in words(text):
        for piece in re.split(r"[-–]", word) if not word[:1].isdigit() else [word]:
            if piece:
                found.update(related_lemmas(piece))  # "Hakijan" also answers "kuka haki"
    return found


def _inner_parts(text: str) -> set[str]:
    """Lemmas that occur in the text only as non-final parts of compounds."""
    inner: set[str] = set()
    whole: set[str] = set()
    for word in words(text):
        if word[:1].isdigit():
            continue
        for piece in re.split(r"[-–]", word):
            if piece:
                found = related_lemmas(piece)
                parts = lemmas(piece)
                inner.update(parts[1:-1])
                whole.update(set(found) - set(parts[1:-1]))
    return inner - whole


def candidates(hits: list[Hit]) -> list[Candidate]:
    out = []
    for hit in hits:
        chunk = hit.chunk
        for position, (start, end, text) in enumerate(chunk_sentences(chunk)):
            out.append(Candidate(hit, start, end, text, position))
    return out


def beyond_the_measure(key: set[str], identity: set[str], analysis: QueryAnalysis) -> set[str]:
    """What a question asks about besides naming the project, the measure (budget, number) and where
    the figure was given: empty for "Budget of Uudet kasvot?", which the project's total answers."""
    return key - identity - MEASURE_TERMS - SOURCE_TERMS - analysis.modifiers


# A form row's label: "Hakijan virallinen nimi: …", "Toimintalinja: 3. …".
ROW_LABEL_RE = re.compile(r"^([A-ZÅÄÖ][^:\t\n]{1,80}?):\s*\S")
FULL_DATE_RE = re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")
VERY_SHORT = 25
LENGTH_UNIT = 200
MAX_POSITION = 10


def without_identity(text: str, identity: set[str]) -> str:
    """The question without the words that only name its project ("What kind of unit is the
    Länsi-Pohja joint municipal authority setting up…" → "What kind of unit is the joint municipal
    authority setting up…"): what is asked, for comparing with sentences by meaning."""
    kept = []
    for token in re.findall(r"\w[\w'-]*|[^\w\s]", text):
        found = lemmas(token) if token[0].isalnum() else []
        if token[0].isalnum() and (token.lower() in identity or (found and found[0] in identity)):
            continue
        kept.append(token)
    return " ".join(kept)


def score_candidates(cands: list[Candidate], analysis: QueryAnalysis, index: IndexView,
                     named: set[str] | None = None, field_scores: dict[str, float] | None = None,
                     content_similarity: list[float] | None = None) -> None:
    """Describe every candidate by its features (assistant/scorer.py) and score it with the fitted
    models: cand.score ranks the candidates, cand.confidence decides refusal (assistant/scorer.py).
    `content_similarity`: per candidate, the cosine of its sentence and the question's content
    (core/sentence_vectors.py); 0 where not given."""
    key = {t for t in analysis.key_terms if index.knows(t)} or analysis.key_terms
    # Project names and places pick the project, which retrieval already did; in a sentence they
    # say little about whether it answers.
    identity = analysis.identity(index)
    weight = {t: index.idf(t) * (IDENTITY_WEIGHT if t in identity else
                                 MEASURE_WEIGHT if t in MEASURE_TERMS or t in analysis.answer_type
                                 else MODIFIER_WEIGHT if t in analysis.modifiers else 1.0) for t in key}
    total_idf = sum(weight.values()) or 1.0
    top_hit = max((c.hit.score for c in cands), default=1.0) or 1.0
    asked_units = question_units(analysis)
    # "Budget of X?" names no cost item, so the total answers it, not the first cost line.
    whole_wanted = analysis.wants_figure and not beyond_the_measure(key, identity, analysis)
    yes_no = bool(YES_NO_QUESTION_RE.match(analysis.text))
    # What the question asks about, beyond naming the project and the measure ("palkka" in "Mikä oli
    # Uudet kasvot -hankkeen projektipäällikön palkka?"): funding lines that share only the name do not answer.
    asked = key - identity - analysis.modifiers - MEASURE_TERMS
    named = named or set()
    field_scores = field_scores or {}
    similarity = content_similarity or [0.0] * len(cands)
    for cand, meaning in zip(cands, similarity):
        sentence_lemmas = text_lemmas(cand.text)
        if len(cand.text) < SHORT_SENTENCE or "\t" in cand.text:
            # "Suunniteltu: 465" or a form row means something only under its heading
            # (7.2 Osallistuvien henkilöiden…); a name line under "9.1 Missä aineisto säilytetään? ›
            # Lieksan kaupunki" needs the level above as well.
            sentence_lemmas |= text_lemmas(" ".join(cand.hit.chunk.section.split("›")[-HEADING_LEVELS:]))
        cand.matched = ((key & sentence_lemmas) - unpaired_ordinals(cand.text, analysis)) | (
            key & listed_ordinals(cand.text, analysis))
        # A term only inside the sentence's compounds as a first part ("Organisaatiotyyppi" for
        # "organisaatio") is about something else, as on the question's side.
        inner = _inner_parts(cand.text)
        cand.lexical = sum(weight[t] * (MODIFIER_WEIGHT if t in inner else 1.0) for t in cand.matched) / total_idf
        cand.figures = find_figures(cand.text, include_years=analysis.wants_date)
        cand.primary = primary_figure(cand, index, analysis.focus_place)
        figure_asked = analysis.wants_figure and bool(cand.figures)
        row_label = ROW_LABEL_RE.match(cand.text)
        has_date = bool(FULL_DATE_RE.search(cand.text))
        cand.features = {
            "lexical": cand.lexical,
            "retrieval": cand.hit.score / top_hit,
            "dense": cand.hit.dense_similarity,
            "keyword_first": float(cand.hit.keyword_rank == 0),
            "position": float(min(cand.position, MAX_POSITION)),
            "figure_asked": float(figure_asked),
            "figure_unasked": float(not analysis.wants_figure and bool(cand.figures)),
            "unit_mismatch": float(figure_asked and counts_something_else(cand, asked_units)),
            "total_asked": float(figure_asked and whole_wanted and bool(TOTAL_RE.search(cand.text))),
            # "Juuka 35" answers "in Juuka specifically"; "345 in all" does not
            "place_figure": float(figure_asked and bool(analysis.focus_place)
                                  and figure_follows_place(cand, analysis.focus_place)),
            "date_asked": float(analysis.wants_date and has_date),
            # "Toinen hankemuutos tehtiin vuonna 2022" answers "milloin"
            "year_asked": float(analysis.wants_date and not has_date and bool(YEAR_RE.search(cand.text))),
            "person_asked": float(analysis.wants_person and bool(NAME_RE.search(cand.text))),
            "name_asked": float(analysis.wants_name and names_something(cand.text, identity, analysis.wants_person)),
            # "…tehtiin keväällä 2022, sillä…" gives the reason a why-question asks
            "cause_asked": float(analysis.wants_explanation and bool(CAUSE_RE.search(cand.text))),
            "very_short": float(len(cand.text) < VERY_SHORT and not cand.figures),
            "boilerplate": float(bool(BOILERPLATE_RE.match(cand.text.strip()))),
            # "Hankkeen päätavoite on sukupuolten tasa-arvon edistäminen: Ei" is a form tick, not a goal
            "checkbox": float(bool(CHECKBOX_ROW_RE.search(cand.text)) and not yes_no),
            "form_row": float(bool(row_label) and "\t" not in cand.text),
            "table_row": float("\t" in cand.text),
            "field_match": field_scores.get(row_label.group(1).strip(), 0.0) if row_label else 0.0,
            "named_project": float(cand.hit.document.project in named),
            "length": len(cand.text) / LENGTH_UNIT,
            "heading_lexical": sum(weight[t] for t in key & text_lemmas(cand.hit.chunk.section)) / total_idf,
            "top_chunk": float(cand.hit.score >= top_hit),
            "asked_term": float(bool(asked & cand.matched)),
            "content_dense": meaning,
        }
    most = max((c.lexical for c in cands), default=0.0)
    scorer = load_scorer()
    for cand in cands:
        cand.features["most_lexical"] = float(cand.lexical >= most > 0)
    features = [c.features for c in cands]
    for cand, confidence, score in zip(cands, scorer.probabilities(features), scorer.rank_probabilities(features)):
        cand.confidence, cand.score = confidence, score


def _next_in_chunk(best: Candidate, cands: list[Candidate]) -> Candidate | None:
    return next((c for c in cands if c.hit.chunk.id == best.hit.chunk.id
                 and c.position == best.position + 1), None)


def _follower(sentence: Candidate, cands: list[Candidate]) -> Candidate | None:
    """The sentence that carries this one on: after a colon it may open the next chunk."""
    return _next_sentence(sentence, cands) if sentence.text.rstrip().endswith(":") else _next_in_chunk(sentence, cands)


def _next_sentence(best: Candidate, cands: list[Candidate]) -> Candidate | None:
    """The sentence after this one: in its chunk, or else the first of the document's next chunk
    (a list announced at a chunk's end goes on in the next one)."""
    following = _next_in_chunk(best, cands)
    if following is not None:
        return following
    chunk = best.hit.chunk
    after = [c for c in cands if c.hit.chunk.doc == chunk.doc and c.position == 0 and c.start >= best.end
             and c.hit.chunk.start >= chunk.end - 1]
    return min(after, key=lambda c: c.start, default=None)


NAME_LABEL_RE = re.compile(r"^[^:\t]{0,40}?\b\w*(nimi|name)\b", re.I)


def names_something(text: str, identity: set[str], person: bool) -> bool:
    """A form line that gives a name: "Hakijan virallinen nimi: …", "Tuensaajan nimi Lieksan kaupunki";
    not the project's own name ("Hankkeen nimi: Uudet kasvot"), which the question already gave,
    and a person's name only when a person is asked ("Yhteyshenkilön nimi Raija Schroderus")."""
    match = NAME_LABEL_RE.match(text)
    if not match:
        return False
    value_text = text[match.end():].strip(" :\t")
    value = {lemmas(w)[0] for w in words(value_text) if not w[:1].isdigit()}
    if not value - identity:
        return False
    names_a_person = bool(NAME_RE.fullmatch(value_text.split("\t")[0].strip())) and looks_like_person(
        value_text.split("\t")[0].strip())
    return names_a_person == person


BULLET_RE = re.compile(r"^\s*[-–•*]\s")


def announces_list(sentence: Candidate, follower: Candidate | None) -> bool:
    """"…joita ovat:" or "hankkeen tavoitteena on" followed by "- kehittää …" lines."""
    text = sentence.text.rstrip()
    return text.endswith(":") or (follower is not None and bool(BULLET_RE.match(follower.text))
                                  and not re.search(r"[.!?]$", text))


EXPLANATION_FOLLOWERS = 3
# Cardinals as Voikko lemmatises them ("kolmeen osaan" → kolme) and their English words.
NUMBER_WORDS = {"kaksi": 2, "kolme": 3, "neljä": 4, "viisi": 5, "kuusi": 6, "seitsemän": 7, "kahdeksan": 8,
                "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
MAX_LIST_ITEMS = 8
# "Hankkeella on kaksi päätavoitetta.": a sentence this short that counts things introduces them.
ANNOUNCING_MAX_WORDS = 8


def counted_items(sentence: Candidate) -> int:
    """The number of things a short sentence counts in words, which it then lists ("Hankkeella on
    kaksi päätavoitetta.", "Tavoite jakautuu kolmeen osaan:"); 0 when it counts none."""
    tokens = words(sentence.text)
    if len(tokens) > ANNOUNCING_MAX_WORDS:
        return 0
    counted = [NUMBER_WORDS[lemma] for token in tokens for lemma in lemmas(token.lower())[-1:]
               if lemma in NUMBER_WORDS]
    return counted[0] if len(counted) == 1 else 0


def announced_items(sentence: Candidate, cands: list[Candidate], follower: Candidate | None) -> list[Candidate]:
    """The items the sentence says come next: as many sentences of its paragraph as it counts, or
    the lines of a list it opens ("…joita ovat:", each item on a line of its own, MAX_LIST_ITEMS at
    most). A blank line ends both; only the first item may open the next chunk."""
    counted = counted_items(sentence)
    if not counted and not announces_list(sentence, follower):
        return []
    items: list[Candidate] = []
    current = sentence
    while len(items) < (counted or MAX_LIST_ITEMS):
        following = _next_sentence(current, cands) if not items else _next_in_chunk(current, cands)
        if following is None:
            break
        chunk = current.hit.chunk
        if following.hit.chunk.id == chunk.id:
            between = chunk.text[current.end - chunk.start:following.start - chunk.start]
            if "\n\n" in between or (not counted and "\n" not in between):
                break
        items.append(following)
        current = following
    return items


def paragraph_followers(sentence: Candidate, cands: list[Candidate], limit: int) -> list[Candidate]:
    """Up to `limit` sentences after this one in its chunk, as long as the paragraph goes on."""
    chunk = sentence.hit.chunk
    followers: list[Candidate] = []
    current = sentence
    while len(followers) < limit:
        following = _next_in_chunk(current, cands)
        if following is None or "\n" in chunk.text[current.end - chunk.start:following.start - chunk.start]:
            break
        followers.append(following)
        current = following
    return followers


def select(cands: list[Candidate], analysis: QueryAnalysis, count: int = 3) -> list[Candidate]:
    """The best sentence, the one after it, and the best one from another document or chunk."""
    if not cands:
        return []
    ranked = sorted(cands, key=lambda c: -c.score)
    best = ranked[0]
    # A sentence beyond the best one is shown only when the model finds it probable evidence too.
    follows = load_scorer().follows(best.score)
    chosen = [best]
    follower = _follower(best, cands)
    # The next sentence carries on the best one (a label's value, the rest of a list), but only
    # when it is about the question too, or when the best one announces it ("…joita ovat:").
    items = [] if analysis.wants_count else announced_items(best, cands, follower)
    if items:
        # The items the best sentence announces are the answer: all of them, however many.
        chosen += items
        count = max(count, len(chosen))
    elif analysis.wants_explanation:
        # The reasons or effects follow the sentence that names the topic, in the same paragraph.
        chosen += paragraph_followers(best, cands, EXPLANATION_FOLLOWERS)
        count = max(count, len(chosen))
    elif follower and follower.score >= follows:
        chosen.append(follower)
        # The follower may be what announces the items ("…potentiaali on…. Tavoite jakautuu kolmeen osaan:").
        items = [] if analysis.wants_count else announced_items(follower, cands, _follower(follower, cands))
        chosen += items
        count = max(count, len(chosen)) if items else count
    other_doc = next((c for c in ranked[1:] if c.hit.chunk.doc != best.hit.chunk.doc and c.score >= follows), None)
    for extra in [other_doc] + ranked[1:]:
        if len(chosen) >= count:
            break
        if extra is None or any(extra is c or extra.text == c.text for c in chosen):
            continue
        if extra.score >= follows:
            chosen.append(extra)
    return chosen


def figure_follows_place(cand: Candidate, place: str) -> bool:
    return any(place in lemmas(m.group(0)) and any(0 <= f.start - m.end() <= FOCUS_REACH for f in cand.figures)
               for m in re.finditer(r"\w+", cand.text))


def primary_figure(cand: Candidate, index: IndexView | None = None, focus: str | None = None) -> Figure | None:
    """The number the sentence says about the question: the one right after the place the question
    singles out ("Lieksassa 90 ja Juuassa 17" for Juuka), else the one nearest the rarest matched terms."""
    if not cand.figures:
        return None
    if focus is not None:
        for match in re.finditer(r"\w+", cand.text):
            if focus in lemmas(match.group(0)):
                after = [f for f in cand.figures if 0 <= f.start - match.end() <= FOCUS_REACH]
                if after:
                    return after[0]
    weighted = []
    for match in re.finditer(r"\w+", cand.text):
        terms = text_lemmas(match.group(0)) & cand.matched
        if terms:
            weight = max(index.idf(t) for t in terms) if index is not None else 1.0
            weighted.append((match.start(), weight))
    if not weighted:
        return cand.figures[0]
    def closeness(figure: Figure) -> float:
        score = sum(w / (1 + abs(figure.start - p) / 10) for p, w in weighted)
        # "345 (Lieksa 310, Juuka 35) lääkäriaikaa": the figures in brackets are a breakdown.
        inside_brackets = cand.text.rfind("(", 0, figure.start) > cand.text.rfind(")", 0, figure.start)
        return score * (BREAKDOWN_WEIGHT if inside_brackets else 1.0)

    return max(cand.figures, key=closeness)


UNIT_WORDS = {"henkilö": "persons", "ihminen": "persons", "osallistuja": "persons", "asiakas": "persons",
              "työnhakija": "persons", "yritys": "companies", "työnantaja": "companies", "euro": "EUR",
              "päivä": "days"}


def units_of(terms: set[str]) -> set[str]:
    """The kinds of thing these lemmas count: {"osallistuja", "yritys"} → {"persons", "companies"}."""
    return {UNIT_WORDS[t] for t in terms if t in UNIT_WORDS}


def figure_unit(cand: Candidate) -> str:
    """What the sentence's number counts (persons, companies, EUR…), from the words after it or,
    for a bare label line ("Suunniteltu: 465"), from its section heading."""
    if cand.primary is None:
        return ""
    end = cand.primary.start + len(cand.primary.text)
    if cand.primary.unit in ("€", "euroa", "e"):
        return "EUR"
    if cand.primary.unit == "%":
        return "%"
    following = words(re.sub(r"^\s*\([^)]*\)", "", cand.text[end:]))[:2]
    for word in following:
        for lemma in lemmas(word):
            if lemma in UNIT_WORDS:
                return UNIT_WORDS[lemma]
    if following and is_noun(following[0]):
        return "noun:" + lemmas(following[0])[0]  # "345 lääkäriaikaa" counts appointments, not people
    if len(cand.text) < SHORT_SENTENCE or "\t" in cand.text:
        # A label line or table row counts what its heading names; a row of a cost or funding
        # table (EURA's "Kustannusarvion ja rahoitussuunnitelman toteuma") counts euros.
        label = cand.text[:cand.primary.start]
        for word in words(cand.hit.chunk.section.split("›")[-1]) + words(label):
            for lemma in lemmas(word):
                if lemma in UNIT_WORDS:
                    return UNIT_WORDS[lemma]
                if lemma in MONEY_TERMS:
                    return "EUR"
    return ""


MONEY_TERMS = {"kustannus", "budjetti", "rahoitus", "maksaa", "hinta", "kustannusarvio", "ostopalvelu", "palkka",
               "palkkakustannus"}
SHARE_TERMS = {"osuus", "prosentti"}


def asked_terms(analysis: QueryAnalysis) -> set[str]:
    """The question's terms that name what it asks, not what modifies it. Heads only:
    "kustannusmalli" (the cost model) asks for a model, not for euros."""
    return (analysis.key_terms | analysis.lemmas) - analysis.modifiers


def question_units(analysis: QueryAnalysis) -> set[str]:
    """What the question's figure counts (persons, companies, EUR, %, days), from its words (English
    ones through their glossary translations, which are in the key terms). A cost or funding
    question wants euros, unless it asks for a share ("rahoitusosuus", "what percentage")."""
    terms = asked_terms(analysis)
    units = units_of(terms)
    if terms & SHARE_TERMS:
        units.add("%")
    elif terms & MONEY_TERMS:
        units.add("EUR")
    return units


def asks_percentage(analysis: QueryAnalysis) -> bool:
    """A percentage or rate is asked outright ("prosenttia", "what percentage", "rate"). A share alone
    is not one: "paljonko siitä on EU-ohjelman osuutta" is answered in euros ("osuus … on 320 000 euroa")."""
    return "prosentti" in asked_terms(analysis)


def answer_kind(analysis: QueryAnalysis) -> str:
    """What the question asks for, which decides how sure its answer must be (assistant/scorer.py):
    "figure" for how much / how many and for a sum of money named by its words (a salary, a cost),
    "date" for when, else "other"."""
    if analysis.wants_figure or analysis.wants_count or "EUR" in question_units(analysis):
        return "figure"
    return "date" if analysis.wants_date else "other"


def counts_something_else(cand: Candidate, asked_units: set[str]) -> bool:
    """The sentence's number counts a different kind of thing than the question asks about."""
    if not asked_units or cand.primary is None:
        return False
    unit = figure_unit(cand)
    if "EUR" in asked_units and unit.startswith("noun:"):
        return True  # "1768 toimenpidettä" counts measures; a cost question wants a sum
    if asked_units == {"%"}:
        return unit != "%"  # a share is answered by a percentage, not by the count next to it
    return unit in set(UNIT_WORDS.values()) | {"%"} and unit not in asked_units


def unpaired_ordinals(text: str, analysis: QueryAnalysis) -> set[str]:
    """The question's ordinals that this sentence uses of something else: "toisen työnantajan"
    (another employer) does not answer "toinen hankemuutos" (the second amendment)."""
    if not analysis.ordinals:
        return set()
    tokens = words(text)
    unpaired = set()
    for ordinal, nouns in analysis.ordinals:
        positions = [i for i, w in enumerate(tokens) if not w[:1].isdigit() and ordinal in lemmas(w)]
        if not any(nouns & {l for w in tokens[i + 1:i + 1 + ORDINAL_REACH] for l in related_lemmas(w)}
                   for i in positions):
            unpaired.add(ordinal)
    return unpaired


def listed_ordinals(text: str, analysis: QueryAnalysis) -> set[str]:
    """A sentence that opens a list of the counted things ("Hankkeen tavoitteena on" and then
    "- kehittää …" lines) holds them in order: "ensimmäinen tavoite" is its first item."""
    # A form row ("Erityistavoite: 6.1. Nuorten…") gives one value; it opens no list.
    if not analysis.ordinals or re.search(r"[.!?]\s*$", text) or re.match(r"^[^:\t]{1,80}:\s*\S", text):
        return set()
    sentence_lemmas = {l for w in words(text) for l in related_lemmas(w)}
    return {ordinal for ordinal, nouns in analysis.ordinals if nouns & sentence_lemmas}
