"""The kinds of node in the jurisdiction tree: county → township → village → grid."""

from __future__ import annotations

from enum import StrEnum


class NodeKind(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"
    GRID = "grid"


PARENT_KIND: dict[NodeKind, NodeKind | None] = {
    NodeKind.COUNTY: None,
    NodeKind.TOWNSHIP: NodeKind.COUNTY,
    NodeKind.VILLAGE: NodeKind.TOWNSHIP,
    NodeKind.GRID: NodeKind.VILLAGE,
}
