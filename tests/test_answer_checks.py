"""The checks that decide whether the evidence answers: counts need a number, a realised figure is
not answered by the plan, a figure of another kind of thing does not lead, and a question whose
asked-for thing is nowhere in the evidence is refused. Unit tests first, then the real corpus."""

from assistant import texts
from assistant.query import analyse
from assistant.refusal import states_a_number


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


def test_realised_count_with_only_a_plan_is_refused(assistant):
    # The Oulu description gives "Suunniteltu: 1900" persons and no realised number of persons.
    answer = assistant.ask("Montako henkilöä Oulun hankkeessa lopulta toteutui?")
    assert not answer.found and answer.answer.startswith(texts.REFUSAL["fi"])


def test_planned_count_is_still_answered(assistant):
    answer = assistant.ask("Montako henkilöä Oulun hankkeeseen suunniteltiin osallistuvan?")
    assert answer.found and "1900" in answer.answer


def test_count_without_any_number_in_the_evidence_is_refused(assistant):
    answer = assistant.ask("Montako työtöntä kyläpilotissa käytiin läpi Kolin alueella?")
    assert not answer.found


def test_salary_question_is_not_answered_with_funding(assistant):
    answer = assistant.ask("Mikä oli Uudet kasvot -hankkeen projektipäällikön palkka?")
    assert not answer.found
