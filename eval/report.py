"""Write an evaluation's outputs: results.jsonl, summary.json, report.md and its PNG charts.

The report puts the pipelines side by side (tables and charts, overall, per language and per
category) and lists every failed question with the answer given, the expected one and the cause
(refused, answered the unanswerable, evidence not retrieved, answer incomplete), grouped by cause,
because the grouping is what tells someone tuning the pipeline where to look.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Sequence

from eval.metrics import hit_at_k

CHARTS = {"overall": "chart_overall.png", "language": "chart_language.png", "category": "chart_category.png"}
ANSWER_CHARS = 400
BASELINE_ANSWER_CHARS = 200


def metric_columns(k: int, ndcg_depth: int = 10) -> list[tuple[str, str]]:
    """(summary key, column label) of the metrics shown in tables, in order."""
    columns = [("hit@1", "hit@1"), (f"hit@{k}", f"hit@{k}"), ("mrr", "MRR"), (f"ndcg@{ndcg_depth}", f"nDCG@{ndcg_depth}"),
               ("answer_accuracy", "answer acc."), ("refusal_accuracy", "refusal acc."),
               ("refused_unanswerable", "refused unans."), ("citation_precision", "citation prec."), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms")]
    return list(dict(columns).items()) if k == 1 else columns


def format_value(key: str, value) -> str:
    if value is None:
        return "–"
    if key.startswith("latency"):
        return f"{value:.0f}" if value >= 10 else f"{value:.1f}"
    return f"{value:.2f}"


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def headline_table(summaries: dict[str, dict], k: int) -> str:
    columns = metric_columns(k)
    rows = [[name, str(s["overall"]["n"])] + [format_value(key, s["overall"].get(key)) for key, _ in columns]
            for name, s in summaries.items()]
    return markdown_table(["pipeline", "n"] + [label for _, label in columns], rows)


def group_table(summaries: dict[str, dict], k: int, group: str, label: str) -> str:
    columns = metric_columns(k)
    keys = sorted({key for s in summaries.values() for key in s[group]})
    rows = []
    for key in keys:
        for name, s in summaries.items():
            metrics = s[group].get(key)
            if metrics is None:
                continue
            rows.append([key, name, str(metrics["n"])] +
                        [format_value(column, metrics.get(column)) for column, _ in columns])
    return markdown_table([label, "pipeline", "n"] + [lbl for _, lbl in columns], rows)


def failure_cause(judgement, k: int) -> str | None:
    """Why a question failed, or None when it passed every check."""
    if judgement.error:
        return "error while answering"
    if not judgement.answerable:
        return "answered an unanswerable question" if judgement.found else None
    retrieved = hit_at_k(judgement.relevant, k) if judgement.judged_for_retrieval else True
    if not judgement.found:
        return ("refused an answerable question (evidence was retrieved)" if retrieved
                else "refused an answerable question (evidence not in the top k)")
    if not judgement.answer_pass:
        return ("answer incomplete, evidence was retrieved" if retrieved
                else "answer incomplete, evidence not in the top k")
    if not retrieved:
        return "answer passed, but evidence not in the top k"
    return None


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def failure_section(questions, runs: dict, judgements, k: int, answer_chars: int) -> tuple[str, Counter]:
    """The failed questions as Markdown, grouped by cause (largest group first), and the counts."""
    by_id = {q.id: q for q in questions}
    groups: dict[str, list[str]] = {}
    for judgement in judgements:
        cause = failure_cause(judgement, k)
        if cause is None:
            continue
        question = by_id[judgement.id]
        run = runs.get(judgement.id)
        rank = judgement.first_rank()
        where = ("no evidence strings to judge" if not judgement.judged_for_retrieval
                 else f"first evidence at rank {rank}" if rank else f"evidence not in the top {len(judgement.relevant)}")
        given = judgement.error or (run.answer if run else "")
        lines = [f"- **{question.id}** ({question.lang}, {question.category}) {question.question}",
                 f"  - expected: {_shorten(question.answer, answer_chars) or '(refusal)'}"
                 + (f" — must contain {json.dumps(judgement.missing, ensure_ascii=False)}" if judgement.missing else ""),
                 f"  - given ({'answered' if judgement.found else 'refused'}; {where}): "
                 f"{_shorten(given, answer_chars) or '(empty)'}"]
        groups.setdefault(cause, []).append("\n".join(lines))
    counts = Counter({cause: len(items) for cause, items in groups.items()})
    parts = []
    for cause, items in sorted(groups.items(), key=lambda item: -len(item[1])):
        parts.append(f"#### {cause} ({len(items)})\n\n" + "\n".join(items))
    return "\n\n".join(parts) if parts else "No failed questions.", counts


def charts(out: Path, summaries: dict[str, dict], k: int) -> dict[str, str]:
    """Three small PNGs: overall, per language and per category, pipelines side by side."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summaries)
    width = 0.8 / max(len(names), 1)
    overall_keys = [("hit@1", "hit@1"), (f"hit@{k}", f"hit@{k}"), ("mrr", "MRR"), ("ndcg@10", "nDCG@10"),
                    ("answer_accuracy", "answer"), ("refusal_accuracy", "refusal"),
                    ("refused_unanswerable", "refused unans."), ("citation_precision", "citations")]

    def bars(ax, groups: list[str], value_of) -> None:
        for i, name in enumerate(names):
            xs = [g + (i - (len(names) - 1) / 2) * width for g in range(len(groups))]
            ax.bar(xs, [value_of(name, group) or 0.0 for group in groups], width, label=name)
        ax.set_xticks(range(len(groups)), groups, fontsize=8)
        ax.set_ylim(0, 1.05)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)

    written = {}
    fig, ax = plt.subplots(figsize=(9, 2.8))
    label_to_key = {label: key for key, label in overall_keys}
    bars(ax, list(label_to_key), lambda name, label: summaries[name]["overall"].get(label_to_key[label]))
    ax.legend(fontsize=7, ncol=len(names), loc="upper center", bbox_to_anchor=(0.5, 1.18), frameon=False)
    fig.tight_layout()
    fig.savefig(out / CHARTS["overall"], dpi=80)
    plt.close(fig)
    written["overall"] = CHARTS["overall"]

    shown = [(f"hit@{k}", f"retrieval hit@{k}"), ("answer_accuracy", "answer accuracy"),
             ("refusal_accuracy", "refusal accuracy")]
    for group, chart, size in (("by_language", "language", (8, 2.6)), ("by_category", "category", (11, 2.8))):
        keys = sorted({key for s in summaries.values() for key in s[group]})
        fig, axes = plt.subplots(1, len(shown), figsize=size)
        for ax, (metric, title) in zip(axes, shown):
            # Only the groups the metric applies to (no retrieval or answer bars for "unanswerable").
            judged = [key for key in keys if any(s[group].get(key, {}).get(metric) is not None
                                                 for s in summaries.values())]
            bars(ax, judged, lambda name, key, metric=metric: summaries[name][group].get(key, {}).get(metric))
            ax.set_title(title, fontsize=9)
            if chart == "category":
                ax.tick_params(axis="x", labelrotation=35)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, fontsize=7, ncol=len(names), loc="upper center", frameon=False)
        fig.tight_layout(rect=(0, 0, 1, 0.9))
        fig.savefig(out / CHARTS[chart], dpi=80)
        plt.close(fig)
        written[chart] = CHARTS[chart]
    return written


