from core.numbers import find_figures, format_number, parse_finnish_number


def test_parses_finnish_numbers_with_any_space():
    assert parse_finnish_number("1 379 106,07") == 1379106.07
    assert parse_finnish_number("1\u00a0137\u00a0380") == 1137380
    assert parse_finnish_number("18,55") == 18.55


def test_finds_figures_but_not_dates_or_list_numbers():
    values = [f.value for f in find_figures("Hankkeessa oli 345 (Lieksa 310, Juuka 35) lääkäriaikaa 1.6.2019 alkaen.")]
    assert values == [345, 310, 35]
    assert [f.value for f in find_figures("2. Ostopalvelut\t286 630,84")] == [286630.84]
    assert find_figures("2) edellytysten löytäminen uudelle liiketoiminnalle") == []


def test_a_percentage_written_out_is_a_percentage():
    [figure] = find_figures("EU-ohjelman rahaa hankkeille tulee noin 60 prosenttia kokonaiskustannuksista.")
    assert (figure.value, figure.unit) == (60, "%")
    assert [f.unit for f in find_figures("Osuus on 80 % ja 20 prosentin loppu")] == ["%", "%"]


def test_codes_and_names_hold_no_figure():
    assert find_figures("Hankekoodi: S21712") == []
    assert find_figures("aiemmin 5T-hankkeella tuotettu portaali") == []
    assert [f.value for f in find_figures("lääkäripalveluista (155 000e) ja 15-sivuinen opas")] == [155000, 15]


def test_phone_numbers_hold_no_figure():
    assert find_figures("Yhteyshenkilön puhelinnumero: 040 182 1387") == []
    assert find_figures("puh. +358 40 182 1387") == []
    assert [f.text for f in find_figures("Osuus oli 0,5 % ja tulos 0 0")] == ["0,5", "0", "0"]


def test_a_decade_is_a_time_not_a_quantity():
    # "2000-luvun huippuvuosina" (in the peak years of the 2000s) counts nothing, even when years are asked
    assert find_figures("saman verran kuin 2000-luvun huippuvuosina", include_years=True) == []
    assert [f.value for f in find_figures("1990-luvulla yrityksiä oli 300")] == [300]
    assert [f.value for f in find_figures("Vuosina 2000-2005", include_years=True)] == [2000, 2005]


def test_formats_for_the_reader():
    assert format_number(1379106.07, "en") == "1,379,106.07"
    assert format_number(1379106.07, "fi") == "1 379 106,07"
    assert format_number(1900, "fi") == "1900"
