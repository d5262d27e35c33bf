"""The checks that decide whether the evidence answers: counts need a number, a realised figure is
not answered by the plan, a figure of another kind of thing does not lead, and a question whose
asked-for thing is nowhere in the evidence is refused. Unit tests first, then the real corpus."""

import pytest

from assistant import texts
from assistant.query import analyse
from assistant.refusal import knows_modifier, states_a_number


def test_count_and_realised_cues():
    count = analyse("Montako henkilöä hankkeeseen lopulta osallistui?")
    assert count.wants_count and count.wants_realised
    both = analyse("Montako yritystä suunniteltiin ja montako toteutui?")
    assert both.wants_count and not both.wants_realised  # asks the plan as well
    assert not analyse("Paljonko hanke maksoi?").wants_count
    assert analyse("How many participants actually took part?").wants_realised


def test_compound_modifiers_are_told_apart_from_heads():
    analysis = analyse("Mikä oli projektipäällikön palkka?")
    assert "projekti" in analysis.modifiers  # "projekti" + "päällikkö": the project is not what is asked
    assert "päällikkö" not in analysis.modifiers and "palkka" not in analysis.modifiers


def test_numbers_written_out_count_as_numbers():
    assert states_a_number("Hankkeessa tuotettiin kahdeksan tarinaa.")
    assert states_a_number("Haastateltiin 94 työnantajaa.")
    assert states_a_number("Eight stories were produced.")
    assert not states_a_number("Toinen hankemuutos tehtiin keväällä.")  # an ordinal counts nothing
    assert not states_a_number("Kyläpilotissa käydään läpi alueiden työttömät.")


def test_realised_count_is_never_answered_with_the_plan(assistant):
    # The Oulu description gives "Suunniteltu: 1900" persons and no realised number of persons:
    # the planned figure must not be stated as what was realised. (The fitted scorer answers with
    # the final summary's "31 henkilöä työllistyi" instead of refusing; see eval/README.)
    answer = assistant.ask("Montako henkilöä Oulun hankkeessa lopulta toteutui?")
    lead = answer.answer.split("\n")[0]
    assert not answer.found or "1900" not in lead and "1 900" not in lead


def test_planned_figure_alone_is_refused_for_a_realised_question(assistant):
    from assistant.evidence import candidates, score_candidates
    from assistant.query import analyse
    from assistant.refusal import planned_given_for_realised

    hit = next(h for h in assistant.searcher.search("Oulu Suunniteltu 1900 henkilöä", 10)
               if "Suunniteltu: 1900" in h.chunk.text)
    cands = candidates([hit])
    analysis = analyse("Montako henkilöä Oulun hankkeessa lopulta toteutui?", assistant.index.name_words())
    score_candidates(cands, analysis, assistant.index)
    plan = [c for c in cands if c.text.startswith("Suunniteltu: 1900")]
    assert plan and planned_given_for_realised(analysis, plan, cands)


def test_planned_count_is_still_answered(assistant):
    answer = assistant.ask("Montako henkilöä Oulun hankkeeseen suunniteltiin osallistuvan?")
    assert answer.found and "1900" in answer.answer


def test_count_without_any_number_in_the_evidence_is_refused(assistant):
    answer = assistant.ask("Montako työtöntä kyläpilotissa käytiin läpi Kolin alueella?")
    assert not answer.found


def test_salary_question_is_not_answered_with_funding(assistant):
    answer = assistant.ask("Mikä oli Uudet kasvot -hankkeen projektipäällikön palkka?")
    assert not answer.found


def test_project_schedule_questions_are_told_from_activity_schedules():
    from assistant.fact_answers import is_project_schedule

    assert is_project_schedule("When did the Kohti työtä ja koulutusta project end?")
    assert is_project_schedule("Milloin Uudet kasvot -hanke alkoi?")
    assert is_project_schedule("Mikä oli hankkeen toteutusaika?")
    assert not is_project_schedule("When did the Nordic job search model start?")
    assert not is_project_schedule("Milloin lääkäripalvelut alkoivat?")


