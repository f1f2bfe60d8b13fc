"""RFC 6962 Merkle trees: reference vectors, an independent MTH, and every way a proof can lie."""

from __future__ import annotations

import hashlib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.domain.merkle import (
    ALGORITHM,
    EMPTY_ROOT,
    InclusionProof,
    MerkleTree,
    batch,
    leaf_hash,
    node_hash,
    verify_inclusion,
)

# Certificate Transparency's reference leaves and roots of their first n leaves
# (google/certificate-transparency cpp/merkletree/merkle_tree_test.cc).
CT_LEAVES = [bytes.fromhex(h) for h in [
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]]
CT_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# The same file's audit paths, as (0-based leaf index, tree size, path).
CT_PATHS = [
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 read literally, sharing no code with the module under test."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = largest_power_of_two_below(n)
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def naive_path(m: int, leaves: list[bytes]) -> list[tuple[str, bytes]]:
    """RFC 6962 §2.1.1 PATH(m, D[n]) read literally, each sibling tagged with its side."""
    n = len(leaves)
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return [*naive_path(m, leaves[:k]), ("right", naive_mth(leaves[k:]))]
    return [*naive_path(m - k, leaves[k:]), ("left", naive_mth(leaves[:k]))]


def shape(m: int, n: int) -> list[str]:
    """Which side each sibling of leaf m sits on in a size-n tree: naive_path without hashing."""
    if not 0 <= m < n:
        return ["invalid"]
    if n == 1:
        return []
    k = largest_power_of_two_below(n)
    return [*shape(m, k), "right"] if m < k else [*shape(m - k, n - k), "left"]


def leaves_of(n: int) -> list[bytes]:
    return [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]


def flip(data: bytes, position: int = 0) -> bytes:
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]


# --- reference vectors ---------------------------------------------------------------------

@pytest.mark.parametrize("n", sorted(CT_ROOTS))
def test_ct_reference_roots(n):
    assert MerkleTree(CT_LEAVES[:n]).root.hex() == CT_ROOTS[n]
    assert naive_mth(CT_LEAVES[:n]).hex() == CT_ROOTS[n]


@pytest.mark.parametrize(("index", "size", "path"), CT_PATHS)
def test_ct_reference_audit_paths(index, size, path):
    tree = MerkleTree(CT_LEAVES[:size])
    assert [p.hex() for p in tree.proof(index)] == path
    siblings = [bytes.fromhex(p) for p in path]
    assert verify_inclusion(CT_LEAVES[index], index, size, siblings, tree.root)


def test_hash_prefixes_and_empty_tree():
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert node_hash(b"a", b"b") != node_hash(b"b", b"a")
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert naive_mth([]) == EMPTY_ROOT
    with pytest.raises(ValueError, match="at least one leaf"):
        MerkleTree([])


def test_root_matches_naive_mth_for_sizes_1_to_130():
    leaves = leaves_of(130)
    for n in range(1, 131):
        tree = MerkleTree(leaves[:n])
        assert tree.size == n
        assert tree.root == naive_mth(leaves[:n]), n


# --- proofs --------------------------------------------------------------------------------

def rejections(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes):
    """Every tampered variant of a valid proof, each named for the failure message."""
    for i in range(len(path)):
        for position in (0, 31):
            yield f"flip path[{i}] byte {position}", (
                leaf, index, size, [*path[:i], flip(path[i], position), *path[i + 1:]], root)
        yield f"drop path[{i}]", (leaf, index, size, path[:i] + path[i + 1:], root)
    for i in range(len(path) + 1):
        yield f"insert at {i}", (leaf, index, size, [*path[:i], leaf_hash(b"x"), *path[i:]], root)
    yield "leaf changed", (flip(leaf), index, size, path, root)
    yield "leaf extended", (leaf + b"\x00", index, size, path, root)
    yield "index - 1", (leaf, index - 1, size, path, root)
    yield "index + 1", (leaf, index + 1, size, path, root)
    yield "root changed", (leaf, index, size, path, flip(root, 31))
    yield "index = size", (leaf, size, size, path, root)
    yield "size 0", (leaf, 0, 0, path, root)


@pytest.mark.parametrize("size", range(1, 71))
def test_every_proof_verifies_and_every_tampering_fails(size):
    leaves = leaves_of(size)
    tree = MerkleTree(leaves)
    for index in range(size):
        path = tree.proof(index)
        assert verify_inclusion(leaves[index], index, size, path, tree.root)
        for name, args in rejections(leaves[index], index, size, path, tree.root):
            assert verify_inclusion(*args) is False, (size, index, name)
        for other in (size - 1, size + 1):
            # The root does not commit to the size: a wrong size verifies exactly when leaf
            # `index` has the same sibling sides in a size-`other` tree (hence: anchor the size).
            same_shape = shape(index, other) == shape(index, size)
            assert verify_inclusion(leaves[index], index, other, path, tree.root) is same_shape


def test_a_neighbouring_size_can_verify_so_size_must_be_anchored():
    leaves = leaves_of(5)
    tree = MerkleTree(leaves)
    assert verify_inclusion(leaves[0], 0, 6, tree.proof(0), tree.root)
    assert not verify_inclusion(leaves[4], 4, 6, tree.proof(4), tree.root)


@pytest.mark.parametrize("size", range(1, 65))
def test_proof_matches_a_literal_rfc_6962_path(size):
    leaves = leaves_of(size)
    tree = MerkleTree(leaves)
    for index in range(size):
        path = naive_path(index, leaves)
        assert tree.proof(index) == [sibling for _, sibling in path]
        assert shape(index, size) == [side for side, _ in path]


