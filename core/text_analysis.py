"""Finnish-aware tokens: lemmas and compound parts for BM25, and how Finnish a text is.

Voikko gives real lemmas (Juuassa → juuka) and compound parts (lääkäripalveluiden →
lääkäripalvelu, lääkäri, palvelu). When the Voikko library or its dictionary is missing we fall
back to simplemma, which is weaker on consonant gradation and place names.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

WORD_RE = re.compile(
    r"[^\W\d_]+\d+\w*"  # codes are one word: S21712, TE2024 (not "s" and the number 21712)
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?"  # Finnish thousands: 1 137 380,50
    r"|\d+(?:[,.]\d+)*"
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*",
    re.UNICODE,
)

ENGLISH_WORDS = frozenset(
    """a an the of in on at to for from by with and or but not no is are was were be been being do
    does did done has have had what which who whom whose when where why how much many did it its
    this that these those there their they them he she his her we our you your i me my can could
    would should will shall may might must than then so as if about into over under between during
    after before also only most more less any all each both other such same project projects
    budget cost costs funding goal goals result results number amount total planned realised
    realized participants companies company people year years month report final description
    press release say said tell show give list please according documents document specifically actually
    mainly really exactly got get gets happened happen versus compare compared differ differs difference
    reports did does within across per""".split()
)

# Calendar words: capitalised in English, but no name of anything the documents might lack.
ENGLISH_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                  "october", "november", "december")

# Finnish inflects a name the lexicon lacks by adding the case ending to it: "LUTin", "Xamkin",
# "SATTUKOssa" (genitive -n/-in/-en, partitive, the local cases, essive, translative, illative).
FINNISH_CASE_ENDINGS = ("seen", "ssa", "ssä", "sta", "stä", "lla", "llä", "lta", "ltä", "lle", "ksi", "han", "hen",
                        "hin", "hon", "hun", "iin", "in", "en", "na", "nä", "ta", "tä", "n", "a", "ä")
MIN_NAME_STEM = 3
ACRONYM_INFLECTED_RE = re.compile(r"([A-ZÅÄÖ]{2,})([a-zåäö]{1,4})")


class _SerialVoikko:
    """One Voikko handle, used by one thread at a time: libvoikko handles are not thread-safe, and the
    web server answers questions on many threads at once (unguarded calls crashed it under load)."""

    def __init__(self, handle):
        self._handle = handle
        self._lock = threading.Lock()

    def analyze(self, word: str) -> list[dict]:
        with self._lock:
            return self._handle.analyze(word)

    def spell(self, word: str) -> bool:
        with self._lock:
            return self._handle.spell(word)


@lru_cache(maxsize=1)
def _voikko() -> _SerialVoikko | None:
    try:
        import libvoikko

        return _SerialVoikko(libvoikko.Voikko("fi"))
    except Exception:  # library or dictionary missing: the fallback takes over
        return None


def lemmatizer_name() -> str:
    return "voikko" if _voikko() is not None else "simplemma"


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def normalise_number(token: str) -> str:
    return re.sub(r"[ \u00a0\u202f]", "", token)


def _components(analysis: dict, word: str) -> list[str]:
    """The word's surface split at Voikko's component boundaries ("=" in STRUCTURE, one other
    character per letter): "vastuuviranomainen" → vastuu, viran, omainen."""
    components: list[str] = []
    current = ""
    position = 0
    for mark in analysis.get("STRUCTURE", ""):
        if mark == "=":
            if current:
                components.append(current)
            current = ""
        elif position < len(word):
            current += word[position]
            position += 1
    if current:
        components.append(current)
    return components


@lru_cache(maxsize=50_000)
def compound_heads(word: str) -> tuple[str, ...]:
    """Base forms of a compound's tails that are words themselves: the head of "vastuuviranomainen"
    is "viranomainen", which Voikko splits further (viran + omainen), so neither the whole word nor
    its parts meet a question asking "Mikä viranomainen…"."""
    voikko = _voikko()
    if voikko is None:
        return ()
    analyses = voikko.analyze(word)[:1]
    components = _components(analyses[0], word) if analyses else []
    found: list[str] = []
    for start in range(1, len(components) - 1):
        tail = voikko.analyze("".join(components[start:]))[:1]
        base = tail[0].get("BASEFORM", "").lower() if tail else ""
        if base and base not in found:
            found.append(base)
    return tuple(found)


def _compound_parts(analysis: dict, word: str) -> list[str]:
    """Compound parts of a word from Voikko's analysis.

    STRUCTURE marks component boundaries with "=" (one other character per letter of the word);
    WORDBASES gives the base of each non-derivational piece ("+ost(ostaa)(+o)+o+palvel(palvella)…").
    ostopalvelut → osto, palvelu; lääkäripalveluiden → lääkäri, palvelu.
    """
    components = _components(analysis, word)
    if len(components) < 2:
        return []
    bases = {surface.lower(): base.lower() for surface, base
             in re.findall(r"\+([^+(]*)\(([^)+][^)]*)\)", analysis.get("WORDBASES", ""))}
    baseform = analysis.get("BASEFORM", "").lower()
    parts: list[str] = []
    prefix = ""
    for index, component in enumerate(components):
        surface = component.lower()
        if index == len(components) - 1:
            part = baseform[len(prefix):] if baseform.startswith(prefix) else surface
        else:
            part = bases.get(surface, surface)
        prefix += surface
        parts.append(part.strip("-"))
    return [p for p in parts if len(p) > 1]


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Lemmas of one word: its base form(s) and compound parts, lower-cased."""
    lowered = word.lower()
    if lowered[:1].isdigit():
        return (normalise_number(lowered),)
    voikko = _voikko()
    if voikko is None:
        import simplemma

        return (simplemma.lemmatize(lowered, lang="fi").lower(),)
    found: list[str] = []
    for analysis in voikko.analyze(word)[:2]:
        base = analysis.get("BASEFORM", "").lower()
        if base and base not in found:
            found.append(base)
        for part in _compound_parts(analysis, word):
            if part not in found:
                found.append(part)
    return tuple(found) or (lowered,)


