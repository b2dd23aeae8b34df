"""Words for the domain's codes. The domain keeps its codes (`agreement_reached`, `grid`);
people read these labels, written here in English and translated by the catalogues. A test
checks that every code of every enum shown has a label and every label a translation."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import StrEnum

from domain.directory.access import Post
from domain.disputes import dispute as d
from domain.evidence import Kind as EvidenceKind
from domain.petitions import petition as pt
from service import kinds


def N_(text: str) -> str:
    """Marks a label for extraction; it is translated where it is shown."""
    return text


ENUMS: dict[str, type[StrEnum]] = {
    "evidence.kind": EvidenceKind,
    "post": Post,
    "dispute.status": d.Status,
    "dispute.level": d.Level,
    "dispute.category": d.Category,
    "dispute.severity": d.Severity,
    "dispute.source": d.Source,
    "session.outcome": d.SessionOutcome,
    "agreement.form": d.AgreementForm,
    "performance": d.Performance,
    "satisfaction": d.Satisfaction,
    "petition.status": pt.Status,
    "petition.channel": pt.Channel,
    "petition.type": pt.PetitionType,
    "petition.level": pt.Level,
    "petition.decision": pt.AcceptanceDecision,
    "petition.procedure": pt.LegalProcedure,
    "petition.opinion": pt.Opinion,
    "petition.delivery": pt.DeliveryMethod,
    "petition.conclusion": pt.Conclusion,
}

LABELS: dict[str, dict[str, str]] = {
    "evidence.kind": {
        "photo": N_("Photo"),
        "signed_scan": N_("Scan of a signed document"),
        "letter": N_("Letter"),
        "oral_agreement_audio": N_("Recording of an oral agreement"),
        "identity_document": N_("Identity document"),
        "other": N_("Other"),
    },
    "dispute.status": {
        "open": N_("Open, not yet accepted"),
        "accepted": N_("Accepted"),
        "mediation_failed": N_("Mediation failed"),
        "agreement_reached": N_("Agreement reached"),
        "closed": N_("Closed"),
        "referred_out": N_("Referred out"),
        "converted_to_criminal": N_("Civil-to-criminal conversion"),
        "duplicate": N_("Duplicate"),
    },
    "dispute.level": {"grid": N_("Grid"), "village": N_("Village"), "township": N_("Township")},
    "dispute.category": {
        "neighbourhood": N_("Neighbourhood dispute"),
        "family": N_("Marriage and family dispute"),
        "land_acquisition": N_("Land acquisition and relocation dispute"),
        "labour": N_("Labour dispute"),
        "medical": N_("Medical dispute"),
        "environmental_pollution": N_("Environmental pollution dispute"),
        "production_safety": N_("Production safety dispute"),
        "food_drug_safety": N_("Food and drug safety dispute"),
        "traffic_accident": N_("Traffic accident dispute"),
        "other": N_("Other"),
    },
    "dispute.severity": {
        "minor": N_("Minor dispute"),
        "general": N_("General dispute"),
        "major": N_("Major dispute"),
    },
    "dispute.source": {
        "grid_member": N_("Found by a grid member"),
        "mediator": N_("Brought to a mediator"),
        "workstation": N_("Brought to the workstation"),
        "patrol": N_("Found on patrol"),
        "police_referral": N_("Referred by the police"),
        "court_referral": N_("Referred by a court"),
        "unrecorded": N_("Not recorded"),
    },
    "session.outcome": {"adjourned": N_("Adjourned, to be continued"), "failed": N_("Mediation failed")},
    "agreement.form": {"oral": N_("Oral agreement"), "written": N_("Written agreement")},
    "performance": {
        "fully": N_("Fully performed"),
        "partly": N_("Partly performed"),
        "not_performed": N_("Not performed"),
    },
    "satisfaction": {
        "satisfied": N_("Satisfied"),
        "basically_satisfied": N_("Basically satisfied"),
        "dissatisfied": N_("Dissatisfied"),
    },
    "clock": {
        "dispute.grid": N_("Grid deadline"),
        "dispute.village": N_("Village deadline"),
        "dispute.township": N_("Township deadline"),
        "dispute.major_filing": N_("Major dispute filing with the township"),
        "dispute.agreement_in_effect": N_("Written agreement signed and sealed"),
        "dispute.follow_up": N_("Follow-up visit"),
        "dispute.judicial_confirmation": N_("Judicial confirmation"),
        "petition.route": N_("Transfer or assignment"),
        "petition.assignment_report": N_("Assignment result report"),
        "petition.acceptance_notice": N_("Acceptance notice"),
        "petition.objection": N_("Objection window"),
        "petition.handling": N_("Handling"),
        "petition.review_request": N_("Review request window"),
        "petition.review_decision": N_("Review decision"),
        "petition.re_review_request": N_("Re-review request window"),
        "petition.re_review_decision": N_("Re-review decision"),
        "incident.report_upward": N_("Report upward"),
        "patrol.start_grace": N_("Shift start"),
        "patrol.checkpoint_grace": N_("Checkpoint sign-ins"),
        "sweep.due": N_("Weekly sweep"),
    },
    "sweep.status": {
        "open": N_("Due"),
        "recorded": N_("Findings recorded"),
        "zero_reported": N_("Zero-report"),
        "missed": N_("Missed"),
    },
    "clock.status": {
        "running": N_("Running"),
        "paused": N_("Paused"),
        "stopped": N_("Stopped"),
        "missed": N_("Overdue"),
    },
    "metric": {
        "disputes_reported": N_("Disputes reported"),
        "disputes_marked_duplicate": N_("Disputes marked duplicate"),
        "mediation_success_rate": N_("Mediation success rate"),
        "resolved_in_village_rate": N_("Resolved without leaving the village"),
        "escalations": N_("Escalations"),
        "escalations_without_first_mediation": N_("Escalations without first mediation"),
        "on_time_rate_by_level": N_("On-time rate by level"),
        "overdue_by_level": N_("Overdue by level"),
        "dispute_backlog_by_age": N_("Dispute backlog by age"),
        "civil_to_criminal_conversions": N_("Civil-to-criminal conversions"),
        "disputes_reopened": N_("Disputes reopened"),
        "follow_up_satisfaction_rate": N_("Follow-up satisfaction"),
        "petitions_registered": N_("Petitions registered"),
        "petitions_repeat": N_("Repeat petitions"),
        "petitions_leapfrog": N_("Leapfrog petitions"),
        "petitions_group": N_("Group petitions"),
        "petitions_to_province_or_beijing": N_("Petitions to the province or Beijing"),
        "petition_on_time_acceptance_rate": N_("On-time acceptance"),
        "petition_on_time_handling_rate": N_("On-time handling"),
        "petition_backlog_by_age": N_("Petition backlog by age"),
        "incidents_by_kind": N_("Incidents by kind"),
        "patrol_shift_coverage": N_("Patrol shifts done / scheduled"),
        "patrol_checkpoint_coverage": N_("Checkpoints done / scheduled"),
        "deadlines_by_clock": N_("On-time rate by clock"),
        "overdue_by_clock": N_("Overdue by clock"),
        "records_entered_late": N_("Records entered late"),
    },
    "signal": {
        "recorded_late": N_("Recorded long after it took effect"),
        "refiled": N_("A party's dispute re-filed soon after closing"),
        "reopened_repeatedly": N_("Reopened again and again"),
        "follow_up_by_mediator": N_("Follow-up recorded by the mediator"),
        "agreement_then_criminal": N_("An agreement followed by a criminal case"),
        "closed_before_deadline": N_("Closed unusually just before its deadline"),
    },
    "signal.definition": {
        "recorded_late": N_(
            "A person recorded the event more than 72 hours after the time it says it took effect."
        ),
        "refiled": N_(
            "Reported within 30 days after another dispute of the same village with a party of the same name "
            "was closed."
        ),
        "reopened_repeatedly": N_("Reopened for the second time or more: closed before it was settled."),
        "follow_up_by_mediator": N_(
            "The follow-up visit was recorded by a person who mediated the same dispute."
        ),
        "agreement_then_criminal": N_("Turned into a criminal case after an agreement was recorded on it."),
        "closed_before_deadline": N_(
            "Closed without an agreement, referred out or marked a duplicate in the last tenth of the time "
            "its level's deadline gave it, so that the deadline never passed."
        ),
    },
    "post": {
        Post.GRID_MEMBER: N_("Grid member"),
        Post.MEDIATOR: N_("People's mediator"),
        Post.MEDIATION_CHAIR: N_("Chair of the mediation committee"),
        Post.PETITION_AGENT: N_("Petition agent"),
        Post.WORKSTATION_STAFF: N_("Workstation staff"),
        Post.PATROL_MEMBER: N_("Patrol member"),
        Post.PATROL_LEADER: N_("Patrol leader"),
        Post.ASSESSOR: N_("Assessor"),
        Post.AUDITOR: N_("Auditor"),
        Post.BRANCH_SECRETARY: N_("Branch secretary"),
        Post.VILLAGE_DIRECTOR: N_("Village director"),
    },
    "case.kind": {
        kinds.DISPUTE: N_("Dispute"),
        kinds.PETITION: N_("Petition"),
        kinds.INCIDENT: N_("Incident"),
        kinds.PATROL_SHIFT: N_("Patrol shift"),
    },
    "event": {
        "Reported": N_("reported the dispute"),
        "Accepted": N_("accepted the dispute"),
        "MediationSessionHeld": N_("held a mediation session"),
        "PartyRefusedMediation": N_("recorded that a party refuses mediation"),
        "AgreementReached": N_("recorded the agreement reached"),
        "AgreementSigned": N_("recorded a party's signature"),
        "AgreementSealed": N_("sealed the agreement for the committee"),
        "FollowUpVisitMade": N_("made a follow-up visit"),
        "JudicialConfirmationRequested": N_("recorded a request for judicial confirmation"),
        "Escalated": N_("escalated the dispute to the next level"),
        "ReferredOut": N_("referred the dispute out"),
        "FiledWithTownship": N_("filed the major dispute with the township"),
        "RiskReportedToPolice": N_("reported a risk to the police"),
        "ConvertedToCriminalCase": N_("recorded a civil-to-criminal conversion"),
        "Closed": N_("closed the dispute"),
        "Reopened": N_("reopened the dispute"),
        "MarkedDuplicate": N_("marked the dispute as a duplicate"),
        "DuplicateLinked": N_("linked a duplicate registration"),
        "AttachmentAdded": N_("attached a file"),
        "AttachmentSuperseded": N_("corrected an attachment"),
    },
    "assessment.event": {
        "Opened": N_("began the unit's assessment year"),
        "ActivityRecorded": N_("recorded an activity"),
        "AssessmentEntered": N_("made an assessor's entry"),
        "VetoReviewed": N_("reviewed a one-vote veto"),
        "AbsenceRecorded": N_("recorded an absence from duty"),
        "EvaluationRecorded": N_("recorded a democratic evaluation"),
        "AttachmentAdded": N_("attached a file"),
        "AttachmentSuperseded": N_("corrected an attachment"),
    },
    # -- petitions (信访) --
    "petition.status": {
        "registered": N_("Registered"),
        "routed": N_("Routed to the receiving body"),
        "objected": N_("Objected to, to be routed again"),
        "accepted": N_("Accepted"),
        "not_accepted": N_("Not accepted"),
        "diverted": N_("Diverted to a legal procedure"),
        "opinion_given": N_("Handling opinion given"),
        "review_requested": N_("Review requested"),
        "reviewed": N_("Reviewed"),
        "re_review_requested": N_("Re-review requested"),
        "concluded": N_("Concluded"),
    },
    "petition.channel": {
        "letter": N_("Letter"),
        "visit": N_("Visit"),
        "phone": N_("Phone call"),
        "online": N_("Online"),
        "fax": N_("Fax"),
        "via_agent": N_("Through the petition agent"),
    },
    "petition.type": {
        "suggestion": N_("Suggestion"),
        "accusation": N_("Accusation"),
        "complaint": N_("Complaint or claim"),
    },
    "petition.level": {
        "village": N_("Village"),
        "township": N_("Township"),
        "county": N_("County"),
        "city": N_("City"),
        "province": N_("Province"),
        "national": N_("National"),
    },
    "petition.decision": {
        "accepted": N_("Accept"),
        "not_accepted": N_("Do not accept"),
        "objected": N_("Object and send back"),
    },
    "petition.procedure": {
        "litigation": N_("Litigation"),
        "arbitration": N_("Arbitration"),
        "administrative_reconsideration": N_("Administrative reconsideration"),
        "administrative": N_("Another administrative procedure"),
    },
    "petition.opinion": {
        "support": N_("Support"),
        "explain": N_("Explain"),
        "not_support": N_("Do not support"),
    },
    "petition.delivery": {
        "by_hand": N_("Handed over"),
        "by_post": N_("By post"),
        "electronic": N_("Electronically"),
    },
    "petition.conclusion": {
        "opinion_accepted": N_("The petitioner accepted the handling opinion"),
        "review_accepted": N_("The petitioner accepted the review decision"),
        "no_review_requested": N_("No review was requested in time"),
        "no_re_review_requested": N_("No re-review was requested in time"),
        "re_reviewed": N_("Re-reviewed: final"),
        "anonymous_handled": N_("Anonymous petition handled"),
    },
    "petition.event": {
        "Registered": N_("registered the petition"),
        "RepresentativeNamed": N_("named a representative"),
        "Routed": N_("routed the petition"),
        "Assigned": N_("assigned the petition"),
        "AssignmentResultReported": N_("reported the result of the assignment"),
        "AcceptanceDecided": N_("decided acceptance"),
        "NotAcceptedAsConcluded": N_("recorded it not accepted: the matter is concluded"),
        "DivertedToLegalProcedure": N_("diverted it to a legal procedure"),
        "HandlingExtended": N_("extended the handling time"),
        "HearingStarted": N_("opened a hearing"),
        "HearingEnded": N_("ended the hearing"),
        "HandlingOpinionGiven": N_("gave the handling opinion"),
        "AnswerDelivered": N_("recorded the delivery of the written answer"),
        "ReviewRequested": N_("recorded a request for review"),
        "ReviewDecided": N_("decided the review"),
        "ReReviewRequested": N_("recorded a request for re-review"),
        "ReReviewDecided": N_("decided the re-review"),
        "Concluded": N_("concluded the petition"),
    },
}


def label(kind: str, code: object, gettext: Callable[[str], str]) -> str:
    """The word for a code, in the person's language; an unknown code shows as itself."""
    text = LABELS.get(kind, {}).get(str(code))
    return gettext(text) if text else str(code)


