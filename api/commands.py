"""One way to write a command route: POST a body to `/<cases>/{<case>_id}/<path>`, call one desk
method with the caller, the case id, the body's fields as keyword arguments and the command's
metadata, and answer with the case as it now stands (ETag: its version).

A command is one row of a table (`Command`); a kind of case (`CaseKind`) says which desk serves it,
how the case is shown and under which name it is logged. Names line up: the desk method is the
route's operation name, and its event is the past tense of the same verb
(`reach_agreement` → `AgreementReached`, logged `dispute.agreement_reached`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

import structlog
from eventsourcing.domain import Aggregate
from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from api.schemas import In
from infra.bootstrap import System
from service import telemetry
from service.casebook import Casebook

log = structlog.get_logger()
Case = TypeVar("Case", bound=Aggregate)
COMMANDS: list[tuple[CaseKind[Any], Command]] = []  # every command route added, for the tests and docs


def snake(name: str) -> str:
    """`AgreementReached` → `agreement_reached`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class CaseKind(Generic[Case]):
    """The cases a family of command routes acts on."""

    name: str  # the case's name in paths, ids and logs: "dispute" → {dispute_id}, dispute.<event>
    desk: Callable[[Casebook], Any]  # the desk whose methods the commands call
    public: type[BaseModel]  # the response model
    show: Callable[[System, str, Case], BaseModel]  # the case as the caller (a person id) may see it
    base: str = ""  # the path under the router's prefix before /{<name>_id}
    log_name: str = ""  # the prefix of the log line, if not `name`
    context: Callable[[Case], dict[str, str]] | None = None  # more to bind to the log context

    @property
    def id_param(self) -> str:
        return f"{self.name}_id"

    def answer(self, response: Response, system: System, person: str, case: Case, action: str) -> BaseModel:
        """The case as it now stands: its version as the ETag, one log line naming what happened."""
        response.headers["ETag"] = f'"{case.version}"'
        context = {self.id_param: str(case.id)} | (self.context(case) if self.context else {})
        structlog.contextvars.bind_contextvars(**context)
        log.info(f"{self.log_name or self.name}.{action}", version=case.version, status=case.status.value)
        return self.show(system, person, case)


@dataclass(frozen=True)
class Command:
    """One command route: `POST .../{<case>_id}/<path>` with a `body` calls `desk.<method>`.

    `fields` are body fields passed as keyword arguments of the same name; `derived` computes the
    keyword arguments that are not a plain field (a nested model dumped, a value assembled)."""

    path: str
    body: type[In]
    method: str  # the desk method, and the route's operation name
    event: type[Aggregate.Event]  # the event the command records, which names the log line
    summary: str
    fields: tuple[str, ...] = ()
    derived: Callable[[Any], dict[str, Any]] | None = None

    def arguments(self, body: In) -> dict[str, Any]:
        arguments = {name: getattr(body, name) for name in self.fields}
        if self.derived is not None:
            arguments |= self.derived(body)
        return arguments


def add_commands(router: APIRouter, kind: CaseKind[Any], *commands: Command) -> None:
    """Add one POST route to `router` for each command on cases of `kind`."""
    for command in commands:
        _add(router, kind, command)
        COMMANDS.append((kind, command))


def _add(router: APIRouter, kind: CaseKind[Any], command: Command) -> None:
    action = snake(command.event.__name__)

    def endpoint(
        case_id: UUID,
        body: Any,
        person: CurrentPerson,
        system: SystemDep,
        response: Response,
        meta: Meta,
    ) -> Any:
        call = getattr(kind.desk(system.casebook), command.method)
        try:
            case = call(person, case_id, **command.arguments(body), meta=meta_for(body, meta))
        except Exception as refused:
            telemetry.command_refused(kind.name, action, refused)
            raise
        telemetry.command_accepted(kind.name, action)
        return kind.answer(response, system, person, case, action)

    endpoint.__annotations__["case_id"] = Annotated[UUID, Path(alias=kind.id_param)]
    endpoint.__annotations__["body"] = command.body
    endpoint.__doc__ = command.summary
    router.add_api_route(
        f"{kind.base}/{{{kind.id_param}}}/{command.path}",
        endpoint,
        methods=["POST"],
        response_model=kind.public,
        name=command.method,
        summary=command.summary.rstrip("."),
    )
