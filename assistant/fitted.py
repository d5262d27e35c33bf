"""The fitted parameters (assistant/data/fitted.json): values set by measurement on development
data, kept in one file so that a refit changes one file and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

FITTED_FILE = Path(__file__).parent / "data" / "fitted.json"
FITTED: dict[str, float] = {k: v for k, v in json.loads(FITTED_FILE.read_text(encoding="utf-8")).items()
                            if not k.startswith("_")}
