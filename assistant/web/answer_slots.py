"""How many answers the server computes at once, and with how many threads of the embedding model.

Twenty questions computed at once on two cores fight over them (the embedding model and the GIL):
throughput fell to half of what two at a time give, so the rest wait their turn. The server answers
in worker threads, where the model's OpenMP parallelism was slower than one thread: measured with
bench/bench_web.py on 2 cores (corpus/ index), one model thread per answering thread gave p50 152 →
136 ms for one client and 424 → 344 ms (9.5 → 11.5 answers/s) for four. Two answers at once then use
a core each. (On the main thread, as in `hanke ask` and `hanke eval`, two model threads are faster.)
"""

from __future__ import annotations

import threading


class AnswerSlots:
    """A bounded number of answers at once (`with slots:`); each answering thread runs the model on
    one thread."""

    def __init__(self, count: int):
        self._slots = threading.BoundedSemaphore(count)
        self._local = threading.local()

    def __enter__(self) -> AnswerSlots:
        self._slots.acquire()
        if not getattr(self._local, "one_model_thread", False):
            import torch

            torch.set_num_threads(1)
            self._local.one_model_thread = True
        return self

    def __exit__(self, *exc) -> None:
        self._slots.release()
