"""How much of corpus/'s structure each PDF text extractor keeps, counted by our own chunking and
fact extraction. Usage: python scripts/compare_pdf_extractors.py FORMATS_DIR, where FORMATS_DIR was
made by `python -m tests.format_builders FORMATS_DIR` (it needs LibreOffice)."""

import io
import sys
import time
from collections import Counter
from pathlib import Path

from core.sentences import split_sentences
from ingest.chunking import split_document
from ingest.facts import extract_facts
from ingest.loaders import load_document


def pypdf_plain(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def pypdf_layout(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n\n".join(p.extract_text(extraction_mode="layout") or "" for p in PdfReader(io.BytesIO(data)).pages)


def pypdfium2_text(data: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    return "\n\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def pdfplumber_text(data: bytes) -> str:
    import pdfplumber

    return "\n\n".join(p.extract_text() or "" for p in pdfplumber.open(io.BytesIO(data)).pages)


def ours(data: bytes) -> str:
    return load_document("a.pdf", data).text


EXTRACTORS = [("the .txt files", None), ("pypdf extract_text", pypdf_plain), ("pypdf layout mode", pypdf_layout),
              ("pypdfium2 get_text_range", pypdfium2_text), ("pdfplumber extract_text", pdfplumber_text),
              ("pdfplumber words + ruling lines, our layout rebuild", ours)]


def counts(text: str) -> list[int]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    sections, chunks = split_document("a", text)
    kinds = Counter(f.kind for f in extract_facts("a", text, sections))
    sentences = sum(len(split_sentences(line, 0)) for line in text.split("\n") if line.strip())
    return [kinds["table"], kinds["score"], kinds["value"], sentences, len(chunks)]


def main(base: Path) -> None:
    print("| extractor | table facts | score facts | label–value facts | sentences | chunks | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, extract in EXTRACTORS:
        started = time.perf_counter()
        total = [0] * 5
        for txt in sorted((base / "txt").glob("*.txt")):
            text = txt.read_text(encoding="utf-8") if extract is None else extract((base / "pdf" / f"{txt.stem}.pdf").read_bytes())
            total = [a + b for a, b in zip(total, counts(text))]
        print(f"| {name} | " + " | ".join(map(str, total)) + f" | {time.perf_counter() - started:.1f} |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
