"""People, their posts and the rights each post carries in its node and below."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import AccessDenied
from domain.jurisdiction import Jurisdiction


class Right(StrEnum):
    REPORT_DISPUTE = "report_dispute"
    MEDIATE = "mediate"
    ESCALATE = "escalate"
    CLOSE_CASE = "close_case"
    READ = "read"


class Post(StrEnum):
    GRID_MEMBER = "grid_member"
    MEDIATOR = "mediator"
    TOWNSHIP_STAFF = "township_staff"
    AUDITOR = "auditor"


RIGHTS: dict[Post, frozenset[Right]] = {
    Post.GRID_MEMBER: frozenset({Right.REPORT_DISPUTE, Right.MEDIATE, Right.READ}),
    Post.MEDIATOR: frozenset(
        {Right.REPORT_DISPUTE, Right.MEDIATE, Right.ESCALATE, Right.CLOSE_CASE, Right.READ}
    ),
    Post.TOWNSHIP_STAFF: frozenset(Right),
    Post.AUDITOR: frozenset({Right.READ}),
}

SYSTEM_ACTOR = "system:deadline"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    post: Post
    node: str

    def require(self, right: Right, node_id: str, tree: Jurisdiction) -> None:
        if right not in RIGHTS[self.post]:
            raise AccessDenied(
                self.id, right, node_id,
                f"a {self.post.replace('_', ' ')} does not have the right to "
                f"{right.replace('_', ' ')}",
            )
        if not tree.contains(self.node, node_id):
            raise AccessDenied(
                self.id, right, node_id,
                f"{node_id!r} is outside {self.name}'s jurisdiction ({self.node!r})",
            )
