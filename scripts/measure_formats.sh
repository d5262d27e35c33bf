#!/usr/bin/env bash
# Measure how well each document format is read: corpus/ as .txt, .docx (python-docx, real Word
# tables and heading styles), .pdf (LibreOffice from that DOCX) and a scanned PDF (pdftoppm images,
# no text layer), each ingested into its own fresh index and asked the held-out questions.
# Usage: scripts/measure_formats.sh [OUT_DIR]   (about 15 minutes on 2 cores; the scan needs Tesseract)
set -euo pipefail
out="${1:-/tmp/hanke-formats}"
bin=.venv/bin
[ -d "$out/scanned" ] || $bin/python -m tests.format_builders "$out"
for format in txt docx pdf scanned; do
  export HANKE_DATA_DIR="$out/index-$format"
  rm -rf "$HANKE_DATA_DIR" "$out/eval-$format"
  $bin/hanke ingest "$out/$format" > "$out/ingest-$format.log"
  $bin/hanke eval --questions eval/questions_heldout.jsonl --out "$out/eval-$format" > /dev/null
  $bin/hanke project S21712 --json > "$out/card-$format.json"
done
$bin/python scripts/format_table.py "$out"
