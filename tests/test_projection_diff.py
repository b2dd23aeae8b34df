"""The auditor's diff (`fengqiao projections diff`): a read model tampered with by SQL is named row
by row — the rows changed, deleted and inserted, each with its kind and the events of the log behind
it — against a rebuild from the log; `projections verify` finds the same; and two versions of one
read model kept in the views database are compared row by row."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from domain.disputes.dispute import Category, Dispute, SessionOutcome, Severity
from infra.bootstrap import System
from infra.cli import main
from projections.diff import against_version
from projections.dispute_statistics import VERSION, DisputeStatistics
from projections.followers import prepare
from projections.runner import ProjectionRunner
from tests.support import GRID, person
from tests.test_seal_api import use_settings


def report(system: System, grid: str = GRID) -> Dispute:
    return system.casebook.disputes.report(
        person("grid_member"),
        grid=grid,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.LABOUR,
        severity=Severity.GENERAL,
        description="unpaid wages",
        occurred_at=system.casebook.clock(),
    )


def three_disputes(system: System) -> list[str]:
    """Three disputes, the first two with a mediation session; the live summary caught up."""
    mediator = person("mediator")
    ids = [str(report(system).id) for _ in range(3)]
    for dispute_id in ids[:2]:
        system.casebook.disputes.hold_mediation_session(
            mediator, uuid.UUID(dispute_id), outcome=SessionOutcome.ADJOURNED
        )
    built(system, system.statistics)
    return ids


def diff(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    code = main(["projections", "diff", "dispute_statistics", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def the_log(system: System, stream: str) -> list[tuple[int, str]]:
    """(notification id, topic) of a stream's events, read from the log itself."""
    notes = system.casebook.recorder.select_notifications(0, 10_000)
    return [(n.id, n.topic) for n in notes if str(n.originator_id) == stream]


def test_an_untampered_read_model_diffs_equal(
    system: System, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    three_disputes(system)
    use_settings(system.settings, monkeypatch)
    code, found = diff(capsys)
    assert (code, found["equal"], found["differences"]) == (0, True, [])
    assert found["read_model"] == system.statistics.name and found["against"] == "rebuild"
    assert found["rows"] == 3


def test_the_diff_names_each_tampered_row_its_kind_and_the_events_behind_it(
    system: System, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    changed, deleted, _ = three_disputes(system)
    bogus = str(uuid.uuid4())
    table = system.statistics.table
    with system.views.transaction() as cur:
        cur.execute(f"UPDATE {table} SET sessions = 9 WHERE dispute_id = ?", (changed,))
        cur.execute(f"DELETE FROM {table} WHERE dispute_id = ?", (deleted,))
        cur.execute(
            f"INSERT INTO {table} (dispute_id, village, grid, category, severity, level, status, "
            "reported_at, sessions, closed_with_agreement, agreement_in_effect, escalations, "
            "reached_township, version) "
            "VALUES (?, 'v', 'g', 'labour', 'general', 'grid', 'open', '2026-01-01', 0, 0, 0, 0, 0, 1)",
            (bogus,),
        )
    use_settings(system.settings, monkeypatch)
    code, found = diff(capsys)
    assert code == 1 and not found["equal"]
    rows = {d["key"]["dispute_id"]: d for d in found["differences"]}
    assert {k: d["kind"] for k, d in rows.items()} == {
        changed: "changed",
        deleted: "only_other",
        bogus: "only_live",
    }
    assert rows[changed]["columns"] == {"sessions": {"live": "9", "other": "1"}}
    assert rows[deleted]["live"] is None and rows[deleted]["other"]["sessions"] == "1"
    assert rows[bogus]["other"] is None and rows[bogus]["live"]["village"] == "v"
    for stream in (changed, deleted):  # the events behind: the stream's, as the log has them
        behind = [(e["notification_id"], e["topic"]) for e in rows[stream]["events"]]
        assert behind == the_log(system, stream) and len(behind) == 2
        assert [e["kind"] for e in rows[stream]["events"]] == [
            "Dispute.Reported",
            "Dispute.MediationSessionHeld",
        ]
    assert rows[bogus]["events"] == []  # no stream of that id in the log
    with system.views.reading() as cur:
        assert len(system.statistics.rows(cur)[table]) == 3, "the diff changes nothing live"

    assert main(["projections", "verify", "dispute_statistics", "--format", "json"]) == 1
    [verified] = json.loads(capsys.readouterr().out)
    assert verified["differences"] == found["differences"], "verify and diff cannot disagree"

    assert main(["projections", "diff", "dispute_statistics"]) == 1
    text = capsys.readouterr().out
    assert "3 differences from the live read model" in text
    assert f"[dispute_id={changed}] changed: sessions: live 9, rebuild 1" in text
    assert f"[dispute_id={deleted}] only in rebuild" in text
    assert f"[dispute_id={bogus}] only in live" in text
    first = the_log(system, changed)[0][0]
    assert f"#{first} {changed} v1 Dispute.Reported, effective " in text


class Revised(DisputeStatistics):
    """Another version of the dispute summary, whose definition counts each session twice."""

    def __init__(self, version: int, suffix: str = "") -> None:
        super().__init__(suffix)
        self.version = version
        self.name = f"dispute_statistics_v{version}{suffix}"
        self.table = f"dispute_summary_v{version}{suffix}"

    def shadow(self) -> Revised:
        return Revised(self.version, self.suffix + "__rebuild")

    @staticmethod
    def _mutate(row: Any, event: Any) -> None:
        DisputeStatistics._mutate(row, event)
        if isinstance(event, Dispute.MediationSessionHeld):
            row["sessions"] += 1


def built(system: System, projection: DisputeStatistics) -> None:
    prepare(system.views, [projection])
    ProjectionRunner(system.reader, system.views, projection).catch_up()


def test_two_versions_of_a_read_model_are_compared_row_by_row(system: System):
    ids = three_disputes(system)
    later = Revised(VERSION + 1)
    built(system, later)
    with system.views.reading() as cur:
        differences, missing = against_version(cur, later, VERSION)
    assert missing == []
    assert {(d.key["dispute_id"], d.kind) for d in differences} == {(i, "changed") for i in ids[:2]}
    for difference in differences:
        assert difference.columns == ["sessions"]
        assert ((difference.live or {})["sessions"], (difference.other or {})["sessions"]) == ("2", "1")
        assert difference.other_table == system.statistics.table
        assert difference.against == f"v{VERSION}"


def test_the_command_line_compares_the_live_version_with_one_kept_in_the_views_database(
    system: System, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    ids = three_disputes(system)
    built(system, Revised(VERSION - 1))  # the version before, as a release would have left it
    use_settings(system.settings, monkeypatch)
    code, found = diff(capsys, "--against", f"v{VERSION - 1}")
    assert code == 1 and found["against"] == f"v{VERSION - 1}"
    assert {d["key"]["dispute_id"]: d["columns"] for d in found["differences"]} == {
        i: {"sessions": {"live": "1", "other": "2"}} for i in ids[:2]
    }
    assert all(len(d["events"]) == 2 for d in found["differences"])
    assert main(["projections", "diff", "dispute_statistics", "--against", f"v{VERSION + 5}"]) == 2
    assert f"holds no v{VERSION + 5}" in capsys.readouterr().err
