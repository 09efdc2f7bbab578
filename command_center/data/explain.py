"""Why a node is due when it is (``command-center explain 案号 NODE``, the node card).

The explanation is the record of the Python arithmetic of :mod:`.deadlines` and
:class:`~command_center.data.workcal.WorkCalendar` working the date out again, step by step:
the start, the limit and its unit, each rest day it rolled over (by name: 国庆节, 周末), the
调休 working days it counted, the suspended days and the extension that moved it, and whether
it rests on a provisional year.  The recompute works the stored dates out in SQL
(:mod:`command_center.data.sqlcal`); the explanation says whether they agree, and the tests
hold them together for every unit.  A due date the case system gave (``due_at`` of an imported
row) is said to be the case system's: there is no arithmetic to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select

from command_center.data.caseno import court_of
from command_center.data.catalogue import TriggerKind
from command_center.data.deadlines import (
    REVIEW_NODE,
    TERM_NODE,
    node_due,
    review_due,
    seal_expiry,
    term_due,
)
from command_center.data.engine import Database
from command_center.data.rules import Rules
from command_center.data.tables import ACCOUNTS, ASSETS, CASES, NODES, SUSPENSIONS
from command_center.data.workcal import TZ, Unit, local_date
from command_center.labels import EXPLAIN, UNITS


class NothingToExplain(ValueError):
    """No such case, or no such node of it (the message says which, in English; ``key`` and
    ``values`` say it in another language: ``labels.EXPLAIN[lang][key]``)."""

    def __init__(self, message: str, *, key: str, **values) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


@dataclass(frozen=True)
class Explanation:
    case_no: str
    case_type: str
    node_code: str
    node_name: str
    subject_id: str
    limit: int
    unit: str
    source: str  # materialised / imported / manual
    started_at: datetime | None
    #: (kind, day, detail): counted_to, rolled_over (reason), skipped / counted (reason), paused
    #: (days), suspended (to), extended_to, capped (days), expiry, at, due (provisional)
    steps: list[tuple[str, date | None, object]] = field(default_factory=list)
    due: date | None = None  # as worked out here
    stored_due: date | None = None  # as the recompute stored it
    given_by_case_system: bool = False  # an imported due_at: the case system's date
    provisional: bool = False
    node_name_en: str = ""  # the catalogue's English name (the Chinese one where it has none)

    @property
    def agrees(self) -> bool:
        return self.given_by_case_system or self.due == self.stored_due

    def as_json(self) -> dict:
        return {
            "case_no": self.case_no,
            "case_type": self.case_type,
            "node_code": self.node_code,
            "node_name": self.node_name,
            "subject_id": self.subject_id,
            "limit": self.limit,
            "unit": self.unit,
            "source": self.source,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "steps": [
                {"kind": kind, "day": day.isoformat() if day else None, "detail": _json(detail)}
                for kind, day, detail in self.steps
            ],
            "due": self.due.isoformat() if self.due else None,
            "stored_due": self.stored_due.isoformat() if self.stored_due else None,
            "given_by_case_system": self.given_by_case_system,
            "provisional": self.provisional,
            "agrees": self.agrees,
        }


def _json(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def explain(db: Database, rules: Rules, case_no: str, code: str, subject_id: str = "") -> Explanation:
    """The explanation of the due date of node ``code`` (and ``subject_id``) of case ``case_no``,
    by the card of the case's court's catalogue."""
    calendar = rules.calendar
    with db.engine.connect() as conn:
        case = conn.execute(select(CASES).where(CASES.c.case_no == case_no)).one_or_none()
        if case is None:
            raise NothingToExplain(f"no case {case_no}", key="no_case", case_no=case_no)
        catalogue = rules.catalogue.for_court(court_of(case.case_no))
        instances = conn.execute(
            select(NODES).where(NODES.c.case_id == case.id, NODES.c.node_code == code).order_by(NODES.c.subject_id)
        ).all()
        node_row = next((n for n in instances if n.subject_id == subject_id), None)
        if node_row is None and not subject_id and len(instances) == 1:
            node_row = instances[0]
        if node_row is None:
            subjects = ", ".join(n.subject_id or "—" for n in instances)
            raise NothingToExplain(
                f"{case_no} has no node {code}" + (f" {subject_id}" if subject_id else "")
                + (f" (its {code} nodes are for: {subjects})" if instances else ""),
                key="no_node_for" if instances else "no_node",
                case_no=case_no, code=code, subject=f" {subject_id}" if subject_id else "", subjects=subjects,
            )  # fmt: skip
        suspensions = conn.execute(
            select(SUSPENSIONS.c.from_date, SUSPENSIONS.c.to_date).where(SUSPENSIONS.c.case_id == case.id)
        ).all()
        expiry = None
        if code in catalogue and catalogue[code].unit is Unit.EXPIRY:
            expiry = _expiry(conn, catalogue[code].trigger.kind, case.id, node_row.subject_id)
    node = catalogue[code] if code in catalogue else None
    base = {
        "case_no": case.case_no,
        "case_type": case.case_type,
        "node_code": code,
        "node_name": node.name if node else code,
        "node_name_en": node.label("en") if node else code,
        "subject_id": node_row.subject_id,
        "limit": node.limit if node else 0,
        "unit": node.unit.value if node else "",
        "source": node_row.source,
        "started_at": node_row.started_at,
        "stored_due": node_row.due_date,
    }
    if node_row.due_override is not None:
        return Explanation(**base, due=local_date(node_row.due_override), given_by_case_system=True)
    if node is None or node_row.started_at is None and code != TERM_NODE:
        return Explanation(**base)  # not started: nothing is due yet
    steps: list = []
    today = rules.today
    if code == TERM_NODE:
        due = term_due(
            calendar,
            node,
            case.filed_on,
            suspensions=[(s.from_date, s.to_date) for s in suspensions],
            extended_to=case.term_extended_to,
            today=today,
            steps=steps,
        )
    elif code == REVIEW_NODE:
        due = review_due(calendar, node, case.filed_on, extended_to=case.term_extended_to, steps=steps)
    else:
        if node.unit is Unit.EXPIRY and expiry is None:
            return Explanation(**base)
        due = node_due(calendar, node, node_row.started_at, expiry=expiry, steps=steps)
    return Explanation(**base, steps=steps, due=due.date, provisional=due.provisional)


def _expiry(conn, kind: TriggerKind, case_id: int, subject_id: str) -> date | None:
    """The current expiry of the account (N20) or the asset's seal (N48) the node is about."""
    if kind is TriggerKind.ACCOUNT:
        row = conn.execute(
            select(ACCOUNTS.c.renewed_until, ACCOUNTS.c.expires_on).where(
                and_(ACCOUNTS.c.case_id == case_id, ACCOUNTS.c.account_id == subject_id)
            )
        ).one_or_none()
        return (row.renewed_until or row.expires_on) if row else None
    row = conn.execute(
        select(ASSETS.c.kind, ASSETS.c.seized_on, ASSETS.c.seal_expires_on, ASSETS.c.renewed_until).where(
            and_(ASSETS.c.case_id == case_id, ASSETS.c.asset_id == subject_id)
        )
    ).one_or_none()
    return seal_expiry(row.kind, row.seized_on, row.seal_expires_on, row.renewed_until) if row else None


