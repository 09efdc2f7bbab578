"""The wall's kept counts (data/wall_counts.py) against the reading of every fact.

Each test builds a demo court, recomputes it, and holds the figures, the team board and the
light lists that come from the kept counts to exactly those worked out from the facts alone
(``read_indicators_from_facts``, ``lights_from_facts``: the code before the counts were kept),
at several instants (a day's first and last instant, months ahead and behind), for every court
and for one, after the recompute and after changes it has not seen yet (nodes completed,
cases closed, moved to another team or court, removed, new cases with deadlines, an ad-hoc
item), and again once it has seen them; and the kept sums to what writing them again whole gives.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from command_center.data import demo, wall_counts
from command_center.data import models as m
from command_center.data.courts import courts_under
from command_center.data.indicators import read_indicators, read_indicators_from_facts
from command_center.data.lights import TIERS
from command_center.data.rollup import court_table
from command_center.data.rules import Rules
from command_center.data.tables import (
    CASES,
    COURTS,
    DIRTY,
    NODES,
    TEAMS,
    WALL_CASE_DAYS,
    WALL_CASES,
    WALL_DAYS,
    WALL_TEAMS,
)
from command_center.data.wall import LISTS, _lights, lights_from_facts, teams_from_facts, wall_data
from command_center.data.wall_counts import refresh
from command_center.data.workcal import Overrides, WorkCalendar, end_of_day
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE
from tests.conftest import NOW

#: instants around NOW: the same day's first and last, days, months ahead and behind
INSTANTS = [
    NOW,
    NOW.replace(hour=0, minute=0),
    NOW.replace(hour=23, minute=59, second=59),
    NOW + timedelta(hours=7),
    NOW - timedelta(days=1),
    NOW + timedelta(days=3),
    NOW + timedelta(days=33),
    NOW - timedelta(days=40),
    NOW + timedelta(days=100),
]


def _court(db, seed: int) -> None:
    demo.generate(db, CATALOGUE, CALENDAR, cases=120, seed=seed, now=NOW, court_name="示范人民法院")
    with db.engine.begin() as conn:  # a second court, and a third of the cases moved to it
        conn.execute(insert(COURTS), [{"id": 2, "code": "内0426", "name": "第二法院"}])
        conn.execute(insert(TEAMS), [{"id": 900, "court_id": 2, "name": "二院一组", "track": "普执"}])
        conn.execute(update(CASES).where(CASES.c.id % 3 == 0).values(court_id=2, team_id=900))
        conn.execute(update(CASES).where(CASES.c.id % 7 == 1).values(team_id=None))
    recompute(db, CATALOGUE, CALENDAR, NOW)


def _agree(db, label: str) -> None:
    """The kept counts give the facts' figures, team board and light lists at every instant."""
    scopes = [None, courts_under(db, "内0426")]
    with db.engine.connect() as conn:
        for now in INSTANTS:
            rules = Rules.at(now, CATALOGUE, CALENDAR)
            for courts in scopes:
                figures, teams = read_indicators(conn, rules, courts)
                expected, expected_teams = read_indicators_from_facts(conn, rules, courts)
                where = f"{label}, {now}, courts {courts}"
                assert figures == expected, where
                key = lambda t: (t.team_id is None, t.team_id or 0)  # noqa: E731
                assert sorted(teams, key=key) == sorted(expected_teams, key=key), where
                data = wall_data(db, rules, courts=courts, limit=1000)
                assert data.indicators == expected, where
                assert data.teams == teams_from_facts(conn, expected_teams, courts), where
                # the board sums to the figures: the cases without a team have a row of their own
                board = [sum(getattr(r, k) for r in data.teams) for k in ("open_cases", "overdue_nodes", *TIERS)]
                assert board == [
                    figures.open_cases,
                    figures.overdue_nodes,
                    *(getattr(figures.lights, k) for k in TIERS),
                ], where
                by_court = court_table(db, rules, courts, rates=False).rows  # the 中院 wall's rows, from the facts
                assert data.courts == (by_court if len(by_court) > 1 else []), where
                totals = {"red": figures.lights.red, "yellow": figures.lights.yellow, "blue": figures.lights.blue}
                for offset, size in ((0, 1000), (0, 3), (2, 5), (7, 4)):
                    windows = {name: (offset, size) for name in LISTS}
                    for tier in totals:
                        if offset >= totals[tier]:
                            windows[tier] = (0, size)
                    assert _lights(conn, rules, windows, courts) == lights_from_facts(conn, rules, windows, courts), (
                        f"{where}, window {offset}+{size}"
                    )


