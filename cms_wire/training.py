"""What an enclave attests about one training run: ``cms-training-statement/v1``.

The enclave fills in a ``Statement`` when training ends and binds it to an attestation document
(``statements.statement_user_data``); the platform and anyone holding the result read it back
with ``Statement.from_json``, which accepts exactly the fields this version writes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from cms_wire.statements import statement_user_data

STATEMENT_FORMAT = "cms-training-statement/v1"
# Epsilon is kept to nine decimal places, rounded up where it is spent: never under-counted.
# Budgets are accounted in the same quantum, so a statement's epsilon compares exactly.
EPSILON_QUANTUM = Decimal("0.000000001")


@dataclass(frozen=True)
class Statement:
    """The facts an enclave attests to about one training run."""

    job_id: str
    contract_id: str
    contract_digest: str
    model: str
    model_sha256: str
    dataset_sha256: str
    epsilon_spent: str  # exact decimal, rounded up (never under-counted)
    delta: float
    accountant: str
    accountant_version: str
    epochs: int
    test_accuracy: float
    stopped: str  # completed | budget | stopped

    def to_json(self) -> dict[str, Any]:
        return {"format": STATEMENT_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: Any) -> Statement:
        """ValueError if the statement is not one this version writes."""
        if not isinstance(data, dict) or data.get("format") != STATEMENT_FORMAT:
            raise ValueError(f"not a {STATEMENT_FORMAT} statement")
        fields = {name: data.get(name) for name in cls.__dataclass_fields__}
        if set(data) - {"format", *fields} or any(value is None for value in fields.values()):
            raise ValueError("the statement's fields are not exactly the expected ones")
        return cls(**fields)

    def user_data(self) -> bytes:
        """What the attestation document's user_data must be: SHA-256 of the canonical JSON."""
        return statement_user_data(self.to_json())


def spent_epsilon(value: float | None) -> str:
    """The epsilon a run spent as a statement carries it: nine places, rounded up."""
    return str(Decimal(str(value or 0)).quantize(EPSILON_QUANTUM, rounding=ROUND_CEILING))
