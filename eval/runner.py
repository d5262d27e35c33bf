"""Run pipelines over a question set, judge every answer, and write the outputs (`hanke eval`).

`evaluate_pipeline` is the part the CI gate (tests/test_eval_gate.py) calls with the test session's
assistant; `run_cli` adds the question file, progress bars, the output folder and error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from eval.metrics import Judgement, breakdown, judge
from eval.pipelines import PIPELINES, PipelineRun
from eval.questions_io import Question

NDCG_DEPTH = 10


def retrieval_depth(k: int) -> int:
    """Every pipeline retrieves at least 10 chunks so that nDCG@10 and MRR can be computed;
    hit@k looks at the first k of them."""
    return max(k, NDCG_DEPTH)


@dataclass
class PipelineResult:
    name: str
    k: int
    runs: dict[str, PipelineRun | None] = field(default_factory=dict)
    judgements: list[Judgement] = field(default_factory=list)
    summary: dict = field(default_factory=dict)

    @property
    def metrics(self) -> dict:
        return self.summary.get("overall", {})


def evaluate_pipeline(pipeline, questions: Sequence[Question], k: int = 5,
                      on_question: Callable[[Question], None] | None = None) -> PipelineResult:
    """Ask every question, judge each run, and summarise.

    A question the pipeline fails on with an exception is recorded as an error (it counts as a
    failure everywhere) and the run goes on: one bad question must not hide the other results.
    """
    depth = retrieval_depth(k)
    result = PipelineResult(pipeline.name, k)
    if questions:
        try:  # one untimed run first, so that lazy loading does not count as the first question's latency
            pipeline.run(questions[0].question, depth)
        except Exception:  # noqa: BLE001 - the timed run below records it
            pass
    for question in questions:
        run: PipelineRun | None = None
        error = None
        try:
            run = pipeline.run(question.question, depth)
        except Exception as exc:  # noqa: BLE001 - recorded per question and shown in the report
            error = f"{type(exc).__name__}: {exc}"
        n_relevant = pipeline.count_relevant(question.evidence) if question.answerable else 0
        result.runs[question.id] = run
        result.judgements.append(judge(
            question, found=run.found if run else False, answer=run.answer if run else "",
            retrieved_texts=[r.text for r in run.retrieved] if run else [],
            cited_texts=run.cited_texts if run else [], ms=run.ms if run else 0.0,
            n_relevant=n_relevant, error=error))
        if on_question is not None:
            on_question(question)
    result.summary = breakdown(result.judgements, k, NDCG_DEPTH)
    from eval.generation_report import generation_summary, uses_llm

    if uses_llm(result.runs):  # an LLM is configured: generated vs extractive answers, failed checks
        result.summary["generation"] = generation_summary(result, questions, k)
    return result


def result_lines(result: PipelineResult, questions: Sequence[Question]) -> list[dict]:
    """The documented results.jsonl shape, one dict per question."""
    lines = []
    for question in questions:
        run = result.runs.get(question.id)
        if run is None:
            lines.append({"id": question.id, "answer": "", "found": False, "citations": [], "retrieved": [],
                          "ms": 0.0, "error": next(j.error for j in result.judgements if j.id == question.id)})
            continue
        lines.append({"id": question.id, "answer": run.answer, "found": run.found,
                      "citations": [{"doc": c["doc"], "section": c["section"], "quote": c["quote"]}
                                    for c in run.citations],
                      "retrieved": [{"doc": r.doc, "text": r.text, "rank": r.rank} for r in run.retrieved],
                      "ms": round(run.ms, 1)})
        if run.generated is not None:  # an LLM is configured
            lines[-1].update(generated=run.generated, check=run.check,
                             extractive_answer=run.extractive.answer if run.extractive else run.answer)
    return lines


def metrics_table_text(results: Sequence[PipelineResult], k: int) -> str:
    """The headline metrics as a Markdown table (printed by the CLI and by a failing gate)."""
    from eval.report import headline_table

    return headline_table({r.name: r.summary for r in results}, k)


def run_cli(questions: Path, out: Path, k: int = 5, pipeline: str = "hanke", all_pipelines: bool = False) -> None:
    """`hanke eval`: every problem ends in one clear message and exit code 1, never a traceback."""
    import typer
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from assistant import texts
    from core.settings import get_settings
    from core.store import IndexMissingError, index_exists
    from eval.pipelines import PipelineUnavailable, make_pipelines
    from eval.questions_io import QuestionFileError, load_questions
    from eval.report import format_value, metric_columns, write_report, write_results, write_summary

    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console = Console(soft_wrap=True, width=140)  # logs and pipes: keep the metrics table unwrapped
    errors = Console(stderr=True, soft_wrap=True)

    def fail(message: str):
        errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
        raise typer.Exit(1)

    names = list(PIPELINES) if all_pipelines else [pipeline]
    if any(name not in PIPELINES for name in names):
        fail(f"unknown pipeline {pipeline!r}; choose from {', '.join(PIPELINES)}")
    try:
        question_set = load_questions(questions)
    except QuestionFileError as error:
        fail(str(error))
    settings = get_settings()
    if any(name != "langchain-default" for name in names) and not index_exists(settings):
        fail(f"{texts.ERRORS['no_index']['en']} (data dir: {settings.data_dir})")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot create the output folder {out}: {error.strerror or error}")

    from core.embeddings import ModelMissingError

    try:
        with console.status("loading the model and the index…"):
            pipelines = make_pipelines(names, settings, notify=lambda message: console.print(message))
    except (IndexMissingError, ModelMissingError, PipelineUnavailable) as error:
        fail(str(error))

    results: list[PipelineResult] = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        for item in pipelines:
            task = progress.add_task(f"{item.name:<18}", total=len(question_set))
            results.append(evaluate_pipeline(item, question_set, k,
                                             on_question=lambda _q, task=task: progress.advance(task)))
    try:
        write_results(out, results, lambda r: result_lines(r, question_set))
        write_summary(out, str(questions), question_set, results, k, retrieval_depth(k))
        write_report(out, str(questions), question_set, results, k)
    except OSError as error:
        fail(f"cannot write to {out}: {error.strerror or error}")

    table = Table(title=f"{len(question_set)} questions, k = {k}", show_header=True)
    columns = metric_columns(k)
    table.add_column("pipeline")
    for _, label in columns:
        table.add_column(label, justify="right")
    for result in results:
        table.add_row(result.name, *[format_value(key, result.metrics.get(key)) for key, _ in columns])
    console.print(table)
    failed_runs = sum(r.metrics.get("errors", 0) for r in results)
    if failed_runs:
        errors.print(f"[yellow]{failed_runs} question(s) raised an error; see report.md[/]")
    console.print(f"Wrote {out / 'results.jsonl'}, {out / 'summary.json'} and {out / 'report.md'}.",
                  highlight=False)
