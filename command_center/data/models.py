"""The shared database schema (SQLAlchemy 2.x typed models).

Migrations under ``migrations/`` create exactly this schema; ``tests/test_schema.py``
checks that Alembic's autogenerate finds no difference.  Screens never see these objects:
queries return plain dataclasses (STYLE.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from command_center.data.names import name_key
from command_center.data.types import AwareDateTime, Fixed, Money

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("wall", "officer", "chief", "admin")
PARTY_ROLES = ("applicant", "debtor")
PARTY_KINDS = ("person", "org")
NODE_SOURCES = ("materialised", "imported", "manual")
#: PostgreSQL only, and only where the pg_trgm extension can be created (migration 0008):
#: trigram indexes that answer the palette's and the case list's ``LIKE '%…%'`` searches.
#: They are outside the model, so a schema comparison leaves them out.
SEARCH_INDEXES = ("ix_cases_case_no_trgm", "ix_parties_name_trgm")


def in_model(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object`` for schema comparisons: everything but the search indexes."""
    return not (type_ == "index" and name in SEARCH_INDEXES)


ALERT_RULES = ("due_soon", "overdue")
ALERT_TIERS = ("overdue", "blue", "yellow", "red")
ALERT_STATUSES = ("open", "acknowledged", "resolved", "silenced")
#: ``sending``: claimed by one sender (``claimed_by``) that is sending it now; ``inhibited``:
#: held back for good, its case being red (the red case's own message says more)
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "inhibited")


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: AwareDateTime(), Decimal: Money(), dict[str, Any]: JSON()}


#: Open = neither completed nor stopped by the case's closing.
OPEN_NODE = text("completed_at IS NULL AND stopped_at IS NULL")
COMPLETED_NODE = text("completed_at IS NOT NULL")
OPEN_DUE_COLUMNS = ("due_at", "case_id", "node_code", "subject_id", "due_date", "provisional", "id")


def _name_key_default(context) -> str | None:
    name = context.get_current_parameters().get("name")
    return name_key(name) if name is not None else None


class Court(Base):
    __tablename__ = "courts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. 内0425
    name: Mapped[str] = mapped_column(String(100))


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("court_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"))
    name: Mapped[str] = mapped_column(String(50))
    track: Mapped[str | None] = mapped_column(String(20))  # 速执 / 简执 / 普执 / 特执


class Officer(Base):
    __tablename__ = "officers"
    __table_args__ = (_one_of("role", ROLES, "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(10), default="officer")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    #: the court code whose courts the user acts on (内0425 one court, 内04 a 中院 and its basic
    #: courts: a prefix of the courts' codes); None: every court
    court_code: Mapped[str | None] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: 团队长: the nodes the catalogue gives the team leader go to the team's leaders
    team_leader: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class OfficerGroup(Base):
    """A user's membership of a named group (账户管理员, 款物管理组, 网络查控组, 卷宗管理 …, the
    court's own names): the nodes the catalogue gives the group go to its members."""

    __tablename__ = "officer_groups"
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True)
    group_name: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class DutyWeek(Base):
    """值班: who is on duty in a week (Monday to Sunday, rest days and 调休 included), in order:
    the first active one is on duty, the others (then the next weeks') take over when they are
    disabled."""

    __tablename__ = "duty_rota"
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the week's Monday
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)


class DutySwap(Base):
    """A swap of one day: the officer on duty that day instead of the week's."""

    __tablename__ = "duty_swaps"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"), index=True)
    #: who the week had on duty that day when the swap was made (shown with the swap)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        CheckConstraint("amount_recovered >= 0", name="recovered_non_negative"),
        Index("ix_cases_filed_on", "filed_on"),
        Index("ix_cases_closed_on", "closed_on"),
        Index("ix_cases_team_open", "team_id", "closed_on"),
        Index("ix_cases_court_open", "court_id", "closed_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    court_id: Mapped[int] = mapped_column(ForeignKey("courts.id"))
    case_no: Mapped[str] = mapped_column(String(60), unique=True)  # 案号, normalised brackets
    case_type: Mapped[str] = mapped_column(String(10))  # 执 / 执恢 / 执保 / 执异 / 执复 / 执监
    filed_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    amount_recovered: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    track: Mapped[str | None] = mapped_column(String(20))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closing_mode: Mapped[str | None] = mapped_column(String(20))
    term_extended_to: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime | None]


