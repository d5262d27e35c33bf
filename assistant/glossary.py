"""English → Finnish lemmas for the vocabulary of ESF project documents.

Why: the documents are Finnish. Dense retrieval already crosses languages, but picking the one
sentence that answers an English question, and telling whether the question's key terms occur in
the evidence at all, needs the Finnish words. This small domain glossary covers the terms officials
ask about; words it does not know simply do not contribute.
"""

from __future__ import annotations

from core.text_analysis import ENGLISH_WORDS

GLOSSARY: dict[str, tuple[str, ...]] = {
    # Organisation types and regions as EURA forms name them (Organisaatiotyyppi, Vastuuviranomainen).
    "erdf": ("eakr", "aluekehitysrahasto"), "fund": ("rahasto",), "funded": ("rahoittaa",),
    "foundation": ("säätiö",), "foundations": ("säätiö",), "university": ("yliopisto",),
    "universities": ("yliopisto",), "polytechnic": ("ammattikorkeakoulu",),
    "university of applied sciences": ("ammattikorkeakoulu",), "association": ("yhdistys", "järjestö"),
    "council": ("liitto", "maakuntaliitto"), "ministry": ("ministeriö",), "ngo": ("järjestö", "kansalaisjärjestö"),
    "ostrobothnia": ("pohjanmaa",), "lapland": ("lappi",), "karelia": ("karjala",), "tavastia": ("häme",),
    "uusimaa": ("uusimaa",), "pirkanmaa": ("pirkanmaa",), "satakunta": ("satakunta",), "kainuu": ("kainuu",),
    "savonia": ("savo",), "central": ("keski",), "southern": ("etelä",), "northern": ("pohjoinen",),
    "doctor": ("lääkäri", "lääkäriaika", "lääkäripalvelu"), "doctors": ("lääkäri",),
    "medical": ("lääkäri", "lääkäripalvelu"), "physician": ("lääkäri",),
    "appointment": ("aika", "lääkäriaika"), "appointments": ("aika", "lääkäriaika"),
    "participant": ("osallistuja", "henkilö", "osallistujamäärä"),
    "participants": ("osallistuja", "henkilö", "osallistujamäärä", "osallistuva"),
    "participating": ("osallistuva", "osallistua"), "participated": ("osallistua",), "took part": ("osallistua",),
    "people": ("henkilö", "asiakas"), "persons": ("henkilö",), "person": ("henkilö",),
    "client": ("asiakas",), "clients": ("asiakas",), "customer": ("asiakas",), "customers": ("asiakas",),
    "jobseeker": ("työnhakija",), "jobseekers": ("työnhakija",), "job": ("työ", "työpaikka"),
    "company": ("yritys", "työnantaja"), "companies": ("yritys", "työnantaja"),
    "business": ("yritys",), "businesses": ("yritys",), "employer": ("työnantaja",),
    "employers": ("työnantaja",), "firms": ("yritys",),
    "interview": ("haastattelu", "yrityshaastattelu"), "interviews": ("haastattelu", "yrityshaastattelu"),
    "budget": ("budjetti", "kustannus", "kustannusarvio"), "cost": ("kustannus", "budjetti"),
    "costs": ("kustannus", "budjetti"), "spent": ("kustannus",), "expenses": ("kustannus",),
    "funding": ("rahoitus", "myöntää"), "funds": ("rahoitus",), "financing": ("rahoitus",),
    "granted": ("myöntää", "myönnetty"), "grant": ("myöntää",), "state": ("valtio",),
    "eu": ("eu",), "esf": ("esr",), "public": ("julkinen",), "municipal": ("kunta",),
    "salary": ("palkka", "palkkakustannus"), "salaries": ("palkkakustannus", "palkka"),
    "wages": ("palkkakustannus",), "outsourced": ("ostopalvelu",), "purchased": ("ostopalvelu",),
    "services": ("palvelu",), "service": ("palvelu",),
    "goal": ("tavoite",), "goals": ("tavoite",), "aim": ("tavoite",), "aims": ("tavoite",),
    "objective": ("tavoite",), "objectives": ("tavoite",), "target": ("tavoite", "kohderyhmä"),
    "targets": ("tavoite",), "purpose": ("tavoite", "tarkoitus"),
    "result": ("tulos",), "results": ("tulos",), "outcome": ("tulos",), "outcomes": ("tulos",),
    "planned": ("suunniteltu", "suunnitella"), "plan": ("suunnitelma",), "realised": ("toteutunut",),
    "realized": ("toteutunut",), "actual": ("toteutunut",), "achieved": ("toteutua", "saavuttaa"),
    "start": ("alkaa", "alkamispäivämäärä"), "started": ("alkaa",), "begin": ("alkaa",),
    "end": ("päättyä", "päättymispäivämäärä"), "ended": ("päättyä",), "ends": ("päättyä",),
    "period": ("toteutusaika",), "duration": ("toteutusaika",), "extension": ("jatkoaika",),
    "contact": ("yhteyshenkilö",), "secretary": ("projektisihteeri", "sihteeri"),
    "manager": ("projektipäällikkö", "päällikkö"), "coordinator": ("koordinaattori",),
    "signed": ("allekirjoittaa", "allekirjoitus"), "archived": ("arkistoida", "säilyttää"),
    "country": ("maa",), "norway": ("norja",), "sweden": ("ruotsi",), "abroad": ("ulkomaa", "ulkopuoli"),
    "recruitment": ("rekrytointi",), "campaign": ("kampanja",), "campaigns": ("kampanja", "rekrytointikampanja"),
    "mobility": ("liikkuvuus",), "training": ("koulutus", "valmennus"), "education": ("koulutus",),
    "pension": ("eläke", "eläkepäätös"), "pensions": ("eläke",), "disability": ("työkyvyttömyyseläke",),
    "unemployed": ("työtön",), "unemployment": ("työttömyys",), "employment": ("työllisyys", "työllistyä", "työelämä"),
    "employed": ("työllistyä", "työelämä"), "young": ("nuori",), "youth": ("nuori",), "immigrants": ("maahanmuuttaja",),
    "immigration": ("maahanmuutto",), "migration": ("maahanmuutto",), "ukrainians": ("ukrainalainen",), "guide": ("opas",),
    "event": ("tapahtuma",), "returnee": ("paluumuuttaja",), "returnees": ("paluumuuttaja",),
    "video": ("video",), "videos": ("video",), "website": ("portaali", "sivu"), "portal": ("portaali",),
    "amendment": ("hankemuutos", "muutos"), "amendments": ("hankemuutos", "muutos"),
    "change": ("muutos", "hankemuutos"), "changes": ("muutos", "hankemuutos"), "changed": ("muutos",),
    "steering": ("ohjausryhmä",), "group": ("ryhmä",), "feedback": ("palaute",), "risk": ("riski",),
    "risks": ("riski",), "sustainability": ("kestävä",), "equality": ("tasa-arvo",),
    "rate": ("aste", "prosentti"), "proportion": ("osuus", "prosentti"),
    "spring": ("kevät",), "summer": ("kesä",), "autumn": ("syksy",), "fall": ("syksy",), "winter": ("talvi",),
    "focus": ("keskittyä", "painopiste"), "focused": ("keskittyä", "painopiste"), "focusing": ("keskittyä",),
    "concentrate": ("keskittyä",), "concentrated": ("keskittyä",), "concentrating": ("keskittyä",),
    "south": ("etelä",), "north": ("pohjoinen", "pohjois"), "east": ("itä",), "west": ("länsi",),
    "central": ("keski",), "karelia": ("karjala",), "ostrobothnia": ("pohjanmaa",), "lapland": ("lappi",),
    "finland": ("suomi",),
    "gender": ("sukupuoli",), "region": ("alue", "maakunta"), "municipalities": ("kunta",),
    "municipality": ("kunta",), "city": ("kaupunki",), "authority": ("viranomainen", "vastuuviranomainen"),
    "responsible": ("vastuuviranomainen",), "ely": ("ely",), "centre": ("keskus",), "center": ("keskus",),
    "coaching": ("valmennus", "valmentaja"), "rehabilitative": ("kuntouttava",),
    "applicants": ("hakija",), "applied": ("hakea",), "hired": ("valita", "rekrytoida"),
    "decision": ("päätös",), "decisions": ("päätös",), "positive": ("myönteinen",),
    "percent": ("prosentti",), "percentage": ("prosentti",), "share": ("osuus",),
    "total": ("yhteensä",), "overall": ("yhteensä",), "number": ("määrä", "lukumäärä"),
    "employment services": ("työllisyyspalvelu",), "press": ("tiedote",), "release": ("tiedote",),
    "report": ("loppuraportti", "raportti"), "description": ("kuvaus",),
    "beneficiary": ("tuensaaja",), "own": ("omarahoitus", "oma"), "net": ("nettokustannus",),
    "self-financing": ("omarahoitus",), "theme": ("pääteema", "teema"), "themes": ("pääteema", "teema"),
    "campus": ("monikampus", "kampus"), "worker": ("työntekijä", "projektityöntekijä"),
    "workers": ("työntekijä", "projektityöntekijä"), "organisation": ("hakija", "organisaatio", "tuensaaja"),
    "organization": ("hakija", "organisaatio", "tuensaaja"), "applicant": ("hakija",),
    "working": ("työelämä", "työ"), "work": ("työ", "työelämä"), "communication": ("viestintä",),
    "communications": ("viestintä",), "arrived": ("saapumispäivämäärä",), "received": ("saapumispäivämäärä",),
    "model": ("malli", "toimintamalli"), "nordic": ("pohjoismainen",), "jobseeking": ("työnhaku",),
    "strengthened": ("vahvistaa",), "first": ("ensimmäinen",), "second": ("toinen",),
    "lasted": ("toteutusaika", "kesto"), "longest": ("toteutusaika",), "shortest": ("toteutusaika",),
    "schedule": ("toteutusaika", "aikataulu"), "schedules": ("toteutusaika", "aikataulu"),
    "estimate": ("arvio",), "cover": ("kattaa", "osuus"),
    # Staff, measures and circumstances that final reports describe.
    "staff": ("henkilöstö", "hankehenkilöstö", "työntekijä"), "personnel": ("henkilöstö",),
    "turnover": ("vaihtuvuus",), "recruit": ("rekrytoida", "rekrytointi"), "recruiting": ("rekrytointi",),
    "induction": ("perehdyttää", "perehdyttäminen"), "capacity": ("työkyky", "toimintakyky", "kyky"),
    "ability": ("työkyky", "toimintakyky", "kyky"), "health": ("terveys",), "rehabilitation": ("kuntoutus",),
    "examination": ("jatkotutkimus", "tutkimus"), "examinations": ("jatkotutkimus", "tutkimus"),
    "assessment": ("arviointi", "selvittely"), "measure": ("toimenpide",), "measures": ("toimenpide",),
    "subsidised": ("palkkatuki", "palkkatukityö"), "subsidized": ("palkkatuki", "palkkatukityö"),
    "apprenticeship": ("oppisopimus",), "apprenticeships": ("oppisopimus",), "labour": ("työvoima",),
    "labor": ("työvoima",), "workforce": ("työvoima",), "skilled": ("osaava",),
    "brochure": ("esite",), "brochures": ("esite",), "leaflet": ("esite",), "material": ("aineisto", "materiaali"),
    "war": ("sota",), "ukraine": ("ukraina",), "corona": ("korona",), "covid": ("korona",),
    "pandemic": ("korona",), "affect": ("vaikuttaa", "vaikutus"), "effect": ("vaikutus", "vaikuttaa"),
    "impact": ("vaikutus", "vaikuttavuus"), "decide": ("päättää", "päätös"), "extend": ("jatkoaika", "jatkaa"),
    "cooperation": ("yhteistyö",), "collaboration": ("yhteistyö",),
    "network": ("verkosto",), "partner": ("kumppani",), "village": ("kylä",), "pilot": ("pilotti", "pilotointi"),
    "story": ("tarina",), "stories": ("tarina",), "form": ("lomake",), "storage": ("säilyttää", "arkistoida"),
    "stored": ("säilyttää", "arkistoida"), "main": ("pää", "päätavoite"),
    "package": ("työpaketti", "paketti"), "packages": ("työpaketti", "paketti"),
    "originally": ("alunperin", "alkuperäinen"), "original": ("alkuperäinen", "alunperin"),
    "initially": ("alunperin", "alkuperäinen"), "initial": ("alkuperäinen",),
    "establish": ("perustaa",), "established": ("perustaa",), "founded": ("perustaa",),
}