def test_project_end_shows_every_documents_date(assistant):
    answer = assistant.ask("When did the Kohti työtä ja koulutusta project end?")
    assert answer.found
    # The final report, the description and the 2019 press release each give a different end.
    for end in ("31.12.2023", "30.6.2023", "31.5.2022"):
        assert end in answer.answer, answer.answer
    cited = {c.doc for c in answer.citations}
    assert {"000_5e0951cc4940ee8c.txt", "001_3793fb89539c9957.txt", "002_d1c5417522fec7e9.txt"} <= cited
    assert "20.11.2023" not in answer.answer.split("„")[0]  # the doctors' period is not the project's


def test_project_names_do_not_decide_the_language():
    names = {"kohti", "työtä", "ja", "koulutusta"}
    assert analyse("budget of Kohti työtä ja koulutusta?", names).language == "en"
    assert analyse("Mikä oli Kohti työtä ja koulutusta -hankkeen budjetti?", names).language == "fi"
    assert analyse("Kohti työtä ja koulutusta?", names).language == "fi"  # nothing but the name: keep it


def test_budget_question_is_led_by_a_total_not_the_first_cost_line(assistant):
    answer = assistant.ask("What was the budget of Kohti työtä ja koulutusta?")
    assert answer.found and answer.language == "en"
    lead = answer.answer.splitlines()[0]
    assert "821" not in lead  # the salary line is one item of the budget
    assert any(total in answer.answer for total in ("1,421,725", "1,379,106.07", "1,831,725")), answer.answer


def test_ordinals_are_paired_with_the_noun_they_count():
    from assistant.evidence import listed_ordinals, unpaired_ordinals

    analysis = analyse("Mitä toisessa hankemuutoksessa muutettiin?")
    assert analysis.ordinals and analysis.ordinals[0][0] == "toinen"
    assert "hankemuutos" in analysis.key_terms  # a compound with "hanke" is still a key term
    assert unpaired_ordinals("Toinen hankemuutos tehtiin vuonna 2022.", analysis) == set()
    assert unpaired_ordinals("Osaamista lisätään toisen työnantajan työhön siirtämisellä.", analysis) == {"toinen"}
    english = analyse("What did the second amendment change?")
    assert english.ordinals and english.ordinals[0][0] == "toinen"
    goal = analyse("Mikä oli hankkeen ensimmäinen tavoite?")
    assert listed_ordinals("Hankkeen tavoitteena on", goal) == {"ensimmäinen"}  # the list's first item
    assert listed_ordinals("Hankkeen tavoitteena on kehittää palveluja.", goal) == set()


def test_question_word_noun_is_the_kind_of_answer():
    analysis = analyse("Mikä organisaatio haki hanketta?")
    assert analysis.answer_type == {"organisaatio"} and analysis.wants_name
    assert not analyse("Which Lieksa project objective concerned migration?").answer_type


def test_second_amendment_answer_names_it(assistant):
    answer = assistant.ask("Milloin Lieksan hankkeen toinen hankemuutos tehtiin?")
    assert answer.found and "2022" in answer.answer
    assert "toisen työnantajan" not in answer.answer  # "another employer" is not the second amendment


def test_organisation_question_is_answered_by_its_name_row_not_a_persons(assistant):
    answer = assistant.ask("Mikä organisaatio oli Kohti työtä ja koulutusta -hankkeen tuensaaja?")
    assert answer.found
    # The answer leads with the name row (as a field line or as the first quote), not a person's row.
    lead = answer.answer.splitlines()[0]
    if lead.endswith(":"):  # the label of the document the first quote comes from
        lead = answer.answer.splitlines()[1]
    assert "Lieksan kaupunki" in lead and "Tuensaajan nimi" in lead, answer.answer
    assert "Schroderus" not in lead
    person = assistant.ask("Kuka oli Kohti työtä ja koulutusta -hankkeen yhteyshenkilö?")
    assert "Raija Schroderus" in person.answer.splitlines()[1] or "Saastamoinen" in person.answer.splitlines()[1]


def test_finnish_modal_maara_and_minä_päivänä_ask_for_a_date_not_an_amount():
    due = analyse("Minä päivänä Helsingin yliopiston kiertotalousselvityksen oli määrä päättyä?")
    assert due.wants_date and not due.wants_figure
    assert analyse("Mikä oli osallistujien määrä?").wants_figure  # the noun still asks an amount


@pytest.mark.parametrize("question", ["How long did the Kohti työtä ja koulutusta project run?",
                                      "Kuinka kauan Uudet kasvot -hanke kesti?", "Kauanko hanke kesti?"])
