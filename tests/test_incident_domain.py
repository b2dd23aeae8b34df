"""The incident's rules: given past events, when a command, then new events or a named error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.incidents.incident import Incident, Kind, Marker, ReportingLevel, Status
from tests.dsl import T0, given, recorded, stamp, then

Step = Callable[[Incident | None], Incident]
FACTS: dict[Kind, dict[str, Any]] = {
    Kind.MASS_INCIDENT: {"markers": [Marker.ROAD_BLOCKADE], "people_involved": 80},
    Kind.SAFETY_ACCIDENT: {"injured": 2, "dead": 0},
    Kind.FIRE: {},
    Kind.PUBLIC_SECURITY_CASE: {"offence": "criminal"},
    Kind.NATURAL_DISASTER: {"hazard": "flood"},
}


def reported(kind: Kind = Kind.SAFETY_ACCIDENT, **facts: Any) -> Step:
    def step(_: Incident | None) -> Incident:
        return Incident.report(
            **{
                "kind": kind,
                "village": "v",
                "grid": "g",
                "occurred_at": T0 - timedelta(hours=2),
                "description": "scaffold collapsed",
                "location": "brick kiln, east road",
                **FACTS[kind],
                **facts,
                **stamp("wang-fang", T0),
            }
        )

    return step


def _on(call: Callable[[Incident], None]) -> Step:
    def step(incident: Incident | None) -> Incident:
        assert incident is not None
        call(incident)
        return incident

    return step


def upward(level: ReportingLevel = ReportingLevel.TOWNSHIP, hours: float = 1) -> Step:
    return _on(
        lambda i: i.report_upward(
            level=level,
            to_node=None,
            recipient="duty office",
            **stamp("chen-jing", T0 + timedelta(hours=hours)),
        )
    )


def handled(hours: float = 2) -> Step:
    return _on(
        lambda i: i.handle(
            measures="site sealed, injured to hospital",
            handled_by="township safety office",
            **stamp("chen-jing", T0 + timedelta(hours=hours)),
        )
    )


def closed(hours: float = 3) -> Step:
    return _on(
        lambda i: i.close(
            outcome="kiln shut for inspection", **stamp("chen-jing", T0 + timedelta(hours=hours))
        )
    )


def refused_report(field: str, kind: Kind = Kind.SAFETY_ACCIDENT, **facts: Any) -> InvalidValue:
    with pytest.raises(InvalidValue) as refusal:
        given(reported(kind, **facts))
    assert refusal.value.field == field, refusal.value
    return refusal.value


# -- reporting ---------------------------------------------------------------------


def test_a_reported_safety_accident_records_its_counts_and_is_not_fatal_without_dead():
    incident = given(reported())
    assert (incident.status, incident.kind, incident.node) == (Status.REPORTED, Kind.SAFETY_ACCIDENT, "g")
    assert (incident.injured, incident.dead, incident.fatal) == (2, 0, False)
    assert (incident.reported_by, incident.reported_at) == ("wang-fang", T0)


def test_a_safety_accident_with_a_death_is_fatal_on_the_reported_event():
    [event] = recorded(reported(injured=1, dead=1))
    assert isinstance(event, Incident.Reported)
    assert (event.kind, event.injured, event.dead, event.fatal) == ("safety_accident", 1, 1, True)


@pytest.mark.parametrize("missing", ["injured", "dead"])
def test_a_safety_accident_without_a_casualty_count_is_refused_naming_it(missing: str):
    refused_report(missing, **{missing: None})


@pytest.mark.parametrize("field", ["injured", "dead"])
def test_a_negative_or_fractional_casualty_count_is_refused_naming_it(field: str):
    refused_report(field, **{field: -1})
    refused_report(field, **{field: 1.5})


def test_a_mass_incident_records_its_001_markers_in_a_fixed_order_and_its_headcount():
    incident = given(
        reported(
            Kind.MASS_INCIDENT,
            markers=[Marker.COLLECTIVE_STRIKE, Marker.ROAD_BLOCKADE],
            people_involved=120,
        )
    )
    assert incident.markers == ["road_blockade", "collective_strike"]
    assert incident.people_involved == 120
    assert (incident.injured, incident.dead, incident.fatal) == (None, None, False)


def test_a_gathering_over_500_needs_more_than_500_people():
    refusal = refused_report(
        "markers", Kind.MASS_INCIDENT, markers=[Marker.GATHERING_OVER_500], people_involved=500
    )
    assert "remove it" in refusal.reason
    assert given(
        reported(Kind.MASS_INCIDENT, markers=[Marker.GATHERING_OVER_500], people_involved=501)
    ).markers == ["gathering_over_500"]


def test_more_than_500_people_without_the_gathering_marker_is_a_contradiction():
    refusal = refused_report(
        "markers", Kind.MASS_INCIDENT, markers=[Marker.ROAD_BLOCKADE], people_involved=800
    )
    assert "add it" in refusal.reason


def test_a_mass_incident_without_markers_is_recorded_when_fewer_than_500_took_part():
    assert given(reported(Kind.MASS_INCIDENT, markers=[], people_involved=40)).markers == []


def test_a_mass_incident_needs_a_headcount_of_at_least_one():
    refused_report("people_involved", Kind.MASS_INCIDENT, people_involved=None)
    refused_report("people_involved", Kind.MASS_INCIDENT, people_involved=0)


def test_a_marker_given_twice_or_unknown_is_refused():
    refused_report("markers", Kind.MASS_INCIDENT, markers=[Marker.ROAD_BLOCKADE, Marker.ROAD_BLOCKADE])
    refused_report("markers", Kind.MASS_INCIDENT, markers=["sit_in"])


def test_only_a_mass_incident_has_markers_and_a_headcount():
    refused_report("markers", Kind.FIRE, markers=[Marker.ROAD_BLOCKADE])
    refused_report("people_involved", Kind.FIRE, people_involved=12)


def test_a_public_security_case_records_its_offence_and_only_it_does():
    assert given(reported(Kind.PUBLIC_SECURITY_CASE, offence="major_criminal")).offence == "major_criminal"
    refused_report("offence", Kind.PUBLIC_SECURITY_CASE, offence=None)
    refused_report("offence", Kind.PUBLIC_SECURITY_CASE, offence="rumour")
    refused_report("offence", Kind.FIRE, offence="criminal")


def test_a_natural_disaster_records_its_hazard_and_only_it_does():
    assert given(reported(Kind.NATURAL_DISASTER, injured=0, dead=2)).hazard == "flood"
    refused_report("hazard", Kind.NATURAL_DISASTER, hazard=None)
    refused_report("hazard", Kind.NATURAL_DISASTER, hazard="meteor")
    refused_report("hazard", Kind.SAFETY_ACCIDENT, hazard="flood")


def test_a_fire_records_casualties_only_when_given():
    assert (given(reported(Kind.FIRE)).injured, given(reported(Kind.FIRE)).dead) == (None, None)
    assert given(reported(Kind.FIRE, injured=3, dead=1)).fatal is True


def test_an_unknown_kind_is_refused_naming_the_field():
    with pytest.raises(InvalidValue) as refusal:
        Incident.report(
            kind="riot",
            village="v",
            grid=None,
            occurred_at=T0,
            description="x",
            location="y",
            **stamp(at=T0),
        )
    assert refusal.value.field == "kind"


def test_an_incident_cannot_have_happened_after_it_was_reported():
    refused_report("occurred_at", occurred_at=T0 + timedelta(minutes=1))


@pytest.mark.parametrize("field", ["description", "location"])
def test_an_incident_says_what_happened_and_where(field: str):
    refused_report(field, **{field: "  "})


def test_an_incident_from_a_patrol_records_the_shift_it_came_from():
    [event] = recorded(reported(origin_kind="patrol", origin_id=" shift-2026-03-02-night "))
    assert (event.origin_kind, event.origin_id) == ("patrol", "shift-2026-03-02-night")


def test_an_origin_needs_both_its_kind_and_its_id():
    refused_report("origin_id", origin_kind="dispute", origin_id=None)
    refused_report("origin_id", origin_kind="patrol", origin_id=" ")
    refused_report("origin_kind", origin_kind=None, origin_id="shift-1")
    refused_report("origin_kind", origin_kind="petition", origin_id="p-1")


# -- reporting upward ----------------------------------------------------------------


def test_reporting_upward_records_the_level_and_moves_the_incident_on():
    incident = given(reported())
    incident.report_upward(
        level=ReportingLevel.TOWNSHIP,
        to_node="anping.dongxi",
        recipient=" duty office ",
        **stamp("chen-jing"),
    )
    [event] = then(incident)
    assert isinstance(event, Incident.ReportedUpward)
    assert (event.level, event.previous_level, event.to_node, event.recipient) == (
        "township",
        None,
        "anping.dongxi",
        "duty office",
    )
    assert (incident.status, incident.highest_level) == (Status.REPORTED_UPWARD, ReportingLevel.TOWNSHIP)


def test_an_incident_may_be_reported_upward_again_to_a_higher_level_skipping_levels():
    incident = given(reported(), upward(ReportingLevel.TOWNSHIP))
    incident.report_upward(
        level=ReportingLevel.CITY, to_node=None, **stamp("chen-jing", T0 + timedelta(hours=2))
    )
    [event] = then(incident)
    assert (event.level, event.previous_level) == ("city", "township")
    assert [r["level"] for r in incident.reported_to] == ["township", "city"]


@pytest.mark.parametrize("level", [ReportingLevel.TOWNSHIP, ReportingLevel.COUNTY])
def test_reporting_upward_to_the_same_or_a_lower_level_is_refused_naming_the_level(level: ReportingLevel):
    incident = given(reported(), upward(ReportingLevel.COUNTY))
    with pytest.raises(InvalidValue) as refusal:
        incident.report_upward(level=level, to_node=None, **stamp("chen-jing", T0 + timedelta(hours=2)))
    assert refusal.value.field == "level"
    assert "report to a higher level: city, province" in refusal.value.reason
    assert then(incident) == []


def test_an_unknown_level_is_refused_naming_it():
    incident = given(reported())
    with pytest.raises(InvalidValue) as refusal:
        incident.report_upward(level="nation", to_node=None, **stamp("chen-jing"))
    assert refusal.value.field == "level"


def test_the_province_is_the_highest_level():
    incident = given(reported(), upward(ReportingLevel.PROVINCE))
    assert "report_upward" not in incident.allowed_actions()
    with pytest.raises(TransitionNotAllowed) as refusal:
        incident.report_upward(
            level=ReportingLevel.PROVINCE, to_node=None, **stamp("chen-jing", T0 + timedelta(hours=2))
        )
    assert "highest level" in str(refusal.value)
    assert then(incident) == []


def test_an_upward_report_cannot_take_effect_before_the_previous_one():
    incident = given(reported(), upward(ReportingLevel.TOWNSHIP, hours=2))
    with pytest.raises(InvalidValue) as refusal:
        incident.report_upward(
            level=ReportingLevel.COUNTY, to_node=None, **stamp("chen-jing", T0 + timedelta(hours=1))
        )
    assert refusal.value.field == "effective_at"


# -- handling and closing ---------------------------------------------------------------


def test_handling_records_the_measures_and_who_took_them():
    incident = given(reported(), upward())
    incident.handle(measures=" road cleared ", handled_by=" police station ", **stamp("chen-jing"))
    [event] = then(incident)
    assert isinstance(event, Incident.Handled)
    assert (event.measures, event.handled_by, event.actor) == ("road cleared", "police station", "chen-jing")
    assert incident.status == Status.HANDLED


def test_an_incident_may_be_handled_before_it_is_reported_upward_and_reported_upward_after():
    incident = given(reported(), handled(), upward(hours=2.5))
    assert incident.status == Status.HANDLED
    assert incident.highest_level == ReportingLevel.TOWNSHIP


def test_further_measures_may_be_recorded():
    incident = given(reported(), upward(), handled(), handled(hours=2.5))
    assert len(incident.handling) == 2


@pytest.mark.parametrize("field", ["measures", "handled_by"])
def test_handling_without_measures_or_without_who_is_refused(field: str):
    incident = given(reported())
    facts = {"measures": "site sealed", "handled_by": "fire brigade", field: " "}
    with pytest.raises(InvalidValue) as refusal:
        incident.handle(**facts, **stamp("chen-jing"))
    assert refusal.value.field == field
    assert then(incident) == []


def test_closing_a_handled_incident_records_its_outcome():
    incident = given(reported(), upward(), handled())
    incident.close(outcome="kiln shut", **stamp("chen-jing", T0 + timedelta(hours=3)))
    [event] = then(incident)
    assert isinstance(event, Incident.Closed) and event.outcome == "kiln shut"
    assert (incident.status, incident.outcome, incident.closed_at) == (
        Status.CLOSED,
        "kiln shut",
        T0 + timedelta(hours=3),
    )


def test_an_incident_not_yet_handled_cannot_be_closed():
    incident = given(reported(), upward())
    with pytest.raises(TransitionNotAllowed) as refusal:
        incident.close(outcome="over", **stamp("chen-jing"))
    assert refusal.value.state == "reported_upward"
    assert "close" not in refusal.value.allowed


def test_an_incident_not_reported_upward_cannot_be_closed():
    incident = given(reported(), handled())
    assert "close" not in incident.allowed_actions()
    with pytest.raises(TransitionNotAllowed) as refusal:
        incident.close(outcome="over", **stamp("chen-jing", T0 + timedelta(hours=3)))
    assert refusal.value.state == "handled, not reported upward"
    assert "reported at least to the township" in str(refusal.value)
    assert then(incident) == []


def test_closing_needs_an_outcome_and_comes_after_the_last_measures():
    incident = given(reported(), upward(), handled(hours=2))
    with pytest.raises(InvalidValue) as refusal:
        incident.close(outcome=" ", **stamp("chen-jing", T0 + timedelta(hours=3)))
    assert refusal.value.field == "outcome"
    with pytest.raises(InvalidValue) as refusal:
        incident.close(outcome="over", **stamp("chen-jing", T0 + timedelta(hours=1)))
    assert refusal.value.field == "effective_at"
    assert then(incident) == []


def test_a_closed_incident_takes_no_more_measures_but_late_reports_and_corrections():
    incident = given(reported(), upward(), handled(), closed())
    with pytest.raises(TransitionNotAllowed) as refusal:
        incident.handle(measures="more", handled_by="x", **stamp("chen-jing", T0 + timedelta(hours=4)))
    assert refusal.value.state == "closed"
    assert refusal.value.allowed == ["correct_casualties", "report_upward"]
    incident.correct_casualties(
        injured=2, dead=1, reason="died in hospital", **stamp("chen-jing", T0 + timedelta(days=3))
    )
    incident.report_upward(
        level=ReportingLevel.COUNTY, to_node=None, **stamp("chen-jing", T0 + timedelta(days=3))
    )
    assert [type(e).__name__ for e in then(incident)] == ["CasualtiesCorrected", "ReportedUpward"]
    assert incident.status == Status.CLOSED


# -- corrections --------------------------------------------------------------------------


def test_a_casualty_correction_records_the_old_and_new_counts_and_whether_it_became_fatal():
    incident = given(reported(injured=2, dead=0), upward())
    incident.correct_casualties(injured=1, dead=1, reason="one of the injured died", **stamp("chen-jing"))
    [event] = then(incident)
    assert isinstance(event, Incident.CasualtiesCorrected)
    assert (event.injured_before, event.dead_before, event.fatal_before) == (2, 0, False)
    assert (event.injured, event.dead, event.fatal) == (1, 1, True)
    assert (incident.injured, incident.dead, incident.fatal, incident.corrections) == (1, 1, True, 1)


def test_a_fire_without_recorded_casualties_may_get_them_later():
    incident = given(reported(Kind.FIRE))
    incident.correct_casualties(injured=1, dead=0, reason="a neighbour had burns", **stamp("chen-jing"))
    [event] = then(incident)
    assert (event.injured_before, event.dead_before, event.injured, event.dead) == (None, None, 1, 0)


def test_a_casualty_correction_that_changes_nothing_or_gives_no_reason_is_refused():
    incident = given(reported(injured=2, dead=0))
    with pytest.raises(InvalidValue) as refusal:
        incident.correct_casualties(injured=2, dead=0, reason="recount", **stamp("chen-jing"))
    assert refusal.value.field == "injured" and "nothing to correct" in refusal.value.reason
    for facts, field in (
        ({"injured": 3, "dead": 0, "reason": ""}, "reason"),
        ({"injured": 3, "dead": -1, "reason": "x"}, "dead"),
    ):
        with pytest.raises(InvalidValue) as refusal:
            incident.correct_casualties(**facts, **stamp("chen-jing"))
        assert refusal.value.field == field
    assert then(incident) == []


def test_a_mass_incident_correction_records_the_old_and_new_markers_and_headcount():
    incident = given(reported(Kind.MASS_INCIDENT, markers=[Marker.ROAD_BLOCKADE], people_involved=300))
    incident.correct_mass_incident_facts(
        markers=[Marker.ROAD_BLOCKADE, Marker.GATHERING_OVER_500],
        people_involved=650,
        reason="police count from video",
        **stamp("chen-jing"),
    )
    [event] = then(incident)
    assert isinstance(event, Incident.MassIncidentFactsCorrected)
    assert (event.markers_before, event.people_involved_before) == (["road_blockade"], 300)
    assert (event.markers, event.people_involved) == (["road_blockade", "gathering_over_500"], 650)
    assert incident.markers == ["road_blockade", "gathering_over_500"]


def test_a_mass_incident_correction_must_agree_with_itself_and_change_something():
    incident = given(reported(Kind.MASS_INCIDENT, markers=[Marker.ROAD_BLOCKADE], people_involved=300))
    for markers, people in (([Marker.ROAD_BLOCKADE], 650), ([Marker.ROAD_BLOCKADE], 300)):
        with pytest.raises(InvalidValue) as refusal:
            incident.correct_mass_incident_facts(
                markers=markers, people_involved=people, reason="x", **stamp("chen-jing")
            )
        assert refusal.value.field == "markers"
    with pytest.raises(InvalidValue) as refusal:
        incident.correct_mass_incident_facts(
            markers=[], people_involved=200, reason=" ", **stamp("chen-jing")
        )
    assert refusal.value.field == "reason"
    assert then(incident) == []


def test_only_a_mass_incident_has_its_markers_corrected():
    incident = given(reported(Kind.FIRE))
    assert "correct_mass_incident_facts" not in incident.allowed_actions()
    with pytest.raises(TransitionNotAllowed) as refusal:
        incident.correct_mass_incident_facts(markers=[], people_involved=10, reason="x", **stamp("chen-jing"))
    assert refusal.value.state == "reported fire"


# -- every command ---------------------------------------------------------------------


def test_nothing_takes_effect_before_the_incident_was_reported():
    incident = given(reported())
    with pytest.raises(InvalidValue) as refusal:
        incident.handle(measures="x", handled_by="y", **stamp("chen-jing", T0 - timedelta(minutes=1)))
    assert refusal.value.field == "effective_at"
    assert then(incident) == []


def test_the_allowed_actions_follow_the_lifecycle():
    assert given(reported()).allowed_actions() == {"handle", "report_upward", "correct_casualties"}
    assert given(reported(Kind.MASS_INCIDENT), upward(), handled()).allowed_actions() == {
        "handle",
        "close",
        "report_upward",
        "correct_casualties",
        "correct_mass_incident_facts",
    }


def test_every_event_carries_actor_business_time_and_command_id():
    events = recorded(reported(), upward(), handled(), closed())
    assert [type(e).__name__ for e in events] == ["Reported", "ReportedUpward", "Handled", "Closed"]
    assert [e.actor for e in events] == ["wang-fang", "chen-jing", "chen-jing", "chen-jing"]
    assert [e.effective_at - T0 for e in events] == [timedelta(hours=h) for h in (0, 1, 2, 3)]
    assert len({e.command_id for e in events}) == 4
