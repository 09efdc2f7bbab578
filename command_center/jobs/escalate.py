"""An alert nobody acts on climbs (DOMAIN.md §10): its owner → the team leader → the bureau chief.

An overdue alert still ``open`` (not acknowledged), or whose tier response is missing or was
rejected and is past its due date, for ``after`` working days (the court's calendar: rest days
do not count, a 调休 working Saturday does) since it opened, changed tier or last climbed, goes
one step up: to the team leaders of the case's team (straight to the chiefs when the team has
none), then to every chief.  Each step is one ``alert_actions`` row (``escalated_auto``) and an
urgent message to each new recipient (kind ``auto_escalated``, which the quiet hours let
through).  It stops when someone acts (acknowledges, submits the response) or a chief silences
the alert.

It runs inside the recompute's transaction, whose last statement is the scheduler's lease
fence, and marks the alerts it moved with ``escalated_at = now``: a step is taken once, even
when schedulers fail over (a run that lost the lease commits nothing, and the next leader's
run finds the step either taken or not).  Set-based: three statements whatever the court's size.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Connection, String, and_, case, cast, func, literal, or_, select, true, update

from command_center.data.bulk import changed_rows, insert_for
from command_center.data.owners import covers_court
from command_center.data.sqlcal import json_object
from command_center.data.tables import ACTIONS, ALERTS, CASES, OFFICERS, OUTBOX, OUTBOX_QUEUED
from command_center.data.types import AwareDateTime
from command_center.data.workcal import WorkCalendar, end_of_day
from command_center.labels import ESCALATION_NOTES

#: the levels: 0 the owner, 1 the team leader, 2 the bureau chief
LEVEL_WORDS = {1: "team_leader", 2: "chief"}


def cutoff_day(calendar: WorkCalendar, today: date, after: int) -> date:
    """The last day whose events have waited ``after`` working days by ``today``: the working
    days after it, up to and including today, number ``after``."""
    day, counted = today, 0
    while counted < after:
        counted += calendar.is_workday(day)
        day -= timedelta(days=1)
    return day


def escalate(conn: Connection, calendar: WorkCalendar, now: datetime, today: date, after: int, scope) -> int:
    """Take the steps due as of ``now``; returns how many alerts climbed."""
    cutoff = literal(end_of_day(cutoff_day(calendar, today, after)), AwareDateTime())
    at = literal(now, AwareDateTime())
    a = ALERTS
    since = func.coalesce(a.c.tier_changed_at, a.c.opened_at)
    waited_from = case((a.c.escalated_at > since, a.c.escalated_at), else_=since)
    unattended = and_(
        a.c.rule == "overdue",
        a.c.escalation_level < 2,
        (a.c.status == "open")
        | and_(
            a.c.status == "acknowledged",
            a.c.response_status.in_(("missing", "rejected")),
            a.c.response_due_date < today,
        ),
        waited_from <= cutoff,
        scope(a.c.case_id),
    )
    # correlated with the alert being updated (an UPDATE does not correlate by itself)
    team = select(CASES.c.team_id).where(CASES.c.id == a.c.case_id).correlate(a).scalar_subquery()
    leader = OFFICERS.alias("leader")
    has_leader = (
        select(leader.c.id)
        .where(leader.c.team_id == team, leader.c.team_leader == true(), leader.c.active == true())
        .exists()
    )
    climbed = changed_rows(
        conn,
        update(a)
        .where(unattended)
        .values(
            escalation_level=case((and_(a.c.escalation_level == 0, has_leader), 1), else_=2),
            escalated_at=at,
            version=a.c.version + 1,
        ),
    )
    if not climbed:
        return 0
    moved = and_(a.c.escalated_at == at, scope(a.c.case_id))
    level_word = case(*((a.c.escalation_level == n, literal(w)) for n, w in LEVEL_WORDS.items()))
    conn.execute(
        ACTIONS.insert().from_select(
            ["alert_id", "kind", "at", "note"],
            select(a.c.id, literal("escalated_auto"), at, level_word).where(moved),
        )
    )
    to = OFFICERS.alias("to")
    c = CASES
    payload = json_object(
        literal("case_no"),
        c.c.case_no,
        literal("node_code"),
        a.c.node_code,
        literal("subject_id"),
        a.c.subject_id,
        literal("tier"),
        a.c.tier,
        literal("level"),
        level_word,
        literal("note"),
        case((a.c.escalation_level == 1, literal(ESCALATION_NOTES[1])), else_=literal(ESCALATION_NOTES[2])),
        literal("workdays"),
        literal(after),
    )
    key = (
        literal("esc:")
        + cast(a.c.id, String)
        + literal(":")
        + cast(a.c.escalation_level, String)
        + literal(":")
        + to.c.login  # levels only climb: each (alert, level, recipient) once
    )
    recipient = or_(
        and_(a.c.escalation_level == 1, to.c.team_id == c.c.team_id, to.c.team_leader == true()),
        and_(a.c.escalation_level == 2, to.c.role == "chief", covers_court(to.c.court_code, c.c.court_id)),
    )
    conn.execute(
        insert_for(conn, OUTBOX)
        .from_select(
            list(OUTBOX_QUEUED),
            select(
                key,
                literal("auto_escalated"),
                to.c.login,
                to.c.phone,
                a.c.case_id,
                payload,
                literal("pending"),
                true(),
                literal(0),
                at,
                at,
            )
            .select_from(a.join(c, c.c.id == a.c.case_id).join(to, recipient))
            .where(moved, to.c.active == true()),
        )
        .on_conflict_do_nothing(index_elements=["dedup_key"])
    )
    return climbed
