"""Each loader on a real file of its format, and every kind of bad file."""

import io
import zipfile

import pytest

from ingest.loaders import LoadError, load_bytes

FINNISH = "Hankkeen tavoitteena oli lisätä työllisyyttä Lieksassa ja Juuassa."


def make_pdf(text: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.drawString(72, 750, text)
    page.save()
    return buffer.getvalue()


def make_docx(text: str, table=None) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_txt_and_md():
    assert load_bytes("a.txt", FINNISH.encode()) == FINNISH
    assert "Otsikko" in load_bytes("a.md", "# Otsikko\n\nTeksti".encode())


def test_windows_1252_finnish_is_read():
    assert load_bytes("old.txt", FINNISH.encode("cp1252")) == FINNISH


def test_html_drops_scripts():
    html = f"<html><head><script>alert(1)</script></head><body><h1>Tiedote</h1><p>{FINNISH}</p></body></html>"
    text = load_bytes("a.html", html.encode())
    assert FINNISH in text and "alert" not in text


def test_pdf():
    assert "Lieksassa" in load_bytes("a.pdf", make_pdf(FINNISH))


def test_docx_with_table_rows_as_tabs():
    text = load_bytes("a.docx", make_docx(FINNISH, [["Kustannukset", "Yhteensä €"], ["Ostopalvelut", "286 630,84"]]))
    assert FINNISH in text
    assert "Ostopalvelut\t286 630,84" in text


@pytest.mark.parametrize("name,data,reason", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n ", "empty"),
    ("binary.txt", bytes(range(256)) * 20, "binary"),
    ("corrupt.pdf", b"%PDF-1.4\n this is not really a pdf", "PDF"),
    ("corrupt.docx", b"PK\x03\x04 not a zip", "DOCX"),
    ("image.png", b"\x89PNG....", "unsupported"),
])
def test_bad_files_raise_clear_errors(name, data, reason):
    with pytest.raises(LoadError, match=reason):
        load_bytes(name, data)


def test_encrypted_pdf_is_refused():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf(FINNISH))))
    writer.encrypt("salasana")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(LoadError, match="encrypted"):
        load_bytes("secret.pdf", buffer.getvalue())


def test_zip_bomb_renamed_docx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (300 * 1024 * 1024))
    with pytest.raises(LoadError, match="zip bomb"):
        load_bytes("bomb.docx", buffer.getvalue())


# --- structure: every format gives the structured text of the corpus/ files -------------------

def test_docx_keeps_body_order_header_rows_and_heading_styles():
    import docx

    document = docx.Document()
    document.add_heading("4 Tulokset", level=1)
    document.add_paragraph("Hankkeessa syntyi uusi toimintamalli, jota käytetään edelleen.")
    document.add_paragraph("Ei relevantti")
    document.add_paragraph("Suunniteltu: 45")
    grid = document.add_table(rows=3, cols=2)
    for r, row in enumerate([["Kustannukset", "Yhteensä €"], ["Palkat", "821 051,26"], ["Ostopalvelut", "286 630,84"]]):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    document.add_paragraph("Taulukon jälkeinen kappale kertoo rahoituksesta.")
    document.add_paragraph("Ensimmäinen tavoite", style="List Number")
    document.add_paragraph("Toinen tavoite", style="List Number")
    buffer = io.BytesIO()
    document.save(buffer)
    text = load_bytes("a.docx", buffer.getvalue())
    table = "Kustannukset\tYhteensä €\nPalkat\t821 051,26\nOstopalvelut\t286 630,84"
    assert "\n\n4 Tulokset\n\n" in "\n\n" + text
    assert f"\n\n{table}\n\n" in text  # one table, header row first, between the paragraphs around it
    assert text.index("uusi toimintamalli") < text.index("Kustannukset") < text.index("Taulukon jälkeinen")
    # A short paragraph is not left between blank lines, where the chunker would take it for a heading.
    assert "\n\nEi relevantti\n\n" not in text and "Ei relevantti" in text
    assert "- Ensimmäinen tavoite\n- Toinen tavoite" in text or "1) Ensimmäinen tavoite\n2) Toinen tavoite" in text


def test_docx_structure_is_what_chunking_and_facts_read():
    from ingest.chunking import split_document
    from ingest.facts import extract_facts

    text = load_bytes("a.docx", make_docx(FINNISH, [["Kustannukset", "Yhteensä €"], ["Ostopalvelut", "286 630,84"]]))
    sections, _ = split_document("a.docx", text)
    facts = [f for f in extract_facts("a.docx", text, sections) if f.kind == "table"]
    assert [(f.quantity, f.label, f.value) for f in facts] == [("Ostopalvelut", "Yhteensä €", 286630.84)]