class Party(Base):
    __tablename__ = "parties"
    __table_args__ = (
        _one_of("role", PARTY_ROLES, "role"),
        _one_of("kind", PARTY_KINDS, "kind"),
        UniqueConstraint("case_id", "role", "position"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="person")
    id_number: Mapped[str | None] = mapped_column(String(30), index=True)
    #: the name as related cases match it (data/names.py ``name_key``): filled by every writer,
    #: by default from ``name`` for a plain INSERT, and by migration 0013 for the rows before it
    name_key: Mapped[str | None] = mapped_column(String(100), index=True, default=_name_key_default)
    phone: Mapped[str | None] = mapped_column(String(30))
    #: the party asked to get no progress messages (节点短信推送; ``command-center party opt-out``)
    notify_opt_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class NodeInstance(Base):
    """One deadline: a catalogue node for a case, or for one subject of the case.

    ``due_at`` is the last on-time instant (the deadline for ``hours`` nodes, the end of
    ``due_date`` otherwise), so "overdue" is ``now > due_at`` for every unit.
    ``subject_id`` is ``''`` when the node is per case, so the natural key is unique.
    """

    __tablename__ = "node_instances"
    __table_args__ = (
        UniqueConstraint("case_id", "node_code", "subject_id", name="uq_node_instances_key"),
        CheckConstraint(
            "completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at", name="completed_after_start"
        ),
        _one_of("source", NODE_SOURCES, "source"),
        # the wall's hot path: open nodes by deadline, carrying what the wall reads (index-only:
        # the planner cannot know that most open nodes are not yet due, the index makes it cheap)
        Index("ix_node_instances_open_due", *OPEN_DUE_COLUMNS, sqlite_where=OPEN_NODE, postgresql_where=OPEN_NODE),
        Index(
            "ix_node_instances_open_code_due", "node_code", "due_at", sqlite_where=OPEN_NODE, postgresql_where=OPEN_NODE
        ),
        # the applicant's completion message: nodes completed since the last recompute (partial,
        # so that no planner takes it for the open nodes, which the index above serves)
        Index(
            "ix_node_instances_completed_at",
            "completed_at",
            sqlite_where=COMPLETED_NODE,
            postgresql_where=COMPLETED_NODE,
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    node_code: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    stopped_at: Mapped[datetime | None]  # the case closed before the node completed
    due_override: Mapped[datetime | None]  # imported due_at: wins over the computed one
    due_at: Mapped[datetime | None]
    due_date: Mapped[date | None] = mapped_column(Date)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(12), default="materialised")


class Fund(Base):
    __tablename__ = "funds"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_non_negative"),
        Index(
            "ix_funds_undisbursed",
            "arrived_at",
            sqlite_where=text("disbursed_at IS NULL"),
            postgresql_where=text("disbursed_at IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal]
    arrived_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    disbursed_at: Mapped[datetime | None]


class SeizedAsset(Base):
    __tablename__ = "seized_assets"
    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # 车辆 / 不动产 / 动产 / 股权 / 其他
    seized_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    valuation: Mapped[Decimal | None]
    evaluation_started_on: Mapped[date | None] = mapped_column(Date)
    disposal_status: Mapped[str | None] = mapped_column(String(50))
    seal_expires_on: Mapped[date | None] = mapped_column(Date)
    renewed_until: Mapped[date | None] = mapped_column(Date)  # 续封至: the seal's current expiry once renewed


class FrozenAccount(Base):
    __tablename__ = "frozen_accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    bank: Mapped[str | None] = mapped_column(String(100))
    account_no: Mapped[str | None] = mapped_column(String(40))
    frozen_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    renewed_until: Mapped[date | None] = mapped_column(Date)
    released_on: Mapped[date | None] = mapped_column(Date)
    frozen_amount: Mapped[Decimal | None]  # 冻结金额: what the freeze holds (triage: 速执 when it covers the debt)


class Lead(Base):
    __tablename__ = "leads"
    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reported_at: Mapped[datetime]
    control_started_at: Mapped[datetime | None]
    description: Mapped[str | None] = mapped_column(String(200))


class Suspension(Base):
    """中止 / 暂缓: days not counted in the case term (both ends included)."""

    __tablename__ = "suspensions"
    __table_args__ = (
        UniqueConstraint("case_id", "from_date"),
        CheckConstraint("to_date IS NULL OR to_date >= from_date", name="to_after_from"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date | None] = mapped_column(Date)  # open-ended = still suspended


class Alert(Base):
    """An alert's identity is (case, node, subject); its state lives here, its history in actions."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("case_id", "node_code", "subject_id", name="uq_alerts_key"),
        _one_of("rule", ALERT_RULES, "rule"),
        CheckConstraint("tier IS NULL OR tier IN ('overdue', 'blue', 'yellow', 'red')", name="tier"),
        _one_of("status", ALERT_STATUSES, "status"),
        CheckConstraint(
            "status <> 'silenced' OR (silenced_until IS NOT NULL AND silence_reason IS NOT NULL)",
            name="silence_has_reason",
        ),
        Index("ix_alerts_status_rule_tier", "status", "rule", "tier"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    node_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("node_instances.id", ondelete="SET NULL"), index=True
    )
    node_code: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    rule: Mapped[str] = mapped_column(String(10))
    tier: Mapped[str | None] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="open")
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    tier_changed_at: Mapped[datetime | None]
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    resolved_at: Mapped[datetime | None]
    silenced_until: Mapped[datetime | None]
    silence_reason: Mapped[str | None] = mapped_column(Text)
    silenced_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    # the response the tier demands (blue 电子说明, yellow 当面汇报, red 约谈+专项评查)
    response_kind: Mapped[str | None] = mapped_column(String(20))
    response_due_date: Mapped[date | None] = mapped_column(Date)
    response_status: Mapped[str | None] = mapped_column(String(12))  # missing / submitted / accepted / rejected
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency
    #: how far up the chain it went unattended (jobs/escalate.py): 0 its owner, 1 the team
    #: leader, 2 the bureau chief; and when it last climbed
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    escalated_at: Mapped[datetime | None]


class AlertAction(Base):
    __tablename__ = "alert_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]


LOCK_REQUEST_STATUSES = ("pending", "rejected")


class CaseLock(Base):
    """程序锁死: a red case is locked; only a chief unlocks it, with a reason.  An officer may ask
    for the unlock (``request_status`` pending) and the chief grants or rejects it.  A lock row
    is kept after the unlock, so a case's locks are its history; at most one is active."""

    __tablename__ = "case_locks"
    __table_args__ = (
        Index(
            "ix_case_locks_active",
            "case_id",
            unique=True,
            sqlite_where=text("unlocked_at IS NULL"),
            postgresql_where=text("unlocked_at IS NULL"),
        ),
        Index("ix_case_locks_case", "case_id", "locked_at"),
        CheckConstraint("request_status IS NULL OR request_status IN ('pending', 'rejected')", name="request_status"),
        CheckConstraint("unlocked_at IS NULL OR unlock_reason IS NOT NULL", name="unlock_has_reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    locked_at: Mapped[datetime]
    locked_by: Mapped[str] = mapped_column(String(50))  # officer login, or "system" (the recompute, on red)
    reason: Mapped[str] = mapped_column(Text)
    request_status: Mapped[str | None] = mapped_column(String(10))
    requested_at: Mapped[datetime | None]
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    request_reason: Mapped[str | None] = mapped_column(Text)
    unlocked_at: Mapped[datetime | None]
    unlocked_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    unlock_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency


class SupervisionItem(Base):
    """临时督办: an ad-hoc supervision item on a case (from a phone call, say).  It is also a node
    instance (code ``DB``, subject ``DB<id>``, source ``manual``, due on ``due_at``), so the
    recompute gives it the same due-soon / overdue alerts and lifecycle as any node."""

    __tablename__ = "supervision_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(Text)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    due_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    completion_note: Mapped[str | None] = mapped_column(Text)


class AuditEntry(Base):
    """Append-only: the migration installs triggers that refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_case_at", "case_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(50))  # officer login, or "system" / "import"
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives anything it names
    detail: Mapped[dict[str, Any] | None]
    #: sha256(the previous entry's hash + sha256 of this entry's content): see data/audit.py
    hash: Mapped[str | None] = mapped_column(String(64))


class LoginFailure(Base):
    """Wrong passwords in a row for a login (known or not), and until when it is locked."""

    __tablename__ = "login_failures"
    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class OutboxMessage(Base):
    __tablename__ = "notification_outbox"
    __table_args__ = (
        _one_of("status", OUTBOX_STATUSES, "status"),
        Index("ix_notification_outbox_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(100))  # officer login or phone number
    #: where the SMS goes: the officer's phone when it was queued, or the applicant's
    phone: Mapped[str | None] = mapped_column(String(30))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # sent even on rest days (red)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: the sender (a scheduler's lease holder) that claimed it last, and when (database time)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    #: the digest it went out in: the id of the first message of that digest (one send per
    #: recipient and dispatch)
    digest_id: Mapped[int | None] = mapped_column(Integer, index=True)
    #: 值班: the officer it was meant for, when a rest day sent it to the officer on duty instead
    routed_from: Mapped[str | None] = mapped_column(String(100))


class IndicatorSnapshot(Base):
    """One figure of one day: ``scope`` is ``court`` or ``team:<id>``."""

    __tablename__ = "indicator_snapshots"
    __table_args__ = (UniqueConstraint("day", "scope", "indicator", name="uq_indicator_snapshots_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    scope: Mapped[str] = mapped_column(String(20), default="court")
    indicator: Mapped[str] = mapped_column(String(40))
    value: Mapped[Decimal] = mapped_column(Fixed(4, 20))
    taken_at: Mapped[datetime]


class CalendarDay(Base):
    """The working-day calendar materialised for set-based due-date arithmetic (data/sqlcal.py)."""

    __tablename__ = "calendar_days"
    __table_args__ = (Index("ix_calendar_days_workday_seq", "workday_seq", "is_workday"),)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    provisional: Mapped[bool] = mapped_column(Boolean)
    workday_seq: Mapped[int] = mapped_column(Integer)
    provisional_seq: Mapped[int] = mapped_column(Integer)
    roll_to: Mapped[date] = mapped_column(Date)  # first working day on or after ``day``
    roll_provisional: Mapped[bool] = mapped_column(Boolean)  # a provisional day in [day, roll_to]


class SystemState(Base):
    """Small named values the jobs keep between runs (e.g. the calendar's fingerprint)."""

    __tablename__ = "system_state"
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SchedulerLease(Base):
    """Who runs the scheduled jobs: one row per lease, renewed by its holder before it expires.

    ``token`` grows by one at every change of holder; a job's transaction checks it (the
    fencing token), so a leader that lost the lease without noticing cannot write.
    """

    __tablename__ = "scheduler_lease"
    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    token: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    renewed_at: Mapped[datetime]


REVIEW_KINDS = ("fund_sample", "asset_inventory", "closed_review")


class ReviewList(Base):
    """A supervision list the scheduler draws up (克旗): weekly 10% of disbursed-fund files,
    the seized items to check every 10 days, every case closed in the month."""

    __tablename__ = "review_lists"
    __table_args__ = (
        UniqueConstraint("kind", "period", name="uq_review_lists_key"),
        _one_of("kind", REVIEW_KINDS, "kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(20))  # e.g. 2026-W47, 2026-11-21, 2026-10
    created_at: Mapped[datetime]
    items: Mapped[dict[str, Any]]


class DirtyCase(Base):
    """Cases whose facts changed since the last recompute.

    Database triggers (migration 0004) insert the case here whenever a case, its funds,
    seized assets, frozen accounts, leads, suspensions or the start / completion / imported
    deadline of one of its nodes is written, whoever writes it.  The recompute re-derives the
    nodes and due dates of these cases only, and removes the rows it has seen (``version``
    grows with every mark, so a change made during a recompute is kept for the next one).
    """

    __tablename__ = "dirty_cases"
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=1)


#: the wall's lit cases in order: an open case whose first open deadline has passed
LIT_CASE = text("is_open AND first_due IS NOT NULL")


class WallCase(Base):
    """One case as the wall counts it (:mod:`command_center.data.wall_counts`): its court and
    team, whether it is open, how many open nodes with a due date it has, and the first of them
    (by due date, code and subject), whose due date gives the case's light at any instant.

    Kept by the recompute, in its transaction, for the cases it re-derives; a case changed
    since (marked in ``dirty_cases``) is read from the facts instead, so the wall is exact
    between two recomputes.  No foreign key: a case's removal marks it, the next recompute
    drops its row."""

    __tablename__ = "wall_cases"
    __table_args__ = (
        # a court's cases, wherever the case table holds them (a province's are interleaved)
        Index("ix_wall_cases_court", "court_id", "case_id"),
        # the lights: a range per tier, in the order the lists show (and per court)
        Index(
            "ix_wall_cases_lit",
            "first_due",
            "case_id",
            "team_id",
            "court_id",
            sqlite_where=LIT_CASE,
            postgresql_where=LIT_CASE,
        ),
        Index(
            "ix_wall_cases_court_lit",
            "court_id",
            "first_due",
            "case_id",
            "team_id",
            sqlite_where=LIT_CASE,
            postgresql_where=LIT_CASE,
        ),
    )
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    court_id: Mapped[int] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(Boolean)
    open_nodes: Mapped[int] = mapped_column(Integer)
    first_due: Mapped[date | None] = mapped_column(Date)
    first_code: Mapped[str | None] = mapped_column(String(8))
    first_subject: Mapped[str | None] = mapped_column(String(64))


class WallCaseDay(Base):
    """A case's open nodes with a due date, counted per due date (what it adds to ``wall_days``)."""

    __tablename__ = "wall_case_days"
    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    nodes: Mapped[int] = mapped_column(Integer)


class WallDay(Base):
    """Open nodes with a due date per court, team (0: none) and due date: the overdue nodes at
    any instant are the rows before its day plus that day's nodes already past."""

    __tablename__ = "wall_days"
    court_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    team_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    due_date: Mapped[date] = mapped_column(Date, primary_key=True)
    nodes: Mapped[int] = mapped_column(Integer)


class WallTeam(Base):
    """Per court and team (0: none): cases, open cases, open nodes with a due date."""

    __tablename__ = "wall_teams"
    court_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    team_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(Integer)
    open_cases: Mapped[int] = mapped_column(Integer)
    open_nodes: Mapped[int] = mapped_column(Integer)


REVIEW_RESULTS = ("pass", "fail")


class ReviewMark(Base):
    """评查: one item of a review list marked 合格 (pass) or 不合格 (fail) with a note, by a chief;
    a failed item opens a rectification item (a 临时督办 item, ``item_id``) that the recompute
    alerts on like any supervision item."""

    __tablename__ = "review_marks"
    __table_args__ = (
        UniqueConstraint("list_id", "item_key", name="uq_review_marks_item"),
        _one_of("result", REVIEW_RESULTS, "result"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("review_lists.id", ondelete="CASCADE"), index=True)
    item_key: Mapped[str] = mapped_column(String(100))  # the fund, asset or case the item is
    result: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    marked_by: Mapped[str] = mapped_column(String(50))
    marked_at: Mapped[datetime]
    item_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_items.id"))
