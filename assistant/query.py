"""What a question asks: its language, its key terms in Finnish lemmas, and whether it wants a figure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.glossary import finnish_synonyms, finnish_terms, glossary_phrases
from core.text_analysis import (ENGLISH_WORDS, derivation_bases, finnishness, is_finnish_word, lemmas,
                                word_classes, words)

FINNISH_STOP_LEMMAS = {
    "mikä", "mitä", "kuka", "ketkä", "missä", "milloin", "miten", "miksi", "montako", "moni", "paljonko",
    "kuinka", "paljon", "olla", "ja", "tai", "sekä", "se", "ne", "tämä", "tuo", "hän", "he", "oma",
    "kun", "jos", "että", "kuin", "mutta", "myös", "vain", "ei", "eli", "entä", "siis", "sitten",
    "hanke", "hankkeessa", "mikäli", "saada", "tehdä", "voida", "kertoa", "asiakirja", "dokumentti", "paljo",
}
# English function words: they name nothing ("International talents in Kanta-Häme" is not named by "in").
ENGLISH_STOP_WORDS = {"the", "of", "and", "or", "in", "a", "an", "to", "for", "by", "with", "on", "at", "its"}
# "kokonaiskustannukset" is "kustannukset yhteensä": Voikko splits "kokonais" into "koko" + "nainen",
# and the documents write the total as a "yhteensä" row.
TOTAL_COMPOUND_RE = re.compile(r"\bkokonais(?=(kustann|budjet|rahoitu|määr|summ|hin[nt]))", re.I)
FIGURE_CUES_EN = re.compile(r"\b(how (much|many|long)|what (did|does) .* cost|number of|amount|budget|"
                            r"percentage|share|total|count|sum|funding|figure|rate)\b", re.I)
# Money words also as the last part of a compound: kokonaiskustannukset, hankebudjetti, EU-rahoitus.
# "Hankkeen oli määrä päättyä" (was due to end): "määrä" after a form of "olla" is a modal construction.
FIGURE_CUES_FI = re.compile(r"\b(paljonko|montako|kuinka (paljon|moni|monta|pitkä)|(?<!\bon )(?<!\boli )(?<!\bolisi )määrä|summa|"
                            r"\w*(budjet|rahoitu|kustann|hinta|hinna)\w*|maksoi\w*|maksaa|osuus|prosent|lukumäärä|"
                            r"euroa)", re.I)
DATE_CUES = re.compile(r"\b(when|milloin|date|päivämäärä|alkoi|päättyi|start|end|minä päivänä)\b", re.I)
# "How long did it run?", "Kuinka kauan hanke kesti?": a duration, which the period's dates answer
# ("Alkaa 1.4.2015 ja päättyy 31.12.2015"); not an amount.
DURATION_CUES = re.compile(r"\b(how long (did|does|do|was|were|will|has|had)|kuinka kauan|kauanko|"
                           r"(kuinka|miten) pitkään|kuinka pitkän ajan)\b", re.I)
PERSON_CUES = re.compile(r"\b(who|kuka|ketkä|kenen|contact|yhteyshenkilö)\b", re.I)
# A count ("how many") is answered only by a number; "how much" may be answered by a sentence.
COUNT_CUES = re.compile(r"\b(how many|number of|montako|monta|kuinka moni|kuinka monta|moniko|lukumäärä)", re.I)
# Asking what was realised ("lopulta toteutui") is not asking what was planned, unless both are asked.
REALISED_CUES = re.compile(r"\b(toteutu\w*|lopulta|lopuksi|actual(ly)?|reali[sz]ed|in the end|eventually|achieved)\b",
                           re.I)
# "Why…", "How did X affect Y": the answer is the reasons or effects, which a report gives in the
# sentences after the one naming the topic.
EXPLANATION_CUES = re.compile(r"\b(why|miksi|minkä takia|mistä syystä|reasons?|syy\w*|how did .{0,60}\b(affect|impact)\w*|"
                              r"miten .{0,60}\bvaikutti|millä tavoin .{0,60}\bvaikutti|mitä vaikutuksia)", re.I)
PLANNED_CUES = re.compile(r"\b(suunnit\w*|plan\w*|tavoit\w*|target\w*|goal\w*|aim\w*)", re.I)


@dataclass
class QueryAnalysis:
    text: str
    language: str
    finnishness: float
    lemmas: set[str] = field(default_factory=set)
    keyword_query: list[str] = field(default_factory=list)
    key_terms: set[str] = field(default_factory=set)
    proper_nouns: list[str] = field(default_factory=list)
    wants_figure: bool = False
    wants_date: bool = False
    wants_person: bool = False
    wants_count: bool = False
    wants_realised: bool = False
    # Non-final parts of the question's compounds ("projekti" of "projektipäällikkö"): a sentence that
    # shares only these is about something else.
    modifiers: set[str] = field(default_factory=set)
    # An ordinal and the lemmas of the noun it counts: "toinen hankemuutos" → ("toinen", {"hankemuutos", "muutos"}).
    ordinals: list[tuple[str, set[str]]] = field(default_factory=list)
    # "Mikä organisaatio haki…": the noun after the question word names the kind of answer; a
    # sentence containing the word itself ("Organisaatiotyyppi") is not thereby the answer.
    answer_type: set[str] = field(default_factory=set)
    # "According to the registry form": the document to read, not what is asked.
    source: set[str] = field(default_factory=set)
    wants_name: bool = False
    wants_explanation: bool = False
    # The one municipality a question singles out ("in Juuka specifically"); set with the index's places.
    focus_place: str | None = None
    # What a "how many" question counts: "Montako kalastajaa…" → {"kalastaja"}, "How many Ukrainians…"
    # → {"ukrainalainen"}. Empty when the question does not say.
    counted: set[str] = field(default_factory=set)
    # Every lemma, part and base of the words that spell a project's name in this question
    # ("Työllisyyspalveluiden kehittämishanketta" → työllisyys, palvelu, kehittää…): here they only name it.
    name_terms: set[str] = field(default_factory=set)
    # The projects the question is about (named, meant, or its best passages'); None before resolution.
    projects: set[str] | None = None

    def identity(self, index) -> set[str]:
        """The words that only name this question's projects: they pick the project, not the answer."""
        return index.identity_terms(self.projects) | self.name_terms


