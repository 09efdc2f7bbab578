"""Related cases at scale: ``related`` over N cases on PostgreSQL (issue 24: within seconds at 1,000,000).

    .venv/bin/python bench/related.py [--cases 1000000] [--open-share 0.2] [--companies N [N ...]] [--keep]
                                      [--runs 3] [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--json]

A court of N cases is written straight into a new PostgreSQL database (``cc_bench_related_<N>``,
``…_<N>_c<companies>`` for another pool; kept with ``--keep`` and reused by the next run): cases
and their parties only, which is all ``related`` reads, named by the demo court's own generators
(persons with ID numbers, 1 to 9 debtors a case as the demo draws them), a share of them open.
Companies come from a pool of ``--companies`` names (default: one per 8 cases, as many as a
court of that size deals with), drawn with a heavy head, so that a few are parties to hundreds
of cases, as a bank or a developer is.  ``--companies 4000`` is the demo's own pool, a worst
case: most open cases then share a company with a case that shares another, one bundle of
120,000 cases.  Several pools in one run: ``--companies 125000 4000``.  The 孟州 pattern (14
cases, net 20000.00) is planted among them, its company's name typed in five ways.  Then, each
the median of ``--runs``, and its ratio to the floor:

* ``floor``: a plain read of the open cases' parties (the join every tie starts from), the
  figure the others are set beside;
* ``ties``: the ties alone (the two SQL statements, at once on two connections, and the mutual ones
  told apart in Python);
* ``related``: :func:`related_bundles` as ``related`` calls it (the ties, the bundles, the
  bundles of up to ``LIST_LIMIT`` cases read back case by case, the offsets);
* ``bundle_of``: one case's bundle, the 孟州 one, as the case screen reads it; and
  ``bundle_of_chain``: a case of the largest bundle (past ``LIST_LIMIT`` cases, the whole
  court's ties are read at once);
* ``cli``: ``command-center related --json`` end to end (a process of the code beside this
  file, output to a file whose size is reported).

Target (issue 24): ``related --json`` at 1,000,000 cases on PostgreSQL within seconds (5 s);
the last line says whether it was met.

Beside each time, the CPU it took: the Python process's (``cli``: the command's own, imports
included) and the PostgreSQL backends' (both connections'; read from /proc, where the server runs here):
the wall time of a loaded machine divided among its processes, the CPU what the work costs.

``--json``: besides the text, one JSON object per measured row (a line starting with ``{``):
cases, companies, open cases, parties, ties, bundles (listed, cases, the largest), the 孟州
bundle and its net, each figure's seconds (``*_s``), ratio to the floor (``*_x``) and CPU
seconds (``*_client_cpu_s``, ``*_server_cpu_s``), the JSON's size, the process's peak RSS and
the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from sqlalchemy import event, text

from command_center.clock import parse_instant
from command_center.data import models as m
from command_center.data.bulk import bulk_insert
from command_center.data.catalogue import load_catalogue
from command_center.data.demo import _Court
from command_center.data.engine import open_database
from command_center.data.names import name_key
from command_center.data.related import (
    LIST_LIMIT,
    _connected,
    _Found,
    _ties,
    beside,
    bundle_of,
    related_bundles,
    uncollected,
)
from command_center.data.workcal import WorkCalendar

NOW = parse_instant("2026-11-20T10:00")
CHUNK = 50_000
LAST_CLOSED = date(2026, 11, 19)
MENGZHOU_PREFIX = "（2026）内0425执恢"  # the planted cases' numbers (the court's other cases are all 执)
#: the floor: every open case's parties read once (what each tie's pass starts from)
FLOOR = "SELECT count(*) FROM parties p JOIN cases c ON c.id = p.case_id AND c.closed_on IS NULL"
ROOT = Path(__file__).resolve().parents[1]  # the command line measured is this checkout's
TARGET = 5.0  # seconds: issue 24's "within seconds", for related --json end to end


def _url(admin: str, name: str) -> str:
    return admin.rsplit("/", 1)[0] + "/" + name


def company_pool(gen: _Court, size: int) -> list[str]:
    """``size`` distinct company names in the demo's style (its own 4,000 when ``size`` is no more)."""
    names: dict[str, None] = {}
    tries = 0
    while len(names) < min(size, 4_000) and tries < 200_000:
        names[gen.company()] = None
        tries += 1
    pool = list(names)
    for index in range(len(pool), size):  # beyond the demo's words: a trade name of its own
        base = pool[index % 4_000]
        pool.append(base.replace("有限", f"{index:06d}有限", 1))
    return pool


