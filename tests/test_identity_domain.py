"""The Credentials aggregate alone: codes work once and until they expire, tokens match only
their own secret while live, and every refusal records nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.identity.credentials import Credentials
from domain.identity.errors import NotAuthenticated

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stamp(actor: str = "chen-jing", at: datetime = NOW) -> dict:
    return {"actor": actor, "effective_at": at, "command_id": f"c-{at.isoformat()}-{actor}"}


def opened() -> Credentials:
    return Credentials.open("wang-fang", **stamp())


def with_code(c: Credentials, digest: str = "a" * 64, hours: int = 72) -> Credentials:
    c.issue_enrolment(
        enrolment_id="e1", code_sha256=digest, expires_at=NOW + timedelta(hours=hours), **stamp()
    )
    return c


def recorded(c: Credentials) -> list[str]:
    return [type(e).__name__ for e in c.collect_events()]


def test_a_code_sets_the_password_once():
    c = with_code(opened())
    c.enrol(code_sha256="a" * 64, password_hash="$argon2id$x", **stamp("wang-fang"))
    assert c.password_hash == "$argon2id$x" and c.enrolment.used
    with pytest.raises(NotAuthenticated, match="used"):
        c.enrol(code_sha256="a" * 64, password_hash="$argon2id$y", **stamp("wang-fang"))
    assert recorded(c) == ["Opened", "EnrolmentIssued", "PasswordSet"]


@pytest.mark.parametrize(
    "digest, at, why",
    [("b" * 64, NOW, "unknown"), ("a" * 64, NOW + timedelta(hours=72), "expired")],
)
def test_a_wrong_or_expired_code_records_nothing(digest: str, at: datetime, why: str):
    c = with_code(opened())
    with pytest.raises(NotAuthenticated, match=why):
        c.enrol(code_sha256=digest, password_hash="$argon2id$x", **stamp("wang-fang", at))
    assert c.password_hash is None and recorded(c) == ["Opened", "EnrolmentIssued"]


def test_a_password_is_changed_only_once_one_is_set():
    with pytest.raises(TransitionNotAllowed):
        opened().change_password(password_hash="$argon2id$x", **stamp("wang-fang"))


def test_a_token_matches_only_its_own_secret_while_live():
    c = opened()
    expires = NOW + timedelta(days=30)
    c.issue_token(token_id="t1", name="export", secret_sha256="s" * 64, expires_at=expires, **stamp())
    assert c.token_matching("t1", "s" * 64, NOW) is not None
    assert c.token_matching("t1", "x" * 64, NOW) is None
    assert c.token_matching("t2", "s" * 64, NOW) is None
    assert c.token_matching("t1", "s" * 64, expires) is None
    c.revoke_token(token_id="t1", reason="lost laptop", **stamp())
    assert c.token_matching("t1", "s" * 64, NOW) is None
    with pytest.raises(TransitionNotAllowed):
        c.revoke_token(token_id="t1", reason="again", **stamp())


def test_a_token_needs_a_name_of_its_own_and_an_expiry_to_come():
    c = opened()
    c.issue_token(
        token_id="t1", name="export", secret_sha256="s" * 64, expires_at=NOW + timedelta(days=1), **stamp()
    )
    for name, expires_at in (("export", NOW + timedelta(days=1)), (" ", NOW + timedelta(days=1)), ("x", NOW)):
        with pytest.raises(InvalidValue):
            c.issue_token(token_id="t2", name=name, secret_sha256="s" * 64, expires_at=expires_at, **stamp())
    assert list(c.tokens) == ["t1"]