ENGLISH_ORDINALS = {"first": "ensimmäinen", "second": "toinen", "third": "kolmas", "fourth": "neljäs",
                    "fifth": "viides", "last": "viimeinen"}
ORDINAL_REACH = 2  # "the second project amendment": the noun may come a word later


def ordinal_lemma(word: str, language: str) -> str | None:
    """The Finnish lemma of an ordinal ("toisessa" → "toinen", "second" → "toinen"), else None."""
    lowered = word.lower()
    if language == "en":
        return ENGLISH_ORDINALS.get(lowered)
    if "lukusana" not in word_classes(word):
        return None
    lemma = lemmas(word)[0]
    return lemma if lemma.endswith(("nen", "s")) else None  # cardinals (kaksi, kolme) count, not order


def _noun_terms(word: str, language: str) -> set[str]:
    if language == "en":
        return set(finnish_terms(word.lower()))
    return {lemma for piece in re.split(r"[-–]", word) if piece for lemma in lemmas(piece)} - FINNISH_STOP_LEMMAS


def ordinal_pairs(tokens: list[str], language: str) -> list[tuple[str, set[str]]]:
    """Each ordinal of the question with the noun it counts. "Toinen" alone matches "toisen
    työnantajan" (another employer); only "toinen … hankemuutos" answers "the second amendment"."""
    pairs = []
    for position, word in enumerate(tokens):
        ordinal = ordinal_lemma(word, language)
        if ordinal is None:
            continue
        for following in tokens[position + 1:position + 1 + ORDINAL_REACH]:
            terms = _noun_terms(following, language)
            if terms:
                pairs.append((ordinal, terms))
                break
    return pairs


