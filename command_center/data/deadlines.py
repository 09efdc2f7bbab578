"""Due dates of node instances, from the catalogue card and the calendar (DOMAIN.md §3–4)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from command_center.data.catalogue import NodeDef, TriggerKind
from command_center.data.workcal import Due, Unit, WorkCalendar, add_months, end_of_day

TERM_NODE = "N42"
RENEWAL_NODE = "N20"


def stops_at_closing(node: NodeDef) -> bool:
    """Whether closing the case stops this node while it is open.

    Closing stops the pre-closing work.  It does not stop the closing nodes themselves, nor
    the renewal of a freeze that is still in force: a 终本 case keeps its freezes, and a
    freeze that lapses is lost whatever the case's state.  Releasing the account is what
    ends its N20.
    """
    return node.trigger.kind not in (TriggerKind.CLOSING, TriggerKind.ACCOUNT)


def repeat_subject(number: int) -> str:
    """Subject id of the ``number``-th repetition of a repeating node (N47: R01 … R10)."""
    return f"R{number:02d}"


def repeat_start(closed_on: date, node: NodeDef, number: int) -> date:
    """Repetition ``number`` (1-based) starts ``(number-1) × limit`` months after closing."""
    return add_months(closed_on, node.limit * (number - 1))


def suspended_days(suspensions: Iterable[tuple[date, date | None]], today: date) -> int:
    """Days not counted in the term: both ends included; an open period runs to ``today``."""
    total = 0
    for start, end in suspensions:
        last = end if end is not None else today
        if last >= start:
            total += (last - start).days + 1
    return total


def node_due(calendar: WorkCalendar, node: NodeDef, started: datetime | date, *, expiry: date | None = None) -> Due:
    """The deadline of ``node`` started at ``started`` (``expiry`` for the renewal node)."""
    if node.unit is Unit.EXPIRY:
        if expiry is None:
            raise ValueError(f"{node.code} is due on an expiry date, and none was given")
        return Due(expiry, end_of_day(expiry), False)
    return calendar.due(started, node.limit, node.unit)


def term_due(
    calendar: WorkCalendar,
    node: NodeDef,
    filed_on: date,
    *,
    suspensions: Iterable[tuple[date, date | None]] = (),
    extended_to: date | None = None,
    today: date,
) -> Due:
    """The case term (N42).

    The term ends ``limit`` after filing, or on the approved ``extended_to``; suspended days
    (both ends included, an open period up to ``today``) push that end later; the result is
    rolled off rest days like any ``days`` deadline.
    """
    paused = suspended_days(suspensions, today)
    if extended_to is None:
        return calendar.due(filed_on, node.limit, node.unit, paused_days=paused)
    day, provisional = calendar.roll(extended_to + timedelta(days=paused))
    return Due(day, end_of_day(day), provisional)
