"""The alert rules as SQL expressions, shared by the recompute and the indicators (DOMAIN.md §3).

* ``overdue``: the node is open and ``now`` is past its last on-time instant (``due_at``).
* tiers: blue / yellow / red when today is strictly more than 1 / 2 / 3 calendar months
  after the due date, plain ``overdue`` before that.
* ``due_soon``: open, not overdue, and due within the node's window (``6h``, ``30d``,
  ``2wd``…).  The window's end is worked out once per distinct window in Python (it needs
  the working-day calendar), so the SQL is one comparison per node.

A court with a catalogue of its own (``[courts."CODE"]``) has its own windows: the rules hold
each group of courts' (:mod:`.court_catalogues`), and a node's window is its court's.  With one
catalogue there is one group and the SQL is as above.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, literal, null, or_
from sqlalchemy.sql.expression import ColumnElement

from command_center.data.catalogue import Catalogue, NodeDef
from command_center.data.court_catalogues import CatalogueGroup, catalogue_groups, codes_where
from command_center.data.types import AwareDateTime
from command_center.data.workcal import Tier, Window, WorkCalendar, end_of_day, local_date, tier_threshold
from command_center.labels import AD_HOC

#: The response each light demands (克旗): blue 电子说明, yellow 当面汇报, red 约谈 + 专项评查.
RESPONSES = {Tier.BLUE: "explanation", Tier.YELLOW: "report", Tier.RED: "interview"}
#: Working days an officer has for the response once a light comes on (local default).
RESPONSE_WORKDAYS = 3
#: 临时督办: the node code of every ad-hoc supervision item (the catalogue's are N01…N47), and
#: how long before its due date it counts as due soon
AD_HOC_CODE = "DB"
AD_HOC_WINDOW = Window(2, "wd")


#: 即将转红: how many days ahead the overview and the brief look for lights about to worsen
TURNING_DAYS = 7
#: the lights a case may turn to, worst first, and the months overdue each takes
TURNS_TO = ((Tier.RED, 3), (Tier.YELLOW, 2))


def shown_code(code: str | None, lang: str) -> str:
    """A node's code as the screens show it: N01…N47 as they are, an ad-hoc item as 督办."""
    return AD_HOC[lang] if code == AD_HOC_CODE else code or ""


def open_node(nodes) -> ColumnElement[bool]:
    return and_(nodes.c.completed_at.is_(None), nodes.c.stopped_at.is_(None))


def _windows(catalogue: Catalogue, now: datetime, calendar: WorkCalendar) -> dict[datetime, tuple[str, ...]]:
    """Window end → the codes of ``catalogue`` (and the ad-hoc items) with that window, by end."""
    groups: dict[datetime, list[str]] = defaultdict(list)
    for node in catalogue:
        groups[window_end(node.due_soon, now, calendar)].append(node.code)
    groups[window_end(AD_HOC_WINDOW, now, calendar)].append(AD_HOC_CODE)
    return {at: tuple(codes) for at, codes in sorted(groups.items())}


def window_end(window: Window, now: datetime, calendar: WorkCalendar) -> datetime:
    """The last instant a deadline may fall on to count as due soon at ``now``."""
    today = local_date(now)
    if window.kind == "h":
        return now + timedelta(hours=window.amount)
    if window.kind == "d":
        return end_of_day(today + timedelta(days=window.amount))
    day, _ = calendar.nth_workday_after(today, window.amount)
    return end_of_day(day)


