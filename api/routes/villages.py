"""Village read models."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPerson, NodeCode, SystemDep
from api.schemas import VillageStatisticsPublic
from domain.directory.access import Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import CaseNotFound
from projections import tracking

router = APIRouter(prefix="/villages", tags=["villages"])


@router.get("/{node}/statistics", response_model=VillageStatisticsPublic)
def village_statistics(
    village_id: NodeCode, person: CurrentPerson, system: SystemDep
) -> VillageStatisticsPublic:
    """Mediation statistics of a village: reported, resolved, escalated, open, success rate."""
    node = system.casebook.current_directory().node(village_id)
    if node is None or node.kind != NodeKind.VILLAGE:
        raise CaseNotFound("village", village_id)
    system.casebook.authorise(person, Right.READ, village_id)
    with system.views.reading() as cur:
        stats = system.statistics.village(cur, village_id)
        position = tracking.position(cur, system.statistics.name)
    return VillageStatisticsPublic(village=village_id, as_of_notification=position, **stats)