QUESTION_WORDS = {"mikä", "mitkä", "mitä", "minkä", "which", "what"}
# The answer is then the name of an organisation: "Mikä organisaatio / taho haki…", "Which organisation…".
ORGANISATION_TERMS = {"organisaatio", "taho", "tuensaaja", "hakija", "toteuttaja", "yhteisö", "virasto"}


def answer_type_terms(tokens: list[str], language: str) -> set[str]:
    """Lemmas of the noun right after the question word: "Mikä organisaatio…" → {"organisaatio"}."""
    for position, word in enumerate(tokens[:-1]):
        if word.lower() not in QUESTION_WORDS:
            continue
        following = tokens[position + 1]
        if following[:1].isupper() or following.lower() in ENGLISH_WORDS - {"project"}:
            return set()  # "Which Lieksa project…", "What was…": no kind named
        if language == "en":
            return set(finnish_terms(following.lower()))
        return set(lemmas(following)) if "nimisana" in word_classes(following) else set()
    return set()


COUNT_WORD_RE = re.compile(r"\b(?:how many|montako|moniko|kuinka (?:monta|moni)|minkä verran)\s+(\w+)(?:\s+(\w+))?",
                           re.I)


def counted_terms(question: str, language: str) -> set[str]:
    """The lemmas of the noun a count question asks about (an adjective before it is skipped:
    "how many new companies" counts companies)."""
    match = COUNT_WORD_RE.search(question)
    if not match:
        return set()
    for word in (w for w in match.groups() if w):
        if language == "en":
            found = set(finnish_terms(word.lower()))
        else:
            found = set(lemmas(word)) if "nimisana" in word_classes(word) else set()
        if found:
            return found - FINNISH_STOP_LEMMAS
    return set()


# "According to the registry form, …", "Hankekuvauksen mukaan …": the words that name where the answer
# is written, not what is asked.
SOURCE_EN_RE = re.compile(r"\baccording to (?:the |its |their )?((?:[\w'’-]+ ?){1,3}?)(?=[,?.]|$| (?:what|which|who|how|when|is|are|was|were|did|does|do)\b)",
                          re.I)
SOURCE_FI_RE = re.compile(r"(\w+n) mukaan\b", re.I)


def source_terms(question: str, language: str) -> set[str]:
    """The terms of a phrase that says which document to read ("according to the registry form")."""
    found: set[str] = set()
    pattern = SOURCE_EN_RE if language == "en" else SOURCE_FI_RE
    for match in pattern.finditer(question):
        for word in words(match.group(1)):
            found.update(finnish_terms(word.lower()) if language == "en" else lemmas(word))
    return found - FINNISH_STOP_LEMMAS


def preamble_terms(question: str, language: str) -> set[str]:
    """Terms only in the sentences before the asking one: "X piti kokeilla jo vuonna 2021. Milloin X
    lopulta alkoi?" states the plan as context; the sentence that repeats it is not the answer."""
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", question.strip()) if part]
    if len(sentences) < 2:
        return set()

    def terms(text: str) -> set[str]:
        found: set[str] = set()
        for word in words(text):
            found.update(finnish_terms(word.lower()) if language == "en" else lemmas(word))
        return found

    return terms(" ".join(sentences[:-1])) - terms(sentences[-1])


def language_text(question: str, names: set[str]) -> str:
    """The question without the words of project names: "budget of Kohti työtä ja koulutusta?" is
    an English question, though four of its six words are Finnish. A question that is nothing but
    a name keeps it."""
    kept = [w for w in words(question) if w.lower() not in names]
    return " ".join(kept) if any(not w[:1].isdigit() for w in kept) else question


def name_terms_of(tokens: list[str], names: set[str]) -> set[str]:
    """Every lemma, part and base of the question's words that spell a word of these project names."""
    name_lemmas = {lemmas(n)[0] for n in names}
    found: set[str] = set()
    for word in tokens:
        if not word[:1].isdigit() and lemmas(word)[0] in name_lemmas:
            found.update(lemmas(word) + derivation_bases(word))
    return found


