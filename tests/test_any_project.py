"""Projects beyond corpus/: which project a question names, form fields, and questions across projects.

Runs on corpus/ + eval/corpus-dev/ indexed together (36 documents of 30 more projects, ESF and ERDF).
Expected values are read from the documents' own form lines, not from the answers.
"""

import re

import pytest

from eval.metrics import collapse as normalise_whitespace


def field_value(assistant, doc: str, label: str) -> str:
    text = assistant.index.records[doc].text
    return re.search(rf"^{re.escape(label)}: (.+)$", text, re.MULTILINE).group(1).strip()


def planned_periods(assistant, fund: str = "") -> dict:
    """Each project's planned (start, end), read from its form's period line; only the projects of
    one fund when given ("ESR": the form's title names it)."""
    from datetime import date

    periods = {}
    for record in assistant.index.records.values():
        match = re.search(r"toteutusaika: Alkaa (\d+)\.(\d+)\.(\d{4}) ja päättyy (\d+)\.(\d+)\.(\d{4})", record.text)
        if match and record.document.project and (not fund or f"({fund})" in record.text[:1000]):
            d1, m1, y1, d2, m2, y2 = map(int, match.groups())
            periods[record.document.project] = (date(y1, m1, d1), date(y2, m2, d2))
    return periods


@pytest.mark.parametrize("question,longest_first", [
    ("Which project had the shortest planned implementation period?", False),
    ("Mikä hanke kesti pisimpään?", True),  # "kesti" is also a rare noun; as "kestää" it is known
])
def test_a_ranking_over_many_projects_shows_the_first_five(combined_assistant, question, longest_first):
    days = {code: (end - start).days for code, (start, end) in planned_periods(combined_assistant).items()}
    ranked = sorted(days, key=days.get, reverse=longest_first)
    answer = combined_assistant.ask(question)
    rows = [line for line in answer.answer.splitlines() if line.startswith("|")]
    assert answer.found and len(rows) == 5
    assert [c.project for c in answer.citations] == ranked[:5]
    assert f"{len(days) - 5}" in answer.answer.splitlines()[-1]  # "… and 28 more projects."


@pytest.mark.parametrize("question,code", [
    ("Mikä on Woodpolis2020-hankkeen tavoite?", "A73459"),                # whole name with a suffix
    ("What does the KAHINA project do?", "A75833"),                       # acronym after a dash
    ("Mitä Kainuun ja Koillismaan kunnat hiilineutraaleiksi -hanke tekee?", "A75833"),  # part before the dash
    ("What is the goal of project S22006?", "S22006"),                    # code
    ("Mihin Eduro-säätiön hanke pyrkii?", "S22759"),                      # applicant
    # Beside a named project, a common word of another's name ("Food Living labs connecting people",
    # "Töitä tarjolla…") is the question's own word: only a capitalised one names a second project.
    ("How many young people has Ohjaamo Helsinki met?", "S20118"),
    ("Mitä palveluja Helsingin Ohjaamossa on tarjolla?", "S20118"),
])
def test_the_question_names_its_project(combined_assistant, question, code):
    from assistant.query import analyse

    analysis = analyse(question, combined_assistant.index.name_words())
    assert combined_assistant.index.mentioned_projects(analysis.lemmas, question) == [code]


def test_a_named_project_is_answered_from_its_own_documents(combined_assistant):
    answer = combined_assistant.ask("What is the overall objective of the Woodpolis2020 project?")
    assert answer.found and answer.citations
    assert {c.project for c in answer.citations} == {"A73459"}
    assert {p.project for p in answer.passages} == {"A73459"}


def test_a_bulletin_on_many_projects_answers_for_the_project_it_names(combined_assistant):
    # The regional council's bulletin on ten projects belongs to none of them. Its sentence on the
    # circular-economy study names project A71003 ("Kiertotalouden mahdollisuudet Etelä-Savossa") by
    # the name's words in another order and inflection; the sentence on LUT's project does not.
    bulletin = "A71003_tiedote.txt"
    index = combined_assistant.index
    assert index.document(bulletin).project is None
    text = index.records[bulletin].text
    ours = next(s for s in re.split(r"(?<=\.)\s+", text) if "mahdollisuuksia kiertotaloudella" in s)
    other = next(s for s in re.split(r"(?<=\.)\s+", text) if "vedensuodatukseen" in s)
    assert index.mentioned_in(ours) == {"A71003"} and index.mentioned_in(other) == set()
    answer = combined_assistant.ask("Paljonko Kiertotalouden mahdollisuudet Etelä-Savossa -selvitys maksaa "
                                    "tiedotteen mukaan?")
    assert answer.found
    assert any(c.doc == bulletin and c.quote in ours for c in answer.citations)
    assert not any(c.doc == bulletin and c.quote in other for c in answer.citations)
    assert all(c.project in ("A71003", None) for c in answer.citations)


