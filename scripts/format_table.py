"""The table of scripts/measure_formats.sh: per format, hit@5 and answer accuracy on the held-out
questions, table and score facts per document, and whether project S21712's card equals the .txt
one (name, organisation, period, region, key figures)."""

import json
import sys
from collections import Counter
from pathlib import Path

from core.store import DocumentStore

CARD_FIELDS = ("name", "organisation", "period", "region", "figures")


def card_key(path: Path) -> dict:
    card = json.loads(path.read_text(encoding="utf-8"))
    strip = lambda items: [{k: v for k, v in i.items() if k != "citations"} if isinstance(i, dict) else i
                           for i in items]
    return {f: strip(card[f]) if isinstance(card[f], list) else card[f] for f in CARD_FIELDS}


def main(out: Path) -> None:
    txt_card = card_key(out / "card-txt.json")
    print("| format | hit@5 | answer accuracy | table + score facts per document | card S21712 = .txt | total costs |")
    print("|---|---|---|---|---|---|")
    for fmt in ("txt", "docx", "pdf", "scanned"):
        summary = json.loads((out / f"eval-{fmt}" / "summary.json").read_text())["pipelines"]["hanke"]["overall"]
        counts = []
        for record in DocumentStore(out / f"index-{fmt}").all():
            kinds = Counter(f.kind for f in record.facts)
            counts.append(f"{record.document.doc[:3]}: {kinds['table']}+{kinds['score']}")
        card = card_key(out / f"card-{fmt}.json")
        same = card == txt_card
        costs = next((f for f in card["figures"] if "ustannukset yhteensä" in f["quantity"]), {})
        print(f"| {fmt} | {summary['hit@5']:.3f} | {summary['answer_accuracy']:.3f} | {', '.join(counts)} | "
              f"{'yes' if same else 'NO: ' + ', '.join(k for k in CARD_FIELDS if card[k] != txt_card[k])} | "
              f"{costs.get('realised') or costs.get('planned') or '–'} |")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/hanke-formats"))
