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