def test_a_share_stated_in_euros_answers_a_question_about_the_share(combined_assistant):
    """A share ("osuus") is stated in euros as often as in per cent: asked how large the EU programme's
    share of a project is, the bulletin's sentence giving it in euros answers. Only a question that
    asks for a percentage or a rate needs a percentage."""
    text = combined_assistant.index.records["A71003_tiedote.txt"].text
    sentence = next(s for s in re.split(r"(?<=\.)\s+", text) if "osuus" in s and "Miset" not in s
                    and re.search(r"\d euroa", s))
    figure = re.search(r"\d[\d\s]*\d(?= euroa)", sentence).group(0)
    answer = combined_assistant.ask("How large is the EU programme's share of Miset's war history project?")
    assert answer.found
    assert any(c.doc == "A71003_tiedote.txt" and figure in c.quote for c in answer.citations)


@pytest.mark.parametrize("question,doc,label", [
    ("Kuka on Biolaakso II -hankkeen yhteyshenkilö?", "A70692_hankekuvaus.txt", "Hankkeen yhteyshenkilön nimi"),
    ("Which priority axis does the Woodpolis2020 project belong to?", "A73459_hankekuvaus.txt", "Toimintalinja"),
    ("Mikä on Romaniportti-hankkeen vastuuviranomainen?", "S21994_hankekuvaus.txt", "Vastuuviranomainen"),
    # the head of "vastuuviranomainen" is "viranomainen", which the analyser splits further
    ("Mikä viranomainen vastaa Biolaakso II -hankkeesta?", "A70692_hankekuvaus.txt", "Vastuuviranomainen"),
    # asked for its status, not its schedule (the period's end would say nothing of whether it ended)
    ("Is the Woodpolis2020 project finished or still ongoing?", "A73459_hankekuvaus.txt", "Toiminnan tila"),
])
def test_a_field_is_answered_from_the_named_project_form(combined_assistant, question, doc, label):
    answer = combined_assistant.ask(question)
    value = field_value(combined_assistant, doc, label)
    assert answer.found
    assert normalise_whitespace(value) in normalise_whitespace(answer.answer)
    assert any(c.doc == doc and value in c.quote for c in answer.citations)


def test_an_english_answer_names_the_field_in_english(combined_assistant):
    answer = combined_assistant.ask("Who is the contact person of the Biolaakso II project?")
    assert "Contact person" in answer.answer


def test_which_projects_an_authority_oversees(combined_assistant):
    answer = combined_assistant.ask("Which of the projects are overseen by Pirkanmaan liitto?")
    overseen = {d.project for d in combined_assistant.documents()
                if d.type == "hankekuvaus" and "Vastuuviranomainen: Pirkanmaan liitto"
                in combined_assistant.index.records[d.doc].text}
    assert len(overseen) >= 2
    assert {c.project for c in answer.citations} == overseen


def test_which_project_started_first(combined_assistant):
    starts = {code: start for code, (start, _) in planned_periods(combined_assistant).items()}
    first = min(starts, key=starts.get)
    answer = combined_assistant.ask("Mikä hankkeista alkoi suunnitelman mukaan aikaisimmin?")
    assert answer.found and [c.project for c in answer.citations] == [first]


@pytest.mark.parametrize("question,code", [
    # Named only in English, in other words than the documents' Finnish name and applicant.
    ("What does the low-carbon wood construction project of Karelia University of Applied Sciences plan to do?",
     "A75340"),
    ("Who leads the game industry development project in Northern Ostrobothnia?", "S21273"),
])
def test_a_project_named_in_other_words_is_found_by_meaning(combined_assistant, question, code):
    vector = combined_assistant.searcher.embeddings.embed_query(question)
    assert combined_assistant.project_meaning.meant(vector) == code
    answer = combined_assistant.ask(question)
    assert {c.project for c in answer.citations} <= {code}


