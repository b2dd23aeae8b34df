"""`fengqiao seal ...`: make and list signed checkpoints, make a signing key, verify the store."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from infra.settings import Settings


def add_seal_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    seal = commands.add_parser("seal", help="the seal over the event log: checkpoints and verification")
    actions = seal.add_subparsers(dest="action", required=True, metavar="action")
    actions.add_parser("keygen", help="print a new signing key, for FENGQIAO_SEAL_KEY")
    actions.add_parser("key", help="print the public key checkpoints are signed with")
    made = actions.add_parser("checkpoint", help="sign the tree as it stands, keep and print the checkpoint")
    made.add_argument("--out", type=Path, help="also write it as JSON to this file, to be kept elsewhere")
    actions.add_parser("checkpoints", help="list the kept checkpoints")
    verify = actions.add_parser(
        "verify", help="recompute the tree from the store, check the seal and every checkpoint; exit 1 if not"
    )
    verify.add_argument(
        "--checkpoint", type=Path, action="append", default=[], help="a checkpoint kept outside (JSON)"
    )
    verify.add_argument("--public-key", help="base64 Ed25519 public key (default: this system's)")
    verify.add_argument("--raw", action="store_true", help="also time a raw read of the log, for the ratio")
    bundle = actions.add_parser("evidence", help="write a case's evidence bundle, with its files (JSON)")
    bundle.add_argument("dispute_id", metavar="case_id")
    bundle.add_argument(
        "--kind", default="dispute", choices=["dispute", "petition", "incident", "patrol_shift"]
    )
    bundle.add_argument("--light", action="store_true", help="the attachments' hashes only, not their bytes")
    bundle.add_argument("--out", type=Path, required=True)
    check = actions.add_parser(
        "verify-bundle", help="check an evidence bundle offline with the public key alone; exit 1 if not"
    )
    check.add_argument("file", type=Path)
    check.add_argument(
        "--public-key", help="base64 Ed25519 public key (default: this system's, from settings)"
    )


def run_seal(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "keygen":
        from service.seal.checkpoint import new_key

        print(new_key())
        return 0
    if args.action == "verify-bundle":
        return _verify_bundle(settings, args)
    from infra.bootstrap import bootstrap

    system = bootstrap(settings)
    try:
        seal = system.seal
        if args.action == "key":
            from service.seal.checkpoint import b64

            print(f"{seal.signer.origin} {seal.signer.key_id} Ed25519 {b64(seal.signer.public_key)}")
            return 0
        if args.action == "checkpoint":
            checkpoint = seal.checkpoint()
            print(checkpoint.printable(seal.signer.key_id), end="")
            if args.out:
                args.out.write_text(json.dumps(checkpoint.as_json(), indent=2) + "\n")
            return 0
        if args.action == "evidence":
            return _evidence(system, args)
        if args.action == "checkpoints":
            for cp in seal.checkpoints():
                print(f"{cp.signed_at.isoformat()}  size {cp.tree_size}  root {cp.root_hash.hex()}")
            return 0
        return _verify(system, args)
    finally:
        system.close()


def _verify(system: object, args: argparse.Namespace) -> int:
    from infra.seal_verify import Verifier
    from service.seal.checkpoint import Checkpoint, unb64

    seal = system.seal  # type: ignore[attr-defined]
    recorder = system.casebook.recorder  # type: ignore[attr-defined]
    public_key = unb64(args.public_key) if args.public_key else seal.signer.public_key
    outside = [(str(p), Checkpoint.from_json(json.loads(p.read_text()))) for p in args.checkpoint]
    head = recorder.max_notification_id() or 0

    def progress(events: int) -> None:
        width = 30
        done = min(width, int(width * events / head)) if head else width
        print(f"\r  [{'#' * done}{'.' * (width - done)}] {events} events", end="", file=sys.stderr)

    verdict = Verifier(recorder, public_key, seal.signer.origin).verify(outside, progress)
    print(file=sys.stderr)
    rate = verdict.events / verdict.seconds if verdict.seconds else 0.0
    line = (
        f"{verdict.events} events read, {verdict.sealed} sealed, in {verdict.seconds:.2f} s "
        f"({rate:,.0f} events/s)"
    )
    if args.raw:
        raw = _raw_read_seconds(recorder)
        line += f"; a raw read of the log took {raw:.2f} s (verify/raw = {verdict.seconds / raw:.1f})"
    print(line)
    print(f"root of the store's tree: {verdict.root_hash.hex()}")
    if verdict.first is not None:
        first = verdict.first
        print(f"FIRST DISAGREEMENT at notification {first.notification_id}: {first.kind} — {first.detail}")
    for problem in verdict.problems:
        print(f"PROBLEM: {problem}")
    for finding in verdict.checkpoints:
        cp = finding.checkpoint
        state = "ok" if not finding.problems else "FAILS: " + "; ".join(finding.problems)
        print(f"checkpoint {cp.tree_size} signed {cp.signed_at.isoformat()} ({finding.source}): {state}")
    print("verified: the store is what was sealed" if verdict.ok else "NOT VERIFIED")
    return 0 if verdict.ok else 1


def _raw_read_seconds(recorder: object) -> float:
    """The same log read as the verifier reads it, without hashing or comparing anything."""
    tables = recorder.seal_tables  # type: ignore[attr-defined]
    started = time.perf_counter()
    with recorder.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
        after = 0
        while batch := tables.events_after(c, after, 5000):
            after = batch[-1].notification_id
    return time.perf_counter() - started


def _evidence(system: object, args: argparse.Namespace) -> int:
    from uuid import UUID

    from domain.evidence import attachments
    from infra.seal import evidence
    from service.seal.checkpoint import b64

    casebook = system.casebook  # type: ignore[attr-defined]
    rules = system.evidence.rules[args.kind]  # type: ignore[attr-defined]
    dispute = casebook.load(rules.aggregate, UUID(args.dispute_id), rules.label)
    history = casebook.history(dispute.id, dispute.version)
    files = []
    for a in attachments(dispute).values():
        entry = {k: a[k] for k in ("id", "kind", "filename", "content_type", "size", "sha256", "version")}
        entry["superseded_by"] = a["superseded_by"]
        if not args.light:
            entry["content"] = b64(system.evidence.files.read(a["sha256"]))  # type: ignore[attr-defined]
        files.append(entry)
    readings = [
        {
            "version": e.originator_version,
            "type": type(e).__name__,
            "recorded_at": e.timestamp.isoformat(),
            "effective_at": e.effective_at.isoformat(),
            "actor": e.actor,
        }
        for e in history
    ]
    bundle = evidence(system.seal, args.kind, str(dispute.id), readings, files)  # type: ignore[attr-defined]
    args.out.write_text(json.dumps(bundle, ensure_ascii=False, indent=2) + "\n")
    print(
        f"{len(bundle['events'])} events and {len(files)} attachments, proven against the checkpoint of "
        f"{bundle['checkpoint']['tree_size']}"
    )
    return 0


def _verify_bundle(settings: Settings, args: argparse.Namespace) -> int:
    from service.seal.bundle import verify_bundle
    from service.seal.checkpoint import Signer, key_id, unb64

    if args.public_key:
        public_key = unb64(args.public_key)
    else:
        public_key = Signer.from_setting(settings.seal_signing_key(), settings.seal_origin).public_key
    bundle = json.loads(args.file.read_text())
    problems = verify_bundle(bundle, public_key)
    for problem in problems:
        print(f"FAILS: {problem}")
    if problems:
        return 1
    cp = bundle["checkpoint"]
    print(
        f"verified: {len(bundle['events'])} events of {bundle['stream']['kind']} {bundle['stream']['id']} "
        f"are in the log of {cp['origin']} (key {key_id(public_key)}) as signed at {cp['signed_at']}, "
        f"size {cp['tree_size']}"
    )
    return 0