def build(url: str, cases: int, open_share: float, companies: int) -> None:
    db = open_database(url, migrate=True)
    gen = _Court(load_catalogue(), WorkCalendar(), 20261124, NOW)
    pool = company_pool(gen, companies)
    rng = random.Random(24)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        conn.execute(m.Court.__table__.insert().values(id=1, code="内0425", name="示范人民法院"))
        conn.execute(m.Team.__table__.insert().values(id=1, court_id=1, name="普执一组", track="普执"))
    case_id = 0
    for start in range(0, cases, CHUNK):
        rows, parties = [], []
        for _ in range(min(CHUNK, cases - start)):
            case_id += 1
            filed = date(2026, 11, 20) - timedelta(days=rng.randint(0, 1500))
            is_open = rng.random() < open_share
            amount = gen.money(500, 2_000_000)
            rows.append(
                {
                    "id": case_id,
                    "court_id": 1,
                    "case_no": f"（{filed.year}）内0425执{case_id}号",
                    "case_type": "执",
                    "filed_on": filed,
                    "amount": amount,
                    "amount_recovered": Decimal("0.00"),
                    "team_id": 1,
                    "closed_on": None if is_open else min(filed + timedelta(days=rng.randint(10, 400)), LAST_CLOSED),
                }
            )
            debtors = 1 if rng.random() < 0.6 else rng.randint(2, 4) if rng.random() < 0.95 else rng.randint(6, 9)
            applicants = 1 if rng.random() < 0.9 else 2
            for role, count, p_person in (("applicant", applicants, 0.7), ("debtor", debtors, 0.55)):
                for position in range(count):
                    person = rng.random() < p_person
                    # a heavy head: the pool's first names are parties to many cases
                    name = gen.person() if person else pool[int(len(pool) * rng.random() ** 3)]
                    parties.append(
                        {
                            "case_id": case_id,
                            "role": role,
                            "position": position,
                            "name": name,
                            "name_key": name_key(name),
                            "kind": "person" if person else "org",
                            "id_number": gen.id_number() if person else None,
                        }
                    )
        with db.engine.begin() as conn:
            bulk_insert(conn, m.Case.__table__, rows)
            bulk_insert(conn, m.Party.__table__, parties)
        print(f"  {case_id:,} cases written ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    plant_mengzhou(db, case_id)
    with db.engine.begin() as conn:
        conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT MAX(id) FROM cases))"))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))
        conn.execute(text("VACUUM ANALYZE parties"))
        conn.execute(text("CREATE TABLE bench_built (at timestamptz DEFAULT now())"))  # a whole build, to reuse
    db.dispose()


def built(url: str) -> bool:
    """The database holds a whole build (a run stopped while building leaves it without the mark)."""
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass('bench_built') IS NOT NULL").fetchone()[0]


def plant_mengzhou(db, last_id: int) -> None:
    """tests/test_related.py's 孟州 pattern: 10 cases of 5 applicants against one company, 4 of the
    company against 4 of them; net 20000.00."""
    people = [
        ("王某霞", "410883198001011234"),
        ("王某生", "410883197805052345"),
        ("陈某某", None),
        ("范某明", "41088319850707345X"),
        ("柴某霞", "410883199002024567"),
    ]
    spellings = ["XY科技有限公司", "ＸＹ科技有限公司", "XY 科技有限公司", "XY科技 有限公司", "xy科技有限公司"]
    claims = [
        [("125000.00", "5000.00"), ("80000.50", "0.00")],
        [("95000.00", "0.00"), ("60000.00", "0.00")],
        [("110000.25", "0.00"), ("90000.00", "0.00")],
        [("130000.00", "0.00"), ("70000.00", "0.00")],
        [("6000.00", "0.00"), ("4000.00", "0.00")],
    ]
    back = ["197000.50", "150000.00", "200000.25", "202000.00"]
    cases, parties = [], []
    number = last_id

    def add(applicant, debtor, amount, recovered="0.00"):
        nonlocal number
        number += 1
        cases.append(
            {
                "id": number,
                "court_id": 1,
                "case_no": f"{MENGZHOU_PREFIX}{number - last_id}号",
                "case_type": "执恢",
                "filed_on": date(2026, 10, 8),
                "amount": Decimal(amount),
                "amount_recovered": Decimal(recovered),
                "team_id": 1,
                "closed_on": None,
            }
        )
        for role, (name, id_number) in (("applicant", applicant), ("debtor", debtor)):
            parties.append(
                {
                    "case_id": number,
                    "role": role,
                    "position": 0,
                    "name": name,
                    "name_key": name_key(name),
                    "kind": "org" if "公司" in name else "person",
                    "id_number": id_number,
                }
            )

    for index, person in enumerate(people):
        for amount, recovered in claims[index]:
            add(person, (spellings[index], None), amount, recovered)
    for index, amount in enumerate(back):
        add(("XY科技有限公司", None), people[index], amount)
    with db.engine.begin() as conn:
        bulk_insert(conn, m.Case.__table__, cases)
        bulk_insert(conn, m.Party.__table__, parties)


