"""The drill-down: a paged, sortable, filterable case list, and everything about one case.

A row's node is the one that put the case in the list: its worst (earliest-due) open overdue
node, exactly as the wall and ``command-center indicators`` rank it, or in the due-soon list
its earliest node due soon.  A list is one ``LIMIT``/``OFFSET`` query plus its count, so a
100,000-row list costs a page, not the list.  Names come back unmasked: the screens mask
them until an operator has logged in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import exists, func, literal, or_, select, type_coerce, update

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, StaleVersion, require_case, sees_names
from command_center.data.alerts import ALERT_STATUSES, AlertRow, list_alerts
from command_center.data.audit import AuditLine, audit_trail
from command_center.data.caseno import court_of, normalise_case_no
from command_center.data.court_catalogues import codes_where
from command_center.data.courts import Scope, of_cases
from command_center.data.deadlines import seal_ended, seal_expiry
from command_center.data.engine import Database
from command_center.data.lights import TIERS, worst_nodes
from command_center.data.locks import LockRow, list_locks
from command_center.data.parties import first_debtor
from command_center.data.rules import AD_HOC_CODE, Rules, open_node
from command_center.data.supervision import ItemRow, items_of
from command_center.data.tables import ACCOUNTS, ASSETS, CASES, FUNDS, LEADS, LOCKS, NODES, OFFICERS, PARTIES, TEAMS
from command_center.data.triage import TriageRules, disagrees
from command_center.data.types import Money
from command_center.data.workcal import Tier, tier_for

SCOPES = ("open", "overdue", *TIERS, "due_soon", "turning", "new", "funds", "all")
SORTS = ("days", "amount", "team", "officer", "case_no")
PAGE = 50


@dataclass(frozen=True)
class CaseFilter:
    scope: str = "open"
    team: str | None = None
    officer: str | None = None
    stage: str | None = None  # the stage of the row's node
    tier: str | None = None
    text: str | None = None  # part of the 案号 or of a party's name
    triage_disagrees: bool = False  # only cases whose track is not the one triage suggests
    courts: frozenset[int] | None = None  # only these courts' cases (data/courts.py); None: every court

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"unknown case list scope {self.scope!r}")


@dataclass(frozen=True)
class CaseListRow:
    case_id: int
    case_no: str
    debtor: str
    team: str
    officer: str
    amount: Decimal
    filed_on: date
    node_code: str | None
    due_date: date | None
    due_at: datetime | None
    tier: str | None
    overdue_days: int
    locked: bool
    #: the list of the undisbursed funds (scope ``funds``): what of the case's funds waits to be
    #: paid out, the figure the list is about (``amount`` is the case's 标的)
    waiting: Decimal | None = None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseListRow]
    total: int
    offset: int


def _soonest(rules: Rules):
    """Per open case with a node due soon: the earliest such node."""
    n = NODES
    ranked = (
        select(
            n.c.case_id,
            n.c.node_code,
            n.c.subject_id,
            n.c.due_date,
            n.c.due_at,
            func.row_number()
            .over(partition_by=n.c.case_id, order_by=(n.c.due_at, n.c.node_code, n.c.subject_id))
            .label("rank"),
        )
        .where(open_node(n), rules.due_soon(n))
        .subquery()
    )
    return (
        select(ranked.c.case_id, ranked.c.node_code, ranked.c.due_date, ranked.c.due_at, literal(None).label("tier"))
        .where(ranked.c.rank <= 1)
        .subquery()
    )  # <= 1: see worst_nodes


def list_cases(
    db: Database,
    rules: Rules,
    flt: CaseFilter = CaseFilter(),
    sort: str = "days",
    *,
    viewer: Actor | None = None,
    descending: bool = True,
    offset: int = 0,
    limit: int = PAGE,
    triage: TriageRules | None = None,
) -> CasePage:
    """A page of the cases ``flt`` selects, sorted; its text filter matches a party's name only
    for a ``viewer`` who may see names (:func:`~command_center.data.access.sees_names`); its
    "triage disagrees" filter reads the court's ``triage`` rules (default: the defaults)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; one of {', '.join(SORTS)}")
    tier = flt.tier or (flt.scope if flt.scope in TIERS else None)
    if flt.scope == "due_soon":
        node, inner = _soonest(rules), True
        node_due_at = node.c.due_at
    else:
        worst = worst_nodes(rules, lit_only=tier in TIERS)
        node, inner = worst, flt.scope in ("overdue", *TIERS, "turning")
        node_due_at = literal(None)
    officer = OFFICERS.alias("officer")
    joined = CASES.join(node, node.c.case_id == CASES.c.id, isouter=not inner)
    conditions = []
    if flt.scope != "all":
        conditions.append(CASES.c.closed_on.is_(None))
    if flt.scope == "new":
        conditions = [CASES.c.filed_on == rules.today]  # every case filed today, closed or not (the indicator's count)
    if flt.scope == "funds":  # every case holding a fund arrived and not disbursed, closed or not (the indicator's)
        conditions = [
            exists().where(
                FUNDS.c.case_id == CASES.c.id, FUNDS.c.disbursed_at.is_(None), FUNDS.c.arrived_at <= rules.now
            )
        ]
    if tier:
        conditions.append(node.c.tier == tier)
    if flt.scope == "turning":  # 即将转红: the earliest to turn first (sorted by days)
        conditions.append(rules.turning(node.c.due_date, node.c.tier))
    if flt.courts is not None:
        conditions += of_cases(flt.courts)
    if flt.team:  # a team's name is unique in its court, not across courts
        conditions.append(CASES.c.team_id.in_(select(TEAMS.c.id).where(TEAMS.c.name == flt.team)))
    if flt.officer:
        conditions.append(
            CASES.c.officer_id.in_(
                select(OFFICERS.c.id).where(or_(OFFICERS.c.name == flt.officer, OFFICERS.c.login == flt.officer))
            )
        )
    if flt.triage_disagrees:
        conditions.append(disagrees(triage or TriageRules(), rules.now, rules.today))
    if flt.stage:  # a node of that stage in its case's court's catalogue
        conditions.append(
            codes_where(rules.groups, node.c.node_code, lambda d: d.stage == flt.stage, court_id=CASES.c.court_id)
        )
    # a text search scans names: its page carries the total (a window count) rather than scan twice;
    # without one the separate count is cheaper than counting inside the page's sort
    searching = bool(flt.text and flt.text.strip())
    if searching:
        pattern = f"%{_escape_like(flt.text.strip())}%"
        by_no = CASES.c.case_no.like(_case_no_pattern(flt.text), escape="\\")
        by_name = exists().where(PARTIES.c.case_id == CASES.c.id, PARTIES.c.name.like(pattern, escape="\\"))
        conditions.append(or_(by_no, by_name) if sees_names(viewer) else by_no)
    locked = exists().where(LOCKS.c.case_id == CASES.c.id, LOCKS.c.unlocked_at.is_(None))
    waiting = (  # the undisbursed funds' list is about them: their sum is its amount, and sorts it
        select(type_coerce(func.coalesce(func.sum(FUNDS.c.amount), 0), Money()))
        .where(FUNDS.c.case_id == CASES.c.id, FUNDS.c.disbursed_at.is_(None), FUNDS.c.arrived_at <= rules.now)
        .scalar_subquery()
        if flt.scope == "funds"
        else literal(None)
    )
    shown_amount = waiting if flt.scope == "funds" else CASES.c.amount
    order = {
        "days": [node.c.due_date.is_(None), node.c.due_date if descending else node.c.due_date.desc()],
        "amount": [shown_amount.desc() if descending else shown_amount],
        "team": [TEAMS.c.name.is_(None), TEAMS.c.name if descending else TEAMS.c.name.desc(), node.c.due_date],
        "officer": [officer.c.name.is_(None), officer.c.name if descending else officer.c.name.desc(), node.c.due_date],
        "case_no": [CASES.c.case_no if descending else CASES.c.case_no.desc()],
    }[sort]
    if flt.scope == "due_soon" and sort == "days":  # the soonest first
        order = [node_due_at if descending else node_due_at.desc()]
    query = (
        select(
            CASES.c.id,
            CASES.c.case_no,
            CASES.c.amount,
            CASES.c.filed_on,
            TEAMS.c.name.label("team"),
            officer.c.name.label("officer"),
            node.c.node_code,
            node.c.due_date,
            node_due_at.label("due_at"),
            node.c.tier,
            waiting.label("waiting"),
            (func.count().over() if searching else literal(None)).label("total"),
        )
        .select_from(
            joined.outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id).outerjoin(
                officer, officer.c.id == CASES.c.officer_id
            )
        )
        .where(*conditions)
        .order_by(*order, CASES.c.id)
        .offset(max(offset, 0))
        .limit(limit)
    )
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
        if rows and searching:
            total = rows[0].total
        else:  # an outer join of one node per case adds no row: unless a condition is on the node, count the cases
            total = conn.execute(
                select(func.count()).select_from(joined if inner or tier or flt.stage else CASES).where(*conditions)
            ).scalar_one()
        # the debtor and the lock of the page's rows only: in the page query PostgreSQL
        # evaluated them for every row the OFFSET skips (the last page took 140 ms)
        extra = (
            {
                r.id: r
                for r in conn.execute(
                    select(CASES.c.id, first_debtor(CASES.c.id).label("debtor"), locked.label("locked")).where(
                        CASES.c.id.in_([r.id for r in rows])
                    )
                )
            }
            if rows
            else {}
        )
    return CasePage(
        [
            CaseListRow(
                r.id,
                r.case_no,
                extra[r.id].debtor or "",
                r.team or "",
                r.officer or "",
                r.amount,
                r.filed_on,
                r.node_code,
                r.due_date,
                r.due_at,
                r.tier,
                (rules.today - r.due_date).days if r.due_date and r.tier else 0,
                bool(extra[r.id].locked),
                r.waiting,
            )
            for r in rows
        ],
        total,
        max(offset, 0),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _case_no_pattern(text: str) -> str:
    """``LIKE`` pattern for part of a 案号 typed in any of its forms (full-width digits, other brackets)."""
    return f"%{_escape_like(normalise_case_no(text))}%"


def find_cases(
    db: Database, text: str, *, viewer: Actor | None = None, limit: int = 20, courts: Scope = None
) -> list[tuple[int, str, str]]:
    """(case id, 案号, matching party or first debtor) for the command palette: 案号 first.  A party's
    name is matched only for a ``viewer`` who may see names: a masked name must not be searchable.
    ``courts``: only those courts' cases (:mod:`.courts`; None: every court)."""
    text = text.strip()
    if not text:
        return []
    pattern = f"%{_escape_like(text)}%"
    with db.engine.connect() as conn:
        by_no = conn.execute(
            select(CASES.c.id, CASES.c.case_no, first_debtor(CASES.c.id))
            .where(CASES.c.case_no.like(_case_no_pattern(text), escape="\\"), *of_cases(courts))
            .order_by(CASES.c.case_no)
            .limit(limit)
        ).all()
        by_name = (
            []
            if not sees_names(viewer)
            else conn.execute(
                select(CASES.c.id, CASES.c.case_no, PARTIES.c.name)
                .select_from(PARTIES.join(CASES, CASES.c.id == PARTIES.c.case_id))
                .where(PARTIES.c.name.like(pattern, escape="\\"), *of_cases(courts))
                .order_by(PARTIES.c.name, CASES.c.case_no)
                .limit(limit)
            ).all()
        )
    seen: set[int] = set()
    found = []
    for row in [*by_no, *by_name]:
        if row[0] not in seen:
            seen.add(row[0])
            found.append((row[0], row[1], row[2] or ""))
    return found[:limit]


# -- one case ----------------------------------------------------------------------------------

AD_HOC_STAGE = "临时督办"
NODE_STATES = ("done", "active", "due_soon", "overdue", "not_started", "stopped")


@dataclass(frozen=True)
class NodeLine:
    code: str
    stage: str
    subject_id: str
    state: str  # one of NODE_STATES
    tier: str | None
    due_date: date | None
    due_at: datetime | None
    provisional: bool
    started_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True)
