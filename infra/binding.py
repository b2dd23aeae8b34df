"""Binds a store to its Temporal namespace and task queue, and refuses a start that mismatches.

The first start of a part that talks to Temporal (`fengqiao run`, the worker, the dispatcher)
records the binding in the store (domain/binding.py). The task queue is FENGQIAO_TASK_QUEUE if
given, else derived from the store's identity (its var dir, or its PostgreSQL database and
schema), so two stores on one Temporal server never share a queue by default; a store that held
cases before bindings existed keeps the old fixed queue, where its running clocks are. Every
later start uses the recorded binding, and refuses, saying which store and which queue, when
FENGQIAO_TASK_QUEUE or FENGQIAO_TEMPORAL_NAMESPACE says otherwise. A restore for a Temporal that
holds none of the store's workflows (`fengqiao restore --fresh-temporal`) binds the store again,
to the namespace configured then (`rebind`)."""

from __future__ import annotations

import hashlib

import structlog
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.binding import BINDING_ID, TemporalBinding
from infra.bootstrap import ConfigurationError, System
from infra.settings import Settings

log = structlog.get_logger()
LEGACY_TASK_QUEUE = "fengqiao-cases"  # every store's queue before stores were bound


def store_label(settings: Settings) -> str:
    if settings.store == "sqlite":
        return f"the SQLite store in {settings.var_dir.resolve()}"
    return (
        f'the PostgreSQL store "{settings.pg_dbname}" schema "{settings.pg_schema}" '
        f"at {settings.pg_host}:{settings.pg_port}"
    )


def derived_task_queue(settings: Settings) -> str:
    if settings.store == "sqlite":
        identity = f"sqlite:{settings.var_dir.resolve()}"
    else:
        identity = f"postgres:{settings.pg_host}:{settings.pg_port}/{settings.pg_dbname}/{settings.pg_schema}"
    return "fengqiao-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:12]


def bind(system: System) -> TemporalBinding:
    """The store's binding, recorded now if it has none; refuses settings that contradict it."""
    settings = system.settings
    found = _recorded(system)
    if found is None:
        queue = settings.task_queue or (
            LEGACY_TASK_QUEUE if _held_cases(system) else derived_task_queue(settings)
        )
        binding = TemporalBinding.bind(
            namespace=settings.temporal_namespace, task_queue=queue, store=store_label(settings)
        )
        try:
            system.casebook.save(binding)
            log.info("temporal.bound", namespace=binding.namespace, task_queue=binding.task_queue)
            return binding
        except IntegrityError:  # another part bound it at the same moment
            found = _recorded(system)
            assert found is not None
    mismatched = [
        f"{variable} is {given!r}"
        for variable, given, recorded in (
            ("FENGQIAO_TEMPORAL_NAMESPACE", settings.temporal_namespace, found.namespace),
            ("FENGQIAO_TASK_QUEUE", settings.task_queue, found.task_queue),
        )
        if given is not None and given != recorded
    ]
    if mismatched:
        raise ConfigurationError(
            f"cannot start: {store_label(settings)} belongs to Temporal namespace {found.namespace!r}, "
            f"task queue {found.task_queue!r}, but {' and '.join(mismatched)} — unset it to use the store's, "
            "or point FENGQIAO_VAR_DIR (or FENGQIAO_STORE and FENGQIAO_PG_*) at the store that belongs to it"
        )
    return found


def rebind(system: System, reason: str) -> TemporalBinding | None:
    """Binds a restored store to the configured namespace (and FENGQIAO_TASK_QUEUE, if given; else
    the recorded queue stays), for a Temporal that holds none of its workflows: the dispatcher
    starts them there again from the log. A store not bound yet is bound at its first start."""
    settings = system.settings
    found = _recorded(system)
    if found is None:
        return None
    namespace, queue = settings.temporal_namespace, settings.task_queue or found.task_queue
    if (namespace, queue) != (found.namespace, found.task_queue):
        found.rebind(namespace=namespace, task_queue=queue, reason=reason)
        system.casebook.save(found)
        log.info("temporal.rebound", namespace=namespace, task_queue=queue, reason=reason)
    return found


def _recorded(system: System) -> TemporalBinding | None:
    try:
        return system.casebook.repository.get(BINDING_ID)
    except AggregateNotFoundError:
        return None


def _held_cases(system: System) -> bool:
    from workflows.case_kinds import TOPICS

    return bool(system.casebook.recorder.select_notifications(0, 1, topics=TOPICS))