def lines(e: Explanation, lang: str) -> list[str]:
    """The explanation in words, one line a step; runs of days of one kind and reason on one
    line (``顺延过 10-03 至 10-07 (国庆节)``)."""
    w = EXPLAIN[lang]
    reasons = w["reasons"]
    out = [
        w["head"].format(
            node=f"{e.node_code} {e.node_name_en if lang == 'en' and e.node_name_en else e.node_name}",
            subject=f" [{e.subject_id}]" if e.subject_id else "",
            case=e.case_no,
        )
    ]
    if e.given_by_case_system:
        out.append(w["given"].format(due=e.due))
        return out
    if e.due is None:
        out.append(w["not_started"])
        return out
    if e.started_at is not None and e.unit != "expiry":
        start = f"{e.started_at.astimezone(TZ):%Y-%m-%d %H:%M}"
        out.append((w["start_at"] if e.unit == "hours" else w["start"]).format(start=start))
    if e.unit != "expiry":
        out.append(w["limit"].format(limit=e.limit, unit=UNITS[lang].get(e.unit, e.unit)))
    runs: list[list] = []
    for kind, day, detail in e.steps:
        last = runs[-1] if runs else None
        if (
            last
            and kind in ("rolled_over", "skipped", "counted")
            and last[0] == kind
            and last[3] == detail
            and day == last[2] + timedelta(days=1)
        ):
            last[2] = day
        else:
            runs.append([kind, day, day, detail])
    for kind, first, last, detail in runs:
        span = f"{first}" if first == last else w["span"].format(first=first, last=last)
        if kind in ("rolled_over", "skipped", "counted"):
            out.append(w[kind].format(days=span, reason=reasons.get(detail, detail)))
        elif kind == "counted_to":
            out.append(w["counted_to"].format(day=first) + (w["clipped"] if detail == "clipped" else ""))
        elif kind == "suspended":
            out.append(w["suspended"].format(first=first, last=detail))
        elif kind == "paused":
            out.append(w["paused"].format(days=detail))
        elif kind == "extended_to":
            out.append(w["extended_to"].format(day=first))
        elif kind == "capped":
            out.append(w["capped"].format(day=first, days=detail))
        elif kind == "expiry":
            out.append(w["expiry"].format(day=first))
        elif kind == "at":
            out.append(w["at"].format(at=f"{detail.astimezone(TZ):%Y-%m-%d %H:%M}"))
        elif kind == "due":
            out.append(w["due"].format(day=first) + (w["provisional"] if detail else ""))
    if not e.agrees:
        out.append(w["disagrees"].format(stored=e.stored_due or w["no_stored_due"]))
    return out
