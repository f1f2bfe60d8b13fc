"""Template validation + render + terms mapping per contract, for each built-in template,
then the document renderings (HTML, PDF) a template contract also gets, against the domain
work a plain contract create already does (content validation and its digest) measured in the
same run."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
ROUNDS = 500


def per_call_us(operation, rounds: int = ROUNDS) -> float:
    operation()  # warm: compiled bodies and validators are cached per container
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            operation()
        samples.append((time.perf_counter() - started) / rounds * 1e6)
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
    _documents(ai.render(variables), baseline)


def _documents(markdown: str, baseline: float) -> None:
    """HTML alone (previews) and all three renderings (every template contract)."""
    from cms.domain.documents import render_document, render_html

    issued = "2027-01-01T00:00:00.000Z"
    print(f"documents of the ai_training example ({len(markdown)} bytes of Markdown), "
          "median of 5 x 20")
    for name, operation in (
            ("html only (render preview)", lambda: render_html(markdown, title="t",
                                                               issued_at=issued)),
            ("markdown + html + pdf (contract)", lambda: render_document(
                markdown, title="t", issued_at=issued))):
        cost = per_call_us(operation, rounds=20)
        print(f"{name:<40} {cost:9.1f} {cost / baseline:8.2f}")


if __name__ == "__main__":
    main()