class Party:
    role: str
    name: str
    kind: str
    phone: str | None


@dataclass(frozen=True)
class CaseDetail:
    id: int
    case_no: str
    case_type: str
    filed_on: date
    amount: Decimal
    recovered: Decimal
    team_id: int | None
    team: str
    officer_id: int | None
    officer: str
    officer_login: str | None
    closed_on: date | None
    closing_mode: str | None
    term_due: date | None
    parties: list[Party]
    nodes: list[NodeLine]
    funds: list[tuple]
    assets: list[tuple]
    accounts: list[tuple]
    leads: list[tuple]
    alerts: list[AlertRow]
    locks: list[LockRow] = field(default_factory=list)
    history: list[AuditLine] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)  # 临时督办
    #: the case's court's code (内0425, its 案号's: the import keys the court by it); the case
    #: follows that court's catalogue (``Catalogue.for_court``)
    court_code: str = ""

    def item(self, subject_id: str) -> ItemRow | None:
        return next((i for i in self.items if i.subject_id == subject_id), None)

    @property
    def lock(self) -> LockRow | None:
        return next((lk for lk in self.locks if lk.active), None)


class CaseNotFound(ActionRefused):
    pass


def node_state(completed_at, stopped_at, due_at, due_soon_until: datetime | None, now: datetime) -> str:
    if completed_at is not None:
        return "done"
    if stopped_at is not None:
        return "stopped"
    if due_at is not None and due_at < now:
        return "overdue"
    if due_at is not None and due_soon_until is not None and due_at <= due_soon_until:
        return "due_soon"
    return "active"