# The themes of the ERDF and ESF programmes' priority axes and specific objectives, which questions
# about any project's topic use ("Which projects deal with tourism?"). Finnish as the analyser
# lemmatises it ("puurakentaminen" → "puurakentaa").
THEMES: dict[str, tuple[str, ...]] = {
    "tourism": ("matkailu",), "tourist": ("matkailija", "matkailu"), "tourists": ("matkailija", "matkailu"),
    "circular economy": ("kiertotalous",), "bioeconomy": ("biotalous",), "chemistry": ("kemia",),
    "carbon": ("hiili",), "carbon neutral": ("hiilineutraali",), "carbon neutrality": ("hiilineutraalius", "hiilineutraali"),
    "emissions": ("päästö",), "climate": ("ilmasto",), "energy": ("energia",), "renewable": ("uusiutuva",),
    "energy efficiency": ("energiatehokkuus",), "environment": ("ympäristö",), "environmental": ("ympäristö",),
    "forest": ("metsä",), "wood": ("puu",), "wood construction": ("puurakentaa",), "timber": ("puu",),
    "digital": ("digitaalinen", "digitalisaatio"), "digitalisation": ("digitalisaatio",),
    "digitalization": ("digitalisaatio",), "innovation": ("innovaatio",), "innovations": ("innovaatio",),
    "research": ("tutkimus",), "logistics": ("logistiikka",), "food": ("ruoka", "elintarvike"),
    "culture": ("kulttuuri",), "cultural": ("kulttuuri",), "elderly": ("ikääntynyt", "vanhus"),
    "disabled": ("vammainen",), "women": ("nainen",), "transport": ("liikenne",), "games": ("peli",),
    "game industry": ("peliala", "peliteollisuus"), "gaming": ("peli", "peliala"),
    "volunteer": ("vapaaehtoinen",), "volunteering": ("vapaaehtoistyö", "vapaaehtoinen"),
    "roma": ("romani",), "students": ("opiskelija",), "migrants": ("maahanmuuttaja",),
    "smes": ("pk-yritys",), "wellbeing": ("hyvinvointi",), "well-being": ("hyvinvointi",),
    "safety": ("turvallisuus",), "security": ("turvallisuus",), "entrepreneurship": ("yrittäjyys",),
    "export": ("vienti",), "exports": ("vienti",), "rural": ("maaseutu",), "accessibility": ("saavutettavuus",),
}
GLOSSARY.update({word: terms for word, terms in THEMES.items() if word not in GLOSSARY})


