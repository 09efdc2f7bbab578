"""The alert lifecycle (acknowledge, silence, responses) and the alert-engine commands."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from command_center.cli import cli
from command_center.data import access
from command_center.data import alerts as al
from command_center.data import models as m
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.workcal import end_of_day
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at

NOW = at(date(2026, 11, 20), 10)


@pytest.fixture
def blue(db):
    """A court with one overdue node, due 2026-10-09: blue on 2026-11-20 (the filing nodes are not due yet)."""
    court = Court(db)
    case_id = court.case(date(2026, 11, 19))
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N09",
        subject_id="",
        started_at=at(date(2026, 9, 29), 9),
        due_override=end_of_day(date(2026, 10, 9)),
        source="imported",
    )
    recompute(db, CATALOGUE, CALENDAR, NOW)
    (alert,) = al.list_alerts(db, NOW, case_no="（2026）内0425执1号", tier="blue")
    return court, alert


def test_response_is_tracked_until_the_chief_accepts_it(blue):
    court, alert = blue
    db, officer, chief = court.db, access.actor(court.db, "zhang"), access.actor(court.db, "chief")
    assert alert.node_code == "N09" and alert.overdue_days == 42
    assert (alert.response_kind, alert.response_state(NOW.date())) == ("explanation", "missing")
    assert alert.response_state(date(2026, 11, 26)) == "late", "3 working days: due 11-25"
    al.acknowledge(db, alert.id, alert.version, officer, NOW)
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    al.submit_response(db, alert.id, alert.version, officer, NOW, "当事人下落不明, 已申请公告")
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    assert (alert.status, alert.response_state(NOW.date())) == ("acknowledged", "submitted")
    with pytest.raises(access.NotAllowed):
        al.review_response(db, alert.id, alert.version, officer, NOW, accept=True)
    al.review_response(db, alert.id, alert.version, chief, NOW, accept=True, note="同意")
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    assert alert.response_state(date(2026, 12, 1)) == "done"
    kinds = [kind for _, kind, _, _ in al.history(db, alert.id)]
    assert kinds == ["opened", "acknowledged", "response_submitted", "response_accepted"]
    audit = court.rows(m.AuditEntry, m.AuditEntry.__table__.c.entity == "alert")
    assert [(a.actor, a.action) for a in audit] == [
        ("zhang", "alert.acknowledged"),
        ("zhang", "alert.response_submitted"),
        ("chief", "alert.response_accepted"),
    ]


def test_a_second_session_acting_on_the_same_alert_is_refused(blue):
    court, alert = blue
    officer = access.actor(court.db, "zhang")
    al.acknowledge(court.db, alert.id, alert.version, officer, NOW)
    with pytest.raises(access.StaleVersion, match="changed by someone else"):
        al.submit_response(court.db, alert.id, alert.version, officer, NOW, "说明")


def test_silence_needs_a_chief_a_reason_and_a_future_end_and_runs_out(blue):
    court, alert = blue
    db, officer, chief = court.db, access.actor(court.db, "zhang"), access.actor(court.db, "chief")
    until = NOW + timedelta(days=3)
    with pytest.raises(access.NotAllowed):
        al.silence(db, alert.id, alert.version, officer, NOW, until, "等待鉴定")
    with pytest.raises(access.ActionRefused, match="reason"):
        al.silence(db, alert.id, alert.version, chief, NOW, until, "  ")
    with pytest.raises(access.ActionRefused, match="not in the future"):
        al.silence(db, alert.id, alert.version, chief, NOW, NOW, "等待鉴定")
    al.silence(db, alert.id, alert.version, chief, NOW, until, "等待鉴定结论")
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(days=1))
    (silenced,) = al.list_alerts(db, NOW, tier="blue")
    assert (silenced.status, silenced.silence_reason) == ("silenced", "等待鉴定结论")
    recompute(db, CATALOGUE, CALENDAR, until)
    (back,) = al.list_alerts(db, until, tier="blue")
    assert back.status == "open"
    assert [kind for _, kind, _, _ in al.history(db, alert.id)][-2:] == ["silenced", "silence_expired"]


def _cli(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_commands_print_what_the_functions_compute(blue):
    court, _ = blue
    url = str(court.db.engine.url.render_as_string(hide_password=False))
    result = _cli("--db", url, "--now", "2026-11-20T10:00", "recompute", "--json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)["counts"]
    assert counts["blue"] == 1 and set(counts) == {"due_soon", "overdue", "blue", "yellow", "red"}

    result = _cli(
        "--db", url, "--now", "2026-11-20T10:00", "alerts", "--json", "--case", "(2026)内0425执1号", "--tier", "blue"
    )
    rows = json.loads(result.output)
    assert [
        {
            k: r[k]
            for k in (
                "rule",
                "tier",
                "case_no",
                "node_code",
                "subject_id",
                "due_date",
                "overdue_days",
                "provisional",
                "status",
            )
        }
        for r in rows
    ] == [
        {
            "rule": "overdue",
            "tier": "blue",
            "case_no": "（2026）内0425执1号",
            "node_code": "N09",
            "subject_id": "",
            "due_date": "2026-10-09",
            "overdue_days": 42,
            "provisional": False,
            "status": "open",
        }
    ]

    result = _cli("--db", url, "--now", "2026-11-20T10:00", "indicators", "--json")
    expected = indicators(court.db, Rules.at(NOW, CATALOGUE, CALENDAR)).as_json()
    assert json.loads(result.output) == json.loads(json.dumps(expected))
    assert expected["lights"] == {"red": 0, "yellow": 0, "blue": 1}

    text = _cli("--db", url, "--now", "2026-11-20T10:00", "alerts", "--tier", "blue").output
    assert "蓝灯" in text and "电子说明 未提交" in text and "（2026）内0425执1号" in text
