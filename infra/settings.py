"""All configuration, read once from FENGQIAO_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development only: a fixed key, public in this file, so that a developer's store keeps the same
# petitioner ids from run to run. Production refuses to start without FENGQIAO_ID_KEY
# (infra/bootstrap.py: check_settings), and refuses this one.
DEVELOPMENT_ID_KEY = "fengqiao-development-only-id-key-not-secret"
ID_KEY_MIN_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FENGQIAO_", extra="ignore")

    mode: Literal["development", "production"] = "development"
    cipher_key: SecretStr | None = Field(
        None, description="AES key for personal data at rest (fengqiao keygen makes one)"
    )
    id_key: SecretStr | None = Field(
        None,
        description="secret key of the keyed hash (HMAC-SHA256) that turns a petitioner's identity "
        "number into the id of their record; never change it once petitions are stored (fengqiao keygen makes one)",
    )
    store: Literal["sqlite", "postgres"] = "sqlite"
    var_dir: Path = Path("var")
    directory_file: Path = Field(
        Path("config/dev.toml"), description="jurisdiction tree and people with their tokens"
    )
    policy_dir: Path = Field(Path("config/policy"), description="deadline policy files loaded at start")
    calendar_dir: Path = Field(
        Path("config/calendars"), description="business calendar files loaded at start"
    )
    template_dir: Path = Field(
        Path("config/assessment"), description="responsibility-book templates loaded at start"
    )

    pg_host: str = "127.0.0.1"
    pg_port: int = 5432
    pg_user: str = "postgres"
    pg_password: str = ""
    pg_dbname: str = "fengqiao"
    pg_schema: str = "public"
    pg_connect_timeout: float = Field(
        10, gt=0, description="seconds to wait for a PostgreSQL connection before an attempt fails"
    )

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_ui_port: int = 8233
    task_queue: str | None = Field(
        None,
        description="the store's task queue; by default the one recorded in the store (infra/binding.py)",
    )

    api_host: str = "127.0.0.1"
    api_port: int = 8000
    poll_interval: float = Field(0.5, gt=0, description="seconds between notification log polls")
    ready_max_lag: int = Field(
        1000, ge=0, description="notifications a follower may be behind the log and still be ready"
    )
    log_level: str = "info"

    def petitioner_id_key(self) -> bytes:
        """The key for petitioner ids: FENGQIAO_ID_KEY, or in development the fixed development key."""
        if self.id_key is not None and self.id_key.get_secret_value():
            return self.id_key.get_secret_value().encode("utf-8")
        if self.mode == "production":
            raise ValueError("FENGQIAO_ID_KEY is required in production")
        return DEVELOPMENT_ID_KEY.encode("utf-8")

    @property
    def sqlite_events_path(self) -> Path:
        return self.var_dir / "events.sqlite"

    @property
    def sqlite_views_path(self) -> Path:
        return self.var_dir / "views.sqlite"

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing library's configuration for this store and cipher."""
        cipher = {}
        if self.cipher_key is not None:
            cipher = {
                "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
                "CIPHER_KEY": self.cipher_key.get_secret_value(),
            }
        return {**self._store_env(), **cipher}

    def _store_env(self) -> dict[str, str]:
        if self.store == "sqlite":
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.sqlite_events_path),
                "SQLITE_LOCK_TIMEOUT": "10",
            }
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_HOST": self.pg_host,
            "POSTGRES_PORT": str(self.pg_port),
            "POSTGRES_USER": self.pg_user,
            "POSTGRES_PASSWORD": self.pg_password,
            "POSTGRES_DBNAME": self.pg_dbname,
            "POSTGRES_SCHEMA": self.pg_schema,
            "POSTGRES_LOCK_TIMEOUT": "10",
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "8",
            "POSTGRES_CONNECT_TIMEOUT": f"{self.pg_connect_timeout:g}",
            "POSTGRES_PRE_PING": "y",  # check a pooled connection before use: it may have been dropped
        }
