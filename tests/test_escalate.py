"""An alert nobody acts on climbs: owner → team leader → bureau chief, in working days, once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert

from command_center.data import models as m
from command_center.data.access import Actor
from command_center.data.alerts import acknowledge
from command_center.data.queue import my_queue
from command_center.data.workcal import Overrides, WorkCalendar, end_of_day
from command_center.jobs.escalate import cutoff_day
from command_center.jobs.lease import LeaseLost
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at

FRIDAY = date(2026, 10, 9)  # before Saturday 2026-10-10, a 调休 working day
ACTIONS = m.AlertAction.__table__
OUTBOX = m.OutboxMessage.__table__


@pytest.fixture
def court(db):
    court = Court(db)
    with db.engine.begin() as conn:
        conn.execute(
            insert(m.Officer.__table__).values(
                login="lead", name="王团队长", role="officer", team_id=1, active=True, team_leader=True
            )
        )
    return court


def overdue_case(court) -> int:
    """An objection case (its own node N49 due 2026-10-23) with an imported N09 overdue since 2026-09-30."""
    case_id = court.case(date(2026, 10, 8), case_type="执异")
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N09",
        subject_id="",
        started_at=at(date(2026, 9, 1), 9),
        due_override=end_of_day(date(2026, 9, 30)),
        source="imported",
    )
    return case_id


def run(db, day: date, hour: int = 10, *, calendar=CALENDAR, fence=None):
    return recompute(db, CATALOGUE, calendar, at(day, hour), escalate_after=2, fence=fence)


def steps(court, case_id: int) -> list[tuple[str, str]]:
    alert = court.alerts(case_id)[("N09", "")]
    return [(r.kind, r.note) for r in court.rows(m.AlertAction, ACTIONS.c.alert_id == alert.id) if r.kind != "opened"]


def climbed_messages(court) -> list[tuple[str, str]]:
    return sorted(
        (r.recipient, r.payload["level"]) for r in court.rows(m.OutboxMessage, OUTBOX.c.kind == "auto_escalated")
    )


def test_the_cutoff_counts_working_days_and_the_tiaoxiu_saturday():
    assert cutoff_day(CALENDAR, date(2026, 10, 12), 2) == FRIDAY, "Monday: Saturday (调休) and Monday"
    assert cutoff_day(CALENDAR, date(2026, 10, 11), 2) == date(2026, 10, 8), "Sunday is a rest day"
    rest = WorkCalendar(Overrides(rest_days=frozenset({date(2026, 10, 10)})))
    assert cutoff_day(rest, date(2026, 10, 12), 2) == date(2026, 10, 8)
    assert cutoff_day(rest, date(2026, 10, 13), 2) == date(2026, 10, 11), "Monday and Tuesday: Friday waited them"


def test_an_unacknowledged_alert_climbs_to_the_leader_then_the_chief_once_each(court):
    case_id = overdue_case(court)
    acted = overdue_case(court)
    assert run(court.db, FRIDAY).escalated == 0
    alert = court.alerts(acted)[("N09", "")]
    acknowledge(court.db, alert.id, alert.version, Actor(1, "zhang", "officer"), at(FRIDAY, 11))
    assert run(court.db, date(2026, 10, 10)).escalated == 0, "one working day (the 调休 Saturday)"
    assert run(court.db, date(2026, 10, 11)).escalated == 0, "Sunday does not count"
    assert run(court.db, date(2026, 10, 12)).escalated == 1, "two working days: Saturday and Monday"
    assert steps(court, case_id) == [("escalated_auto", "team_leader")]
    assert steps(court, acted) == [("acknowledged", None)], "someone acted: it stays where it is"
    assert climbed_messages(court) == [("lead", "team_leader")]
    assert run(court.db, date(2026, 10, 12), 11).escalated == 0, "a step is taken once"
    lead = my_queue(court.db, CATALOGUE, Actor(4, "lead", "officer"), at(date(2026, 10, 12), 12))
    assert [(r.case_id, r.node_code) for r in lead.escalated.rows] == [(case_id, "N09")]
    assert run(court.db, date(2026, 10, 13)).escalated == 0, "the next step waits two more working days"
    assert run(court.db, date(2026, 10, 14)).escalated == 1
    assert steps(court, case_id) == [("escalated_auto", "team_leader"), ("escalated_auto", "chief")]
    assert climbed_messages(court) == [("chief", "chief"), ("lead", "team_leader")]
    (message,) = court.rows(m.OutboxMessage, OUTBOX.c.recipient == "chief", OUTBOX.c.kind == "auto_escalated")
    assert message.urgent
    chief = my_queue(court.db, CATALOGUE, Actor(2, "chief", "chief"), at(date(2026, 10, 14), 12))
    assert [r.case_id for r in chief.escalated.rows] == [case_id]
    assert run(court.db, date(2026, 10, 20)).escalated == 0, "the chief is the top"


def test_a_step_is_taken_exactly_once_across_a_failover(court):
    case_id = overdue_case(court)
    run(court.db, FRIDAY)

    def lost(_conn):
        raise LeaseLost("another scheduler took over")

    with pytest.raises(LeaseLost):
        run(court.db, date(2026, 10, 12), fence=lost)  # the old leader: its run commits nothing
    assert steps(court, case_id) == [] and climbed_messages(court) == []
    assert run(court.db, date(2026, 10, 12), 10).escalated == 1  # the new leader
    assert run(court.db, date(2026, 10, 12), 10).escalated == 0  # a run again as of the same instant
    assert steps(court, case_id) == [("escalated_auto", "team_leader")]
    assert climbed_messages(court) == [("lead", "team_leader")]


def test_a_team_without_a_leader_goes_straight_to_the_chief_and_rest_days_follow_the_calendar(court):
    led = overdue_case(court)  # team 1, led by ``lead``
    court.add(m.Team, id=2, court_id=1, name="简执一组", track="简执")
    leaderless = overdue_case(court)
    court.update(m.Case, m.Case.__table__.c.id == leaderless, team_id=2)
    rest = WorkCalendar(Overrides(rest_days=frozenset({date(2026, 10, 10)})))  # no 调休 that Saturday
    run(court.db, FRIDAY, calendar=rest)
    assert run(court.db, date(2026, 10, 12), calendar=rest).escalated == 0
    assert run(court.db, date(2026, 10, 13), calendar=rest).escalated == 2
    assert steps(court, led) == [("escalated_auto", "team_leader")]
    assert steps(court, leaderless) == [("escalated_auto", "chief")]
    assert climbed_messages(court) == [("chief", "chief"), ("lead", "team_leader")]


def test_a_chief_does_not_review_a_response_they_submitted(court):
    from command_center.data.access import ActionRefused
    from command_center.data.alerts import review_response, submit_response

    case_id = overdue_case(court)
    court.update(
        m.NodeInstance, m.NodeInstance.__table__.c.case_id == case_id, due_override=end_of_day(date(2026, 8, 3))
    )
    run(court.db, FRIDAY)  # blue: a written explanation is due
    alert = court.alerts(case_id)[("N09", "")]
    chief = Actor(2, "chief", "chief")
    submit_response(court.db, alert.id, alert.version, chief, at(FRIDAY, 11), "说明")
    alert = court.alerts(case_id)[("N09", "")]
    with pytest.raises(ActionRefused, match="chief submitted this response and may not review it"):
        review_response(court.db, alert.id, alert.version, chief, at(FRIDAY, 12), accept=True)
    with court.db.engine.begin() as conn:
        conn.execute(insert(m.Officer.__table__).values(login="chief2", name="副局长", role="chief", active=True))
    review_response(court.db, alert.id, alert.version, Actor(5, "chief2", "chief"), at(FRIDAY, 12), accept=True)
    assert court.alerts(case_id)[("N09", "")].response_status == "accepted"
