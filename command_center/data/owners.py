"""Who acts on a node (DOMAIN.md §10): the one SQL rule that routes alerts, messages and queues.

The catalogue names each node's owner: the case officer (承办人, the default), the team leader
(团队长: the users of the case's team flagged ``team_leader``) or a named group (``group:NAME``:
its members, ``officer_groups``).  A 临时督办 item (code ``DB``) belongs to its assignee.  Where
an owner has nobody active (a team without a leader, an empty group), the case officer acts,
so no alert is left without someone to act on it.

:func:`owns` is the predicate "officer ``o`` owns this node of this case"; the recompute joins
the officers on it to address messages, and the queue screen binds ``o`` to the user.
"""

from __future__ import annotations

from sqlalchemy import String, and_, case, cast, false, literal, not_, or_, select, true
from sqlalchemy.sql.expression import ColumnElement

from command_center.data.catalogue import Catalogue
from command_center.data.court_catalogues import catalogue_groups, per_court
from command_center.data.tables import COURTS, GROUPS, ITEMS, OFFICERS

AD_HOC = "DB"


def covers_court(court_code, court_id) -> ColumnElement[bool]:
    """Whether a user's ``court_code`` (a column of the officers table, or a value) covers the
    court ``court_id`` (两级法院: 内04 covers 内0425; no court code covers every court):
    messages, escalations and a chief's decisions are of the case's court and the courts above,
    not a neighbour's."""
    return or_(
        court_code.is_(None),
        select(COURTS.c.id).where(COURTS.c.id == court_id, COURTS.c.code.startswith(court_code)).exists(),
    )


def owner_codes(catalogue: Catalogue) -> tuple[list[str], dict[str, str]]:
    """(the codes the team leader owns, group name by the code a group owns)."""
    leader = [n.code for n in catalogue if n.owner == "team_leader"]
    groups = {n.code: n.owner.removeprefix("group:") for n in catalogue if n.owner.startswith("group:")}
    return leader, groups


def owner_key(catalogue: Catalogue) -> tuple[tuple[str, str], ...]:
    """Who acts on which node, where not the case officer: two catalogues with the same key
    route every alert alike."""
    return tuple((n.code, n.owner) for n in catalogue if n.owner != "officer")


def owns(
    catalogue: Catalogue,
    o,
    *,
    node_code: ColumnElement,
    subject_id: ColumnElement,
    case_officer_id: ColumnElement,
    case_team_id: ColumnElement,
    case_court_id: ColumnElement | None = None,
) -> ColumnElement[bool]:
    """Whether the officer row ``o`` (an alias of the officers table) owns the node ``node_code``
    (``subject_id``) of a case with that officer and team: one SQL expression, set-based.

    With ``case_court_id``, the owners are those of the case's court's catalogue (the courts
    with a catalogue of their own: one condition per group of courts whose owners differ);
    without it, those of ``catalogue`` itself."""
    if case_court_id is not None:
        return per_court(
            catalogue_groups(catalogue),
            lambda own: owns(
                own,
                o,
                node_code=node_code,
                subject_id=subject_id,
                case_officer_id=case_officer_id,
                case_team_id=case_team_id,
            ),
            key=owner_key,
            court_id=case_court_id,
        )
    leader_codes, group_of = owner_codes(catalogue)
    is_leader = node_code.in_(leader_codes) if leader_codes else false()
    is_group = node_code.in_(list(group_of)) if group_of else false()
    is_item = node_code == AD_HOC
    leader = OFFICERS.alias("any_leader")
    has_leader = (
        select(leader.c.id)
        .where(leader.c.team_id == case_team_id, leader.c.team_leader == true(), leader.c.active == true())
        .exists()
    )
    if group_of:
        group_name = case(*((node_code == code, literal(name)) for code, name in group_of.items()), else_=literal(""))
        member = OFFICERS.alias("any_member")
        has_member = (
            select(GROUPS.c.officer_id)
            .select_from(GROUPS.join(member, member.c.id == GROUPS.c.officer_id))
            .where(GROUPS.c.group_name == group_name, member.c.active == true())
            .exists()
        )
        in_group = (
            select(GROUPS.c.officer_id).where(GROUPS.c.officer_id == o.c.id, GROUPS.c.group_name == group_name).exists()
        )
    else:
        has_member = in_group = false()
    assignee = (
        select(ITEMS.c.assignee_id).where(literal(AD_HOC) + cast(ITEMS.c.id, String) == subject_id).scalar_subquery()
    )
    return or_(
        and_(
            o.c.id == case_officer_id,
            not_(is_item),
            or_(
                not_(or_(is_leader, is_group)),
                and_(is_leader, not_(has_leader)),
                and_(is_group, not_(has_member)),
            ),
        ),
        and_(is_leader, o.c.team_id == case_team_id, o.c.team_leader == true()),
        and_(is_group, in_group),
        and_(is_item, o.c.id == assignee),
    )
