"""`fengqiao`: the operator's command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import Any

from infra.evidence_cli import add_evidence_commands, run_evidence
from infra.logging import configure_logging
from infra.seal_cli import add_seal_commands, run_seal
from infra.settings import Settings
from service import kinds


def _chosen(system: Any, names: list[str]) -> list[Any]:
    return [p for p in system.projections if not names or any(p.name.startswith(n) for n in names)]


def _no_such(system: Any, names: list[str]) -> int:
    print(
        f"no read model named {', '.join(names)}; there are: {', '.join(p.name for p in system.projections)}",
        file=sys.stderr,
    )
    return 2


def _rebuild(settings: Settings, *, switch: bool, names: list[str], as_json: bool = False) -> int:
    from infra.bootstrap import bootstrap

    system = bootstrap(settings)
    try:
        chosen = _chosen(system, names)
        if not chosen:
            return _no_such(system, names)
        reports = [_rebuild_one(system, projection, switch=switch, as_json=as_json) for projection in chosen]
    finally:
        system.close()
    if as_json:
        print(json.dumps(reports, ensure_ascii=False, indent=1))
    return 0 if switch or all(r["equal"] for r in reports) else 1


def _diff(settings: Settings, name: str, against: str, as_json: bool) -> int:
    """`projections diff`: one read model against its rebuild from the log (changing nothing
    live), or against another version of it kept in the views database."""
    from infra.bootstrap import bootstrap
    from projections.diff import REBUILD, VersionMissing, against_version, version_of

    system = bootstrap(settings)
    try:
        chosen = [p for p in system.projections if p.name == name] or _chosen(system, [name])
        if len(chosen) != 1:
            return _no_such(system, [name])
        [projection] = chosen
        if against == REBUILD:
            report = _rebuild_one(system, projection, switch=False, as_json=as_json)
        else:
            version = int(against.removeprefix("v"))
            if version == version_of(projection.name):
                print(f"{projection.name} is v{version}: compare it with another version", file=sys.stderr)
                return 2
            try:
                with system.views.reading() as cur:
                    differences, missing = against_version(cur, projection, version)
            except VersionMissing as absent:
                print(f"projections diff: {absent}", file=sys.stderr)
                return 2
            report = _shown(system, projection, differences, against, as_json, missing=missing)
    finally:
        system.close()
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0 if report["equal"] else 1


def _rebuild_one(system: Any, projection: Any, *, switch: bool, as_json: bool = False) -> dict[str, Any]:
    """Rebuilds or verifies one read model; prints what it found (unless `as_json`, for the
    caller to print) and returns it as JSON."""
    from projections.rebuild import rebuild

    def progress(position: int, head: int) -> None:
        width = 30
        done = int(width * position / head) if head else width
        print(f"\r  [{'#' * done}{'.' * (width - done)}] {position}/{head}", end="", file=sys.stderr)

    report = rebuild(system.reader, system.views, projection, switch=switch, progress=progress)
    print(file=sys.stderr)
    facts = {
        "rows": report.rows,
        "position": report.position,
        "live_position": report.live_position,
        "head": report.head,
        "behind": report.behind,
        "switched": report.switched,
    }
    if not as_json:
        verdict = "equal to" if report.equal else f"{len(report.differences)} differences from"
        print(
            f"{report.projection}: rebuilt {report.rows} rows up to notification {report.position}, "
            f"{verdict} the live read model there"
        )
    shown = _shown(system, projection, report.differences, "rebuild", as_json, facts=facts)
    if not as_json:
        lag = (
            "up to date with the log"
            if not report.behind
            else f"{report.behind} events behind the log (at notification {report.live_position}, "
            f"the log at {report.head}); is the projector running? see /ready"
        )
        print(f"  the live read model {'was ' if report.switched else 'is '}{lag}")
        if report.switched:
            print("switched: the rebuilt read model is now live")
    return shown


SHOWN = 50  # differences printed as text (JSON has them all)


def _shown(
    system: Any,
    projection: Any,
    differences: list[Any],
    against: str,
    as_json: bool,
    *,
    missing: Sequence[str] = (),
    facts: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Prints each difference with the events behind it (as text, unless `as_json`); returns
    the lot as JSON."""
    from projections.diff import events_behind

    if not as_json and facts is None:  # against a version (a rebuild says its own first line)
        verdict = "equal to" if not differences else f"{len(differences)} differences from"
        print(f"{projection.name}: {verdict} {against}, row by row")
    found = []
    for i, difference in enumerate(differences):
        if not as_json and i >= SHOWN:  # not printed: not looked up
            found.append(difference.as_json())
            continue
        events = events_behind(system.casebook, difference, tuple(projection.topics))
        found.append(difference.as_json(events))
        if as_json:
            continue
        print(f"  {difference}")
        for event in events:
            print(f"      {event}")
    if not as_json:
        for table in missing:
            print(f"  {table}: the views database holds no {against} of it; not compared")
        if len(differences) > SHOWN:
            print(f"  … and {len(differences) - SHOWN} more (--format json lists them all)")
    return {
        "read_model": projection.name,
        "against": against,
        "equal": not differences,
        **(facts or {}),
        "not_compared": list(missing),
        "differences": found,
    }


