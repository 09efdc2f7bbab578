"""The recompute on a hand-built court, on SQLite and PostgreSQL, with a fixed ``now``.

Expected due dates come from the Python calendar (data/deadlines.py), which test_workcal
pins to the official 2026 schedule; this file checks the SQL recompute against it and the
alert rules against hand-worked dates.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from command_center.data import models as m
from command_center.data.deadlines import node_due, term_due
from command_center.data.demo import generate
from command_center.data.workcal import Overrides, WorkCalendar, end_of_day
from command_center.jobs import recompute as recompute_module
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at

NOW = at(date(2026, 11, 20), 10)


def run(db, now=NOW, **kw):
    return recompute(db, CATALOGUE, CALENDAR, now, **kw)


@pytest.fixture
def court(db):
    return Court(db)


def test_filing_nodes_roll_over_the_national_day_and_mark_2027_provisional(court):
    case_id = court.case(date(2026, 9, 28))
    run(court.db)
    nodes = court.nodes(case_id)
    filing = {n.code for n in CATALOGUE.for_case_type("执") if n.trigger.kind.value == "filing"}
    assert {code for code, _ in nodes} == filing
    for code in filing:
        row = nodes[(code, "")]
        assert row.source == "materialised" and row.started_at == at(date(2026, 9, 28))
        expected = (
            node_due(CALENDAR, CATALOGUE[code], at(date(2026, 9, 28)))
            if code != "N42"
            else term_due(CALENDAR, CATALOGUE[code], date(2026, 9, 28), today=NOW.date())
        )
        assert (row.due_date, row.due_at, row.provisional) == (expected.date, expected.at, expected.provisional), code
    # 3 days from 09-28 is 10-01, inside the National Day holiday: rolled to 10-08
    assert nodes[("N02", "")].due_date == date(2026, 10, 8)
    assert nodes[("N05", "")].due_date == date(2026, 9, 30)
    assert nodes[("N13", "")].due_date == date(2026, 10, 28)
    # six months lands on 2027-03-28, a Sunday of a year without official data
    assert nodes[("N42", "")].due_date == date(2027, 3, 29) and nodes[("N42", "")].provisional


def test_after_nodes_start_when_the_predecessor_completes_and_keep_its_subject(court):
    case_id = court.case(date(2026, 11, 2))
    court.add(m.Fund, fund_id="AK1", case_id=case_id, amount=Decimal("500.00"), arrived_at=at(date(2026, 11, 16), 9))
    run(court.db)
    assert court.node(case_id, "N06") is None
    nodes = m.NodeInstance.__table__
    court.update(
        m.NodeInstance,
        (nodes.c.case_id == case_id) & (nodes.c.node_code == "N05"),
        completed_at=at(date(2026, 11, 3), 15),
    )
    court.update(m.Fund, m.Fund.__table__.c.fund_id == "AK1", claimed_at=at(date(2026, 11, 17), 11))
    run(court.db)
    n06 = court.node(case_id, "N06")
    assert n06.started_at == at(date(2026, 11, 3), 15) and n06.due_date == date(2026, 11, 5)
    assert court.node(case_id, "N07") is None, "N07 waits for N06"
    n34 = court.node(case_id, "N34", "AK1")
    assert n34.completed_at == at(date(2026, 11, 17), 11), "claiming the fund completes N34"
    n35 = court.node(case_id, "N35", "AK1")
    assert n35.started_at == at(date(2026, 11, 17), 11) and n35.due_date == date(2026, 11, 20)
    # N36 counts 2 working days from the day N35 completes
    court.update(m.NodeInstance, nodes.c.id == n35.id, completed_at=at(date(2026, 11, 20), 9))
    run(court.db)
    assert court.node(case_id, "N36", "AK1").due_date == date(2026, 11, 24)


def test_subject_triggers_funds_assets_accounts_and_leads(court):
    case_id = court.case(date(2026, 10, 12))
    court.add(m.Fund, fund_id="AK1", case_id=case_id, amount=Decimal("1.00"), arrived_at=at(date(2026, 11, 13), 10))
    court.add(m.SeizedAsset, asset_id="CF1", case_id=case_id, kind="车辆", seized_on=date(2026, 11, 16))
    court.add(m.SeizedAsset, asset_id="CF2", case_id=case_id, kind="动产", seized_on=date(2026, 11, 16))
    court.add(
        m.FrozenAccount, account_id="ZH1", case_id=case_id, frozen_on=date(2025, 12, 10), expires_on=date(2026, 12, 10)
    )
    court.add(m.Lead, lead_id="XS1", case_id=case_id, reported_at=at(date(2026, 11, 19), 9, 30))
    run(court.db)
    nodes = court.nodes(case_id)
    assert nodes[("N34", "AK1")].due_date == date(2026, 11, 16)  # 3 days, 11-16 is a Monday
    assert nodes[("N38", "AK1")].due_date == date(2026, 11, 23)  # 10 days → Monday 11-23
    assert ("N19", "CF1") in nodes and ("N19", "CF2") in nodes
    assert ("N21", "CF1") in nodes and ("N21", "CF2") not in nodes, "evaluation only for vehicles and real estate"
    assert nodes[("N21", "CF1")].due_date == date(2026, 11, 23)
    assert nodes[("N20", "ZH1")].due_date == date(2026, 12, 10), "due on the expiry date itself"
    assert nodes[("N08", "XS1")].due_at == at(date(2026, 11, 20), 9, 30), "24 hours, not rolled"
    alerts = court.alerts(case_id)
    assert alerts[("N08", "XS1")].rule == "overdue" and alerts[("N08", "XS1")].tier == "overdue"
    assert alerts[("N20", "ZH1")].rule == "due_soon", "30-day window before the expiry"
    # renewing moves N20 to the new expiry; releasing stops it and resolves its alert
    accounts = m.FrozenAccount.__table__
    court.update(m.FrozenAccount, accounts.c.account_id == "ZH1", renewed_until=date(2027, 12, 10))
    run(court.db)
    assert court.node(case_id, "N20", "ZH1").due_date == date(2027, 12, 10)
    assert court.alerts(case_id)[("N20", "ZH1")].status == "resolved"
    court.update(m.FrozenAccount, accounts.c.account_id == "ZH1", renewed_until=None, released_on=date(2026, 11, 20))
    run(court.db)
    assert court.node(case_id, "N20", "ZH1").stopped_at == at(date(2026, 11, 20))
    # controlling the lead completes N08: the alert is resolved with a timestamp, not deleted
    later = NOW + timedelta(hours=1)
    court.update(m.Lead, m.Lead.__table__.c.lead_id == "XS1", control_started_at=NOW)
    run(court.db, later)
    lead_alert = court.alerts(case_id)[("N08", "XS1")]
    assert lead_alert.status == "resolved" and lead_alert.resolved_at == later


def test_workday_nodes_count_working_days(court):
    case_id = court.case(date(2026, 9, 25))
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N01",
        subject_id="",
        started_at=at(date(2026, 9, 30), 16),
        source="imported",
    )
    run(court.db)
    # the 2nd working day after 09-30: 10-01..07 are rest days, 10-08 and 10-09 work
    assert court.node(case_id, "N01").due_date == date(2026, 10, 9)
    assert court.node(case_id, "N01").source == "imported"


def test_imported_rows_and_due_overrides_win(court):
    case_id = court.case(date(2026, 11, 2))
    override = at(date(2026, 12, 31), 17)
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N02",
        subject_id="",
        started_at=at(date(2026, 11, 4), 9),
        source="imported",
    )
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N03",
        subject_id="",
        started_at=at(date(2026, 11, 2), 9),
        due_override=override,
        source="imported",
    )
    run(court.db)
    n02, n03 = court.node(case_id, "N02"), court.node(case_id, "N03")
    assert n02.source == "imported" and n02.started_at == at(date(2026, 11, 4), 9), "the import's start is kept"
    assert n02.due_date == date(2026, 11, 9)  # 11-07 is a Saturday → Monday
    assert (n03.due_at, n03.due_date, n03.provisional) == (override, date(2026, 12, 31), False)


def test_suspension_and_extension_move_the_case_term(court):
    plain = court.case(date(2026, 3, 10))
    suspended = court.case(date(2026, 3, 10))
    extended = court.case(date(2026, 3, 10), term_extended_to=date(2026, 12, 10))
    still = court.case(date(2026, 3, 10))
    court.add(m.Suspension, case_id=suspended, from_date=date(2026, 7, 1), to_date=date(2026, 7, 31))
    court.add(m.Suspension, case_id=still, from_date=date(2026, 11, 11), to_date=None)
    run(court.db)
    assert court.node(plain, "N42").due_date == date(2026, 9, 10)
    assert court.node(suspended, "N42").due_date == date(2026, 10, 12), "09-10 + 31 days = 10-11, a Sunday → 10-12"
    assert court.node(extended, "N42").due_date == date(2026, 12, 10)
    assert court.node(still, "N42").due_date == date(2026, 9, 20), (
        "11-11..11-20 is 10 days so far; 09-20 is a working Sunday"
    )
    run(court.db, NOW + timedelta(days=1))
    assert court.node(still, "N42").due_date == date(2026, 9, 21), "an open suspension keeps pushing the term"


def test_a_day_in_two_overlapping_suspensions_moves_the_term_once(court):
    """07-01..07-31 and 07-10..08-09 (07-10..07-31 in both) are 40 days, not 53; a period
    inside another and an open one that overlaps count no day twice either."""
    twice = court.case(date(2026, 3, 10))
    court.add(m.Suspension, case_id=twice, from_date=date(2026, 7, 1), to_date=date(2026, 7, 31))
    court.add(m.Suspension, case_id=twice, from_date=date(2026, 7, 10), to_date=date(2026, 8, 9))
    court.add(m.Suspension, case_id=twice, from_date=date(2026, 7, 5), to_date=date(2026, 7, 6))
    still = court.case(date(2026, 3, 10))
    court.add(m.Suspension, case_id=still, from_date=date(2026, 11, 11), to_date=None)
    court.add(m.Suspension, case_id=still, from_date=date(2026, 11, 1), to_date=date(2026, 11, 15))
    run(court.db)
    assert court.node(twice, "N42").due_date == date(2026, 10, 20), "09-10 + 40 days, a Tuesday"
    assert court.node(still, "N42").due_date == date(2026, 9, 30), "11-01..11-20 is 20 days: 09-30, a Wednesday"


def test_closing_stops_pre_closing_nodes_and_terminated_cases_repeat_the_search(court):
    done = court.case(date(2025, 3, 3))
    run(court.db, at(date(2025, 3, 4), 9))
    assert court.node(done, "N02").stopped_at is None
    cases = m.Case.__table__
    court.update(m.Case, cases.c.id == done, closed_on=date(2025, 5, 20), closing_mode="终结本次执行程序")
    ended = court.case(date(2025, 3, 3), closed_on=date(2025, 5, 20), closing_mode="执行完毕")
    run(court.db)
    nodes = court.nodes(done)
    assert nodes[("N02", "")].stopped_at == at(date(2025, 5, 20)), "open pre-closing node stopped at closing"
    assert nodes[("N42", "")].completed_at == at(date(2025, 5, 20)) and nodes[("N42", "")].stopped_at is None
    assert ("N06", "") not in nodes
    repeats = sorted(subject for code, subject in nodes if code == "N47")
    # R01 starts at closing, R02 six months later …; R04 starts 2026-11-20 = today
    assert repeats == ["R01", "R02", "R03", "R04"]
    assert nodes[("N47", "R04")].due_date == date(2027, 5, 20) and nodes[("N47", "R04")].provisional
    assert {code for code, _ in court.nodes(ended)} >= {"N43", "N45", "N46"}
    assert not any(code == "N47" for code, _ in court.nodes(ended)), "only 终本 repeats the search"
    assert court.alerts(done)[("N02", "")].status == "resolved", "a stopped node alerts no more"
    assert ("N42", "") in court.nodes(ended), "a case imported closed still has its term"


def test_tiers_by_calendar_months_and_recorded_changes(court):
    case_id = court.case(date(2026, 1, 5))
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N09",
        subject_id="",
        started_at=at(date(2026, 8, 1), 9),
        due_override=end_of_day(date(2026, 8, 20)),
        source="imported",
    )
    tiers = {}
    for day in (
        date(2026, 8, 20),
        date(2026, 8, 21),
        date(2026, 9, 20),
        date(2026, 9, 21),
        date(2026, 10, 21),
        date(2026, 11, 20),
        date(2026, 11, 21),
    ):
        run(court.db, at(day, 10))
        alert = court.alerts(case_id)[("N09", "")]
        tiers[day] = (alert.rule, alert.tier)
    assert tiers == {
        date(2026, 8, 20): ("due_soon", None),
        date(2026, 8, 21): ("overdue", "overdue"),
        date(2026, 9, 20): ("overdue", "overdue"),  # exactly one month is not yet blue
        date(2026, 9, 21): ("overdue", "blue"),
        date(2026, 10, 21): ("overdue", "yellow"),
        date(2026, 11, 20): ("overdue", "yellow"),  # exactly three months is not red
        date(2026, 11, 21): ("overdue", "red"),
    }
    alert = court.alerts(case_id)[("N09", "")]
    assert alert.response_kind == "interview" and alert.response_status == "missing"
    assert alert.response_due_date == date(2026, 11, 25), "3 working days after Saturday 11-21"
    notes = [
        r.note
        for r in court.rows(
            m.AlertAction,
            m.AlertAction.__table__.c.alert_id == alert.id,
            m.AlertAction.__table__.c.kind == "tier_changed",
        )
    ]
    assert notes == ["due_soon → overdue", "overdue → blue", "blue → yellow", "yellow → red"]
    assert len(court.rows(m.Alert, m.Alert.__table__.c.node_code == "N09")) == 1, "one alert per (case, node, subject)"


def test_rerunning_changes_nothing(court):
    case_id = court.case(date(2026, 6, 1))
    court.add(m.Fund, fund_id="AK1", case_id=case_id, amount=Decimal("1.00"), arrived_at=at(date(2026, 7, 1), 10))
    first = run(court.db)
    counts = {t: len(court.rows(t)) for t in (m.NodeInstance, m.Alert, m.AlertAction, m.OutboxMessage)}
    second = run(court.db)
    assert {t: len(court.rows(t)) for t in counts} == counts
    assert (
        second.nodes_written,
        second.dues_changed,
        second.opened,
        second.resolved,
        second.tier_changes,
        second.messages,
    ) == (0, 0, 0, 0, 0, 0)
    assert second.counts == first.counts and sum(first.counts.values()) > 0


def test_a_failure_mid_way_leaves_the_previous_state(court, monkeypatch):
    case_id = court.case(date(2026, 6, 1))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recompute_module, "_enqueue", boom)
    with pytest.raises(RuntimeError):
        run(court.db)
    assert court.nodes(case_id) == {} and court.alerts() == {}
    monkeypatch.undo()
    run(court.db)
    assert court.nodes(case_id) and court.alerts()


def test_scoped_recompute_touches_only_those_cases(court):
    first, second = court.case(date(2026, 11, 2)), court.case(date(2026, 11, 2))
    run(court.db, cases=[first])
    assert court.nodes(first) and not court.nodes(second)


def test_notifications_officer_chief_and_applicant(court):
    case_id = court.red_case(fund_due_soon=True)
    run(court.db)
    outbox = m.OutboxMessage.__table__
    messages = {(r.kind, r.recipient, r.payload["node_code"]): r for r in court.rows(m.OutboxMessage)}
    red = messages[("red_case", "chief", "N05")]  # named by the case's light: its earliest overdue node
    assert red.urgent and red.payload["tier"] == "red" and red.payload["case_no"] == "（2026）内0425执1号"
    assert messages[("tier_changed", "zhang", "N09")].urgent
    due_soon = messages[("due_soon", "zhang", "N34")]
    assert not due_soon.urgent and due_soon.status == "pending" and due_soon.payload["due_date"] == "2026-11-23"
    # the applicant hears of a node completed after the last run, once
    nodes = m.NodeInstance.__table__
    court.update(
        m.NodeInstance,
        (nodes.c.case_id == case_id) & (nodes.c.node_code == "N03"),
        completed_at=NOW + timedelta(minutes=5),
    )
    run(court.db, NOW + timedelta(minutes=10))
    run(court.db, NOW + timedelta(minutes=11))
    done = court.rows(m.OutboxMessage, outbox.c.kind == "node_completed")
    assert [(r.recipient, r.payload["node_code"]) for r in done] == [("13800000000", "N03")]


def test_the_demo_agrees_with_the_sql_arithmetic(db):
    """The demo computes due dates in Python; a recompute of it must materialise and change nothing."""
    generate(db, CATALOGUE, CALENDAR, cases=600, seed=11, now=NOW, court_name="示范人民法院")
    result = run(db, rebuild=True)
    assert (result.nodes_written, result.dues_changed, result.nodes_stopped) == (0, 0, 0)
    assert result.counts["red"] > 0 and result.counts["due_soon"] > 0


def test_writes_mark_their_case_and_only_marked_cases_are_re_derived(court):
    quiet, busy = court.case(date(2026, 11, 2)), court.case(date(2026, 11, 2))
    run(court.db)
    assert court.rows(m.DirtyCase) == [], "a recompute clears the marks it has seen"
    court.add(m.Fund, fund_id="AK9", case_id=busy, amount=Decimal("5.00"), arrived_at=at(date(2026, 11, 19), 9))
    assert [r.case_id for r in court.rows(m.DirtyCase)] == [busy], "the trigger marked the fund's case"
    # a hand-edited due date of an unmarked case is left alone by a routine run, fixed by --rebuild
    nodes = m.NodeInstance.__table__
    court.db.engine.dispose()
    with court.db.engine.begin() as conn:
        conn.execute(
            nodes.update().where(nodes.c.case_id == quiet, nodes.c.node_code == "N02").values(due_date=date(2030, 1, 1))
        )
    assert court.rows(m.DirtyCase, m.DirtyCase.__table__.c.case_id == quiet) == [], "due dates are outputs, not inputs"
    result = run(court.db)
    assert court.node(busy, "N34", "AK9") is not None and result.nodes_written == 2
    assert court.node(quiet, "N02").due_date == date(2030, 1, 1)
    run(court.db, rebuild=True)
    assert court.node(quiet, "N02").due_date == date(2026, 11, 5)


def _due(row) -> tuple:
    return row.due_date, row.due_at, row.provisional


def _expected_dues(court, case_id, calendar, today=NOW.date()) -> dict:  # noqa: B008 - a date, computed once
    """Every due date of a case worked out in Python (data/deadlines.py) with ``calendar``."""
    accounts = {r.account_id: r for r in court.rows(m.FrozenAccount, m.FrozenAccount.__table__.c.case_id == case_id)}
    suspensions = [
        (r.from_date, r.to_date) for r in court.rows(m.Suspension, m.Suspension.__table__.c.case_id == case_id)
    ]
    case_row = court.rows(m.Case, m.Case.__table__.c.id == case_id)[0]
    expected = {}
    for (code, subject), row in court.nodes(case_id).items():
        node = CATALOGUE[code]
        if row.due_override is not None:
            due = (row.due_override.astimezone(NOW.tzinfo).date(), row.due_override, False)
        elif code == "N42":
            d = term_due(
                calendar,
                node,
                case_row.filed_on,
                suspensions=suspensions,
                extended_to=case_row.term_extended_to,
                today=today,
            )
            due = (d.date, d.at, d.provisional)
        elif code == "N20":
            account = accounts[subject]
            d = node_due(calendar, node, row.started_at, expiry=account.renewed_until or account.expires_on)
            due = (d.date, d.at, d.provisional)
        else:
            d = node_due(calendar, node, row.started_at)
            due = (d.date, d.at, d.provisional)
        expected[(code, subject)] = due
    return expected


def _varied_case(court, filed_on) -> int:
    """A case with a node of every kind of deadline: by day, working days, hours, expiry, the term, an override."""
    case_id = court.case(filed_on)
    court.add(
        m.NodeInstance, case_id=case_id, node_code="N01", subject_id="", started_at=at(filed_on, 9), source="imported"
    )
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N09",
        subject_id="",
        started_at=at(filed_on, 9),
        due_override=at(filed_on + timedelta(days=20), 17),
        source="imported",
    )
    court.add(m.Lead, lead_id=f"XS{case_id}", case_id=case_id, reported_at=at(filed_on + timedelta(days=1), 15))
    court.add(
        m.FrozenAccount,
        account_id=f"ZH{case_id}",
        case_id=case_id,
        frozen_on=filed_on,
        expires_on=filed_on + timedelta(days=365),
    )
    return case_id


def test_a_new_calendar_moves_every_due_date_even_in_a_run_for_one_case(court):
    """A changed working-day calendar (the official 2027 schedule entered, a day declared a
    rest day) re-derives the due dates of the whole court, not only of the cases a run was
    asked for: the next run would not see the change again."""
    first, second = _varied_case(court, date(2026, 11, 2)), _varied_case(court, date(2026, 11, 2))
    court.add(m.Suspension, case_id=second, from_date=date(2026, 11, 3), to_date=date(2026, 11, 9))
    run(court.db)
    assert court.node(second, "N02").due_date == date(2026, 11, 5)
    # 2026-11-05 (a Thursday) declared a rest day: 3 days from 11-02 now rolls to 11-06
    closed = WorkCalendar(Overrides(rest_days=frozenset({date(2026, 11, 5)})))
    result = recompute(court.db, CATALOGUE, closed, NOW, cases=[first])
    assert result.calendar_changed and result.nodes_written == 0 and result.dues_changed > 0
    for case_id in (first, second):
        nodes = court.nodes(case_id)
        assert {key: _due(row) for key, row in nodes.items()} == _expected_dues(court, case_id, closed), case_id
        assert nodes[("N02", "")].due_date == date(2026, 11, 6)
    # and back again when the override is withdrawn
    run(court.db, cases=[second])
    for case_id in (first, second):
        assert {key: _due(row) for key, row in court.nodes(case_id).items()} == _expected_dues(
            court, case_id, CALENDAR
        ), case_id


def test_a_rebuild_repairs_every_kind_of_due_date(court):
    plain, suspended = _varied_case(court, date(2026, 10, 12)), _varied_case(court, date(2026, 10, 12))
    court.add(m.Suspension, case_id=suspended, from_date=date(2026, 11, 2), to_date=None)
    run(court.db)
    right = {case_id: _expected_dues(court, case_id, CALENDAR) for case_id in (plain, suspended)}
    assert {case_id: {key: _due(row) for key, row in court.nodes(case_id).items()} for case_id in right} == right
    assert {code for code, _ in right[plain]} >= {"N01", "N02", "N08", "N09", "N13", "N20", "N42"}
    # every due date written by hand, past the triggers (due dates are outputs: nothing is marked)
    court.db.engine.dispose()
    nodes = m.NodeInstance.__table__
    with court.db.engine.begin() as conn:
        conn.execute(
            nodes.update().values(due_date=date(2030, 1, 1), due_at=at(date(2030, 1, 1), 12), provisional=True)
        )
    # a routine run re-derives only the case with an open-ended suspension (its term moves daily)
    assert run(court.db).dues_changed == len(right[suspended])
    assert court.node(plain, "N02").due_date == date(2030, 1, 1), "an unmarked case is left alone"
    assert run(court.db, rebuild=True).dues_changed == len(right[plain])
    assert {case_id: {key: _due(row) for key, row in court.nodes(case_id).items()} for case_id in right} == right


def test_nodes_started_outside_the_usual_days_get_their_due_dates(court):
    """A whole-court pass looks start days up from the earliest filing to a year ahead; an
    imported node that started before any filing, or years ahead, is worked out on its own."""
    case_id = court.case(date(2026, 11, 2))
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N14",
        subject_id="",
        started_at=at(date(2019, 9, 27), 10),
        source="imported",
    )
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N10",
        subject_id="",
        started_at=at(date(2029, 9, 28), 10),
        source="imported",
    )
    result = run(court.db)
    assert result.calendar_changed, "the first run writes the calendar: a whole-court pass"
    assert {key: _due(row) for key, row in court.nodes(case_id).items()} == _expected_dues(court, case_id, CALENDAR)
    assert court.node(case_id, "N14").due_date == date(2019, 10, 8), (
        "5 days from 2019-09-27 is 10-02, in the National Day week"
    )


def test_a_new_period_of_the_repeated_search_begins_by_itself(court):
    """Nobody writes anything: the next day's recompute still adds the repetition that began."""
    case_id = court.case(date(2025, 3, 3), closed_on=date(2025, 5, 20), closing_mode="终结本次执行程序")
    run(court.db, at(date(2026, 11, 19), 10))
    assert sorted(s for c, s in court.nodes(case_id) if c == "N47") == ["R01", "R02", "R03"]
    run(court.db, at(date(2026, 11, 20), 10))
    assert sorted(s for c, s in court.nodes(case_id) if c == "N47") == ["R01", "R02", "R03", "R04"]
    assert court.node(case_id, "N47", "R04").started_at == at(date(2026, 11, 20))
