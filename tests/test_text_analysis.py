from core.text_analysis import (case_stems, compound_heads, detect_language, finnishness, is_hypothetical, lemmas,
                                lemmatizer_name, tokens)


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


def test_project_codes_are_one_token():
    assert "s21712" in tokens("Hankekoodi: S21712")
    assert "21712" not in tokens("S21712-hankkeen kustannukset")


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


CONCURRENT_LEMMAS = """
import re, sys, threading
from pathlib import Path
from core.text_analysis import lemmas, word_classes
text = " ".join(p.read_text(encoding="utf-8") for p in Path("corpus").glob("*.txt"))
vocabulary = sorted(set(re.findall(r"[^\\W\\d_]+", text)))
def work(k):
    for word in vocabulary[k::4]:
        lemmas(word), word_classes(word)
threads = [threading.Thread(target=work, args=(k,)) for k in range(16)]
[t.start() for t in threads]
[t.join() for t in threads]
print(len(vocabulary))
"""


def test_lemmas_from_many_threads_at_once_do_not_crash():
    """The web server lemmatises questions on many threads; a libvoikko handle used by two threads at
    once segfaults, which under load took the whole server down."""
    import subprocess
    import sys
    from pathlib import Path

    if lemmatizer_name() != "voikko":
        import pytest

        pytest.skip("the crash is libvoikko's")
    repo = Path(__file__).resolve().parent.parent
    # A fresh process: its caches are cold, so every thread really calls Voikko.
    run = subprocess.run([sys.executable, "-c", CONCURRENT_LEMMAS], cwd=repo, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, (run.returncode, run.stderr[-2000:])
    assert int(run.stdout) > 1000


def test_a_compound_head_the_analyser_splits_further():
    # vastuu + viran + omainen: the head is "viranomainen", a word of its own
    assert "viranomainen" in compound_heads("Vastuuviranomainen")
    assert "yhteistyö" in compound_heads("matkailuyhteistyön")
    assert compound_heads("hanke") == ()


def test_an_unknown_name_less_its_case_ending():
    assert case_stems("SATTUKOssa") == ("sattuko",)  # an acronym's capitals end where the ending starts
    assert case_stems("LUTin") == ("lut",)
    assert "xamk" in case_stems("Xamkin")
    assert case_stems("Åland") == ()  # nothing to strip


def test_a_sentence_of_what_could_happen():
    # The conditional mood (every verb reading; "voisi" is also a noun) and English modals of possibility
    assert is_hypothetical("noin 400 henkilöä voisi työllistyä alueen yrityksiin")
    assert is_hypothetical("About 400 people could find work in local firms")
    assert not is_hypothetical("Hankkeessa työllistyi 45 henkilöä")
    assert not is_hypothetical("Voin hinta nousi.")
