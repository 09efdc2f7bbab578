"""The wall's figures (``command-center indicators``) on a court worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from command_center.data import models as m
from command_center.data.indicators import indicators
from command_center.data.wall import wall_data
from command_center.data.workcal import end_of_day
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.conftest import NOW


def hand_built(db) -> Court:
    """Cases filed on 19 November (their filing nodes are not due yet on the 20th), each with
    one deadline of interest; red means more than three calendar months overdue."""
    court = Court(db)
    court.add(m.Team, id=2, court_id=1, name="普执二组", track="普执")

    def overdue_n09(due: date) -> int:
        case_id = court.case(date(2026, 11, 19))
        court.add(m.NodeInstance, case_id=case_id, node_code="N09", subject_id="", started_at=at(due - timedelta(days=10), 9),
                  due_override=end_of_day(due), source="imported")
        return case_id

    overdue_n09(date(2026, 8, 19))  # red
    yellow = overdue_n09(date(2026, 8, 20))  # exactly three months: yellow
    court.update(m.Case, m.Case.__table__.c.id == yellow, team_id=2)
    funds = court.case(date(2026, 11, 19))
    # F1 unclaimed since 1 November: its 3-day claim (N34) and 10-day payment (N38) are both late, one fund
    court.add(m.Fund, fund_id="F1", case_id=funds, amount=Decimal("1000.10"), arrived_at=at(date(2026, 11, 1), 10))
    # F2 arrived two days ago: nothing late yet
    court.add(m.Fund, fund_id="F2", case_id=funds, amount=Decimal("200.00"), arrived_at=at(date(2026, 11, 18), 10))
    # F4 claimed and paid out in time: not counted anywhere
    court.add(m.Fund, fund_id="F4", case_id=funds, amount=Decimal("50.00"), arrived_at=at(date(2026, 11, 2), 10),
              claimed_at=at(date(2026, 11, 2), 11), disbursed_at=at(date(2026, 11, 5), 10))
    # F3 waiting since 1 October: over 30 days (双零), and its case is blue (its deadlines passed in October)
    court.add(m.Fund, fund_id="F3", case_id=court.case(date(2026, 11, 19)), amount=Decimal("3.00"),
              arrived_at=at(date(2026, 10, 1), 10), claimed_at=at(date(2026, 10, 1), 11))
    court.case(date(2026, 11, 20))  # filed today
    court.case(date(2026, 5, 6), closed_on=date(2026, 11, 19), closing_mode="执行完毕")  # closed: no light
    recompute(db, CATALOGUE, CALENDAR, NOW)
    return court


def test_indicators_as_worked_out_by_hand(db):
    hand_built(db)
    f = indicators(db, CATALOGUE, CALENDAR, NOW)
    assert (f.cases, f.open_cases, f.new_cases_today) == (6, 5, 1)
    assert (f.undisbursed_count, f.undisbursed_amount) == (3, Decimal("1203.10"))  # F1 + F2 + F3
    assert f.funds_over_30_days == 1  # F3
    assert f.funds_3_7_overdue == 2  # F1 (claim and payment late: once) and F3 (payment late)
    assert (f.lights.red, f.lights.yellow, f.lights.blue) == (1, 1, 1)
    # two N09; F1's N34 (due 11-04) and N38 (11-11); F3's N38 (10-11, a Sunday: 10-12) and its
    # distribution N35 (3 days after the claim, 10-04 in the National Day holiday: 10-08); F4's
    # N35 (11-05) and the voucher N39 (3 days after the payment, 11-08, a Sunday: 11-09)
    assert f.overdue_nodes == 8


def test_the_team_board_splits_the_same_figures(db):
    hand_built(db)
    data = wall_data(db, CATALOGUE, CALENDAR, NOW)
    one, two = data.teams
    assert (one.team, one.red, one.yellow, one.blue, one.overdue_nodes, one.open_cases) == ("普执一组", 1, 0, 1, 7, 4)
    assert (two.team, two.red, two.yellow, two.blue, two.overdue_nodes, two.open_cases) == ("普执二组", 0, 1, 0, 1, 1)
