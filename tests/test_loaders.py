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