@dataclass(frozen=True)
class Rules:
    """The rule thresholds as of one instant."""

    now: datetime
    today: date
    red_from: date
    yellow_from: date
    blue_from: date
    #: window end → node codes with that window (of the first group's catalogue: the default,
    #: :attr:`catalogue`, unless the recompute found that no court follows it)
    soon_until: dict[datetime, tuple[str, ...]]
    response_due: date
    #: what the rules were worked out from (for the same rules at another instant: :meth:`moved_to`)
    catalogue: Catalogue = field(compare=False, repr=False)
    calendar: WorkCalendar = field(compare=False, repr=False)
    #: the courts grouped by catalogue, the default's first (one group, every court, when no
    #: court has a catalogue of its own; :mod:`.court_catalogues`), and the windows of the
    #: groups after the first
    groups: tuple[CatalogueGroup, ...] = field(default=(), compare=False, repr=False)
    court_windows: tuple[dict[datetime, tuple[str, ...]], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def at(
        cls,
        now: datetime,
        catalogue: Catalogue,
        calendar: WorkCalendar,
        groups: Sequence[CatalogueGroup] | None = None,
    ) -> Rules:
        """The rules as of ``now``; ``groups``: the courts of each catalogue (default: by their
        codes, :func:`~command_center.data.court_catalogues.catalogue_groups`)."""
        today = local_date(now)
        groups = tuple(catalogue_groups(catalogue) if groups is None else groups)
        response_due, _ = calendar.nth_workday_after(today, RESPONSE_WORKDAYS)
        return cls(
            now=now,
            today=today,
            red_from=tier_threshold(today, 3),
            yellow_from=tier_threshold(today, 2),
            blue_from=tier_threshold(today, 1),
            soon_until=_windows(groups[0].catalogue, now, calendar),
            response_due=response_due,
            catalogue=catalogue,
            calendar=calendar,
            groups=groups,
            court_windows=tuple(_windows(group.catalogue, now, calendar) for group in groups[1:]),
        )

    def moved_to(self, now: datetime) -> Rules:
        """The same catalogue's and calendar's rules as of another instant."""
        return Rules.at(now, self.catalogue, self.calendar, self.groups)

    def for_court(self, code: str | None) -> Rules:
        """The rules of one court (of the court code of a case's 案号): its catalogue's alone."""
        return Rules.at(self.now, self.catalogue.for_court(code), self.calendar)

    def _windows(self) -> list[tuple[CatalogueGroup, dict[datetime, tuple[str, ...]]]]:
        return list(zip(self.groups, (self.soon_until, *self.court_windows), strict=True))

    @property
    def latest_soon(self) -> datetime:
        ends = [end for _, windows in self._windows() for end in windows]
        return max(ends) if ends else self.now

    def codes(self, nodes, which: Callable[[NodeDef], bool]) -> ColumnElement[bool]:
        """The node of ``nodes`` is one ``which`` picks in its case's court's catalogue (the fund
        nodes, the renewals …): ``node_code IN (…)`` when every catalogue agrees on the codes."""
        return codes_where(self.groups, nodes.c.node_code, which, case_id=nodes.c.case_id)

    def _instant(self, value: datetime):
        return literal(value, AwareDateTime())

    def lit(self, nodes) -> ColumnElement[bool]:
        """Due on or before ``blue_from``: overdue by more than a month, blue or worse (the
        bound on ``due_at`` lets the open-due index narrow the scan)."""
        return and_(nodes.c.due_at <= self._instant(end_of_day(self.blue_from)), nodes.c.due_date <= self.blue_from)

    def overdue(self, nodes) -> ColumnElement[bool]:
        return nodes.c.due_at < self._instant(self.now)

    def soon_end(self, nodes) -> ColumnElement:
        """The end of the node's due-soon window (NULL for a code the catalogue lacks), in its
        case's court's catalogue."""

        def end(windows: dict[datetime, tuple[str, ...]]) -> ColumnElement:
            return case(
                *[(nodes.c.node_code.in_(codes), self._instant(at)) for at, codes in windows.items()], else_=null()
            )

        if not self.court_windows:
            return end(self.soon_until)
        return case(
            *[
                (and_(*group.cases(nodes.c.case_id)), end(windows))
                for group, windows in zip(self.groups[1:], self.court_windows, strict=True)
            ],
            else_=end(self.soon_until),
        )

    def due_soon(self, nodes) -> ColumnElement[bool]:
        return and_(
            nodes.c.due_at >= self._instant(self.now),
            nodes.c.due_at <= self._instant(self.latest_soon),  # lets the open-due index narrow the scan
            nodes.c.due_at <= self.soon_end(nodes),
        )

    def soon_windows(self, nodes, which: Callable[[NodeDef], bool] | None = None) -> list[ColumnElement[bool]]:
        """:meth:`due_soon` split per window end, each a range of the open code-due index
        (``which``: only the nodes it picks; a window with none of them is left out), and per
        group of courts when they have catalogues of their own.  The ranges are disjoint, so
        their counts add up to the count of the due-soon nodes."""
        ranges = []
        for group, windows in self._windows():
            catalogue = group.catalogue
            for at, codes in windows.items():
                chosen = [c for c in codes if which is None or (c in catalogue and which(catalogue[c]))]
                if chosen:
                    ranges.append(
                        and_(
                            nodes.c.node_code.in_(chosen),
                            nodes.c.due_at >= self._instant(self.now),
                            nodes.c.due_at <= self._instant(at),
                            *group.cases(nodes.c.case_id),
                        )
                    )
        return ranges

    def turning(self, due_date, tier) -> ColumnElement[bool]:
        """A case whose worst node (due on ``due_date``, the case's light ``tier``) turns it red,
        or yellow, within :data:`TURNING_DAYS` unless someone acts (即将转红)."""
        ahead = self.today + timedelta(days=TURNING_DAYS)
        return or_(
            and_(tier != Tier.RED.value, due_date <= tier_threshold(ahead, 3)),
            and_(tier.not_in((Tier.RED.value, Tier.YELLOW.value)), due_date <= tier_threshold(ahead, 2)),
        )

    def turns(self, due_date: date, tier: str | None) -> tuple[str, date] | None:
        """The light a case turns to within :data:`TURNING_DAYS` and the day it does, worked out
        with the arithmetic of the tiers (``due <= tier_threshold(day, months)``); None if none."""
        for light, months in TURNS_TO:
            if tier == light.value:  # already red; or yellow, not turning red in time
                return None
            for ahead in range(1, TURNING_DAYS + 1):
                day = self.today + timedelta(days=ahead)
                if due_date <= tier_threshold(day, months):
                    return light.value, day
        return None

    def tier(self, due_date) -> ColumnElement:
        """The tier of an overdue deadline from its due date (only meaningful when overdue)."""
        return case(
            (due_date <= self.red_from, literal(Tier.RED.value)),
            (due_date <= self.yellow_from, literal(Tier.YELLOW.value)),
            (due_date <= self.blue_from, literal(Tier.BLUE.value)),
            else_=literal(Tier.OVERDUE.value),
        )

    def response_kind(self, tier) -> ColumnElement:
        return case(*[(tier == t.value, literal(kind)) for t, kind in RESPONSES.items()], else_=null())
