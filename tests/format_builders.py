"""Office versions of the corpus/ text files, made the way an office makes them:

- DOCX with python-docx: each block of tab-separated lines is a real Word table (grid borders),
  headings carry Word's heading styles, the lines of a block are one paragraph with line breaks,
  and every page has a header and a page-number footer (which a reader must drop);
- PDF from that DOCX by LibreOffice headless (`soffice --convert-to pdf`);
- a scanned PDF: that PDF rasterised by pdftoppm and the page images wrapped back into a PDF with no
  text layer at all.

Used by tests/test_formats.py and by `python -m tests.format_builders OUT_DIR` to make the files
for measuring by hand (`hanke ingest OUT_DIR/docx`, `hanke eval …`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ingest.chunking import find_blocks


def _heading_lines(text: str) -> dict[int, int]:
    """Line index → Word heading level for the lines the chunker reads as headings in the .txt."""
    starts = {block.start: block for block in find_blocks(text) if block.kind == "heading"}
    levels: dict[int, int] = {}
    offset = 0
    for index, line in enumerate(text.split("\n")):
        block = starts.get(offset + (len(line) - len(line.lstrip())))
        if block is not None:
            number = line.strip().split(" ")[0]
            numbered = number[:1].isdigit()
            # "4 Tulokset" → Heading 1, "4.2 Mitä…" → Heading 2, "1. Osaavan…" and short titles → Heading 3
            levels[index] = (1 + number.rstrip(".").count(".")) if numbered and not number.endswith(".") else 3
        offset += len(line) + 1
    return levels


def _add_page_number_footer(section, label: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    section.header.paragraphs[0].text = label
    paragraph = section.footer.paragraphs[0]
    paragraph.add_run("Sivu ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def txt_to_docx(text: str, path: Path, label: str) -> Path:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Liberation Sans"
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(6)
    _add_page_number_footer(document.sections[0], label)
    headings = _heading_lines(text)
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
            continue
        if index in headings:
            document.add_heading(line.strip(), level=headings[index])
            index += 1
            continue
        if "\t" in line:
            rows = []
            while index < len(lines) and "\t" in lines[index] and lines[index].strip():
                rows.append(lines[index].split("\t"))
                index += 1
            columns = max(len(row) for row in rows)
            table = document.add_table(rows=len(rows), cols=columns)
            table.style = "Table Grid"
            for r, row in enumerate(rows):
                for c in range(columns):
                    table.cell(r, c).text = row[c].strip() if c < len(row) else ""
            # Word keeps a paragraph between two tables (without one they are a single table).
            document.add_paragraph()
            continue
        paragraph = document.add_paragraph()
        first = True
        while (index < len(lines) and lines[index].strip() and "\t" not in lines[index]
               and index not in headings):
            if not first:
                paragraph.add_run().add_break()
            paragraph.add_run(lines[index].strip())
            first = False
            index += 1
    document.save(path)
    return path


def docx_to_pdf(docx_paths: list[Path], out_dir: Path) -> list[Path]:
    """All files in one LibreOffice run (starting it is most of the cost)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui)")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out_dir), *map(str, docx_paths)],
                       check=True, capture_output=True, timeout=600)
    return [out_dir / (path.stem + ".pdf") for path in docx_paths]