def test_how_long_asks_for_a_period_not_an_amount(question):
    duration = analyse(question)
    assert duration.wants_date and not duration.wants_figure
    assert analyse("How long is the guide in pages?").wants_figure  # only "how long" + a verb asks a duration


def test_a_compound_naming_a_project_by_its_topic_is_known_when_its_topic_is(assistant):
    assert knows_modifier("paluumuuttajahankkeessa", assistant.index)  # "paluumuuttaja" + "hanke"
    assert not knows_modifier("kuukausipalkka", assistant.index)  # the head "palkka" says something


def test_passages_lead_with_the_chunk_of_the_answer_and_a_cited_row_is_not_quoted_twice(assistant):
    answer = assistant.ask("Mitä paluumuuttajahankkeessa tehtiin Lieksassa?")
    assert answer.found
    assert " ".join(answer.citations[0].quote.split()) in " ".join(answer.passages[0].text.split())
    field = assistant.ask("Minkä ELY-keskuksen vastuulla Oulun seudun työllisyyspalveluiden kehittämishanke oli?")
    assert field.answer.count("Vastuuviranomainen") == 1, field.answer


def test_explanation_questions_are_detected():
    assert analyse("Miten korona vaikutti hankkeeseen?").wants_explanation
    assert analyse("Why was the project extended?").wants_explanation
    assert not analyse("How many participants were planned?").wants_explanation


def test_effects_are_quoted_with_the_rest_of_their_paragraph(assistant):
    answer = assistant.ask("Miten henkilöstön vaihtuvuus vaikutti Kohti työtä ja koulutusta -hankkeeseen?")
    assert answer.found
    # The paragraph names the turnover first and its effects (recruiting, induction) after it.
    assert "vaihtuvuus" in answer.answer and "perehdyttämiset" in answer.answer, answer.answer


def test_a_list_announced_at_a_chunks_end_is_quoted_from_the_next_chunk(assistant):
    answer = assistant.ask("Mistä työpaketeista Kohti työtä ja koulutusta -hanke koostuu hankekuvauksen mukaan?")
    assert answer.found
    lines = answer.answer.splitlines()
    intro = next(i for i, line in enumerate(lines) if "seuraavista työpaketeista:" in line)
    assert lines[intro + 1].startswith("„1. Vauhdittamo"), answer.answer  # the list's first item follows


def test_one_municipality_specifically_is_refused_without_a_breakdown(assistant):
    # The Oulu description gives the project's planned participants, not Muhos's share of them.
    answer = assistant.ask("How many participants did the Oulu project have in Muhos specifically?")
    assert not answer.found and answer.answer.startswith(texts.REFUSAL["en"])


def test_one_municipality_specifically_gets_its_own_figure(assistant):
    # "yrityshaastatteluja tehtiin Lieksassa 90 ja Juuassa 17": the breakdown exists, so answer with Juuka's.
    answer = assistant.ask("How many company interviews did the Lieksa project do in Juuka specifically?")
    assert answer.found and answer.answer.splitlines()[0].startswith(texts.FIGURE_LEAD["en"].format(value="17"))


def test_when_asks_only_as_a_question_word():
    from assistant.refusal import DATE_OR_YEAR_RE, WHEN_RE

    assert WHEN_RE.search("When did the project start?")
    assert WHEN_RE.search("Which document reports the visit, and when was it published?")
    assert WHEN_RE.search("Milloin hanke päättyi?")
    assert not WHEN_RE.search("What did the commissioner say when she visited Helsinki?")  # a conjunction
    # "mihin aikaan" is answered by a time of day as well as by a date or year
    assert DATE_OR_YEAR_RE.search("avoinna maanantaista perjantaihin kello 10–17")
    assert not DATE_OR_YEAR_RE.search("avoinna maanantaista perjantaihin")


def test_a_place_is_singled_out_only_by_the_cue_next_to_it(assistant):
    from assistant.refusal import specific_place

    assert "juuka" in {p for project in assistant.index.projects.values() for p in project.places}
    near = analyse("Montako osallistujaa oli Juuan osalta?")
    assert specific_place(near, assistant.index) == "juuka"
    # "X:n osalta" belongs to the noun before it: the place only modifies the cluster here
    far = analyse("Mitä hanke tekee Juuan seudun elintarvikeklusterin osalta?")
    assert specific_place(far, assistant.index) is None