def words_for(value: str, gettext: Callable[[str], str]) -> str:
    """A value a refusal names, in the person's language where the labels know it: a domain code
    under one meaning ("village", "petition agent" for `petition_agent`), a span ("7 days"), or a
    list of them ("village, township", "township or village"); anything else (a node's code, a
    person's id, a date, a code with two meanings) as given."""
    for between, joined in ((", ", "、"), (" or ", N_("or"))):
        if between in value:
            words = [_word(part, gettext) for part in value.split(between)]
            if any(w is None for w in words):
                return value
            return gettext(joined).join(w for w in words if w is not None)
    return _word(value, gettext) or value


def _word(part: str, gettext: Callable[[str], str]) -> str | None:
    text = _ONE_MEANING.get(part) or _ONE_MEANING.get(part.replace(" ", "_"))
    if text:
        return gettext(text)
    if span := _SPAN.fullmatch(part):
        return gettext(SPANS[span[2]]).format(n=int(span[1]))
    return None


# A span of time as the domain writes it in a refusal (domain/time/backdating.py: _span).
_SPAN = re.compile(r"(\d+) (minute|hour|day|week)s?")
SPANS = {
    "minute": N_("{n} minutes"),
    "hour": N_("{n} hours"),
    "day": N_("{n} days"),
    "week": N_("{n} weeks"),
}


