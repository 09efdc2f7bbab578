"""The wall display at N cases: time to first paint, database time per refresh, memory over refreshes.

    .venv/bin/python bench/wall.py [--cases 100000 1000000] [--backend sqlite postgresql]
                                   [--refreshes 360] [--keep /tmp/cc-bench]
                                   [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--json]

Runs ``command-center wall`` headless at 200x50 on a demo court of N cases as of
2026-11-20 10:00 (the clock used here): the SQLite file ``DIR/wall_<cases>.sqlite3`` or the
PostgreSQL database ``cc_bench_<cases>`` (the one ``bench/recompute.py --keep`` leaves),
generated and recomputed first when it is empty and kept for the next run, and measures:

* first paint: from opening the runtime to the first figures laid out on the screen;
* refresh, median / 95th percentile / max: the database time of each refresh (the time its
  statements spend inside the driver, ``WallData.database_seconds``); the whole read
  (``WallData.seconds``: the database time plus Python's part); and the time the screen
  takes to apply it.  The reads are made where the wall makes them: in its reader process
  (``--reader thread``: in the screen's worker thread, sharing the GIL with the rendering);
* memory: the screen process's RSS after the first refresh and after each quarter of the N
  refreshes; between two refreshes the ticker steps 50 times (10 s at 0.2 s a step, a frame
  rendered every 10 steps) and the lists turn a page.  360 refreshes are an hour at the default 10 s.

Targets (issue 5), at 100,000 cases: first paint under 2 s, each refresh under 200 ms of
database time, memory flat.  Issue 22's, at 1,000,000 cases on PostgreSQL: a refresh's
database time within 150 ms (median), first paint within 1 s.

``--courts K`` (issue 25): the same court spread over K courts of one database (a city of 10
courts, a province of 100: ``内0401``…, ten to a city ``内01``…``内10``), each case and team
given to court ``case id mod K`` with its 案号's code, in a copy of the N-case database
(``cc_bench_<N>_courts<K>``, ``wall_<N>_courts<K>.sqlite3``); then the wall is measured for one
court (``--court 内0401``), its city (``--court 内04`` when there are several cities) and every
court (the 中院's or the province's wall, with a row per court), ``--refreshes`` each.

``--json``: besides the text, one JSON object per measured row (a line starting with ``{``):
backend, cases, first_paint_s, the refreshes' database time and whole read (median, p95, max,
in ms), the screen's RSS after the first and the last refresh, and the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from textual.worker import WorkerCancelled

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
            with psycopg.connect(
                make_url(url).set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
            ) as raw:
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
    """Until the wall's reads are done.  A poll is exclusive: the next one may cancel the last
    one after it handed its figures over (at its very end), which is not a failure here."""
    for worker in [w for w in app.workers if w.group == "wall-poll"]:
        try:
            await worker.wait()
        except WorkerCancelled:
            pass


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    median = statistics.median(ordered)
    return f"median {median * 1000:6.0f} ms   p95 {p95 * 1000:6.0f} ms   max {ordered[-1] * 1000:6.0f} ms"


def _ms(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return {
        "median": round(statistics.median(ordered) * 1000, 1),
        "p95": round(p95 * 1000, 1),
        "max": round(ordered[-1] * 1000, 1),
    }


async def measure(url: str, refreshes: int, reader: str, court: str | None = None) -> dict:
    """Prints the figures; returns them (for ``--json``).  ``court``: the wall of that code's
    courts (``--court``), else of every court."""
    db_times: list[float] = []  # inside the driver (WallData.database_seconds)
    read_times: list[float] = []  # the whole read (WallData.seconds)
    started = time.perf_counter()
    runtime = Runtime.start(Settings(db=url, wall_reader=reader), Clock(NOW))
    runtime.court = court
    try:
        app = make_app(runtime, start="wall", wall_interval=3600)  # only this script refreshes
        async with app.run_test(size=(200, 50)) as pilot:
            screen = app.screen
            while getattr(screen, "refreshed_at", None) is None:  # until the first figures are laid out
                await polled(app)
                await pilot.pause()
                screen = app.screen
                if getattr(screen, "error", None):
                    raise SystemExit(f"the wall could not read the database: {screen.error}")
            first_paint = time.perf_counter() - started
            applied: list[float] = []
            original_show = screen.show

            def show(data):
                db_times.append(data.database_seconds)
                read_times.append(data.seconds)
                begun = time.perf_counter()
                original_show(data)
                applied.append(time.perf_counter() - begun)

            screen.show = show
            title = screen.query_one("#panel-red").border_title
            print(f"  first paint {first_paint:.2f} s (read in the screen's process), red panel: {title}")
            if reader == "process":  # the reader process starts after the first read
                begun = time.perf_counter()
                await asyncio.to_thread(screen.reader._ready.result, 120)
                print(f"    reader process ready {time.perf_counter() - begun:.1f} s later")
            ticker = screen.query_one(Ticker)
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
            assert reader != "process" or screen.reader.in_process
            await pilot.press("q")
        print(f"    refresh database time ({len(db_times)}): {spread(db_times)}")
        slowest = sorted(range(len(db_times)), key=db_times.__getitem__, reverse=True)[:5]
        print(
            "    slowest refreshes (number: database ms): "
            + ", ".join(f"{i + 1}: {db_times[i] * 1000:.0f}" for i in slowest)
        )
        print(f"    refresh whole read:               {spread(read_times)}")
        print(f"    refresh applied to the screen:    {spread(applied)}")
        print(
            f"    RSS of the screen's process: {'  '.join(f'{n:,}: {mb:.0f} MB' for n, mb in memory)}"
            f"  (growth after the first refresh {memory[-1][1] - memory[0][1]:+.0f} MB;"
            f" {time.perf_counter() - loop_started:.0f} s for the loop)"
        )
        return {
            "first_paint_s": round(first_paint, 3),
            "refreshes": len(db_times),
            "refresh_db_median_ms": _ms(db_times)["median"],
            "refresh_db_ms": _ms(db_times),
            "refresh_read_ms": _ms(read_times),
            "refresh_applied_ms": _ms(applied),
            "rss_first_mb": round(memory[0][1], 1),
            "rss_last_mb": round(memory[-1][1], 1),
            "peak_rss_mb": round(max(mb for _, mb in memory), 1),
            "load_1min": round(os.getloadavg()[0], 2),
        }
    finally:
        runtime.close()


def court_codes(k: int) -> list[str]:
    """K court codes: 内0401… for a city of up to 99 courts; ten to a city (内0101…内1010) for more."""
    if k < 100:
        return [f"内04{n:02d}" for n in range(1, k + 1)]
    return [f"内{1 + n // 10:02d}{1 + n % 10:02d}" for n in range(k)]


def spread_courts(base_url: str, backend: str, cases: int, k: int, keep: Path, pg: str) -> str:
    """A copy of the N-case database whose cases and teams are spread over ``k`` courts (the
    copy is kept; made again only when missing)."""
    codes = court_codes(k)
    if backend == "sqlite":
        target = keep / f"wall_{cases}_courts{k}.sqlite3"
        url = f"sqlite:///{target}"
        if target.exists():
            return recomputed(url)
        import shutil

        shutil.copyfile(make_url(base_url).database, target)
    else:
        name = f"cc_bench_{cases}_courts{k}"
        url = make_url(pg).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
        with psycopg.connect(pg, autocommit=True) as admin:
            if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return recomputed(url)
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(base_url).database}"')
    started = time.perf_counter()
    db = open_database(url)
    try:
        with db.engine.begin() as conn:
            first = conn.execute(text("SELECT id, code FROM courts")).one()
            teams = conn.execute(text("SELECT max(id) FROM teams")).scalar_one()
            conn.execute(text("UPDATE courts SET code = :code WHERE id = :id"), {"code": codes[0], "id": first.id})
            conn.execute(
                text("INSERT INTO courts (id, code, name) VALUES (:id, :code, :name)"),
                [{"id": 1000 + i, "code": code, "name": f"{code} 法院"} for i, code in enumerate(codes) if i],
            )
            conn.execute(text("CREATE TEMPORARY TABLE k (i INTEGER PRIMARY KEY, court_id INTEGER, code VARCHAR(16))"))
            conn.execute(
                text("INSERT INTO k VALUES (:i, :court_id, :code)"),
                [{"i": i, "court_id": first.id if i == 0 else 1000 + i, "code": c} for i, c in enumerate(codes)],
            )
            conn.execute(
                text(
                    "INSERT INTO teams (id, court_id, name, track) SELECT t.id + k.i * :teams, k.court_id, t.name,"
                    " t.track FROM teams t, k WHERE k.i > 0 ORDER BY 1"
                ),
                {"teams": teams},
            )
            conn.execute(
                text(
                    "UPDATE cases SET court_id = (SELECT court_id FROM k WHERE k.i = cases.id % :k),"
                    " team_id = team_id + (cases.id % :k) * :teams,"
                    " case_no = replace(case_no, :old, (SELECT code FROM k WHERE k.i = cases.id % :k))"
                ),
                {"k": k, "teams": teams, "old": first.code},
            )
        _analyze(db, url)
    finally:
        db.dispose()
    print(f"  spread over {k} courts in {time.perf_counter() - started:.0f} s", flush=True)
    return recomputed(url)


def _analyze(db, url: str) -> None:
    """Fresh statistics after a bulk change (PostgreSQL's VACUUM ANALYZE needs autocommit)."""
    if db.dialect == "postgresql":
        with psycopg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
        ) as raw:
            raw.execute("VACUUM ANALYZE")
    else:
        db.refresh_statistics()