@pytest.mark.parametrize("question", ["What was the goal of the project?", "How many participants were planned?"])
def test_a_question_naming_no_project_is_not_given_one(combined_assistant, question):
    vector = combined_assistant.searcher.embeddings.embed_query(question)
    assert combined_assistant.project_meaning.meant(vector) is None


def test_another_projects_name_words_are_content_words(combined_assistant):
    """Among many projects nearly every word names some project; only the named project's words
    are its name. A word of another project's name is what the question asks about."""
    index = combined_assistant.index
    own = index.identity_terms({"A70107"})
    others = index.identity_terms() - own
    assert "yritys" in others and "yritys" not in own
    answer = combined_assistant.ask("Mitä hyötyä SATTUKO-hankkeen on tarkoitus tuoda Satakunnan yrityksille?")
    assert answer.found and answer.citations[0].project == "A70107"
    assert "yrity" in answer.citations[0].quote


def test_which_projects_have_an_organisation_type(combined_assistant):
    """A value named whole ("kuntayhtymä") picks its field, even where a field label ("Kunnat")
    shares a compound part with it."""
    typed = {d.project for d in combined_assistant.documents() if d.type == "hankekuvaus"
             and "Organisaatiotyyppi: Kuntayhtymä" in combined_assistant.index.records[d.doc].text}
    assert typed
    answer = combined_assistant.ask("Minkä hankkeiden hakija on kuntayhtymä?")
    assert {c.project for c in answer.citations} == typed


def _overseen_by(assistant, authority: str) -> set[str]:
    return {d.project for d in assistant.documents() if d.type == "hankekuvaus"
            and f"Vastuuviranomainen: {authority}\n" in assistant.index.records[d.doc].text}


@pytest.mark.parametrize("question,authority", [
    # "ELY" stands for the initials of "elinkeino-, liikenne- ja ympäristökeskus".
    ("Missä hankkeissa Keski-Suomen ELY-keskus on vastuuviranomaisena?",
     "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus"),
    # "Tampere" is a word only one project carries; here it is part of the authority the set is filtered by.
    ("Which projects have the Council of Tampere Region (Pirkanmaan liitto) as their responsible authority?",
     "Pirkanmaan liitto"),
])
def test_which_projects_an_authority_named_in_other_words_oversees(combined_assistant, question, authority):
    overseen = _overseen_by(combined_assistant, authority)
    assert len(overseen) >= 2
    answer = combined_assistant.ask(question)
    assert answer.found and {c.project for c in answer.citations} == overseen


@pytest.mark.parametrize("question,codes", [
    ("Of SATTUKO, Ohjaamo Helsinki and Kiinni työelämään, which ended last?", ["A70107", "S20118", "S21820"]),
    ("Kumpi päättyy myöhemmin, Kestävä keikkatyö vai Romaniportti?", ["S21965", "S21994"]),
])
def test_the_named_projects_in_the_order_asked(combined_assistant, question, codes):
    ends = {code: end for code, (_, end) in planned_periods(combined_assistant).items()}
    latest_first = sorted(codes, key=ends.get, reverse=True)
    answer = combined_assistant.ask(question)
    assert answer.found and [c.project for c in answer.citations] == latest_first
    first_line = answer.answer.splitlines()[1]
    assert combined_assistant.index.projects[latest_first[0]].name in first_line


def test_the_applicant_asked_with_a_verb(combined_assistant):
    """"Kuka toteuttaa X:ää?" asks for the applicant: "toteuttaja" is an everyday name of that
    field (data/eura_labels.json), matched through the verb it derives from."""
    answer = combined_assistant.ask("Kuka toteuttaa SATTUKO-hanketta?")
    applicant = field_value(combined_assistant, "A70107_hankekuvaus.txt", "Hakijan virallinen nimi")
    assert answer.found and applicant in answer.answer.splitlines()[0]


def test_two_fields_asked_together(combined_assistant):
    """"hakija ja yhteyshenkilö": the second field is the one that covers what is still unasked
    (the applicant), not a second contact field."""
    answer = combined_assistant.ask("Kuka on MYÖ, TYÖ, HYÖ 2! -hankkeen hakija ja yhteyshenkilö?")
    doc = "S22006_hankekuvaus.txt"
    for label in ("Hakijan virallinen nimi", "Hankkeen yhteyshenkilön nimi"):
        assert field_value(combined_assistant, doc, label) in answer.answer