def case_detail(db: Database, rules: Rules, case_id: int) -> CaseDetail:
    """Everything the case screen shows, as of ``rules.now``; the timeline lists every catalogue
    node of the case's type (DOMAIN.md §8), those the case never reached as ``not_started``
    (a node it has although its type does not take it, one the case system reported, is shown too).
    The catalogue is the case's court's (its own where it has one), and so are the windows."""
    officer = OFFICERS.alias("officer")
    with db.engine.connect() as conn:
        head = conn.execute(
            select(
                CASES,
                TEAMS.c.name.label("team_name"),
                officer.c.name.label("officer_name"),
                officer.c.login.label("officer_login"),
            )
            .select_from(
                CASES.outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id).outerjoin(
                    officer, officer.c.id == CASES.c.officer_id
                )
            )
            .where(CASES.c.id == case_id)
        ).one_or_none()
        if head is None:
            raise CaseNotFound(f"no case with id {case_id}")
        own = rules.for_court(court_of(head.case_no))
        catalogue = own.catalogue
        soon_until = {code: at for at, codes in own.soon_until.items() for code in codes}
        parties = [
            Party(r.role, r.name, r.kind, r.phone)
            for r in conn.execute(
                select(PARTIES).where(PARTIES.c.case_id == case_id).order_by(PARTIES.c.role, PARTIES.c.position)
            )
        ]
        nodes = conn.execute(select(NODES).where(NODES.c.case_id == case_id)).all()
        funds = conn.execute(
            select(FUNDS.c.fund_id, FUNDS.c.amount, FUNDS.c.arrived_at, FUNDS.c.claimed_at, FUNDS.c.disbursed_at)
            .where(FUNDS.c.case_id == case_id)
            .order_by(FUNDS.c.arrived_at)
        ).all()
        assets = conn.execute(
            select(
                ASSETS.c.asset_id,
                ASSETS.c.kind,
                ASSETS.c.seized_on,
                ASSETS.c.location,
                ASSETS.c.disposal_status,
                ASSETS.c.seal_expires_on,
                ASSETS.c.renewed_until,
            )
            .where(ASSETS.c.case_id == case_id)
            .order_by(ASSETS.c.seized_on)
        ).all()
        accounts = conn.execute(
            select(
                ACCOUNTS.c.account_id,
                ACCOUNTS.c.bank,
                ACCOUNTS.c.frozen_on,
                ACCOUNTS.c.expires_on,
                ACCOUNTS.c.renewed_until,
                ACCOUNTS.c.released_on,
                ACCOUNTS.c.frozen_amount,
            )
            .where(ACCOUNTS.c.case_id == case_id)
            .order_by(ACCOUNTS.c.frozen_on)
        ).all()
        leads = conn.execute(
            select(LEADS.c.lead_id, LEADS.c.reported_at, LEADS.c.control_started_at, LEADS.c.description)
            .where(LEADS.c.case_id == case_id)
            .order_by(LEADS.c.reported_at)
        ).all()
    lines: list[NodeLine] = []
    seen = set()
    for n in nodes:
        seen.add(n.node_code)
        state = node_state(n.completed_at, n.stopped_at, n.due_at, soon_until.get(n.node_code), rules.now)
        tier = None
        if state == "overdue" and n.due_date is not None:
            tier = (tier_for(n.due_date, rules.today) or Tier.OVERDUE).value
        stage = (
            catalogue[n.node_code].stage
            if n.node_code in catalogue
            else AD_HOC_STAGE
            if n.node_code == AD_HOC_CODE
            else ""
        )
        lines.append(
            NodeLine(
                n.node_code,
                stage,
                n.subject_id,
                state,
                tier,
                n.due_date,
                n.due_at,
                bool(n.provisional),
                n.started_at,
                n.completed_at,
            )
        )
    for d in catalogue.for_case_type(head.case_type):
        if d.code not in seen:
            lines.append(NodeLine(d.code, d.stage, "", "not_started", None, None, None, False, None, None))
    order = {d.code: i for i, d in enumerate(catalogue)}
    lines.sort(
        key=lambda x: (
            order.get(x.code, len(order)),
            x.due_at or datetime.max.replace(tzinfo=rules.now.tzinfo),
            x.subject_id,
        )
    )
    term = next((x.due_date for x in lines if x.code == "N42"), None)
    return CaseDetail(
        id=head.id,
        case_no=head.case_no,
        case_type=head.case_type,
        filed_on=head.filed_on,
        amount=head.amount,
        recovered=head.amount_recovered,
        team_id=head.team_id,
        team=head.team_name or "",
        officer_id=head.officer_id,
        officer=head.officer_name or "",
        officer_login=head.officer_login,
        closed_on=head.closed_on,
        closing_mode=head.closing_mode,
        term_due=term,
        parties=parties,
        nodes=lines,
        funds=[tuple(r) for r in funds],
        # (id, kind, seized on, location, status, the seal's current expiry: None once it ended)
        assets=[
            (*r[:5], None if seal_ended(r.disposal_status) else seal_expiry(r.kind, r.seized_on, *r[5:]))
            for r in assets
        ],
        accounts=[tuple(r) for r in accounts],
        leads=[tuple(r) for r in leads],
        alerts=list_alerts(db, rules.now, case_no=head.case_no, statuses=ALERT_STATUSES),
        locks=list_locks(db, case_no=head.case_no, active_only=False),
        history=audit_trail(db, case_id=case_id),
        items=items_of(db, case_id),
        court_code=court_of(head.case_no),
    )


