"""The drill-down at N cases: one page of each case list, a deep page, filters, a case, the palette.

    .venv/bin/python bench/drill.py [--cases 100000] [--backend sqlite postgresql] [--repeat 5]
                                    [--keep /tmp/cc-bench] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

Uses the same demo databases as ``bench/wall.py`` (``DIR/wall_<cases>.sqlite3`` or
``cc_bench_<cases>``, generated and recomputed first when empty) as of 2026-11-20 10:00, and
prints the median and max of ``--repeat`` runs of each read the screens make: the first page
(50 rows plus the total) of every scope, the last page of the open cases, a 案号 filter, a
party-name filter, the other sorts, the detail of the worst red case and a palette search.

Target (issue 6): a list of 100,000 rows stays instant, i.e. each read well under the 100 ms
a keystroke may take.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from command_center.clock import parse_instant
from command_center.data.cases import PAGE, SCOPES, CaseFilter, case_detail, find_cases, list_cases
from command_center.data.catalogue import load_catalogue
from command_center.data.engine import open_database
from command_center.data.rules import Rules
from command_center.data.workcal import WorkCalendar

sys.path.insert(0, str(Path(__file__).parent))
from wall import parser_for, prepared

NOW = parse_instant("2026-11-20T10:00")


def timed(repeat: int, read) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = read()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, max(times) * 1000, result


def measure(url: str, repeat: int) -> None:
    db = open_database(url)
    catalogue, calendar = load_catalogue(), WorkCalendar()
    rules = Rules.at(NOW, catalogue, calendar)
    try:

        def line(what: str, read) -> object:
            median, worst, result = timed(repeat, read)
            total = f"{result.total:>9,} rows" if hasattr(result, "total") else ""
            print(f"  {what:<34} median {median:7.1f} ms   max {worst:7.1f} ms  {total}", flush=True)
            return result

        for scope in SCOPES:
            line(f"first page, {scope}", lambda scope=scope: list_cases(db, rules, CaseFilter(scope=scope)))
        opened = list_cases(db, rules, CaseFilter(scope="open"), limit=1).total
        line("last page, open", lambda: list_cases(db, rules, CaseFilter(scope="open"), offset=max(opened - PAGE, 0)))
        for sort in ("amount", "team", "officer", "case_no"):
            line(f"open, sorted by {sort}", lambda sort=sort: list_cases(db, rules, CaseFilter(scope="open"), sort))
        line("open, filter 案号 '执12'", lambda: list_cases(db, rules, CaseFilter(scope="open", text="执12")))
        line("open, filter party '张'", lambda: list_cases(db, rules, CaseFilter(scope="open", text="张")))
        line(
            "overdue, team + stage 结案",
            lambda: list_cases(db, rules, CaseFilter(scope="overdue", team="普执一组", stage="结案")),
        )
        page = list_cases(db, rules, CaseFilter(scope="red"), limit=1)
        if page.rows:
            line("case screen, worst red case", lambda: case_detail(db, rules, page.rows[0].case_id))
        line("palette, '执12'", lambda: find_cases(db, "执12"))
        line("palette, party '张伟'", lambda: find_cases(db, "张伟"))
    finally:
        db.dispose()


def main() -> None:
    parser = parser_for(__doc__, [100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for url in prepared(args):
        measure(url, args.repeat)


if __name__ == "__main__":
    main()
