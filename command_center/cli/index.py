"""The index of the command line: each command's module and its one line of help, so that
``command-center --help`` lists every command without importing any of them.

A command's module (and with it SQLAlchemy, Alembic, holidays, the demo generator…) is
imported only when that command runs or its own ``--help`` is asked for.
``tests/test_cli_lazy.py`` holds this index to the commands themselves: the same names, in the
modules named here, with the same first line of help.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    module: str
    help: str
    hidden: bool = False


COMMANDS: dict[str, Entry] = {
    "alerts": Entry("alerts", "List alerts as of the last recompute, worst first."),
    "audit": Entry(
        "users",
        "Print the append-only audit trail, newest first (--verify: check that nothing in it was changed).",
    ),
    "brief": Entry("brief", "The morning brief (晨会): quality indicators beside their targets, trends, teams."),
    "calendar": Entry("database", "Which years are official, provisional or overridden, and their special days."),
    "db": Entry("database", "Database schema commands."),
    "demo": Entry("database", "Fill the database with a realistic, deterministic demo court."),
    "duty": Entry("duty", "The duty rota (值班): who is on duty each week, swaps, and who is on duty today."),
    "explain": Entry(
        "alerts",
        "Why NODE of a case is due when it is: start, limit, each rest day rolled over by name,"
        " 调休 working days counted, suspensions and extensions, provisional years.",
    ),
    "export-template": Entry(
        "imports",
        "Write an empty interchange workbook: every sheet, its headers (Chinese and English), one example row.",
    ),
    "import": Entry("imports", "Import a case-system export: an .xlsx workbook or a folder of .csv files (DOMAIN §5)."),
    "indicators": Entry("alerts", "The wall's figures as of now (the same function the wall uses)."),
    "outbox": Entry(
        "scheduler", "The notification outbox: counts per status and where messages went; optionally send or retry."
    ),
    "party": Entry("party", "Parties of a case: whether an applicant gets progress messages (节点短信推送)."),
    "recompute": Entry(
        "alerts", "Recompute every node, due date and alert now (one transaction), and print the counts."
    ),
    "related": Entry(
        "triage",
        "Bundles of related open cases (a shared debtor; parties applicant and debtor of each other)"
        " and, for mutual money debts, the offset.",
    ),
    "reviews": Entry(
        "brief",
        "评查: the latest fund sample, seized-items inventory and closed-case list, each item's"
        " mark (合格 / 不合格, on the 评查 screen, key v of the overview) and the lists' progress.",
    ),
    "scheduler": Entry(
        "scheduler", "Run the background jobs; of several schedulers on one database, exactly one is active."
    ),
    "serve": Entry(
        "serve",
        "The wall in a browser: serves the wall display, read only and names masked, to any"
        " number of browser tabs, which share one reader of the database.",
    ),
    "serve-tab": Entry(
        "serve",
        "One browser tab of ``serve`` (started by it): the read-only wall, fed by its feed file.",
        hidden=True,
    ),
    "snapshot": Entry(
        "brief", "Write the brief's daily snapshots (what the scheduler does each night), back-filling DAYS days."
    ),
    "triage": Entry(
        "triage",
        "The track the court's [triage] rules suggest for each open case whose online control (N05)"
        " is complete, why, and whether the case's current team and track agree.",
    ),
    "user": Entry(
        "users",
        "Manage the operators who log in to the dashboard (password from a prompt or $COMMAND_CENTER_PASSWORD).",
    ),
    "wall": Entry(
        "wall", "The wall display (大屏): scrolling indicators and the red/yellow/blue panels, no keys needed."
    ),
}
