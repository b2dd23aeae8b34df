"""Posts, the rights each carries, and where each post may be held.

A person acts only through a post they hold now, only with that post's rights, and only
inside the post's node and its descendants.
"""

from __future__ import annotations

from enum import StrEnum

from domain.directory.jurisdiction import NodeKind


class Post(StrEnum):
    GRID_MEMBER = "grid_member"
    MEDIATOR = "mediator"
    MEDIATION_CHAIR = "mediation_chair"
    PETITION_AGENT = "petition_agent"
    WORKSTATION_STAFF = "workstation_staff"
    PATROL_MEMBER = "patrol_member"
    PATROL_LEADER = "patrol_leader"
    ASSESSOR = "assessor"
    AUDITOR = "auditor"
    BRANCH_SECRETARY = "branch_secretary"
    VILLAGE_DIRECTOR = "village_director"


class Right(StrEnum):
    READ = "read"
    AUDIT = "audit"
    MANAGE_DIRECTORY = "manage_directory"
    MANAGE_POLICY = "manage_policy"
    REPORT_DISPUTE = "report_dispute"
    ACCEPT_DISPUTE = "accept_dispute"
    MEDIATE = "mediate"
    SEAL_AGREEMENT = "seal_agreement"
    ESCALATE = "escalate"
    REFER_OUT = "refer_out"
    CLOSE_CASE = "close_case"
    REPORT_RISK = "report_risk"
    REGISTER_PETITION = "register_petition"
    HANDLE_PETITION = "handle_petition"
    DECIDE_PETITION = "decide_petition"
    APPROVE_EXTENSION = "approve_extension"
    SEE_ACCUSATION = "see_accusation"
    REPORT_INCIDENT = "report_incident"
    HANDLE_INCIDENT = "handle_incident"
    PATROL = "patrol"
    LEAD_PATROL = "lead_patrol"
    MANAGE_ROUTES = "manage_routes"
    ASSESS = "assess"
    RECORD_ACTIVITY = "record_activity"


_MEDIATOR = {
    Right.READ,
    Right.REPORT_DISPUTE,
    Right.ACCEPT_DISPUTE,
    Right.MEDIATE,
    Right.ESCALATE,
    Right.REFER_OUT,
    Right.CLOSE_CASE,
    Right.REPORT_RISK,
}
_PATROL = {Right.READ, Right.PATROL, Right.REPORT_DISPUTE, Right.REPORT_INCIDENT}

RIGHTS: dict[Post, frozenset[Right]] = {
    Post.GRID_MEMBER: frozenset(
        {Right.READ, Right.REPORT_DISPUTE, Right.MEDIATE, Right.REPORT_INCIDENT, Right.REPORT_RISK}
    ),
    Post.MEDIATOR: frozenset(_MEDIATOR),
    Post.MEDIATION_CHAIR: frozenset(_MEDIATOR | {Right.SEAL_AGREEMENT}),
    Post.PETITION_AGENT: frozenset(
        {Right.READ, Right.REGISTER_PETITION, Right.HANDLE_PETITION, Right.SEE_ACCUSATION}
    ),
    Post.WORKSTATION_STAFF: frozenset(
        _MEDIATOR - {Right.MEDIATE}
        | {
            Right.MANAGE_DIRECTORY,
            Right.MANAGE_POLICY,
            Right.REGISTER_PETITION,
            Right.HANDLE_PETITION,
            Right.DECIDE_PETITION,
            Right.APPROVE_EXTENSION,
            Right.SEE_ACCUSATION,
            Right.REPORT_INCIDENT,
            Right.HANDLE_INCIDENT,
            Right.MANAGE_ROUTES,
            Right.LEAD_PATROL,
            Right.RECORD_ACTIVITY,
        }
    ),
    Post.PATROL_MEMBER: frozenset(_PATROL),
    Post.PATROL_LEADER: frozenset(_PATROL | {Right.LEAD_PATROL}),
    Post.ASSESSOR: frozenset({Right.READ, Right.ASSESS, Right.RECORD_ACTIVITY}),
    Post.AUDITOR: frozenset({Right.READ, Right.AUDIT}),
    Post.BRANCH_SECRETARY: frozenset({Right.READ, Right.RECORD_ACTIVITY}),
    Post.VILLAGE_DIRECTOR: frozenset({Right.READ, Right.RECORD_ACTIVITY}),
}

WHERE_HELD: dict[Post, frozenset[NodeKind]] = {
    Post.GRID_MEMBER: frozenset({NodeKind.GRID}),
    Post.MEDIATOR: frozenset({NodeKind.VILLAGE, NodeKind.TOWNSHIP}),
    Post.MEDIATION_CHAIR: frozenset({NodeKind.VILLAGE, NodeKind.TOWNSHIP}),
    Post.PETITION_AGENT: frozenset({NodeKind.VILLAGE}),
    Post.WORKSTATION_STAFF: frozenset({NodeKind.VILLAGE, NodeKind.TOWNSHIP, NodeKind.COUNTY}),
    Post.PATROL_MEMBER: frozenset({NodeKind.VILLAGE, NodeKind.TOWNSHIP}),
    Post.PATROL_LEADER: frozenset({NodeKind.VILLAGE, NodeKind.TOWNSHIP}),
    Post.ASSESSOR: frozenset({NodeKind.TOWNSHIP, NodeKind.COUNTY}),
    Post.AUDITOR: frozenset({NodeKind.TOWNSHIP, NodeKind.COUNTY}),
    Post.BRANCH_SECRETARY: frozenset({NodeKind.VILLAGE}),
    Post.VILLAGE_DIRECTOR: frozenset({NodeKind.VILLAGE}),
}

COMMITTEE_POSTS = frozenset({Post.MEDIATOR, Post.MEDIATION_CHAIR})
# Posts that check others' work: granted and ended only from the level above the node, so the
# people assessed or audited never choose, or dismiss, who assesses or audits them.
GRANTED_FROM_ABOVE = frozenset({Post.ASSESSOR, Post.AUDITOR})
COMMITTEE_MIN, COMMITTEE_MAX = 3, 9  # People's Mediation Law, Art. 8
RESPONSIBLE_POSTS = frozenset({Post.BRANCH_SECRETARY, Post.VILLAGE_DIRECTOR})
SYSTEM_ACTOR = "system:deadline"


def posts_with(right: Right) -> list[str]:
    return sorted(post.value for post, rights in RIGHTS.items() if right in rights)
