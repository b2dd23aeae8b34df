"""A briefing: a document written from the log for one node and one period — the weekly dispute
analysis of a village or township, the township's weekly notification ranking its villages —
with its figures, the cases behind each, the comparisons, the policy, book and metric versions it
used, and the notification position of the read model it was computed at.

It is written once per period and kept: written again (a late event changed a figure), it gets a
new version that shows what changed; an earlier version is never rewritten. Its owners add their
analysis and countermeasures and sign it off; it is issued to the posts that receive it."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed

MAX_TEXT = 4000


class BriefingKind(StrEnum):
    DISPUTE_WEEKLY = "dispute_weekly"  # 矛盾纠纷周分析: a village's or township's week
    TOWNSHIP_RANKING = "township_ranking"  # 每周通报: the township ranks its villages
    SITUATION_HALF_MONTHLY = "situation_half_monthly"  # 半月综合形势分析: a township's half-month
    PATROL_WEEKLY = "patrol_weekly"  # 巡逻周报: a village's or township's patrols, route by route
    PATROL_DAILY = "patrol_daily"  # 巡逻日报: the same for a day
    PATROL_MONTHLY = "patrol_monthly"  # 巡逻月报: the same for a calendar month


PATROL_KINDS = frozenset({BriefingKind.PATROL_DAILY, BriefingKind.PATROL_WEEKLY, BriefingKind.PATROL_MONTHLY})


class CommentKind(StrEnum):
    ANALYSIS = "analysis"  # 分析问题
    COUNTERMEASURE = "countermeasure"  # 明确任务, 落实责任


def briefing_id(kind: str, node: str, start: datetime) -> UUID:
    return uuid5(NAMESPACE_URL, f"fengqiao:briefing:{kind}:{node}:{start.astimezone(UTC).isoformat()}")


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two versions' figures, figure by figure (and each figure's parts)."""
    found = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            found.append({"figure": name, "before": old, "after": new})
    return found


