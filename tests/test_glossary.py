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
