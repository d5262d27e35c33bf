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
