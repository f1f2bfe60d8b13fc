"""The compiled ContractLedger (ABI and bytecode) committed under contracts/artifacts/.

In Lambda the layer carries a copy (cdk/packaging.py puts it next to this module); in a
checkout the repository's own file is used. There is no second hand-kept ABI.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGED = Path(__file__).resolve().parent / "contract_artifacts"
_CHECKOUT = Path(__file__).resolve().parents[5] / "contracts" / "artifacts"


@cache
def artifact(name: str = "ContractLedger") -> dict[str, Any]:
    for directory in (_PACKAGED, _CHECKOUT):
        path = directory / f"{name}.json"
        if path.is_file():
            return json.loads(path.read_text())
    raise FileNotFoundError(f"no compiled artifact for {name} (run `node contracts/compile.js`)")
