"""The case kinds: the one name each stream's time is kept under. The keeper records a case's
clocks under it (`CaseClocks` of `<kind>:<case id>`), the Casebook files the keeper under it,
the clock workflows are named by it, and the API reads a case's clocks by it — every one of
them from here, so that none can read under a name another does not write."""

from __future__ import annotations

DISPUTE = "dispute"
PETITION = "petition"
INCIDENT = "incident"
PATROL_SHIFT = "patrol_shift"
SWEEP = "sweep"
PATROL_SCHEDULE = "patrol_schedule"  # a schedule's time is its own workflow, not clocks
CLOCKED = (DISPUTE, PETITION, INCIDENT, PATROL_SHIFT, SWEEP)  # the kinds whose time is a set of clocks
