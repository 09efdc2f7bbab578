"""Messages that reach a phone without flooding (issue 23): digests, inhibition, quiet hours."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import pytest
from sqlalchemy import insert, select

from command_center.config import ConfigError, load_settings
from command_center.data import models as m
from command_center.data.demo import generate
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.workcal import end_of_day
from command_center.jobs.digest import SMS_CHARS, digest_text
from command_center.jobs.notify import Claimer, dispatch, in_quiet_hours
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at

FRIDAY = at(date(2026, 11, 20), 10)
OUTBOX = m.OutboxMessage.__table__
NIGHT = (time(22), time(7))


@dataclass
class Recording:
    sent: list = field(default_factory=list)
    name: str = "recording"

    def send(self, message: dict) -> None:
        self.sent.append(message)


def red(n: int, code: str = "N42") -> tuple[str, dict]:
    return (
        "red_case",
        {"case_no": f"（2026）内0425执{n}号", "node_code": code, "due_date": "2026-05-01", "tier": "red"},
    )


def test_a_digest_counts_cases_by_kind_worst_first_and_fits_one_sms():
    messages = [red(n) for n in range(100, 188)] + [red(100, "N09")]  # 88 red cases, one with two red nodes
    messages += [("due_soon", {"case_no": "（2026）内0425执5号", "node_code": "N34", "due_date": "2026-11-23"})]
    text = digest_text(messages, CATALOGUE)
    assert text.startswith("【执行指挥中心】新增红灯88件、临期1件: （2026）执100号 N")
    assert text.endswith(" 等") and len(text) <= SMS_CHARS
    one = digest_text(messages[-1:], CATALOGUE)
    assert one == "【执行指挥中心】（2026）内0425执5号 N34 案款到账认领 将于 2026-11-23 到期, 请及时办理。"
    long_single = digest_text([red(7)], CATALOGUE)  # its own text is longer than an SMS
    assert long_single == "【执行指挥中心】新增红灯1件: （2026）执7号 N42" and len(long_single) <= SMS_CHARS


def test_quiet_hours_cross_midnight_and_are_checked_in_the_config(tmp_path):
    assert in_quiet_hours(at(date(2026, 11, 20), 23), NIGHT) and in_quiet_hours(at(date(2026, 11, 21), 6, 59), NIGHT)
    assert not in_quiet_hours(at(date(2026, 11, 21), 7), NIGHT) and not in_quiet_hours(FRIDAY, NIGHT)
    assert not in_quiet_hours(at(date(2026, 11, 20), 23), None)
    settings = load_settings({"db": "sqlite:///x", "quiet_hours": "22:00-07:00"}, environ={})
    assert settings.quiet() == NIGHT
    with pytest.raises(ConfigError, match="quiet_hours must be HH:MM-HH:MM, such as 22:00-07:00, not '22-7h'"):
        load_settings({"db": "sqlite:///x", "quiet_hours": "22-7h"}, environ={})


def _queue(db, *rows) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            insert(OUTBOX),
            [
                {
                    "dedup_key": f"k{i}",
                    "kind": kind,
                    "recipient": recipient,
                    "phone": "13900000001",
                    "payload": {"case_no": f"（2026）内0425执{i}号", "node_code": "N42", "by": "zhang", "note": "急"},
                    "status": "pending",
                    "urgent": True,
                    "attempts": 0,
                    "created_at": at(date(2026, 11, 20)),
                    "next_attempt_at": at(date(2026, 11, 20)),
                }
                for i, (kind, recipient) in enumerate(rows)
            ],
        )


def test_in_the_quiet_hours_only_escalations_go_out(db):
    _queue(db, ("red_case", "chief"), ("escalated", "chief"), ("red_case", "other"))
    sender = Recording()
    night = at(date(2026, 11, 20), 23, 30)
    result = dispatch(db, CATALOGUE, CALENDAR, sender, night, quiet_hours=NIGHT)
    assert (result.sent, result.held) == (1, 2)
    assert [(s["kind"], s["recipient"], s["phone"]) for s in sender.sent] == [("escalated", "chief", "13900000001")]
    morning = at(date(2026, 11, 23), 7)  # Monday 07:00, a working day, the quiet hours over
    assert dispatch(db, CATALOGUE, CALENDAR, sender, morning, quiet_hours=NIGHT).sent == 2


def test_a_red_case_inhibits_its_node_messages_not_other_cases(db):
    court = Court(db)
    court.red_case(fund_due_soon=True)
    calm = court.case(date(2026, 11, 18))  # nothing red: its due-soon messages go
    recompute(db, CATALOGUE, CALENDAR, FRIDAY)
    sender = Recording()
    result = dispatch(db, CATALOGUE, CALENDAR, sender, FRIDAY, claimer=Claimer("scheduler@t:1:aaaaaa"))
    with db.engine.connect() as conn:
        rows = conn.execute(select(OUTBOX.c.kind, OUTBOX.c.case_id, OUTBOX.c.status, OUTBOX.c.urgent)).all()
    inhibited = [r for r in rows if r.status == "inhibited"]
    assert inhibited and result.inhibited == len(inhibited)
    assert all(r.kind in ("due_soon", "tier_changed") and not r.urgent and r.case_id != calm for r in inhibited)
    assert {(r.kind, r.status) for r in rows if r.urgent} <= {("red_case", "sent"), ("tier_changed", "sent")}
    assert any(r.case_id == calm and r.status == "sent" for r in rows), "a case without red is not held back"
    assert Counter(s["recipient"] for s in sender.sent) == Counter({"zhang": 1, "chief": 1}), "one SMS each"


def test_the_chiefs_hear_of_each_red_case_the_wall_shows_once_not_of_closed_cases(db):
    """A red case is an open case whose light is red (data/lights.py): one message per case and
    chief, whatever number of its nodes are red; a closed case's overdue archive node is not one."""
    court = Court(db)
    both = court.red_case(fund_due_soon=True)  # N09 red, and its case term N42 (filed 2026-08-03) not yet
    court.add(
        m.NodeInstance,
        case_id=both,
        node_code="N10",
        subject_id="",
        started_at=at(date(2026, 8, 3), 9),
        due_override=end_of_day(date(2026, 8, 10)),
        source="imported",
    )
    closed = court.case(date(2026, 1, 5), closed_on=date(2026, 5, 6), closing_mode="执行完毕")  # N43 due 05-26
    recompute(db, CATALOGUE, CALENDAR, FRIDAY)
    red_alerts = {(r.case_id, r.node_code) for r in court.rows(m.Alert, m.Alert.__table__.c.tier == "red")}
    assert {(both, "N09"), (both, "N10"), (closed, "N43")} <= red_alerts, "the alerts themselves stay per node"
    messages = court.rows(m.OutboxMessage, OUTBOX.c.kind == "red_case")
    # named by the case's light: its earliest overdue node (N05, due two days after filing)
    assert [(r.case_id, r.recipient, r.payload["node_code"], r.payload["tier"]) for r in messages] == [
        (both, "chief", "N05", "red")
    ]
    assert indicators(db, Rules.at(FRIDAY, CATALOGUE, CALENDAR)).lights.red == 1
    recompute(db, CATALOGUE, CALENDAR, FRIDAY + timedelta(hours=1))
    assert len(court.rows(m.OutboxMessage, OUTBOX.c.kind == "red_case")) == 1, "the same red case: no second message"


