"""What the identity tables need of a database: the read-model database's seam (infra/sql.py)
fits it, and the composition root passes that one in."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol


class Cursor(Protocol):
    """Statements with `?` placeholders; rows as dicts."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def fetchall(self) -> list[dict[str, Any]]: ...
    def fetchone(self) -> dict[str, Any] | None: ...


class Database(Protocol):
    def transaction(self) -> AbstractContextManager[Cursor]: ...
    def reading(self) -> AbstractContextManager[Cursor]: ...
