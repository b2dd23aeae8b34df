"""The Merkle tree of RFC 6962 §2.1 (RFC 9162 §2.1): tree hash, inclusion and consistency proofs
and their verification. Pure functions over a way to get the hash of a perfect subtree, so the same
code serves a tree held in memory (the verifier) and one whose nodes are rows in the store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

# The hash of the perfect, aligned subtree over leaves [start, end): end - start is a power of two
# and start a multiple of it. Every other range hash is computed from these.
Perfect = Callable[[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): where RFC 6962 splits a tree of n leaves."""
    if n < 2:
        raise ValueError("a tree of fewer than 2 leaves does not split")
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(perfect: Perfect, start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a range the RFC's recursion reaches (start aligned to the split)."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n & (n - 1) == 0:
        return perfect(start, end)
    k = split_point(n)
    return node_hash(perfect(start, start + k), range_hash(perfect, start + k, end))


def root(perfect: Perfect, size: int) -> bytes:
    return range_hash(perfect, 0, size)


def inclusion_proof(perfect: Perfect, index: int, size: int) -> list[bytes]:
    """PATH(index, D[0:size]), leaf to root."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    return _path(perfect, index, 0, size)


def _path(perfect: Perfect, m: int, start: int, end: int) -> list[bytes]:
    n = end - start
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return [*_path(perfect, m, start, start + k), range_hash(perfect, start + k, end)]
    return [*_path(perfect, m - k, start + k, end), range_hash(perfect, start, start + k)]


def consistency_proof(perfect: Perfect, first: int, second: int) -> list[bytes]:
    """PROOF(first, D[0:second]): that the tree of `second` leaves extends the tree of `first`."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first == 0 or first == second:
        return []
    return _subproof(perfect, first, 0, second, True)


def _subproof(perfect: Perfect, m: int, start: int, end: int, whole: bool) -> list[bytes]:
    n = end - start
    if m == n:
        return [] if whole else [range_hash(perfect, start, end)]
    k = split_point(n)
    if m <= k:
        return [*_subproof(perfect, m, start, start + k, whole), range_hash(perfect, start + k, end)]
    return [*_subproof(perfect, m - k, start + k, end, False), range_hash(perfect, start, start + k)]


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root_hash


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2, with the trivial cases (an empty first tree, equal sizes) spelled out."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def frontier(size: int) -> list[tuple[int, int]]:
    """The perfect subtrees, as (level, index), whose hashes a tree of `size` leaves appends onto:
    one per set bit of size, largest first."""
    found, start = [], 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            found.append((level, start >> level))
            start += 1 << level
    return found


def append(peaks: list[bytes], size: int, leaf: bytes) -> list[tuple[int, int, bytes]]:
    """Appends a leaf to a tree of `size` leaves given by its frontier hashes `peaks` (changed in
    place); returns every perfect subtree the leaf completes, as (level, index, hash), leaf first."""
    level, index, node = 0, size, leaf
    made = [(0, index, node)]
    while index & 1:
        node = node_hash(peaks.pop(), node)
        level, index = level + 1, index >> 1
        made.append((level, index, node))
    peaks.append(node)
    return made


def root_of_peaks(peaks: Sequence[bytes]) -> bytes:
    """The root of a tree from its frontier hashes (largest first)."""
    if not peaks:
        return EMPTY_ROOT
    node = peaks[-1]
    for peak in reversed(peaks[:-1]):
        node = node_hash(peak, node)
    return node


class MemoryTree:
    """Every perfect subtree of a tree built in memory, one packed array of hashes per level."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]
        self.peaks: list[bytes] = []
        self.size = 0

    def append(self, leaf: bytes) -> None:
        for level, _, node in append(self.peaks, self.size, leaf):
            if level == len(self.levels):
                self.levels.append(bytearray())
            self.levels[level] += node
        self.size += 1

    def perfect(self, start: int, end: int) -> bytes:
        level = (end - start).bit_length() - 1
        at = (start >> level) * 32
        return bytes(self.levels[level][at : at + 32])

    def root(self, size: int | None = None) -> bytes:
        return root(self.perfect, self.size if size is None else size)


def tree_of(leaves: Sequence[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree
