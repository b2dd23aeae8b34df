"""The assessment's own streams: a township's responsibility-book template for a year, in
versions; and each unit's (village's) assessment year — its activities, the assessor's
entries, veto reviews, absences and democratic evaluations. Nothing is overwritten: a
correction is a new entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.assessment.book import Template, TemplateError, template_from_data
from domain.errors import InvalidValue, TransitionNotAllowed
from domain.evidence import Attachable, AttachmentAddedFields, AttachmentSupersededFields

NAMESPACE = uuid5(NAMESPACE_URL, "https://fengqiao.example/assessment")
ACTIVITY_KINDS = ("training", "committee_meeting", "villagers_meeting", "publicity")


def template_id(township: str, year: int) -> UUID:
    return uuid5(NAMESPACE, f"template:{township}:{year}")


def unit_year_id(unit: str, year: int) -> UUID:
    return uuid5(NAMESPACE, f"unit:{unit}:{year}")


class AssessmentTemplate(Aggregate):
    TOPIC = "fengqiao.assessment:AssessmentTemplate"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """A township's template for a year began to be kept."""

        TOPIC = "fengqiao.assessment:TemplateOpened"
        township: str
        year: int

    Created = Opened

    class VersionAdopted(Event):
        """A version of the responsibility-book template was adopted, in force from a date."""

        TOPIC = "fengqiao.assessment:TemplateVersionAdopted"
        version: str
        data: dict[str, Any]
        reason: str
        source: str

        def apply(self, t: AssessmentTemplate) -> None:
            t.versions.append((template_from_data(self.data), self.timestamp))

    def __init__(
        self, *, township: str, year: int, actor: str, effective_at: datetime, command_id: str
    ) -> None:
        self.township = township
        self.year = year
        self.versions: list[tuple[Template, datetime]] = []

    @staticmethod
    def create_id(township: str, year: int, **_: object) -> UUID:
        return template_id(township, year)

    @classmethod
    def open(cls, township: str, year: int, **stamp: Any) -> AssessmentTemplate:
        return cls._create(cls.Opened, township=township, year=year, **stamp)

    def adopt(self, *, data: dict[str, Any], reason: str, source: str, **stamp: Any) -> Template:
        try:
            template = template_from_data(data)
        except TemplateError as bad:
            raise InvalidValue("template", str(bad)) from None
        if (template.township, template.year) != (self.township, self.year):
            raise InvalidValue(
                "template",
                "this is the template of {township} for {year}",
                township=self.township,
                year=self.year,
            )
        if any(t.version == template.version for t, _ in self.versions):
            raise TransitionNotAllowed(
                "adopt_template",
                f"version {template.version} adopted",
                [],
                "a version is adopted once; give the change a new version",
            )
        if not reason.strip():
            raise InvalidValue("reason", "say why the template changes")
        self.trigger_event(
            self.VersionAdopted,
            version=template.version,
            data=data,
            reason=reason.strip(),
            source=source,
            **stamp,
        )
        return template


