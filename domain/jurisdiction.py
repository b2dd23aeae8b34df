"""The jurisdiction tree (county → township → village → grid) and questions asked of it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import InvalidValue


class NodeKind(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GRID = "grid"


PARENT_KIND = {
    NodeKind.TOWNSHIP: NodeKind.COUNTY,
    NodeKind.VILLAGE: NodeKind.TOWNSHIP,
    NodeKind.GRID: NodeKind.VILLAGE,
}


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    kind: NodeKind
    parent: str | None = None


class Jurisdiction:
    """An immutable tree of nodes, checked on construction."""

    def __init__(self, nodes: Iterable[Node]) -> None:
        self._nodes: dict[str, Node] = {}
        for node in nodes:
            if node.id in self._nodes:
                raise ValueError(f"node {node.id!r} is defined twice")
            self._nodes[node.id] = node
        for node in self._nodes.values():
            self._check_parent(node)

    def _check_parent(self, node: Node) -> None:
        expected = PARENT_KIND.get(node.kind)
        if expected is None:
            if node.parent is not None:
                raise ValueError(f"{node.kind} {node.id!r} cannot have a parent")
            return
        parent = self._nodes.get(node.parent or "")
        if parent is None or parent.kind != expected:
            raise ValueError(f"{node.kind} {node.id!r} needs a {expected} as parent")

    def get(self, node_id: str) -> Node | None:
        return self._nodes.get(node_id)

    def require(self, node_id: str, kind: NodeKind, field: str) -> Node:
        node = self._nodes.get(node_id)
        if node is None:
            raise InvalidValue(field, f"no {kind} {node_id!r} in the jurisdiction")
        if node.kind != kind:
            raise InvalidValue(field, f"{node_id!r} is a {node.kind}, not a {kind}")
        return node

    def ancestors(self, node_id: str) -> list[str]:
        """The node itself and every node above it, nearest first."""
        chain = []
        node = self._nodes.get(node_id)
        while node is not None:
            chain.append(node.id)
            node = self._nodes.get(node.parent or "")
        return chain

    def contains(self, ancestor_id: str, node_id: str) -> bool:
        return ancestor_id in self.ancestors(node_id)

    def nodes(self, kind: NodeKind | None = None) -> list[Node]:
        return [n for n in self._nodes.values() if kind is None or n.kind == kind]
