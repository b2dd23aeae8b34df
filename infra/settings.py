"""All configuration, read once from FENGQIAO_* environment variables (secrets also from files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

# Development only: a fixed key, public in this file, so that a developer's store keeps the same
# petitioner ids from run to run. Production refuses to start without FENGQIAO_ID_KEY
# (infra/bootstrap.py: check_settings), and refuses this one.
DEVELOPMENT_ID_KEY = "fengqiao-development-only-id-key-not-secret"
ID_KEY_MIN_LENGTH = 32
# Development only, like the id key: a fixed Ed25519 seed for the seal's checkpoints, public here, so a
# developer's checkpoints verify from run to run. Production refuses to start without FENGQIAO_SEAL_KEY
# and refuses this one.
DEVELOPMENT_SEAL_KEY = "ZmVuZ3FpYW8tZGV2ZWxvcG1lbnQtc2VhbC1rZXkhISE="

# The settings that may also be read from a file: FENGQIAO_<NAME>_FILE names the file (a mounted
# Docker or Kubernetes secret), or FENGQIAO_SECRETS_DIR holds a file named fengqiao_<name>.
# seal_key (the seal signing key) and session_secret are reserved for the fields of those names.
SECRET_SETTINGS = (
    "pg_password",
    "cipher_key",
    "id_key",
    "seal_key",
    "session_secret",
    "webhook_secret",
    "s3_secret_access_key",
    "oidc_client_secret",
)


class SecretFiles(PydanticBaseSettingsSource):
    """FENGQIAO_<NAME>_FILE: a secret setting's value is that file's content, stripped of surrounding
    whitespace (as pydantic-settings strips secrets_dir files). Giving both it and FENGQIAO_<NAME>,
    or a file that cannot be read, is refused: a deployment must not run on a value nobody chose."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ reads every file at once

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in SECRET_SETTINGS:
            variable = f"FENGQIAO_{name.upper()}"
            path = os.environ.get(f"{variable}_FILE")
            if name not in self.settings_cls.model_fields or not path:
                continue
            if variable in os.environ:
                raise SettingsError(f"{variable} and {variable}_FILE are both set: give one of them")
            try:
                found[name] = Path(path).read_text(encoding="utf-8").strip()
            except OSError as failure:
                raise SettingsError(f"{variable}_FILE: cannot read {path}: {failure.strerror}") from None
        return found


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FENGQIAO_", extra="ignore")

    mode: Literal["development", "production"] = "development"
    cipher_key: SecretStr | None = Field(
        None, description="AES key for personal data at rest (fengqiao keygen makes one)"
    )
    id_key: SecretStr | None = Field(
        None,
        description="secret key of the keyed hash (HMAC-SHA256) that turns a petitioner's identity "
        "number into the id of their record; never change it once petitions are stored (fengqiao keygen "
        "makes one)",
    )
    seal_key: SecretStr | None = Field(
        None,
        description="Ed25519 signing key of the seal's checkpoints, base64 of a 32-byte seed "
        "(fengqiao seal keygen makes one; its public key is served at GET /seal/key)",
    )
    seal_origin: str = Field(
        "fengqiao/development", description="the system's identity, the first line of every checkpoint"
    )
    seal_interval: float = Field(
        3600, gt=0, description="seconds between the projector's checkpoints of the seal (when it grew)"
    )
    briefing_every_seconds: int = Field(
        0,
        ge=0,
        description="0: briefings on their weekly calendar (Monday 01:00 Beijing); "
        "else every so many seconds (a demonstration)",
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

    evidence_store: Literal["files", "s3"] = Field(
        "files", description="where attachments' bytes are kept: files under the var dir, or an S3 bucket"
    )
    evidence_dir: Path | None = Field(None, description="the files' folder; by default <var_dir>/evidence")
    s3_bucket: str = Field("fengqiao-evidence", description="the bucket of attachments (evidence_store=s3)")
    s3_prefix: str = "evidence/"
    s3_endpoint_url: str | None = Field(None, description="an S3-compatible store's URL (MinIO, Ceph)")
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    attachment_limit_mb: dict[str, float] = Field(
        default_factory=dict,
        description='the largest file of a kind, in MB, over the defaults (JSON: {"photo": 10, ...})',
    )
    attachment_case_total_mb: float = Field(200, gt=0, description="the most a case may hold in all, MB")
    upload_expiry_hours: float = Field(
        24, gt=0, description="how long a resumable upload (/uploads) may take before it is deleted"
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
    profile_file: str | None = Field(
        None,
        description="a diagnostic: the worker writes where its time goes, every thread of it, to this file "
        "(pstats; `{component}` is replaced by the component's name), every 15 s; slows it down "
        "(infra/profiling.py)",
    )
    worker_workflow_pollers: int = Field(
        20,
        ge=1,
        description="how many workflow-task polls a worker keeps open at once (the SDK's default is 5); "
        "more let a burst of clocks falling due reach the worker sooner (docs/benchmarks.md, bench/load.py)",
    )

    session_cookie_secure: bool = Field(
        True, description="send the session cookie over HTTPS only; false for plain-http development"
    )
    session_idle_minutes: float = Field(30, gt=0, description="a session unused this long ends")
    session_absolute_hours: float = Field(12, gt=0, description="a session ends this long after sign-in")
    enrolment_code_hours: float = Field(72, gt=0, description="how long an enrolment code can be used")
    token_max_days: int = Field(366, gt=0, description="the longest an API token may live")
    auth_window_minutes: float = Field(15, gt=0, description="the window failed sign-ins are counted in")
    auth_account_failures: int = Field(5, gt=0, description="failures per account in a window")
    auth_address_failures: int = Field(
        100, gt=0, description="failures per client address in a window, across every account tried from it"
    )
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    # OpenID Connect sign-in (infra/oidc.py): on when an issuer and a client id are set.
    oidc_issuer: str | None = Field(
        None, description="the OpenID provider's issuer URL, exactly as its ID tokens name it (iss)"
    )
    oidc_discovery_url: str | None = Field(
        None, description="the discovery document; by default <issuer>/.well-known/openid-configuration"
    )
    oidc_client_id: str | None = Field(None, description="this system's client id at the provider")
    oidc_client_secret: SecretStr | None = Field(
        None, description="the client secret (or FENGQIAO_OIDC_CLIENT_SECRET_FILE); none for a public client"
    )
    oidc_scopes: str = Field("openid", description="the scopes asked for, space-separated (openid first)")
    oidc_person_claim: str = Field(
        "sub", description="the ID token claim that holds the person's id in the directory"
    )
    oidc_name: str = Field("OpenID Connect", description="the provider's name on the sign-in button")
    oidc_redirect_url: str | None = Field(
        None,
        description="the callback registered at the provider; by default this site's "
        "/app/sign-in/oidc/callback as the request reached it",
    )

    forwarded_allow_ips: str = Field(
        "127.0.0.1",
        description="addresses of reverse proxies whose X-Forwarded-For names the client (comma-separated, "
        "or *); failed sign-ins are counted per client address",
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    poll_interval: float = Field(0.5, gt=0, description="seconds between notification log polls")
    ready_max_lag: int = Field(
        1000, ge=0, description="notifications a follower may be behind the log and still be ready"
    )
    log_level: str = "info"

    metrics_port: int | None = Field(
        None,
        description="the worker, dispatcher and projector serve Prometheus metrics at /metrics on this "
        "port (the API serves /metrics on its own port); off when unset",
    )
    temporal_metrics_port: int | None = Field(
        None, description="the Temporal SDK's own Prometheus metrics on this port, per process; off if unset"
    )
    otlp_endpoint: str | None = Field(
        None,
        description="OpenTelemetry traces go to this OTLP/HTTP endpoint "
        "(e.g. http://collector:4318/v1/traces); no tracing when unset",
    )
    notify_file: Path | None = Field(
        None,
        description="notification channels and who receives what (docs/operations.md); inbox only if unset",
    )
    webhook_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key that signs outbound notification webhooks"
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init arguments, then FENGQIAO_<NAME>, then FENGQIAO_<NAME>_FILE, then the secrets dir
        (Settings(_secrets_dir=...), or else FENGQIAO_SECRETS_DIR)."""
        folder = os.environ.get("FENGQIAO_SECRETS_DIR")
        if folder and getattr(file_secret_settings, "secrets_dir", None) is None:
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=folder)
        return init_settings, env_settings, dotenv_settings, SecretFiles(settings_cls), file_secret_settings

    def petitioner_id_key(self) -> bytes:
        """The key for petitioner ids: FENGQIAO_ID_KEY, or in development the fixed development key."""
        if self.id_key is not None and self.id_key.get_secret_value():
            return self.id_key.get_secret_value().encode("utf-8")
        if self.mode == "production":
            raise ValueError("FENGQIAO_ID_KEY is required in production")
        return DEVELOPMENT_ID_KEY.encode("utf-8")

    def seal_signing_key(self) -> str:
        """FENGQIAO_SEAL_KEY, or in development the fixed development key."""
        if self.seal_key is not None and self.seal_key.get_secret_value():
            return self.seal_key.get_secret_value()
        if self.mode == "production":
            raise ValueError("FENGQIAO_SEAL_KEY is required in production")
        return DEVELOPMENT_SEAL_KEY

    @property
    def evidence_path(self) -> Path:
        return self.evidence_dir or self.var_dir / "evidence"

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
                "APPLICATION_RECORDER_TOPIC": "infra.seal_store:SealedSQLiteRecorder",
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
            "APPLICATION_RECORDER_TOPIC": "infra.seal_store:SealedPostgresRecorder",
        }
