"""Template validation + render + terms mapping per contract, for each built-in template,
against the domain work a plain contract create already does (content validation and its
digest) measured in the same run."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ROUNDS = 500


def per_call_us(operation) -> float:
    operation()  # warm: compiled bodies and validators are cached per container
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(ROUNDS):
            operation()
        samples.append((time.perf_counter() - started) / ROUNDS * 1e6)
    return statistics.median(samples)


def main() -> None:
    from cms.domain.contracts import Content, content_digest
    from cms.domain.templates.builtin import builtin_templates
    from cms_client import Ed25519Signer

    templates = builtin_templates()
    ai = templates["ai_training"]
    variables = ai.definition["example"]
    content = Content(title="t", description="", provider_did=Ed25519Signer().did,
                      consumer_did=Ed25519Signer().did, terms=ai.terms_for(variables), metadata={},
                      valid_from="2027-01-01T00:00:00.000Z",
                      valid_until="2028-01-01T00:00:00.000Z")
    baseline = per_call_us(lambda: content_digest("c", content.validated()))
    print("template validation + render + terms per contract (median of 5 x 500, warm)")
    print(f"{'work':<40} {'µs':>9} {'x base':>8}")
    print(f"{'baseline: validate content + digest':<40} {baseline:9.1f} {1.0:8.2f}")
    for template_id, template in templates.items():
        example = template.definition["example"]

        def instantiate(template=template, example=example) -> None:
            template.render(example)  # checks the variables first
            template.terms_for(example)

        cost = per_call_us(instantiate)
        print(f"{template_id:<40} {cost:9.1f} {cost / baseline:8.2f}")


if __name__ == "__main__":
    main()
