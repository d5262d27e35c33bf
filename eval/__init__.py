"""Evaluation harness: question sets, pipelines side by side, metrics and reports (`hanke eval`).

Imports assistant/ (its public API), core/ and ingest.loaders (the LangChain baseline reads the raw
files); nothing imports eval/ except the `hanke eval` command and the tests. See eval/README.md.
"""