def test_a_2000_case_demo_gives_each_recipient_one_digest_per_dispatch(db):
    generate(db, CATALOGUE, CALENDAR, cases=2000, seed=7, now=FRIDAY, court_name="示范人民法院")
    recompute(db, CATALOGUE, CALENDAR, FRIDAY)
    with db.engine.connect() as conn:
        chief_rows = (
            conn.execute(select(OUTBOX.c.payload).where(OUTBOX.c.recipient == "chief", OUTBOX.c.kind == "red_case"))
            .scalars()
            .all()
        )
        queued = conn.execute(select(OUTBOX.c.recipient)).scalars().all()
    red_cases = {p["case_no"] for p in chief_rows}
    assert len(red_cases) > 10, "the demo has red cases for the chief"
    wall = indicators(db, Rules.at(FRIDAY, CATALOGUE, CALENDAR)).lights.red
    assert len(chief_rows) == len(red_cases) == wall, "one message per red case, the wall's red cases"
    sender = Recording()
    result = dispatch(db, CATALOGUE, CALENDAR, sender, FRIDAY, batch=100_000)
    recipients = Counter(s["recipient"] for s in sender.sent)
    assert set(recipients.values()) == {1}, "one message per recipient per dispatch"
    assert result.digests == len(sender.sent) == len(set(queued) & set(recipients))
    (chief,) = [s for s in sender.sent if s["recipient"] == "chief"]
    assert chief["text"].startswith(f"【执行指挥中心】新增红灯{len(red_cases)}件") and len(chief["text"]) <= SMS_CHARS
    assert chief["phone"] and chief["urgent"] and len(chief["ids"]) == len(chief_rows)
    assert all(len(s["text"]) <= SMS_CHARS for s in sender.sent)
    assert dispatch(db, CATALOGUE, CALENDAR, sender, FRIDAY, batch=100_000).digests == 0, "nothing is sent twice"


