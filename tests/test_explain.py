"""A due date explains itself (``command-center explain``, the node card): the steps of the very
arithmetic that worked the date out, and the stored date (worked out in SQL by the recompute)
agrees with it for every unit (issue 26)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

from click.testing import CliRunner
from sqlalchemy import select

from command_center.cli import cli
from command_center.data import models as m
from command_center.data.demo import generate
from command_center.data.explain import explain, lines
from command_center.data.rules import Rules
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.conftest import NOW

RULES = Rules.at(NOW, CATALOGUE, CALENDAR)


def test_the_explanation_agrees_with_the_stored_date_for_every_unit(db):
    """On a demo court, a sample of every unit's nodes (the terms with their suspensions and
    extensions, the renewals with their expiries, the 执复 reviews): the date worked out again
    with its steps is the date the SQL recompute stored."""
    generate(db, CATALOGUE, CALENDAR, cases=400, seed=11, now=NOW, court_name="示范人民法院")
    recompute(db, CATALOGUE, CALENDAR, NOW)
    n, c = m.NodeInstance.__table__, m.Case.__table__
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(c.c.case_no, n.c.node_code, n.c.subject_id)
            .join(c, c.c.id == n.c.case_id)
            .where(n.c.due_override.is_(None), n.c.due_date.is_not(None))
            .order_by(n.c.id)
        ).all()
    by_unit: dict[str, list] = defaultdict(list)
    for row in rows:
        unit = CATALOGUE[row.node_code].unit.value if row.node_code in CATALOGUE else "other"
        key = row.node_code if row.node_code in ("N42", "N50", "N20", "N48") else unit
        if len(by_unit[key]) < 25:
            by_unit[key].append(row)
    assert {"hours", "days", "workdays", "months", "N42", "N50", "N20", "N48"} <= set(by_unit)
    for key, sample in by_unit.items():
        for row in sample:
            found = explain(db, RULES, row.case_no, row.node_code, row.subject_id)
            assert found.agrees and found.due == found.stored_due, (key, row, found.steps)
            assert found.steps[-1][0] in ("due", "at")


def test_rest_days_rolled_over_by_name_and_a_weekend_worked_counted(db):
    court = Court(db)
    case_id = court.case(date(2026, 9, 28))  # N03: 5 days from 09-28 = 10-03, inside 国庆节
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N10",  # 3 working days from 09-30: 10-08, 10-09 and Saturday 10-10 (调休)
        subject_id="",
        started_at=at(date(2026, 9, 30), 15),
        source="imported",
    )
    recompute(db, CATALOGUE, CALENDAR, NOW)
    case_no = court.rows(m.Case)[0].case_no
    n03 = explain(db, RULES, case_no, "N03")
    assert n03.due == n03.stored_due == date(2026, 10, 8)
    assert lines(n03, "zh")[1:] == [
        "  起算: 2026-09-28 00:00 (起算日不计入)",
        "  时限: 5 日",
        "  届满日: 2026-10-03",
        "  顺延过 2026-10-03 至 2026-10-07 (国庆节)",
        "  期限: 2026-10-08",
    ]
    n10 = explain(db, RULES, case_no, "N10")
    assert n10.due == n10.stored_due == date(2026, 10, 10)
    assert lines(n10, "en")[1:] == [
        "  starts: 2026-09-30 15:00 (the start day is not counted)",
        "  limit: 3 working days",
        "  not counted: 2026-10-01 to 2026-10-07 (National Day)",
        "  counted: 2026-10-10 (adjusted working day (a weekend day worked))",
        "  due: 2026-10-10",
    ]


def test_a_suspended_term_in_a_provisional_year_and_the_cli(db_url, db):
    court = Court(db)
    case_id = court.case(date(2026, 11, 2))
    court.add(m.Suspension, case_id=case_id, from_date=date(2026, 11, 5), to_date=date(2026, 11, 9))
    recompute(db, CATALOGUE, CALENDAR, NOW)
    case_no = court.rows(m.Case)[0].case_no
    term = explain(db, RULES, case_no, "N42")
    # 11-02 + 6 months = 2027-05-02, + 5 suspended days = 05-07; 2027's 劳动节 is an estimate
    assert term.due == term.stored_due and term.provisional
    shown = lines(term, "zh")
    assert "  中止期间 2026-11-05 至 2026-11-09 不计入" in shown and "  共顺延 5 天" in shown
    assert shown[-1].endswith("(临时: 依赖尚未公布的年度节假日安排)")
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            db_url,
            "--now",
            "2026-11-20T10:00",
            "explain",
            case_no.replace("（", "(").replace("）", ")"),
            "n42",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["due"] == data["stored_due"] == term.due.isoformat() and data["agrees"] and data["provisional"]
    assert CliRunner().invoke(cli, ["--db", db_url, "explain", case_no, "N99"]).exit_code == 1