@pytest.mark.parametrize("question,codes,longest_first", [
    ("Which was shorter, SATTUKO or Biolaakso II?", ["A70107", "A70692"], False),
    ("Kumpi kesti pidempään, Kaiku vai Romaniportti?", ["S22759", "S21994"], True),
])
def test_two_named_projects_compared_by_length(combined_assistant, question, codes, longest_first):
    days = {code: (end - start).days for code, (start, end) in planned_periods(combined_assistant).items()}
    answer = combined_assistant.ask(question)
    assert answer.found and [c.project for c in answer.citations] == sorted(codes, key=days.get,
                                                                          reverse=longest_first)
    apart = abs(days[codes[0]] - days[codes[1]])
    assert f" {apart} " in answer.answer.splitlines()[-1]  # and how much longer one is than the other


def test_two_named_projects_in_order_and_how_far_apart(combined_assistant):
    periods = planned_periods(combined_assistant)
    apart = abs((periods["S21994"][0] - periods["S22759"][0]).days)
    answer = combined_assistant.ask("Kumpi alkoi ensin, Romaniportti vai Kaiku?")
    assert answer.found and f"Ero: {apart} päivää" in answer.answer, answer.answer


def test_two_named_projects_that_started_the_same_day(combined_assistant):
    starts = {code: re.search(r"toteutusaika: Alkaa (\S+)", combined_assistant.index.records[doc].text).group(1)
              for code, doc in (("A70692", "A70692_hankekuvaus.txt"), ("S20118", "S20118_hankekuvaus.txt"))}
    assert len(set(starts.values())) == 1
    answer = combined_assistant.ask("Kumpi alkoi aiemmin, Biolaakso II vai Ohjaamo Helsinki?")
    assert answer.found and {c.project for c in answer.citations} == set(starts)
    assert f"sama päivä ({starts['S20118']})" in answer.answer


def test_the_first_of_the_projects_of_one_fund(combined_assistant):
    """"Which of the ESF projects started first?": the order among the projects whose field value
    the question names (the fund), not among all projects."""
    starts = {code: start for code, (start, _) in planned_periods(combined_assistant, "ESR").items()}
    first = min(starts.values())
    answer = combined_assistant.ask("Which of the ESF projects started first?")
    assert answer.found and {c.project for c in answer.citations} == {p for p, d in starts.items() if d == first}


@pytest.mark.parametrize("question,lemma", [
    ("Mitkä hankkeet liittyvät matkailuun?", "matkailu"),
    ("Mitkä hankkeet käsittelevät kiertotaloutta?", "kiertotalous"),
])
def test_which_projects_by_topic(combined_assistant, question, lemma):
    """No form field holds a topic: the projects whose documents use the word answer, each cited with
    a sentence that uses it, and none that never does."""
    from core.text_analysis import tokens

    using = {r.document.project for r in combined_assistant.index.records.values()
             if r.document.project and lemma in tokens(r.text)}
    answer = combined_assistant.ask(question)
    cited = [c.project for c in answer.citations]
    assert answer.found and cited and set(cited) <= using
    assert all(lemma in tokens(c.quote) for c in answer.citations)
    assert f"({len(using)})" in answer.answer.splitlines()[0]


def test_the_field_asked_with_the_kind_of_answer_and_its_source(combined_assistant):
    """"Which organisations…" names the kind of answer and "according to the registry form" where to
    read it: neither is something the co-implementers field leaves out."""
    answer = combined_assistant.ask("According to the registry form, which organisations are co-implementers "
                                    "of the Kestävä keikkatyö project?")
    listed = [line.strip() for line in combined_assistant.index.records["S21965_hankekuvaus.txt"].text
              .split("Osatoteuttajat\n", 1)[1].split("\n\n3 ", 1)[0].splitlines() if line.strip()]
    assert listed and all(organisation in answer.answer for organisation in listed)


@pytest.mark.parametrize("question", ["Where is the applicant of Romaniportti located?",
                                      "Mikä on Romaniportti-hankkeen hakijan sijainti?"])
