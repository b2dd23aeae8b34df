"""A case's evidence bundle, and its offline check: the case's events as stored, each with its leaf
hash and inclusion proof against one signed checkpoint. Checking needs only the bundle and the
system's published public key (docs/seal.md: "Evidence bundles")."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from service.seal import merkle
from service.seal.checkpoint import Checkpoint, b64, is_signed_by, unb64
from service.seal.leaves import Record, record_hash

FORMAT = "fengqiao-evidence/1"

# Dispute events in the glossary's words (/work/shared/GLOSSARY.md); others are named by their class.
WORDS_ZH = {
    "Reported": "登记纠纷",
    "Accepted": "受理",
    "MediationSessionHeld": "调解",
    "PartyRefusedMediation": "当事人拒绝调解",
    "AgreementReached": "达成调解协议",
    "AgreementSigned": "签名",
    "AgreementSealed": "加盖人民调解委员会印章",
    "FollowUpVisitMade": "回访",
    "JudicialConfirmationRequested": "申请司法确认",
    "Escalated": "上报上一级",
    "ReferredOut": "移交",
    "FiledWithTownship": "报乡镇备案",
    "RiskReportedToPolice": "向公安报告风险",
    "ConvertedToCriminalCase": "转为刑事案件",
    "Closed": "结案",
    "Reopened": "重新开启",
    "MarkedDuplicate": "标记为重复",
    "DuplicateLinked": "关联重复案件",
    "AttachmentAdded": "添加附件",
    "AttachmentSuperseded": "附件被更正",
}


def record_json(record: Record) -> dict[str, Any]:
    return {
        "notification_id": record.notification_id,
        "stream_id": record.stream_id,
        "version": record.version,
        "topic": record.topic,
        "state": b64(record.state),
    }


def record_of(data: dict[str, Any]) -> Record:
    return Record(
        int(data["notification_id"]),
        str(data["stream_id"]),
        int(data["version"]),
        str(data["topic"]),
        unb64(data["state"]),
    )


def timeline(readings: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The history in words, from the readable events (a reading aid: the records are the evidence)."""
    en, zh = [], []
    for r in readings:
        kind = str(r["type"])
        en.append(
            f"{r['effective_at']} — {kind} by {r['actor']} (version {r['version']}, "
            f"recorded {r['recorded_at']})"
        )
        words = WORDS_ZH.get(kind, kind)
        zh.append(
            f"{r['effective_at']} — {r['actor']}：{words}（第 {r['version']} 版，记录于 {r['recorded_at']}）"
        )
    return {"en": en, "zh": zh}


def verify_bundle(bundle: dict[str, Any], public_key: bytes) -> list[str]:
    """What is wrong with the bundle, checked against the public key alone; empty when it proves."""
    if bundle.get("format") != FORMAT:
        return [f"not a {FORMAT} bundle"]
    try:
        checkpoint = Checkpoint.from_json(bundle["checkpoint"])
        entries = list(bundle["events"])
        stream_id = str(bundle["stream"]["id"])
    except (KeyError, TypeError, ValueError) as bad:
        return [f"the bundle is malformed: {bad}"]
    problems = []
    if not is_signed_by(checkpoint, public_key):
        problems.append("its checkpoint is not signed by this key: another system's, or altered")
    if not entries:
        problems.append("it holds no events")
    for n, entry in enumerate(entries, start=1):
        try:
            record = record_of(entry["record"])
            index, proof = int(entry["leaf_index"]), [bytes.fromhex(p) for p in entry["inclusion_proof"]]
        except (KeyError, TypeError, ValueError) as bad:
            problems.append(f"event {n} is malformed: {bad}")
            continue
        leaf = record_hash(record)
        if record.stream_id != stream_id:
            problems.append(f"event {n} belongs to stream {record.stream_id}, not {stream_id}")
        if record.version != n:
            problems.append(
                f"event {n} is version {record.version}: the stream's events are not all here, in order"
            )
        if entry.get("leaf_hash") != leaf.hex():
            problems.append(
                f"event {n} (notification {record.notification_id}) does not hash to its leaf hash"
            )
        if not merkle.verify_inclusion(leaf, index, checkpoint.tree_size, proof, checkpoint.root_hash):
            problems.append(
                f"event {n} (notification {record.notification_id}) is not proven in the checkpoint's tree"
            )
    return problems + attachment_problems(bundle.get("attachments") or [], entries)


def recorded_sha256(entry: dict[str, Any]) -> str | None:
    """The SHA-256 an attachment's event recorded: read from the stored record itself when the store is
    not encrypted (so the record's proof covers it), else from the bundle's reading of the event."""
    try:
        state = json.loads(unb64(entry["record"]["state"]))
        if isinstance(state, dict) and "sha256" in state:
            return str(state["sha256"])
    except (ValueError, KeyError, TypeError):
        pass
    found = (entry.get("reading") or {}).get("data", {}).get("sha256")
    return str(found) if found else None


def attachment_problems(attachments: list[dict[str, Any]], entries: list[dict[str, Any]]) -> list[str]:
    """Each attachment's bytes (unless the bundle is light) hash to the SHA-256 its proven event recorded."""
    problems = []
    for a in attachments:
        name = f"attachment {a.get('id')} ({a.get('filename')})"
        version = int(a.get("version") or 0)
        if not 1 <= version <= len(entries):
            problems.append(f"{name} names event {version}, which the bundle does not hold")
            continue
        if recorded_sha256(entries[version - 1]) != a.get("sha256"):
            problems.append(f"{name}: its SHA-256 is not the one event {version} recorded")
        if "content" in a and hashlib.sha256(unb64(a["content"])).hexdigest() != a.get("sha256"):
            problems.append(f"{name}: its bytes do not hash to its SHA-256 — the file was altered")
    return problems