def choices(kind: str, gettext: Callable[[str], str]) -> list[tuple[str, str]]:
    return [(code, gettext(text)) for code, text in LABELS[kind].items()]


# What became of a clock, as the keepers record it: "<how>: <why>" in the code's English
# (service/*/clocks.py, service/timekeeping.py). People read it in their language; a sentence not
# known here shows as recorded.
OUTCOME_HOW = {
    "met": N_("Met"),
    "ended": N_("Ended"),
    "left the level": N_("Left the level"),
    "no longer applies": N_("No longer applies"),
    "window closed": N_("Window closed"),
    "late": N_("Late"),
}
_LEVEL, _STATUS = r"(?P<level>grid|village|township)", r"(?P<status>[a-z ]+)"
OUTCOME_WHY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"agreement reached at {_LEVEL} level"), N_("agreement reached at %(level)s level")),
    (re.compile(rf"now at {_LEVEL} level"), N_("now at %(level)s level")),
    (re.compile(rf"the dispute is {_STATUS}"), N_("the dispute is: %(status)s")),
    (re.compile(r"follow-up visit made"), N_("the follow-up visit was made")),
    (re.compile(r"judicial confirmation requested"), N_("judicial confirmation was requested")),
    (re.compile(r"judicial confirmation was not requested"), N_("judicial confirmation was not requested")),
    (re.compile(rf"escalated to {_LEVEL} level"), N_("escalated to %(level)s level")),
    (
        re.compile(r"overdue at township level: to be referred out"),
        N_("overdue at township level: to be referred out"),
    ),
    (re.compile(r"the follow-up visit was not made in time"), N_("the follow-up visit was not made in time")),
    # what became of a petition's time limits (service/petitions/terms.py, clocks.py)
    (re.compile(r"routed to a receiving body"), N_("routed to a receiving body")),
    (re.compile(r"acceptance decided"), N_("acceptance decided")),
    (re.compile(r"acceptance decided \(accepted\)"), N_("acceptance decided: accepted")),
    (re.compile(r"acceptance decided \(not accepted\)"), N_("acceptance decided: not accepted")),
    (re.compile(r"acceptance decided \(objected\)"), N_("acceptance decided: objected to")),
    (re.compile(r"acceptance decided without objection"), N_("acceptance decided without objection")),
    (re.compile(r"the receiving body objected"), N_("the receiving body objected")),
    (re.compile(r"no objection"), N_("no objection")),
    (re.compile(r"written handling opinion given"), N_("the written handling opinion was given")),
    (re.compile(r"review requested"), N_("a review was requested")),
    (re.compile(r"review decided"), N_("the review was decided")),
    (re.compile(r"re-review requested"), N_("a re-review was requested")),
    (re.compile(r"re-review decided"), N_("the re-review was decided")),
    (
        re.compile(r"the result reported back to the assigning office"),
        N_("the result was reported back to the assigning office"),
    ),
    (re.compile(r"the petitioner accepted the answer"), N_("the petitioner accepted the answer")),
    (
        re.compile(r"no review requested; the petition is concluded"),
        N_("no review was requested; the petition is concluded"),
    ),
    (
        re.compile(r"no re-review requested; the petition is concluded"),
        N_("no re-review was requested; the petition is concluded"),
    ),
    (re.compile(r"diverted to (?P<procedure>[a-z ]+)"), N_("diverted to %(procedure)s")),
    (re.compile(r"the petition is (?P<petition>[a-z ]+)"), N_("the petition is: %(petition)s")),
]
LATE = re.compile(r"late: (?P<why>.+), after the due time")
# A petition's clock that ran out (service/petitions/clocks.py): where, what was not done, the limit.
PETITION_OVERDUE = re.compile(r"overdue at (?P<node>\S+): (?P<what>.+) within (?P<limit>.+)")
OVERDUE_WHAT = {
    "not routed to a receiving body": N_("not routed to a receiving body"),
    "acceptance not decided and notified": N_("acceptance not decided and notified"),
    "no written handling opinion": N_("no written handling opinion"),
    "the review not decided": N_("the review not decided"),
    "the re-review not decided": N_("the re-review not decided"),
    "the result of the assignment not reported back to the assigning office": N_(
        "the result of the assignment not reported back to the assigning office"
    ),
}
_AMOUNT = re.compile(r"(?P<amount>\d+) (?P<unit>calendar days?|working days?|hours?|minutes?|seconds?)")
AMOUNT_UNIT = {
    "calendar day": N_("%(amount)s days"),
    "working day": N_("%(amount)s working days"),
    "hour": N_("%(amount)s hours"),
    "minute": N_("%(amount)s minutes"),
    "second": N_("%(amount)s seconds"),
}


