"""The case term (N42): suspensions push it back, an approved extension replaces it (DOMAIN.md §4–5)."""

from __future__ import annotations

from datetime import date

from command_center.data.catalogue import load_catalogue
from command_center.data.deadlines import suspended_days, term_due
from command_center.data.workcal import WorkCalendar

CAL = WorkCalendar()
TERM = load_catalogue()["N42"]
TODAY = date(2026, 11, 20)


def test_a_july_suspension_moves_the_term_by_31_days_then_rolls():
    plain = term_due(CAL, TERM, date(2026, 3, 10), today=TODAY)
    assert plain.date == date(2026, 9, 10)
    moved = term_due(CAL, TERM, date(2026, 3, 10), suspensions=[(date(2026, 7, 1), date(2026, 7, 31))], today=TODAY)
    # 2026-09-10 + 31 days = 2026-10-11, a Sunday: the next working day
    assert moved.date == date(2026, 10, 12)


def test_an_open_suspension_counts_up_to_today():
    assert suspended_days([(date(2026, 11, 1), None)], TODAY) == 20
    assert suspended_days([(date(2026, 7, 1), date(2026, 7, 31)), (date(2026, 11, 1), None)], TODAY) == 51


def test_a_day_in_two_overlapping_suspensions_counts_once():
    """A 中止 recorded twice, or a 暂缓 within a 中止: the days of their union, not their sum."""
    july = (date(2026, 7, 1), date(2026, 7, 31))
    assert suspended_days([july, (date(2026, 7, 10), date(2026, 7, 31))], TODAY) == 31
    assert suspended_days([(date(2026, 7, 10), date(2026, 7, 20)), july], TODAY) == 31  # inside, listed first
    assert suspended_days([july, (date(2026, 7, 20), date(2026, 8, 9))], TODAY) == 40  # 07-01..08-09
    assert suspended_days([july, (date(2026, 8, 1), date(2026, 8, 2))], TODAY) == 33  # touching, not overlapping
    assert suspended_days([july, july], TODAY) == 31
    assert suspended_days([(date(2026, 11, 1), None), (date(2026, 11, 5), None)], TODAY) == 20
    assert suspended_days([(date(2026, 7, 31), date(2026, 7, 1)), july], TODAY) == 31  # ends before it begins


def test_an_extension_replaces_the_term_and_is_rolled_and_still_paused():
    assert term_due(CAL, TERM, date(2026, 1, 5), extended_to=date(2026, 10, 3), today=TODAY).date == date(2026, 10, 8)
    paused = term_due(
        CAL,
        TERM,
        date(2026, 1, 5),
        extended_to=date(2026, 10, 3),
        suspensions=[(date(2026, 7, 1), date(2026, 7, 31))],
        today=TODAY,
    )
    assert paused.date == date(2026, 11, 3)


def test_a_2027_term_is_provisional():
    assert term_due(CAL, TERM, date(2026, 9, 1), today=TODAY).provisional