def case_stems(word: str) -> tuple[str, ...]:
    """What an unknown name may be without a Finnish case ending, lower-cased: "SATTUKOssa" →
    "sattuko" (an acronym's capitals end where the ending starts), "Xamkin" → "xamki", "xamk"."""
    acronym = ACRONYM_INFLECTED_RE.fullmatch(word)
    if acronym:
        return (acronym.group(1).lower(),)
    lowered = word.lower()
    return tuple(lowered[:-len(e)] for e in FINNISH_CASE_ENDINGS
                 if lowered.endswith(e) and len(lowered) - len(e) >= MIN_NAME_STEM)


def base_forms(word: str) -> tuple[str, ...]:
    """The base form of each of Voikko's readings of a word, without compound parts: "kesti" is the
    noun "kesti" or the verb "kestää" (it lasted)."""
    voikko = _voikko()
    if voikko is None:
        return lemmas(word)[:1]
    found = [a.get("BASEFORM", "").lower() for a in voikko.analyze(word)]
    return tuple(dict.fromkeys(b for b in found if b)) or lemmas(word)[:1]


@lru_cache(maxsize=200_000)
def derivation_bases(word: str) -> tuple[str, ...]:
    """The verbs a word is derived from, by Voikko's WORDBASES: hakija ← hakea,
    saapumispäivämäärä ← saapua, säilytys ← säilyttää, kokeiltu ← kokeilla.

    Why: a question asks with the verb ("Kuka haki…", "Milloin raportti saapui?") where the form
    has the noun ("Hakijan virallinen nimi", "Saapumispäivämäärä"), and the other way round;
    plain lemmas never meet. Only verbs count: compound parts are already in `lemmas`. And the noun
    an -inen adjective is made of: "minkä tyyppinen organisaatio" asks for the organisation's type
    (tyyppinen ← tyyppi, "Organisaatiotyyppi"), "minkä kokoinen" for a size (kokoinen ← koko).
    """
    voikko = _voikko()
    if voikko is None or word[:1].isdigit():
        return ()
    found: list[str] = []
    for analysis in voikko.analyze(word)[:2]:
        baseform = analysis.get("BASEFORM", "").lower()
        for base in re.findall(r"\(([^)+][^)]*)\)", analysis.get("WORDBASES", "")):
            base = base.lower()
            denominal = analysis.get("WORDBASES", "").endswith("+inen(+inen)") and "nimisana" in word_classes(base)
            if base != baseform and base not in found and ("teonsana" in word_classes(base) or denominal):
                found.append(base)
    return tuple(found)