def _limit(text: str, gettext: Callable[[str], str]) -> str:
    """`15 working days, extended by 30 calendar days (hearing time not counted)` in words."""

    def amount(found: re.Match[str]) -> str:
        return gettext(AMOUNT_UNIT[found["unit"].rstrip("s")]) % {"amount": found["amount"]}

    words = _AMOUNT.sub(amount, text)
    words = words.replace(", extended by ", gettext(N_(", extended by ")))
    return words.replace(" (hearing time not counted)", gettext(N_(" (hearing time not counted)")))


def outcome(text: str | None, gettext: Callable[[str], str]) -> str:
    """A clock's recorded outcome in the person's language."""
    if not text:
        return ""
    if overdue := PETITION_OVERDUE.fullmatch(text):
        what = OVERDUE_WHAT.get(overdue["what"])
        return gettext(N_("overdue at %(node)s: %(what)s within %(limit)s")) % {
            "node": overdue["node"],
            "what": gettext(what) if what else overdue["what"],
            "limit": _limit(overdue["limit"], gettext),
        }
    if late := LATE.fullmatch(text):
        return gettext(N_("Late: %(why)s, after the due time")) % {"why": _why(late["why"], gettext)}
    how, sep, why = text.partition(": ")
    if not sep or how not in OUTCOME_HOW:
        return _why(text, gettext)
    return gettext(N_("%(how)s: %(why)s")) % {"how": gettext(OUTCOME_HOW[how]), "why": _why(why, gettext)}


