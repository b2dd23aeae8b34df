"""The evidence desk: attach a file to a case or one of its events, list a case's attachments, open one.
Who may do each follows the case: reading it to see its attachments, a right that works the case to
attach; an accusation's attachments are withheld exactly like its content (a reader who may not see them
is told there is no such attachment), and a party's identity document is shown only to those who work
the case and to whoever attached it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.assessment.assessment import UnitYear
from domain.directory.access import Right
from domain.disputes.dispute import Dispute
from domain.errors import AccessDenied, CaseNotFound, InvalidValue
from domain.evidence import Kind, attachments
from domain.incidents.incident import Incident
from domain.patrols.patrol import Shift
from domain.petitions.petition import Petition
from service.evidence.blobs import EvidenceFiles
from service.evidence.intake import Limits, accept, thumbnail
from service.store import NO_META, CommandMeta, Stamp

ATTACHMENT_IDS = UUID("5b0c3f1e-8a43-4d7e-9c1a-6f2e0d4b7a91")  # attachment id = uuid5(this, command id)
Grants = list[tuple[Right, str]]


@dataclass(frozen=True)
class CaseRules:
    """How one stream's attachments follow its authorisation."""

    label: str
    aggregate: type[Aggregate]
    read: Callable[[str, UUID], Any]  # the case, if the reader may read it (else AccessDenied)
    attach: Callable[[Any], Grants]  # any one of these rights at its node lets a person attach
    identity: Callable[[Any], Grants]  # any one of these lets a person see identity documents
    events: frozenset[str]  # the events of the case an attachment may name
    withheld: Callable[[str, Any], bool] = lambda reader, case: False
    recused: Callable[[str, Any], bool] = lambda actor, case: False


def case_rules(cb: Any) -> dict[str, CaseRules]:
    d, p, i, s = cb.disputes, cb.petitions, cb.incidents, cb.patrols

    def unit_year(reader: str, case_id: UUID) -> UnitYear:
        """A unit's assessment year, to whoever may read at the unit (its cadres, the township's
        assessors, the auditors); to anyone else there is no such year."""
        found = cb.load(UnitYear, case_id, "assessment year")
        if not cb.may_read(reader, found.unit):
            raise CaseNotFound("assessment year", case_id)
        return found

    return {
        "dispute": CaseRules(
            "dispute",
            Dispute,
            d.get,
            lambda c: [(Right.MEDIATE, d.level_node(c)), (Right.REPORT_DISPUTE, d.home_node(c))],
            lambda c: [(Right.MEDIATE, d.level_node(c)), (Right.ACCEPT_DISPUTE, d.level_node(c))],
            frozenset(
                {"Reported", "MediationSessionHeld", "AgreementReached", "AgreementSigned"}
                | {"AgreementSealed", "FollowUpVisitMade", "PartyRefusedMediation"}
            ),
        ),
        "petition": CaseRules(
            "petition",
            Petition,
            p.get,
            lambda c: [(Right.HANDLE_PETITION, c.node), (Right.REGISTER_PETITION, c.node)],
            lambda c: [(Right.HANDLE_PETITION, c.node), (Right.REGISTER_PETITION, c.node)],
            frozenset(
                {"Registered", "AcceptanceDecided", "HandlingOpinionGiven", "AnswerDelivered"}
                | {"ReviewDecided", "ReReviewDecided", "AssignmentResultReported"}
            ),
            withheld=lambda reader, c: not p.may_see_secrets(reader, c),
            recused=lambda actor, c: actor == c.accused_person_id,
        ),
        "incident": CaseRules(
            "incident",
            Incident,
            i.get,
            lambda c: [(Right.HANDLE_INCIDENT, c.node), (Right.REPORT_INCIDENT, c.node)],
            lambda c: [(Right.HANDLE_INCIDENT, c.node)],
            frozenset({"Reported", "ReportedUpward", "Handled"}),
        ),
        "patrol_shift": CaseRules(
            "patrol shift",
            Shift,
            s.shift,
            lambda c: [(Right.PATROL, c.node), (Right.LEAD_PATROL, c.node)],
            lambda c: [(Right.LEAD_PATROL, c.node)],
            frozenset({"FindingReported", "SignedInAtCheckpoint", "CheckpointMissed"}),
        ),
        "unit_year": CaseRules(
            "assessment year",
            UnitYear,
            unit_year,
            lambda c: [
                (Right.ASSESS, c.unit)
            ],  # the assessors of the unit's township, whose entries they are
            lambda c: [(Right.ASSESS, c.unit)],
            frozenset({"AssessmentEntered", "VetoReviewed", "AbsenceRecorded", "EvaluationRecorded"})
            | frozenset({"ActivityRecorded"}),
        ),
    }


