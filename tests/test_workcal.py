"""The working-day calendar and deadline arithmetic (DOMAIN.md §3) on real holidays."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from command_center.data.workcal import (
    TZ,
    CalendarError,
    Due,
    Tier,
    Unit,
    Window,
    WorkCalendar,
    YearSource,
    add_months,
    end_of_day,
    load_overrides,
    tier_for,
    tier_of_due,
    tier_threshold,
)

CAL = WorkCalendar()
D = date.fromisoformat


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


# -- the official schedule ---------------------------------------------------------------


def test_2026_national_day_is_rest_and_the_adjusted_saturday_works():
    for day in range(1, 8):
        assert not CAL.is_workday(date(2026, 10, day)), f"2026-10-0{day} is a National Day rest day"
    assert CAL.is_workday(D("2026-10-10")), "2026-10-10, a Saturday, is an adjusted working day"
    assert CAL.is_workday(D("2026-09-20")), "2026-09-20, a Sunday, is an adjusted working day"
    assert CAL.is_workday(D("2026-10-08")) and CAL.is_workday(D("2026-10-09"))
    assert not CAL.is_workday(D("2026-10-11"))
    assert not CAL.is_provisional(D("2026-10-10"))


def test_2025_spring_festival():
    for day in (D("2025-01-28") + timedelta(days=i) for i in range(8)):
        assert not CAL.is_workday(day), day
    assert CAL.is_workday(D("2025-01-26")), "a Sunday worked before the 2025 Spring Festival"
    assert CAL.is_workday(D("2025-02-08")), "a Saturday worked after the 2025 Spring Festival"
    assert CAL.is_workday(D("2025-02-05"))


def test_weekends_alone_would_be_wrong():
    # 2026-10-05 is a Monday but a rest day; 2026-02-28 a Saturday but a working day.
    assert D("2026-10-05").weekday() == 0 and not CAL.is_workday(D("2026-10-05"))
    assert D("2026-02-28").weekday() == 5 and CAL.is_workday(D("2026-02-28"))


def test_year_sources():
    assert CAL.year_source(2026) is YearSource.OFFICIAL
    assert CAL.year_source(2027) is YearSource.PROVISIONAL
    assert CAL.year_info(2027).provisional and not CAL.year_info(2026).provisional


# -- each unit -----------------------------------------------------------------------------


def test_days_roll_across_national_day():
    due = CAL.due(at("2026-09-28T09:00"), 3, Unit.DAYS)
    assert due.date == D("2026-10-08"), "2026-10-01 is a rest day: the deadline moves to the next working day"
    assert due.at == end_of_day(D("2026-10-08")) and not due.provisional


def test_days_landing_on_adjusted_saturday_stays():
    assert CAL.due(at("2026-10-03T09:00"), 7, Unit.DAYS).date == D("2026-10-10")


def test_days_do_not_count_the_start_day():
    assert CAL.due(D("2026-11-16"), 3, Unit.DAYS).date == D("2026-11-19")


def test_workdays_skip_the_holiday_and_count_the_adjusted_saturday():
    assert CAL.due(at("2026-09-30T16:00"), 2, Unit.WORKDAYS).date == D("2026-10-09")
    assert CAL.due(at("2026-09-30T16:00"), 3, Unit.WORKDAYS).date == D("2026-10-10")
    assert CAL.due(D("2026-09-18"), 1, Unit.WORKDAYS).date == D("2026-09-20"), "Sunday 2026-09-20 is worked"


def test_months_clip_to_month_end_then_roll():
    assert CAL.due(D("2026-01-31"), 1, Unit.MONTHS).date == D("2026-02-28"), "clipped; 2026-02-28 is a working Saturday"
    assert CAL.due(D("2026-03-31"), 6, Unit.MONTHS).date == D("2026-09-30"), "a Wednesday before National Day"
    assert CAL.due(D("2026-04-01"), 6, Unit.MONTHS).date == D("2026-10-08"), "2026-10-01 rolls past National Day"
    assert CAL.due(D("2026-05-04"), 1, Unit.MONTHS).date == D("2026-06-04")


def test_hours_ignore_rest_days():
    due = CAL.due(at("2026-09-30T20:00"), 24, Unit.HOURS)
    assert due.at == at("2026-10-01T20:00") and due.date == D("2026-10-01") and not due.provisional
    assert not due.is_overdue(at("2026-10-01T20:00"))
    assert due.is_overdue(at("2026-10-01T20:00:01"))


def test_expiry_is_due_on_the_day_itself():
    due = CAL.due(D("2026-10-03"), 0, Unit.EXPIRY)
    assert due.date == D("2026-10-03"), "a freeze lapses on its expiry date even on a holiday"


def test_date_deadline_is_overdue_from_the_next_day():
    due = CAL.due(D("2026-11-16"), 3, Unit.DAYS)
    assert not due.is_overdue(at("2026-11-19T23:59:59"))
    assert due.is_overdue(at("2026-11-20T00:00"))


# -- provisional years -----------------------------------------------------------------


def test_2027_due_dates_are_provisional_estimates():
    due = CAL.due(D("2026-12-28"), 5, Unit.DAYS)
    # 2027-01-02 is a Saturday, the estimated New Year holiday is 2027-01-01.
    assert due.date == D("2027-01-04") and due.provisional
    assert not CAL.is_workday(D("2027-02-08")), "estimated Spring Festival"
    assert CAL.is_provisional(D("2027-02-08"))


def test_a_2026_due_date_that_looks_at_2027_is_provisional_only_if_it_does():
    assert not CAL.due(D("2026-11-02"), 3, Unit.DAYS).provisional
    assert CAL.due(D("2026-12-29"), 3, Unit.WORKDAYS).provisional


def test_far_future_years_never_crash():
    due = CAL.due(D("2031-06-01"), 10, Unit.WORKDAYS)
    assert due.provisional and CAL.is_workday(due.date)


# -- the court's override file ---------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_override_rest_and_work_days_win(tmp_path):
    cal = WorkCalendar(load_overrides(write(tmp_path, 'rest_days = ["2026-11-19"]\nwork_days = ["2026-11-22"]\n')))
    assert not cal.is_workday(D("2026-11-19"))
    assert cal.is_workday(D("2026-11-22"))
    assert cal.due(D("2026-11-16"), 3, Unit.DAYS).date == D("2026-11-20")
    assert cal.year_info(2026).overridden


def test_override_completes_a_provisional_year(tmp_path):
    path = write(
        tmp_path,
        'rest_days = ["2027-01-01", "2027-02-05..2027-02-11"]\nwork_days = ["2027-02-14"]\ncomplete_years = [2027]\n',
    )
    cal = WorkCalendar(load_overrides(path))
    assert cal.year_source(2027) is YearSource.OVERRIDE
    due = cal.due(D("2027-02-03"), 2, Unit.WORKDAYS)
    assert due.date == D("2027-02-12") and not due.provisional
    assert cal.is_workday(D("2027-02-14")), "the typed-in adjusted Sunday works"
    assert cal.is_workday(D("2027-06-09")), "no estimate on top of a complete year"


def test_override_without_complete_year_keeps_the_rest_provisional(tmp_path):
    cal = WorkCalendar(load_overrides(write(tmp_path, 'work_days = ["2027-02-14"]\n')))
    assert not cal.is_provisional(D("2027-02-14"))
    assert cal.is_provisional(D("2027-02-15"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('rest_days = ["2027-13-01"]\n', "line 1, rest_days[0]: '2027-13-01' is not a date"),
        ('work_days = ["2027-02-14"]\nrest_days = ["2027-02-14"]\n', "2027-02-14 is listed both"),
        ('rest_day = ["2027-01-01"]\n', "line 1, rest_day: unknown key"),
        ('rest_days = ["2027-01-05..2027-01-01"]\n', "ends before it starts"),
        ('complete_years = ["2027"]\n', "complete_years: must be a list of years"),
        ("rest_days = [", "not valid TOML"),
    ],
)
def test_broken_override_files_name_the_line_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(CalendarError) as error:
        load_overrides(path)
    assert str(path) in str(error.value)
    assert expected in str(error.value)


def test_missing_override_file_is_a_clear_error(tmp_path):
    with pytest.raises(CalendarError, match="cannot read"):
        load_overrides(tmp_path / "nope.toml")


# -- overdue tiers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "tier"),
    [
        ("2026-08-20", None),
        ("2026-08-21", Tier.OVERDUE),
        ("2026-09-20", Tier.OVERDUE),  # exactly one month: not yet blue
        ("2026-09-21", Tier.BLUE),
        ("2026-10-20", Tier.BLUE),  # exactly two months: not yet yellow
        ("2026-10-21", Tier.YELLOW),
        ("2026-11-20", Tier.YELLOW),  # exactly three months is not red
        ("2026-11-21", Tier.RED),
    ],
)
def test_tier_boundaries(today, tier):
    assert tier_for(D("2026-08-20"), D(today)) is tier


def test_tier_months_clip_at_month_end():
    assert tier_for(D("2026-01-31"), D("2026-02-28")) is Tier.OVERDUE
    assert tier_for(D("2026-01-31"), D("2026-03-01")) is Tier.BLUE
    assert tier_for(D("2025-11-30"), D("2026-02-28")) is Tier.YELLOW
    assert tier_for(D("2025-11-30"), D("2026-03-01")) is Tier.RED


def test_hours_node_overdue_on_its_due_day_is_plain_overdue():
    due = CAL.due(at("2026-11-19T12:00"), 24, Unit.HOURS)
    assert tier_of_due(due, at("2026-11-20T11:00")) is None
    assert tier_of_due(due, at("2026-11-20T13:00")) is Tier.OVERDUE


# -- due soon ----------------------------------------------------------------------------


def test_due_soon_two_working_days_across_a_weekend():
    now = at("2026-11-20T10:00")  # a Friday
    window = Window.parse("2wd")
    assert CAL.is_due_soon(Due(D("2026-11-20"), end_of_day(D("2026-11-20")), False), now, window), "due today"
    assert CAL.is_due_soon(Due(D("2026-11-24"), end_of_day(D("2026-11-24")), False), now, window), (
        "Tuesday is the 2nd working day"
    )
    assert not CAL.is_due_soon(Due(D("2026-11-25"), end_of_day(D("2026-11-25")), False), now, window)
    assert not CAL.is_due_soon(Due(D("2026-11-19"), end_of_day(D("2026-11-19")), False), now, window), (
        "overdue is not due soon"
    )


def test_due_soon_days_and_hours_windows():
    now = at("2026-11-20T10:00")
    assert CAL.is_due_soon(Due(D("2026-12-20"), end_of_day(D("2026-12-20")), False), now, Window.parse("30d"))
    assert not CAL.is_due_soon(Due(D("2026-12-21"), end_of_day(D("2026-12-21")), False), now, Window.parse("30d"))
    assert CAL.is_due_soon(Due(D("2026-11-20"), at("2026-11-20T16:00"), False), now, Window.parse("6h"))
    assert not CAL.is_due_soon(Due(D("2026-11-20"), at("2026-11-20T16:00:01"), False), now, Window.parse("6h"))


def test_window_parse_rejects_nonsense():
    with pytest.raises(ValueError, match="not a window"):
        Window.parse("2 weeks")


# -- properties --------------------------------------------------------------------------

dates = st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31))
limits = st.integers(min_value=1, max_value=60)


@settings(max_examples=300, deadline=None)
@given(start=dates, n=limits)
def test_workday_due_is_a_working_day_after_the_start(start, n):
    due = CAL.due(start, n, Unit.WORKDAYS)
    assert CAL.is_workday(due.date)
    assert due.date > start
    # exactly n working days in (start, due]
    days = [start + timedelta(days=i) for i in range(1, (due.date - start).days + 1)]
    assert sum(CAL.is_workday(d) for d in days) == n


@settings(max_examples=300, deadline=None)
@given(start=dates, n=limits)
def test_days_due_is_the_first_working_day_from_start_plus_n(start, n):
    due = CAL.due(start, n, Unit.DAYS)
    assert CAL.is_workday(due.date)
    assert due.date >= start + timedelta(days=n)
    assert all(
        not CAL.is_workday(d) for d in (start + timedelta(days=n + i) for i in range((due.date - start).days - n))
    )


@settings(max_examples=200, deadline=None)
@given(start=dates, n=limits, unit=st.sampled_from([Unit.DAYS, Unit.WORKDAYS, Unit.MONTHS]))
def test_adding_more_never_goes_backwards(start, n, unit):
    assert CAL.due(start, n + 1, unit).date >= CAL.due(start, n, unit).date
    assert CAL.due(start + timedelta(days=1), n, unit).date >= CAL.due(start, n, unit).date


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=24))
def test_months_due_is_at_or_after_the_clipped_date(start, n):
    due = CAL.due(start, n, Unit.MONTHS)
    assert due.date >= add_months(start, n)
    assert CAL.is_workday(due.date)


@settings(max_examples=300, deadline=None)
@given(due=dates, today=dates, months=st.integers(min_value=1, max_value=3))
def test_tier_threshold_matches_month_arithmetic(due, today, months):
    assert (due <= tier_threshold(today, months)) == (today > add_months(due, months))


@settings(max_examples=200, deadline=None)
@given(start=dates, n=limits)
def test_provisional_exactly_when_a_looked_at_day_is_in_an_uncovered_year(start, n):
    due = CAL.due(start, n, Unit.DAYS)
    if due.date.year <= 2026:
        assert not due.provisional
    elif start + timedelta(days=n) > date(2026, 12, 31):
        assert due.provisional
