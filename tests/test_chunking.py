"""Chunk boundaries on the real corpus and on small documents written for the tests."""

from pathlib import Path

import pytest

from ingest.chunking import find_blocks, split_document

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_chunks_point_back_to_exact_source_spans(path):
    text = path.read_text(encoding="utf-8")
    _, chunks = split_document(path.name, text)
    assert chunks
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert len(chunk.text) <= 800


def test_numbered_headings_become_sections_and_stay_with_their_chunks():
    text = (CORPUS / "000_5e0951cc4940ee8c.txt").read_text(encoding="utf-8")
    _, chunks = split_document("000", text)
    doctors = next(c for c in chunks if "345 (Lieksa 310, Juuka 35)" in c.text)
    assert doctors.section.startswith("3.1 Hankkeen toiminnan ja tulosten tiivistelmä")
    results = next(c for c in chunks if "60 asiakasta (Lieksassa 51 ja Juuassa 9)" in c.text)
    assert results.section.startswith("4.2 Mitä välittömiä tuloksia")


def test_label_value_lines_are_not_headings():
    text = "5 Projektin julkinen rahoitus, euroa\n\nMyönnetty EU- ja valtion rahoitus: 863 000\n\nToteutunut EU- ja valtion rahoitus: 561 895\n"
    _, chunks = split_document("x", text)
    assert len(chunks) == 1
    assert chunks[0].section == "5 Projektin julkinen rahoitus, euroa"
    assert "863 000" in chunks[0].text and "561 895" in chunks[0].text


def test_cost_table_stays_whole_under_its_heading():
    text = (CORPUS / "000_5e0951cc4940ee8c.txt").read_text(encoding="utf-8")
    _, chunks = split_document("000", text)
    table = next(c for c in chunks if "2. Ostopalvelut\t286 630,84" in c.text)
    assert table.kind == "table"
    assert "Kustannukset\tYhteensä €" in table.text
    assert "Kustannusarvion ja rahoitussuunnitelman toteuma" in table.section


def test_long_table_repeats_its_header_as_context():
    header = "Kohde\tArvo\tPerustelu"
    rows = [f"Rivi {i}\t{i}\tPitkä perustelu, joka täyttää riviä jonkin verran {i}" for i in range(40)]
    text = "7.2 Kestävä kehitys\n\n" + "\n".join([header] + rows) + "\n"
    _, chunks = split_document("x", text)
    assert len(chunks) > 1
    assert all(c.kind == "table" for c in chunks)
    assert chunks[0].text.startswith(header)
    assert all(c.context == header for c in chunks[1:])
    assert all(len(c.text) <= 800 for c in chunks)


def test_long_paragraph_is_split_at_sentence_ends():
    sentence = "Hankkeessa kehitettiin uusia toimintamalleja työllisyyden edistämiseksi. "
    text = "3 Tiivistelmä\n\n" + sentence * 40
    _, chunks = split_document("x", text)
    assert len(chunks) > 2
    assert all(c.text.rstrip().endswith(".") for c in chunks[:-1])


def test_blocks_separate_tables_from_text():
    kinds = [b.kind for b in find_blocks("Otsikko teksti tässä.\nKustannukset\tYhteensä\nA\t1\n\nLoppu.")]
    assert kinds == ["text", "table", "text"]


def test_numbered_form_values_stay_with_their_label():
    from core.sentences import split_sentences

    text = ("Toimintalinja: 3. Työllisyys ja työvoiman liikkuvuus\n"
            "Erityistavoite: 6.1. Nuorten työllistymisen edistäminen\n"
            "Osallistujia oli 45. Seuraava vaihe alkoi.")
    pieces = [text[s:e] for s, e in split_sentences(text)]
    assert pieces[0] == "Toimintalinja: 3. Työllisyys ja työvoiman liikkuvuus"
    assert pieces[1] == "Erityistavoite: 6.1. Nuorten työllistymisen edistäminen"
    assert pieces[2:] == ["Osallistujia oli 45.", "Seuraava vaihe alkoi."]  # a figure still ends a sentence