def write_report(out: Path, question_file: str, questions, results: Sequence, k: int) -> Path:
    """report.md (and its charts) for one or more pipeline results."""
    summaries = {r.name: r.summary for r in results}
    written = charts(out, summaries, k)
    langs = Counter(q.lang for q in questions)
    cats = Counter(q.category for q in questions)
    parts = [
        "# Hankeapu evaluation",
        f"Question set `{question_file}`: {len(questions)} questions "
        f"({', '.join(f'{lang} {n}' for lang, n in sorted(langs.items()))}; "
        f"{', '.join(f'{cat} {n}' for cat, n in sorted(cats.items()))}). "
        f"Retrieval is judged at k = {k} on the answerable questions with evidence strings; nDCG and MRR "
        f"over the top 10. Pipelines: {', '.join(f'`{r.name}`' for r in results)}. "
        "What each metric means: `eval/README.md`.",
        "## Overall", headline_table(summaries, k),
        "`refusal acc.` counts every question (refuse the unanswerable, answer the rest), so a pipeline "
        "that never refuses still scores the share of answerable questions; `refused unans.` is the share "
        "of unanswerable questions it refused.", f"![overall]({written['overall']})",
        *generation_parts(results),
        "## By language", group_table(summaries, k, "by_language", "language"),
        f"![by language]({written['language']})",
        "## By category", group_table(summaries, k, "by_category", "category"),
        f"![by category]({written['category']})",
        "## Failed questions",
        "A question fails when the pipeline refuses an answerable question or answers an unanswerable one, "
        f"when the answer misses a must_contain group, or when no evidence is in the top {k}.",
    ]
    for position, result in enumerate(results):
        runs = {qid: run for qid, run in result.runs.items() if run is not None}
        primary = position == 0
        text, counts = failure_section(questions, runs, result.judgements, k,
                                       ANSWER_CHARS if primary else BASELINE_ANSWER_CHARS)
        total = sum(counts.values())
        heading = f"### {result.name}: {total} of {len(questions)} questions failed"
        if primary:
            parts += [heading, text]
        else:
            parts += [heading, f"<details><summary>show the {total} failures</summary>\n\n{text}\n\n</details>"]
    path = out / "report.md"
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    return path


def generation_parts(results: Sequence) -> list[str]:
    """The generated-vs-extractive section, when an LLM was configured (eval/generation_report.py)."""
    from eval.generation_report import generation_section

    return [line for r in results if "generation" in r.summary for line in generation_section(r.name, r.summary["generation"])]


def write_summary(out: Path, question_file: str, questions, results: Sequence, k: int, depth: int) -> Path:
    summary = {
        "questions_file": question_file, "n_questions": len(questions), "k": k, "retrieval_depth": depth,
        "pipelines": {r.name: {**r.summary, "questions": {j.id: j.to_dict() for j in r.judgements}}
                      for r in results},
    }
    path = out / "summary.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def write_results(out: Path, results: Sequence, lines_of) -> Path:
    """DIR/results.jsonl in the documented shape; with several pipelines every line also has a
    "pipeline" key (one file rather than a copy per pipeline: the retrieved texts make it large)."""
    if len(results) == 1:
        lines = lines_of(results[0])
    else:
        lines = [{"pipeline": r.name, **line} for r in results for line in lines_of(r)]
    path = out / "results.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path
