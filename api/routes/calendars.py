"""The business calendars the clocks count on: which years are loaded, and what operators must
do before a year no calendar covers begins."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, SystemDep
from domain.time.calendar import CHINA, running_out

router = APIRouter(prefix="/calendars", tags=["operations"])


class CalendarPublic(BaseModel):
    region: str
    version: int = Field(description="Goes up with every year loaded or corrected.")
    years: list[int] = Field(description="The years whose holidays and make-up working days are loaded.")
    warning: str | None = Field(
        description="Set when a year not loaded begins within a quarter, or has begun."
    )


class CalendarList(BaseModel):
    calendars: list[CalendarPublic]


@router.get("", response_model=CalendarList)
def calendars(system: SystemDep, _: CurrentPerson) -> CalendarList:
    """Every calendar clocks count on, with a warning when it runs out."""
    today = system.casebook.clock().astimezone(CHINA).date()
    return CalendarList(
        calendars=[
            CalendarPublic(
                region=c.region, version=c.version, years=sorted(c.years), warning=running_out(c, today)
            )
            for c in system.casebook.rulebook.calendars_in_use()
        ]
    )
