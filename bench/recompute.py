"""Recompute speed beside a floor: the whole court at N demo cases, SQLite and PostgreSQL, one run.

    .venv/bin/python bench/recompute.py [--cases 100000 1000000] [--backend sqlite postgresql]
                                        [--keep DIR] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                                        [--prefix cc_bench] [--json]

For each size and backend a demo court is generated as of 2026-11-20 10:00 (or reused from
``--keep``: SQLite files in DIR and PostgreSQL databases ``cc_bench_<cases>``, kept for
the next run; without ``--keep`` everything is thrown away; ``--prefix`` names the databases
otherwise, so two engineers' runs on one server keep apart).  Then, on the same database:

* floor: one hand-written aggregate over the node table (count, open count and the
  earliest due date per node code), the least a set-based pass over every node can cost;
* cold: the first recompute after the import of every case (the calendar table written,
  every case marked, so every node re-derived; every alert opened, the outbox filled);
  a kept database is first reset to that state (alerts, outbox and marks removed);
* rebuild: ``recompute --rebuild`` a minute later on the settled database (every case
  re-derived again, the alerts reconciled; nothing to write), what a repair costs;
* calendar: a new working-day calendar two minutes later (the official schedule of next
  year entered, a day declared a rest day): the due date of every node of the court
  worked out again and every alert re-evaluated, the nodes themselves left alone (they
  do not depend on the calendar); the whole-court recompute from the node table up;
* day: the scheduler's whole-court recompute on the next day (the day's first run: the
  repeated searches whose period began, every alert re-evaluated, tier changes, messages);
* minute: the same one minute later (what runs every minute all day).

Target (issue 3): the full recompute (recompute = due dates, then alerts; full = of every node
of the court: the 'calendar' column) at 1,000,000 cases within 3x the floor and under 60 s on
PostgreSQL; the last line says whether it was met.  Issue 22's: cold and ``--rebuild`` within 5x
the floor, the full recompute within 3x, at 100,000 and 1,000,000 cases on PostgreSQL.

``--json``: besides the text, one JSON object per measured row (a line starting with ``{``):
backend, cases, nodes, floor_s, each path's seconds (cold_s, rebuild_s, calendar_s, day_s,
minute_s), the process's peak_rss_mb and the load average at the end of the row.

The scheduler's runs do less (the due dates of the cases written since the last run); a
rebuild does more (every node materialised again).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psycopg
from sqlalchemy import case, func, literal, select

from command_center.clock import parse_instant
from command_center.data import models as m
from command_center.data.catalogue import load_catalogue
from command_center.data.demo import generate
from command_center.data.engine import open_database
from command_center.data.sqlcal import FINGERPRINT_KEY, INPUTS_KEY
from command_center.data.workcal import WorkCalendar
from command_center.jobs.recompute import recompute

NOW = parse_instant("2026-11-20T10:00")
CATALOGUE = load_catalogue()
CALENDAR = WorkCalendar()


def floor(db) -> float:
    nodes = m.NodeInstance.__table__
    is_open = (nodes.c.completed_at.is_(None)) & (nodes.c.stopped_at.is_(None))
    query = select(
        nodes.c.node_code, func.count(), func.count(case((is_open, literal(1)))), func.min(nodes.c.due_date)
    ).group_by(nodes.c.node_code)
    started = time.perf_counter()
    with db.engine.connect() as conn:
        conn.execute(query).all()
    return time.perf_counter() - started


def reset_derived(db) -> None:
    """Back to the state right after generation, so a kept database measures a cold run again."""
    state = m.SystemState.__table__
    with db.engine.begin() as conn:
        for table in (m.AlertAction, m.Alert, m.OutboxMessage, m.DirtyCase):
            conn.execute(table.__table__.delete())
        conn.execute(state.delete().where(state.c.key != "calendar_days"))
        conn.execute(state.update().values(value="changed"))  # the calendar is written again
        conn.execute(
            m.DirtyCase.__table__.insert().from_select(
                ["case_id", "version"], select(m.Case.__table__.c.id, literal(1))
            )
        )


def new_calendar(db, now) -> float:
    """The recompute after a change of the working-day calendar: every due date of the court."""
    state = m.SystemState.__table__
    with db.engine.begin() as conn:  # as if the calendar's inputs (and days) had changed since the last run
        conn.execute(state.update().where(state.c.key.in_([FINGERPRINT_KEY, INPUTS_KEY])).values(value="changed"))
    result = recompute(db, CATALOGUE, CALENDAR, now)
    assert result.calendar_changed and result.nodes_written == 0
    return result.seconds


def prepare(url: str, cases: int) -> tuple[object, int]:
    db = open_database(url, migrate=True)
    with db.engine.connect() as conn:
        existing = conn.execute(select(func.count()).select_from(m.Case.__table__)).scalar_one()
    if existing not in (0, cases):
        raise SystemExit(f"{db.display_url} holds {existing} cases, not {cases}: remove it first")
    if existing == 0:
        started = time.perf_counter()
        summary = generate(db, CATALOGUE, CALENDAR, cases=cases, seed=20261120, now=NOW, court_name="示范人民法院")
        print(
            f"    generated {cases:,} cases ({summary.nodes:,} nodes) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    with db.engine.connect() as conn:
        nodes = conn.execute(select(func.count()).select_from(m.NodeInstance.__table__)).scalar_one()
    return db, nodes


def measure(url: str, cases: int, stale: bool = False) -> dict:
    db, nodes = prepare(url, cases)
    try:
        if db.dialect == "postgresql":  # fresh statistics, as autovacuum would have them (needs autocommit)
            raw = psycopg.connect(url, autocommit=True)
            raw.execute("VACUUM ANALYZE")
            raw.close()
        reset_derived(db)
        if stale and db.dialect == "postgresql":  # as right after a bulk load: the alerts analysed while empty
            raw = psycopg.connect(url, autocommit=True)
            raw.execute("VACUUM ANALYZE alerts")
            raw.execute("VACUUM ANALYZE alert_actions")
            raw.close()
        floor(db)  # warm the cache once, as the scheduler's database is warm
        figures = {"nodes": nodes, "floor": min(floor(db) for _ in range(3))}
        cold = recompute(db, CATALOGUE, CALENDAR, NOW)
        figures["cold"] = cold.seconds
        figures["cold_detail"] = (
            f"{cold.opened:,} alerts opened, {cold.messages:,} messages, calendar written: {cold.calendar_changed}"
        )
        rebuild = recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=1), rebuild=True)
        figures["rebuild"] = rebuild.seconds
        figures["rebuild_detail"] = f"{rebuild.dues_changed:,} due dates changed"
        figures["calendar"] = new_calendar(db, NOW + timedelta(minutes=2))
        day = recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(days=1))
        figures["day"] = day.seconds
        figures["day_detail"] = f"{day.tier_changes:,} tier changes, {day.resolved:,} resolved, {day.opened:,} opened"
        again = recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(days=1, minutes=1))
        figures["minute"] = again.seconds
    finally:
        db.dispose()
    return figures


def json_row(backend: str, cases: int, figures: dict) -> dict:
    row = {"bench": "recompute", "backend": backend, "cases": cases, "nodes": figures["nodes"]}
    row["floor_s"] = round(figures["floor"], 4)
    for path in ("cold", "rebuild", "calendar", "day", "minute"):
        row[f"{path}_s"] = round(figures[path], 3)
        row[f"{path}_x"] = round(figures[path] / figures["floor"], 2)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    row["load_1min"] = round(os.getloadavg()[0], 2)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated databases; SQLite files go here")
    parser.add_argument(
        "--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL of the PostgreSQL server"
    )
    parser.add_argument("--prefix", default="cc_bench", help="PostgreSQL databases are named PREFIX_<cases>")
    parser.add_argument("--json", action="store_true", help="also print one JSON object per measured row")
    parser.add_argument(
        "--stale-statistics",
        action="store_true",
        help="the cold run with the alerts' statistics of a bulk load (analysed while empty)",
    )
    args = parser.parse_args()

    temp = None if args.keep else tempfile.TemporaryDirectory()
    folder = args.keep or Path(temp.name)
    folder.mkdir(parents=True, exist_ok=True)
    admin = psycopg.connect(args.pg, autocommit=True)
    rows = []
    try:
        for cases in args.cases:
            for backend in args.backend:
                print(f"  {backend} {cases:,} cases …", flush=True)
                if backend == "sqlite":
                    url = f"sqlite:///{folder / f'bench_{cases}.sqlite3'}"
                else:
                    name = f"{args.prefix}_{cases}"
                    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                        admin.execute(f'CREATE DATABASE "{name}"')
                    url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
                figures = measure(url, cases, args.stale_statistics)
                rows.append((backend, cases, figures))
                print(
                    f"    floor {figures['floor']:.2f} s, cold {figures['cold']:.1f} s ({figures['cold_detail']}), "
                    f"rebuild {figures['rebuild']:.1f} s ({figures['rebuild_detail']}), "
                    f"new calendar {figures['calendar']:.1f} s, "
                    f"day {figures['day']:.1f} s "
                    f"({figures['day_detail']}), next minute {figures['minute']:.1f} s",
                    flush=True,
                )
                if args.json:
                    print(json.dumps(json_row(backend, cases, figures)), flush=True)
                if not args.keep and backend == "postgresql":
                    admin.execute(f'DROP DATABASE IF EXISTS "{args.prefix}_{cases}" WITH (FORCE)')
    finally:
        admin.close()
        if temp is not None:
            temp.cleanup()
    print("\nwhole-court recompute (seconds; x = ratio to the floor)")
    print(
        f"  {'backend':<11}{'cases':>10}{'nodes':>12}{'floor':>8}{'day':>8}{'x':>6}{'minute':>8}{'x':>6}"
        f"{'calendar':>10}{'x':>6}"
        f"{'rebuild':>9}{'x':>6}{'cold':>8}"
    )
    for backend, cases, f in rows:
        ratios = [
            f"{f[k]:>{w}.1f}{f[k] / f['floor']:>6.1f}"
            for k, w in (("day", 8), ("minute", 8), ("calendar", 10), ("rebuild", 9))
        ]
        print(f"  {backend:<11}{cases:>10,}{f['nodes']:>12,}{f['floor']:>8.2f}{''.join(ratios)}{f['cold']:>8.1f}")
    for backend, cases, f in rows:
        if backend == "postgresql" and cases == 1_000_000:
            ratio = f["calendar"] / f["floor"]
            met = ratio <= 3 and f["calendar"] < 60
            print(
                f"\n  target (issue 3), PostgreSQL at 1,000,000 cases: the full recompute "
                f"(every due date and alert, the "
                f"'calendar' column) {f['calendar']:.1f} s = {ratio:.1f}x the floor: "
                f"{'met' if met else 'NOT met'} (3x, 60 s)"
            )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"  total wall time {time.perf_counter() - started:.1f} s")