def median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def backend_cpu(pid: int) -> float | None:
    """CPU seconds the server process ``pid`` has used, where /proc shows it (the server on this
    machine): what a statement costs whatever else the machine runs."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backends_cpu(pids: set[int]) -> dict[int, float]:
    """:func:`backend_cpu` of each of ``pids`` that /proc shows."""
    return {pid: cpu for pid in pids if (cpu := backend_cpu(pid)) is not None}


def median_cpu(fn, runs: int, pids: set[int] | None = None, *, child: bool = False) -> dict:
    """Medians of ``runs`` of ``fn``: its wall time, the CPU of this process (``child``: of the
    processes it ran) and of the server processes ``pids`` (the pool's connections: a set that
    grows as the pool connects, a backend new during the run counted from nothing); and the
    last result."""

    def client() -> float:
        if not child:
            return time.process_time()
        used = resource.getrusage(resource.RUSAGE_CHILDREN)
        return used.ru_utime + used.ru_stime

    wall, mine, server, result = [], [], [], None
    for _ in range(runs):
        before = (time.perf_counter(), client(), backends_cpu(pids) if pids is not None else None)
        result = fn()
        after = (time.perf_counter(), client(), backends_cpu(pids) if pids is not None else None)
        wall.append(after[0] - before[0])
        mine.append(after[1] - before[1])
        if before[2] is not None and after[2]:
            server.append(sum(cpu - before[2].get(pid, 0.0) for pid, cpu in after[2].items()))
    figures = {"s": statistics.median(wall), "client_cpu_s": statistics.median(mine)}
    if server:
        figures["server_cpu_s"] = statistics.median(server)
    return figures | {"result": result}


def measure(url: str, cases: int, companies: int, runs: int) -> dict:
    """Every figure of one database (medians of ``runs``), as the ``--json`` row has them."""
    db = open_database(url)
    with db.engine.connect() as conn:
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM cases WHERE closed_on IS NULL),"
                " (SELECT count(*) FROM parties)"
            )
        ).one()
        mengzhou = conn.execute(
            text("SELECT min(id) FROM cases WHERE case_no LIKE :p"), {"p": MENGZHOU_PREFIX + "%"}
        ).scalar_one()

    def ties():  # as related_bundles reads them: the shared debtors here, the mutual pairs beside
        found = _Found()
        with uncollected(), _connected(db) as conn, beside(conn) as run:
            _ties(conn, None, found, run)
        return found

    def floor():
        with db.engine.connect() as conn:
            return conn.execute(text(FLOOR)).scalar_one()

    pids: set[int] = set()  # the pool's connections (two: related reads on two at once), which every figure uses
    event.listen(db.engine, "connect", lambda dbapi, _: pids.add(dbapi.info.backend_pid))
    db.engine.dispose()  # the connection that read the counts above: connected again, seen
    t_floor, _ = median_time(floor, runs)  # with the parallel workers the server gives it
    figures = {
        "ties": median_cpu(ties, runs, pids),
        "related": median_cpu(lambda: related_bundles(db, LIST_LIMIT), runs, pids),
        "bundle_of": median_cpu(lambda: bundle_of(db, mengzhou), runs, pids),
    }
    found, bundles, planted = (figures[name].pop("result") for name in ("ties", "related", "bundle_of"))
    chained = min(bundles[0].numbers)  # a case of the largest bundle, as the case screen asks for it
    figures["bundle_of_chain"] = median_cpu(lambda: bundle_of(db, chained), runs, pids)
    chain = figures["bundle_of_chain"].pop("result")
    db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMAND_CENTER_")} | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "command_center", "--db", url, "related", "--json"]
    output = Path(f"/tmp/cc_bench_related_{os.getpid()}.json")

    def cli():
        with output.open("w") as sink:
            subprocess.run(command, stdout=sink, check=True, env=env)

    try:
        figures["cli"] = median_cpu(cli, runs, child=True)
        figures["cli"].pop("result")
        size = output.stat().st_size
    finally:
        output.unlink(missing_ok=True)
    sizes = sorted((b.size for b in bundles), reverse=True)
    row = {
        "bench": "related",
        "backend": "postgresql",
        "cases": counts[0],
        "companies": companies,
        "open_cases": counts[1],
        "parties": counts[2],
        "ties": len(found.ties),
        "bundles": len(bundles),
        "listed_bundles": sum(b.listed for b in bundles),
        "cases_in_bundles": sum(sizes),
        "largest_bundles": sizes[:5],
        "mengzhou_bundle": planted.size if planted else 0,
        "mengzhou_net_total": str(planted.net_total) if planted else None,
        "chain_bundle": chain.size,
        "json_mb": round(size / 1e6, 1),
    }
    row["floor_s"] = round(t_floor, 3)
    for name, measured in figures.items():
        row[f"{name}_s"] = round(measured["s"], 3)
        row[f"{name}_x"] = round(measured["s"] / t_floor, 1)
        for cpu in ("client_cpu_s", "server_cpu_s"):
            if cpu in measured:
                row[f"{name}_{cpu}"] = round(measured[cpu], 2)
    row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    row["load_1min"] = round(os.getloadavg()[0], 2)
    return row


def report(row: dict) -> None:
    def line(label: str, name: str, tail: str = "") -> None:
        ratio = f"{row[f'{name}_x']:5.1f}x" if f"{name}_x" in row else " " * 6
        cpu = [
            f"{who} {row[f'{name}_{who}_cpu_s']:.2f}" for who in ("client", "server") if f"{name}_{who}_cpu_s" in row
        ]
        cpu_text = f"  (CPU s: {', '.join(cpu)})" if cpu else ""
        print(f"  {label:<24}{row[f'{name}_s']:6.2f} s {ratio}{cpu_text}  {tail}".rstrip())

    print(
        f"{row['cases']:,} cases ({row['open_cases']:,} open), {row['parties']:,} parties, "
        f"{row['companies']:,} company names on PostgreSQL (load {row['load_1min']:.1f})"
    )
    line("floor (open parties)", "floor")
    line("ties (two statements)", "ties", f"{row['ties']:,} ties")
    line(
        "related (whole court)",
        "related",
        f"{row['bundles']:,} bundles, {row['cases_in_bundles']:,} cases; "
        f"largest {row['largest_bundles']}; {row['listed_bundles']:,} listed case by case",
    )
    line("bundle_of (孟州 case)", "bundle_of", f"{row['mengzhou_bundle']} cases, net {row['mengzhou_net_total']}")
    line("bundle_of (largest's)", "bundle_of_chain", f"{row['chain_bundle']:,} cases, listed")
    line("related --json (CLI)", "cli", f"{row['json_mb']} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--open-share", type=float, default=0.2)
    parser.add_argument(
        "--companies", type=int, nargs="+", default=None, help="company names in the pool (default: cases / 8)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the databases (and reuse kept ones)")
    parser.add_argument("--json", action="store_true", help="also print one JSON object per measured row")
    args = parser.parse_args()

    rows = []
    for companies in args.companies or [max(args.cases // 8, 100)]:
        name = f"cc_bench_related_{args.cases}" + ("" if companies == 4_000 else f"_c{companies}")
        url = _url(args.pg, name)
        with psycopg.connect(args.pg, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists and not (args.keep and built(url)):
                admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')
        try:
            if not exists:
                started = time.perf_counter()
                build(url, args.cases, args.open_share, companies)
                print(f"built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            row = measure(url, args.cases, companies, args.runs)
        finally:
            if not args.keep:
                with psycopg.connect(args.pg, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        report(row)
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)
    worst = max(rows, key=lambda r: r["cli_s"])
    verdict = "met" if worst["cli_s"] <= TARGET else "NOT met"
    print(
        f"target (issue 24): related --json within {TARGET:.0f} s at {args.cases:,} cases: {verdict} "
        f"(slowest {worst['cli_s']:.2f} s, {worst['cli_x']:.1f}x the floor, load {worst['load_1min']:.1f})"
    )


if __name__ == "__main__":
    main()