def test_html_main_content_forms_and_tables():
    html = """<html><body><nav class="menu"><a>Etusivu</a><a>Hankkeet</a></nav>
    <div class="breadcrumbs">Etusivu › Hankkeet</div>
    <main><h1>Uudet kasvot</h1>
    <table><tr><th>Hankekoodi</th><td>S22421</td></tr><tr><th>Toiminnan tila</th><td>Toiminta päättynyt</td></tr></table>
    <dl><dt>Vastuuviranomainen</dt><dd>Etelä-Savon ELY-keskus</dd></dl>
    <h2>Rahoitus</h2><p>Hankkeen rahoitus <b>jakautuu</b> näin.</p>
    <table><tr><th>Rahoitus</th><th>Yhteensä €</th></tr><tr><td>EU- ja valtion rahoitus</td><td>1 137 380</td></tr></table>
    <ul><li>ensimmäinen</li><li>toinen</li></ul></main>
    <footer>Yhteystiedot | Saavutettavuusseloste</footer><script>track()</script></body></html>"""
    text = load_bytes("a.html", html.encode())
    assert "Hankekoodi: S22421\nToiminnan tila: Toiminta päättynyt\nVastuuviranomainen: Etelä-Savon ELY-keskus" in text
    assert "\n\nRahoitus\tYhteensä €\nEU- ja valtion rahoitus\t1 137 380\n\n" in text
    assert "Hankkeen rahoitus jakautuu näin." in text and "- ensimmäinen\n- toinen" in text
    assert text.startswith("Uudet kasvot\n\n")
    for furniture in ("Etusivu", "Saavutettavuusseloste", "track"):
        assert furniture not in text


def make_layout_pdf() -> bytes:
    """Two pages with a running header and a page-number footer, a paragraph wrapped over several
    printed lines, a bold heading and a ruled table."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    words = ("Hankkeen tavoitteena oli lisätä työllisyyttä Lieksassa ja Juuassa kehittämällä "
             "palveluohjausta ja yhteistyötä eri toimijoiden kesken koko hankkeen ajan.").split()
    for number in (1, 2):
        page.setFont("Helvetica", 9)
        page.drawString(72, 800, "EURA 2014 - Loppuraportti S21712")
        page.drawString(72, 40, f"Sivu {number}")
        page.setFont("Helvetica-Bold", 12)
        page.drawString(72, 740, f"{number} Otsikko numero {number}")
        page.setFont("Helvetica", 10)
        y = 715
        for start in range(0, len(words), 6):  # printed lines of one paragraph, about 6 words each
            page.drawString(72, y, " ".join(words[start:start + 6]))
            y -= 12
        if number == 2:
            top = y - 20
            for row, (label, value) in enumerate([("Kustannukset", "Yhteensä €"), ("Palkat", "821 051,26")]):
                row_top = top - 18 * row
                page.rect(72, row_top - 18, 150, 18)
                page.rect(222, row_top - 18, 100, 18)
                page.drawString(76, row_top - 13, label)
                page.drawString(226, row_top - 13, value)
        page.showPage()
    page.save()
    return buffer.getvalue()


def test_pdf_layout_rebuilds_paragraphs_headings_and_tables():
    text = load_bytes("a.pdf", make_layout_pdf())
    paragraph = ("Hankkeen tavoitteena oli lisätä työllisyyttä Lieksassa ja Juuassa kehittämällä "
                 "palveluohjausta ja yhteistyötä eri toimijoiden kesken koko hankkeen ajan.")
    assert text.count(paragraph) == 2  # printed lines re-joined into one paragraph line
    assert "\n\n1 Otsikko numero 1\n\n" in "\n\n" + text and "\n\n2 Otsikko numero 2\n\n" in text
    assert "Kustannukset\tYhteensä €\nPalkat\t821 051,26" in text
    assert "EURA 2014" not in text and "Sivu" not in text  # the running header and footer


def scanned_pdf(text: str) -> bytes:
    """An image-only PDF page with the text drawn on it (no text layer)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1240, 1754), 255)
    font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    try:
        font = ImageFont.truetype(font_path, 36)
    except OSError:
        font = ImageFont.load_default()
    ImageDraw.Draw(image).text((100, 150), text, fill=0, font=font)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def test_digits_joined_across_a_space_are_split_and_a_number_is_not():
    import numpy as np

    from ingest.loaders.ocr import split_spaced_digits

    glyph, gap = (lambda width: np.ones((20, width), bool)), (lambda width: np.zeros((20, width), bool))
    two_scores = np.hstack([glyph(12), gap(11), glyph(12)])  # "0 0": a word space between the glyphs
    number = np.hstack([glyph(12), gap(2), glyph(12), gap(2), glyph(12)])  # "100"
    assert split_spaced_digits("00", two_scores) == [("0", 0, 12), ("0", 23, 35)]
    assert split_spaced_digits("100", number) == [("100", 0, 40)]
    assert split_spaced_digits("Ei", two_scores) == [("Ei", 0, 35)]  # only digits are split
    assert split_spaced_digits("000", two_scores) == [("000", 0, 35)]  # glyphs and digits must pair up


def test_scanned_pdf_without_tesseract_is_refused_saying_how_to_install(monkeypatch):
    from ingest.loaders import ocr

    ocr.check_tesseract.cache_clear()
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    with pytest.raises(LoadError, match="apt-get install tesseract-ocr tesseract-ocr-fin"):
        load_bytes("scan.pdf", scanned_pdf("Hankekoodi S21712"))
    ocr.check_tesseract.cache_clear()


def test_scanned_pdf_is_read_by_ocr():
    import shutil

    from ingest.loaders import load_document

    if shutil.which("tesseract") is None:
        pytest.skip("Tesseract is not installed (Debian: tesseract-ocr tesseract-ocr-fin)")
    loaded = load_document("scan.pdf", scanned_pdf("Hankkeen nimi Kohti työtä ja koulutusta"))
    assert loaded.ocr_pages == [1]
    assert "Kohti työtä ja koulutusta" in loaded.text
