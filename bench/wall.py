"""The wall display at N cases: time to first paint, database time per refresh, memory over refreshes.

    .venv/bin/python bench/wall.py [--cases 100000 1000000] [--backend sqlite postgresql]
                                   [--refreshes 360] [--keep /tmp/cc-bench]
                                   [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Runs ``command-center wall`` headless at 200x50 on a demo court of N cases as of
2026-11-20 10:00 (the clock used here): the SQLite file ``DIR/wall_<cases>.sqlite3`` or the
PostgreSQL database ``cc_bench_<cases>`` (the one ``bench/recompute.py --keep`` leaves),
generated and recomputed first when it is empty and kept for the next run, and measures:

* first paint: from opening the runtime to the first figures laid out on the screen;
* refresh, median / 95th percentile / max: the database time of each refresh (the time its
  statements spend inside the driver, see ``DriverClock``); the whole read in the worker
  thread (``WallData.seconds``: the database time plus Python's part, which shares the GIL
  with the screen's rendering); and the time the screen takes to apply it;
* memory: the process's RSS after the first refresh and after each quarter of the N
  refreshes; between two refreshes the ticker steps 50 times (10 s at 0.2 s a step, a frame
  rendered every 10 steps) and the lists turn a page.  360 refreshes are an hour at the default 10 s.

Targets (issue 5), at 100,000 cases: first paint under 2 s, each refresh under 200 ms of
database time, memory flat.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from pathlib import Path

import psycopg
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from command_center.app import make_app
from command_center.clock import Clock, parse_instant
from command_center.config import Settings
from command_center.data import models as m
from command_center.data.catalogue import load_catalogue
from command_center.data.demo import generate
from command_center.data.engine import open_database
from command_center.data.workcal import WorkCalendar
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime
from command_center.screens import wall as wall_screen
from command_center.widgets.wall_widgets import Ticker

NOW = parse_instant("2026-11-20T10:00")
TICKS_PER_REFRESH = 50


def prepare(url: str, cases: int) -> None:
    """Upgrade the schema; generate and recompute the court when the database is empty."""
    db = open_database(url, migrate=True)
    try:
        with db.engine.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(m.Case.__table__)).scalar_one()
        if existing not in (0, cases):
            raise SystemExit(f"{db.display_url} holds {existing:,} cases, not {cases:,}: remove it first")
        if existing == 0:
            started = time.perf_counter()
            catalogue, calendar = load_catalogue(), WorkCalendar()
            generate(db, catalogue, calendar, cases=cases, seed=20261120, now=NOW, court_name="示范人民法院")
            recompute(db, catalogue, calendar, NOW)
            print(f"  generated and recomputed {cases:,} cases in {time.perf_counter() - started:.0f} s", flush=True)
        if db.dialect == "postgresql":  # fresh statistics and visibility map, as autovacuum keeps them
            with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
                                 autocommit=True) as raw:
                raw.execute("VACUUM ANALYZE")
        else:
            db.refresh_statistics()  # what the demo and the daily job do
    finally:
        db.dispose()


def bench_url(backend: str, cases: int, keep: Path, pg: str) -> str:
    """The demo database of N cases the benchmarks share: a SQLite file in ``keep``, or the
    PostgreSQL database ``cc_bench_<cases>`` on the server ``pg`` (created when missing)."""
    if backend == "sqlite":
        keep.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{keep / f'wall_{cases}.sqlite3'}"
    name = f"cc_bench_{cases}"
    with psycopg.connect(pg, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    return make_url(pg).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def polled(app) -> None:
    await app.workers.wait_for_complete([w for w in app.workers if w.group == "wall-poll"])


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered) * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms   max {ordered[-1] * 1000:6.0f} ms"


class DriverClock:
    """Time spent inside the database driver's ``execute`` by the thread of a refresh:
    PostgreSQL returns the whole result there, SQLite its first row (after any sort or
    aggregate, which is where these reads spend their time).  Python's work around the
    statements (building them, making rows) is not database time."""

    def __init__(self, engine) -> None:
        self.spent = threading.local()
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, *args) -> None:
        conn.info["cc_bench_started"] = time.perf_counter()

    def after(self, conn, *args) -> None:
        self.spent.seconds = getattr(self.spent, "seconds", 0.0) + time.perf_counter() - conn.info.pop("cc_bench_started")

    def take(self) -> float:
        seconds, self.spent.seconds = getattr(self.spent, "seconds", 0.0), 0.0
        return seconds


async def measure(url: str, refreshes: int) -> None:
    db_times: list[float] = []  # inside the driver
    read_times: list[float] = []  # the whole read in the worker thread (wall_data)
    real = wall_screen.wall_data
    started = time.perf_counter()
    runtime = Runtime.start(Settings(db=url), Clock(NOW))
    driver = DriverClock(runtime.database().engine)

    def timed(*args, **kwargs):
        driver.take()
        data = real(*args, **kwargs)
        db_times.append(driver.take())
        read_times.append(data.seconds)
        return data

    wall_screen.wall_data = timed
    try:
        app = make_app(runtime, start="wall", wall_interval=3600)  # only this script refreshes
        async with app.run_test(size=(200, 50)) as pilot:
            await polled(app)
            await pilot.pause()
            first_paint = time.perf_counter() - started
            screen = app.screen
            title = screen.query_one("#panel-red").border_title
            print(f"  first paint {first_paint:.2f} s (first refresh: database {db_times[0] * 1000:.0f} ms,"
                  f" whole read {read_times[0] * 1000:.0f} ms)")
            print(f"    red panel: {title}")
            ticker = screen.query_one(Ticker)
            applied: list[float] = []
            original_show = screen.show

            def show(data):
                begun = time.perf_counter()
                original_show(data)
                applied.append(time.perf_counter() - begun)

            screen.show = show
            memory = [(1, rss_mb())]
            marks = {max(1, refreshes * k // 4) for k in (1, 2, 3, 4)}
            loop_started = time.perf_counter()
            for done in range(1, refreshes + 1):
                for tick in range(1, TICKS_PER_REFRESH + 1):
                    screen.tick()
                    if tick % 10 == 0:  # a frame every 10 steps: the pilot's pause is the costly part here
                        await pilot.pause()
                screen.turn_pages()
                screen.load()
                await polled(app)
                await pilot.pause()
                if done in marks:
                    memory.append((done + 1, rss_mb()))
                    print(f"    {done + 1:,} refreshes: RSS {memory[-1][1]:.0f} MB", flush=True)
            assert ticker.offset_chars >= 0
            await pilot.press("q")
        print(f"    refresh database time ({len(db_times) - 1}): {spread(db_times[1:])}")
        print(f"    refresh whole read (worker):     {spread(read_times[1:])}")
        print(f"    refresh applied to the screen:   {spread(applied)}")
        print(f"    RSS: {'  '.join(f'{n:,}: {mb:.0f} MB' for n, mb in memory)}"
              f"  (growth after the first refresh {memory[-1][1] - memory[0][1]:+.0f} MB;"
              f" {time.perf_counter() - loop_started:.0f} s for the loop)")
    finally:
        wall_screen.wall_data = real
        runtime.close()


def parser_for(doc: str, cases: list[int]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=cases)
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--keep", type=Path, default=Path("/tmp/cc-bench"), help="Folder of the SQLite files.")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    return parser


def prepared(args: argparse.Namespace):
    """Each (cases, backend) of the command line: its demo database, ready, by URL."""
    for cases in args.cases:
        for backend in args.backend:
            url = bench_url(backend, cases, args.keep, args.pg)
            print(f"{backend}, {cases:,} cases:", flush=True)
            prepare(url, cases)
            yield url


def main() -> None:
    parser = parser_for(__doc__, [100_000, 1_000_000])
    parser.add_argument("--refreshes", type=int, default=360)
    args = parser.parse_args()
    for url in prepared(args):
        asyncio.run(measure(url, args.refreshes))


if __name__ == "__main__":
    main()
