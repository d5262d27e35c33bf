"""Generated vs extractive answers in an evaluation (only when an LLM is configured: HANKE_LLM_*).

Every question's shown answer is judged as usual. Here the extractive answer that each generated one
replaced is judged too (where a check failed, the shown answer *is* the extractive one), so that the
report can say what the LLM changed, and how often and why its answers were not shown.
"""

from __future__ import annotations

from collections import Counter

from eval.metrics import judge, summarise
from eval.report import format_value, markdown_table

COMPARED = [("answer_accuracy", "answer acc."), ("refusal_accuracy", "refusal acc."),
            ("citation_precision", "citation prec."), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms")]


def uses_llm(runs: dict) -> bool:
    return any(run is not None and run.generated is not None for run in runs.values())


def generation_summary(result, questions, k: int) -> dict:
    """Counts of generated and extractive answers, the failed checks by kind, and the metrics of the
    shown answers next to those of the extractive answers alone."""
    extractive_judgements = []
    for question, shown in zip(questions, result.judgements):
        run = result.runs.get(question.id)
        own = run.extractive if run is not None and run.extractive is not None else run
        if own is None:
            extractive_judgements.append(shown)
            continue
        extractive_judgements.append(judge(
            question, found=own.found, answer=own.answer, retrieved_texts=[r.text for r in own.retrieved],
            cited_texts=own.cited_texts, ms=own.ms, n_relevant=shown.n_relevant))
    runs = [r for r in result.runs.values() if r is not None]
    checks = Counter((r.check or "").split(":")[0] for r in runs if r.generated is False)
    return {"generated": sum(1 for r in runs if r.generated), "extractive": sum(1 for r in runs if not r.generated),
            "checks_failed": dict(checks.most_common()),
            "shown": summarise(result.judgements, k), "extractive_only": summarise(extractive_judgements, k)}


def generation_section(name: str, generation: dict) -> list[str]:
    rows = [[label] + [format_value(key, generation[side].get(key)) for key, _ in COMPARED]
            for side, label in (("shown", f"{name} as shown"), ("extractive_only", "extractive answers only"))]
    checks = ", ".join(f"{code} {n}" for code, n in generation["checks_failed"].items()) or "none"
    return ["## Generated vs extractive answers",
            f"An LLM was configured: {generation['generated']} answers were generated and shown after passing "
            f"the checks, {generation['extractive']} are extractive (why: {checks}). `extractive answers only` "
            "judges, for the same questions, the extractive answer each generated one replaced "
            "(latency there is the whole question's).",
            markdown_table(["answers", *[label for _, label in COMPARED]], rows)]
