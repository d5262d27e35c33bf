"""Metadata comes from the text (labels and layout), on the real corpus and on new documents."""

from pathlib import Path

import pytest

from ingest.metadata import detect_metadata, link_to_project

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def read(name: str) -> str:
    return next(CORPUS.glob(name + "*")).read_text(encoding="utf-8")


@pytest.mark.parametrize("prefix,code,name,doc_type,start,end", [
    ("000", "S21712", "Kohti työtä ja koulutusta", "loppuraportti", "2019-06-01", "2023-12-31"),
    ("001", "S21712", "Kohti työtä ja koulutusta", "hankekuvaus", "2019-06-01", "2023-06-30"),
    ("003", "S20283", "Työllisyyspalveluiden kehittämishanke", "hankekuvaus", "2015-08-01", "2018-12-31"),
    ("004", "S22421", "Uudet kasvot", "hankekuvaus", "2021-04-01", "2023-12-31"),
])
def test_corpus_metadata(prefix, code, name, doc_type, start, end):
    meta = detect_metadata(prefix, read(prefix))
    assert (meta.project, meta.project_name, meta.type) == (code, name, doc_type)
    assert (meta.start_date, meta.end_date) == (start, end)
    assert meta.language == "fi"
    assert code in meta.title and name in meta.title


def test_press_release_has_no_code_and_is_linked_by_name():
    text = read("002")
    meta = detect_metadata("002", text)
    assert meta.type == "tiedote" and meta.project is None
    linked = link_to_project(meta, text, {"Kohti työtä ja koulutusta": "S21712", "Uudet kasvot": "S22421"})
    assert linked.project == "S21712"
    assert linked.project_name == "Kohti työtä ja koulutusta"


def test_a_new_document_of_the_same_form():
    text = ("Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus\n\n1 Hanke\n\nHankekoodi: S99999\n\n"
            "Hankkeen nimi: Testihanke Kuopio\n\nSuunnitelman mukainen toteutusaika: Alkaa 1.2.2020 ja päättyy 31.1.2022\n\n"
            "Kunnat: Kuopio, Siilinjärvi\n")
    meta = detect_metadata("new.txt", text)
    assert (meta.project, meta.project_name, meta.type) == ("S99999", "Testihanke Kuopio", "hankekuvaus")
    assert (meta.start_date, meta.end_date) == ("2020-02-01", "2022-01-31")
    assert "kuopio" in meta.places


def test_unrelated_text_is_other_and_unlinked():
    meta = detect_metadata("memo.txt", "Muistio\n\nKokous pidettiin tiistaina.\n")
    assert meta.type == "other" and meta.project is None
    assert link_to_project(meta, "Kokous pidettiin.", {"Uudet kasvot": "S22421"}).project is None


DEV = Path(__file__).resolve().parents[1] / "eval" / "corpus-dev"


def read_dev(name: str) -> str:
    return (DEV / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name,code,project_name", [
    ("A73459_hankekuvaus.txt", "A73459", "Woodpolis2020"),  # an ERDF (EAKR) form
    ("S22006_hankekuvaus.txt", "S22006", "MYÖ, TYÖ, HYÖ 2! - Osallisuudesta polkuja työelämään"),
])
def test_forms_of_every_fund_and_names_with_any_characters(name, code, project_name):
    meta = detect_metadata(name, read_dev(name))
    assert (meta.project, meta.project_name, meta.type) == (code, project_name, "hankekuvaus")


@pytest.mark.parametrize("name", ["A75833_tiedote.txt", "A76724_tiedote.txt", "S22138_tiedote.txt",
                                  "A71003_tiedote.txt"])
def test_news_texts_are_typed_by_their_genre_line(name):
    assert detect_metadata(name, read_dev(name)).type == "tiedote"


def test_a_press_text_is_linked_by_the_acronym_of_its_project():
    text = read_dev("A75833_tiedote.txt")  # says "KAHINA-hanke", never the code
    known = {"Kainuun ja Koillismaan kunnat hiilineutraaleiksi - KAHINA": "A75833", "Woodpolis2020": "A73459",
             "Kestävästi kasvua kesään Itä-Lapissa": "A76724"}
    assert link_to_project(detect_metadata("t.txt", text), text, known).project == "A75833"


def test_an_inflected_project_name_links_a_press_text():
    text = "Uutinen\n\nEU-komissaari tutustui Ohjaamo Helsinkiin viime viikolla.\n"
    linked = link_to_project(detect_metadata("t.txt", text), text, {"Ohjaamo Helsinki": "S20118", "Taitava Me": "S22138"})
    assert linked.project == "S20118"
