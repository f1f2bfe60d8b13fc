"""Test data: the real-world vectors in ../shared/vectors (beside the repository), loaded once;
the project's own (receipts and their tamperings) in the modules and folders here."""

from __future__ import annotations

import json
from pathlib import Path

VECTORS_DIR = Path(__file__).resolve().parents[3] / "shared" / "vectors"
DID_VECTORS_DIR = VECTORS_DIR / "did"
DID_VECTORS = json.loads((DID_VECTORS_DIR / "vectors.json").read_text(encoding="utf-8"))