class Briefing(Aggregate):
    TOPIC = "fengqiao.briefing:Briefing"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Written(Aggregate.Created, Event):
        """The briefing's first version, written from the log for its period."""

        TOPIC = "fengqiao.briefing:BriefingWritten"
        kind: str
        node: str
        period_start: datetime
        period_end: datetime
        content: dict[str, Any]  # figures, cases, comparisons, rows: what the document shows
        sources: dict[str, Any]  # policy, book and metric versions; the read model's position

    Created = Written

    class Revised(Event):
        """Written again with different figures (a late event): a new version, the old one kept."""

        TOPIC = "fengqiao.briefing:BriefingRevised"
        version_number: int
        content: dict[str, Any]
        sources: dict[str, Any]
        changes: list[dict[str, Any]]

        def apply(self, b: Briefing) -> None:
            b.versions.append(
                {
                    "number": self.version_number,
                    "content": self.content,
                    "sources": self.sources,
                    "changes": self.changes,
                    "written_at": self.effective_at,
                }
            )
            b.signed_off = []  # a new version is signed off afresh

    class Commented(Event):
        """An owner added analysis or countermeasures."""

        TOPIC = "fengqiao.briefing:BriefingCommented"
        comment_kind: str
        text: str
        on_version: int

        def apply(self, b: Briefing) -> None:
            b.comments.append(
                {
                    "kind": self.comment_kind,
                    "text": self.text,
                    "by": self.actor,
                    "at": self.effective_at,
                    "on_version": self.on_version,
                }
            )

    class SignedOff(Event):
        """An owner signed the current version off."""

        TOPIC = "fengqiao.briefing:BriefingSignedOff"
        on_version: int

        def apply(self, b: Briefing) -> None:
            b.signed_off.append({"by": self.actor, "at": self.effective_at, "on_version": self.on_version})

    class Issued(Event):
        """The version was issued to the posts that receive it (the channels deliver it)."""

        TOPIC = "fengqiao.briefing:BriefingIssued"
        on_version: int
        posts: list[str]  # "post@node"
        people: list[str]

        def apply(self, b: Briefing) -> None:
            b.issued.append(
                {
                    "on_version": self.on_version,
                    "posts": self.posts,
                    "people": self.people,
                    "at": self.effective_at,
                }
            )

    def __init__(
        self,
        *,
        kind: str,
        node: str,
        period_start: datetime,
        period_end: datetime,
        content: dict[str, Any],
        sources: dict[str, Any],
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> None:
        self.kind, self.node = kind, node
        self.period_start, self.period_end = period_start, period_end
        self.versions: list[dict[str, Any]] = [
            {"number": 1, "content": content, "sources": sources, "changes": [], "written_at": effective_at}
        ]
        self.comments: list[dict[str, Any]] = []
        self.signed_off: list[dict[str, Any]] = []
        self.issued: list[dict[str, Any]] = []

    @classmethod
    def write(
        cls,
        *,
        kind: str,
        node: str,
        period_start: datetime,
        period_end: datetime,
        content: dict[str, Any],
        sources: dict[str, Any],
        **stamp: Any,
    ) -> Briefing:
        BriefingKind(kind)
        return cls._create(
            cls.Written,
            id=briefing_id(kind, node, period_start),
            kind=kind,
            node=node,
            period_start=period_start,
            period_end=period_end,
            content=content,
            sources=sources,
            **stamp,
        )

    # -- commands -----------------------------------------------------------

    def revise(self, *, content: dict[str, Any], sources: dict[str, Any], **stamp: Any) -> bool:
        """A new version when the figures differ from the current one's; False when they do not."""
        changes = differences(self.current["content"]["figures"], content["figures"])
        if not changes:
            return False
        self.trigger_event(
            self.Revised,
            version_number=self.current["number"] + 1,
            content=content,
            sources=sources,
            changes=changes,
            **stamp,
        )
        return True

    def comment(self, *, comment_kind: str, text: str, **stamp: Any) -> None:
        CommentKind(comment_kind)
        words = text.strip()
        if not words:
            raise InvalidValue("text", "write the analysis or the countermeasures")
        if len(words) > MAX_TEXT:
            raise InvalidValue("text", "at most {max_text} characters", max_text=MAX_TEXT)
        self.trigger_event(
            self.Commented, comment_kind=comment_kind, text=words, on_version=self.current["number"], **stamp
        )

    def sign_off(self, **stamp: Any) -> None:
        if any(s["by"] == stamp["actor"] for s in self.signed_off):
            raise TransitionNotAllowed(
                "sign_off",
                "signed_off",
                [],
                f"{stamp['actor']} already signed version {self.current['number']} off",
            )
        self.trigger_event(self.SignedOff, on_version=self.current["number"], **stamp)

    def issue(self, *, posts: list[str], people: list[str], **stamp: Any) -> bool:
        number = self.current["number"]
        if any(i["on_version"] == number for i in self.issued):
            return False
        self.trigger_event(self.Issued, on_version=number, posts=posts, people=people, **stamp)
        return True

    # -- questions ----------------------------------------------------------

    @property
    def current(self) -> dict[str, Any]:
        return self.versions[-1]

    @property
    def status(self) -> BriefingStatus:
        return BriefingStatus.SIGNED_OFF if self.signed_off else BriefingStatus.WRITTEN

    def version_of(self, number: int) -> dict[str, Any]:
        if not 1 <= number <= len(self.versions):
            raise InvalidValue(
                "version", "the briefing has versions 1 to {versions}", versions=len(self.versions)
            )
        return self.versions[number - 1]


class BriefingStatus(StrEnum):
    WRITTEN = "written"
    SIGNED_OFF = "signed_off"


EVENT_CLASSES = (Briefing.Written, Briefing.Revised, Briefing.Commented, Briefing.SignedOff, Briefing.Issued)
EVENT_TOPICS = tuple(cls.TOPIC for cls in EVENT_CLASSES)
