"""The composition root: builds the system's parts from settings. Nothing else wires things."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.directory.jurisdiction import NodeKind
from infra.directory import (
    DirectoryFile,
    read_directory_file,
    seed_directory,
)
from infra.evidence import evidence_desk, uploads_for
from infra.seal import Seal
from infra.settings import DEVELOPMENT_ID_KEY, DEVELOPMENT_SEAL_KEY, ID_KEY_MIN_LENGTH, Settings
from infra.sql import Database, PostgresDatabase, SQLiteDatabase
from projections.case_list import CaseList
from projections.clock_board import ClockBoard
from projections.dispute_statistics import DisputeStatistics
from projections.followers import DISPATCHER
from projections.inbox import Inbox
from projections.metric_cases import MetricCases
from projections.node_statistics import NodeStatistics
from projections.reminders import Reminders
from projections.runner import NotificationReader, Projection
from projections.scores import Scores
from projections.scoring_facts import ScoringFacts
from projections.signals import GamingSignals
from service.casebook import Casebook
from service.directory import SEED_ACTOR
from service.evidence.desk import EvidenceDesk
from service.evidence.uploads import Uploads
from service.identity.crypto import PasswordHashing
from service.identity.desk import CredentialsDesk
from service.identity.gate import Gate
from service.identity.policy import IdentityPolicy
from service.identity.sessions import Sessions
from service.identity.throttle import Throttle
from service.notify import config as notify_config
from service.notify.courier import Courier
from service.store import Clock, utc_now


class ConfigurationError(Exception):
    """The system refuses to start with these settings; the message says why."""


@dataclass
class System:
    settings: Settings
    directory_file: DirectoryFile
    casebook: Casebook
    views: Database
    statistics: DisputeStatistics = field(default_factory=DisputeStatistics)
    clock_board: ClockBoard = field(default_factory=ClockBoard)
    case_list: CaseList = field(init=False)
    metric_cases: MetricCases = field(default_factory=MetricCases)
    reminders: Reminders = field(default_factory=Reminders)
    node_statistics: NodeStatistics = field(default_factory=NodeStatistics)
    inbox: Inbox = field(default_factory=Inbox)
    scoring_facts: ScoringFacts = field(init=False)
    signals: GamingSignals = field(init=False)
    identity: Gate = field(init=False)
    evidence: EvidenceDesk = field(init=False)
    uploads: Uploads = field(init=False)

    def __post_init__(self) -> None:
        casebook = self.casebook

        def village_of(node: str, at: datetime) -> str | None:
            return casebook.current_directory().ancestor_of_kind(node, NodeKind.VILLAGE, at)

        self.scoring_facts = ScoringFacts(village_of)
        self.signals = GamingSignals(casebook.id_key)
        self.case_list = CaseList(casebook.id_key, cipher=getattr(casebook.mapper, "cipher", None))
        self.identity = identity_gate(self.settings, casebook, self.views, self.directory_file)
        self.evidence = evidence_desk(self.settings, casebook)
        self.uploads = uploads_for(self.settings, casebook, self.evidence, self.views)

    @property
    def projections(self) -> list[Projection]:
        return [
            self.statistics,
            self.clock_board,
            self.scoring_facts,
            self.node_statistics,
            self.signals,
            self.inbox,
            self.case_list,
            self.metric_cases,
            self.reminders,
        ]

    @property
    def followers(self) -> list[str]:
        """The names of every follower of the log: each read model and the dispatcher."""
        return [p.name for p in self.projections] + [DISPATCHER]

    @property
    def scores(self) -> Scores:
        return Scores(self.casebook, self.views, self.scoring_facts)

    @property
    def seal(self) -> Seal:
        from service.seal.checkpoint import Signer

        signer = Signer.from_setting(self.settings.seal_signing_key(), self.settings.seal_origin)
        return Seal(self.casebook.recorder, signer, self.casebook.clock)

    def courier(self) -> Courier:
        """Delivers notices on the channels of FENGQIAO_NOTIFY_FILE (the inbox alone without one)."""
        casebook = self.casebook
        secret = self.settings.webhook_secret

        def ancestors(node: str) -> list[str]:
            return casebook.current_directory().ancestors(node, casebook.clock())

        routing = notify_config.load(
            self.settings.notify_file, secret.get_secret_value() if secret else None, ancestors
        )
        casebook.notices.language = routing.language
        return Courier(casebook.notices, routing)

    @property
    def reader(self) -> NotificationReader:
        return NotificationReader(self.casebook)

    def seed(self) -> int:
        """Loads the directory file, then the policy and calendar files (idempotent); returns
        how many of them changed something."""
        from infra.rules_files import load_rules_file, read_rules_file
        from infra.template_files import load_template, read_template_file

        changed = seed_directory(self.casebook, self.directory_file)
        for folder in (self.settings.policy_dir, self.settings.calendar_dir):
            for path in sorted(folder.glob("*.toml")):
                outcome = load_rules_file(
                    self.casebook,
                    read_rules_file(path),
                    actor=SEED_ACTOR,
                    reason=f"loaded at start from {path}",
                )
                changed += outcome != "unchanged"
        for path in sorted(self.settings.template_dir.glob("*.toml")):
            outcome = load_template(
                self.casebook,
                read_template_file(path),
                actor=SEED_ACTOR,
                reason=f"loaded at start from {path}",
                source=str(path),
            )
            changed += outcome != "unchanged"
        return changed

    def close(self) -> None:
        self.views.close()
        self.casebook.close()


def identity_policy(settings: Settings) -> IdentityPolicy:
    return IdentityPolicy(
        session_idle=timedelta(minutes=settings.session_idle_minutes),
        session_absolute=timedelta(hours=settings.session_absolute_hours),
        enrolment_lifetime=timedelta(hours=settings.enrolment_code_hours),
        token_max_lifetime=timedelta(days=settings.token_max_days),
        failure_window=timedelta(minutes=settings.auth_window_minutes),
        account_failures=settings.auth_account_failures,
        address_failures=settings.auth_address_failures,
    )


def identity_gate(settings: Settings, casebook: Casebook, views: Database, file: DirectoryFile) -> Gate:
    policy = identity_policy(settings)
    hashing = PasswordHashing(
        settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism
    )
    return Gate(
        casebook=casebook,
        desk=CredentialsDesk(casebook, hashing, policy),
        sessions=Sessions(views, policy, casebook.clock),
        throttle=Throttle(views, policy, casebook.clock),
        file_tokens=file.credentials.authenticate,
    )


def views_database(settings: Settings) -> Database:
    if settings.store == "sqlite":
        return SQLiteDatabase(settings.sqlite_views_path)
    return PostgresDatabase(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=settings.pg_dbname,
        schema=settings.pg_schema,
        timeout=settings.pg_connect_timeout,
    )


def check_settings(settings: Settings, directory_file: DirectoryFile, plain_tokens: bool) -> None:
    if settings.mode != "production":
        return
    if settings.cipher_key is None:
        raise ConfigurationError(
            "refusing to start in production without FENGQIAO_CIPHER_KEY: personal data must be "
            "encrypted at rest (make one with: fengqiao keygen)"
        )
    _check_id_key(settings)
    _check_seal_key(settings)
    if not settings.session_cookie_secure:
        raise ConfigurationError(
            "refusing to start in production with FENGQIAO_SESSION_COOKIE_SECURE=false: "
            "session cookies must only travel over HTTPS"
        )
    if directory_file.token_holders:
        named = ", ".join(directory_file.token_holders[:3]) + (
            ", …" if len(directory_file.token_holders) > 3 else ""
        )
        kind = "plain tokens" if plain_tokens else "token_sha256 entries"
        raise ConfigurationError(
            f"refusing to start in production: {settings.directory_file} gives {kind} ({named}); "
            "file tokens are for development only (unsalted, never expiring, revoked only by a restart). "
            "Remove token and token_sha256: people sign in with a password set by an enrolment code "
            "(fengqiao enrolment PERSON), machines use API tokens (POST /people/{person}/tokens)"
        )


def _check_id_key(settings: Settings) -> None:
    key = settings.id_key.get_secret_value() if settings.id_key is not None else None
    if key is None:
        raise ConfigurationError(
            "refusing to start in production without FENGQIAO_ID_KEY: petitioners' record ids are keyed "
            "hashes of their identity numbers, and without a secret key anyone could compute them "
            "(make one with: fengqiao keygen)"
        )
    if len(key) < ID_KEY_MIN_LENGTH or key == DEVELOPMENT_ID_KEY:
        raise ConfigurationError(
            "refusing to start in production: FENGQIAO_ID_KEY must be a secret of at least "
            f"{ID_KEY_MIN_LENGTH} "
            "characters, not the development key (make one with: fengqiao keygen)"
        )


def check_postgres(settings: Settings) -> None:
    """Fails at once, naming what is missing, when the PostgreSQL server cannot be reached or has
    no such database or schema (rather than a pool waiting its timeout out and a traceback)."""
    import psycopg

    where = f"{settings.pg_host}:{settings.pg_port}"
    try:
        conn = psycopg.connect(
            host=settings.pg_host,
            port=settings.pg_port,
            user=settings.pg_user,
            password=settings.pg_password,
            dbname=settings.pg_dbname,
            connect_timeout=max(1, int(min(settings.pg_connect_timeout, 5))),
        )
    except psycopg.OperationalError as failure:
        said = str(failure).strip().splitlines()[-1] if str(failure).strip() else type(failure).__name__
        if "does not exist" in said and "database" in said:
            raise ConfigurationError(
                f'cannot start: PostgreSQL at {where} has no database "{settings.pg_dbname}" — create it '
                f"(createdb -h {settings.pg_host} -p {settings.pg_port} -U {settings.pg_user} "
                f"{settings.pg_dbname}) or set FENGQIAO_PG_DBNAME"
            ) from None
        raise ConfigurationError(
            f'cannot start: cannot connect to PostgreSQL database "{settings.pg_dbname}" at {where} as '
            f"{settings.pg_user} ({said}) — is the server running? check FENGQIAO_PG_HOST, "
            "FENGQIAO_PG_PORT, FENGQIAO_PG_USER and FENGQIAO_PG_PASSWORD"
        ) from None
    with conn:
        found = conn.execute(
            "SELECT 1 FROM pg_namespace WHERE nspname = %s", (settings.pg_schema,)
        ).fetchone()
    if found is None:
        raise ConfigurationError(
            f'cannot start: PostgreSQL database "{settings.pg_dbname}" at {where} has no schema '
            f'"{settings.pg_schema}" — create it (CREATE SCHEMA "{settings.pg_schema}") '
            "or set FENGQIAO_PG_SCHEMA"
        )


def check_folders(settings: Settings) -> None:
    for folder, variable, what in (
        (settings.policy_dir, "FENGQIAO_POLICY_DIR", "deadline policy"),
        (settings.calendar_dir, "FENGQIAO_CALENDAR_DIR", "business calendar"),
        (settings.template_dir, "FENGQIAO_TEMPLATE_DIR", "responsibility-book template"),
    ):
        if not folder.is_dir():
            raise ConfigurationError(
                f"cannot start: the {what} folder {folder} does not exist — set {variable} to the folder "
                "of its .toml files"
            )


def _check_seal_key(settings: Settings) -> None:
    from service.seal.checkpoint import Signer

    key = settings.seal_key.get_secret_value() if settings.seal_key is not None else None
    if not key:
        raise ConfigurationError(
            "refusing to start in production without FENGQIAO_SEAL_KEY: the seal's checkpoints are what "
            "shows the log was not rewritten, and they must be signed by a key only this system holds "
            "(make one with: fengqiao seal keygen)"
        )
    try:
        Signer.from_setting(key, settings.seal_origin)
    except ValueError:
        raise ConfigurationError(
            "refusing to start: FENGQIAO_SEAL_KEY must be the base64 of a 32-byte Ed25519 seed "
            "(make one with: fengqiao seal keygen)"
        ) from None
    if key == DEVELOPMENT_SEAL_KEY:
        raise ConfigurationError("refusing to start in production with the development FENGQIAO_SEAL_KEY")


def bootstrap(
    settings: Settings | None = None,
    clock: Clock = utc_now,
    directory_file: DirectoryFile | None = None,
) -> System:
    settings = settings or Settings()
    directory_file = directory_file or read_directory_file(settings.directory_file)
    check_settings(settings, directory_file, directory_file.plain_tokens)
    check_folders(settings)
    if settings.store == "sqlite":
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    else:
        check_postgres(settings)
    casebook = Casebook(settings.event_store_env(), clock, id_key=settings.petitioner_id_key())
    return System(
        settings=settings, directory_file=directory_file, casebook=casebook, views=views_database(settings)
    )
