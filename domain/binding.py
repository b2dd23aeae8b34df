"""The store's binding to Temporal: which namespace and task queue run this store's clocks.

A store and its task queue belong together: workers and dispatchers of another store on the
same queue would work this store's cases against the wrong facts. The binding is recorded in
the store the first time a part that talks to Temporal starts on it, and every later start is
checked against it (infra/binding.py)."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

BINDING_ID = uuid5(NAMESPACE_URL, "https://fengqiao.example/temporal-binding")


class TemporalBinding(Aggregate):
    TOPIC = "fengqiao.binding:TemporalBinding"

    class Event(Aggregate.Event):
        pass

    class Bound(Aggregate.Created, Event):
        """The store was bound to a Temporal namespace and task queue (again only by a restore, `Rebound`)."""

        TOPIC = "fengqiao.binding:Bound"
        namespace: str
        task_queue: str
        store: str

    Created = Bound

    class Rebound(Event):
        """The store was restored for a Temporal server or namespace holding none of its workflows,
        and bound to it instead: the dispatcher starts every case's clock there again."""

        TOPIC = "fengqiao.binding:Rebound"
        namespace: str
        task_queue: str
        reason: str

        def apply(self, binding: TemporalBinding) -> None:
            binding.namespace, binding.task_queue = self.namespace, self.task_queue

    def __init__(self, *, namespace: str, task_queue: str, store: str) -> None:
        self.namespace = namespace
        self.task_queue = task_queue
        self.store = store

    @staticmethod
    def create_id(**_: object) -> UUID:
        return BINDING_ID

    @classmethod
    def bind(cls, *, namespace: str, task_queue: str, store: str) -> TemporalBinding:
        return cls._create(cls.Bound, namespace=namespace, task_queue=task_queue, store=store)

    def rebind(self, *, namespace: str, task_queue: str, reason: str) -> None:
        self.trigger_event(self.Rebound, namespace=namespace, task_queue=task_queue, reason=reason)


EVENT_CLASSES = (TemporalBinding.Bound, TemporalBinding.Rebound)
