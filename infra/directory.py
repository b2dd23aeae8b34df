"""The directory file: the jurisdiction tree, the people and their posts to seed the
event-sourced directory with, and each person's API token.

Tokens are compared by SHA-256 digest; a file may give `token_sha256` or a plain `token`, in
development only: production refuses both (people sign in with passwords, machines use API
tokens issued through the API, stored salted and revocable). Seeding is idempotent: each node, person and post
is one command whose id is derived from the file, so loading the file again changes
nothing, and what was changed since through the API is not undone.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from domain.directory.access import Post
from domain.directory.jurisdiction import PARENT_KIND, NodeKind
from domain.errors import DomainError
from service.casebook import Casebook
from service.directory import SEED_ACTOR
from service.store import CommandMeta

DEFAULT_SINCE = datetime(2026, 1, 1, tzinfo=UTC)


class DirectoryFileError(Exception):
    """The directory file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Credentials:
    """Which person a bearer token belongs to."""

    digests: dict[str, str] = field(default_factory=dict)

    def authenticate(self, token: str) -> str | None:
        digest = _digest(token)
        for candidate, person_id in self.digests.items():
            if hmac.compare_digest(candidate, digest):
                return person_id
        return None


@dataclass(frozen=True)
class DirectoryFile:
    since: datetime
    nodes: list[dict[str, Any]]
    people: list[dict[str, Any]]
    credentials: Credentials
    plain_tokens: bool = False
    token_holders: tuple[str, ...] = ()  # people given a token (plain or token_sha256) in the file


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read_directory_file(path: Path) -> DirectoryFile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DirectoryFileError(f"{path}: no such file (set FENGQIAO_DIRECTORY_FILE)") from None
    except tomllib.TOMLDecodeError as bad:
        raise DirectoryFileError(f"{path}: {bad}") from None
    return parse_directory_file(data, str(path))


def parse_directory_file(data: dict[str, Any], source: str = "directory") -> DirectoryFile:
    since = data.get("directory", {}).get("since", DEFAULT_SINCE)
    if not isinstance(since, datetime) or since.tzinfo is None:
        raise DirectoryFileError(f"{source}: [directory] since must be a date-time with an offset")
    nodes = data.get("node", [])
    for i, node in enumerate(nodes, start=1):
        _require(node, ("id", "name", "kind"), f"{source}: node #{i}")
        if node["kind"] not in {k.value for k in NodeKind}:
            raise DirectoryFileError(f"{source}: node #{i}: kind must be one of {', '.join(NodeKind)}")
    digests: dict[str, str] = {}
    for i, person in enumerate(data.get("person", []), start=1):
        where = f"{source}: person #{i}"
        _require(person, ("id", "name"), where)
        for post in person.get("posts", []):
            _require(post, ("post", "node"), f"{where}: posts")
            if post["post"] not in {p.value for p in Post}:
                raise DirectoryFileError(f"{where}: post {post['post']!r} is not one of {', '.join(Post)}")
        digest = person.get("token_sha256") or (_digest(person["token"]) if person.get("token") else None)
        if digest is None:
            continue  # signs in with a password (enrolment code) and uses API tokens
        if digest in digests:
            raise DirectoryFileError(f"{where}: the token is already given to {digests[digest]!r}")
        digests[digest] = person["id"]
    people = data.get("person", [])
    plain = any(p.get("token") for p in people)
    holders = tuple(digests.values())
    return DirectoryFile(since, _parents_first(nodes, source), people, Credentials(digests), plain, holders)


def _require(entry: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if not entry.get(key):
            raise DirectoryFileError(f"{where}: missing field {key!r}")


def _parents_first(nodes: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    order = list(PARENT_KIND)
    return sorted(nodes, key=lambda n: order.index(NodeKind(n["kind"])))


def seed_directory(casebook: Casebook, file: DirectoryFile) -> int:
    """Issues the file's commands; returns how many changed the directory."""
    desk, at, changed = casebook.directory, file.since, 0

    def run(command_id: str, call: Any) -> None:
        nonlocal changed
        before = casebook.current_directory().version
        try:
            call(CommandMeta(command_id=command_id, effective_at=at))
        except DomainError as refused:
            raise DirectoryFileError(f"{command_id}: {refused}") from None
        changed += casebook.current_directory().version != before

    for n in file.nodes:
        run(
            f"seed:node:{n['id']}",
            lambda meta, n=n: desk.create_node(
                SEED_ACTOR,
                code=n["id"],
                name=n["name"],
                kind=NodeKind(n["kind"]),
                parent=n.get("parent"),
                meta=meta,
                authorise=False,
            ),
        )
    for p in file.people:
        run(
            f"seed:person:{p['id']}",
            lambda meta, p=p: desk.register_person(
                SEED_ACTOR,
                person_id=p["id"],
                name=p["name"],
                phone=p.get("phone"),
                node="",
                meta=meta,
                authorise=False,
            ),
        )
        for post in p.get("posts", []):
            run(
                f"seed:post:{p['id']}:{post['post']}:{post['node']}",
                lambda meta, p=p, post=post: desk.take_post(
                    SEED_ACTOR,
                    person_id=p["id"],
                    post=Post(post["post"]),
                    node=post["node"],
                    meta=meta,
                    authorise=False,
                ),
            )
    return changed
