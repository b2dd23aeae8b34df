"""The Casebook: the case store with its desks and clock keepers wired together. The one
module that knows every desk; each desk receives the collaborators it needs here, so no desk
imports another's caller."""

from __future__ import annotations

from typing import Any

from eventsourcing.utils import EnvType

from service.assessments import AssessmentDesk
from service.briefings.desk import BriefingDesk
from service.deadlines import DeadlineDesk
from service.directory import DirectoryDesk
from service.disputes.clocks import DisputeClocks
from service.disputes.desk import DisputeDesk
from service.incidents.clocks import IncidentClocks
from service.incidents.desk import IncidentDesk
from service.kinds import DISPUTE, INCIDENT, PATROL_SCHEDULE, PATROL_SHIFT, PETITION, SWEEP
from service.notify.desk import NoticeDesk
from service.patrols.clocks import ShiftClocks
from service.patrols.desk import PatrolDesk
from service.patrols.schedules import PatrolSchedules
from service.petitions.clocks import PetitionClocks
from service.petitions.desk import PetitionDesk
from service.rulebook import RulebookDesk
from service.store import CaseStore, Clock, utc_now
from service.sweeps.clocks import SweepClocks
from service.sweeps.desk import SweepDesk


class Casebook(CaseStore):
    """Every case stream, with the desks that take their commands and the keepers of their
    clocks (by case kind, as the clock workflows name it)."""

    def __init__(self, env: EnvType | None, clock: Clock = utc_now, id_key: bytes | None = None) -> None:
        super().__init__(env, clock, id_key)
        self.directory = DirectoryDesk(self)
        self.rulebook = RulebookDesk(self)
        self.deadlines = DeadlineDesk(self, self.rulebook)
        self.disputes = DisputeDesk(self)
        self.petitions = PetitionDesk(self, self.deadlines)
        self.incidents = IncidentDesk(self)
        self.patrols = PatrolDesk(self, self.disputes, self.incidents, PatrolSchedules(self, self.rulebook))
        self.assessments = AssessmentDesk(self)
        self.notices = NoticeDesk(self)
        self.sweeps = SweepDesk(self, self.rulebook)
        self.briefings = BriefingDesk(self)
        self.keepers: dict[str, Any] = {
            DISPUTE: DisputeClocks(self, self.disputes, self.deadlines),
            PETITION: PetitionClocks(self, self.petitions, self.deadlines),
            INCIDENT: IncidentClocks(self, self.incidents, self.deadlines),
            PATROL_SHIFT: ShiftClocks(self, self.patrols, self.deadlines),
            PATROL_SCHEDULE: self.patrols.schedules,
            SWEEP: SweepClocks(self, self.sweeps, self.deadlines),
        }