ENGLISH_SUFFIXES = ("ing", "ied", "ies", "ed", "es", "s", "e", "y")
MIN_STEM = 4


def english_stem(word: str) -> str:
    """A crude English stem, enough to meet the glossary's other forms: receive / received /
    receives → "receiv", extend / extended → "extend", trainings / training → "train"."""
    for _ in range(2):  # "trainings" → "training" → "train"
        suffix = next((s for s in ENGLISH_SUFFIXES if word.endswith(s) and len(word) - len(s) >= MIN_STEM), "")
        if not suffix:
            break
        word = word[:-len(suffix)]
    return word


def _by_stem() -> dict[str, tuple[str, ...]]:
    merged: dict[str, list[str]] = {}
    for key, terms in GLOSSARY.items():
        bucket = merged.setdefault(english_stem(key), [])
        bucket.extend(t for t in terms if t not in bucket)
    return {stem: tuple(terms) for stem, terms in merged.items()}


GLOSSARY_BY_STEM = _by_stem()


# Everyday Finnish for what the documents name with report vocabulary: a project "maksoi" (cost)
# what its tables call "kustannukset".
FINNISH_SYNONYMS: dict[str, tuple[str, ...]] = {
    "maksaa": ("kustannus",), "hinta": ("kustannus",),
}


