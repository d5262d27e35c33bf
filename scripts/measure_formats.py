"""Measure how faithfully each format is read: corpus/ as .txt, .docx (python-docx, real Word
tables and heading styles), .pdf (LibreOffice from that DOCX) and a scanned PDF (pdftoppm page
images, no text layer), each ingested into its own fresh index and asked the held-out questions.

Usage: .venv/bin/python scripts/measure_formats.py [OUT_DIR]   (needs LibreOffice, poppler, Tesseract)
Prints the table of README *Document formats*. Chunk texts embedded once are not embedded again
(same text, same vector), so the four indexes cost little more than one.
"""

import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.facts import FactIndex  # noqa: E402
from assistant.index import IndexView  # noqa: E402
from assistant.project_card import project_card  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from core.embeddings import shared_embeddings  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.store import DocumentStore  # noqa: E402
from eval.pipelines import HankePipeline  # noqa: E402
from eval.questions_io import load_questions  # noqa: E402
from eval.runner import evaluate_pipeline  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402
from tests.format_builders import CachedEmbeddings, build_formats  # noqa: E402

PROJECTS = ("S21712", "S20283", "S22421")
CARD_FIELDS = ("name", "organisation", "period", "region", "figures")


def card(settings: Settings, code: str) -> dict:
    value = project_card(FactIndex(IndexView.load(settings)), code, "fi").model_dump()
    strip = lambda items: [{k: v for k, v in i.items() if k != "citations"} for i in items] if isinstance(items, list) else items
    return {field: strip(value[field]) for field in CARD_FIELDS}


def main(out: Path) -> None:
    files = build_formats(REPO / "corpus", out) if not (out / "scanned").is_dir() else \
        {name: out / name for name in ("txt", "docx", "pdf", "scanned")}
    model = shared_embeddings()
    cache = CachedEmbeddings(model)
    questions = load_questions(REPO / "eval" / "questions_heldout.jsonl")
    rows, cards = [], {}
    for fmt in ("txt", "docx", "pdf", "scanned"):
        settings = Settings(data_dir=out / f"index-{fmt}", corpus_dir=files[fmt])
        started = time.perf_counter()
        report = ingest_paths([files[fmt]], settings, cache)
        ingest_s = time.perf_counter() - started
        saved = out / f"metrics-{fmt}.json"  # an unchanged index need not be asked again
        if saved.is_file() and not (report.added or report.updated or report.removed):
            metrics = json.loads(saved.read_text())
        else:
            metrics = evaluate_pipeline(HankePipeline(Assistant(settings, model)), questions, k=5).metrics
            saved.write_text(json.dumps(metrics))
        facts = []
        for record in DocumentStore(settings.data_dir).all():
            kinds = Counter(f.kind for f in record.facts)
            facts.append(f"{record.document.doc[:3]} {kinds['table']}+{kinds['score']}")
        cards[fmt] = {code: card(settings, code) for code in PROJECTS}
        same = [code for code in PROJECTS if cards[fmt][code] == cards["txt"][code]]
        costs = next((f for f in cards[fmt]["S21712"]["figures"] if "ustannukset yhteensä" in f["quantity"].lower()), {})
        rows.append(f"| {fmt} | {metrics['hit@5']:.3f} | {metrics['answer_accuracy']:.3f} | {', '.join(facts)} | "
                    f"{len(same)}/3 | {costs.get('realised') or costs.get('planned') or 'missing'} | "
                    f"{cards[fmt]['S21712']['name']} | {report.chunks_embedded} chunks, {ingest_s:.0f} s"
                    f"{', OCR pages: ' + str(sum(len(p) for p in report.ocr.values())) if report.ocr else ''} |")
        print(rows[-1], flush=True)
        for code in PROJECTS:
            for field in CARD_FIELDS:
                if cards[fmt][code][field] != cards["txt"][code][field]:
                    print(f"  {fmt} {code} {field}: {json.dumps(cards[fmt][code][field], ensure_ascii=False)[:300]}")
    print("\n| format | hit@5 | answer accuracy | table+score facts per document | cards = .txt | S21712 total costs | S21712 name | ingest |")
    print("|---|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hanke-formats"))
