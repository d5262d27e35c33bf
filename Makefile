# Hankeapu: `make run` sets everything up, ingests corpus/ and starts the web chat;
# `make test` sets up the same way and runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: setup system-packages browser format-tools model ingest run serve chat test eval fit bench clean help

help:
	@echo "make run   - set up, ingest corpus/ and start the web chat on http://127.0.0.1:8000"
	@echo "make test  - set up and run the tests (including the evaluation gate)"
	@echo "make eval  - run the evaluation of all pipelines and write eval/report/"
	@echo "make fit   - refit the answer scorer (assistant/data/scorer.json) on the development sets"

setup: system-packages $(STAMP) model

# Voikko gives real Finnish lemmas; without it we fall back to simplemma and say so.
# Tesseract reads scanned PDFs; without it they are refused with a message saying how to install it.
system-packages:
	@bash scripts/install_system_packages.sh voikko
	@bash scripts/install_system_packages.sh ocr

browser:
	@bash scripts/install_system_packages.sh chromium

# LibreOffice (DOCX → PDF) and poppler (PDF → page images) build the test documents of tests/test_formats.py.
format-tools:
	@bash scripts/install_system_packages.sh formats

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

model: $(STAMP)
	$(BIN)/python -m core.model_fetch

ingest: setup
	$(BIN)/hanke ingest corpus

run: ingest
	$(BIN)/hanke serve

chat: ingest
	$(BIN)/hanke chat

test: setup browser format-tools
	$(BIN)/python -m pytest -q

eval: ingest
	$(BIN)/hanke eval --questions eval/questions.jsonl --out eval/report --all-pipelines

# The development sets need corpus/ and eval/corpus-dev/ indexed together, in an index of its own
# so that the chat's index (data/) keeps only what the user ingested.
FIT_DATA := .fit-index
fit: setup
	HANKE_DATA_DIR=$(FIT_DATA) $(BIN)/hanke ingest corpus eval/corpus-dev
	HANKE_DATA_DIR=$(FIT_DATA) $(BIN)/hanke fit

clean:
	rm -rf data eval/out tests/artifacts $(FIT_DATA)