def pdf_to_scanned(pdf: Path, out: Path, dpi: int = 200) -> Path:
    """Rasterise every page (pdftoppm) and wrap the grey page images back into an image-only PDF."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), f"{tmp}/page"],
                       check=True, capture_output=True, timeout=600)
        pages = [Image.open(p) for p in sorted(Path(tmp).glob("page*.png"))]
        pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:])
    return out


REGISTRY_PAGE = """<!DOCTYPE html>
<html lang="fi"><head><meta charset="utf-8"><title>{code} {name} – Rakennerahastot.fi</title>
<style>th {{text-align: left}}</style><script>window.dataLayer = [];</script></head>
<body>
<header class="site-header"><a class="logo" href="/">Rakennerahastot.fi</a>
<nav class="main-menu"><ul><li><a href="/">Etusivu</a></li><li><a href="/hankkeet">Hankkeet</a></li>
<li><a href="/ohjelmat">Ohjelmat</a></li><li><a href="/haku">Hae hankkeita</a></li></ul></nav></header>
<div class="breadcrumbs"><a href="/">Etusivu</a> › <a href="/hankkeet">Hankkeet</a> › {code}</div>
<div class="cookie-banner">Sivusto käyttää evästeitä. <button>Hyväksy</button></div>
<main id="content">
{body}
</main>
<aside class="sidebar"><h2>Katso myös</h2><ul><li><a href="/tilastot">Tilastot</a></li></ul></aside>
<footer class="site-footer"><p>Rakennerahastot.fi – Työ- ja elinkeinoministeriö</p>
<p>Saavutettavuusseloste | Tietosuoja | Palaute</p></footer>
</body></html>
"""


def txt_to_registry_html(text: str) -> str:
    """A project description as the public registry shows it: the form's `Label: value` fields in
    th/td tables, numbered sections as h2, paragraphs, lists, and tab-separated tables as tables,
    inside a page with a menu, breadcrumbs, a cookie banner, a sidebar and a footer."""
    from html import escape

    import re

    body: list[str] = []
    fields: list[str] = []
    headings = _heading_lines(text)
    code = re.search(r"Hankekoodi:\s*(\S+)", text)
    name = re.search(r"Hankkeen nimi:\s*(.+)", text)

    def close_fields() -> None:
        if fields:
            body.append('<table class="tiedot">' + "".join(fields) + "</table>")
            fields.clear()

    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if not line:
            continue
        label = re.match(r"^([A-ZÅÄÖ][^:\t]{1,100}?):(?:\s+(.*))?$", line)
        if label and "\t" not in line and index - 1 not in headings:
            fields.append(f"<tr><th>{escape(label.group(1))}</th><td>{escape(label.group(2) or '')}</td></tr>")
            continue
        close_fields()
        if index - 1 in headings:
            body.append(f"<h2>{escape(line)}</h2>")
        elif "\t" in lines[index - 1]:
            rows = [lines[index - 1]]
            while index < len(lines) and "\t" in lines[index]:
                rows.append(lines[index])
                index += 1
            cells = ["".join(f"<{tag}>{escape(c.strip())}</{tag}>" for c in row.split("\t"))
                     for tag, row in zip(["th"] + ["td"] * len(rows), rows)]
            body.append("<table>" + "".join(f"<tr>{c}</tr>" for c in cells) + "</table>")
        elif line.startswith("- "):
            items = [line[2:]]
            while index < len(lines) and lines[index].strip().startswith("- "):
                items.append(lines[index].strip()[2:])
                index += 1
            body.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
        else:
            body.append(f"<p>{escape(line)}</p>")
    close_fields()
    return REGISTRY_PAGE.format(code=code.group(1) if code else "", name=escape(name.group(1)) if name else "",
                                body="\n".join(body))


class CachedEmbeddings:
    """The real model behind a text → vector memo (one per session)."""

    def __init__(self, model):
        self.model = model
        self.memo: dict[str, list[float]] = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if missing:
            self.memo.update(zip(missing, self.model.embed_documents(missing)))
        return [self.memo[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)

    def remember_index(self, settings) -> None:
        """Take the vectors of an existing index, keyed by the text they were embedded from."""
        from core.embeddings import document_text
        from core.store import DocumentStore, VectorStore

        collection = VectorStore(settings).collection
        for record in DocumentStore(settings.data_dir).all():
            got = collection.get(ids=[c.id for c in record.chunks], include=["embeddings"])
            vectors = dict(zip(got["ids"], got["embeddings"]))
            for chunk in record.chunks:
                text = document_text(record.document.title, chunk.section,
                                     f"{chunk.context}\n{chunk.text}" if chunk.context else chunk.text)
                if chunk.id in vectors:
                    self.memo.setdefault(text, [float(v) for v in vectors[chunk.id]])


def build_formats(corpus: Path, out: Path) -> dict[str, Path]:
    """out/txt, out/docx, out/pdf and out/scanned, each holding the whole corpus in that format."""
    folders = {name: out / name for name in ("txt", "docx", "pdf", "scanned")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    docx_paths = []
    for source in sorted(corpus.glob("*.txt")):
        shutil.copy(source, folders["txt"] / source.name)
        text = source.read_text(encoding="utf-8")
        docx_paths.append(txt_to_docx(text, folders["docx"] / f"{source.stem}.docx", f"EURA 2014 – {source.stem}"))
    for pdf in docx_to_pdf(docx_paths, folders["pdf"]):
        pdf_to_scanned(pdf, folders["scanned"] / pdf.name)
    return folders


if __name__ == "__main__":
    print(build_formats(Path(sys.argv[2] if len(sys.argv) > 2 else "corpus"), Path(sys.argv[1])))