def _why(text: str, gettext: Callable[[str], str]) -> str:
    for pattern, words in OUTCOME_WHY:
        if found := pattern.fullmatch(text):
            values = found.groupdict()
            if "level" in values:
                values["level"] = label("dispute.level", values["level"], gettext)
            if "status" in values:
                values["status"] = label("dispute.status", values["status"].replace(" ", "_"), gettext)
            if "petition" in values:
                values["petition"] = label("petition.status", values["petition"].replace(" ", "_"), gettext)
            if "procedure" in values:
                values["procedure"] = label(
                    "petition.procedure", values["procedure"].replace(" ", "_"), gettext
                )
            return gettext(words) % values
    return text


def _take_in_field_labels() -> None:
    from web import field_labels

    ENUMS.update(field_labels.ENUMS)
    LABELS.update(field_labels.LABELS)


_take_in_field_labels()


def _one_meaning() -> dict[str, str]:
    """Each code the labels name with one word or phrase, wherever it is named (not the sentences
    that describe a clock or a signal)."""
    found: dict[str, set[str]] = {}
    for kind, texts in LABELS.items():
        if kind.endswith((".about", ".definition")):
            continue
        for code, text in texts.items():
            found.setdefault(str(code), set()).add(text)
    return {code: next(iter(texts)) for code, texts in found.items() if len(texts) == 1}


_ONE_MEANING = _one_meaning()