def related_lemmas(word: str) -> tuple[str, ...]:
    """`lemmas` plus the verbs the word derives from (for matching questions to sentences)."""
    found = lemmas(word)
    return found + tuple(b for b in derivation_bases(word) if b not in found)


def is_place_name(word: str) -> bool:
    voikko = _voikko()
    if voikko is None:
        return word[:1].isupper()
    return any(a.get("CLASS") == "paikannimi" for a in voikko.analyze(word))


@lru_cache(maxsize=50_000)
def word_classes(word: str) -> frozenset[str]:
    voikko = _voikko()
    if voikko is None:
        return frozenset()
    return frozenset(a.get("CLASS", "") for a in voikko.analyze(word))


# English modals of what would or could happen ("could find jobs"); Finnish says it with the
# conditional mood ("voisi työllistyä", "työllistyisi").
ENGLISH_HYPOTHETICAL = {"could", "would", "might"}


def is_hypothetical(sentence: str) -> bool:
    """The sentence says what would or could happen, not what did: a Finnish verb in the conditional
    mood (every verb reading of the word: "voisi" is also a noun), or an English modal of possibility."""
    voikko = _voikko()
    for word in words(sentence):
        if word.lower() in ENGLISH_HYPOTHETICAL:
            return True
        verb = [r for r in (voikko.analyze(word) if voikko is not None else []) if r.get("CLASS") == "teonsana"]
        if verb and all(r.get("MOOD") == "conditional" for r in verb):
            return True
    return False


def is_noun(word: str) -> bool:
    if _voikko() is None:
        return len(word) > 3 and word.isalpha()
    classes = word_classes(word)
    return "nimisana" in classes and "asemosana" not in classes


def looks_like_person(name: str) -> bool:
    """Two capitalised words, at least one a known first or last name (or unknown to the lexicon)."""
    if _voikko() is None:
        return True
    parts = name.split()
    classes = [word_classes(p.split("-")[0]) for p in parts]
    if any("paikannimi" in c for c in classes):
        return False
    return any({"etunimi", "sukunimi"} & c for c in classes) or all(not c for c in classes)


def tokens(text: str) -> list[str]:
    """BM25 tokens: every lemma and compound part of every word; hyphenated words split too."""
    out: list[str] = []
    for word in words(text):
        pieces = [word] if word[:1].isdigit() else [p for p in re.split(r"[-–]", word) if p]
        for piece in pieces:
            out.extend(lemmas(piece))
    return out


@lru_cache(maxsize=50_000)
def is_finnish_word(word: str) -> bool:
    lowered = word.lower()
    if lowered in ENGLISH_WORDS:
        return False
    if any(ch in lowered for ch in "äöå"):
        return True
    voikko = _voikko()
    if voikko is not None:
        return bool(voikko.spell(word))
    import simplemma

    return simplemma.is_known(lowered, lang="fi")


def finnishness(text: str) -> float:
    """Share of the text's words that are Finnish (0 = English, 1 = Finnish)."""
    candidates = [w for w in words(text) if not w[:1].isdigit() and len(w) > 1]
    if not candidates:
        return 0.5
    return sum(is_finnish_word(w) for w in candidates) / len(candidates)


def detect_language(text: str) -> str:
    return "fi" if finnishness(text) >= 0.5 else "en"