def finnish_synonyms(lemmas: set[str]) -> set[str]:
    return {synonym for lemma in lemmas for synonym in FINNISH_SYNONYMS.get(lemma, ())}


PHRASES = sorted((tuple(key.split()) for key in GLOSSARY if " " in key), key=len, reverse=True)


def glossary_phrases(tokens: list[str]) -> dict[int, tuple[str, ...]]:
    """English terms of several words ("university of applied sciences" → ammattikorkeakoulu): the
    Finnish terms at each phrase's first token position, and () at its other positions, whose own
    words ("university") would translate to something else."""
    lowered = [t.lower() for t in tokens]
    found: dict[int, tuple[str, ...]] = {}
    for phrase in PHRASES:
        for start in range(len(lowered) - len(phrase) + 1):
            span = range(start, start + len(phrase))
            if any(i in found for i in span):
                continue
            if all(lowered[i] == w or english_stem(lowered[i]) == english_stem(w) for i, w in zip(span, phrase)):
                found[start] = GLOSSARY[" ".join(phrase)]
                found.update({i: () for i in span if i != start})
    return found


def finnish_terms(word: str) -> tuple[str, ...]:
    """Finnish lemmas for an English word; another inflection of a glossary word counts too,
    so that the glossary need not list "receive", "received" and "receives" separately."""
    word = word.lower().removesuffix("'s").removesuffix("’s")
    if word in GLOSSARY or word in ENGLISH_WORDS:  # function words: "them" is not a form of "theme"
        return GLOSSARY.get(word, ())
    return GLOSSARY_BY_STEM.get(english_stem(word), ())
