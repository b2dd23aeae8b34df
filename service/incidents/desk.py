"""Commands on incidents: who may report, report upward, handle, close and correct them, and where."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.directory.access import Right
from domain.directory.jurisdiction import NodeKind
from domain.disputes.dispute import Dispute
from domain.errors import AccessDenied, CaseNotFound, InvalidValue
from domain.incidents.incident import Hazard, Incident, Kind, Marker, Offence, OriginKind, ReportingLevel
from domain.patrols.patrol import Shift
from service.store import NO_META, CommandMeta, Stamp

if TYPE_CHECKING:
    from service.store import CaseStore

RIGHT_FOR: dict[str, Right] = {
    "report_upward": Right.HANDLE_INCIDENT,
    "handle": Right.HANDLE_INCIDENT,
    "close": Right.HANDLE_INCIDENT,
    "correct_casualties": Right.HANDLE_INCIDENT,
    "correct_mass_incident_facts": Right.HANDLE_INCIDENT,
}
NODE_OF_LEVEL = {ReportingLevel.TOWNSHIP: NodeKind.TOWNSHIP, ReportingLevel.COUNTY: NodeKind.COUNTY}


class IncidentDesk:
    def __init__(self, store: CaseStore) -> None:
        self.cb = store
        store.guard(Incident, lambda i: i.node)

    # -- reporting --------------------------------------------------------------

    def report(
        self,
        actor: str,
        *,
        grid: str | None = None,
        village: str | None = None,
        kind: Kind,
        description: str,
        location: str,
        occurred_at: datetime,
        markers: Sequence[Marker] = (),
        people_involved: int | None = None,
        injured: int | None = None,
        dead: int | None = None,
        offence: Offence | None = None,
        hazard: Hazard | None = None,
        origin_kind: OriginKind | None = None,
        origin_id: str | None = None,
        meta: CommandMeta = NO_META,
    ) -> Incident:
        """Reports an incident at the grid or the village where it happened."""
        if (grid is None) == (village is None):
            raise InvalidValue("grid", "give either a grid or a village")
        directory, now = self.cb.current_directory(), self.cb.clock()
        if grid is not None:
            directory.require_node(grid, NodeKind.GRID, "grid", now)
            village = directory.ancestor_of_kind(grid, NodeKind.VILLAGE, now)
        else:
            directory.require_node(village or "", NodeKind.VILLAGE, "village", now)
        self.cb.authorise_in(
            directory, actor, Right.REPORT_INCIDENT, grid or village or "", meta, "report_incident"
        )
        if origin_kind in (OriginKind.DISPUTE, OriginKind.PATROL) and origin_id:
            origin_id = self._existing_origin(actor, OriginKind(origin_kind), origin_id)
        stamp = self.cb.stamp(actor, meta)
        return self.cb.create(
            "report_incident",
            stamp,
            lambda: Incident.report(
                kind=kind,
                village=village or "",
                grid=grid,
                occurred_at=occurred_at,
                description=description,
                location=location,
                markers=markers,
                people_involved=people_involved,
                injured=injured,
                dead=dead,
                offence=offence,
                hazard=hazard,
                origin_kind=origin_kind,
                origin_id=origin_id,
                **stamp,
            ),
            Incident,
            "incident",
            meta=meta,
        )

    # -- commands on an incident ---------------------------------------------------

    def report_upward(
        self,
        actor: str,
        incident_id: UUID,
        *,
        level: ReportingLevel,
        recipient: str = "",
        meta: CommandMeta = NO_META,
    ) -> Incident:
        return self._act(
            actor,
            incident_id,
            "report_upward",
            meta,
            lambda i, s: i.report_upward(
                level=level, to_node=self._node_at(i, level), recipient=recipient, **s
            ),
        )

    def handle(
        self, actor: str, incident_id: UUID, *, measures: str, handled_by: str, meta: CommandMeta = NO_META
    ) -> Incident:
        return self._act(
            actor,
            incident_id,
            "handle",
            meta,
            lambda i, s: i.handle(measures=measures, handled_by=handled_by, **s),
        )

    def close(self, actor: str, incident_id: UUID, *, outcome: str, meta: CommandMeta = NO_META) -> Incident:
        return self._act(actor, incident_id, "close", meta, lambda i, s: i.close(outcome=outcome, **s))

    def correct_casualties(
        self,
        actor: str,
        incident_id: UUID,
        *,
        injured: int,
        dead: int,
        reason: str,
        meta: CommandMeta = NO_META,
    ) -> Incident:
        return self._act(
            actor,
            incident_id,
            "correct_casualties",
            meta,
            lambda i, s: i.correct_casualties(injured=injured, dead=dead, reason=reason, **s),
        )

    def correct_mass_incident_facts(
        self,
        actor: str,
        incident_id: UUID,
        *,
        markers: Sequence[Marker],
        people_involved: int,
        reason: str,
        meta: CommandMeta = NO_META,
    ) -> Incident:
        return self._act(
            actor,
            incident_id,
            "correct_mass_incident_facts",
            meta,
            lambda i, s: i.correct_mass_incident_facts(
                markers=markers, people_involved=people_involved, reason=reason, **s
            ),
        )

    # -- questions ----------------------------------------------------------------

    def get(self, reader: str | None, incident_id: UUID) -> Incident:
        """The incident, if the reader may read it; to anyone else there is no such incident."""
        return self.cb.read(Incident, incident_id, "incident", reader)

    def with_history(self, reader: str, incident_id: UUID) -> tuple[Incident, list[Any]]:
        """The incident now, and every event that made it so."""
        incident = self.get(reader, incident_id)
        return incident, self.cb.history(incident.id, incident.version)

    def may(self, actor: str, incident: Incident, action: str) -> bool:
        """Whether a post the person holds now may do the action on the incident: the check every
        command makes (pages offer only what it allows)."""
        try:
            self._authorise(actor, action, incident)
        except AccessDenied:
            return False
        return True

    def recent(self, reader: str, limit: int = 50) -> list[Incident]:
        """The incidents the person may read, newest report first. Read from the log (there is
        no incident list read model yet): every report is looked at once per call."""
        found: list[UUID] = []
        position = 0
        while batch := self.cb.recorder.select_notifications(
            position, 1000, topics=[Incident.Reported.TOPIC], inclusive_of_start=False
        ):
            found.extend(n.originator_id for n in batch)
            position = batch[-1].id
        readable: list[Incident] = []
        for incident_id in reversed(found):
            try:
                readable.append(self.get(reader, incident_id))
            except CaseNotFound:
                continue
            if len(readable) == limit:
                break
        return readable

    # -- machinery ----------------------------------------------------------------

    def _authorise(self, actor: str, action: str, incident: Incident) -> None:
        self.cb.authorise(actor, RIGHT_FOR[action], incident.node)

    def _node_at(self, incident: Incident, level: ReportingLevel) -> str | None:
        """The node of the tree at that level above the incident, if the tree reaches it."""
        try:
            kind = NODE_OF_LEVEL.get(ReportingLevel(level))
        except ValueError:
            return None  # the incident refuses the level, naming the field
        if kind is None:
            return None
        return self.cb.current_directory().ancestor_of_kind(incident.node, kind, self.cb.clock())

    def _existing_origin(self, actor: str, kind: OriginKind, origin_id: str) -> str:
        """The dispute or patrol shift the incident came from, by its id, normalised: one the
        reporter may read (another is, to them, no such case)."""
        what, aggregate = ("dispute", Dispute) if kind == OriginKind.DISPUTE else ("patrol shift", Shift)
        try:
            case_id = UUID(origin_id.strip())
        except ValueError:
            raise InvalidValue(
                "origin_id", "{origin_id!r} is not a {what} id", origin_id=origin_id, what=what
            ) from None
        try:
            self.cb.read(aggregate, case_id, what, actor)
        except CaseNotFound:
            raise InvalidValue(
                "origin_id", "no {what} with id {case_id}", what=what, case_id=case_id
            ) from None
        return str(case_id)

    def _act(
        self,
        actor: str,
        incident_id: UUID,
        action: str,
        meta: CommandMeta,
        decide: Callable[[Incident, Stamp], Any],
    ) -> Incident:
        """Authorised at the incident's grid or village: its own people and those above it."""

        def authorised(i: Incident, s: Stamp) -> Any:
            self._authorise(actor, action, i)
            return decide(i, s)

        stamp = self.cb.stamp(actor, meta)
        return self.cb.change(Incident, incident_id, "incident", action, stamp, authorised, meta)
