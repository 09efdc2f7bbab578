"""An import writes its new nodes with their due dates, so the recompute after it rewrites none
of them; what the recompute leaves is exactly what it left when the import wrote none."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from command_center.data import importer
from command_center.data import models as m
from command_center.data.deadlines import REVIEW_NODE, TERM_NODE
from command_center.data.engine import Database
from command_center.data.importer import import_file
from command_center.data.workcal import Unit
from command_center.jobs.dues import NodesWithDues
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE
from tests.conftest import NOW
from tests.interchange_files import sample, write_csv_folder
from tests.test_import_exports import second_db  # noqa: F401 - a fixture: another database, same backend

#: start instants around rest days, 调休 working days and local midnight (UTC+8)
STARTS = [
    "2026-09-30 17:00",
    "2026-10-01 09:00",
    "2026-10-08 00:10",
    "2026-02-13 23:30",
    "2026-02-28 08:00",
    "2026-06-19 12:00",
    "2026-11-19 23:59",
    "2026-04-30 16:00",
]


#: what the recompute works out after the import: renewals, and terms and reviews moved by a
#: suspension or an extension
OTHERS = {node.code for node in CATALOGUE if node.unit is Unit.EXPIRY} | {TERM_NODE, REVIEW_NODE}


def court() -> dict[str, list[dict]]:
    """The sample, with a node of every code of the catalogue for two of its cases."""
    d = sample()
    taken = {(row["case_no"], row["node_code"]) for row in d["nodes"]}
    cases = [d["cases"][0]["case_no"], d["cases"][2]["case_no"]]
    for i, node in enumerate(CATALOGUE):
        for j, case_no in enumerate(cases):
            if (case_no, node.code) in taken:
                continue
            row = {"case_no": case_no, "node_code": node.code, "started_at": STARTS[(i + j) % len(STARTS)]}
            if i % 11 == 5:
                row["due_at"] = "2026-12-01 18:00"  # the court's own due date wins
            d["nodes"].append(row)
    d["nodes"].append({"case_no": cases[0], "node_code": "N09", "subject_id": "no-start"})
    return d


def dues(db: Database) -> dict[tuple, tuple]:
    n = m.NodeInstance.__table__
    c = m.Case.__table__
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(c.c.case_no, n.c.node_code, n.c.subject_id, n.c.due_date, n.c.due_at, n.c.provisional).join(
                c, c.c.id == n.c.case_id
            )
        ).all()
    return {tuple(row[:3]): tuple(row[3:]) for row in rows}


def test_imported_nodes_carry_their_due_dates_and_the_recompute_agrees(db, second_db, tmp_path: Path):  # noqa: F811
    folder = write_csv_folder(tmp_path / "court", court())
    # with the due dates written by the import (the calendar not yet in calendar_days: a new database)
    import_file(db, CATALOGUE, folder, NOW, nodes=NodesWithDues(CATALOGUE, CALENDAR))
    written = dues(db)
    recompute(db, CATALOGUE, CALENDAR, NOW)
    settled = dues(db)
    # as before: the import writes no due date, the recompute works every one out
    import_file(second_db, CATALOGUE, folder, NOW)
    bare = dues(second_db)
    recompute(second_db, CATALOGUE, CALENDAR, NOW)

    assert settled == dues(second_db)  # the same court in the end, to the instant
    imported = [key for key in written if key[1] in CATALOGUE]
    assert len(imported) > 80
    assert all(bare[key][:2] == (None, None) for key in imported)
    with_due = [key for key in imported if settled[key][0] is not None]
    assert len(with_due) > 70
    # every node the import wrote already had the due date the recompute settled on, except
    # what needs more than the node: a renewal (its account's or asset's expiry), and a term
    # or 执复 review moved by a suspension or an extension
    moved = {key for key in imported if written[key] != settled[key]}
    assert {key[1] for key in moved} <= OTHERS
    units = {CATALOGUE[key[1]].unit for key in with_due if key not in moved}
    assert {Unit.DAYS, Unit.MONTHS, Unit.WORKDAYS, Unit.HOURS} <= units
    assert any(written[key][2] is False and key in with_due for key in imported)


def test_the_import_writes_nodes_with_due_dates_from_the_calendar_table_once_it_is_written(
    db, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(importer, "WRITE_CHUNK", 7)  # the nodes staged in many chunks, moved once
    recompute(db, CATALOGUE, CALENDAR, NOW)  # calendar_days written: the import reads it
    folder = write_csv_folder(tmp_path / "court", court())
    import_file(db, CATALOGUE, folder, NOW, nodes=NodesWithDues(CATALOGUE, CALENDAR))
    written = dues(db)
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=1))
    settled = dues(db)
    imported = [key for key in written if key[1] in CATALOGUE and settled[key][0] is not None]
    assert len(imported) > 70
    assert {key[1] for key in imported if written[key] != settled[key]} <= OTHERS
    assert sum(written[key] == settled[key] for key in imported) > 60
    assert len(written) == len(court()["nodes"])  # each node once
