"""The command routes are one table each, and their names line up with the desks and events."""

from __future__ import annotations

import inspect
import re
from collections import Counter

from api.app import create_api
from api.commands import COMMANDS
from infra.bootstrap import System


def test_every_command_route_is_named_after_the_desk_method_it_calls(sqlite_system: System):
    paths = create_api(sqlite_system).openapi()["paths"]
    posted = {(path, ops["post"]["operationId"]) for path, ops in paths.items() if "post" in ops}
    assert len(COMMANDS) == 16 + 5 + 17 + 14 + 2  # disputes, incidents, petitions, patrols, sweeps
    for kind, command in COMMANDS:
        desk = kind.desk(sqlite_system.casebook)
        method = getattr(type(desk), command.method, None)
        assert callable(method), f"{type(desk).__name__} has no method {command.method}"
        parameters = inspect.signature(method).parameters
        assert set(command.fields) <= set(parameters), (command.method, command.fields)
        assert "meta" in parameters
        path = f"{kind.base}/{{{kind.id_param}}}/{command.path}"
        assert any(p.endswith(path) and op.startswith(f"{command.method}_") for p, op in posted), path


def test_each_command_names_an_event_of_its_own_case_and_a_method_once():
    for kind, command in COMMANDS:
        aggregate = command.event.__qualname__.split(".")[0]
        assert aggregate.lower() == kind.name, (kind.name, command.event)
    names = Counter((kind.name, command.method) for kind, command in COMMANDS)
    assert max(names.values()) == 1, names.most_common(1)


def test_a_node_is_named_one_way_in_every_path(sqlite_system: System):
    paths = create_api(sqlite_system).openapi()["paths"]
    names = {name for path in paths for name in re.findall(r"{(\w+)}", path)}
    assert "node" in names
    assert not names & {"code", "unit", "township", "village", "village_id"}, names
