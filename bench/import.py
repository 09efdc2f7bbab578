"""Import speed: a whole court from a csv folder, and a small re-import into a big database.

    .venv/bin/python bench/import.py [--cases 100000] [--backend sqlite postgresql]
                                     [--big postgresql://postgres@127.0.0.1:5432/cc_bench_1000000 ...]
                                     [--keep DIR] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--json]

1. **Whole court.**  A demo court of ``--cases`` cases (as of 2026-11-20 10:00) is exported to
   an interchange csv folder (cases, nodes, funds, assets, accounts, leads, suspensions),
   then imported into an empty database of each backend, as ``command-center import`` does:
   rows/second for reading, checking and writing, then the recompute of the imported cases,
   then the same file again (nothing changes) and the peak memory; beside them the floor of
   ``bench/recompute.py`` (one aggregate over the node table) on the imported database, so the
   recompute right after the import is a ratio too (issue 22's target: within 3x).
2. **100 changed cases** (target: under 1 s at 1,000,000 cases in the database, recompute
   included).  For each ``--big`` database (e.g. the 1,000,000-case databases that
   ``bench/recompute.py --keep`` leaves), 100 of its cases are exported with every sheet,
   one figure of each changed (the recovered amount and one node completed), and imported
   with the recompute of those 100 cases.  Three runs, each changing the cases again.

``--json``: besides the text, one JSON object per measured row (a line starting with ``{``):
for the whole court backend, cases, rows, import_s, rows_per_s, recompute_s, floor_s,
recompute_x, reimport_s, reimport_rows_per_s and peak_rss_mb (of this process: with ``--keep``
and the csv folder already written, the import's); for each changed-cases run its seconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import tempfile
import time
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from recompute import floor  # bench/recompute.py's floor: one aggregate over the node table
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from command_center.clock import parse_instant
from command_center.data import models as m
from command_center.data.catalogue import load_catalogue
from command_center.data.demo import generate
from command_center.data.engine import open_database
from command_center.data.importer import import_file
from command_center.data.interchange import SHEETS
from command_center.data.workcal import TZ, WorkCalendar
from command_center.jobs.dues import NodesWithDues
from command_center.jobs.imports import import_and_recompute
from command_center.jobs.recompute import recompute

NOW = parse_instant("2026-11-20T10:00")
CATALOGUE = load_catalogue()
CALENDAR = WorkCalendar()
COLUMNS = {s.name: [c.name for c in s.columns] for s in SHEETS}


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "astimezone"):
        return value.astimezone(TZ).isoformat()  # to the microsecond, as a case system's export would be
    return str(value)


def export(db, folder: Path, case_ids: list[int] | None = None, change=None) -> int:
    """Write the interchange csv folder of ``case_ids`` (default: every case); returns the rows written.

    ``change(sheet, row)`` may alter a row (a dict by interchange column) before it is written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    c, t, o, p = m.Case.__table__, m.Team.__table__, m.Officer.__table__, m.Party.__table__
    scope = (lambda col: col.in_(case_ids)) if case_ids is not None else (lambda col: col.isnot(None))
    written = 0
    with db.engine.connect() as conn:
        case_no = dict(conn.execute(select(c.c.id, c.c.case_no).where(scope(c.c.id))).all())
        parties: dict[tuple[int, str], list[str]] = defaultdict(list)
        for row in conn.execute(
            select(p.c.case_id, p.c.role, p.c.name)
            .where(scope(p.c.case_id))
            .order_by(p.c.case_id, p.c.role, p.c.position)
        ):
            parties[(row.case_id, row.role)].append(row.name)
        sheets = {
            "cases": (
                select(
                    c.c.id.label("case_id"),
                    c.c.case_no,
                    c.c.filed_on,
                    c.c.case_type,
                    c.c.amount,
                    c.c.amount_recovered,
                    t.c.name.label("team"),
                    o.c.name.label("officer"),
                    c.c.track,
                    c.c.closed_on,
                    c.c.closing_mode,
                    c.c.term_extended_to,
                )
                .outerjoin(t, t.c.id == c.c.team_id)
                .outerjoin(o, o.c.id == c.c.officer_id)
                .where(scope(c.c.id))
                .order_by(c.c.id)
            ),
            "nodes": select(m.NodeInstance.__table__).where(
                scope(m.NodeInstance.case_id), m.NodeInstance.source == "imported"
            ),
            "funds": select(m.Fund.__table__).where(scope(m.Fund.case_id)),
            "assets": select(m.SeizedAsset.__table__).where(scope(m.SeizedAsset.case_id)),
            "accounts": select(m.FrozenAccount.__table__).where(scope(m.FrozenAccount.case_id)),
            "leads": select(m.Lead.__table__).where(scope(m.Lead.case_id)),
            "suspensions": select(m.Suspension.__table__).where(scope(m.Suspension.case_id)),
        }
        for sheet, query in sheets.items():
            columns = COLUMNS[sheet]
            with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(columns)
                for row in conn.execute(query.execution_options(yield_per=20_000)).mappings():
                    record = dict(row)
                    record["case_no"] = case_no[record["case_id"]]
                    if sheet == "nodes":
                        record["due_at"] = record["due_override"]
                    if sheet == "cases":
                        record["applicants"] = "；".join(parties[(record["case_id"], "applicant")])
                        record["debtors"] = "；".join(parties[(record["case_id"], "debtor")])
                    if change is not None:
                        change(sheet, record)
                    writer.writerow([_cell(record.get(col)) for col in columns])
                    written += 1
    return written


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def whole_court(url: str, folder: Path, label: str) -> dict:
    db = open_database(url, migrate=True)
    try:
        started = time.perf_counter()
        summary = import_file(db, CATALOGUE, folder, NOW, nodes=NodesWithDues(CATALOGUE, CALENDAR))  # as the CLI
        seconds = time.perf_counter() - started
        rows = summary.rows
        recompute_started = time.perf_counter()
        result = recompute(db, CATALOGUE, CALENDAR, NOW)
        recompute_seconds = time.perf_counter() - recompute_started
        again = import_file(db, CATALOGUE, folder, NOW, nodes=NodesWithDues(CATALOGUE, CALENDAR))
        floor(db)  # warm, as in bench/recompute.py
        floor_s = min(floor(db) for _ in range(3))
        print(
            f"  {label}: {rows:,} rows imported in {seconds:.1f} s = {rows / seconds:,.0f} rows/s; recompute of the "
            f"{summary.affected_cases:,} imported cases {recompute_seconds:.1f} s = "
            f"{recompute_seconds / floor_s:.1f}x the floor of {floor_s:.2f} s ({result.opened:,} alerts opened); "
            f"the same file again {again.seconds:.1f} s ({again.rows / again.seconds:,.0f} rows/s, "
            f"changed: {again.changed}); "
            f"peak RSS {peak_rss_mb():,.0f} MB",
            flush=True,
        )
        return {
            "rows": rows,
            "import_s": round(seconds, 3),
            "rows_per_s": round(rows / seconds),
            "recompute_s": round(recompute_seconds, 3),
            "floor_s": round(floor_s, 4),
            "recompute_x": round(recompute_seconds / floor_s, 2),
            "reimport_s": round(again.seconds, 3),
            "reimport_rows_per_s": round(again.rows / again.seconds),
            "reimport_changed": again.changed,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "load_1min": round(os.getloadavg()[0], 2),
        }
    finally:
        db.dispose()


