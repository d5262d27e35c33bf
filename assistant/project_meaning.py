"""Which project a question means when it names none in the documents' words.

"What are the sub-goals of the University of Helsinki's study on circular economy in South Savo?"
names project A71003 only in English ("Helsingin yliopisto", "Kiertotalouden mahdollisuudet
Etelä-Savossa"). The embedding model compares the question with each project's name and applicant
across languages; the best project is taken only when it is clearly closer than any other
(thresholds measured on the development sets, assistant/data/fitted.json).
"""

from __future__ import annotations

import numpy as np

from assistant.fields import FieldIndex
from assistant.fitted import FITTED
from assistant.index import APPLICANT_LABELS, IndexView


class ProjectMeaning:
    def __init__(self, index: IndexView, fields: FieldIndex):
        self.index = index
        self.fields = fields
        self.codes = sorted(index.projects)
        self._vectors: np.ndarray | None = None  # embedded on first use, cached beside the model

    def describe(self, code: str) -> str:
        project = self.index.projects[code]
        applicants = sorted({f.value_text for doc in project.docs for f in self.index.records[doc].facts
                             if f.label in APPLICANT_LABELS[:2]})
        return f"{project.name}. {' '.join(applicants)}".strip()

    def vectors(self) -> np.ndarray:
        if self._vectors is None:
            texts = [self.describe(code) for code in self.codes]
            self._vectors = self.fields.value_vectors(texts) if texts else np.zeros((0, 1))
        return self._vectors

    def meant(self, vector: list[float]) -> str | None:
        """The one project the question means, or None when no project stands out."""
        if len(self.codes) < 2:
            return None
        similarity = self.vectors() @ np.asarray(vector, dtype=float)
        order = np.argsort(-similarity)
        best, second = similarity[order[0]], similarity[order[1]]
        if best >= FITTED["project_meaning_min"] and best - second >= FITTED["project_meaning_margin"]:
            return self.codes[order[0]]
        return None
