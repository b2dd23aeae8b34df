"""Making and checking secrets: Argon2id for passwords, random codes and tokens digested by SHA-256.

Codes and tokens are long random strings, so a fast digest is enough to keep them from being
read back; a password is chosen by a person, so its hash must be slow and memory-hard.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
CODE_LENGTH = 16  # 80 bits
TOKEN_PREFIX = "fq_"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_id() -> str:
    return secrets.token_hex(8)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def enrolment_code(person_id: str, secret: str) -> str:
    """The code carries the person it is for; the secret part has no dot."""
    return f"{person_id}.{secret}"


def split_enrolment_code(code: str) -> tuple[str, str] | None:
    person_id, dot, secret = code.strip().rpartition(".")
    return (person_id, secret.upper()) if dot and person_id and secret else None


def api_token(person_id: str, token_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}{person_id}.{token_id}.{secret}"


def split_api_token(token: str) -> tuple[str, str, str] | None:
    """(person, token id, secret) of a token this system issued, or None for any other string."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    parts = token[len(TOKEN_PREFIX) :].rsplit(".", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], parts[1], parts[2]


@dataclass
class PasswordHashing:
    """Argon2id with the given cost; `verify` takes as long for a person with no password."""

    time_cost: int = 3
    memory_kib: int = 65536
    parallelism: int = 4
    _hasher: PasswordHasher = field(init=False, repr=False)
    _dummy: str | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._hasher = PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=self.parallelism
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Made with other parameters than this hasher's (argon2-cffi's check_needs_rehash)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return False

    def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            self._dummy = self._dummy or self._hasher.hash(new_secret())
            password_hash = self._dummy  # a random password's hash: costs the same, never matches
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
