"""RFC 6962 / RFC 9162 Merkle trees for anchoring batches of audit events on chain.

Only a batch's root goes on chain; each event gets an inclusion proof (audit path) that anyone
can check offline against that root. Leaves and interior nodes are hashed with different
one-byte prefixes (0x00, 0x01) so a leaf can never be passed off as a node (second preimage).
The shape is RFC 6962's: split at the largest power of two below n, which is exactly what
building bottom-up and promoting an unpaired last node unchanged gives, so every level is
computed once (O(n) hashing) and every proof is read off the stored levels (O(log n)).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

ALGORITHM = "rfc6962-sha256"
HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 6962 MTH({}); never anchored (see MerkleTree)

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_HEX_HASH = re.compile(r"[0-9a-f]{64}")
_JSON_KEYS = frozenset({"index", "size", "path", "algorithm"})


def leaf_hash(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf): the prefix keeps leaf hashes disjoint from node hashes."""
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): order matters, so a proof also pins the leaf's position."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _next_level(level: list[bytes]) -> list[bytes]:
    """Pair nodes left to right; an unpaired last node moves up as is (RFC 6962's split rule)."""
    paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
    if len(level) % 2:
        paired.append(level[-1])
    return paired


class MerkleTree:
    """All levels of the tree over ``leaves`` (raw leaf data, e.g. the 32 bytes of an event hash).

    An empty tree is refused: its root (SHA-256 of nothing) commits to no event, so anchoring
    it would only spend gas and could be mistaken for a real batch.
    """

    def __init__(self, leaves: Sequence[bytes]) -> None:
        if not leaves:
            raise ValueError("a Merkle tree to anchor needs at least one leaf")
        levels = [[leaf_hash(leaf) for leaf in leaves]]
        while len(levels[-1]) > 1:
            levels.append(_next_level(levels[-1]))
        self._levels = levels

    @property
    def root(self) -> bytes:
        """MTH(D[n]): the 32 bytes that go on chain."""
        return self._levels[-1][0]

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def proof(self, index: int) -> list[bytes]:
        """RFC 6962 audit path PATH(index, D[n]), siblings from the leaf up to the root."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf index {index} out of range for tree of size {self.size}")
        path = []
        for level in self._levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):  # no sibling: this node was promoted, nothing to hash
                path.append(level[sibling])
            index >>= 1
        return path


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _root_from_path(leaf: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes | None:
    """RFC 9162 §2.1.3.2 steps 2-5: the root the path implies, or None if it cannot fit size."""
    fn, sn = index, size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            return None  # path is longer than the tree is deep
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes,
) -> bool:
    """Whether ``leaf`` is leaf ``index`` of the size-``size`` tree with ``root``.

    Runs on untrusted receipts, so every mismatch (including nonsense types) is a plain False,
    never an exception a caller might forget to catch and treat as success. The root does not
    commit to ``size`` (a proof can also verify at a neighbouring size with the same path
    shape), so ``size`` must come from the anchor, stored on chain next to the root.
    """
    if not (_is_count(index) and _is_count(size) and 0 <= index < size):
        return False
    if not all(isinstance(p, bytes) and len(p) == HASH_SIZE for p in proof):
        return False
    if not isinstance(leaf, bytes) or not isinstance(root, bytes):
        return False
    return _root_from_path(leaf, index, size, proof) == root


@dataclass(frozen=True)
class InclusionProof:
    """An audit path in JSON-friendly form, as stored in an event's anchoring receipt."""

    index: int
    size: int
    path: tuple[str, ...]  # lower-case hex of each sibling hash, leaf to root

    def __post_init__(self) -> None:
        """Validate once here, so every instance (built or parsed) is well-formed."""
        if not (_is_count(self.size) and self.size >= 1):
            raise ValueError(f"size must be a positive integer, got {self.size!r}")
        if not (_is_count(self.index) and 0 <= self.index < self.size):
            raise ValueError(f"index must be an integer in [0, {self.size}), got {self.index!r}")
        if not isinstance(self.path, tuple):
            raise ValueError("path must be a tuple of hex strings")
        for item in self.path:
            if not (isinstance(item, str) and _HEX_HASH.fullmatch(item)):
                raise ValueError(f"path element is not 64 lower-case hex characters: {item!r}")

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "size": self.size, "path": list(self.path),
                "algorithm": ALGORITHM}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InclusionProof:
        """Inverse of ``to_json``; ValueError for anything else, since receipts are untrusted."""
        if not isinstance(data, dict):
            raise ValueError("an inclusion proof must be a JSON object")
        if set(data) != _JSON_KEYS:
            raise ValueError(f"inclusion proof keys must be {sorted(_JSON_KEYS)}, "
                             f"got {sorted(map(str, data))}")
        if data["algorithm"] != ALGORITHM:
            raise ValueError(f"unknown algorithm {data['algorithm']!r}, expected {ALGORITHM!r}")
        if not isinstance(data["path"], list):
            raise ValueError("path must be a list of hex strings")
        return cls(index=data["index"], size=data["size"], path=tuple(data["path"]))

    def verifies(self, leaf: bytes, root: bytes) -> bool:
        """Whether this proof puts raw ``leaf`` under ``root`` (e.g. the root read from chain)."""
        siblings = [bytes.fromhex(item) for item in self.path]
        return verify_inclusion(leaf, self.index, self.size, siblings, root)


def _event_leaf(position: int, event_hash: str) -> bytes:
    if not (isinstance(event_hash, str) and _HEX_HASH.fullmatch(event_hash)):
        raise ValueError(f"event hash #{position} is not 64 lower-case hex characters")
    return bytes.fromhex(event_hash)


def batch(event_hashes: Sequence[str]) -> tuple[str, list[InclusionProof]]:
    """Root (hex) to anchor for these events' hashes, and each event's proof, in input order.

    The leaf is the event hash's 32 raw bytes, so a verifier needs only the event and the
    receipt: recompute the event hash, then check the proof against the on-chain root.
    """
    if not event_hashes:
        raise ValueError("cannot anchor an empty batch of events")
    tree = MerkleTree([_event_leaf(i, h) for i, h in enumerate(event_hashes)])
    proofs = [InclusionProof(index=i, size=tree.size, path=tuple(p.hex() for p in tree.proof(i)))
              for i in range(tree.size)]
    return tree.root.hex(), proofs