def changed_cases(url: str, folder: Path, runs: int = 3) -> list[dict]:
    db = open_database(url)
    try:
        with db.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(m.Case.__table__)).scalar_one()
            ids = conn.execute(select(m.Case.id).where(m.Case.closed_on.is_(None)).order_by(m.Case.id)).scalars().all()
        rng = random.Random(7)
        figures = []
        for run in range(1, runs + 1):
            chosen = sorted(rng.sample(ids, 100))
            completed: set[int] = set()

            def change(sheet, record, run=run, completed=completed):
                if sheet == "cases":
                    record["amount_recovered"] = Decimal(record["amount_recovered"]) + Decimal("1.00")
                elif (
                    sheet == "nodes"
                    and record["completed_at"] is None
                    and record["case_id"] not in completed
                    and record["started_at"]
                ):
                    record["completed_at"] = NOW - timedelta(hours=run)
                    if record["completed_at"] < record["started_at"]:
                        record["completed_at"] = record["started_at"]
                    completed.add(record["case_id"])

            target = folder / f"changed_{run}"
            export(db, target, chosen, change)
            now = NOW + timedelta(minutes=run)
            started = time.perf_counter()
            summary = import_and_recompute(db, CATALOGUE, CALENDAR, target, now)
            seconds = time.perf_counter() - started
            r = summary.recompute or {}
            print(
                f"  {db.display_url} ({total:,} cases) run {run}: {summary.rows:,} rows of 100 cases, "
                f"{summary.sheets['cases'].updated} cases and {summary.sheets['nodes'].updated} nodes updated; "
                f"import + recompute {seconds:.2f} s (recompute {r.get('seconds', 0):.2f} s, "
                f"{r.get('resolved', 0)} alerts resolved, {r.get('opened', 0)} opened)",
                flush=True,
            )
            figures.append(
                {"cases_in_database": total, "run": run, "seconds": round(seconds, 3), "recompute_s": r.get("seconds")}
            )
        return figures
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--backend", nargs="*", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument(
        "--big",
        nargs="*",
        default=["postgresql://postgres@127.0.0.1:5432/cc_bench_1000000"],
        help="databases for the 100-changed-cases run (their cases get changed!)",
    )
    parser.add_argument("--keep", type=Path, help="keep the demo source and its csv folder here for the next run")
    parser.add_argument(
        "--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL of the PostgreSQL server"
    )
    parser.add_argument("--prefix", default="cc_bench", help="the PostgreSQL target is PREFIX_import")
    parser.add_argument("--json", action="store_true", help="also print one JSON object per measured row")
    args = parser.parse_args()
    temp = tempfile.TemporaryDirectory()

    def emit(row: dict) -> None:
        if args.json:
            print(json.dumps({"bench": "import"} | row), flush=True)

    work = Path(temp.name)
    keep = args.keep or work
    keep.mkdir(parents=True, exist_ok=True)

    if args.cases:
        source_url = f"sqlite:///{keep / f'import_source_{args.cases}.sqlite3'}"
        folder = keep / f"interchange_{args.cases}"
        if not (folder / "cases.csv").exists():
            source = open_database(source_url, migrate=True)
            with source.engine.connect() as conn:
                have = conn.execute(select(func.count()).select_from(m.Case.__table__)).scalar_one()
            if not have:
                started = time.perf_counter()
                generate(
                    source, CATALOGUE, CALENDAR, cases=args.cases, seed=20261120, now=NOW, court_name="示范人民法院"
                )
                print(
                    f"  generated the {args.cases:,}-case source in {time.perf_counter() - started:.0f} s", flush=True
                )
            started = time.perf_counter()
            rows = export(source, folder)
            source.dispose()
            print(f"  exported {rows:,} rows to {folder} in {time.perf_counter() - started:.0f} s", flush=True)
        for backend in args.backend:
            if backend == "sqlite":
                figures = whole_court(
                    f"sqlite:///{work / 'import_target.sqlite3'}", folder, f"SQLite, {args.cases:,} cases"
                )
                emit({"backend": backend, "cases": args.cases, "path": "whole_court"} | figures)
                continue
            name = f"{args.prefix}_import"
            with psycopg.connect(args.pg, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
            try:
                figures = whole_court(
                    f"{args.pg.rsplit('/', 1)[0]}/{name}", folder, f"PostgreSQL, {args.cases:,} cases"
                )
                emit({"backend": backend, "cases": args.cases, "path": "whole_court"} | figures)
            finally:
                with psycopg.connect(args.pg, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for url in args.big:
        for figures in changed_cases(url, work):
            emit({"backend": make_url(url).get_backend_name(), "path": "changed_100"} | figures)
    temp.cleanup()


if __name__ == "__main__":
    main()
