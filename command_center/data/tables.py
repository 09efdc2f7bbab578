"""The table handles every query uses, defined once (SQLAlchemy Core tables of :mod:`.models`)."""

from __future__ import annotations

from command_center.data import models as m

COURTS = m.Court.__table__
TEAMS = m.Team.__table__
OFFICERS = m.Officer.__table__
CASES = m.Case.__table__
PARTIES = m.Party.__table__
NODES = m.NodeInstance.__table__
FUNDS = m.Fund.__table__
ASSETS = m.SeizedAsset.__table__
ACCOUNTS = m.FrozenAccount.__table__
LEADS = m.Lead.__table__
SUSPENSIONS = m.Suspension.__table__
ALERTS = m.Alert.__table__
ACTIONS = m.AlertAction.__table__
LOCKS = m.CaseLock.__table__
ITEMS = m.SupervisionItem.__table__
AUDIT = m.AuditEntry.__table__
OUTBOX = m.OutboxMessage.__table__
#: the columns a job fills when it queues messages (INSERT … SELECT in this order)
OUTBOX_QUEUED = (
    "dedup_key",
    "kind",
    "recipient",
    "phone",
    "case_id",
    "payload",
    "status",
    "urgent",
    "attempts",
    "created_at",
    "next_attempt_at",
)
SNAPSHOTS = m.IndicatorSnapshot.__table__
CALENDAR = m.CalendarDay.__table__
STATE = m.SystemState.__table__
LEASE = m.SchedulerLease.__table__
REVIEWS = m.ReviewList.__table__
REVIEW_MARKS = m.ReviewMark.__table__
DIRTY = m.DirtyCase.__table__
WALL_CASES = m.WallCase.__table__
WALL_CASE_DAYS = m.WallCaseDay.__table__
WALL_DAYS = m.WallDay.__table__
WALL_TEAMS = m.WallTeam.__table__
LOGIN_FAILURES = m.LoginFailure.__table__
GROUPS = m.OfficerGroup.__table__
DUTY = m.DutyWeek.__table__
DUTY_SWAPS = m.DutySwap.__table__
