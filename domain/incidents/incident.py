"""The incident (事件): a mass incident, safety accident, fire, public-security case or natural
disaster, reported where it happened, reported upward level by level, handled and closed.
Its events carry what the township's veto triggers and safety score read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.evidence import Attachable, AttachmentAddedFields, AttachmentSupersededFields


class Kind(StrEnum):
    MASS_INCIDENT = "mass_incident"
    SAFETY_ACCIDENT = "safety_accident"
    FIRE = "fire"
    PUBLIC_SECURITY_CASE = "public_security_case"
    NATURAL_DISASTER = "natural_disaster"


class Marker(StrEnum):
    """What makes a mass incident one of those named in 001."""

    ROAD_BLOCKADE = "road_blockade"
    ATTACK_ON_ORGANS = "attack_on_organs"  # party or government organs
    COLLECTIVE_STRIKE = "collective_strike"
    GATHERING_OVER_500 = "gathering_over_500"


class Offence(StrEnum):
    """What a public-security case is: an administrative (治安) or a criminal (刑事) case."""

    ADMINISTRATIVE = "administrative"
    CRIMINAL = "criminal"
    MAJOR_CRIMINAL = "major_criminal"


class Hazard(StrEnum):
    FLOOD = "flood"
    DROUGHT = "drought"
    EARTHQUAKE = "earthquake"
    LANDSLIDE = "landslide"
    STORM = "storm"
    HAIL = "hail"
    SNOW_AND_ICE = "snow_and_ice"
    OTHER = "other"


class ReportingLevel(StrEnum):
    """Where an incident is reported upward to, lowest first."""

    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"

    @property
    def rank(self) -> int:
        return list(ReportingLevel).index(self)


class OriginKind(StrEnum):
    DISPUTE = "dispute"
    PATROL = "patrol"


class Status(StrEnum):
    REPORTED = "reported"
    REPORTED_UPWARD = "reported_upward"
    HANDLED = "handled"
    CLOSED = "closed"


GATHERING_THRESHOLD = 500  # "a gathering of more than 500 people" (001)
# Counts and upward reports stay open after closing: casualties that change later must be
# reported late (补报), and may take the incident to a higher level.
_ALWAYS = {"report_upward", "correct_casualties", "correct_mass_incident_facts"}
ALLOWED: dict[Status, frozenset[str]] = {
    Status.REPORTED: frozenset({"handle"} | _ALWAYS),
    Status.REPORTED_UPWARD: frozenset({"handle"} | _ALWAYS),
    Status.HANDLED: frozenset({"handle", "close"} | _ALWAYS),
    Status.CLOSED: frozenset(_ALWAYS),
}
E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], value: Any, field_name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidValue(
            field_name, "{value!r} is not one of {choices}", value=value, choices=", ".join(kind)
        ) from None


def _count(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(field_name, "give a whole number, zero or more")
    return value


def _text(value: str, field_name: str, reason: str) -> str:
    if not value.strip():
        raise InvalidValue(field_name, reason)
    return value.strip()


def check_crowd(markers: Sequence[Any], people_involved: Any) -> tuple[list[str], int]:
    """A mass incident's 001 markers and headcount, which must agree with each other."""
    found = [_enum(Marker, m, "markers") for m in markers]
    repeated = sorted({m.value for m in found if found.count(m) > 1})
    if repeated:
        raise InvalidValue("markers", "{repeated} given more than once", repeated=", ".join(repeated))
    if people_involved is None:
        raise InvalidValue("people_involved", "a mass incident records how many people took part")
    people = _count(people_involved, "people_involved")
    if people == 0:
        raise InvalidValue("people_involved", "a mass incident involves people")
    over = people > GATHERING_THRESHOLD
    if (Marker.GATHERING_OVER_500 in found) != over:
        if over:
            raise InvalidValue(
                "markers",
                "{people} people involved: gathering_over_500 applies exactly when more than {threshold}"
                " took part; add it",
                people=people,
                threshold=GATHERING_THRESHOLD,
            )
        raise InvalidValue(
            "markers",
            "{people} people involved: gathering_over_500 applies exactly when more than {threshold}"
            " took part; remove it",
            people=people,
            threshold=GATHERING_THRESHOLD,
        )
    return [m.value for m in Marker if m in found], people