def _kept(db) -> dict[str, list]:
    with db.engine.connect() as conn:
        return {
            t.name: sorted(tuple(r) for r in conn.execute(select(t)))
            for t in (WALL_CASES, WALL_CASE_DAYS, WALL_DAYS, WALL_TEAMS)
        }


def _rewritten(db) -> dict[str, list]:
    """The kept tables as writing them again whole gives them (rolled back afterwards)."""
    with db.engine.connect() as conn:
        with conn.begin() as tx:
            refresh(conn)
            rows = {
                t.name: sorted(tuple(r) for r in conn.execute(select(t)))
                for t in (WALL_CASES, WALL_CASE_DAYS, WALL_DAYS, WALL_TEAMS)
            }
            tx.rollback()
    return rows


def _sums_are_the_rows(kept: dict[str, list]) -> None:
    """The kept sums are the sums of the kept rows of the cases (whatever state those are in)."""
    cases = {r[0]: r for r in kept["wall_cases"]}
    teams: dict[tuple, list[int]] = {}
    for _, court, team, is_open, nodes, *_ in kept["wall_cases"]:
        row = teams.setdefault((court, team or 0), [0, 0, 0])
        row[0], row[1], row[2] = row[0] + 1, row[1] + bool(is_open), row[2] + nodes
    assert sorted((*k, *v) for k, v in teams.items()) == kept["wall_teams"]
    days: dict[tuple, int] = {}
    for case_id, day, nodes in kept["wall_case_days"]:
        key = (cases[case_id][1], cases[case_id][2] or 0, day)
        days[key] = days.get(key, 0) + nodes
    assert sorted((*k, v) for k, v in days.items() if v) == kept["wall_days"]


def _change(db, rng: random.Random) -> None:
    """Changes the recompute has not seen: what the importer, the actions and the case system write."""
    with db.engine.begin() as conn:
        ids = conn.execute(select(CASES.c.id).order_by(CASES.c.id)).scalars().all()
        open_nodes = conn.execute(
            select(NODES.c.id, NODES.c.case_id)
            .where(NODES.c.completed_at.is_(None), NODES.c.stopped_at.is_(None), NODES.c.due_at.is_not(None))
            .order_by(NODES.c.due_at, NODES.c.id)
        ).all()
        done = {"completed_at": func.coalesce(NODES.c.started_at, NOW)}
        for node in [*rng.sample(open_nodes, 12), *open_nodes[:4]]:  # and the worst nodes: lights change
            conn.execute(update(NODES).where(NODES.c.id == node.id).values(**done))
        for case_id in rng.sample(ids, 4):
            conn.execute(
                update(CASES).where(CASES.c.id == case_id).values(closed_on=NOW.date(), closing_mode="执行完毕")
            )
        places = [(1, 1), (1, 2), (1, None), (2, 900), (2, None)]  # a team is of its case's court
        for case_id in rng.sample(ids, 7):  # another team, or another court
            court, team = rng.choice(places)
            conn.execute(update(CASES).where(CASES.c.id == case_id).values(court_id=court, team_id=team))
        gone = rng.choice(ids)
        conn.execute(delete(m.Party.__table__).where(m.Party.__table__.c.case_id == gone))
        for table in (m.Fund, m.SeizedAsset, m.FrozenAccount, m.Lead, m.Suspension, m.Alert, m.CaseLock):
            t = table.__table__
            if t.name == "alerts":
                actions = m.AlertAction.__table__
                conn.execute(delete(actions).where(actions.c.alert_id.in_(select(t.c.id).where(t.c.case_id == gone))))
            conn.execute(delete(t).where(t.c.case_id == gone))
        conn.execute(delete(m.SupervisionItem.__table__).where(m.SupervisionItem.__table__.c.case_id == gone))
        conn.execute(delete(NODES).where(NODES.c.case_id == gone))
        conn.execute(delete(CASES).where(CASES.c.id == gone))
        # a new case with deadlines written as the importer and the ad-hoc items write them
        new = conn.execute(
            insert(CASES)
            .values(
                court_id=2,
                case_no=f"（2026）内0426执{rng.randrange(10_000, 99_999)}号",
                case_type="执",
                filed_on=date(2026, 6, 1),
                team_id=900,
            )
            .returning(CASES.c.id)
        ).scalar_one()
        for code, due in (("N09", date(2026, 7, 1)), ("N10", date(2026, 7, 1)), ("DB", NOW.date())):
            conn.execute(
                insert(NODES).values(
                    case_id=new,
                    node_code=code,
                    subject_id="",
                    started_at=end_of_day(due - timedelta(days=20)),
                    due_override=end_of_day(due) if code != "DB" else NOW + timedelta(hours=2),
                    due_at=end_of_day(due) if code != "DB" else NOW + timedelta(hours=2),
                    due_date=due,
                    source="imported" if code != "DB" else "manual",
                )
            )
        dirty = conn.execute(select(func.count()).select_from(DIRTY)).scalar_one()
    assert dirty > 0


