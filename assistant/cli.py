"""`hanke`: the command line, a thin layer over ingest/ and assistant/.

Every command has --help; bad input ends with a clear message and exit code 1, never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from assistant import texts

app = typer.Typer(help="Hankeapu: cited answers from EU/ESF project documents (Finnish and English).",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> None:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(1)


def load_assistant():
    """The assistant, or a clear message when the index or the model is missing."""
    from assistant.service import Assistant
    from core.embeddings import ModelMissingError
    from core.store import IndexMissingError

    from core.disk import is_disk_full

    try:
        return Assistant()
    except (IndexMissingError, ModelMissingError) as error:
        fail(str(error))
    except Exception as error:  # Chroma cannot open its store when the disk is full
        if is_disk_full(error):
            fail("not enough disk space to open the index; free some space and try again")
        raise


def print_answer(answer) -> None:
    style = "" if answer.found else "yellow"
    console.print(answer.answer, style=style, highlight=False)
    if answer.citations:
        console.print()
        console.print(f"[bold]{texts.SOURCES_HEADING[answer.language]}[/]")
        for c in answer.citations:
            console.print(f"[{c.n}] {c.title} ({c.doc})", highlight=False, markup=False)
            if c.section:
                console.print(f"    § {c.section}", highlight=False, markup=False)
            console.print(f"    „{' '.join(c.quote.split())}“", style="dim", highlight=False, markup=False)


@app.command()
def ingest(paths: list[Path] = typer.Argument(None, help="Files or folders (default: HANKE_CORPUS_DIR, ./corpus)."),
           keep_missing: bool = typer.Option(False, "--keep-missing",
                                             help="Keep documents whose files are gone from the folders.")):
    """Index .txt, .md, .pdf, .docx and .html files. Unchanged files are skipped."""
    from core.disk import DiskFullError, is_disk_full
    from core.embeddings import ModelMissingError
    from core.settings import get_settings
    from ingest.pipeline import IngestBusyError, ingest_paths

    settings = get_settings()
    paths = paths or [settings.corpus_dir]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        fail(f"path not found: {', '.join(missing)}")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        tasks: dict[str, int] = {}

        def on_progress(doc: str, done: int, total: int) -> None:
            if doc not in tasks:
                tasks[doc] = progress.add_task(f"embedding {doc}", total=total)
            progress.update(tasks[doc], completed=done)

        try:
            report = ingest_paths(paths, settings, progress=on_progress, prune=not keep_missing)
        except (IngestBusyError, ModelMissingError, DiskFullError) as error:
            fail(str(error))
        except Exception as error:  # e.g. Chroma failing to open its files on a full disk
            if is_disk_full(error):
                fail(str(DiskFullError(settings.data_dir)))
            raise
    table = Table(title=f"Ingest finished in {report.seconds:.1f} s", show_header=True)
    table.add_column("result")
    table.add_column("files", justify="right")
    table.add_column("documents")
    for label, docs in (("added", report.added), ("updated", report.updated),
                        ("unchanged", report.unchanged), ("removed", report.removed)):
        table.add_row(label, str(len(docs)), ", ".join(docs[:6]) + (" …" if len(docs) > 6 else ""))
    table.add_row("failed", str(len(report.failed)), "")
    console.print(table)
    for name, reason in report.failed:
        console.print(f"[red]failed[/] {name}: {reason}", highlight=False)
    if report.repaired:
        console.print(f"repaired (vectors were missing, embedded again): {', '.join(report.repaired)}", highlight=False)
    for name, pages in report.ocr.items():
        console.print(texts.INGEST_OCR["en"].format(doc=name, pages=texts.page_ranges(pages)), highlight=False)
    console.print(f"{report.chunks_embedded} chunks embedded; {report.total_chunks} chunks in the index.")
    if report.disk_full:
        fail(report.disk_full)


@app.command()
def doctor(repair: bool = typer.Option(False, "--repair", help="Fix what does not agree (re-embeds missing vectors).")):
    """Check that the document records, the Chroma vectors and the keyword index agree."""
    from core.disk import DiskFullError, is_disk_full
    from core.settings import get_settings
    from ingest.pipeline import IngestBusyError, check_index
    from ingest.upload_journal import load_all

    settings = get_settings()
    try:
        found, repaired = check_index(settings, repair=repair)
    except (IngestBusyError, DiskFullError) as error:
        fail(str(error))
    except Exception as error:
        if is_disk_full(error):
            fail(f"not enough disk space in {settings.data_dir}")
        raise
    console.print(f"documents: {found.documents}, chunks recorded: {found.chunks}, vectors in Chroma: {found.vectors}",
                  highlight=False)
    console.print(f"vectors no record owns: {found.orphans}", highlight=False)
    for doc, count in sorted(found.missing.items()):
        console.print(f"[red]missing[/] {count} vectors of {doc}", highlight=False)
    console.print(f"keyword index matches the records: {'yes' if found.keyword_index_ok else 'no'}", highlight=False)
    if repaired:
        console.print(f"re-embedded: {', '.join(repaired)}", highlight=False)
    jobs = load_all(settings)
    quarantined = [doc for job in jobs for doc in job.get("quarantined", [])]
    unfinished = [job["id"] for job in jobs if job.get("status") in ("queued", "waiting", "running")]
    console.print(f"uploads: {len(unfinished)} unfinished (resumed when the server starts), "
                  f"{len(quarantined)} quarantined in {settings.data_dir / 'quarantine'}", highlight=False)
    if not found.ok:
        fail("the index is inconsistent; run `hanke doctor --repair` (or `hanke ingest`) to fix it")
    console.print("consistent")


@app.command()
def remove(docs: list[str] = typer.Argument(..., help="Document ids as `hanke docs` lists them.")):
    """Remove documents from the index (and their stored upload, if they came through the web)."""
    from core.settings import get_settings
    from ingest.pipeline import IngestBusyError, remove_documents
    from ingest.uploads import forget

    settings = get_settings()
    try:
        removed = remove_documents(docs, settings)
    except IngestBusyError as error:
        fail(str(error))
    for doc in removed:
        forget(doc, settings)
        console.print(f"removed {doc}", highlight=False)
    unknown = [doc for doc in docs if doc not in removed]
    if unknown:
        fail(f"not in the index: {', '.join(unknown)}")


@app.command()
def ask(question: str = typer.Argument(..., help="The question, in Finnish or English."),
        project: Optional[str] = typer.Option(None, "--project", "-p", help="Only this project, e.g. S21712."),
        k: int = typer.Option(5, "--k", min=1, max=50, help="How many passages to retrieve."),
        as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON.")):
    """Answer one question with numbered citations."""
    from assistant.service import QuestionError, check_question
    from core.settings import get_settings

    try:
        check_question(question, get_settings())
    except QuestionError as error:
        fail(str(error))
    assistant = load_assistant()
    try:
        answer = assistant.ask(question, project=project, k=k)
    except QuestionError as error:
        fail(str(error))
    except Exception as error:
        from core.disk import is_disk_full

        if is_disk_full(error):
            fail("not enough disk space to read the index; free some space and try again")
        raise
    if as_json:
        print(json.dumps(answer.public(), ensure_ascii=False, indent=2))
    else:
        print_answer(answer)


@app.command()
def chat(project: Optional[str] = typer.Option(None, "--project", "-p", help="Only this project.")):
    """An interactive conversation: follow-up questions are read in context. Empty line or Ctrl-D ends."""
    from assistant.conversation import Conversation
    from assistant.service import QuestionError

    assistant = load_assistant()
    conversation = Conversation()
    console.print("Hankeapu – kysy hankkeista / ask about the projects. "
                  "Tyhjä rivi lopettaa / an empty line quits. `/new` aloittaa alusta / starts over.")
    while True:
        try:
            question = console.input("[bold cyan]? [/]")
        except (EOFError, KeyboardInterrupt):
            break
        if not question.strip():
            break
        if question.strip() == "/new":
            conversation = Conversation()
            continue
        try:
            print_answer(assistant.ask(question, project=project, conversation=conversation))
        except QuestionError as error:
            errors.print(f"[red]{error}[/]")
        console.print()


@app.command()
def docs(as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")):
    """List the indexed documents: project code, name, type and chunk count."""
    from core.settings import get_settings
    from core.store import DocumentStore, index_exists

    settings = get_settings()
    if not index_exists(settings):
        fail(texts.ERRORS["no_index"]["en"])
    documents = [r.document for r in DocumentStore(settings.data_dir).all()]
    rows = [{"doc": d.doc, "title": d.title, "project": d.project, "type": d.type, "chunks": d.chunks}
            for d in documents]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(show_header=True)
    for column in ("doc", "project", "title", "type", "chunks"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["doc"], row["project"] or "–", row["title"], row["type"], str(row["chunks"]))
    console.print(table)


@app.command()
def project(code: str = typer.Argument(..., help="Project code, e.g. S21712."),
            language: str = typer.Option("fi", "--lang", help="fi or en."),
            as_json: bool = typer.Option(False, "--json", help="Print the card as JSON.")):
    """One project at a glance: goals, key figures planned vs realised, amendments, disagreements."""
    from assistant.project_card import project_card

    if language not in ("fi", "en"):
        fail("--lang must be fi or en")
    assistant = load_assistant()
    if code.upper() not in assistant.index.projects:
        fail(texts.ERRORS["unknown_project"][language].format(project=code))
    card = project_card(assistant.facts, code.upper(), language)
    if as_json:
        print(card.model_dump_json(indent=2))
        return
    print_card(card, language)


def print_card(card, language: str) -> None:
    heads = texts.CARD_HEADINGS[language]

    def refs(numbers) -> str:
        return " " + "".join(f"[{n}]" for n in numbers) if numbers else ""

    console.print(f"[bold]{card.name} ({card.code})[/]", highlight=False)
    for key in ("organisation", "period", "region", "goals", "amendments", "results", "disagreements"):
        items = getattr(card, key)
        if not items:
            continue
        console.print(f"\n[bold]{heads[key]}[/]")
        for item in items:
            shown = item.text if "[" in item.text else item.text + refs(item.citations)
            console.print(f"  • {shown}", highlight=False, markup=False)
        if key == "region" and card.figures:
            console.print(f"\n[bold]{heads['figures']}[/]")
            table = Table(show_header=True)
            for column in ("", "planned", "granted", "realised", ""):
                table.add_column(texts.PHASE_LABEL[language].get(column, column))
            for row in card.figures:
                table.add_row(row.quantity, row.planned or "–", row.granted or "–", row.realised or "–",
                              refs(row.citations).strip())
            console.print(table)
    console.print(f"\n[bold]{heads['sources']}[/]")
    for c in card.citations:
        console.print(f"[{c.n}] {c.title} § {c.section[:60]}: „{' '.join(c.quote.split())[:160]}“",
                      highlight=False, markup=False)


@app.command()
def serve(host: Optional[str] = typer.Option(None, help="Address to bind (default HANKE_HOST, 127.0.0.1)."),
          port: Optional[int] = typer.Option(None, help="Port (default HANKE_PORT, 8000).")):
    """Start the web chat and its JSON API (OpenAPI docs at /docs)."""
    from assistant.web.server import run_server

    run_server(host, port)


@app.command("eval")
def evaluate(questions: Path = typer.Option(Path("eval/questions.jsonl"), "--questions", help="Question set (JSONL)."),
             out: Path = typer.Option(Path("eval/out"), "--out", help="Folder for results.jsonl, summary.json, report.md."),
             k: int = typer.Option(5, "--k", min=1, max=50, help="Retrieval depth for hit@k."),
             pipeline: str = typer.Option("hanke", "--pipeline", help="hanke, bm25, dense or langchain-default."),
             all_pipelines: bool = typer.Option(False, "--all-pipelines", help="Run every pipeline side by side.")):
    """Evaluate retrieval and answers on a question set and write a report."""
    from eval.runner import run_cli

    run_cli(questions=questions, out=out, k=k, pipeline=pipeline, all_pipelines=all_pipelines)


@app.command("fit")
def fit_scorer():
    """Refit the candidate scorer on the development question sets and print dev-half metrics.

    Needs an index of corpus/ and eval/corpus-dev/: `hanke ingest corpus eval/corpus-dev`."""
    from eval.fit import FitError, run_cli as run_fit

    try:
        run_fit()
    except FitError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
