"""How long ``command-center --help`` (and ``--version``) takes, the interpreter's start beside it.

    .venv/bin/python bench/cli.py [--runs 20] [--json]

Each figure is the median of ``--runs`` fresh processes of the installed console script
(beside it, ``python -c pass``: what no command line can go under).  Target (issue 22):
``--help`` within 0.25 s.  ``tests/test_cli_lazy.py`` holds the reason it is fast (``--help``
imports neither SQLAlchemy, Alembic, holidays nor any command); this script only times it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("command-center")
TARGET = 0.25


def timed(argv: list[str], runs: int) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMAND_CENTER_")}
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="one JSON object per measured row, instead of text")
    args = parser.parse_args()
    rows = [
        ("python -c pass", timed([sys.executable, "-c", "pass"], args.runs)),
        ("command-center --version", timed([str(SCRIPT), "--version"], args.runs)),
        ("command-center --help", timed([str(SCRIPT), "--help"], args.runs)),
    ]
    load = os.getloadavg()[0]
    for what, seconds in rows:
        if args.json:
            print(json.dumps({"what": what, "median_s": round(seconds, 4), "runs": args.runs, "load_1min": load}))
        else:
            print(f"  {what:<26}{seconds:>7.3f} s (median of {args.runs})")
    if not args.json:
        help_s = rows[-1][1]
        print(
            f"  target (issue 22): --help within {TARGET} s: {'met' if help_s <= TARGET else 'NOT met'}"
            f" (load average {load:.1f})"
        )


if __name__ == "__main__":
    main()