def test_where_the_applicant_is_located(combined_assistant, question):
    town = field_value(combined_assistant, "S21994_hankekuvaus.txt", "Postitoimipaikka")
    answer = combined_assistant.ask(question)
    assert answer.found and town in answer.answer.splitlines()[0] + answer.answer.splitlines()[1]


@pytest.mark.parametrize("question,label", [
    ("Mikä on SATTUKO-hankkeen yhteyshenkilön sähköpostiosoite?", "Yhteyshenkilön sähköpostisoite"),
    ("What is the street address of the applicant of Biolaakso II?", "Jakeluosoite"),
])
def test_a_field_the_form_gives_as_removed_is_not_an_answer(combined_assistant, question, label):
    """The published forms have their contact details removed ("Jakeluosoite: (poistettu)"): asked for
    one, the assistant says the documents do not give it and cites the removed line."""
    answer = combined_assistant.ask(question)
    removed = [c for c in answer.citations if c.quote.startswith(f"{label}:")]
    assert not answer.found
    assert len(removed) == 1 and re.fullmatch(r".+: \(.+\)", removed[0].quote)


def announced_items_in(assistant, doc: str, opening: str) -> list[str]:
    """The lines of the list a form opens with `opening` (up to the blank line that ends it)."""
    text = assistant.index.records[doc].text
    return text.split(opening, 1)[1].strip("\n").split("\n\n")[0].split("\n")


@pytest.mark.parametrize("question,doc,opening", [
    ("Mitä toimenpiteitä Romaniportissa on suunniteltu?", "S21994_hankekuvaus.txt", "Suunnitellut toimenpiteet ovat:"),
    ("Mihin kolmeen osaan Kiertotalouden mahdollisuudet Etelä-Savossa -hankkeen tavoite jakautuu?",
     "A71003_hankekuvaus.txt", "Tavoite jakautuu kolmeen osaan:"),
])
def test_an_announced_list_is_quoted_whole(combined_assistant, question, doc, opening):
    items = announced_items_in(combined_assistant, doc, opening)
    answer = combined_assistant.ask(question)
    quoted = [c.quote for c in answer.citations if c.doc == doc]
    assert answer.found and len(items) > 2
    assert all(item in quoted for item in items)


def test_a_sentence_that_counts_its_items_is_quoted_with_them(combined_assistant):
    text = combined_assistant.index.records["S21994_hankekuvaus.txt"].text
    paragraph = next(line for line in text.split("\n") if line.startswith("Hankkeella on kaksi päätavoitetta."))
    answer = combined_assistant.ask("What are Romaniportti's main objectives?")
    quoted = " ".join(c.quote for c in answer.citations)
    assert answer.found and all(sentence.strip() + "." in quoted or sentence.strip() in quoted
                                for sentence in paragraph.split(". ") if sentence.strip())



def test_an_inflected_abbreviation_is_a_name_the_documents_have(combined_assistant):
    """"Xamkin" is Xamk (the applicant's short name, in its web address) with a genitive ending: the
    question is about the documents, and the contact person is given from the project's form."""
    answer = combined_assistant.ask("Kuka on Xamkin logistiikkahankkeen yhteyshenkilö?")
    contact = field_value(combined_assistant, "A78721_hankekuvaus.txt", "Hankkeen yhteyshenkilön nimi")
    assert answer.found
    assert answer.citations[0].doc == "A78721_hankekuvaus.txt" and contact in answer.citations[0].quote


@pytest.mark.parametrize("question", ["Montako pitkäaikaistyötöntä Kiinni työelämään -hanke lopulta työllisti alueen yrityksiin?",
                                      "How many long-term unemployed did Kiinni työelämään actually get into local companies?"])
def test_an_estimate_is_not_an_outcome(combined_assistant, question):
    """The form estimates in the conditional mood how many could find work ("…henkilöä voisi
    työllistyä…"); asked how many did, the assistant says the documents do not tell, and shows the
    estimate as the closest passage."""
    answer = combined_assistant.ask(question)
    assert not answer.found
    assert any(p.doc == "S21820_hankekuvaus.txt" and "voisi" in p.quote for p in answer.citations)


def test_an_estimate_asked_for_is_given(combined_assistant):
    answer = combined_assistant.ask("Kuinka moni pitkäaikaistyötön voisi arvion mukaan työllistyä Kiinni työelämään "
                                    "-hankkeen alueen yrityksiin?")
    assert answer.found and "voisi" in answer.citations[0].quote
