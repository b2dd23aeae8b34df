"""The seal's Merkle tree against the known answers of Certificate Transparency (the vectors of the
C++ CT implementation as carried by transparency-dev/merkle `testonly`), and against the RFC 6962
definitions written out directly, for every tree size up to 33."""

from __future__ import annotations

import hashlib

import pytest

from service.seal.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    frontier,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of_peaks,
    split_point,
    tree_of,
    verify_consistency,
    verify_inclusion,
)

INPUTS = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")] + [
    bytes.fromhex("606162636465666768696a6b6c6d6e6f")
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {  # (index, size) -> path
    (0, 1): [],
    (0, 2): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    (1, 2): ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CONSISTENCY = {  # (first, second) -> proof
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
TREE = tree_of([leaf_hash(d) for d in INPUTS])


def reference_root(leaves: list[bytes]) -> bytes:
    """MTH as RFC 6962 §2.1 defines it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = split_point(len(leaves))
    return node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def test_the_root_of_every_prefix_is_the_known_answer() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    assert [TREE.root(size).hex() for size in range(9)] == ROOTS


@pytest.mark.parametrize(("index", "size"), list(INCLUSION))
def test_inclusion_proofs_are_the_known_answers_and_verify(index: int, size: int) -> None:
    proof = inclusion_proof(TREE.perfect, index, size)
    assert [p.hex() for p in proof] == INCLUSION[(index, size)]
    assert verify_inclusion(leaf_hash(INPUTS[index]), index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second"), list(CONSISTENCY))
def test_consistency_proofs_are_the_known_answers_and_verify(first: int, second: int) -> None:
    proof = consistency_proof(TREE.perfect, first, second)
    assert [p.hex() for p in proof] == CONSISTENCY[(first, second)]
    assert verify_consistency(first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), proof)


def test_every_proof_of_every_tree_up_to_33_leaves_verifies_and_a_changed_one_does_not() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(33)]
    tree = tree_of(leaves)
    wrong = hashlib.sha256(b"wrong").digest()
    for size in range(1, 34):
        root = tree.root(size)
        assert root == reference_root(leaves[:size])
        for index in range(size):
            proof = inclusion_proof(tree.perfect, index, size)
            assert verify_inclusion(leaves[index], index, size, proof, root)
            assert not verify_inclusion(wrong, index, size, proof, root)
            for n, _ in enumerate(proof):
                bent = [*proof[:n], wrong, *proof[n + 1 :]]
                assert not verify_inclusion(leaves[index], index, size, bent, root)
        for first in range(1, size + 1):
            proof = consistency_proof(tree.perfect, first, size)
            assert verify_consistency(first, size, tree.root(first), root, proof)
            assert not verify_consistency(first, size, wrong, root, proof)
            assert not verify_consistency(first, size, tree.root(first), wrong, proof)
            for n, _ in enumerate(proof):
                bent = [*proof[:n], wrong, *proof[n + 1 :]]
                assert not verify_consistency(first, size, tree.root(first), root, bent)


def test_the_frontier_of_a_tree_is_one_perfect_subtree_per_set_bit_of_its_size() -> None:
    assert frontier(0) == []
    assert frontier(13) == [(3, 0), (2, 2), (0, 12)]
    assert frontier(8) == [(3, 0)]


def test_the_root_from_the_frontier_is_the_root_of_the_tree() -> None:
    leaves = [leaf_hash(i.to_bytes(4, "big")) for i in range(21)]
    for size in range(22):
        tree = tree_of(leaves[:size])
        assert root_of_peaks(tree.peaks) == tree.root()
