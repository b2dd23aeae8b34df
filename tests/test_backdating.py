"""The backdating policy: how far in the past a person may date a command, and when it needs a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidValue
from domain.time import backdating
from domain.time.backdating import DEFAULT_WINDOW, GRACE, check, is_late, window

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def refusal(action: str, ago: timedelta, reason: str | None = None) -> InvalidValue:
    with pytest.raises(InvalidValue) as refused:
        check(action, NOW - ago, NOW, reason)
    return refused.value


def test_now_the_future_and_within_the_grace_need_nothing() -> None:
    check("accept", None, NOW, None)
    check("accept", NOW + timedelta(minutes=3), NOW, None)
    check("accept", NOW - GRACE, NOW, None)
    check("sign_in_at_start", NOW - GRACE, NOW, "")


def test_older_than_the_grace_needs_a_reason_that_says_something() -> None:
    for reason in (None, "", "   "):
        refused = refusal("accept", GRACE + timedelta(seconds=1), reason)
        assert refused.field == "late_reason"
        assert "7 days" in refused.reason
    check("accept", NOW - GRACE - timedelta(seconds=1), NOW, "the network was down at the village")


def test_a_reason_is_at_most_500_characters() -> None:
    assert refusal("accept", timedelta(days=1), "x" * 501).field == "late_reason"
    check("accept", NOW - timedelta(days=1), NOW, "x" * 500)


def test_the_default_window_is_seven_days_whatever_the_reason() -> None:
    check("hold_mediation_session", NOW - DEFAULT_WINDOW, NOW, "written up late")
    refused = refusal("hold_mediation_session", DEFAULT_WINDOW + timedelta(seconds=1), "written up late")
    assert refused.field == "effective_at"
    assert "may lie at most 7 days in the past for hold mediation session" in refused.reason


def test_the_window_is_checked_before_the_reason() -> None:
    assert refusal("accept", timedelta(days=400)).field == "effective_at"
    assert refusal("accept", timedelta(days=365 * 2025)).field == "effective_at"  # year 1


@pytest.mark.parametrize(
    "action",
    ["take_post", "leave_post", "sign_in_at_start", "sign_in_at_checkpoint", "sign_in_at_end",
     "record_checkpoint_missed"],
)  # fmt: skip
def test_posts_and_patrol_sign_ins_have_one_day(action: str) -> None:
    assert window(action) == timedelta(days=1)
    check(action, NOW - timedelta(days=1), NOW, "entered when the signal came back")
    refused = refusal(action, timedelta(days=1, seconds=1), "entered when the signal came back")
    assert refused.field == "effective_at"
    assert "at most 1 day in the past" in refused.reason


def test_every_other_kind_has_the_default_window() -> None:
    assert window("report_dispute") == window("register_petition") == DEFAULT_WINDOW
    from service.patrols.desk import RIGHT_FOR as PATROL_ACTIONS

    # every kind named is an action a desk records commands under (a misspelt one would not limit)
    assert set(backdating.WINDOWS) <= set(PATROL_ACTIONS) | {"take_post", "leave_post"}
    assert all(length <= DEFAULT_WINDOW for length in backdating.WINDOWS.values())


def test_recorded_late_is_more_than_the_grace_after_the_business_time() -> None:
    assert not is_late(NOW - GRACE, NOW)
    assert is_late(NOW - GRACE - timedelta(seconds=1), NOW)
    assert not is_late(NOW + timedelta(minutes=1), NOW)
