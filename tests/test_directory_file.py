"""The directory file: a malformed file is refused with where and why; loading is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.bootstrap import System
from infra.directory import (
    DirectoryFileError,
    parse_directory_file,
    read_directory_file,
    seed_directory,
)


def test_a_file_that_is_not_toml_is_refused_with_its_line(tmp_path: Path):
    bad = tmp_path / "d.toml"
    bad.write_text('[[node]]\nid = "a"\nname = \n', encoding="utf-8")
    with pytest.raises(DirectoryFileError, match=r"d\.toml: .*line 3"):
        read_directory_file(bad)


def test_a_missing_file_says_which_setting_names_it(tmp_path: Path):
    with pytest.raises(DirectoryFileError, match="FENGQIAO_DIRECTORY_FILE"):
        read_directory_file(tmp_path / "none.toml")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"node": [{"id": "a", "kind": "county"}]}, "node #1: missing field 'name'"),
        ({"node": [{"id": "a", "name": "A", "kind": "city"}]}, "node #1: kind must be one of"),
        (
            {"person": [{"id": "p", "name": "P", "token": "t", "posts": [{"post": "mayor", "node": "a"}]}]},
            "person #1: post 'mayor' is not one of",
        ),
        (
            {"person": [{"id": "p", "name": "P", "token": "t"}, {"id": "q", "name": "Q", "token": "t"}]},
            "person #2: the token is already given to 'p'",
        ),
        ({"directory": {"since": "yesterday"}}, "since must be a date-time with an offset"),
    ],
)
def test_a_malformed_entry_is_refused_naming_it(data: dict, message: str):
    with pytest.raises(DirectoryFileError, match=message):
        parse_directory_file(data, "dev.toml")


def test_loading_the_file_again_changes_nothing(system: System):
    before = system.casebook.recorder.max_notification_id()
    assert system.seed() == 0
    assert system.casebook.recorder.max_notification_id() == before


def test_an_entry_the_directory_refuses_names_its_command(system: System):
    file = parse_directory_file(
        {"node": [{"id": "orphan", "name": "O", "kind": "village", "parent": "nowhere"}]}
    )
    with pytest.raises(DirectoryFileError, match="seed:node:orphan: parent: no node 'nowhere'"):
        seed_directory(system.casebook, file)