def analyse(question: str, names: set[str] | None = None) -> QueryAnalysis:
    """`names`: the lower-cased words of the indexed projects' names, left out when telling the
    question's language."""
    question = TOTAL_COMPOUND_RE.sub("yhteensä ", question)
    fin = finnishness(language_text(question, names or set()))
    language = "fi" if fin > 0.5 else "en"
    all_lemmas: set[str] = set()
    key: set[str] = set()
    proper: list[str] = []
    tokens = words(question)
    # "…vuonna 2021. Milloin…": a capital after a full stop starts a sentence; it is not a name.
    sentence_starts = {m.group(1) for m in re.finditer(r"[.!?]\s+(\w+)", question)}
    keyword_query: list[str] = []
    heads: set[str] = set()
    parts: set[str] = set()
    name_terms = name_terms_of(tokens, names or set())
    phrases = glossary_phrases(tokens) if language == "en" else {}
    for position, word in enumerate(tokens):
        lowered = word.lower()
        if word[:1].isdigit():
            key.add(lemmas(word)[0])
            keyword_query.append(lemmas(word)[0])
            continue
        if position > 0 and word[:1].isupper() and lowered not in ENGLISH_WORDS and word not in sentence_starts:
            proper.append(word)
        translated = (phrases[position] if position in phrases else finnish_terms(lowered)) if language == "en" else ()
        if position in phrases and not translated:
            continue  # a later word of a phrase translated at its first word
        if language == "en" and tokens[position + 1:position + 2] == ["up"]:
            translated = ()  # "end up", "set up", "take up": not the verb's own sense
        if language == "en" and lowered in ENGLISH_WORDS and not translated:
            continue
        pieces = [p for p in re.split(r"[-–]", word) if p]
        word_lemmas = {lemma for piece in pieces for lemma in lemmas(piece)}
        if language == "fi":
            word_lemmas |= finnish_synonyms(word_lemmas)
        for piece in pieces:
            found = lemmas(piece)
            heads.update(found[:1] + found[-1:])  # the base form and the compound's last part
            parts.update(found[1:-1])
        all_lemmas |= word_lemmas
        # BM25 sees only Finnish words: English words would match the one English summary.
        if translated:
            keyword_query.extend(translated)
        elif language == "fi" or is_finnish_word(word):
            keyword_query.extend(word_lemmas)
        if translated:
            key.update(translated)
        elif language == "en" and not is_finnish_word(word) and word not in proper:
            continue  # an English word we cannot translate would only match the English summary
        elif not {lemmas(piece)[0] for piece in pieces} & FINNISH_STOP_LEMMAS:
            # The word's base form decides: "hankemuutos" is a key term though its part "hanke" is not.
            key.update(word_lemmas - FINNISH_STOP_LEMMAS)
            # "säilytyksen" also matches a heading that says "säilytetään"
            key.update(base for piece in pieces for base in derivation_bases(piece))
    ordinals = ordinal_pairs(tokens, language)
    answer_type = answer_type_terms(tokens, language)
    duration = bool(DURATION_CUES.search(question))
    wants_figure = bool(FIGURE_CUES_FI.search(question) or FIGURE_CUES_EN.search(question)) and not duration
    wants_realised = bool(REALISED_CUES.search(question)) and not PLANNED_CUES.search(question)
    return QueryAnalysis(question, language, fin, all_lemmas, keyword_query, key - FINNISH_STOP_LEMMAS, proper,
                         wants_figure, bool(DATE_CUES.search(question)) or duration, bool(PERSON_CUES.search(question)),
                         wants_count=bool(COUNT_CUES.search(question)), wants_realised=wants_realised,
                         modifiers=(parts - heads) | preamble_terms(question, language),
                         ordinals=ordinals, answer_type=answer_type, source=source_terms(question, language),
                         wants_name=bool(PERSON_CUES.search(question)) or bool(answer_type & ORGANISATION_TERMS),
                         name_terms=name_terms, wants_explanation=bool(EXPLANATION_CUES.search(question)),
                         counted=counted_terms(question, language))