@pytest.mark.parametrize("seed", [3, 11])
def test_the_kept_counts_are_the_facts_at_every_instant(db, seed):
    _court(db, seed)
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(DIRTY)).scalar_one() == 0
    _agree(db, "after the recompute")
    assert _kept(db) == _rewritten(db)
    rng = random.Random(seed)
    _change(db, rng)
    _agree(db, "changes not yet recomputed")
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=1))
    _agree(db, "recomputed")
    assert _kept(db) == _rewritten(db)  # the sums kept by the run are those of writing them whole
    _sums_are_the_rows(_kept(db))
    _change(db, rng)
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(days=1))  # the next day: repetitions begin
    _agree(db, "recomputed the next day")
    assert _kept(db) == _rewritten(db)


def test_a_rebuild_and_a_run_of_a_few_cases_keep_the_counts(db):
    _court(db, 5)
    rng = random.Random(5)
    _change(db, rng)
    with db.engine.connect() as conn:
        marked = conn.execute(select(DIRTY.c.case_id).order_by(DIRTY.c.case_id)).scalars().all()
    recompute(db, CATALOGUE, CALENDAR, NOW, cases=marked[: len(marked) // 2])
    _agree(db, "a run of half the marked cases")
    kept, rewritten = _kept(db), _rewritten(db)
    with db.engine.connect() as conn:
        still = set(conn.execute(select(DIRTY.c.case_id)).scalars())
    assert still and still < set(marked)
    for table in ("wall_cases", "wall_case_days"):  # the cases the run saw are right; the others wait
        assert [r for r in kept[table] if r[0] not in still] == [r for r in rewritten[table] if r[0] not in still]
    _sums_are_the_rows(kept)
    recompute(db, CATALOGUE, CALENDAR, NOW, rebuild=True)
    _agree(db, "rebuilt")
    assert _kept(db) == _rewritten(db)


def test_a_new_calendar_moves_the_kept_counts_of_the_cases_it_moves(db):
    """A new working-day calendar moves due dates all over the court, in a run asked for one
    case: the counts follow for every case whose due dates moved."""
    _court(db, 7)
    days = [date(2026, 8, 20), date(2026, 9, 2), date(2026, 10, 12), date(2026, 11, 23), date(2026, 11, 24)]
    closed = WorkCalendar(Overrides(rest_days=frozenset(days)))
    with db.engine.connect() as conn:
        one = conn.execute(select(func.min(CASES.c.id))).scalar_one()
    result = recompute(db, CATALOGUE, closed, NOW, cases=[one])
    assert result.calendar_changed and result.dues_changed > 0
    _agree(db, "a new calendar")
    assert _kept(db) == _rewritten(db)


def test_many_marked_cases_are_read_through_the_marks_table(db, monkeypatch):
    """Past NAMED_MARKS marked cases (a court just imported), the statements read the marks
    table itself instead of naming the cases: the same figures."""
    _court(db, 13)
    _change(db, random.Random(13))
    monkeypatch.setattr(wall_counts, "NAMED_MARKS", 0)
    _agree(db, "the marks read through dirty_cases")


def test_one_snapshot_reads_every_statement_of_one_instant(db):
    """A wall read's statements see one instant on both backends: what another connection
    commits between two of them (a recompute clearing the marks, an officer closing cases) is
    not seen by the second.  On SQLite this is the explicit BEGIN (pysqlite runs each SELECT
    on its own); on PostgreSQL, REPEATABLE READ."""
    _court(db, 3)
    recompute(db, CATALOGUE, CALENDAR, NOW)
    marks = select(func.count()).select_from(DIRTY)
    closed = select(func.count()).select_from(CASES).where(CASES.c.closed_on.is_not(None))
    with db.engine.connect() as reader:
        conn = wall_counts.one_snapshot(reader)
        before = (conn.execute(marks).scalar_one(), conn.execute(closed).scalar_one())
        with db.engine.begin() as writer:
            open_ids = writer.execute(select(CASES.c.id).where(CASES.c.closed_on.is_(None)).limit(5)).scalars().all()
            writer.execute(update(CASES).where(CASES.c.id.in_(open_ids)).values(closed_on=date(2026, 11, 19)))
        assert (conn.execute(marks).scalar_one(), conn.execute(closed).scalar_one()) == before
    with db.engine.connect() as conn:  # a new read sees the officer's closing and its marks
        after = (conn.execute(marks).scalar_one(), conn.execute(closed).scalar_one())
    assert after == (before[0] + 5, before[1] + 5)
