"""Recording briefings: writing a period's briefing once (and a new version when its figures
changed), the owners' analysis, countermeasures and sign-off, and issuing it to the posts that
receive it. What the figures are is computed from the read models (projections/briefings.py);
this desk only keeps them.

Issuing records who the briefing is for (`Briefing.Issued`: the posts and the people holding
them); delivering it through a channel is the notification channels' work, which follow that
event."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.briefings.briefing import Briefing, BriefingKind, briefing_id
from domain.directory.access import Post, Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import AccessDenied, CaseNotFound
from service.store import NO_META, CommandMeta, Stamp

if TYPE_CHECKING:
    from service.store import CaseStore

WRITER = "system:briefing"
# Who owns a briefing (may comment and sign off): these posts held at its node.
OWNERS = frozenset(
    {Post.WORKSTATION_STAFF, Post.BRANCH_SECRETARY, Post.VILLAGE_DIRECTOR, Post.MEDIATION_CHAIR}
)
# Who receives it: posts at its node, and at the node above (the village reports to the township).
RECEIVE_HERE = (Post.WORKSTATION_STAFF, Post.BRANCH_SECRETARY, Post.VILLAGE_DIRECTOR)
RECEIVE_ABOVE = (Post.WORKSTATION_STAFF,)


def _digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content["figures"], sort_keys=True).encode()).hexdigest()[:16]


class BriefingDesk:
    def __init__(self, store: CaseStore) -> None:
        self.cb = store
        store.guard(Briefing, lambda b: b.node)

    # -- the system's commands ------------------------------------------------------------

    def write(
        self,
        kind: BriefingKind | str,
        node: str,
        start: datetime,
        end: datetime,
        content: dict[str, Any],
        sources: dict[str, Any],
        at: datetime,
    ) -> tuple[Briefing, bool]:
        """The period's briefing: written once; written again, a new version only if its figures
        changed. Returns it and whether anything was recorded. Idempotent by the figures."""
        kind = BriefingKind(kind).value
        found = self.find(kind, node, start)
        if found is None:
            stamp = Stamp(
                actor=WRITER, effective_at=at, command_id=f"briefing:{kind}:{node}:{start.isoformat()}"
            )
            briefing = self.cb.create(
                "write_briefing",
                stamp,
                lambda: Briefing.write(
                    kind=kind,
                    node=node,
                    period_start=start,
                    period_end=end,
                    content=content,
                    sources=sources,
                    **stamp,
                ),
                Briefing,
                "briefing",
            )
            return self._issued(briefing, at), True
        before = found.current["number"]
        stamp = Stamp(
            actor=WRITER, effective_at=at, command_id=f"briefing-revise:{found.id}:{_digest(content)}"
        )
        revised = self.cb.change(
            Briefing,
            found.id,
            "briefing",
            "revise_briefing",
            stamp,
            lambda b, s: b.revise(content=content, sources=sources, **s),
        )
        changed = revised.current["number"] != before
        return (self._issued(revised, at) if changed else revised), changed

    def _issued(self, briefing: Briefing, at: datetime) -> Briefing:
        """Issued to the posts that receive it: the seam the notification channels follow."""
        tree = self.cb.current_directory()
        parent = tree.nodes[briefing.node].parent_at(at) if briefing.node in tree.nodes else None
        wanted = [(p, briefing.node) for p in RECEIVE_HERE] + [(p, parent) for p in RECEIVE_ABOVE if parent]
        if briefing.kind == BriefingKind.TOWNSHIP_RANKING:
            villages = [c for c in tree.children(briefing.node, at) if tree.nodes[c].kind == NodeKind.VILLAGE]
            wanted += [(p, v) for v in villages for p in (Post.BRANCH_SECRETARY, Post.VILLAGE_DIRECTOR)]
        posts = [f"{post.value}@{node}" for post, node in wanted]
        people = sorted(
            {t.person_id for post, node in wanted for t in tree.holders(node, at) if t.post == post}
        )
        number = briefing.current["number"]
        stamp = Stamp(actor=WRITER, effective_at=at, command_id=f"briefing-issue:{briefing.id}:{number}")
        return self.cb.change(
            Briefing,
            briefing.id,
            "briefing",
            "issue_briefing",
            stamp,
            lambda b, s: b.issue(posts=posts, people=people, **s),
        )

    # -- the owners' commands -------------------------------------------------------------

    def comment(
        self, actor: str, briefing_id: UUID, *, comment_kind: str, text: str, meta: CommandMeta = NO_META
    ) -> Briefing:
        return self._as_owner(
            actor,
            briefing_id,
            "comment_briefing",
            lambda b, s: b.comment(comment_kind=comment_kind, text=text, **s),
            meta,
        )

    def sign_off(self, actor: str, briefing_id: UUID, meta: CommandMeta = NO_META) -> Briefing:
        return self._as_owner(actor, briefing_id, "sign_off_briefing", lambda b, s: b.sign_off(**s), meta)

    def _as_owner(
        self, actor: str, briefing_id: UUID, action: str, decide: Any, meta: CommandMeta
    ) -> Briefing:
        briefing = self.cb.read(Briefing, briefing_id, "briefing", actor)
        stamp = self.cb.stamp(actor, meta)
        held = self.cb.current_directory().holders(briefing.node, stamp["effective_at"])
        if not any(t.person_id == actor and t.post in OWNERS for t in held):
            raise AccessDenied(
                actor,
                Right.READ,
                briefing.node,
                f"{actor} holds none of the posts that own this briefing at {briefing.node}: "
                + ", ".join(sorted(p.value for p in OWNERS)),
            )
        return self.cb.change(Briefing, briefing_id, "briefing", action, stamp, decide, meta)

    # -- questions ------------------------------------------------------------------------

    def find(self, kind: str, node: str, start: datetime) -> Briefing | None:
        try:
            return self.cb.load(Briefing, briefing_id(kind, node, start), "briefing")
        except CaseNotFound:
            return None

    def briefing(self, reader: str | None, briefing_id: UUID) -> Briefing:
        return self.cb.read(Briefing, briefing_id, "briefing", reader)
