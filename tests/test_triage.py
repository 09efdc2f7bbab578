"""Triage (繁简分流, DOMAIN.md §7), worked by hand on both backends: each track's rule and its
boundary, when triage is due, agreement with the case's team, and the chief applying it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner

from command_center.cli import cli
from command_center.config import ConfigError, load_settings
from command_center.data import models as m
from command_center.data.access import Actor, NotAllowed
from command_center.data.triage import TriageRules, apply_suggestion, triage_list
from tests.builders import Court, at
from tests.conftest import NOW

TODAY = date(2026, 11, 20)
FILED = date(2026, 11, 2)
RULES = TriageRules()  # 登封: simple up to 100000, more than 5 debtors, 车辆/不动产/股权
CHIEF = Actor(2, "chief", "chief")
OFFICER = Actor(1, "zhang", "officer")


def triaged(court: Court, amount: str, *, debtors: int = 1, control_done: bool = True) -> int:
    """An open case of ``amount`` with ``debtors`` debtors, its online control (N05) complete."""
    case_id = court.case(FILED)
    court.update(m.Case, m.Case.__table__.c.id == case_id, amount=Decimal(amount))
    for position in range(debtors):
        court.add(m.Party, case_id=case_id, role="debtor", position=position, name=f"被执行人{case_id}-{position}")
    if control_done:
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N05",
            subject_id="",
            started_at=at(FILED, 9),
            completed_at=at(FILED + timedelta(days=1), 16),
            source="imported",
        )
    return case_id


def suggestions(court: Court, rules: TriageRules = RULES, **kw) -> dict[int, object]:
    return {row.case_id: row for row in triage_list(court.db, rules, NOW, TODAY, **kw)}


def test_amount_exactly_at_the_threshold_is_simple_and_a_fen_more_is_ordinary(db):
    court = Court(db)
    at_limit = triaged(court, "100000.00")
    above = triaged(court, "100000.01")
    rows = suggestions(court)
    assert rows[at_limit].track == "simple"
    assert [(r.code, r.values["amount"], r.values["limit"]) for r in rows[at_limit].reasons] == [
        ("simple", Decimal("100000.00"), Decimal("100000"))
    ]
    assert rows[above].track == "ordinary"
    # 孟州 sends up to 5万 to 简执: the same 100000 case is 普执 there
    assert suggestions(court, TriageRules(simple_max_amount=Decimal("50000")))[at_limit].track == "ordinary"


def test_frozen_deposits_plus_funds_received_that_cover_the_amount_are_fast(db):
    court = Court(db)
    covered = triaged(court, "50000.00")
    court.add(m.FrozenAccount, account_id="B1", case_id=covered, frozen_on=FILED, expires_on=date(2027, 11, 1),
              frozen_amount=Decimal("30000.00"))  # fmt: skip
    court.add(m.Fund, fund_id="F1", case_id=covered, amount=Decimal("20000.00"), arrived_at=at(FILED, 11))
    short = triaged(court, "50000.00")  # a fen short: 29999.99 + 20000.00
    court.add(m.FrozenAccount, account_id="B2", case_id=short, frozen_on=FILED, expires_on=date(2027, 11, 1),
              frozen_amount=Decimal("29999.99"))  # fmt: skip
    court.add(m.Fund, fund_id="F2", case_id=short, amount=Decimal("20000.00"), arrived_at=at(FILED, 11))
    released = triaged(court, "50000.00")  # a released freeze holds nothing; a fund not yet arrived neither
    court.add(m.FrozenAccount, account_id="B3", case_id=released, frozen_on=FILED, expires_on=date(2027, 11, 1),
              released_on=date(2026, 11, 10), frozen_amount=Decimal("50000.00"))  # fmt: skip
    court.add(m.Fund, fund_id="F3", case_id=released, amount=Decimal("50000.00"), arrived_at=at(TODAY, 11))
    rows = suggestions(court)
    assert rows[covered].track == "fast"
    assert rows[covered].reasons[0].values == {
        "frozen": Decimal("30000.00"),
        "received": Decimal("20000.00"),
        "amount": Decimal("50000.00"),
    }
    assert rows[short].track == "simple"
    assert rows[released].track == "simple"


def test_six_debtors_with_many_debtors_five_is_complex_five_are_not(db):
    court = Court(db)
    six = triaged(court, "20000.00", debtors=6)
    five = triaged(court, "20000.00", debtors=5)
    rows = suggestions(court)
    assert rows[six].track == "complex"
    assert [(r.code, r.values) for r in rows[six].reasons] == [("many_debtors", {"debtors": 6, "limit": 5})]
    assert rows[five].track == "simple"
    assert suggestions(court, TriageRules(many_debtors=4))[five].track == "complex"


def test_a_seized_asset_that_needs_disposal_is_complex(db):
    court = Court(db)
    car = triaged(court, "20000.00")
    court.add(m.SeizedAsset, asset_id="A1", case_id=car, kind="车辆", seized_on=FILED)
    movable = triaged(court, "20000.00")
    court.add(m.SeizedAsset, asset_id="A2", case_id=movable, kind="动产", seized_on=FILED)
    rows = suggestions(court)
    assert rows[car].track == "complex"
    assert rows[car].reasons[0].code == "disposal" and rows[car].reasons[0].values == {"kinds": "车辆"}
    assert rows[movable].track == "simple"
    # fast comes first: a covered debt is 速执 even with a car seized
    court.add(m.Fund, fund_id="F1", case_id=car, amount=Decimal("20000.00"), arrived_at=at(FILED, 11))
    assert suggestions(court)[car].track == "fast"


def test_triage_is_due_once_online_control_is_complete_and_only_for_open_cases(db):
    court = Court(db)
    waiting = triaged(court, "1000.00", control_done=False)
    closed = triaged(court, "1000.00")
    court.update(m.Case, m.Case.__table__.c.id == closed, closed_on=date(2026, 11, 15), closing_mode="执行完毕")
    done = triaged(court, "1000.00")
    court.add(m.NodeInstance, case_id=done, node_code="N07", subject_id="", completed_at=at(date(2026, 11, 6), 9),
              source="imported")  # fmt: skip
    rows = suggestions(court)
    assert waiting not in rows and closed not in rows
    assert rows[done].done is True


def test_agreement_with_the_case_track_and_the_team_track(db):
    court = Court(db)  # team 1 普执一组 (track 普执)
    ordinary = triaged(court, "500000.00")
    simple = triaged(court, "1000.00")
    own_word = triaged(court, "1000.00")
    court.update(m.Case, m.Case.__table__.c.id == own_word, track="简执")  # the case's own track wins
    rows = suggestions(court)
    assert (rows[ordinary].current, rows[ordinary].agrees) == ("ordinary", True)
    assert (rows[simple].current, rows[simple].agrees) == ("ordinary", False)
    assert (rows[own_word].current, rows[own_word].agrees) == ("simple", True)
    assert set(suggestions(court, disagreeing=True)) == {simple}


def test_the_chief_applies_the_suggestion_an_audited_reassignment(db):
    court = Court(db)
    court.add(m.Team, id=2, court_id=1, name="速执团队", track="速执")
    court.add(m.Team, id=3, court_id=1, name="简执一组", track="简执")
    case_id = triaged(court, "1000.00")
    with pytest.raises(NotAllowed):
        apply_suggestion(db, RULES, case_id, OFFICER, NOW, TODAY, expected=(1, 1))
    row = apply_suggestion(db, RULES, case_id, CHIEF, NOW, TODAY, expected=(1, 1))
    assert row.track == "simple"
    case = court.rows(m.Case, m.Case.__table__.c.id == case_id)[0]
    assert (case.team_id, case.officer_id, case.track) == (3, None, "简执")  # zhang is not in 简执一组
    entry = court.rows(m.AuditEntry, m.AuditEntry.__table__.c.action == "case.triage_applied")[0]
    assert (entry.actor, entry.case_id) == ("chief", case_id)
    assert entry.detail["to"] == {"officer_id": None, "team_id": 3, "track": "简执"}
    assert entry.detail["reasons"] == ["simple"]
    assert suggestions(court)[case_id].agrees
    # the court names its own team for a track
    other = triaged(court, "1000.00")
    apply_suggestion(db, TriageRules(teams={"simple": "速执团队"}), other, CHIEF, NOW, TODAY, expected=(1, 1))
    assert court.rows(m.Case, m.Case.__table__.c.id == other)[0].team_id == 2


def test_triage_settings_from_the_config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[triage]\nsimple_max_amount = 50000\nmany_debtors = 3\ndisposal_kinds = ["车辆"]\n'
        '[triage.teams]\nfast = "快执团队"\n',
        encoding="utf-8",
    )
    rules = load_settings({"db": "sqlite://", "config_path": str(path)}, environ={}).triage
    assert rules == TriageRules(Decimal("50000"), 3, ("车辆",), {"fast": "快执团队"})
    assert load_settings({"db": "sqlite://"}, environ={}).triage == TriageRules()
    for body, message in (
        ("[triage]\nsimple_max = 1\n", "unknown key 'simple_max'"),
        ("[triage]\nmany_debtors = 0\n", "many_debtors must be a whole number >= 1"),
        ('[triage]\nsimple_max_amount = "5万"\n', "simple_max_amount must be an amount"),
        ("[triage]\nsimple_max_amount = 0.001\n", "more than 2 decimal places"),
        ("[triage]\ndisposal_kinds = 3\n", "disposal_kinds must be a list"),
        ('[triage.teams]\nquick = "速执团队"\n', "'quick' is not a track"),
    ):
        path.write_text(body, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_settings({"db": "sqlite://", "config_path": str(path)}, environ={})


def test_the_triage_command(db_url):
    from command_center.data.engine import open_database

    db = open_database(db_url, migrate=True)
    court = Court(db)
    simple = triaged(court, "1000.00")
    db.dispose()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "--now", "2026-11-20T10:00", "triage", "--json"], env={})
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["case_no"] == f"（2026）内0425执{simple}号"
    assert (row["track"], row["track_label"], row["agrees"], row["team"]) == ("simple", "简执", False, "普执一组")
    assert (row["current_track"], row["current_track_label"], row["status"]) == ("ordinary", "普执", "due")
    assert row["reasons"] == ["标的额 1000.00 元 ≤ 100000 元"]
    text = runner.invoke(cli, ["--db", db_url, "--now", "2026-11-20T10:00", "--lang", "en", "triage"], env={})
    assert text.exit_code == 0, text.output
    assert "simple" in text.output and "disagrees" in text.output and "amount 1000.00 <= 100000" in text.output


def test_the_brief_reports_triage_time_from_filing_to_hand_over_against_its_target(db):
    from command_center.data.brief import SPEC, Period, figures_at
    from tests.builders import CALENDAR, CATALOGUE

    court = Court(db)
    for filed, handed in (
        (date(2026, 11, 2), date(2026, 11, 9)),  # 7 days
        (date(2026, 11, 1), date(2026, 11, 11)),  # 10 days
        (date(2026, 9, 1), date(2026, 10, 30)),  # handed over before the period
    ):
        case_id = court.case(filed)
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N07",
            subject_id="",
            completed_at=at(handed, 23, 30),
            source="imported",
        )  # fmt: skip  (23:30 local: still that day, whatever UTC says)
    court.case(date(2026, 11, 5))  # not handed over yet
    figures, teams = figures_at(db, CATALOGUE, CALENDAR, Period(date(2026, 11, 1), TODAY), NOW)
    assert figures["mean_triage_days"] == Decimal("8.5")
    assert teams[0]["mean_triage_days"] == Decimal("8.5")
    assert SPEC["mean_triage_days"].target == Decimal("7")  # 乌海's 7 days
    assert SPEC["mean_triage_days"].meets(figures["mean_triage_days"], Decimal("7")) is False
    quiet, _ = figures_at(db, CATALOGUE, CALENDAR, Period(date(2026, 11, 12), TODAY), NOW)
    assert quiet["mean_triage_days"] is None
