"""Real-world test data from ../shared/vectors (beside the repository), loaded once."""

from __future__ import annotations

import json
from pathlib import Path

VECTORS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "vectors"
DID_VECTORS_DIR = VECTORS_DIR / "did"
DID_VECTORS = json.loads((DID_VECTORS_DIR / "vectors.json").read_text(encoding="utf-8"))
