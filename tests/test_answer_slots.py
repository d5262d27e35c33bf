"""The server's answer slots (assistant/web/answer_slots.py): a bounded number of answers at once,
each answering thread running the embedding model on one thread."""

from __future__ import annotations

import threading

import torch

from assistant.web.answer_slots import AnswerSlots


def test_an_answering_thread_runs_the_model_on_one_thread():
    before = torch.get_num_threads()
    seen = []
    try:
        slots = AnswerSlots(2)

        def answer():
            with slots:
                seen.append(torch.get_num_threads())

        worker = threading.Thread(target=answer)
        worker.start()
        worker.join()
    finally:
        torch.set_num_threads(before)  # the rest of the suite runs the model on the main thread
    assert seen == [1]


def test_answers_beyond_the_slots_wait_their_turn():
    before = torch.get_num_threads()
    slots = AnswerSlots(1)
    entered = threading.Event()

    def answer():
        with slots:
            entered.set()

    try:
        with slots:
            waiting = threading.Thread(target=answer)
            waiting.start()
            assert not entered.wait(0.3)  # the one slot is taken
        assert entered.wait(5)
        waiting.join()
    finally:
        torch.set_num_threads(before)
