"""Activities: the only way a workflow records a fact, through the application, idempotently."""

from __future__ import annotations

from uuid import UUID

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.casebook import Casebook
from domain.dispute import Level
from domain.errors import CaseNotFound
from workflows.contracts import DisputeClock, MissedDeadline

log = structlog.get_logger()


class DisputeActivities:
    def __init__(self, casebook: Casebook) -> None:
        self.casebook = casebook

    @activity.defn(name="escalate_for_missed_deadline")
    def escalate_for_missed_deadline(self, missed: MissedDeadline) -> DisputeClock:
        try:
            dispute = self.casebook.disputes.escalate_for_missed_deadline(
                UUID(missed.dispute_id),
                from_level=Level(missed.from_level),
                due_at=missed.due_at,
                period=missed.period,
            )
        except CaseNotFound as missing:
            raise ApplicationError(str(missing), type="CaseNotFound", non_retryable=True) from None
        escalated = dispute.level != Level(missed.from_level)
        log.info(
            "deadline.passed",
            dispute_id=missed.dispute_id,
            workflow_id=activity.info().workflow_id,
            from_level=missed.from_level,
            now_at=dispute.level.value,
            escalated=escalated,
            due_at=missed.due_at.isoformat(),
        )
        return DisputeClock(
            version=dispute.version,
            level=dispute.level.value,
            level_since=dispute.level_since,
            resolved=dispute.is_resolved,
        )