def recomputed(url: str) -> str:
    """The copy upgraded, and recomputed when cases are marked (moving them to their courts
    marks every one; the scheduler would recompute them within a minute)."""
    db = open_database(url, migrate=True)
    try:
        with db.engine.connect() as conn:
            marked = conn.execute(select(func.count()).select_from(m.DirtyCase.__table__)).scalar_one()
        if marked:
            started = time.perf_counter()
            recompute(db, load_catalogue(), WorkCalendar(), NOW)
            _analyze(db, url)
            print(f"  recomputed {marked:,} marked cases in {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        db.dispose()
    return url


def parser_for(doc: str, cases: list[int]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=cases)
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--keep", type=Path, default=Path("/tmp/cc-bench"), help="Folder of the SQLite files.")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    return parser


def prepared(args: argparse.Namespace):
    """Each (cases, backend) of the command line: its demo database, ready, by URL."""
    for _backend, _cases, url in prepared_rows(args):
        yield url


def prepared_rows(args: argparse.Namespace):
    """Each (backend, cases, URL) of the command line, its demo database ready."""
    for cases in args.cases:
        for backend in args.backend:
            url = bench_url(backend, cases, args.keep, args.pg)
            print(f"{backend}, {cases:,} cases:", flush=True)
            prepare(url, cases)
            yield backend, cases, url


def main() -> None:
    parser = parser_for(__doc__, [100_000, 1_000_000])
    parser.add_argument("--refreshes", type=int, default=360)
    parser.add_argument(
        "--reader",
        choices=["process", "thread"],
        default="process",
        help="where the wall reads (Settings.wall_reader); thread is the comparison",
    )
    parser.add_argument("--json", action="store_true", help="also print one JSON object per measured row")
    parser.add_argument("--courts", type=int, default=1, help="spread the court over this many courts (issue 25)")
    args = parser.parse_args()
    for backend, cases, url in prepared_rows(args):
        scopes: list[str | None] = [None]
        if args.courts > 1:
            url = spread_courts(url, backend, cases, args.courts, args.keep, args.pg)
            codes = court_codes(args.courts)
            scopes = [codes[0], *([codes[0][:3]] if args.courts >= 100 else []), None]
        for court in scopes:
            if args.courts > 1:
                print(f"  the wall of {court or 'every court'} ({args.courts} courts):", flush=True)
            figures = asyncio.run(measure(url, args.refreshes, args.reader, court))
            if args.json:
                row = {"bench": "wall", "backend": backend, "cases": cases, "reader": args.reader}
                if args.courts > 1:
                    row |= {"courts": args.courts, "court": court or "every court"}
                print(json.dumps(row | figures))


if __name__ == "__main__":
    main()
