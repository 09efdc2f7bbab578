"""Demo generation speed: cases/second for N demo cases on SQLite and PostgreSQL, in one run.

    .venv/bin/python bench/demo_insert.py [--cases 100000] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Each backend gets a throw-away database (a temporary SQLite file; a new PostgreSQL database
that is dropped afterwards).  Target (issue 2): 100,000 cases well under two minutes.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from command_center.clock import parse_instant
from command_center.data.catalogue import load_catalogue
from command_center.data.demo import generate
from command_center.data.engine import open_database
from command_center.data.workcal import WorkCalendar


def run(url: str, cases: int) -> tuple[float, int]:
    database = open_database(url, migrate=True)
    try:
        summary = generate(
            database,
            load_catalogue(),
            WorkCalendar(),
            cases=cases,
            seed=20261120,
            now=parse_instant("2026-11-20T10:00"),
            court_name="示范人民法院",
        )
    finally:
        database.dispose()
    return summary.seconds, summary.nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument(
        "--pg", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL of the PostgreSQL server"
    )
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(("sqlite", *run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", args.cases)))
    name = f"cc_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(args.pg, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = args.pg.rsplit("/", 1)[0]
        results.append(("postgresql", *run(f"{base}/{name}", args.cases)))
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    print(f"demo insert, {args.cases:,} cases")
    for backend, seconds, nodes in results:
        print(
            f"  {backend:<11} {seconds:7.1f} s  {args.cases / seconds:9,.0f} cases/s  "
            f"{nodes / seconds:10,.0f} node rows/s  ({nodes:,} nodes)"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"  total wall time {time.perf_counter() - started:.1f} s")
