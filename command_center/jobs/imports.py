"""An import of the case system's export, then the recompute of the cases it changed."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from command_center.data.catalogue import Catalogue
from command_center.data.engine import Database
from command_center.data.importer import SCOPED_RECOMPUTE_LIMIT, ImportSummary, Progress, import_file
from command_center.data.interchange import NO_MAPPING, ExportMapping
from command_center.data.workcal import WorkCalendar
from command_center.jobs.dues import NodesWithDues
from command_center.jobs.recompute import recompute


def import_and_recompute(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    path: Path,
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    court_name: str | None = None,
    mapping: ExportMapping = NO_MAPPING,
) -> ImportSummary:
    """:func:`~command_center.data.importer.import_file`, then, once it committed, the recompute
    of the affected cases (of every case the triggers marked, for a very large import).

    Should the recompute be interrupted, the marks the import left make the scheduler's next
    run recompute those cases."""
    started = time.perf_counter()
    summary = import_file(
        db,
        catalogue,
        path,
        now,
        dry_run=dry_run,
        progress=progress,
        court_name=court_name,
        mapping=mapping,
        nodes=NodesWithDues(catalogue, calendar),  # written once, with their due dates
    )
    if not dry_run and summary.affected_ids:
        if progress is not None:
            progress.phase("recompute", 0)
        ids = summary.affected_ids
        summary.recompute = recompute(
            db, catalogue, calendar, now, cases=ids if len(ids) <= SCOPED_RECOMPUTE_LIMIT else None
        ).as_dict()
        summary.seconds = time.perf_counter() - started
    return summary
