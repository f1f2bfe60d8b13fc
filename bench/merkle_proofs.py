"""Cost of anchoring audit events in RFC 6962 Merkle batches, and of checking one receipt.

For batches of 1 to 100,000 events (random 32-byte leaves, as event hashes are): the time to
build the tree (ms, events/s), the largest proof (siblings, bytes) and the median time to verify
one proof over ~1,000 random indices, with the mean number of hashes that takes. Baseline,
measured in the same run: one SHA-256 of a 65-byte node preimage; the ratio says how many bare
hashes a verification costs, and should track log2(n) + 1 (a leaf hash plus one node hash per
sibling, plus Python overhead), not n.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import timeit
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "layers" / "cms" / "python"))
SIZES = (1, 10, 100, 1_000, 10_000, 100_000)
VERIFY_SAMPLES = int(os.environ.get("BENCH_VERIFY_SAMPLES", "1000"))
VERIFY_REPEAT = 5  # verifications per timed sample, so timer overhead stays small


def sha256_seconds() -> float:
    """Median time of one SHA-256 over a node preimage (0x01 || 32 bytes || 32 bytes)."""
    import hashlib

    context = {"sha256": hashlib.sha256, "preimage": b"\x01" + os.urandom(64)}
    runs = timeit.repeat("sha256(preimage).digest()", globals=context, number=50_000, repeat=7)
    return statistics.median(runs) / 50_000


def build_seconds(leaves: list[bytes]) -> float:
    """Best of a few builds (at least ~0.2 s of work in all, at most 5 builds of 100,000)."""
    from cms.domain.merkle import MerkleTree

    number = max(1, 20_000 // len(leaves))
    return min(timeit.repeat(lambda: MerkleTree(leaves), number=number, repeat=5)) / number


def verify_samples(leaves: list[bytes]) -> tuple[float, float]:
    """Median seconds to verify one proof, and mean hashes it takes (leaf + one per sibling)."""
    from cms.domain.merkle import MerkleTree, verify_inclusion

    tree = MerkleTree(leaves)
    root, size = tree.root, tree.size
    seconds, hashes = [], []
    for index in (random.randrange(size) for _ in range(VERIFY_SAMPLES)):
        leaf, path = leaves[index], tree.proof(index)
        started = time.perf_counter()
        for _ in range(VERIFY_REPEAT):
            assert verify_inclusion(leaf, index, size, path, root)
        seconds.append((time.perf_counter() - started) / VERIFY_REPEAT)
        hashes.append(len(path) + 1)
    return statistics.median(seconds), statistics.mean(hashes)


def max_siblings(leaves: list[bytes]) -> int:
    """Leaf 0 always sits in the full left subtree, so its path is the longest."""
    from cms.domain.merkle import MerkleTree

    return len(MerkleTree(leaves).proof(0))


def main() -> None:
    sha = sha256_seconds()
    print("RFC 6962 Merkle batches: build, proof size, verify one proof "
          f"(median of {VERIFY_SAMPLES} random leaves)")
    print(f"baseline: one SHA-256 of a 65-byte node = {sha * 1e6:.3f} µs")
    print(f"{'events':>8} {'build ms':>10} {'events/s':>11} {'siblings':>9} {'bytes':>6} "
          f"{'hashes':>7} {'verify µs':>10} {'x SHA-256':>10}")
    for n in SIZES:
        leaves = [os.urandom(32) for _ in range(n)]
        build = build_seconds(leaves)
        siblings = max_siblings(leaves)
        verify, hashes = verify_samples(leaves)
        print(f"{n:>8,} {build * 1e3:>10.3f} {n / build:>11,.0f} {siblings:>9} "
              f"{siblings * 32:>6} {hashes:>7.1f} {verify * 1e6:>10.2f} {verify / sha:>10.1f}")


if __name__ == "__main__":
    main()