def test_outbox_says_where_messages_went_and_shows_a_day_s_digests(db, db_url):
    from click.testing import CliRunner

    from command_center.cli import cli

    court = Court(db)
    with db.engine.begin() as conn:
        conn.execute(
            m.Officer.__table__.update().where(m.Officer.__table__.c.login == "zhang").values(phone="13912345678")
        )
    case_id = court.red_case(fund_due_soon=True)
    recompute(db, CATALOGUE, CALENDAR, FRIDAY)
    nodes = m.NodeInstance.__table__
    court.update(  # the applicant hears of it (their phone is the recipient)
        m.NodeInstance,
        (nodes.c.case_id == case_id) & (nodes.c.node_code == "N03"),
        completed_at=FRIDAY + timedelta(seconds=30),
    )
    recompute(db, CATALOGUE, CALENDAR, FRIDAY + timedelta(minutes=1))
    dispatch(db, CATALOGUE, CALENDAR, Recording(), FRIDAY + timedelta(minutes=1))
    run = CliRunner().invoke(cli, ["--db", db_url, "--now", "2026-11-20T10:00", "outbox", "--json"])
    assert run.exit_code == 0, run.output
    import json

    recipients = {r["recipient"]: r for r in json.loads(run.output)["recipients"]}
    assert recipients["zhang"]["phone"] == "139****5678" and recipients["zhang"]["digests"] == 1
    assert recipients["zhang"]["inhibited"] >= 1 and recipients["zhang"]["sent"] >= 1
    assert "13800000000" not in run.output and "138****0000" in recipients, "an applicant's phone is masked"
    run = CliRunner().invoke(cli, ["--db", db_url, "outbox", "--digests", "2026-11-20", "--to", "zhang"])
    assert run.exit_code == 0, run.output
    lines = run.output.splitlines()
    assert lines[0] == "10:01 → zhang (139****5678), 5 条合并:" and lines[1].startswith("  【执行指挥中心】新增红灯1件")
    run = CliRunner().invoke(cli, ["--db", db_url, "outbox", "--digests", "20.11.2026"])
    assert run.exit_code != 0 and "'20.11.2026' is not a date such as 2026-11-20" in run.output


def test_a_closed_case_s_late_archive_nodes_hold_nothing_back(db):
    """Inhibition speaks of red cases as the wall does: open ones.  A closed case's red archive
    node (no red-case message speaks for it) does not hold back its other nodes' messages."""
    court = Court(db)
    closed = court.case(date(2026, 1, 5), closed_on=date(2026, 7, 20), closing_mode="执行完毕")
    recompute(db, CATALOGUE, CALENDAR, FRIDAY)
    dispatch(db, CATALOGUE, CALENDAR, Recording(), FRIDAY, claimer=Claimer("scheduler@t:1:aaaaaa"))
    rows = court.rows(m.OutboxMessage, OUTBOX.c.case_id == closed)
    assert sorted((r.payload["node_code"], r.payload["tier"], r.urgent, r.status) for r in rows) == [
        ("N43", "red", True, "sent"),
        ("N45", "blue", False, "sent"),  # held back as "inhibited" when a closed case counted as red
        ("N46", "yellow", False, "sent"),
    ]