def case_id_by_no(db: Database, case_no: str) -> int:
    with db.engine.connect() as conn:
        found = conn.execute(select(CASES.c.id).where(CASES.c.case_no == case_no)).scalar_one_or_none()
    if found is None:
        raise CaseNotFound(f"no case {case_no}")
    return found


def teams_and_officers(db: Database) -> tuple[list[tuple[int, str]], list[tuple[int, str, str, int | None]]]:
    """(id, name) of the teams; (id, login, name, team id) of the active officers: the reassign form's choices."""
    with db.engine.connect() as conn:
        teams = [tuple(r) for r in conn.execute(select(TEAMS.c.id, TEAMS.c.name).order_by(TEAMS.c.id))]
        officers = [
            tuple(r)
            for r in conn.execute(
                select(OFFICERS.c.id, OFFICERS.c.login, OFFICERS.c.name, OFFICERS.c.team_id)
                .where(OFFICERS.c.active, OFFICERS.c.role.in_(("officer", "chief")))
                .order_by(OFFICERS.c.login)
            )
        ]
    return teams, officers


def reassign(
    db: Database,
    case_id: int,
    who: Actor,
    now: datetime,
    *,
    expected: tuple[int | None, int | None],
    officer_id: int | None,
    team_id: int | None,
    reason: str,
) -> None:
    """Give the case to another officer and / or team (chief or admin), if its (officer, team)
    is still ``expected`` (what the chief saw): no lost update when two people reassign at once."""
    old_officer, old_team = expected
    with db.engine.begin() as conn:
        require_case(conn, who, "reassign", case_id)  # a chief: a court theirs covers
        if not reason or not reason.strip():
            raise ActionRefused("a reassignment needs a reason")
        if (officer_id, team_id) == expected:
            raise ActionRefused("the case already has that officer and team")
        done = conn.execute(
            update(CASES)
            .where(
                CASES.c.id == case_id,
                CASES.c.officer_id.is_not_distinct_from(old_officer),
                CASES.c.team_id.is_not_distinct_from(old_team),
            )
            .values(officer_id=officer_id, team_id=team_id, updated_at=now)
            .execution_options(preserve_rowcount=True)
        ).rowcount
        if done != 1:
            if conn.execute(select(CASES.c.id).where(CASES.c.id == case_id)).first() is None:
                raise CaseNotFound(f"no case with id {case_id}")
            raise StaleVersion("the case was reassigned by someone else meanwhile; reload it and try again")
        audit.record(
            conn,
            now,
            who.login,
            "case.reassigned",
            "case",
            str(case_id),
            case_id,
            {
                "from": {"officer_id": old_officer, "team_id": old_team},
                "to": {"officer_id": officer_id, "team_id": team_id},
                "reason": reason.strip(),
            },
        )