class Incident(Attachable, Aggregate):
    TOPIC = "fengqiao.incident:Incident"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Reported(Aggregate.Created, Event):
        """An incident was reported at the grid or village where it happened, with the facts of its kind and
        where it came from."""

        TOPIC = "fengqiao.incident:Reported"
        kind: str
        village: str
        grid: str | None
        occurred_at: datetime
        description: str
        location: str
        markers: list[str]
        people_involved: int | None
        injured: int | None
        dead: int | None
        fatal: bool
        offence: str | None
        hazard: str | None
        origin_kind: str | None
        origin_id: str | None

    Created = Reported

    class AttachmentAdded(Event, AttachmentAddedFields):
        """A file was attached to the incident or to one of its events (its hash and particulars, never
        its bytes)."""

        TOPIC = "fengqiao.incident:AttachmentAdded"

    class AttachmentSuperseded(Event, AttachmentSupersededFields):
        """An attachment was superseded by a later one that corrects it; both are kept."""

        TOPIC = "fengqiao.incident:AttachmentSuperseded"

    class ReportedUpward(Event):
        """The incident was reported to a higher level than before; `to_node` is that level's node where the
        tree has one."""

        TOPIC = "fengqiao.incident:ReportedUpward"
        level: str
        previous_level: str | None
        to_node: str | None
        recipient: str

        def apply(self, i: Incident) -> None:
            i.reported_to.append(
                {
                    "level": self.level,
                    "to_node": self.to_node,
                    "recipient": self.recipient,
                    "at": self.effective_at,
                    "by": self.actor,
                }
            )
            if i.status == Status.REPORTED:
                i.status = Status.REPORTED_UPWARD

    class Handled(Event):
        """Measures were taken on the incident, and by whom; it may be handled more than once."""

        TOPIC = "fengqiao.incident:Handled"
        measures: str
        handled_by: str

        def apply(self, i: Incident) -> None:
            i.handling.append(
                {
                    "measures": self.measures,
                    "handled_by": self.handled_by,
                    "at": self.effective_at,
                    "recorded_by": self.actor,
                }
            )
            i.status = Status.HANDLED

    class Closed(Event):
        """The incident was closed with its outcome, after it was handled and reported upward."""

        TOPIC = "fengqiao.incident:Closed"
        outcome: str

        def apply(self, i: Incident) -> None:
            i.status = Status.CLOSED
            i.outcome = self.outcome
            i.closed_at = self.effective_at

    class CasualtiesCorrected(Event):
        """The injured and dead counts changed from the recorded ones to these; `fatal` follows the dead."""

        TOPIC = "fengqiao.incident:CasualtiesCorrected"
        injured_before: int | None
        dead_before: int | None
        fatal_before: bool
        injured: int
        dead: int
        fatal: bool
        reason: str

        def apply(self, i: Incident) -> None:
            i.injured, i.dead, i.fatal = self.injured, self.dead, self.fatal
            i.corrections += 1

    class MassIncidentFactsCorrected(Event):
        """A mass incident's 001 markers and headcount changed from the recorded ones to these."""

        TOPIC = "fengqiao.incident:MassIncidentFactsCorrected"
        markers_before: list[str]
        people_involved_before: int | None
        markers: list[str]
        people_involved: int
        reason: str

        def apply(self, i: Incident) -> None:
            i.markers, i.people_involved = list(self.markers), self.people_involved
            i.corrections += 1

    def __init__(
        self,
        *,
        kind: str,
        village: str,
        grid: str | None,
        occurred_at: datetime,
        description: str,
        location: str,
        markers: list[str],
        people_involved: int | None,
        injured: int | None,
        dead: int | None,
        fatal: bool,
        offence: str | None,
        hazard: str | None,
        origin_kind: str | None,
        origin_id: str | None,
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> None:
        self.kind = Kind(kind)
        self.village = village
        self.grid = grid
        self.occurred_at = occurred_at
        self.description = description
        self.location = location
        self.markers = list(markers)
        self.people_involved = people_involved
        self.injured = injured
        self.dead = dead
        self.fatal = fatal
        self.offence = offence
        self.hazard = hazard
        self.origin_kind = origin_kind
        self.origin_id = origin_id
        self.reported_by = actor
        self.reported_at = effective_at
        self.status = Status.REPORTED
        self.reported_to: list[dict[str, Any]] = []
        self.handling: list[dict[str, Any]] = []
        self.outcome: str | None = None
        self.closed_at: datetime | None = None
        self.corrections = 0

    # -- commands -----------------------------------------------------------

    @classmethod
    def report(
        cls,
        *,
        kind: Kind,
        village: str,
        grid: str | None,
        occurred_at: datetime,
        description: str,
        location: str,
        markers: Sequence[Marker] = (),
        people_involved: int | None = None,
        injured: int | None = None,
        dead: int | None = None,
        offence: Offence | None = None,
        hazard: Hazard | None = None,
        origin_kind: OriginKind | None = None,
        origin_id: str | None = None,
        **stamp: Any,
    ) -> Incident:
        kind = _enum(Kind, kind, "kind")
        if occurred_at > stamp["effective_at"]:
            raise InvalidValue("occurred_at", "an incident cannot be reported before it happened")
        description = _text(description, "description", "say what happened")
        location = _text(location, "location", "say where it happened")
        crowd = cls._kind_facts(kind, markers, people_involved, injured, dead, offence, hazard)
        origin = cls._origin(origin_kind, origin_id)
        casualties = {
            "injured": None if injured is None else _count(injured, "injured"),
            "dead": None if dead is None else _count(dead, "dead"),
        }
        return cls._create(
            cls.Reported,
            kind=kind.value,
            village=village,
            grid=grid,
            occurred_at=occurred_at,
            description=description,
            location=location,
            markers=crowd[0],
            people_involved=crowd[1],
            **casualties,
            fatal=bool(casualties["dead"]),
            offence=None if offence is None else Offence(offence).value,
            hazard=None if hazard is None else Hazard(hazard).value,
            origin_kind=origin[0],
            origin_id=origin[1],
            **stamp,
        )

    def report_upward(
        self, *, level: ReportingLevel, to_node: str | None, recipient: str = "", **stamp: Any
    ) -> None:
        self._check("report_upward", stamp)
        level = _enum(ReportingLevel, level, "level")
        highest = self.highest_level
        if highest == ReportingLevel.PROVINCE:
            raise TransitionNotAllowed(
                "report_upward",
                self.status.value,
                self.allowed_actions(),
                "already reported to the province, the highest level",
            )
        if highest is not None and level.rank <= highest.rank:
            higher = ", ".join(lv.value for lv in ReportingLevel if lv.rank > highest.rank)
            raise InvalidValue(
                "level",
                "already reported to the {highest}; report to a higher level: {higher}",
                highest=highest.value,
                higher=higher,
            )
        if self.reported_to and stamp["effective_at"] < self.reported_to[-1]["at"]:
            raise InvalidValue(
                "effective_at",
                "cannot take effect before the report to the {highest} ({at})",
                highest=highest,
                at=self.reported_to[-1]["at"].isoformat(),
            )
        self.trigger_event(
            self.ReportedUpward,
            level=level.value,
            previous_level=highest and highest.value,
            to_node=to_node,
            recipient=recipient.strip(),
            **stamp,
        )

    def handle(self, *, measures: str, handled_by: str, **stamp: Any) -> None:
        self._check("handle", stamp)
        measures = _text(measures, "measures", "say what measures were taken")
        handled_by = _text(handled_by, "handled_by", "say who took the measures")
        self.trigger_event(self.Handled, measures=measures, handled_by=handled_by, **stamp)

    def close(self, *, outcome: str, **stamp: Any) -> None:
        self._check("close", stamp)
        if not self.reported_to:
            raise TransitionNotAllowed(
                "close",
                f"{self.status.value}, not reported upward",
                self.allowed_actions(),
                "an incident is reported at least to the township before it is closed",
            )
        last_handled = self.handling[-1]["at"]
        if stamp["effective_at"] < last_handled:
            raise InvalidValue(
                "effective_at",
                "cannot close before the last measures were taken ({last_handled})",
                last_handled=last_handled.isoformat(),
            )
        outcome = _text(outcome, "outcome", "say how the incident ended")
        self.trigger_event(self.Closed, outcome=outcome, **stamp)

    def correct_casualties(self, *, injured: int, dead: int, reason: str, **stamp: Any) -> None:
        self._check("correct_casualties", stamp)
        injured, dead = _count(injured, "injured"), _count(dead, "dead")
        if (injured, dead) == (self.injured, self.dead):
            raise InvalidValue(
                "injured",
                "{injured} injured and {dead} dead are already recorded; nothing to correct",
                injured=injured,
                dead=dead,
            )
        reason = _text(reason, "reason", "say why the counts change")
        self.trigger_event(
            self.CasualtiesCorrected,
            injured_before=self.injured,
            dead_before=self.dead,
            fatal_before=self.fatal,
            injured=injured,
            dead=dead,
            fatal=dead > 0,
            reason=reason,
            **stamp,
        )

    def correct_mass_incident_facts(
        self, *, markers: Sequence[Marker], people_involved: int, reason: str, **stamp: Any
    ) -> None:
        self._check("correct_mass_incident_facts", stamp)
        if self.kind != Kind.MASS_INCIDENT:
            raise TransitionNotAllowed(
                "correct_mass_incident_facts",
                f"{self.status.value} {self.kind.value}",
                self.allowed_actions(),
                "only a mass incident has 001 markers and a headcount",
            )
        new_markers, people = check_crowd(markers, people_involved)
        if (new_markers, people) == (self.markers, self.people_involved):
            raise InvalidValue(
                "markers", "these markers and this headcount are already recorded; nothing to correct"
            )
        reason = _text(reason, "reason", "say why the facts change")
        self.trigger_event(
            self.MassIncidentFactsCorrected,
            markers_before=list(self.markers),
            people_involved_before=self.people_involved,
            markers=new_markers,
            people_involved=people,
            reason=reason,
            **stamp,
        )

    # -- questions ----------------------------------------------------------

    @property
    def node(self) -> str:
        """The grid or village where the incident happened."""
        return self.grid or self.village

    @property
    def highest_level(self) -> ReportingLevel | None:
        return ReportingLevel(self.reported_to[-1]["level"]) if self.reported_to else None

    def allowed_actions(self) -> frozenset[str]:
        allowed = set(ALLOWED[self.status])
        if self.highest_level == ReportingLevel.PROVINCE:
            allowed.discard("report_upward")
        if self.kind != Kind.MASS_INCIDENT:
            allowed.discard("correct_mass_incident_facts")
        if not self.reported_to:
            allowed.discard("close")
        return frozenset(allowed)

    def _check(self, action: str, stamp: dict[str, Any]) -> None:
        if action not in ALLOWED[self.status]:
            raise TransitionNotAllowed(action, self.status.value, self.allowed_actions())
        if stamp["effective_at"] < self.reported_at:
            raise InvalidValue(
                "effective_at",
                "cannot take effect before the incident was reported ({reported_at})",
                reported_at=self.reported_at.isoformat(),
            )

    @staticmethod
    def _kind_facts(
        kind: Kind,
        markers: Sequence[Any],
        people_involved: Any,
        injured: Any,
        dead: Any,
        offence: Any,
        hazard: Any,
    ) -> tuple[list[str], int | None]:
        """Each kind records its own facts and no other kind's; returns the crowd facts."""
        if kind == Kind.SAFETY_ACCIDENT:
            for name, value in (("injured", injured), ("dead", dead)):
                if value is None:
                    raise InvalidValue(
                        name, "a safety accident records how many were injured and how many died"
                    )
        if kind == Kind.PUBLIC_SECURITY_CASE:
            if offence is None:
                raise InvalidValue(
                    "offence", "a public-security case is one of {offence}", offence=", ".join(Offence)
                )
            _enum(Offence, offence, "offence")
        elif offence is not None:
            raise InvalidValue("offence", "only a public-security case records an offence")
        if kind == Kind.NATURAL_DISASTER:
            if hazard is None:
                raise InvalidValue(
                    "hazard", "a natural disaster is one of {hazard}", hazard=", ".join(Hazard)
                )
            _enum(Hazard, hazard, "hazard")
        elif hazard is not None:
            raise InvalidValue("hazard", "only a natural disaster records a hazard")
        if kind == Kind.MASS_INCIDENT:
            return check_crowd(markers, people_involved)
        if markers:
            raise InvalidValue("markers", "only a mass incident has 001 markers")
        if people_involved is not None:
            raise InvalidValue("people_involved", "only a mass incident records a headcount")
        return [], None

    @staticmethod
    def _origin(origin_kind: Any, origin_id: str | None) -> tuple[str | None, str | None]:
        if origin_kind is None:
            if origin_id:
                raise InvalidValue(
                    "origin_kind",
                    "say what {origin_id!r} is: {choices}",
                    origin_id=origin_id,
                    choices=", ".join(OriginKind),
                )
            return None, None
        kind = _enum(OriginKind, origin_kind, "origin_kind")
        if not (origin_id or "").strip():
            what = "dispute" if kind == OriginKind.DISPUTE else "patrol shift"
            raise InvalidValue("origin_id", "name the {what} the incident came from", what=what)
        return kind.value, (origin_id or "").strip()


EVENT_CLASSES = (
    Incident.AttachmentAdded,
    Incident.AttachmentSuperseded,
    Incident.Reported,
    Incident.ReportedUpward,
    Incident.Handled,
    Incident.Closed,
    Incident.CasualtiesCorrected,
    Incident.MassIncidentFactsCorrected,
)
EVENT_TOPICS = tuple(cls.TOPIC for cls in EVENT_CLASSES)