# what a person types → the case kind the clocks are kept under
EXPLAINED = {
    "dispute": kinds.DISPUTE,
    "petition": kinds.PETITION,
    "incident": kinds.INCIDENT,
    "shift": kinds.PATROL_SHIFT,
}


def _explain(settings: Settings, kind: str, case_id: str, lang: str = "en") -> int:
    from datetime import datetime

    from domain.time.explain import explain
    from infra.binding import store_label
    from infra.bootstrap import bootstrap
    from web import i18n
    from web.explain import explained

    system = bootstrap(settings)
    print(f"(reading {store_label(settings)})", file=sys.stderr)
    found = system.casebook.deadlines.clocks(EXPLAINED[kind], case_id)
    if found is None or not found.clocks:
        print(
            f"no clocks recorded for {kind} {case_id} in {store_label(settings)} — is this the running "
            "system's store? Set FENGQIAO_VAR_DIR (or FENGQIAO_STORE and FENGQIAO_PG_*) as it was started",
            file=sys.stderr,
        )
        system.close()
        return 1
    now, directory = datetime.now(UTC), system.casebook.current_directory()
    gettext = i18n.translations(lang).gettext

    def node_name(code: str) -> str:
        node = directory.node(code)
        return node.name_at(now) if node else code

    for clock in sorted(found.clocks.values(), key=lambda c: c.started_at):
        lines = explain(clock, now) if lang == "en" else explained(clock, now, gettext, node_name)
        print("\n".join(lines), end="\n\n")
    system.close()
    return 0


def _score(settings: Settings, unit: str, year: int, as_of: str | None, known_on: str | None) -> int:
    from datetime import datetime

    from domain.time.calendar import shown
    from infra.bootstrap import bootstrap

    system = bootstrap(settings)
    card = system.scores.card(
        unit,
        year,
        as_of=datetime.fromisoformat(as_of) if as_of else None,
        known_on=datetime.fromisoformat(known_on) if known_on else None,
    )
    system.close()
    if card is None:
        print(f"no responsibility book for {unit}'s township in {year}", file=sys.stderr)
        return 1
    print(
        f"{card.unit} {card.year}, as of {shown(card.as_of)}"
        + (f", as known on {shown(card.as_known_on)}" if card.as_known_on else "")
        + f" — template {card.version} (used: {', '.join(card.versions_used)})"
    )
    for section in card.sections:
        print(f"\n{section['title']}: {section['score']:g}")
        for item in section["items"]:
            print(f"  {item.code} {item.title}: {item.score:g} of {item.max:g}")
            for d in item.deductions:
                print(f"    {d.points:+g}  {d.rule} [{d.version}] {d.note} {' '.join(d.facts)}".rstrip())
            if item.zeroed_by:
                print(f"    item 0: {' '.join(item.zeroed_by)}")
    print(
        f"\ntotal {card.total:g} — "
        + ("void (vetoed)" if card.void else "passed" if card.passed else "not passed")
    )
    for hit in card.vetoes:
        print(f"  veto {hit.trigger} by {hit.fact}" + (f", lifted: {hit.review}" if hit.lifted else ""))
    for line in card.pay:
        print(
            f"  pay {line.person_id} ({line.post}, {line.months:g} months): basic {line.basic:g} + "
            f"floating {line.floating:g} = {line.total:g}" + "".join(f"; {n}" for n in line.deductions)
        )
    return 0


