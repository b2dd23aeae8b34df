"""A state machine over one case aggregate, for hypothesis: random command sequences, with time
moving on between them, and after every step the invariants every case keeps —

- a refused command (any named domain error) changes nothing and records nothing;
- an accepted command records at least one event, and the version grows by exactly the events
  recorded, numbered on from the version before;
- the case rebuilt from its events alone equals the live case;
- `allowed_actions` is the set of commands the case accepts (given valid values), tried on a copy
  before each step, and a refusal never offers the action it refused.

A machine for one kind of case says how to create it (`create`), how to call each action with values
valid whatever the state (`calls`) and what its states must satisfy (`check`)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from eventsourcing.domain import Aggregate
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from domain.errors import DomainError, TransitionNotAllowed

Call = Callable[[Any, dict[str, Any]], None]
GAPS = st.sampled_from([timedelta(minutes=5), timedelta(hours=3), timedelta(days=2), timedelta(days=40)])
VARIANT = st.integers(min_value=0, max_value=5)  # picks among the valid values a call may take
SETTINGS = settings(
    max_examples=40,
    stateful_step_count=20,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


def state(case: Aggregate) -> dict[str, Any]:
    """What the case holds, without the events waiting to be saved."""
    return {k: v for k, v in vars(case).items() if k != "_pending_events"}


def rebuilt(events: list[Any]) -> Any:
    case = None
    for event in events:
        case = event.mutate(case)
    return case


class CaseMachine(RuleBasedStateMachine):
    exact = True  # allowed_actions is exactly what is accepted (False: a superset, e.g. per person)
    actor = "li-ming"
    gaps = GAPS  # how far time moves on before each command
    ending: frozenset[str] = frozenset()  # actions that (may) end the case: chosen less often
    elsewhere: frozenset[str] = frozenset()  # actions that create another aggregate, recording nothing here

    def __init__(self) -> None:
        super().__init__()
        self.now: datetime
        self.case: Any = None
        self.events: list[Any] = []
        self.steps = 0

    # -- what each machine gives ------------------------------------------------------------

    def calls(self, variant: int) -> dict[str, Call]:
        raise NotImplementedError

    def check(self) -> None:
        """The invariants of this kind of case's states."""

    def actors(self) -> list[str]:
        return [self.actor]

    # -- the machinery --------------------------------------------------------------------

    def stamp(self, actor: str | None = None) -> dict[str, Any]:
        self.steps += 1
        return {"actor": actor or self.actor, "effective_at": self.now, "command_id": f"c{self.steps}"}

    def started(self, case: Any) -> None:
        self.case = case
        self.events = list(case.collect_events())

    def offered(self) -> frozenset[str]:
        return self.case.allowed_actions()

    def accepted_on_copies(self, actor: str) -> set[str]:
        accepted, offered = set(), self.offered()
        for name, call in self.calls(0).items():
            trial = copy.deepcopy(self.case)
            try:
                call(trial, self.stamp(actor))
            except TransitionNotAllowed as refusal:
                assert name not in refusal.allowed, f"the refusal of {name} offers {name}"
            except DomainError:
                pass
            else:
                accepted.add(name)
        if self.exact:
            assert accepted == offered, (
                f"{self.case.status}: offered {sorted(offered)}, accepted {sorted(accepted)}"
            )
        else:
            assert accepted <= offered, (
                f"{self.case.status}: offered {sorted(offered)}, accepted {sorted(accepted)}"
            )
        return accepted

    @rule(data=st.data(), variant=VARIANT)
    def act(self, data: st.DataObject, variant: int) -> None:
        self.now += data.draw(self.gaps, label="gap")
        actor = data.draw(st.sampled_from(self.actors()), label="actor")
        accepted = self.accepted_on_copies(actor)
        # mostly a command the case accepts, so that sequences go deep; sometimes any command
        anything = data.draw(st.integers(min_value=0, max_value=3), label="any") == 0
        if data.draw(st.integers(min_value=0, max_value=5), label="may end") != 0:
            accepted = accepted - self.ending  # and mostly one that does not end the case
        choices = sorted(self.calls(variant)) if anything or not accepted else sorted(accepted)
        action = data.draw(st.sampled_from(choices), label="action")
        before, version = copy.deepcopy(state(self.case)), self.case.version
        try:
            self.calls(variant)[action](self.case, self.stamp(actor))
        except DomainError:
            assert state(self.case) == before, f"the refused {action} changed the case"
            assert not self.case.collect_events(), f"the refused {action} recorded events"
            return
        new = list(self.case.collect_events())
        assert bool(new) != (action in self.elsewhere), (
            f"{action} was accepted and recorded {len(new)} events"
        )
        assert [e.originator_version for e in new] == list(range(version + 1, version + 1 + len(new)))
        assert self.case.version == version + len(new)
        self.events += new

    @invariant()
    def replay_equals_the_live_case(self) -> None:
        if self.case is None:
            return
        assert state(rebuilt(self.events)) == state(self.case)
        self.check()


def machine_test(machine: type[CaseMachine]) -> Any:
    machine.TestCase.settings = SETTINGS
    return machine.TestCase
