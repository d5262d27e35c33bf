"""`hanke eval` with an LLM configured: results record generated vs extractive answers and the failed
checks, and the report compares the shown answers with the extractive ones. A small scripted pipeline
stands in for the assistant here (the assistant's generation is tested in test_generated_answers.py)."""

from __future__ import annotations

import json

from eval.pipelines import PipelineRun, Retrieved
from eval.questions_io import Question
from eval.report import write_report, write_results, write_summary
from eval.runner import evaluate_pipeline, result_lines

QUESTIONS = [Question(id=f"q{i}", lang="en", category="figure", question=f"question {i}", answer="345",
                      must_contain=[["345"]], evidence=["345 lääkäriaikaa"]) for i in range(3)]
PASSAGE = "Hankkeessa oli 345 lääkäriaikaa."


class ScriptedPipeline:
    """q0: a generated answer that adds a correct figure the extractive one missed; q1: a generated answer
    failed a check (the extractive one is shown); q2: the LLM timed out."""

    name = "hanke"

    def run(self, question: str, depth: int) -> PipelineRun:
        retrieved = [Retrieved("a.txt", PASSAGE, 1)]
        extractive = PipelineRun("Hankkeessa oli lääkäriaikoja [1].", True, [{"doc": "a.txt", "section": "", "quote": PASSAGE}],
                                 [PASSAGE], retrieved, 5.0)
        if question == "question 0":
            return PipelineRun("There were 345 appointments [1].", True, extractive.citations, [PASSAGE], retrieved, 9.0,
                               generated=True, extractive=extractive)
        check = "number_not_in_cited_passage: 354 (cites [1])" if question == "question 1" else "llm_error: timeout"
        return PipelineRun(extractive.answer, True, extractive.citations, [PASSAGE], retrieved, 9.0,
                           generated=False, check=check)

    def count_relevant(self, evidence):
        return 1


def test_results_and_report_show_generated_and_extractive_answers(tmp_path):
    result = evaluate_pipeline(ScriptedPipeline(), QUESTIONS, k=5)
    generation = result.summary["generation"]
    assert generation["generated"] == 1 and generation["extractive"] == 2
    assert generation["checks_failed"] == {"number_not_in_cited_passage": 1, "llm_error": 1}
    assert generation["shown"]["answer_accuracy"] == round(1 / 3, 4)
    assert generation["extractive_only"]["answer_accuracy"] == 0.0

    lines = result_lines(result, QUESTIONS)
    assert [(l["generated"], l["check"]) for l in lines] == [
        (True, None), (False, "number_not_in_cited_passage: 354 (cites [1])"), (False, "llm_error: timeout")]
    assert lines[0]["extractive_answer"] == "Hankkeessa oli lääkäriaikoja [1]."

    write_results(tmp_path, [result], lambda r: result_lines(r, QUESTIONS))
    write_summary(tmp_path, "q.jsonl", QUESTIONS, [result], 5, 10)
    report = write_report(tmp_path, "q.jsonl", QUESTIONS, [result], 5).read_text(encoding="utf-8")
    assert "## Generated vs extractive answers" in report
    assert "1 answers were generated" in report and "number_not_in_cited_passage 1, llm_error 1" in report
    assert "| extractive answers only | 0.00 |" in report
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["pipelines"]["hanke"]["generation"]["generated"] == 1


def test_without_an_llm_nothing_changes():
    class Plain(ScriptedPipeline):
        def run(self, question, depth):
            return PipelineRun("345 [1]", True, [], [PASSAGE], [Retrieved("a.txt", PASSAGE, 1)], 1.0)

    result = evaluate_pipeline(Plain(), QUESTIONS, k=5)
    assert "generation" not in result.summary
    assert all("generated" not in line for line in result_lines(result, QUESTIONS))
