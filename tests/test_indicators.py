"""The wall's figures (``command-center indicators``) on a court worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from command_center.data import models as m
from command_center.data.cases import node_state
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.wall import wall_data
from command_center.data.workcal import end_of_day, tier_for
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
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N09",
            subject_id="",
            started_at=at(due - timedelta(days=10), 9),
            due_override=end_of_day(due),
            source="imported",
        )
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
    court.add(
        m.Fund,
        fund_id="F4",
        case_id=funds,
        amount=Decimal("50.00"),
        arrived_at=at(date(2026, 11, 2), 10),
        claimed_at=at(date(2026, 11, 2), 11),
        disbursed_at=at(date(2026, 11, 5), 10),
    )
    # F3 waiting since 1 October: over 30 days (双零), and its case is blue (its deadlines passed in October)
    court.add(
        m.Fund,
        fund_id="F3",
        case_id=court.case(date(2026, 11, 19)),
        amount=Decimal("3.00"),
        arrived_at=at(date(2026, 10, 1), 10),
        claimed_at=at(date(2026, 10, 1), 11),
    )
    court.case(date(2026, 11, 20))  # filed today
    court.case(date(2026, 5, 6), closed_on=date(2026, 11, 19), closing_mode="执行完毕")  # closed: no light
    recompute(db, CATALOGUE, CALENDAR, NOW)
    return court


def test_indicators_as_worked_out_by_hand(db):
    hand_built(db)
    f = indicators(db, Rules.at(NOW, CATALOGUE, CALENDAR))
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
    data = wall_data(db, Rules.at(NOW, CATALOGUE, CALENDAR))
    one, two = data.teams
    assert (one.team, one.red, one.yellow, one.blue, one.overdue_nodes, one.open_cases) == ("普执一组", 1, 0, 1, 7, 4)
    assert (two.team, two.red, two.yellow, two.blue, two.overdue_nodes, two.open_cases) == ("普执二组", 0, 1, 0, 1, 1)


def test_due_soon_and_lights_agree_with_a_node_by_node_reading(db):
    """The set-based counts (a range per due-soon window) and light lists (cases ranked by
    their earliest lit date, then that date's first node) against the rules applied node by
    node in Python, on a court with a node on each side of every window's end and a case
    whose two worst nodes fall due on the same day."""
    court = Court(db)
    today = date(2026, 11, 20)  # NOW: a Friday, 10:00

    def imported(
        code: str, due_at, subject: str = "", filed_on: date = date(2026, 11, 19), case_id: int | None = None
    ) -> int:
        case_id = case_id or court.case(filed_on)
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code=code,
            subject_id=subject,
            started_at=at(filed_on, 9),
            due_override=due_at,
            source="imported",
        )
        return case_id

    imported("N09", end_of_day(date(2026, 11, 24)))  # the second working day: the 2wd window's last
    imported("N09", end_of_day(date(2026, 11, 25)))  # a day after it
    imported("N08", at(today, 16), "L1")  # six hours: the 6h window's last instant
    imported("N08", at(today, 16, 1), "L2")
    freezes = imported("N20", end_of_day(date(2026, 12, 20)), "A1")  # 30 days: due soon and expiring
    imported("N20", end_of_day(date(2026, 12, 21)), "A2", case_id=freezes)
    seals = imported("N48", end_of_day(date(2026, 12, 20)), "S1")  # a seal's 30 days: 续封临期
    imported("N48", end_of_day(date(2026, 12, 21)), "S2", case_id=seals)
    imported("N42", end_of_day(date(2026, 12, 20)), filed_on=date(2026, 6, 18))
    # the day after filing, before any filing node falls due: these are the cases' worst nodes
    tie = imported("N10", end_of_day(date(2026, 7, 2)), filed_on=date(2026, 7, 1))  # red; N09 on the same day wins
    imported("N09", end_of_day(date(2026, 7, 2)), filed_on=date(2026, 7, 1), case_id=tie)
    imported(
        "N12", end_of_day(date(2026, 7, 1)), "done", filed_on=date(2026, 7, 1), case_id=tie
    )  # earlier, but completed
    court.update(m.NodeInstance, m.NodeInstance.__table__.c.subject_id == "done", completed_at=at(date(2026, 7, 1), 12))
    imported("N09", end_of_day(date(2026, 9, 2)), filed_on=date(2026, 9, 1))  # yellow
    imported("N09", end_of_day(date(2026, 10, 11)), filed_on=date(2026, 10, 10))  # blue
    recompute(db, CATALOGUE, CALENDAR, NOW)

    rules = Rules.at(NOW, CATALOGUE, CALENDAR)
    soon_until = {code: end for end, codes in rules.soon_until.items() for code in codes}
    nodes = court.rows(m.NodeInstance)
    open_cases = {r.id for r in court.rows(m.Case) if r.closed_on is None}
    states = [(n, node_state(n.completed_at, n.stopped_at, n.due_at, soon_until.get(n.node_code), NOW)) for n in nodes]
    soon = [n for n, state in states if state == "due_soon"]
    worst: dict[int, tuple] = {}
    for n, state in states:
        if state == "overdue" and n.case_id in open_cases:
            worst[n.case_id] = min(worst.get(n.case_id, (n.due_date, n.node_code)), (n.due_date, n.node_code))
    lit = {case_id: (tier_for(due, today), due, code) for case_id, (due, code) in worst.items()}

    data = wall_data(db, Rules.at(NOW, CATALOGUE, CALENDAR), limit=1000)
    assert data.indicators.due_soon_nodes == len(soon)
    assert data.indicators.freezes_expiring == sum(n.node_code == "N20" for n in soon) == 1
    assert data.indicators.seals_expiring == sum(n.node_code == "N48" for n in soon) == 1
    assert {(n.node_code, n.subject_id) for n in soon} >= {("N09", ""), ("N08", "L1"), ("N20", "A1"), ("N42", "")}
    case_nos = {r.id: r.case_no for r in court.rows(m.Case)}
    for tier in ("red", "yellow", "blue"):
        expected = sorted(
            (due, case_id, code) for case_id, (t, due, code) in lit.items() if t is not None and t.value == tier
        )
        assert [(r.case_no, r.node_code, r.due_date) for r in data.lights[tier]] == [
            (case_nos[c], code, due) for due, c, code in expected
        ]
        assert expected
    assert next((r.node_code, r.due_date) for r in data.lights["red"] if r.case_no == case_nos[tie]) == (
        "N09",
        date(2026, 7, 2),
    )
