"""Evidence attached to cases: kept by hash, read back only when the bytes still hash to their event,
refused when too large or not what it claims, stripped of location, withheld like the case's secrets —
on the file system and on an S3-compatible store alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from eventsourcing.cryptography import AESCipher

from domain.disputes.dispute import Category, Dispute, Severity
from domain.errors import AccessDenied, CaseNotFound, InvalidValue
from domain.evidence import Kind
from domain.petitions.petition import Channel, PetitionType
from infra.blob_files import FileBlobs
from infra.bootstrap import System, bootstrap
from infra.evidence import evidence_desk
from service.evidence.blobs import Tampered, sha256_of
from service.evidence.desk import EvidenceDesk
from service.evidence.intake import Limits
from tests import evidence_support
from tests.evidence_support import GPS, WINDOWS_PROGRAM, exif_of, pdf, photo
from tests.support import GRID, VILLAGE, person, settings_for

blobs, s3_server = evidence_support.blobs, evidence_support.s3_server  # the fixtures
ZHANG = {"name": "Zhang San", "id_number": "11010519491231002X"}


def desk_on(system: System, store: Any, limits: Limits | None = None) -> EvidenceDesk:
    made = evidence_desk(system.settings, system.casebook, store)
    return EvidenceDesk(made.cb, made.files, limits) if limits else made


def dispute(system: System) -> Dispute:
    return system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="the fence moved a metre",
        occurred_at=system.casebook.clock() - timedelta(days=1),
    )


def attach(desk: EvidenceDesk, case_id: Any, data: bytes, **given: Any) -> dict[str, Any]:
    options = {"filename": "fence.jpg", "kind": Kind.PHOTO, **given}
    role = options.pop("role", "grid_member")
    case = options.pop("case", "dispute")
    return desk.attach(person(role), case, case_id, data=data, **options)[1]


def test_an_attached_photo_is_read_back_as_kept_and_its_event_holds_the_hash_not_the_bytes(
    system: System, blobs: Any
):
    desk = desk_on(system, blobs)
    case = dispute(system)
    added = attach(desk, case.id, photo(), of_event=1, note="the new fence line")
    found, data = desk.open(person("mediator"), "dispute", case.id, added["id"])
    assert sha256_of(data) == found["sha256"] == added["sha256"]
    assert (found["kind"], found["of_event"], found["content_type"]) == ("photo", 1, "image/jpeg")
    assert found["added_by"] == person("grid_member") and found["size"] == len(data)
    event = system.casebook.history(case.id, case.version + 1)[-1]
    assert type(event).__name__ == "AttachmentAdded" and event.sha256 == added["sha256"]
    assert not any(isinstance(v, bytes) for v in vars(event).values())


def test_a_file_changed_behind_the_systems_back_is_refused_on_read_and_named_by_the_verifier(
    system: System, blobs: Any
):
    desk = desk_on(system, blobs)
    case = dispute(system)
    good = attach(desk, case.id, photo("blue"))
    bad = attach(desk, case.id, photo("green"))
    blobs.put(bad["sha256"], photo("black"))
    with pytest.raises(Tampered, match="does not hash"):
        desk.open(person("mediator"), "dispute", case.id, bad["id"])
    assert desk.open(person("mediator"), "dispute", case.id, good["id"])[1]
    problems = desk.verify()
    assert len(problems) == 1 and bad["id"] in problems[0] and good["id"] not in problems[0]


def test_a_file_missing_from_the_store_is_named_by_the_verifier(system: System, tmp_path):
    store = FileBlobs(tmp_path / "files")
    desk = desk_on(system, store)
    added = attach(desk, dispute(system).id, pdf(), filename="agreement.pdf", kind=Kind.SIGNED_SCAN)
    store.path(added["sha256"]).unlink()
    [problem] = desk.verify()
    assert added["id"] in problem and "missing" in problem


def test_with_the_stores_cipher_a_file_is_unreadable_at_rest_and_altered_ciphertext_is_refused(
    tmp_path, clock
):
    system = bootstrap(settings_for(tmp_path, cipher_key=AESCipher.create_key(32)), clock)
    system.seed()
    store = FileBlobs(tmp_path / "files")
    desk = desk_on(system, store)
    case = dispute(system)
    added = attach(desk, case.id, pdf(), filename="letter.pdf", kind=Kind.LETTER)
    stored = store.get(added["sha256"])
    assert stored is not None and b"%PDF" not in stored
    assert desk.open(person("mediator"), "dispute", case.id, added["id"])[1] == pdf()
    store.put(added["sha256"], stored[:-1] + bytes([stored[-1] ^ 1]))
    with pytest.raises(Tampered, match="cannot be decrypted"):
        desk.open(person("mediator"), "dispute", case.id, added["id"])
    assert "cannot be decrypted" in desk.verify()[0]
    system.close()


def test_a_program_named_as_a_photo_is_refused_for_what_its_bytes_are_and_nothing_is_recorded(
    system: System, blobs: Any
):
    desk = desk_on(system, blobs)
    case = dispute(system)
    with pytest.raises(InvalidValue, match="application/x-msdownload, whatever its name says") as refusal:
        attach(desk, case.id, WINDOWS_PROGRAM, filename="fence.jpg")
    assert refusal.value.field == "file" and "JPEG, PNG, WebP" in refusal.value.reason
    with pytest.raises(InvalidValue, match="no type that can be attached"):
        attach(desk, case.id, b"<html><script>alert(1)</script></html>", filename="fence.jpg")
    assert system.casebook.disputes.get(None, case.id).version == case.version
    assert list(blobs.keys()) == []


def test_a_file_over_its_kinds_limit_or_the_cases_total_is_refused_saying_the_limit(
    system: System, blobs: Any
):
    big = photo(size=(400, 400))
    desk = desk_on(system, blobs, Limits(per_kind={k: len(big) - 1 for k in Kind}, per_case=10**9))
    case = dispute(system)
    with pytest.raises(InvalidValue, match=f"a photo may hold at most {len(big) - 1:,} bytes"):
        attach(desk, case.id, big)
    desk = desk_on(system, blobs, Limits(per_case=len(big) + 100))
    attach(desk, case.id, big)
    with pytest.raises(InvalidValue, match="a case may hold at most"):
        attach(desk, case.id, photo("blue", size=(400, 400)))
    assert system.casebook.disputes.get(None, case.id).version == case.version + 1


def test_a_photos_location_is_stripped_unless_the_person_keeps_it(system: System, tmp_path):
    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    case = dispute(system)
    assert exif_of(photo())[1] == GPS
    stripped = desk.open(person("mediator"), "dispute", case.id, attach(desk, case.id, photo())["id"])[1]
    assert exif_of(stripped) == ({}, {})
    kept_one = attach(desk, case.id, photo("blue"), keep_location=True)
    kept = desk.open(person("mediator"), "dispute", case.id, kept_one["id"])[1]
    assert exif_of(kept)[1] == GPS and kept_one["location_kept"] is True


def test_the_accused_is_told_an_accusations_attachment_does_not_exist(system: System, tmp_path):
    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    petition = system.casebook.petitions.register(
        person("petition_agent"),
        node=VILLAGE,
        channel=Channel.LETTER,
        type=PetitionType.ACCUSATION,
        petitioner=ZHANG,
        content="He took the road money.",
        matter="Road compensation",
        accused_person_id=person("accused_village_staff"),
    )
    letter = attach(
        desk, petition.id, pdf(), case="petition", role="petition_agent", kind=Kind.LETTER, of_event=1
    )
    accused = person("accused_village_staff")
    assert desk.listed(accused, "petition", petition.id) == []
    with pytest.raises(CaseNotFound) as refusal:
        desk.open(accused, "petition", petition.id, letter["id"])
    with pytest.raises(CaseNotFound) as nothing:
        desk.open(accused, "petition", petition.id, "0" * 32)
    assert str(refusal.value).replace(letter["id"], "X") == str(nothing.value).replace("0" * 32, "X")
    with pytest.raises(AccessDenied):
        attach(desk, petition.id, pdf(), case="petition", role="accused_village_staff", kind=Kind.LETTER)
    assert desk.open(person("petition_agent"), "petition", petition.id, letter["id"])[1] == pdf()


def test_an_accusations_attachments_are_withheld_from_a_reader_without_the_right_to_see_it(
    system: System, tmp_path
):
    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    petition = system.casebook.petitions.register(
        person("petition_agent"),
        node=VILLAGE,
        channel=Channel.LETTER,
        type=PetitionType.ACCUSATION,
        petitioner=ZHANG,
        content="Someone took the road money.",
        matter="Road compensation",
    )
    letter = attach(desk, petition.id, pdf(), case="petition", role="petition_agent", kind=Kind.LETTER)
    reader = person("branch_secretary")  # reads the village's cases, may not see accusations
    assert desk.listed(reader, "petition", petition.id) == []
    with pytest.raises(CaseNotFound):
        desk.open(reader, "petition", petition.id, letter["id"])


def test_a_partys_identity_document_is_shown_only_to_who_works_the_case(system: System, tmp_path):
    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    case = dispute(system)
    card = attach(desk, case.id, photo(), kind=Kind.IDENTITY_DOCUMENT, role="mediator")
    assert [a["id"] for a in desk.listed(person("mediator"), "dispute", case.id)] == [card["id"]]
    assert desk.listed(person("branch_secretary"), "dispute", case.id) == []
    with pytest.raises(CaseNotFound):
        desk.open(person("branch_secretary"), "dispute", case.id, card["id"])


def test_a_correction_supersedes_an_attachment_and_both_are_kept(system: System, tmp_path):
    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    case = dispute(system)
    first = attach(desk, case.id, photo("red"))
    second = attach(desk, case.id, photo("blue"), supersedes=first["id"], reason="the wrong fence")
    listed = {a["id"]: a for a in desk.listed(person("mediator"), "dispute", case.id)}
    assert (
        listed[first["id"]]["superseded_by"] == second["id"] and listed[second["id"]]["superseded_by"] is None
    )
    assert desk.open(person("mediator"), "dispute", case.id, first["id"])[1]
    with pytest.raises(InvalidValue, match="already superseded"):
        attach(desk, case.id, photo("green"), supersedes=first["id"], reason="again")


def test_an_attachment_names_only_an_event_people_attach_to(system: System, tmp_path):
    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    case = dispute(system)
    system.casebook.disputes.escalate(person("mediator"), case.id, reason="too big for the grid")
    with pytest.raises(InvalidValue, match="event 2 is Escalated") as refusal:
        attach(desk, case.id, photo(), of_event=2, role="mediator")
    assert refusal.value.field == "of_event"
    with pytest.raises(InvalidValue, match="no event 9"):
        attach(desk, case.id, photo(), of_event=9, role="mediator")


def test_someone_outside_the_case_can_neither_attach_nor_see(system: System, tmp_path):
    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    case = dispute(system)
    with pytest.raises(CaseNotFound):  # another village's case is, to them, none at all
        attach(desk, case.id, photo(), role="foreign_grid_member")
    with pytest.raises(CaseNotFound):
        desk.listed(person("foreign_grid_member"), "dispute", case.id)


def test_fengqiao_evidence_verify_names_a_changed_file_and_exits_1(
    sqlite_settings, clock, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    from infra.cli import main
    from tests.conftest import seeded
    from tests.test_seal_api import use_settings

    use_settings(sqlite_settings, monkeypatch)
    system = seeded(sqlite_settings, clock)
    added = attach(system.evidence, dispute(system).id, photo())
    system.close()
    assert main(["evidence", "verify"]) == 0
    assert "verified: all 1 attachments" in capsys.readouterr().out
    FileBlobs(sqlite_settings.evidence_path).put(added["sha256"], photo("black"))
    assert main(["evidence", "verify"]) == 1
    assert added["id"] in capsys.readouterr().out


def test_a_patrol_finding_takes_a_photo_from_the_team_and_not_from_a_patrol_elsewhere(
    system: System, tmp_path
):
    from tests.test_patrol_app import open_shift, report_dispute

    desk = desk_on(system, FileBlobs(tmp_path / "files"))
    shift = report_dispute(system, open_shift(system, "patrol_leader", "patrol_member"))
    finding = shift.version  # the FindingReported event
    added = attach(desk, shift.id, photo(), case="patrol_shift", role="patrol_member", of_event=finding)
    assert added["of_event"] == finding
    with pytest.raises(InvalidValue, match="SignedInAtStart"):
        attach(desk, shift.id, photo("blue"), case="patrol_shift", role="patrol_member", of_event=2)
    with pytest.raises(CaseNotFound):
        attach(desk, shift.id, photo("green"), case="patrol_shift", role="foreign_patrol_member")


def test_the_operators_bundle_of_a_case_carries_its_files_and_checks_offline(
    sqlite_settings, clock, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
):
    import json

    from infra.cli import main
    from tests.conftest import seeded
    from tests.test_seal_api import use_settings

    use_settings(sqlite_settings, monkeypatch)
    system = seeded(sqlite_settings, clock)
    case = dispute(system)
    attach(system.evidence, case.id, photo())
    system.close()
    out = tmp_path / "bundle.json"
    assert main(["seal", "evidence", str(case.id), "--out", str(out)]) == 0
    assert "1 attachments" in capsys.readouterr().out
    assert main(["seal", "verify-bundle", str(out)]) == 0
    bundle = json.loads(out.read_text())
    bundle["attachments"][0]["content"] = bundle["attachments"][0]["content"][:-8] + "AAAAAAA="
    out.write_text(json.dumps(bundle))
    assert main(["seal", "verify-bundle", str(out)]) == 1
    assert "the file was altered" in capsys.readouterr().out
