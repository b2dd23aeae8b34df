"""Words for the codes of incidents and patrol shifts (the field pages), kept beside the
dispute labels of web.labels, which takes them in."""

from __future__ import annotations

from enum import StrEnum

from domain.incidents import incident as i
from domain.patrols import patrol as p
from domain.time.calendar import Unit


def N_(text: str) -> str:
    return text


ENUMS: dict[str, type[StrEnum]] = {
    "incident.kind": i.Kind,
    "incident.marker": i.Marker,
    "incident.offence": i.Offence,
    "incident.hazard": i.Hazard,
    "incident.level": i.ReportingLevel,
    "incident.status": i.Status,
    "shift.status": p.ShiftStatus,
    "finding.kind": p.FindingKind,
    "unit": Unit,
}

LABELS: dict[str, dict[str, str]] = {
    "incident.kind": {
        "mass_incident": N_("Mass incident"),
        "safety_accident": N_("Safety accident"),
        "fire": N_("Fire"),
        "public_security_case": N_("Public-security case"),
        "natural_disaster": N_("Natural disaster"),
    },
    "incident.marker": {
        "road_blockade": N_("Blocking roads"),
        "attack_on_organs": N_("Attacking Party or government organs"),
        "collective_strike": N_("Collective strike"),
        "gathering_over_500": N_("A gathering of more than 500 people"),
    },
    "incident.offence": {
        "administrative": N_("Administrative (public order) case"),
        "criminal": N_("Criminal case"),
        "major_criminal": N_("Major criminal case"),
    },
    "incident.hazard": {
        "flood": N_("Flood"),
        "drought": N_("Drought"),
        "earthquake": N_("Earthquake"),
        "landslide": N_("Landslide or debris flow"),
        "storm": N_("Storm"),
        "hail": N_("Hail"),
        "snow_and_ice": N_("Snow and ice"),
        "other": N_("Other"),
    },
    "incident.level": {
        "township": N_("Township"),
        "county": N_("County"),
        "city": N_("City"),
        "province": N_("Province"),
    },
    "incident.status": {
        "reported": N_("Reported, not yet reported upward"),
        "reported_upward": N_("Reported upward"),
        "handled": N_("Handled"),
        "closed": N_("Closed"),
    },
    "incident.event": {
        "Reported": N_("reported the incident"),
        "ReportedUpward": N_("reported the incident upward"),
        "Handled": N_("recorded the measures taken"),
        "Closed": N_("closed the incident"),
        "CasualtiesCorrected": N_("corrected the casualty counts"),
        "MassIncidentFactsCorrected": N_("corrected the mass incident's markers and headcount"),
    },
    "shift.status": {
        "scheduled": N_("Scheduled, not yet started"),
        "open": N_("Under way"),
        "closed": N_("Finished"),
        "missed": N_("Missed: nobody came"),
        "cancelled": N_("Called off"),
    },
    "finding.kind": {"dispute": N_("Dispute"), "incident": N_("Incident")},
    "shift.event": {
        "Scheduled": N_("scheduled the shift"),
        "SignedInAtStart": N_("signed in at the start"),
        "SignedInAtCheckpoint": N_("signed in at a checkpoint"),
        "SignedInAtEnd": N_("signed in at the end"),
        "CheckpointMissed": N_("recorded a checkpoint missed"),
        "FindingReported": N_("reported a finding"),
        "Closed": N_("closed the shift"),
        "Missed": N_("recorded the shift missed"),
        "Cancelled": N_("called the shift off"),
    },
    "unit": {
        "seconds": N_("seconds"),
        "minutes": N_("minutes"),
        "hours": N_("hours"),
        "calendar_days": N_("calendar days"),
        "working_days": N_("working days"),
    },
    # What each clock times (domain.time.policy.CLOCKS), for the first line of its explanation.
    "clock.about": {
        "dispute.grid": N_("a dispute open at grid level, before it goes to the village"),
        "dispute.village": N_("a dispute open at village level, before it goes to the township"),
        "dispute.township": N_("a dispute open at township level, before it is referred out"),
        "dispute.major_filing": N_("a major dispute, before it is filed with the township"),
        "dispute.agreement_in_effect": N_(
            "a written agreement reached, until every party signed and the committee sealed it"
        ),
        "dispute.follow_up": N_("an agreement in effect, before its follow-up visit"),
        "dispute.judicial_confirmation": N_(
            "a written agreement in effect, while judicial confirmation may be asked"
        ),
        "petition.route": N_("a petition registered, before it is routed"),
        "petition.assignment_report": N_(
            "a petition assigned (交办), before the body reports the result back"
        ),
        "petition.acceptance_notice": N_("a petition received, before acceptance is notified"),
        "petition.objection": N_("a transferred petition, while the receiving body may object"),
        "petition.handling": N_("a petition accepted, before the written handling opinion"),
        "petition.extension": N_("the most one extension of handling may add"),
        "petition.review_request": N_("a handling opinion, while review may be requested"),
        "petition.review_decision": N_("a review requested, before it is decided"),
        "petition.re_review_request": N_("a review decision, while re-review may be requested"),
        "petition.re_review_decision": N_("a re-review requested, before it is decided"),
        "incident.report_upward": N_("an incident reported, before it is reported upward"),
        "patrol.cadence": N_("between scheduled patrols of a grid level"),
        "patrol.start_grace": N_("a shift's planned start, until it is missed when nobody has signed in"),
        "patrol.checkpoint_grace": N_("a shift's planned end, until its checkpoints not signed are missed"),
    },
}