class UnitYear(Attachable, Aggregate):
    TOPIC = "fengqiao.assessment:UnitYear"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """A unit's assessment year began to be kept."""

        TOPIC = "fengqiao.assessment:UnitYearOpened"
        unit: str
        year: int

    Created = Opened

    class AttachmentAdded(Event, AttachmentAddedFields):
        """A file was attached to the unit's assessment year or to one of its entries — the evidence an
        assessor's entry cites (its hash and particulars, never its bytes)."""

        TOPIC = "fengqiao.assessment:AttachmentAdded"

    class AttachmentSuperseded(Event, AttachmentSupersededFields):
        """An attachment was superseded by a later one that corrects it; both are kept."""

        TOPIC = "fengqiao.assessment:AttachmentSuperseded"

    class ActivityRecorded(Event):
        """A training, meeting or other recurring activity was held, with who was absent."""

        TOPIC = "fengqiao.assessment:ActivityRecorded"
        kind: str
        title: str
        attendees: list[str]
        absentees: list[str]

        def apply(self, u: UnitYear) -> None:
            u.activities += 1

    class AssessmentEntered(Event):
        """An assessor's entry on an item, with the reason and the evidence."""

        TOPIC = "fengqiao.assessment:AssessmentEntered"
        item: str
        points: float
        reason: str
        evidence: str

        def apply(self, u: UnitYear) -> None:
            u.entries.append(self)

    class VetoReviewed(Event):
        """A one-vote veto was reviewed: upheld or lifted, with the reason."""

        TOPIC = "fengqiao.assessment:VetoReviewed"
        fact_id: str
        lifted: bool
        reason: str

        def apply(self, u: UnitYear) -> None:
            u.reviews.append(self)

    class AbsenceRecorded(Event):
        """A responsible person's absence from duty, approved or not."""

        TOPIC = "fengqiao.assessment:AbsenceRecorded"
        person_id: str
        days: int
        approved: bool
        reason: str

        def apply(self, u: UnitYear) -> None:
            u.absences.append(self)

    class EvaluationRecorded(Event):
        """The democratic evaluation of a responsible person: the share voting 'incompetent'."""

        TOPIC = "fengqiao.assessment:EvaluationRecorded"
        person_id: str
        incompetent_share: float

        def apply(self, u: UnitYear) -> None:
            u.evaluations[self.person_id] = self.incompetent_share
            u.evaluations_recorded.append(self)

    def __init__(self, *, unit: str, year: int, actor: str, effective_at: datetime, command_id: str) -> None:
        self.unit = unit
        self.year = year
        self.activities = 0
        self.entries: list[Any] = []
        self.reviews: list[Any] = []
        self.absences: list[Any] = []
        self.evaluations: dict[str, float] = {}  # the latest recorded, per person
        self.evaluations_recorded: list[Any] = []  # each, with when it took effect and was recorded

    @staticmethod
    def create_id(unit: str, year: int, **_: object) -> UUID:
        return unit_year_id(unit, year)

    @classmethod
    def open(cls, unit: str, year: int, **stamp: Any) -> UnitYear:
        return cls._create(cls.Opened, unit=unit, year=year, **stamp)

    def _in_year(self, at: datetime) -> None:
        from domain.time.calendar import CHINA

        if at.astimezone(CHINA).year != self.year:
            raise InvalidValue(
                "effective_at", "this is {unit}'s assessment of {year}", unit=self.unit, year=self.year
            )

    def record_activity(
        self, *, kind: str, title: str, attendees: list[str], absentees: list[str], **stamp: Any
    ) -> None:
        self._in_year(stamp["effective_at"])
        if kind not in ACTIVITY_KINDS:
            raise InvalidValue("kind", "one of {choices}", choices=", ".join(ACTIVITY_KINDS))
        if set(attendees) & set(absentees):
            raise InvalidValue("absentees", "a person is either present or absent")
        self.trigger_event(
            self.ActivityRecorded,
            kind=kind,
            title=title.strip(),
            attendees=sorted(attendees),
            absentees=sorted(absentees),
            **stamp,
        )

    def enter_assessment(
        self, *, item: str, points: float, reason: str, evidence: str, known_items: set[str], **stamp: Any
    ) -> None:
        self._in_year(stamp["effective_at"])
        if item not in known_items:
            raise InvalidValue(
                "item",
                "no item {item!r} in the template; items: {choices}",
                item=item,
                choices=", ".join(sorted(known_items)),
            )
        if not reason.strip() or not evidence.strip():
            raise InvalidValue(
                "reason" if not reason.strip() else "evidence", "every entry says why and on what evidence"
            )
        self.trigger_event(
            self.AssessmentEntered,
            item=item,
            points=float(points),
            reason=reason.strip(),
            evidence=evidence.strip(),
            **stamp,
        )

    def review_veto(self, *, fact_id: str, lifted: bool, reason: str, vetoed: set[str], **stamp: Any) -> None:
        if fact_id not in vetoed:
            raise InvalidValue("fact_id", "no veto of this unit's year was triggered by that event")
        if not reason.strip():
            raise InvalidValue("reason", "a review says why")
        self.trigger_event(self.VetoReviewed, fact_id=fact_id, lifted=lifted, reason=reason.strip(), **stamp)

    def record_absence(self, *, person_id: str, days: int, approved: bool, reason: str, **stamp: Any) -> None:
        self._in_year(stamp["effective_at"])
        if days <= 0:
            raise InvalidValue("days", "an absence lasts at least a day")
        self.trigger_event(
            self.AbsenceRecorded,
            person_id=person_id,
            days=days,
            approved=approved,
            reason=reason.strip(),
            **stamp,
        )

    def record_evaluation(self, *, person_id: str, incompetent_share: float, **stamp: Any) -> None:
        if not 0 <= incompetent_share <= 1:
            raise InvalidValue("incompetent_share", "a share between 0 and 1")
        self.trigger_event(
            self.EvaluationRecorded, person_id=person_id, incompetent_share=incompetent_share, **stamp
        )

    def unapproved_absence_days(self, person_id: str, moment: datetime) -> int:
        return sum(
            a.days
            for a in self.absences
            if a.person_id == person_id and not a.approved and a.effective_at <= moment
        )


TEMPLATE_EVENTS = (AssessmentTemplate.Opened, AssessmentTemplate.VersionAdopted)
UNIT_YEAR_EVENTS = (
    UnitYear.Opened,
    UnitYear.AttachmentAdded,
    UnitYear.AttachmentSuperseded,
    UnitYear.ActivityRecorded,
    UnitYear.AssessmentEntered,
    UnitYear.VetoReviewed,
    UnitYear.AbsenceRecorded,
    UnitYear.EvaluationRecorded,
)
