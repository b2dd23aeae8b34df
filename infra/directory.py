"""The jurisdiction tree and the people who act in it, with their API tokens, from a TOML file.

Tokens are compared by SHA-256 digest; a file may give `token_sha256` (production) or a
plain `token` (local development only).
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from domain.jurisdiction import Jurisdiction, Node, NodeKind
from domain.people import Person, Post


class DirectoryError(Exception):
    """The directory file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Directory:
    tree: Jurisdiction
    people: dict[str, Person]
    token_digests: dict[str, str]

    def authenticate(self, token: str) -> Person | None:
        digest = _digest(token)
        for candidate, person_id in self.token_digests.items():
            if hmac.compare_digest(candidate, digest):
                return self.people[person_id]
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_directory(path: Path) -> Directory:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DirectoryError(f"{path}: no such file (set FENGQIAO_DIRECTORY_FILE)") from None
    except tomllib.TOMLDecodeError as bad:
        raise DirectoryError(f"{path}: {bad}") from None
    return parse_directory(data, str(path))


def parse_directory(data: dict[str, Any], source: str = "directory") -> Directory:
    try:
        tree = Jurisdiction(
            Node(id=n["id"], name=n["name"], kind=NodeKind(n["kind"]), parent=n.get("parent"))
            for n in data.get("node", [])
        )
    except (KeyError, ValueError) as bad:
        raise DirectoryError(f"{source}: node: {_explain(bad)}") from None
    people: dict[str, Person] = {}
    digests: dict[str, str] = {}
    for i, p in enumerate(data.get("person", []), start=1):
        where = f"{source}: person #{i}"
        try:
            person = Person(id=p["id"], name=p["name"], post=Post(p["post"]), node=p["node"])
        except (KeyError, ValueError) as bad:
            raise DirectoryError(f"{where}: {_explain(bad)}") from None
        if tree.get(person.node) is None:
            raise DirectoryError(f"{where}: node {person.node!r} is not in the tree")
        if person.id in people:
            raise DirectoryError(f"{where}: id {person.id!r} is used twice")
        digest = p.get("token_sha256") or (_digest(p["token"]) if p.get("token") else None)
        if digest is None:
            raise DirectoryError(f"{where}: give token_sha256 (or token, for development)")
        if digest in digests:
            raise DirectoryError(f"{where}: the token is already given to {digests[digest]!r}")
        people[person.id] = person
        digests[digest] = person.id
    return Directory(tree=tree, people=people, token_digests=digests)


def _explain(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"missing field {error.args[0]!r}"
    return str(error)
