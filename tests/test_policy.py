"""Deadline policy as data: rules chosen by the case's attributes, versions effective-dated,
files refused with the line and the reason, and every change recorded with who and why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from domain.directory.access import Right
from domain.errors import AccessDenied
from domain.time.calendar import Unit
from domain.time.policy import PAUSES, InProgress, PolicyVersion, Rule
from infra.bootstrap import System
from infra.rules_files import RulesFileError, load_rules_file, read_policy_file, read_rules_file
from tests.support import ROOT, person, shipped_rules

DEFAULT = ROOT / "config" / "policy" / "default.toml"


def test_the_most_specific_rule_wins():
    policy = read_policy_file(DEFAULT)
    version = PolicyVersion(policy.version, policy.effective_from, tuple(policy.rules))
    assert version.rule_for("incident.report_upward", {"kind": "mass_incident"}).amount == 1
    assert version.rule_for("incident.report_upward", {"kind": "fire"}).amount == 2
    assert version.rule_for("dispute.grid", {"severity": "minor"}).describe() == "dispute.grid: 24 hours"
    assert version.rule_for("patrol.cadence", {"level": "village"}).amount == 7
    assert version.rule_for("no.such.clock", {}) is None


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(
        '[policy]\nversion = "x"\neffective_from = 2026-01-01T00:00:00+08:00\n' + body, encoding="utf-8"
    )
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '\n[[rule]]\nclock = "dispute.grid"\namount = 1\nunit = "weeks"\n',
            "line 5: .*unit 'weeks' is not one of",
        ),
        (
            (
                '\n[[rule]]\nclock = "dispute.grid"\namount = 1\nunit = "hours"\n'
                '\n[[rule]]\nclock = "dispute.gird"\namount = 1\nunit = "hours"\n'
            ),
            "line 10: rule #2: unknown clock 'dispute.gird'",
        ),
        (
            '\n[[rule]]\nclock = "dispute.grid"\namount = 1.5\nunit = "hours"\n',
            "line 5: .*amount must be a whole number",
        ),
        ('\n[[rule]]\nclock = "dispute.grid"\nunit = "hours"\n', "line 5: .*missing 'amount'"),
        (
            '\n[[rule]]\nclock = "dispute.grid"\namount = 1\nunit = "hours"\nreminders = [1.5]\n',
            "line 5: rule #1: reminders are fractions",
        ),
        (
            (
                '\n[[rule]]\nclock = "petition.handling"\namount = 60\nunit = "calendar_days"\n'
                'paused_by = ["strike"]\n'
            ),
            "line 5: rule #1: unknown pause 'strike'",
        ),
        (
            (
                '\n[[rule]]\nclock = "petition.review_request"\namount = 30\nunit = "calendar_days"\n'
                'paused_by = ["hearing"]\n'
            ),
            "line 5: rule #1: a hearing cannot pause petition.review_request",
        ),
        (
            (
                '\n[[rule]]\nclock = "petition.handling"\namount = 60\nunit = "calendar_days"\n'
                'paused_by = "hearing"\n'
            ),
            "line 5: .*paused_by must be a list of names",
        ),
        (
            (
                '\n[[rule]]\nclock = "dispute.grid"\namount = 1\nunit = "hours"\n'
                '\n[[rule]]\nclock = "dispute.grid"\namount = 2\nunit = "hours"\n'
            ),
            "line 10: rule #2: a second rule for dispute.grid",
        ),
        ("\n[[rule\n", "line 5"),
        (
            '\n[[rule]]\nclock = "dispute.grid"\namount = 1\nunit = "hours"\n',
            (
                "no rule for dispute.agreement_in_effect, dispute.follow_up, .*: "
                "a policy version gives a rule for every clock"
            ),
        ),
        ("", "at least one"),
    ],
)
def test_a_malformed_policy_file_is_refused_with_the_line_and_the_reason(
    tmp_path: Path, body: str, message: str
):
    with pytest.raises(RulesFileError, match=message):
        read_policy_file(write(tmp_path, body))


def test_adopting_a_new_version_records_who_and_why_and_keeps_the_old_one(system: System):
    book = system.casebook.rulebook
    assert [p.version for p in book.current().policies] == ["2026.4"]
    later = datetime(2026, 7, 1, tzinfo=UTC)
    book.adopt_policy(
        "system:operator",
        version="2026.5",
        effective_from=later,
        in_progress=InProgress.AT_CLOCK_START,
        rules=shipped_rules(Rule("dispute.grid", 12, Unit.HOURS)),
        reason="the township asks for same-day answers",
        source="township notice 7",
        authorise=False,
    )
    current = book.current()
    assert current.policy_in_force(datetime(2026, 3, 1, tzinfo=UTC)).version == "2026.4"
    assert current.policy_in_force(later).version == "2026.5"
    adopted = [
        e
        for e in system.casebook.repository.event_store.get(current.id)
        if type(e).__name__ == "PolicyVersionAdopted"
    ][-1]
    assert (adopted.actor, adopted.reason, adopted.source) == (
        "system:operator",
        "the township asks for same-day answers",
        "township notice 7",
    )


def test_a_version_is_adopted_once_and_a_file_loaded_again_changes_nothing(system: System):
    file = read_rules_file(DEFAULT)
    assert load_rules_file(system.casebook, file, actor="system:operator", reason="again") == "unchanged"
    edited = file.__class__(file.version, file.effective_from, file.in_progress, file.rules[:3], file.source)
    with pytest.raises(RulesFileError, match="a version is adopted once"):
        load_rules_file(system.casebook, edited, actor="system:operator", reason="edited in place")


def test_only_a_post_covering_the_county_may_change_the_policy(system: System):
    with pytest.raises(AccessDenied) as refused:
        system.casebook.rulebook.adopt_policy(
            person("township"),
            version="t",
            effective_from=datetime(2026, 7, 1, tzinfo=UTC),
            in_progress=InProgress.LATEST,
            rules=shipped_rules(Rule("dispute.grid", 12, Unit.HOURS)),
            reason="r",
            source="s",
        )
    assert refused.value.right == Right.MANAGE_POLICY and "outside" in str(refused.value)


def test_a_corrected_calendar_year_is_recorded_as_a_correction(system: System):
    from dataclasses import replace
    from datetime import date

    file = read_rules_file(ROOT / "config" / "calendars" / "CN-2026.toml")
    book = system.casebook.rulebook
    assert book.current().calendar("CN").is_working_day(date(2026, 12, 31))
    corrected = replace(file, year=replace(file.year, holidays=file.year.holidays | {date(2026, 12, 31)}))
    assert (
        load_rules_file(system.casebook, corrected, actor="system:operator", reason="new year's eve")
        == "corrected"
    )
    calendar = book.current().calendar("CN")
    assert not calendar.is_working_day(date(2026, 12, 31)) and calendar.version == 2
    assert load_rules_file(system.casebook, corrected, actor="system:operator", reason="again") == "unchanged"


def test_the_shipped_policy_pauses_only_the_re_review_limit_for_hearings_citing_each_article():
    policy = read_policy_file(DEFAULT)
    version = PolicyVersion(policy.version, policy.effective_from, tuple(policy.rules))
    paused = {clock: version.rule_for(clock, {}).pauses_for("hearing") for clock in PAUSES["hearing"]}
    assert paused == {
        "petition.handling": False,  # Art. 34 makes no exception for hearing time
        "petition.review_decision": False,  # nor Art. 35
        "petition.re_review_decision": True,  # Art. 36: hearing time is not counted
    }
    assert [version.rule_for(c, {}).basis.split(":")[0] for c in sorted(PAUSES["hearing"])] == [
        "Art. 34",
        "Art. 36",
        "Art. 35",
    ]


def test_a_rule_of_a_version_that_did_not_say_what_pauses_it_keeps_hearings_pausing_their_stage():
    old = Rule.from_data({"clock": "petition.handling", "amount": 60, "unit": "calendar_days"})
    assert old.paused_by is None and old.pauses_for("hearing")
    assert not Rule.from_data({**old.as_data(), "clock": "petition.review_request"}).pauses_for("hearing")
    said = Rule.from_data({**old.as_data(), "paused_by": []})
    assert said.as_data()["paused_by"] == [] and not said.pauses_for("hearing")


def test_the_demonstration_policy_has_a_rule_wherever_the_default_has_one():
    demo = read_policy_file(ROOT / "config" / "demo-policy" / "fast.toml")
    shipped = read_policy_file(DEFAULT)
    assert {(r.clock, tuple(sorted(r.when.items()))) for r in demo.rules} == {
        (r.clock, tuple(sorted(r.when.items()))) for r in shipped.rules
    }
