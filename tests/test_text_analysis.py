from core.text_analysis import detect_language, finnishness, lemmas, lemmatizer_name, tokens


def test_lemmas_follow_consonant_gradation_and_place_names():
    if lemmatizer_name() != "voikko":
        import pytest

        pytest.skip("Voikko is not installed; the simplemma fallback is weaker by design")
    assert "juuka" in lemmas("Juuassa")
    assert "juuka" in lemmas("Juuan")
    assert "lääkäripalvelu" in lemmas("lääkäripalveluiden")


def test_compound_parts_are_indexed():
    got = tokens("lääkäripalveluiden Ostopalvelut Kustannusarvion")
    for expected in ("lääkäri", "palvelu", "ostopalvelu", "kustannus", "arvio"):
        assert expected in got, (expected, got)


def test_finnish_thousands_are_one_token():
    assert "1137380" in tokens("Myönnetty EU- ja valtion rahoitus: 1 137 380")


def test_language_detection():
    assert detect_language("Mikä oli Oulun hankkeen tavoite työnhakija-asiakkaiden määrälle?") == "fi"
    assert detect_language("How many doctor appointments did the Lieksa project have?") == "en"
    assert finnishness("and what did it cost?") < 0.2
    assert finnishness("entä Juuassa?") > 0.8


def test_derivation_bases_link_verbs_and_their_nouns():
    from core.text_analysis import derivation_bases, related_lemmas

    if lemmatizer_name() != "voikko":
        import pytest

        pytest.skip("derivations come from Voikko's analysis")
    assert "hakea" in derivation_bases("Hakijan")
    assert "saapua" in derivation_bases("Saapumispäivämäärä")
    assert "säilyttää" in derivation_bases("säilytyksen")
    assert derivation_bases("haki") == ()  # a verb is its own lemma, not a derivation
    assert "päivä" not in derivation_bases("Saapumispäivämäärä")  # nouns are compound parts, not bases
    assert related_lemmas("Hakijan")[0] == "hakija"


def test_wrapped_lines_stay_one_sentence():
    from core.sentences import split_sentences

    text = "Myös se vaikutti, joten keväällä 2022 tehtiin toinen\nhankemuutos. Sota vaikutti.\nOtsikko\nUusi rivi."
    sentences = [text[s:e] for s, e in split_sentences(text)]
    assert sentences[0].endswith("toinen\nhankemuutos.")
    assert sentences[1:] == ["Sota vaikutti.", "Otsikko", "Uusi rivi."]
    table = "Rivi yksi\tarvo\nkaksi\tarvo"
    assert [table[s:e] for s, e in split_sentences(table)] == ["Rivi yksi\tarvo", "kaksi\tarvo"]