class EvidenceDesk:
    def __init__(self, cb: Any, files: EvidenceFiles, limits: Limits | None = None) -> None:
        self.cb = cb
        self.files = files
        self.limits = limits or Limits()
        self.rules = case_rules(cb)

    # -- commands -------------------------------------------------------------------

    def attach(
        self,
        actor: str,
        case: str,
        case_id: UUID,
        *,
        data: bytes,
        filename: str,
        kind: Kind,
        of_event: int | None = None,
        note: str = "",
        keep_location: bool = False,
        supersedes: str | None = None,
        reason: str = "",
        meta: CommandMeta = NO_META,
    ) -> tuple[Any, dict[str, Any]]:
        """Attaches the file (and, with `supersedes`, marks that earlier attachment corrected by it).
        The bytes are kept before the event is saved: a refusal after that leaves an unnamed file,
        never an event naming a file that is not there."""
        rules = self._rules(case)
        if self._visible(actor, rules, case_id) is None:
            raise AccessDenied(
                actor, Right.SEE_ACCUSATION, None, "no one may attach to an accusation they may not see"
            )
        accepted = accept(data, Kind(kind), self.limits, keep_location)
        stamp = self.cb.stamp(actor, meta)
        attachment_id = uuid5(ATTACHMENT_IDS, stamp["command_id"]).hex

        def decide(c: Any, s: Stamp) -> None:
            self._grant(actor, rules.attach(c))
            total = c.attachment_bytes() + len(accepted.data)
            if total > self.limits.per_case:
                raise InvalidValue(
                    "file",
                    "the {label} would hold {total:,} bytes of attachments;"
                    " a case may hold at most {per_case:,}",
                    label=rules.label,
                    total=total,
                    per_case=self.limits.per_case,
                )
            if of_event is not None:
                self._check_event(rules, c, of_event)
            c.add_attachment(
                attachment_id=attachment_id,
                kind=Kind(kind),
                of_event=of_event,
                sha256=sha256,
                size=len(accepted.data),
                content_type=accepted.content_type,
                filename=filename,
                note=note,
                location_kept=accepted.location_kept,
                **s,
            )
            if supersedes is not None:
                c.supersede_attachment(
                    attachment_id=supersedes, superseded_by=attachment_id, reason=reason, **s
                )

        sha256 = self.files.keep(accepted.data)
        changed = self.cb.change(rules.aggregate, case_id, rules.label, "add_attachment", stamp, decide, meta)
        return changed, attachments(changed)[attachment_id]

    # -- questions ------------------------------------------------------------------

    def attachable_events(self, reader: str, case: str, case_id: UUID) -> list[Any]:
        """The case's events a file may be attached to (a report, a session, a sign-in...), oldest
        first, as far as the reader may see the case's attachments."""
        return self.section(reader, case, case_id)[1]

    def listed(self, reader: str, case: str, case_id: UUID) -> list[dict[str, Any]]:
        """The case's attachments the reader may see, oldest first (superseded ones included, marked)."""
        return self.section(reader, case, case_id, events=False)[0]

    def section(
        self, reader: str, case: str, case_id: UUID, events: bool = True
    ) -> tuple[list[dict[str, Any]], list[Any]]:
        """Both at once, from one read of the case: its attachments the reader may see and the
        events a file may be attached to (none asked for when `events` is false)."""
        rules = self._rules(case)
        found = self._visible(reader, rules, case_id)
        if found is None:
            return [], []
        may_see_identity = self._may_see_identity(reader, rules, found)
        shown = [
            a
            for a in attachments(found).values()
            if a["kind"] != Kind.IDENTITY_DOCUMENT or may_see_identity or a["added_by"] == reader
        ]
        history = self.cb.history(found.id, found.version) if events else []
        return shown, [e for e in history if type(e).__name__ in rules.events]

    def open(self, reader: str, case: str, case_id: UUID, attachment_id: str) -> tuple[dict[str, Any], bytes]:
        """The attachment and its bytes, checked against the hash in its event (Tampered if they differ)."""
        shown = {a["id"]: a for a in self.listed(reader, case, case_id)}
        if attachment_id not in shown:
            raise CaseNotFound("attachment", attachment_id)
        found = shown[attachment_id]
        return found, self.files.read(found["sha256"])

    def thumbnail(self, reader: str, case: str, case_id: UUID, attachment_id: str) -> bytes:
        found, data = self.open(reader, case, case_id, attachment_id)
        if not found["content_type"].startswith("image/"):
            raise CaseNotFound("thumbnail", attachment_id)
        return thumbnail(data)

    def every_attachment(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every attachment recorded in the store, with its case's id (for the verifier)."""
        recorder, mapper = self.cb.recorder, self.cb.mapper
        topics = [r.aggregate.AttachmentAdded.TOPIC for r in self.rules.values()]
        start = 1
        while True:
            batch = recorder.select_notifications(start, 500, topics=topics)
            if not batch:
                return
            for notification in batch:
                event = mapper.to_domain_event(notification)
                yield str(event.originator_id), {"id": event.attachment_id, "sha256": event.sha256}
            start = batch[-1].id + 1

    def verify(self) -> list[str]:
        """Each stored file checked against the hash its event recorded: what is wrong, empty when none."""
        problems = []
        for case_id, a in self.every_attachment():
            why = self.files.check(a["sha256"])
            if why is not None:
                problems.append(f"case {case_id}, attachment {a['id']}: the file {a['sha256']} {why}")
        return problems

    # -- machinery ------------------------------------------------------------------

    def _rules(self, case: str) -> CaseRules:
        if case not in self.rules:
            raise InvalidValue(
                "case",
                "attachments are kept on {rules}, not on {case!r}",
                rules=", ".join(self.rules),
                case=case,
            )
        return self.rules[case]

    def _visible(self, reader: str, rules: CaseRules, case_id: UUID) -> Any:
        """The case, if the reader may read it; None when its attachments are withheld from the reader."""
        found = rules.read(reader, case_id)
        if rules.recused(reader, found) or rules.withheld(reader, found):
            return None
        return found

    def _grant(self, actor: str, grants: Grants) -> None:
        first: AccessDenied | None = None
        for right, node in grants:
            try:
                self.cb.authorise(actor, right, node)
                return
            except AccessDenied as denied:
                first = first or denied
        assert first is not None
        raise first

    def _may_see_identity(self, reader: str, rules: CaseRules, case: Any) -> bool:
        try:
            self._grant(reader, rules.identity(case))
        except AccessDenied:
            return False
        return True

    def _check_event(self, rules: CaseRules, case: Any, version: int) -> None:
        if not 1 <= version <= case.version:
            raise InvalidValue(
                "of_event", "the {label} has no event {version}", label=rules.label, version=version
            )
        event = self.cb.history(case.id, version)[version - 1]
        name = type(event).__name__
        if name not in rules.events:
            raise InvalidValue(
                "of_event",
                "event {version} is {name}; a file may be attached to {choices}",
                version=version,
                name=name,
                choices=", ".join(sorted(rules.events)),
            )
