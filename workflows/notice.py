"""One workflow per notice delivers it: it asks the store for the (channel, recipient) pairs,
then delivers each through an activity that Temporal retries with back-off by its policy. Each
attempt is recorded on the notice's stream (NotificationSent / NotificationFailed); a delivery
that exhausts its attempts stays recorded as failed and the others go on."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from service.notify.courier import Courier

DELIVERY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=10),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
    maximum_attempts=8,  # about 40 minutes of trying
)
DELIVERY_TIMEOUT = timedelta(seconds=30)


def notice_workflow_id(notice_id: str) -> str:
    return f"notice-{notice_id}"


class NoticeRef(BaseModel):
    notice_id: str


class Delivery(BaseModel):
    notice_id: str
    channel: str
    recipient: str


class DeliveryPlan(BaseModel):
    deliveries: list[Delivery]


class DeliveryReport(BaseModel):
    sent: list[Delivery]
    failed: list[Delivery]


@workflow.defn
class NoticeWorkflow:
    @workflow.run
    async def run(self, ref: NoticeRef) -> DeliveryReport:
        plan = await workflow.execute_activity(
            "plan_notice",
            ref,
            result_type=DeliveryPlan,
            start_to_close_timeout=DELIVERY_TIMEOUT,
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)),
        )
        report = DeliveryReport(sent=[], failed=[])
        for delivery in plan.deliveries:
            try:
                await workflow.execute_activity(
                    "deliver_notice",
                    delivery,
                    result_type=str,
                    start_to_close_timeout=DELIVERY_TIMEOUT,
                    retry_policy=DELIVERY_RETRY,
                )
            except ActivityError:
                report.failed.append(delivery)
            else:
                report.sent.append(delivery)
        return report


class NoticeActivities:
    def __init__(self, courier: Courier) -> None:
        self.courier = courier

    @activity.defn(name="plan_notice")
    def plan(self, ref: NoticeRef) -> DeliveryPlan:
        pairs = self.courier.plan(UUID(ref.notice_id))
        return DeliveryPlan(
            deliveries=[Delivery(notice_id=ref.notice_id, channel=c, recipient=r) for c, r in pairs]
        )

    @activity.defn(name="deliver_notice")
    def deliver(self, delivery: Delivery) -> str:
        return self.courier.deliver(
            UUID(delivery.notice_id), delivery.channel, delivery.recipient, activity.info().attempt
        )
