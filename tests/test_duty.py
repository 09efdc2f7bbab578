"""值班: the duty rota, its swaps and hand-overs, and where it sends work (督办, rest-day messages)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from command_center.cli import cli
from command_center.data import models as m
from command_center.data.access import Actor
from command_center.data.duty import DutyError, on_duty, parse_week, set_week, swap_day, swap_weeks
from command_center.data.supervision import create_item
from command_center.data.users import disable_user
from command_center.jobs.notify import LogSender, dispatch
from tests.builders import CALENDAR, CATALOGUE, Court, at

W47 = parse_week("2026-W47")  # Monday 16 November 2026
W48 = parse_week("2026-W48")
FRIDAY, SATURDAY = date(2026, 11, 20), date(2026, 11, 21)
NOW = at(date(2026, 11, 16), 9)


def court_with_officers(db) -> Court:
    """The builders' court (zhang, chief, wall) and two more officers, wang and li."""
    court = Court(db)
    with db.engine.begin() as conn:
        conn.execute(
            insert(m.Officer.__table__),
            [
                {
                    "login": "wang",
                    "name": "王值班",
                    "role": "officer",
                    "team_id": 1,
                    "active": True,
                    "phone": "13900000002",
                },
                {
                    "login": "li",
                    "name": "李值班",
                    "role": "officer",
                    "team_id": 1,
                    "active": True,
                    "phone": "13900000003",
                },
            ],
        )
    return court


def test_the_week_rota_its_swaps_and_the_courts_calendar(db):
    court_with_officers(db)
    assert W47 == date(2026, 11, 16)
    set_week(db, W47, ["wang", "li"], NOW, by="test")
    friday, saturday = on_duty(db, CALENDAR, FRIDAY), on_duty(db, CALENDAR, SATURDAY)
    assert (friday.login, friday.rest_day) == ("wang", False)
    assert (saturday.login, saturday.rest_day, saturday.reason) == ("wang", True, "weekend")
    working_saturday = date(2026, 10, 10)  # 调休: the calendar's, not re-derived here
    set_week(db, parse_week("2026-W41"), ["li"], NOW, by="test")
    assert on_duty(db, CALENDAR, working_saturday).rest_day is False
    assert on_duty(db, CALENDAR, working_saturday).reason == "adjusted_workday"
    # a swap of the Saturday, then the two weeks change places
    assert swap_day(db, CALENDAR, SATURDAY, "zhang", NOW, by="test") == "wang"
    saturday = on_duty(db, CALENDAR, SATURDAY)
    assert (saturday.login, saturday.swapped) == ("zhang", True)
    set_week(db, W48, ["li"], NOW, by="test")
    swap_weeks(db, W47, W48, NOW, by="test")
    assert on_duty(db, CALENDAR, FRIDAY).login == "li"
    assert on_duty(db, CALENDAR, date(2026, 11, 23)).login == "wang"
    assert on_duty(db, CALENDAR, SATURDAY).login == "zhang", "a day's swap stays with its day"
    # refusals, each named
    for act, key in (
        (lambda: set_week(db, W47, ["nobody"], NOW, by="test"), "unknown_login"),
        (lambda: set_week(db, W47, ["wall"], NOW, by="test"), "not_on_duty_role"),
        (lambda: set_week(db, W47, ["li", "li"], NOW, by="test"), "twice"),
        (lambda: swap_weeks(db, W47, parse_week("2026-W52"), NOW, by="test"), "week_not_set"),
        (lambda: swap_day(db, CALENDAR, date(2026, 11, 1), "li", NOW, by="test"), "day_in_past"),
        (lambda: parse_week("2026-W60"), "bad_week"),
    ):
        with pytest.raises(DutyError) as refused:
            act()
        assert refused.value.key == key


def test_a_disabled_officer_on_duty_hands_over_to_the_next_on_the_rota(db):
    court_with_officers(db)
    set_week(db, W47, ["wang", "li"], NOW, by="test")
    set_week(db, W48, ["zhang"], NOW, by="test")
    disable_user(db, "wang", NOW, by="test")
    duty = on_duty(db, CALENDAR, FRIDAY)
    assert (duty.login, duty.handed_over_from) == ("li", ("wang",))
    disable_user(db, "li", NOW, by="test")
    duty = on_duty(db, CALENDAR, FRIDAY)
    assert (duty.login, duty.handed_over_from) == ("zhang", ("wang", "li")), "then the next week's"
    disable_user(db, "zhang", NOW, by="test")
    assert on_duty(db, CALENDAR, FRIDAY) is None, "nobody left on the rota"


def test_a_new_supervision_item_goes_to_the_officer_on_duty_by_default(db):
    court = court_with_officers(db)
    case_id = court.case(date(2026, 3, 1))
    chief = Actor(2, "chief", "chief")
    no_rota = create_item(db, case_id, chief, NOW, description="电话督办", assignee_id=None, due=FRIDAY)
    set_week(db, W47, ["li"], NOW, by="test")
    on_rota = create_item(db, case_id, chief, NOW, description="电话督办", assignee_id=None, due=FRIDAY)
    chosen = create_item(db, case_id, chief, NOW, description="电话督办", assignee_id=1, due=FRIDAY)
    items = {r.id: r.assignee_id for r in court.rows(m.SupervisionItem)}
    li = court.rows(m.Officer, m.Officer.__table__.c.login == "li")[0].id
    assert items == {no_rota: 1, on_rota: li, chosen: 1}, "the case officer without a rota; a choice stands"


