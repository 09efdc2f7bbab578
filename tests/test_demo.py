"""The demo court: deterministic, realistic, identical on both backends, every light lit."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from command_center.data import models as m
from command_center.data.catalogue import load_catalogue
from command_center.data.demo import DemoError, generate
from command_center.data.engine import open_database
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.workcal import WorkCalendar, local_date
from tests.conftest import NOW

CASE_NO = re.compile(r"^（(20\d\d)）内0425(执|执恢|执保|执异|执复|执监)([1-9]\d*)号$")
CATALOGUE = load_catalogue()
CALENDAR = WorkCalendar()


def fill(db, cases=1500, seed=7, now=NOW):
    return generate(db, CATALOGUE, CALENDAR, cases=cases, seed=seed, now=now, court_name="示范人民法院")


def digest(db) -> str:
    """A fingerprint of the generated content (not of surrogate ids), read through the column types."""
    cases, parties, funds, nodes = (t.__table__ for t in (m.Case, m.Party, m.Fund, m.NodeInstance))
    queries = [
        select(
            cases.c.case_no,
            cases.c.filed_on,
            cases.c.amount,
            cases.c.amount_recovered,
            cases.c.closed_on,
            cases.c.closing_mode,
            cases.c.track,
        ).order_by(cases.c.case_no),
        select(cases.c.case_no, parties.c.role, parties.c.position, parties.c.name, parties.c.id_number)
        .join(cases, cases.c.id == parties.c.case_id)
        .order_by(cases.c.case_no, parties.c.role, parties.c.position),
        select(funds.c.fund_id, funds.c.amount, funds.c.arrived_at, funds.c.disbursed_at).order_by(funds.c.fund_id),
        select(
            cases.c.case_no,
            nodes.c.node_code,
            nodes.c.subject_id,
            nodes.c.started_at,
            nodes.c.completed_at,
            nodes.c.due_at,
            nodes.c.due_date,
            nodes.c.provisional,
        )
        .join(cases, cases.c.id == nodes.c.case_id)
        .order_by(cases.c.case_no, nodes.c.node_code, nodes.c.subject_id),
    ]
    h = hashlib.sha256()
    with db.engine.connect() as conn:
        for query in queries:
            for row in conn.execute(query):
                h.update(repr(tuple(str(v) for v in row)).encode())
    return h.hexdigest()


def test_demo_is_deterministic_and_identical_on_both_backends(sqlite_url, pg_url):
    results = []
    for url in (sqlite_url, pg_url):
        database = open_database(url, migrate=True)
        fill(database)
        results.append((digest(database), indicators(database, Rules.at(NOW, CATALOGUE, CALENDAR))))
        database.dispose()
    assert results[0] == results[1]


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    digests = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        database = open_database(f"sqlite:///{tmp_path / name}.sqlite3")
        fill(database, cases=300, seed=seed)
        digests.append(digest(database))
        database.dispose()
    assert digests[0] == digests[1] != digests[2]


def test_demo_court_is_realistic(db):
    summary = fill(db)
    today = local_date(NOW)
    cases = m.Case.__table__
    with db.engine.connect() as conn:
        numbers = conn.execute(select(cases.c.case_no, cases.c.filed_on)).all()
        modes = dict(conn.execute(select(cases.c.closing_mode, func.count()).group_by(cases.c.closing_mode)).all())
        amounts = conn.execute(select(cases.c.amount).order_by(cases.c.amount)).scalars().all()
        kinds = set(conn.execute(select(m.SeizedAsset.__table__.c.kind)).scalars())
        parties = conn.execute(select(m.Party.__table__.c.name, m.Party.__table__.c.kind)).all()
        tracks = set(conn.execute(select(cases.c.track)).scalars())
        nodes = m.NodeInstance.__table__
        expiring = conn.execute(
            select(func.count()).where(
                nodes.c.node_code == "N20",
                nodes.c.completed_at.is_(None),
                nodes.c.stopped_at.is_(None),
                nodes.c.due_date.between(today, today + timedelta(days=30)),
            )
        ).scalar_one()
    assert summary.cases == len(numbers) == 1500
    for case_no, filed_on in numbers:
        match = CASE_NO.match(case_no)
        assert match, case_no
        assert int(match.group(1)) == filed_on.year
    assert len({n for n, _ in numbers}) == len(numbers)
    assert {"执行完毕", "终结本次执行程序"} <= set(modes) and modes[None] > 0, "open, closed and 终本 cases"
    assert amounts[0] >= Decimal("500") and amounts[-1] > 100 * amounts[len(amounts) // 2], "a long tail of big cases"
    assert {"车辆", "不动产", "动产"} <= kinds
    assert tracks == {"速执", "简执", "普执", "特执"}
    assert any(kind == "org" and name.endswith("公司") for name, kind in parties)
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）]+", name) for name, _ in parties), "Chinese names only"
    assert expiring > 0, "frozen accounts near expiry"
    from command_center.data.duty import on_duty

    assert on_duty(db, CALENDAR, today) is not None, "a rota: the header shows who is on duty"


def test_every_light_has_cases_and_funds_wait(db):
    fill(db)
    figures = indicators(db, Rules.at(NOW, CATALOGUE, CALENDAR))
    assert figures.lights.red > 0 and figures.lights.yellow > 0 and figures.lights.blue > 0
    assert figures.new_cases_today > 0, "2026-11-20 is a working day: cases were filed today"
    assert figures.undisbursed_count > 0 and figures.undisbursed_amount > 0


def test_demo_due_dates_follow_the_calendar(db):
    fill(db, cases=400)
    nodes, cases = m.NodeInstance.__table__, m.Case.__table__
    plain = select(cases.c.id).where(
        cases.c.term_extended_to.is_(None), cases.c.id.not_in(select(m.Suspension.__table__.c.case_id))
    )
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(nodes.c.node_code, nodes.c.started_at, nodes.c.due_date, nodes.c.due_at).where(
                nodes.c.node_code.in_(("N02", "N08", "N13", "N42")), nodes.c.case_id.in_(plain)
            )
        ).all()
    assert {code for code, *_ in rows} == {"N02", "N08", "N13", "N42"}
    for code, started, due_date, due_at in rows:
        node = CATALOGUE[code]
        due = CALENDAR.due(started, node.limit, node.unit)
        assert (due.date, due.at) == (due_date, due_at), code


def test_demo_refuses_a_database_with_cases(db):
    fill(db, cases=50)
    with pytest.raises(DemoError, match="already holds 50 cases"):
        fill(db, cases=50)


def test_demo_error_leaves_nothing_behind(db, monkeypatch):
    import command_center.data.demo as demo_module

    calls = {"n": 0}
    real = demo_module._one_case

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == demo_module.CHUNK + 10:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(demo_module, "_one_case", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        fill(db, cases=demo_module.CHUNK * 2)
    with db.engine.connect() as conn:
        for table in ("courts", "cases", "node_instances", "parties"):
            assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one() == 0, table


def test_the_demo_leaves_planner_statistics(sqlite_url):
    """Without them SQLite plans the wall's overdue questions per case (20x slower at 100,000 cases)."""
    db = open_database(sqlite_url)
    try:
        fill(db, cases=200)
        with db.engine.connect() as conn:
            analysed = {r[0] for r in conn.exec_driver_sql("SELECT tbl FROM sqlite_stat1")}
            plan = " ".join(
                str(r[3])
                for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT case_id, min(due_date) FROM node_instances "
                    "WHERE completed_at IS NULL AND stopped_at IS NULL AND due_at < '2026-11-20 02:00:00' "
                    "GROUP BY case_id"
                )
            )
        assert {"cases", "node_instances", "funds"} <= analysed
        assert "ix_node_instances_open_due" in plan
    finally:
        db.dispose()