OPERATOR = "system:operator"  # whoever runs the command line on the server


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    from infra.backup import BackupError, backup, restore

    try:
        if args.command == "backup":
            made = backup(settings, args.folder)
            print(f"backed up the {made.store} store up to notification {made.head} into {args.folder}")
        else:
            made = restore(settings, args.folder, replace=args.replace, fresh_temporal=args.fresh_temporal)
            print(
                f"restored the {made.store} store of {made.made_at} (up to notification {made.head}); "
                "now run `fengqiao seal verify` and `fengqiao projections verify`"
            )
            if args.fresh_temporal:
                print(
                    f"bound to Temporal namespace {settings.temporal_namespace!r}: on start the dispatcher "
                    "starts every case's clock again from the log"
                )
    except BackupError as failure:
        print(f"{args.command}: {failure}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    """Runs a command; a refusal to start (a missing database, schema, file, folder or key, a
    malformed file or setting) is one line on stderr saying what and what to do, and exit 2."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from infra.bootstrap import ConfigurationError
    from infra.directory import DirectoryFileError
    from infra.rules_files import RulesFileError

    try:
        return _main(argv)
    except (ConfigurationError, DirectoryFileError, RulesFileError, SettingsError) as refusal:
        print(f"fengqiao: {refusal}", file=sys.stderr)
        return 2
    except ValidationError as bad:
        for error in bad.errors():
            name = "FENGQIAO_" + "_".join(str(part) for part in error["loc"]).upper()
            print(f"fengqiao: cannot start: {name}: {error['msg']}", file=sys.stderr)
        return 2


def _against(value: str) -> str:
    if value == "rebuild" or (value.startswith("v") and value[1:].isdigit()):
        return value
    raise argparse.ArgumentTypeError(f"{value!r}: say rebuild, or a version such as v2")


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fengqiao", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    run = commands.add_parser(
        "run", help="the whole system: Temporal dev server, worker, dispatcher, projector and API"
    )
    run.add_argument(
        "--no-temporal-server",
        action="store_true",
        help="use the Temporal server at FENGQIAO_TEMPORAL_ADDRESS instead",
    )
    commands.add_parser("api", help="the HTTP API alone")
    commands.add_parser("worker", help="the Temporal worker alone")
    commands.add_parser("dispatcher", help="the dispatcher alone (notification log → Temporal)")
    commands.add_parser("projector", help="the projection runner alone")
    commands.add_parser("events", help="print the event catalogue (docs/events.md)")
    commands.add_parser(
        "keygen",
        help=(
            "print a new secret key, for FENGQIAO_CIPHER_KEY or FENGQIAO_ID_KEY "
            "(seal keygen: FENGQIAO_SEAL_KEY)"
        ),
    )
    directory = commands.add_parser("directory", help="the directory file")
    directory.add_subparsers(dest="action", required=True, metavar="action").add_parser(
        "load", help="load FENGQIAO_DIRECTORY_FILE into the directory (idempotent)"
    )
    commands.add_parser(
        "enrolment", help="issue a one-time enrolment code for a person's first password (the operator's)"
    ).add_argument("person_id")
    projections = commands.add_parser("projections", help="rebuild, verify or diff read models")
    which = projections.add_subparsers(dest="action", required=True, metavar="action")
    formats = {"choices": ["text", "json"], "default": "text", "help": "text (default) or json, for machines"}
    for action, text in (
        ("rebuild", "rebuild from zero beside the live one, compare, switch over"),
        ("verify", "rebuild from zero, compare with live, change nothing; exit 1 if they differ"),
    ):
        verb = which.add_parser(action, help=text)
        verb.add_argument("names", nargs="*", help="which read models (default: all)")
        verb.add_argument("--format", **formats)  # type: ignore[arg-type]
    diff = which.add_parser(
        "diff",
        help="the auditor's diff: one read model's differing rows, with the events behind them; "
        "exit 0 when equal, 1 when they differ",
        description="Compares the live read model row by row with a rebuild of it from the log "
        "(made beside it in scratch tables and dropped: nothing live changes) or with the tables of "
        "another version of it kept in the views database, and prints each row that differs: its key, "
        "its kind (only in live, only in the other, changed), the columns that differ with both "
        "values, and the events of the streams the row names (notification id, stream, version, "
        "topic, kind, times; never their content). Exit 0 when equal, 1 when they differ, 2 when "
        "there is no such read model or version.",
    )
    diff.add_argument("name", help="the read model (its name, or the start of it: dispute_statistics)")
    diff.add_argument(
        "--against",
        default="rebuild",
        type=_against,
        metavar="rebuild|vN",
        help="rebuild (default): a rebuild from the log up to where the live model is; "
        "vN: the tables of version N of the read model, left in the views database by a release",
    )
    diff.add_argument("--format", **formats)  # type: ignore[arg-type]
    score = commands.add_parser("score", help="a village's score for a year, explained")
    score.add_argument("unit", help="the village's node code")
    score.add_argument("year", type=int)
    score.add_argument("--as-of", help="a business date-time with offset (default: now)")
    score.add_argument("--as-known-on", help="only what had been recorded by then (for auditors)")
    add_seal_commands(commands)
    add_evidence_commands(commands)
    explain = commands.add_parser("explain", help="explain every clock of a case")
    explain.add_argument("kind", choices=list(EXPLAINED))
    explain.add_argument("case_id")
    explain.add_argument(
        "--lang",
        choices=["en", "zh-CN"],
        default="en",
        help="the language of the sentences (default: en, with the codes as recorded)",
    )
    saved = commands.add_parser("backup", help="back up the event store, the seal and the read models")
    saved.add_argument("folder", type=Path, help="a new or empty folder")
    restored = commands.add_parser("restore", help="restore a backup into the configured store")
    restored.add_argument("folder", type=Path)
    restored.add_argument("--replace", action="store_true", help="replace an existing SQLite store")
    restored.add_argument(
        "--fresh-temporal",
        action="store_true",
        help="Temporal's state was lost too: the dispatcher starts every case's clock again from the log",
    )
    args = parser.parse_args(argv)

    if args.command == "events":
        from domain.catalogue import render

        print(render(), end="")
        return 0
    if args.command == "seal" and args.action == "keygen":
        return run_seal(Settings(), args)
    if args.command == "keygen":
        from eventsourcing.cryptography import AESCipher

        print(AESCipher.create_key(32))
        return 0
    settings = Settings()
    configure_logging(settings.log_level, component=args.command)
    if args.command == "directory":
        from infra.bootstrap import bootstrap

        system = bootstrap(settings)
        print(f"{system.seed()} changes to the directory from {settings.directory_file}")
        system.close()
        return 0
    if args.command == "enrolment":
        from domain.errors import DomainError
        from infra.bootstrap import bootstrap

        system = bootstrap(settings)
        try:
            system.seed()  # the file's people, if no one has loaded it yet (idempotent)
            desk = system.identity.desk
            code, expires_at = desk.issue_enrolment(OPERATOR, args.person_id, by_operator=True)
        except DomainError as refused:
            print(refused.message, file=sys.stderr)
            return 1
        finally:
            system.close()
        print(f"{code}\t(works once, until {expires_at.isoformat()})")
        return 0
    if args.command == "run":
        from infra.supervisor import supervise

        supervise(settings, with_temporal=not args.no_temporal_server)
        return 0
    if args.command == "projections":
        if args.action == "diff":
            return _diff(settings, args.name, args.against, args.format == "json")
        return _rebuild(
            settings, switch=args.action == "rebuild", names=args.names, as_json=args.format == "json"
        )
    if args.command == "score":
        return _score(settings, args.unit, args.year, args.as_of, args.as_known_on)
    if args.command == "explain":
        return _explain(settings, args.kind, args.case_id, args.lang)
    if args.command == "seal":
        return run_seal(settings, args)
    if args.command == "evidence":
        return run_evidence(settings)
    if args.command in ("backup", "restore"):
        return _backup_or_restore(settings, args)
    from infra import components

    {
        "api": components.run_api,
        "worker": components.run_worker,
        "dispatcher": components.run_dispatcher,
        "projector": components.run_projector,
    }[args.command](settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
