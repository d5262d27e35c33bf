"""The English → Finnish glossary: other inflections of a listed word are found, function words are not."""

from assistant.glossary import GLOSSARY, english_stem, finnish_terms


def test_inflections_share_the_listed_words_terms():
    assert "receive" not in GLOSSARY and "received" in GLOSSARY
    assert finnish_terms("receive") == finnish_terms("received")
    assert finnish_terms("trainings") == finnish_terms("training")
    assert english_stem("received") == english_stem("receives")


def test_function_words_are_not_read_as_glossary_words():
    assert "theme" in GLOSSARY
    assert finnish_terms("them") == ()


def test_short_words_are_not_stemmed_into_others():
    assert english_stem("uses") == "uses"  # a stem shorter than four letters would match too much


def test_a_phrase_of_several_words_is_translated_whole():
    from assistant.query import analyse

    analysis = analyse("Which of the projects were applied for by a university of applied sciences?")
    assert "ammattikorkeakoulu" in analysis.key_terms
    assert "yliopisto" not in analysis.key_terms  # "university" alone would mean a university
    assert "yliopisto" in analyse("Which projects were applied for by a university?").key_terms


def test_theme_terms_are_lemmas_the_analyser_gives():
    """A theme's Finnish term is matched against the documents' lemmas, so it must be one: the
    analyser lemmatises "puurakentaminen" to "puurakentaa", and an entry "puurakentaminen" would
    never match."""
    from assistant.glossary import THEMES
    from core.text_analysis import lemmas

    for terms in THEMES.values():
        for term in terms:
            assert lemmas(term)[0] == term, term
