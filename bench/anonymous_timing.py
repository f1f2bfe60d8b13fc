"""What the public sign-in routes' timing tells an anonymous caller, on the local stack.

For each route, requests about DIDs that are registered and about DIDs that are not,
interleaved, through the local API Gateway: registration (the same DID and key again vs a new
DID), a challenge, and a verification with a wrong signature. Then the registration's store
work alone, without its floor (the service called directly, CMS_REGISTRATION_FLOOR_MS=0): the
difference the floor hides.

moto is slower than DynamoDB and these share the machine with everything else: read the
differences between the two columns, not the absolute figures.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLES = int(os.environ.get("BENCH_ANONYMOUS_SAMPLES", "30"))


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def row(name: str, known: list[float], unknown: list[float]) -> str:
    k, u = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    return f"{name:<44} {k:>9.1f} {u:>9.1f} {k - u:>+9.1f}"


def main() -> None:
    import httpx

    from cms_client import Ed25519Signer
    from local_stack.stack import LocalStack, free_port

    stack = LocalStack(api_port=free_port(), schedule_every_s=60, log=lambda *_: None,
                       extra_env={"POWERTOOLS_LOG_LEVEL": "ERROR",
                                  "CMS_SIGNIN_IP_BURST": "100000",
                                  "CMS_SIGNIN_IP_PER_MINUTE": "100000"}).start()
    http = httpx.Client(base_url=stack.url, timeout=30)
    post = http.post
    try:
        known = [Ed25519Signer() for _ in range(SAMPLES)]
        for signer in known:
            post("/api/v1/auth/register", json={"did": signer.did,
                                                "public_key": signer.public_key})
        results: dict[str, tuple[list[float], list[float]]] = {}

        def measure(name: str, request: Callable[[Ed25519Signer], object]) -> None:
            """Pairs, each in turn known-first and new-first: neither side gains from order."""
            known_s, new_s = [], []
            for index, signer in enumerate(known):
                stranger = Ed25519Signer()
                if index % 2:
                    new_s.append(timed(lambda s=stranger: request(s)))
                known_s.append(timed(lambda s=signer: request(s)))
                if not index % 2:
                    new_s.append(timed(lambda s=stranger: request(s)))
            results[name] = (known_s, new_s)

        def register(signer: Ed25519Signer) -> None:
            post("/api/v1/auth/register", json={"did": signer.did,
                                                "public_key": signer.public_key})

        def challenge(signer: Ed25519Signer) -> None:
            post("/api/v1/auth/challenge", json={"did": signer.did})

        def wrong_signature(signer: Ed25519Signer) -> None:
            text = post("/api/v1/auth/challenge", json={"did": signer.did}).json()["challenge"]
            post("/api/v1/auth/verify", json={"did": signer.did, "challenge": text,
                                              "signature": Ed25519Signer().sign_message(text)})

        register(Ed25519Signer())  # warm the functions
        measure("POST /auth/register (HTTP, 200 ms floor)", register)
        measure("POST /auth/challenge (HTTP)", challenge)
        measure("challenge + verify, wrong signature (HTTP)", wrong_signature)

        services = stack.services("auth")
        raw = dataclasses.replace(services.settings, registration_floor_ms=0)
        auth = services.auth
        auth._settings = raw  # the same service, without its floor: the store work alone

        def unpadded(signer: Ed25519Signer) -> None:
            auth.register(signer.did, signer.public_key, source_ip="192.0.2.1")

        measure("register, store work alone (no floor)", unpadded)
    finally:
        http.close()
        stack.stop()
    print(f"Public sign-in routes, registered vs unregistered DIDs, {SAMPLES} pairs, local stack")
    print(f"{'request':<44} {'known ms':>9} {'new ms':>9} {'diff ms':>9}")
    for name, (k, u) in results.items():
        print(row(name, k, u))


if __name__ == "__main__":
    main()