@pytest.mark.parametrize("size", [*range(1, 70), 127, 128, 129, 1000, 1024, 1025])
def test_proof_length_is_within_the_rfc_bound(size):
    tree = MerkleTree(leaves_of(size))
    depth = math.ceil(math.log2(size))
    lengths = [len(tree.proof(i)) for i in range(size)]
    assert max(lengths) == depth
    # Every leaf of the left, complete subtree of 2^(depth-1) leaves needs the full depth...
    assert all(length == depth for length in lengths[:largest_power_of_two_below(size)])
    # ...while right-hand leaves can need far fewer: not "depth or depth - 1" in general.
    assert all(1 <= length <= depth for length in lengths[1:])
    if size > 2 and size & (size - 1) == 0:
        assert min(lengths) == depth


def test_short_proofs_exist_below_depth_minus_one():
    tree = MerkleTree(leaves_of(5))  # depth 3, but leaf 4's only sibling is MTH(D[0:4])
    assert [len(tree.proof(i)) for i in range(5)] == [3, 3, 3, 3, 1]


def test_proof_index_out_of_range():
    tree = MerkleTree(leaves_of(5))
    for index in (-1, 5, 6):
        with pytest.raises(IndexError):
            tree.proof(index)


@pytest.mark.parametrize("args", [
    ("leaf", 0, 1, [], b"r" * 32),                   # leaf not bytes
    (b"leaf", True, 2, [b"s" * 32], b"r" * 32),      # bool is not an index
    (b"leaf", 0.0, 1, [], b"r" * 32),
    (b"leaf", -1, 1, [], b"r" * 32),
    (b"leaf", 0, 2, ["00" * 32], b"r" * 32),         # hex, not bytes
    (b"leaf", 0, 2, [b"s" * 31], b"r" * 32),         # short sibling
    (b"leaf", 0, 1, [], None),
])
def test_verify_inclusion_returns_false_for_nonsense(args):
    assert verify_inclusion(*args) is False


@settings(max_examples=100, deadline=None)
@given(leaves=st.lists(st.binary(max_size=40), min_size=1, max_size=300), data=st.data())
def test_property_random_trees(leaves, data):
    tree = MerkleTree(leaves)
    assert tree.root == naive_mth(leaves)
    index = data.draw(st.integers(0, len(leaves) - 1), label="index")
    path = tree.proof(index)
    assert verify_inclusion(leaves[index], index, len(leaves), path, tree.root)
    other = data.draw(st.integers(0, len(leaves) - 1), label="other")
    if leaves[other] != leaves[index]:
        assert not verify_inclusion(leaves[other], index, len(leaves), path, tree.root)


# --- JSON receipts and batches -------------------------------------------------------------

def event_hashes(n: int) -> list[str]:
    return [hashlib.sha256(f"event {i}".encode()).hexdigest() for i in range(n)]


def test_inclusion_proof_json_round_trip():
    tree = MerkleTree(leaves_of(11))
    proof = InclusionProof(index=6, size=11, path=tuple(p.hex() for p in tree.proof(6)))
    document = proof.to_json()
    assert document == {"index": 6, "size": 11, "path": list(proof.path), "algorithm": ALGORITHM}
    assert document["algorithm"] == "rfc6962-sha256"
    parsed = InclusionProof.from_json(document)
    assert parsed == proof
    assert parsed.verifies(leaves_of(11)[6], tree.root)
    assert not parsed.verifies(leaves_of(11)[5], tree.root)


VALID = {"index": 1, "size": 2, "path": ["ab" * 32], "algorithm": ALGORITHM}


@pytest.mark.parametrize("document", [
    None,
    [],
    {k: v for k, v in VALID.items() if k != "algorithm"},
    {**VALID, "extra": 1},
    {**VALID, "algorithm": "keccak256"},
    {**VALID, "algorithm": None},
    {**VALID, "index": "1"},
    {**VALID, "index": 1.0},
    {**VALID, "index": True},
    {**VALID, "index": -1},
    {**VALID, "index": 2},                           # index >= size
    {**VALID, "size": 0},
    {**VALID, "size": "2"},
    {**VALID, "path": "ab" * 32},                    # a string, not a list
    {**VALID, "path": [b"\xab" * 32]},               # bytes, not hex
    {**VALID, "path": ["zz" * 32]},                  # bad hex
    {**VALID, "path": ["ab" * 31]},                  # 31-byte hash
    {**VALID, "path": ["ab" * 33]},
    {**VALID, "path": ["AB" * 32]},                  # hex must be lower-case, as written
    {**VALID, "path": [None]},
])
def test_from_json_rejects_malformed_documents(document):
    with pytest.raises(ValueError):
        InclusionProof.from_json(document)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 8, 9, 33])
def test_batch_proofs_verify_against_the_returned_root(n):
    hashes = event_hashes(n)
    root_hex, proofs = batch(hashes)
    root = bytes.fromhex(root_hex)
    assert root_hex == naive_mth([bytes.fromhex(h) for h in hashes]).hex()
    assert [(p.index, p.size) for p in proofs] == [(i, n) for i in range(n)]
    for event_hash, proof in zip(hashes, proofs, strict=True):
        receipt = InclusionProof.from_json(proof.to_json())
        assert receipt.verifies(bytes.fromhex(event_hash), root)
        assert not receipt.verifies(bytes.fromhex(event_hash), flip(root))
    if n > 1:
        assert not proofs[0].verifies(bytes.fromhex(hashes[1]), root)


@pytest.mark.parametrize("hashes", [
    [],
    ["ab" * 31],
    ["AB" * 32],
    ["zz" * 32],
    [b"\xab" * 32],
    [event_hashes(1)[0], "0x" + "ab" * 31],
    "ab" * 32,                                       # a bare string is not a list of hashes
])
def test_batch_rejects_empty_or_malformed(hashes):
    with pytest.raises(ValueError):
        batch(hashes)
