"""`fengqiao evidence verify`: every stored attachment checked against the hash its event recorded."""

from __future__ import annotations

from typing import Any

from infra.settings import Settings


def add_evidence_commands(commands: Any) -> None:
    evidence = commands.add_parser("evidence", help="the files attached to cases")
    actions = evidence.add_subparsers(dest="action", required=True, metavar="action")
    actions.add_parser(
        "verify", help="check every stored file against the SHA-256 its event recorded; exit 1 if any differs"
    )


def run_evidence(settings: Settings) -> int:
    from infra.bootstrap import bootstrap

    system = bootstrap(settings)
    try:
        desk = system.evidence
        problems = desk.verify()
        for problem in problems:
            print(f"FAILS: {problem}")
        checked = sum(1 for _ in desk.every_attachment())
        if problems:
            print(f"{len(problems)} of {checked} attachments are not the files their events recorded")
            return 1
        print(f"verified: all {checked} attachments are the files their events recorded")
        return 0
    finally:
        system.close()
