"""A store and its Temporal task queue belong together: the binding is recorded in the store,
derived from the store's identity unless given, and a start that contradicts it is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.binding import LEGACY_TASK_QUEUE, bind
from infra.bootstrap import ConfigurationError, System, bootstrap
from tests.support import Clock, settings_for
from tests.test_followers import report
from tests.test_refusals import environment, fengqiao, one_refusal


def test_two_stores_get_task_queues_of_their_own_and_keep_them(tmp_path: Path, clock: Clock):
    first = bootstrap(settings_for(tmp_path / "var"), clock)
    second = bootstrap(settings_for(tmp_path / "var-demo"), clock)
    try:
        a, b = bind(first), bind(second)
        assert a.task_queue != b.task_queue
        assert a.task_queue != LEGACY_TASK_QUEUE and b.task_queue != LEGACY_TASK_QUEUE
        assert str((tmp_path / "var").resolve()) in a.store
    finally:
        first.close()
        second.close()
    again = bootstrap(settings_for(tmp_path / "var"), clock)
    try:
        assert bind(again).task_queue == a.task_queue  # recorded in the store, not recomputed
    finally:
        again.close()


def test_a_start_with_another_task_queue_than_the_stores_is_refused(system: System):
    recorded = bind(system).task_queue
    other = system.settings.model_copy(update={"task_queue": "fengqiao-someone-else"})
    contradicted = bootstrap(other, system.casebook.clock)
    try:
        with pytest.raises(ConfigurationError) as refused:
            bind(contradicted)
        assert recorded in str(refused.value) and "fengqiao-someone-else" in str(refused.value)
        elsewhere = bootstrap(
            system.settings.model_copy(update={"temporal_namespace": "elsewhere"}), system.casebook.clock
        )
        with pytest.raises(ConfigurationError, match="FENGQIAO_TEMPORAL_NAMESPACE"):
            bind(elsewhere)
        elsewhere.close()
    finally:
        contradicted.close()


def test_a_given_task_queue_is_the_one_recorded(tmp_path: Path, clock: Clock):
    built = bootstrap(settings_for(tmp_path, task_queue="fengqiao-mine"), clock)
    try:
        assert bind(built).task_queue == "fengqiao-mine"
        unset = bootstrap(settings_for(tmp_path), clock)
        assert bind(unset).task_queue == "fengqiao-mine"
        unset.close()
    finally:
        built.close()


def test_a_store_that_held_cases_before_bindings_keeps_the_old_queue(system: System):
    report(system)  # its clock runs on the old fixed queue
    assert bind(system).task_queue == LEGACY_TASK_QUEUE


@pytest.mark.process
def test_the_worker_refuses_in_one_line_to_start_on_another_stores_queue(tmp_path: Path, clock: Clock):
    env = environment(tmp_path)
    built = bootstrap(settings_for(tmp_path), clock)
    try:
        recorded = bind(built).task_queue
    finally:
        built.close()
    code, lines, _ = fengqiao(env | {"FENGQIAO_TASK_QUEUE": "fengqiao-cases"}, "worker")
    assert code == 2
    one_refusal(lines, str(tmp_path.resolve()), recorded, "FENGQIAO_TASK_QUEUE")