def _queue(db, *messages):
    with db.engine.begin() as conn:
        conn.execute(
            insert(m.OutboxMessage.__table__),
            [
                {
                    "dedup_key": f"k{i}",
                    "kind": kind,
                    "recipient": recipient,
                    "payload": {"case_no": "（2026）内0425执1号", "node_code": "N34", "tier": "red"},
                    "status": "pending",
                    "urgent": urgent,
                    "attempts": 0,
                    "created_at": at(date(2026, 11, 16)),
                    "next_attempt_at": at(date(2026, 11, 16)),
                }
                for i, (kind, urgent, recipient) in enumerate(messages)
            ],
        )


def _outbox(db) -> dict:
    with db.engine.connect() as conn:
        return {r.dedup_key: r for r in conn.execute(select(m.OutboxMessage.__table__))}


def test_on_rest_days_urgent_messages_go_to_the_officer_on_duty(db, tmp_path):
    court_with_officers(db)
    set_week(db, W47, ["wang"], NOW, by="test")
    _queue(
        db,
        ("tier_changed", True, "zhang"),  # urgent, to an officer: to wang on the Saturday
        ("due_soon", False, "zhang"),  # not urgent: waits for Monday, still zhang's
        ("red_case", True, "chief"),  # the chief's own
        ("auto_escalated", True, "zhang"),  # an escalation stays with whom it climbed to
    )
    sender = LogSender(tmp_path / "sms.log")
    dispatch(db, CATALOGUE, CALENDAR, sender, at(SATURDAY, 10))
    rows = _outbox(db)
    assert (rows["k0"].recipient, rows["k0"].routed_from, rows["k0"].phone) == ("wang", "zhang", "13900000002")
    assert (rows["k0"].status, rows["k1"].status, rows["k1"].recipient) == ("sent", "pending", "zhang")
    assert (rows["k2"].recipient, rows["k3"].recipient) == ("chief", "zhang")
    sent = [json.loads(line) for line in (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()]
    assert sorted(s["recipient"] for s in sent) == ["chief", "wang", "zhang"]
    # on a working day nothing is routed
    with db.engine.begin() as conn:
        conn.execute(
            insert(m.OutboxMessage.__table__).values(
                dedup_key="k9",
                kind="tier_changed",
                recipient="li",
                payload={"case_no": "（2026）内0425执1号", "node_code": "N34"},
                status="pending",
                urgent=True,
                attempts=0,
                created_at=at(FRIDAY),
                next_attempt_at=at(FRIDAY),
            )
        )
    dispatch(db, CATALOGUE, CALENDAR, sender, at(FRIDAY, 10))
    assert (_outbox(db)["k9"].recipient, _outbox(db)["k9"].routed_from) == ("li", None)


def _cli(url, *args, lang="en"):
    return CliRunner().invoke(cli, ["--db", url, "--now", "2026-11-21T10:00", "--lang", lang, *args])


def test_the_duty_command_sets_swaps_shows_and_names_its_refusals(db, db_url):
    court_with_officers(db)
    assert _cli(db_url, "duty", "set", "--week", "2026-W47", "wang", "li").exit_code == 0
    assert _cli(db_url, "duty", "set", "--week", "2026-W48", "zhang").exit_code == 0
    swapped = _cli(db_url, "duty", "swap", "2026-11-22", "li")
    assert swapped.exit_code == 0 and "2026-11-22: li on duty (instead of wang)" in swapped.output
    shown = json.loads(_cli(db_url, "duty", "show", "--weeks", "2", "--json").output)
    assert shown == {
        "today": {"day": "2026-11-21", "login": "wang", "rest_day": True, "swapped": False, "handed_over_from": []},
        "weeks": [
            {
                "week": "2026-W47",
                "from": "2026-11-16",
                "logins": ["wang", "li"],
                "swaps": [{"day": "2026-11-22", "login": "li"}],
            },
            {"week": "2026-W48", "from": "2026-11-23", "logins": ["zhang"], "swaps": []},
        ],
    }
    text = _cli(db_url, "duty", "show", lang="zh").output
    assert "今天 2026-11-21 值班: wang 王值班 (休息日)" in text and "wang → li" in text
    assert _cli(db_url, "duty", "swap", "2026-W47", "2026-W48").exit_code == 0
    assert json.loads(_cli(db_url, "duty", "show", "--json").output)["today"]["login"] == "zhang"
    refused = _cli(db_url, "duty", "set", "--week", "2026-W61", "li", lang="zh")
    assert refused.exit_code == 1 and "周 2026-W61 无法识别" in refused.output
    refused = _cli(db_url, "duty", "swap", "2026-11-28", "nobody")
    assert refused.exit_code == 1 and "no user nobody" in refused.output
