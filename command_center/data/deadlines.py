"""Due dates of node instances, from the catalogue card and the calendar (DOMAIN.md §3–4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from command_center.data.catalogue import NodeDef, TriggerKind
from command_center.data.workcal import Due, Unit, WorkCalendar, add_months, end_of_day

TERM_NODE = "N42"
RENEWAL_NODE = "N20"
#: 续封: a seal or seizure's renewal, due on the asset's current seal expiry (DOMAIN.md §9)
SEAL_NODE = "N48"
#: 执复: decided within 30 days; the president may extend by up to 30 days (法释〔2008〕13号)
REVIEW_NODE = "N50"
REVIEW_EXTENSION_DAYS = 30
#: the case's own deadline, which closing the case completes (not stops): the enforcement
#: term and the objection, review and supervision reviews
CLOSED_BY_CLOSING = frozenset({TERM_NODE, "N49", REVIEW_NODE, "N51"})

#: 民诉法解释 第485条: a seal lasts 2 years for movables, 3 for real estate and other property
#: rights; the default expiry when the case system gave none.  其他 (anything else) gets the
#: shorter 2 years: a warning a year early costs a look, a lapsed seal cannot be undone.
SEAL_YEARS = {"车辆": 2, "动产": 2, "不动产": 3, "股权": 3, "其他": 2}
DEFAULT_SEAL_YEARS = 2
#: disposal statuses (处置状态, free text, compared whole after trimming spaces) that end a
#: seal: the asset is disposed of or released, so it has no 续封 deadline any more
SEAL_ENDED = (
    "已处置",
    "处置完毕",
    "已拍卖",
    "已变卖",
    "已成交",
    "已过户",
    "以物抵债",
    "已解封",
    "解除查封",
    "已解除",
    "已解除查封",
    "已解除扣押",
    "已发还",
    "已返还",
)


def stops_at_closing(node: NodeDef) -> bool:
    """Whether closing the case stops this node while it is open.

    Closing stops the pre-closing work.  It does not stop the closing nodes themselves, nor
    the renewal of a freeze or seal that is still in force: a 终本 case keeps its freezes, and a
    freeze that lapses is lost whatever the case's state.  Releasing the account is what
    ends its N20, disposing of or releasing the asset its N48.
    """
    return node.trigger.kind not in (TriggerKind.CLOSING, TriggerKind.ACCOUNT) and node.unit is not Unit.EXPIRY


def seal_ended(disposal_status: str | None) -> bool:
    """Whether an asset's 处置状态 says it is disposed of or released (no seal to renew)."""
    return (disposal_status or "").strip() in SEAL_ENDED


def seal_expiry(kind: str, seized_on: date, seal_expires_on: date | None, renewed_until: date | None) -> date:
    """The day a seal lapses: the renewal's, else the recorded expiry, else the kind's maximum."""
    if renewed_until is not None:
        return renewed_until
    if seal_expires_on is not None:
        return seal_expires_on
    return add_months(seized_on, 12 * SEAL_YEARS.get(kind, DEFAULT_SEAL_YEARS))


def repeat_subject(number: int) -> str:
    """Subject id of the ``number``-th repetition of a repeating node (N47: R01 … R10)."""
    return f"R{number:02d}"


def repeat_start(closed_on: date, node: NodeDef, number: int) -> date:
    """Repetition ``number`` (1-based) starts ``(number-1) × limit`` months after closing."""
    return add_months(closed_on, node.limit * (number - 1))


def suspended_days(suspensions: Iterable[tuple[date, date | None]], today: date) -> int:
    """Days not counted in the term: both ends included; an open period runs to ``today``; a
    day in two periods that overlap (a 中止 recorded twice, a 暂缓 within a 中止) counts once."""
    total, counted_to = 0, None
    for start, last in sorted((start, end if end is not None else today) for start, end in suspensions):
        if last < start:
            continue
        first = start if counted_to is None or start > counted_to else counted_to + timedelta(days=1)
        if last >= first:
            total += (last - first).days + 1
            counted_to = last
    return total


def node_due(
    calendar: WorkCalendar,
    node: NodeDef,
    started: datetime | date,
    *,
    expiry: date | None = None,
    steps: list | None = None,
) -> Due:
    """The deadline of ``node`` started at ``started`` (``expiry`` for the renewal node);
    ``steps`` records how (:meth:`WorkCalendar.due`)."""
    if node.unit is Unit.EXPIRY:
        if expiry is None:
            raise ValueError(f"{node.code} is due on an expiry date, and none was given")
        if steps is not None:
            steps.append(("expiry", expiry, None))
            steps.append(("due", expiry, False))
        return Due(expiry, end_of_day(expiry), False)
    return calendar.due(started, node.limit, node.unit, steps=steps)


def term_due(
    calendar: WorkCalendar,
    node: NodeDef,
    filed_on: date,
    *,
    suspensions: Iterable[tuple[date, date | None]] = (),
    extended_to: date | None = None,
    today: date,
    steps: list | None = None,
) -> Due:
    """The case term (N42).

    The term ends ``limit`` after filing, or on the approved ``extended_to``; suspended days
    (both ends included, an open period up to ``today``) push that end later; the result is
    rolled off rest days like any ``days`` deadline.
    """
    suspensions = list(suspensions)
    paused = suspended_days(suspensions, today)
    if steps is not None:
        for start, end in suspensions:
            steps.append(("suspended", start, end or today))
    if extended_to is None:
        return calendar.due(filed_on, node.limit, node.unit, paused_days=paused, steps=steps)
    if steps is not None:
        steps.append(("extended_to", extended_to, None))
        if paused:
            steps.append(("paused", None, paused))
    day, provisional = calendar.roll(extended_to + timedelta(days=paused), steps)
    if steps is not None:
        steps.append(("due", day, provisional))
    return Due(day, end_of_day(day), provisional)


def review_due(
    calendar: WorkCalendar,
    node: NodeDef,
    filed_on: date,
    *,
    extended_to: date | None = None,
    steps: list | None = None,
) -> Due:
    """The 执复 review (N50): ``limit`` after filing, or the approved ``extended_to``, which is
    capped at :data:`REVIEW_EXTENSION_DAYS` after the original due date (the law allows no more;
    a later date in the case system is read as the longest extension allowed)."""
    due = calendar.due(filed_on, node.limit, node.unit, steps=None if extended_to else steps)
    if extended_to is None:
        return due
    cap = due.date + timedelta(days=REVIEW_EXTENSION_DAYS)
    if steps is not None:
        steps.append(("extended_to", extended_to, None))
        if extended_to > cap:
            steps.append(("capped", cap, REVIEW_EXTENSION_DAYS))
    day, provisional = calendar.roll(min(extended_to, cap), steps)
    if steps is not None:
        steps.append(("due", day, provisional))
    return Due(day, end_of_day(day), provisional)
