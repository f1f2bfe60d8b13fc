"""Variables for the built-in ai_training template that hold today: dates ahead, instalments
due within them (the example's own dates would age)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from cms.domain.templates.builtin import builtin_templates


def training_variables(**changes):
    variables = copy.deepcopy(builtin_templates()["ai_training"].definition["example"])
    today = datetime.now(UTC).date()
    variables.update(start_date=today.isoformat(),
                     end_date=(today + timedelta(days=200)).isoformat())
    variables["payment"]["installments"] = [
        {"due": (today + timedelta(days=10)).isoformat(), "amount": 6000},
        {"due": (today + timedelta(days=100)).isoformat(), "amount": 6000}]
    variables.update(changes)
    return variables
