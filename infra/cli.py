"""`fengqiao`: the operator's command line."""

from __future__ import annotations

import argparse
import sys

from infra.logging import configure_logging
from infra.settings import Settings


def _rebuild(settings: Settings, *, switch: bool) -> int:
    from infra.bootstrap import bootstrap
    from projections.rebuild import rebuild

    system = bootstrap(settings)

    def progress(position: int, head: int) -> None:
        width = 30
        done = int(width * position / head) if head else width
        print(f"\r  [{'#' * done}{'.' * (width - done)}] {position}/{head}", end="", file=sys.stderr)

    report = rebuild(system.reader, system.views, system.statistics, switch=switch, progress=progress)
    print(file=sys.stderr)
    verdict = "equal to" if report.equal else f"{len(report.differences)} differences from"
    print(f"{report.projection}: rebuilt {report.rows} rows up to notification {report.position}, "
          f"{verdict} the live read model")
    for line in report.differences[:50]:
        print("  " + line)
    if report.switched:
        print("switched: the rebuilt read model is now live")
    system.close()
    return 0 if report.equal or switch else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fengqiao", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    run = commands.add_parser("run", help="the whole system: Temporal dev server, worker, "
                              "dispatcher, projector and API")
    run.add_argument("--no-temporal-server", action="store_true",
                     help="use the Temporal server at FENGQIAO_TEMPORAL_ADDRESS instead")
    commands.add_parser("api", help="the HTTP API alone")
    commands.add_parser("worker", help="the Temporal worker alone")
    commands.add_parser("dispatcher", help="the dispatcher alone (notification log → Temporal)")
    commands.add_parser("projector", help="the projection runner alone")
    commands.add_parser("events", help="print the event catalogue (docs/events.md)")
    commands.add_parser("keygen", help="print a new secret key, for FENGQIAO_CIPHER_KEY or FENGQIAO_ID_KEY")
    directory = commands.add_parser("directory", help="the directory file")
    directory.add_subparsers(dest="action", required=True, metavar="action").add_parser(
        "load", help="load FENGQIAO_DIRECTORY_FILE into the directory (idempotent)")
    projections = commands.add_parser("projections", help="rebuild or verify read models")
    which = projections.add_subparsers(dest="action", required=True, metavar="action")
    which.add_parser("rebuild", help="rebuild from zero beside the live one, compare, switch over")
    which.add_parser("verify", help="rebuild from zero, compare with live, change nothing; "
                     "exit 1 if they differ")
    args = parser.parse_args(argv)

    if args.command == "events":
        from domain.catalogue import render

        print(render(), end="")
        return 0
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
    if args.command == "run":
        from infra.supervisor import supervise

        supervise(settings, with_temporal=not args.no_temporal_server)
        return 0
    if args.command == "projections":
        return _rebuild(settings, switch=args.action == "rebuild")
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
