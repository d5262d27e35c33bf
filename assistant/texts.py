"""Every fixed user-facing text, in Finnish and English: refusals, answer framing, UI labels.

Tests check for the refusal constants, so change them here and nowhere else.
"""

from __future__ import annotations

REFUSAL = {
    "fi": "Asiakirjoista ei löydy vastausta tähän kysymykseen.",
    "en": "The documents do not answer this question.",
}
CLOSEST_PASSAGES = {"fi": "Lähimmät kohdat asiakirjoissa:", "en": "The closest passages in the documents:"}
ACCORDING_TO = {"fi": "Asiakirjojen mukaan:", "en": "According to the documents:"}
QUOTES_IN_FINNISH = {"fi": "", "en": " (quoted in Finnish)"}
FIGURE_LEAD = {"fi": "Luku: {value}", "en": "The figure: {value}"}
DISAGREEMENT = {
    "fi": "Huom: lähteet antavat eri lukuja: {values}.",
    "en": "Note: the sources give different figures: {values}.",
}
AND = {"fi": " ja ", "en": " and "}
SOURCES_HEADING = {"fi": "Lähteet", "en": "Sources"}

TYPE_LABEL = {
    "fi": {"loppuraportti": "loppuraportti", "hankekuvaus": "hankekuvaus", "tiedote": "tiedote",
           "other": "asiakirja"},
    "en": {"loppuraportti": "final report", "hankekuvaus": "project description",
           "tiedote": "press release", "other": "document"},
}

DAYS = {"fi": "päivää", "en": "days"}
PERIOD_LABEL = {"fi": "suunniteltu toteutusaika", "en": "planned period"}
PHASE_LABEL = {"fi": {"planned": "suunniteltu", "granted": "myönnetty", "realised": "toteutunut"},
               "en": {"planned": "planned", "granted": "granted", "realised": "realised"}}
COMPARISON_LEAD = {"fi": "Hankkeet rinnakkain ({quantity}):", "en": "The projects side by side ({quantity}):"}
CHANGE_LINE = {
    "fi": "{quantity}: suunniteltu {planned} [@{a}] → toteutunut {realised} [@{b}] (muutos {difference}).",
    "en": "{quantity}: planned {planned} [@{a}] → realised {realised} [@{b}] (change {difference}).",
}
SCHEDULE_LINE = {"fi": "{label}: {value} [@{a}]", "en": "{label}: {value} [@{a}]"}
CARD_HEADINGS = {
    "fi": {"project": "Hanke", "organisation": "Toteuttaja", "period": "Toteutusaika", "region": "Alue",
           "goals": "Tavoitteet", "figures": "Keskeiset luvut (suunniteltu / toteutunut)", "amendments": "Hankemuutokset",
           "results": "Tulokset", "disagreements": "Asiakirjojen väliset ristiriidat", "sources": "Lähteet"},
    "en": {"project": "Project", "organisation": "Organisation", "period": "Period", "region": "Region",
           "goals": "Goals", "figures": "Key figures (planned / realised)", "amendments": "Amendments",
           "results": "Results", "disagreements": "Disagreements between the documents", "sources": "Sources"},
}

ERRORS = {
    "empty_question": {"fi": "Kysymys on tyhjä.", "en": "The question is empty."},
    "question_too_long": {"fi": "Kysymys on liian pitkä (enintään {limit} merkkiä).",
                          "en": "The question is too long (at most {limit} characters)."},
    "unknown_project": {"fi": "Tuntematon hanke: {project}.", "en": "Unknown project: {project}."},
    "no_index": {"fi": "Hakemistoa ei ole vielä. Aja ensin `hanke ingest`.",
                 "en": "There is no index yet. Run `hanke ingest` first."},
}


# The web page's labels (served by GET /api/ui-texts, with TYPE_LABEL as "types").
UI = {
    "fi": {
        "title": "Hankeapu", "subtitle": "Kysy EU- ja ESR-hankkeiden asiakirjoista",
        "question_label": "Kysymys", "placeholder": "Esim. Paljonko Uudet kasvot -hankkeelle myönnettiin rahoitusta?",
        "send": "Kysy", "project_label": "Hanke", "all_projects": "Kaikki hankkeet",
        "new_conversation": "Uusi keskustelu", "language_label": "Kieli", "documents": "Asiakirjat",
        "chunks": "osaa", "sources": "Lähteet", "close": "Sulje", "source_panel": "Lähdeasiakirja",
        "project": "Hanke", "type": "Tyyppi", "section": "Kohta", "refusal": "Ei vastausta asiakirjoissa",
        "thinking": "Haetaan…", "error": "Virhe", "you": "Sinä", "assistant": "Hankeapu", "open": "Avaa",
        "hint": "Enter lähettää, Shift+Enter lisää rivin.",
        "intro": "Kysy suomeksi tai englanniksi. Vastaukset lainaavat asiakirjoja numeroiduin lähdeviittauksin; "
                 "numeroa napsauttamalla lähde avautuu lainatun kohdan kohdalta.",
        "try": "Kokeile:",
        "examples": ["Paljonko Uudet kasvot -hankkeelle myönnettiin EU- ja valtion rahoitusta?",
                     "Montako lääkäriaikaa Lieksan hankkeessa oli?",
                     "Mikä oli Työllisyyspalveluiden kehittämishankkeen tavoite?"],
        "whole_document": "koko asiakirja", "cited_passage": "Lainattu kohta",
        "closest": "Lähimmät kohdat", "network_error": "Palvelimeen ei saatu yhteyttä.",
    },
    "en": {
        "title": "Hankeapu", "subtitle": "Ask about EU/ESF project documents",
        "question_label": "Question", "placeholder": "E.g. How much funding was granted to Uudet kasvot?",
        "send": "Ask", "project_label": "Project", "all_projects": "All projects",
        "new_conversation": "New conversation", "language_label": "Language", "documents": "Documents",
        "chunks": "chunks", "sources": "Sources", "close": "Close", "source_panel": "Source document",
        "project": "Project", "type": "Type", "section": "Section", "refusal": "Not answered by the documents",
        "thinking": "Searching…", "error": "Error", "you": "You", "assistant": "Hankeapu", "open": "Open",
        "hint": "Enter sends, Shift+Enter adds a line.",
        "intro": "Ask in Finnish or English. Answers quote the documents with numbered citations; "
                 "click a number to open the source at the cited passage.",
        "try": "Try:",
        "examples": ["How many doctor appointments did the Lieksa project have?",
                     "How much EU and state funding was granted to Uudet kasvot?",
                     "When did the Kohti työtä ja koulutusta project end?"],
        "whole_document": "whole document", "cited_passage": "Cited passage",
        "closest": "Closest passages", "network_error": "Could not reach the server.",
    },
}
