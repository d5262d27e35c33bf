"""Facts at ingest (on real corpus text and on small documents written for the tests), change
comparisons, cross-project tables, disagreements and the project card."""

from pathlib import Path

import pytest

from assistant.project_card import project_card
from ingest.chunking import split_document
from ingest.facts import extract_facts

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def facts_of(name: str, text: str | None = None):
    text = text if text is not None else next(CORPUS.glob(name + "*")).read_text(encoding="utf-8")
    sections, _ = split_document(name, text)
    return text, extract_facts(name, text, sections)


def find(facts, **wanted):
    return [f for f in facts if all(getattr(f, k) == v for k, v in wanted.items())]


def test_label_value_lines_with_phase_quantity_and_unit():
    text, facts = facts_of("001")
    granted = find(facts, label="Myönnetty EU- ja valtion rahoitus")[0]
    assert (granted.value, granted.unit, granted.phase, granted.value_text) == (1137380, "EUR", "granted", "1 137 380")
    planned = find(facts, quantity="Osallistuvien yritysten lukumäärä", phase="planned")[0]
    realised = find(facts, quantity="Osallistuvien yritysten lukumäärä", phase="realised")[0]
    assert (planned.value, realised.value, planned.unit) == (45, 5, "companies")
    assert text[planned.start:planned.end] == "Suunniteltu: 45"
    assert find(facts, quantity="Osallistuvien henkilöiden lukumäärä")[0].unit == "persons"
    assert not find(facts, label="Postinumero", kind="value")  # a postcode is not a figure


def test_cost_and_funding_tables_after_the_signature():
    text, facts = facts_of("000")
    outsourced = find(facts, kind="table", quantity="Ostopalvelut")[0]
    assert (outsourced.value, outsourced.unit, outsourced.label) == (286630.84, "EUR", "Yhteensä €")
    assert text[outsourced.start:outsourced.end] == "2. Ostopalvelut\t286 630,84"
    share = find(facts, kind="table", quantity="Kuntien rahoitus: tuensaajan omarahoitus", unit="%")[0]
    assert share.value == 18.55


def test_sustainability_scores_direct_and_indirect():
    _, report = facts_of("000")
    wellbeing = find(report, kind="score", quantity="Paikallisen elinkeinorakenteen kestävä kehittäminen")
    assert sorted((f.label, f.value) for f in wellbeing) == [("Välillinen vaikutus", 6), ("Välitön vaikutus", 5)]
    _, plan = facts_of("001")
    plan_scores = find(plan, kind="score", quantity="Aineettomien tuotteiden ja palvelujen kehittäminen")
    assert sorted(f.value for f in plan_scores) == [7, 7]


def test_dates_periods_and_contacts():
    _, report = facts_of("000")
    assert find(report, kind="date", label="Päättymispäivämäärä")[0].value_text == "31.12.2023"
    assert {"1.6.2019 – 31.5.2022", "1.6.2022 – 30.6.2023"} <= {f.value_text for f in find(report, kind="period")}
    assert "Raija Schroderus" in {f.value_text for f in find(report, kind="contact")}
    _, release = facts_of("002")
    people = {f.quantity: f.value_text for f in find(release, kind="contact")}
    assert people["projektisihteeri"] == "Asta Hirvonen"
    assert people["projektipäällikkö"] == "Kaisa Karhu-Härkönen"


def test_numeric_statements_in_running_text():
    _, report = facts_of("000")
    doctors = [f for f in find(report, kind="statement", quantity="lääkäriaika") if f.value == 345]
    assert doctors and "345 (Lieksa 310, Juuka 35) lääkäriaikaa" in doctors[0].line


def test_a_new_document_of_the_same_kind():
    text = ("1 Hanke\n\nHankekoodi: S77777\n\nHankkeen nimi: Testi\n\n5 Projektin julkinen rahoitus, euroa\n\n"
            "Myönnetty EU- ja valtion rahoitus: 2\u00a0500\u00a0000\n\n7.1 Osallistuvien yritysten lukumäärä\n\n"
            "Suunniteltu: 30\n\nToteutunut seurantatietojen mukaan: 12\n\nKustannukset\tYhteensä €\n"
            "1. Palkkakustannukset\t1 000,50\n")
    _, facts = facts_of("new.txt", text)
    assert find(facts, phase="granted")[0].value == 2500000
    assert [f.value for f in find(facts, quantity="Osallistuvien yritysten lukumäärä")] == [30, 12]
    assert find(facts, kind="table", quantity="Palkkakustannukset")[0].value == 1000.5


def test_change_answer_gives_both_values_and_the_difference(assistant):
    answer = assistant.ask("How did the number of participating companies change in Kohti työtä ja koulutusta?")
    assert "planned 45" in answer.answer and "realised 5" in answer.answer and "−40" in answer.answer
    assert {c.quote for c in answer.citations} >= {"Suunniteltu: 45", "Toteutunut seurantatietojen mukaan: 5"}


def test_planned_and_realised_companies_in_finnish(assistant):
    answer = assistant.ask("Montako yritystä suunniteltiin ja montako toteutui Uudet kasvot -hankkeessa?")
    assert "11" in answer.answer and "3" in answer.answer
    assert {"Suunniteltu: 11", "Toteutunut seurantatietojen mukaan: 3"} <= {c.quote for c in answer.citations}


def test_outsourced_services_cost_shows_plan_and_outcome(assistant):
    answer = assistant.ask("What did outsourced services cost in the Lieksa–Juuka project?")
    assert "286,630.84" in answer.answer or "286 630,84" in answer.answer
    assert "2. Ostopalvelut\t286 630,84" in {c.quote for c in answer.citations}


@pytest.mark.parametrize("question,first", [
    ("Which project got the most EU and state funding?", "S20283"),
    ("Mikä hanke sai vähiten EU- ja valtion rahoitusta?", "S22421"),
    ("Which project lasted longest?", "S21712"),
])
def test_rankings_across_projects(assistant, question, first):
    answer = assistant.ask(question)
    rows = [line for line in answer.answer.splitlines() if line.startswith("|")]
    assert len(rows) == 3 and first in rows[0]
    assert len(answer.citations) == 3


def test_which_projects_an_ely_centre_oversaw(assistant):
    """"ELY" stands for the initials of "elinkeino-, liikenne- ja ympäristökeskus": the projects whose
    responsible authority is the Etelä-Savo one, one cited line each."""
    answer = assistant.ask("Which projects did the Etelä-Savo ELY centre oversee?")
    assert answer.found and sorted(c.project for c in answer.citations) == ["S21712", "S22421"]
    assert all(c.quote.startswith("Vastuuviranomainen: Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus")
               for c in answer.citations)


def test_project_card(assistant):
    card = project_card(assistant.facts, "S21712", "fi")
    assert card.name == "Kohti työtä ja koulutusta"
    assert [i.text for i in card.organisation] == ["Lieksan kaupunki"]
    figures = {row.quantity: row for row in card.figures}
    assert figures["Osallistuvien yritysten lukumäärä"].planned == "45"
    assert figures["Osallistuvien yritysten lukumäärä"].realised == "5"
    assert figures["EU- ja valtion rahoitus"].granted == "1 137 380 €"
    disagreements = " ".join(i.text for i in card.disagreements)
    assert "Raija Schroderus" in disagreements and "Susanna Saastamoinen" in disagreements
    assert "31.12.2023" in disagreements and "30.6.2023" in disagreements
    assert card.amendments and all(item.citations for item in card.amendments + card.goals)
    for citation in card.citations:
        assert assistant.index.records[citation.doc].text[citation.start:citation.end] == citation.quote
