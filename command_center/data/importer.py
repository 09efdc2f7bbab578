"""Import the interchange workbook into the shared database (``command-center import``).

The whole import is one transaction; the sheets are read a chunk of :data:`ROWS_PER_CHUNK`
rows at a time (cases first), and each chunk goes through 1–3 before the next is read, so
memory follows the chunk, not the file (a csv file is read a line at a time, a workbook in
openpyxl's read-only mode).

1. **Read and check every cell** (:mod:`.interchange`): kinds, required cells, known node
   codes, order of dates (completed before started…); duplicate keys against every row
   before (kept in a temporary SQLite file, not in memory).
2. **Plan**: references to cases must exist in the database, where the file's valid cases
   are written before any other sheet is read, or be rows of the cases sheet that have a
   problem (the only keys kept in memory from one sheet to the next); each row is matched by
   its natural key (案号, fund_id, asset_id, account_id, lead_id, case+node+subject,
   case+from_date) and becomes an insert, an update of the columns that differ, or nothing.
   Columns a sheet does not have are left as they are; an empty cell in a column it has
   clears the value.
3. **Apply** the chunk (unless a problem was found: then only the checks go on): inserts in
   bulk, each update recorded in the append-only audit log with what changed.  Any problem
   raises :class:`ImportRejected` listing all of them at the end, and the transaction is
   rolled back: the database is as before (``dry_run`` rolls back a clean one too).
4. The affected cases are then recomputed (the database triggers marked them too, so if
   this step is interrupted the scheduler's next run picks them up).
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, String, bindparam, delete, insert, select, text, update

from command_center.data import audit
from command_center.data.bulk import bulk_insert, pg_settings
from command_center.data.caseno import court_of
from command_center.data.catalogue import Catalogue
from command_center.data.engine import Database
from command_center.data.interchange import (
    NAMES_OF,
    NO_MAPPING,
    SHEET_BY_NAME,
    SHEETS,
    CellError,
    ExportMapping,
    FileProblem,
    IgnoredSheet,
    Problem,
    RawSheet,
    Reason,
    Sheet,
    blank,
    case_type_of,
    court_code_of,
    files_words,
    in_header_unit,
    map_headers,
    open_interchange,
    plain,
    unknown_headers,
)
from command_center.data.names import id_key, name_key
from command_center.data.parties import is_organisation, mask_id_number, mask_phone
from command_center.data.tables import (
    ACCOUNTS,
    ASSETS,
    CASES,
    COURTS,
    FUNDS,
    LEADS,
    NODES,
    OFFICERS,
    PARTIES,
    SUSPENSIONS,
    TEAMS,
)
from command_center.data.types import Fixed
from command_center.data.workcal import TZ, add_months

TABLES = {
    "cases": CASES,
    "nodes": NODES,
    "funds": FUNDS,
    "assets": ASSETS,
    "accounts": ACCOUNTS,
    "leads": LEADS,
    "suspensions": SUSPENSIONS,
}
#: PostgreSQL advisory lock: one import at a time
LOCK_KEY = 0x43430002
CHUNK = 900  # keys per IN (...) lookup; SQLite allows 32,766 variables, PostgreSQL 65,535
WRITE_CHUNK = 5_000
#: rows read, checked and written at a time: memory follows this, not the file
ROWS_PER_CHUNK = 20_000
#: recompute the affected cases by id up to this many; beyond, the triggers' marks drive it
SCOPED_RECOMPUTE_LIMIT = 5_000


def _limits() -> dict[tuple[str, str], int | Decimal]:
    """(sheet, column) → the longest text (in characters) or the first amount too large for the
    database column the value goes to, from the models: checked while reading, so that SQLite
    (which holds any length) and PostgreSQL (which refuses) refuse the same values, by cell."""
    goes_to = {
        ("cases", "court"): COURTS.c.name,
        ("cases", "team"): TEAMS.c.name,
        ("cases", "officer"): OFFICERS.c.name,
        ("cases", "applicants"): PARTIES.c.name,
        ("cases", "debtors"): PARTIES.c.name,
    }
    limits: dict[tuple[str, str], int | Decimal] = {}
    for sheet in SHEETS:
        for column in sheet.columns:
            target = goes_to.get((sheet.name, column.name), TABLES[sheet.name].c.get(column.name))
            kind = target.type if target is not None else None
            if isinstance(kind, String) and kind.length:
                limits[(sheet.name, column.name)] = kind.length
            elif isinstance(kind, Fixed):
                limits[(sheet.name, column.name)] = Decimal(10) ** (kind.precision - kind.scale)
    limits[("cases", "track")] = min(CASES.c.track.type.length, TEAMS.c.track.type.length)  # a new team takes the track
    return limits


#: (sheet, column) → the longest text or the first amount too large, for every column with a limit
LIMITS = _limits()
#: (earlier, later, reason) pairs checked on every row after merging with the database
REQUIRED_MISSING = Reason("required_missing", "required value missing")


def _continues(case_no: str, merged_from: int | None) -> Reason:
    """A cases row without its 案号 below a case: one case over several rows, its 案号 merged
    down them (``merged_from``: the range's first row) or left empty (one party per row), which
    a sheet of one case a row cannot read."""
    if merged_from is not None:
        return Reason(
            "merged_case",
            "its 案号 is merged with row {row}'s ({case_no}): one case over several rows cannot be read;"
            " list its parties in one cell separated by ；, or unmerge and give each row its own case",
            row=merged_from,
            case_no=case_no,
        )
    return Reason(
        "continues_case",
        "no 案号 or 立案日期 on this row: does it continue {case_no} above, its cells merged over several rows?"
        " Give each row its 案号 and 立案日期 (unmerge and fill down), or list the parties in one cell separated by ；",
        case_no=case_no,
    )


ORDER_RULES = {
    "cases": (
        ("filed_on", "closed_on", Reason("closed_before_filed", "closed before it was filed")),
        ("filed_on", "term_extended_to", Reason("extended_before_filed", "extended to a day before the filing")),
    ),
    "nodes": (("started_at", "completed_at", Reason("completed_before_started", "completed before it started")),),
    "funds": (
        ("arrived_at", "claimed_at", Reason("claimed_before_arrived", "claimed before it arrived")),
        ("arrived_at", "disbursed_at", Reason("disbursed_before_arrived", "disbursed before it arrived")),
    ),
    "assets": (
        (
            "seized_on",
            "evaluation_started_on",
            Reason("evaluated_before_seized", "evaluation started before the seizure"),
        ),
        ("seized_on", "renewed_until", Reason("renewed_before_seized", "renewed until a day before the seizure")),
        ("seized_on", "seal_expires_on", Reason("seal_before_seized", "the seal expires before the seizure")),
    ),
    "accounts": (
        ("frozen_on", "released_on", Reason("released_before_frozen", "released before it was frozen")),
        ("frozen_on", "expires_on", Reason("expires_before_frozen", "expires before it was frozen")),
        ("frozen_on", "renewed_until", Reason("renewed_before_frozen", "renewed until a day before the freeze")),
    ),
    "leads": (
        (
            "reported_at",
            "control_started_at",
            Reason("control_before_lead", "control started before the lead was reported"),
        ),
    ),
    "suspensions": (("from_date", "to_date", Reason("ends_before_begins", "ends before it begins")),),
}

#: the columns that say when something happened (filed, completed, arrived, seized…): never
#: after the day of the import (a term's end, an expiry or a renewal may be, and are not here)
HAPPENED = {
    "cases": ("filed_on", "closed_on"),
    "nodes": ("started_at", "completed_at"),
    "funds": ("arrived_at", "claimed_at", "disbursed_at"),
    "assets": ("seized_on", "evaluation_started_on"),
    "accounts": ("frozen_on", "released_on"),
    "leads": ("reported_at", "control_started_at"),
    "suspensions": (),
}


def _future_problems(sheet: str, number: int, record: dict, today: date) -> list[Problem]:
    problems = []
    for column in HAPPENED[sheet]:
        value = record.get(column)
        day = value.astimezone(TZ).date() if isinstance(value, datetime) else value
        if day is not None and day > today:
            problems.append(
                Problem(
                    sheet,
                    number,
                    column,
                    Reason(
                        "in_the_future",
                        "{value} is after today ({today}): it says when something happened",
                        value=_show(value),
                        today=today.isoformat(),
                    ),
                )
            )
    return problems


class ImportRejected(Exception):
    """The file has problems: nothing was written.  ``problems`` lists every one of them."""

    def __init__(
        self,
        path: Path,
        problems: list[Problem],
        ignored: Sequence[IgnoredSheet] = (),
        raws: Sequence[RawSheet] = (),
        mapping: ExportMapping = NO_MAPPING,
    ):
        self.path = path
        words = {raw.sheet.name: files_words(raw, mapping) for raw in raws}
        self.problems = sorted(
            (p.in_words_of(*words[p.sheet]) if p.sheet in words else p for p in problems), key=_problem_order
        )
        self.ignored = list(ignored)  # the sheets it did not read: often the reason of a problem
        super().__init__(f"{path}: {len(problems)} problem(s); nothing was imported")


def _problem_order(problem: Problem):
    order = {s.name: i for i, s in enumerate(SHEETS)}
    return (order.get(problem.sheet, -1), problem.row, problem.column, problem.reason)


class NodeWriter(Protocol):
    """Writes the new rows of the nodes sheet (by default as they are; the import command's
    writer adds their due dates: :class:`command_center.jobs.dues.NodesWithDues`)."""

    def insert(self, conn: Connection, rows: Sequence[dict]) -> None: ...

    def finish(self, conn: Connection) -> None: ...


class Progress(Protocol):
    def phase(self, name: str, total: int) -> None: ...

    def advance(self, count: int) -> None: ...


class _Silent:
    def phase(self, name: str, total: int) -> None:
        pass

    def advance(self, count: int) -> None:
        pass


@dataclass
class SheetCounts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: the sheet's headers that stand for no column, each with the column it may be
    ignored_columns: list[tuple[str, str | None]] = field(default_factory=list)
    #: the export's closing lines (a totals row, who made it and when), not data: (row, its text)
    skipped_rows: list[tuple[int, str]] = field(default_factory=list)
    #: money columns read in the unit a row under the headers or a note above them gives: (header, unit)
    units: list[tuple[str, str]] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "read": self.read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "ignored_columns": [{"header": h, "did_you_mean": c} for h, c in self.ignored_columns],
            "skipped_rows": [{"row": n, "text": t} for n, t in self.skipped_rows],
            "units": [{"header": h, "unit": u} for h, u in self.units],
        }


@dataclass
class ImportSummary:
    path: str
    dry_run: bool
    sheets: dict[str, SheetCounts]
    created_teams: list[str] = field(default_factory=list)
    created_officers: list[str] = field(default_factory=list)
    created_courts: list[str] = field(default_factory=list)
    #: courts the file names otherwise than the database did: "内0425 示范人民法院 → 克什克腾旗人民法院"
    renamed_courts: list[str] = field(default_factory=list)
    ignored: list[IgnoredSheet] = field(default_factory=list)  # sheets or csv files that are none of SHEETS
    affected_cases: int = 0
    affected_ids: list[int] = field(default_factory=list, repr=False)  # the cases to recompute
    recompute: dict | None = None  # RecomputeResult.as_dict() of the follow-up recompute
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(c.read for c in self.sheets.values())

    @property
    def changed(self) -> bool:
        return any(c.inserted or c.updated for c in self.sheets.values()) or bool(self.renamed_courts)

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "dry_run": self.dry_run,
            "sheets": {k: v.as_json() for k, v in self.sheets.items()},
            "created": {"courts": self.created_courts, "teams": self.created_teams, "officers": self.created_officers},
            "renamed_courts": self.renamed_courts,
            "ignored_sheets": [i.as_json() for i in self.ignored],
            "recognised_sheet_names": {s.name: s.zh for s in SHEETS},
            "affected_cases": self.affected_cases,
            "recompute": self.recompute,
            "seconds": round(self.seconds, 3),
        }


# -- 1. read and check the cells ---------------------------------------------------------------------


@dataclass
class Parsed:
    """One sheet's rows as Python values: ``rows`` are (row number, values in ``columns`` order)."""

    sheet: Sheet
    source: str
    columns: tuple[str, ...]
    rows: list[tuple[int, tuple]]
    #: (row number, 案号) of every row whose 案号 could be read, with or without other problems,
    #: so a reference is checked on a row that also has a bad cell
    case_nos: list[tuple[int, str]] = field(default_factory=list)

    def has(self, column: str) -> bool:
        return column in self.columns

    def records(self) -> Iterator[tuple[int, dict]]:
        columns = self.columns
        for number, values in self.rows:
            yield number, dict(zip(columns, values, strict=True))


class _SeenKeys:
    """The natural keys of a sheet's rows read so far, each with the row it was first on, for
    the duplicate check: in a temporary SQLite file, not in memory (a 1,000,000-case court's
    nodes sheet has some 20 million keys).  Exact: the keys are stored as they are, not hashed."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="cc-import-")
        self._db = sqlite3.connect(Path(self._folder.name) / "keys.sqlite3", isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-32000"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("BEGIN")

    def start(self) -> None:
        """A new sheet: no keys seen."""
        self._db.execute("DROP TABLE IF EXISTS seen")
        self._db.execute("CREATE TABLE seen (k TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID")

    def first_rows(self, keys: list[tuple[str, int]]) -> dict[str, int]:
        """For ``keys`` (key, row), in the order of the rows, the first row of the sheet each key
        is on: an earlier chunk's, an earlier row of this chunk's, or (a new key) its own row,
        which is then remembered."""
        local: dict[str, int] = {}
        for key, row in keys:
            local.setdefault(key, row)
        before = self._db.total_changes
        self._db.executemany("INSERT OR IGNORE INTO seen (k, row) VALUES (?, ?)", local.items())
        if self._db.total_changes - before == len(local):  # none was seen in an earlier chunk
            return local
        earlier = {}
        items = list(local)
        for start in range(0, len(items), 900):
            part = items[start : start + 900]
            earlier.update(
                self._db.execute(f"SELECT k, row FROM seen WHERE k IN ({', '.join('?' * len(part))})", part).fetchall()
            )
        return local | earlier  # an earlier chunk's row comes first

    def close(self) -> None:
        self._db.close()
        self._folder.cleanup()


#: how an export's closing lines begin: its totals (合计, 总计, 小计…), who made it and when
#: (制表人, 填表, 导出时间, 打印日期, 审核, 负责人) and its notes (备注, 注：, 说明：)
FOOTER = re.compile(
    r"^(?:合\s*计|总\s*计|小\s*计|共\s*计|累\s*计|制\s*表|填\s*表|导出|打印|审\s*核|负责人|备\s*注|注\s*[:：]|说\s*明\s*[:：])"
)


def _footer_text(cells: list, keys: list[int]) -> str | None:
    """The text of a row that is an export's closing line: its first filled cell is text that
    begins as :data:`FOOTER` does, and the sheet's key cells (案号, 款项编号…) hold nothing else."""
    first = next((i for i, c in enumerate(cells) if not blank(c)), None)
    if first is None or type(cells[first]) is not str or not FOOTER.match(text := cells[first].strip()):
        return None
    if any(k != first and k < len(cells) and not blank(cells[k]) for k in keys):
        return None
    return text


def _without_footer(rows: Iterator[tuple[int, list]], keys: list[int], skipped: list) -> Iterator[tuple[int, list]]:
    """``rows`` but the closing lines at the end of the sheet (:func:`_footer_text`), which go to
    ``skipped`` as (row, text) to be said in the summary.  Such a line with a row of data after
    it is read as a row like any other (and its problems named): only the end is a footer."""
    held: list[tuple[int, list, str]] = []
    for number, cells in rows:
        text = _footer_text(cells, keys)
        if text is not None:
            held.append((number, cells, text))
            continue
        for row in held:
            yield row[0], row[1]
        held = []
        yield number, cells
    skipped.extend((number, text) for number, _, text in held)


def _key_code(key: tuple) -> str:
    return "\x00".join(str(value) for value in key)  # no cell holds NUL (refused as a control character)


class _SheetReader:
    """One sheet's rows read, parsed and checked on their own (no database needed), a chunk
    of :data:`ROWS_PER_CHUNK` rows at a time; the problems go to ``problems`` as they are found."""

    def __init__(
        self,
        raw: RawSheet,
        catalogue: Catalogue,
        mapping: ExportMapping,
        problems: list[Problem],
        seen: _SeenKeys,
        today: date,
    ) -> None:
        sheet = raw.sheet
        self.raw, self.sheet, self.catalogue, self.problems, self.seen = raw, sheet, catalogue, problems, seen
        self.today = today  # the import's day: no event in the file happened after it
        positions, header_problems = map_headers(sheet, raw.headers, mapping, raw.header_row)
        problems.extend(header_problems)
        self.columns = tuple(c.name for c in sheet.columns if c.name in positions)
        self.parsers = [
            (
                in_header_unit(sheet.column(name), raw.headers[positions[name]]),
                positions[name],
                LIMITS.get((sheet.name, name)),
                mapping.words(name) or None,
            )
            for name in self.columns
        ]
        # a key column missing is one problem on the header row, not a duplicate key on every row
        self.key_at = [self.columns.index(k) if k in self.columns else None for k in sheet.key]
        self.check_keys = all(
            i is not None or not sheet.column(k).required for i, k in zip(self.key_at, sheet.key, strict=True)
        )
        self.usable = not header_problems  # a sheet without a required column is only checked
        #: the headers that stand for no column (their cells are not read), said in the summary
        self.unknown = unknown_headers(sheet, raw.headers, mapping)
        #: the sheet's closing lines, once its rows are read (:func:`_without_footer`)
        self.skipped: list[tuple[int, str]] = []
        self.key_positions = [positions[k] for k in sheet.key if k in positions]

    def chunks(self, progress: Progress) -> Iterator[Parsed]:
        """The sheet's rows without problems, by chunk, with the 案号 of every row that has one."""
        sheet, problems, columns, parsers, key_at = self.sheet, self.problems, self.columns, self.parsers, self.key_at
        self.seen.start()
        #: (row number, values, no problem of its own, its key if it takes part in the duplicate check)
        pending: list[tuple[int, tuple, bool, tuple | None]] = []
        case_nos: list[tuple[int, str]] = []
        above: str | None = None  # the 案号 of the row above, for a row that may continue its case
        advanced = 0
        try:
            for number, cells in _without_footer(self.raw.rows, self.key_positions, self.skipped):
                advanced += 1
                if advanced == 2_000:
                    progress.advance(advanced)
                    advanced = 0
                values = []
                bad = False
                before = len(problems)
                for column, position, limit, words in parsers:
                    cell = cells[position] if position < len(cells) else None
                    if words is not None and type(cell) is str:  # the export's word for a value: the product's
                        cell = words.get(plain(cell), cell)
                    try:
                        value = column.parse(cell)
                        if limit is not None and value is not None and (type(value) is not str or len(value) > limit):
                            _check_size(value, limit)
                    except CellError as exc:
                        problems.append(Problem(sheet.name, number, column.name, exc.reason))
                        value, bad = None, True
                    else:
                        if value is None and column.required:
                            problems.append(Problem(sheet.name, number, column.name, REQUIRED_MISSING))
                            bad = True
                    values.append(value)
                record = dict(zip(columns, values, strict=True))
                if sheet.name == "nodes" and record.get("node_code") is not None:
                    # a node of the case's court's catalogue (a court may have its own)
                    catalogue = self.catalogue
                    own = catalogue.for_court(court_of(record["case_no"])) if record.get("case_no") else catalogue
                    if record["node_code"] not in own:
                        problems.append(
                            Problem(
                                sheet.name,
                                number,
                                "node_code",
                                Reason(
                                    "not_a_node",
                                    "{code!r} is not a node of the catalogue (N01…{last})",
                                    code=record["node_code"],
                                    last=f"N{len(own):02d}",
                                ),
                            )
                        )
                        bad = True
                if sheet.name == "cases":
                    merged_from = self.raw.continued.get(number)
                    if above and record.get("case_no") is None and (record.get("filed_on") is None or merged_from):
                        missing = {(p.column, p.reason) for p in problems[before:]}
                        if missing <= {("case_no", REQUIRED_MISSING), ("filed_on", REQUIRED_MISSING)}:
                            del problems[before:]
                            problems.append(Problem(sheet.name, number, "case_no", _continues(above, merged_from)))
                    else:
                        above = record.get("case_no")
                    problems.extend(_case_row_problems(sheet.name, number, record))
                if record.get("case_no"):
                    case_nos.append((number, record["case_no"]))
                problems.extend(_order_problems(sheet.name, number, record))  # between the cells that could be read
                problems.extend(_future_problems(sheet.name, number, record, self.today))
                key = (
                    tuple((values[i] if i is not None else None) or "" for i in key_at)
                    if not bad and self.check_keys
                    else None
                )
                pending.append((number, tuple(values), len(problems) == before, key))
                if len(pending) == ROWS_PER_CHUNK:
                    yield self._chunk(pending, case_nos)
                    pending, case_nos = [], []
        except FileProblem as exc:  # a csv line the reader could not split
            problems.append(exc.problem)
        progress.advance(advanced)
        if pending or case_nos:
            yield self._chunk(pending, case_nos)

    def _chunk(self, pending: list, case_nos: list[tuple[int, str]]) -> Parsed:
        """The chunk's rows that have no problem, after the duplicate check against every row before."""
        sheet = self.sheet
        keyed = [(_key_code(key), number) for number, _, _, key in pending if key is not None]
        first = self.seen.first_rows(keyed) if keyed else {}
        rows = []
        for number, values, clean, key in pending:
            if key is not None:
                earlier = first[_key_code(key)]
                if earlier != number:
                    self.problems.append(
                        Problem(
                            sheet.name,
                            number,
                            sheet.key[-1] if len(sheet.key) == 1 else "",
                            Reason(
                                "duplicate_key",
                                "duplicate key {values} (also row {row})",
                                values=_key_text(key),
                                row=earlier,
                            ),
                        )
                    )
                    continue
            if clean and self.usable:  # a row with a problem is reported, and not compared or written
                rows.append((number, values))
        return Parsed(sheet, self.raw.source, self.columns, rows, case_nos)


def _check_size(value, limit: int | Decimal) -> None:
    """Raise :class:`CellError` if ``value`` does not fit its database column (see :data:`LIMITS`)."""
    if isinstance(value, str):
        if len(value) > limit:
            raise CellError(
                Reason(
                    "too_long",
                    "is {length} characters long; the database holds at most {limit}",
                    length=len(value),
                    limit=limit,
                )
            )
    elif isinstance(value, tuple):  # names: each is a row of its own
        for name in value:
            if len(name) > limit:
                raise CellError(
                    Reason(
                        "name_too_long",
                        "the name {name!r}… is {length} characters long; the database holds at most {limit} per name",
                        name=name[:12],
                        length=len(name),
                        limit=limit,
                    )
                )
    elif isinstance(value, Decimal) and value >= limit:
        raise CellError(
            Reason(
                "too_large",
                "{value} is too large: the database holds amounts below {limit}",
                value=value,
                limit=f"{limit:,}",
            )
        )


#: the year a 案号 names: （2026）内0425执1001号 → 2026
_CASE_YEAR = re.compile(r"^[（(](\d{4})[）)]")


def _case_row_problems(sheet: str, number: int, record: dict) -> list[Problem]:
    problems = []
    case_no, filed = record.get("case_no"), record.get("filed_on")
    year = _CASE_YEAR.match(case_no) if case_no and filed else None
    if year and not (filed.year == int(year[1]) or (filed.year == int(year[1]) - 1 and filed.month == 12)):
        # a case is numbered in the year it is filed (收案 may be in the last days of the year before)
        problems.append(
            Problem(
                sheet,
                number,
                "filed_on",
                Reason(
                    "filed_outside_year",
                    "{filed} is not in {year}, the year of the 案号 (a case is numbered in the year it is filed)",
                    filed=filed.isoformat(),
                    year=year[1],
                ),
            )
        )
    for column, names_column in NAMES_OF.items():
        entries, names = record.get(column), record.get(names_column)
        if entries is not None and names_column in record and len(entries) != len(names or ()):
            what = (
                Reason("word_id_numbers", "ID numbers") if column.endswith("ids") else Reason("word_phones", "phones")
            )
            problems.append(
                Problem(
                    sheet,
                    number,
                    column,
                    Reason(
                        "entries_per_name",
                        "{count} {what} for {names} {names_column} (one per name, in the same order, separated by ； "
                        "as the names are; leave an entry empty for a name without one)",
                        count=len(entries),
                        what=what,
                        names=len(names or ()),
                        names_column=names_column,
                        names_zh=SHEET_BY_NAME[sheet].column(names_column).zh,
                    ),
                )
            )
    case_no, case_type = record.get("case_no"), record.get("case_type")
    if case_no and case_type and case_type != case_type_of(case_no):
        problems.append(
            Problem(
                sheet,
                number,
                "case_type",
                Reason(
                    "type_mismatch",
                    "{case_type} does not match the 案号's type word {word}",
                    case_type=case_type,
                    word=case_type_of(case_no),
                ),
            )
        )
    if (
        "closed_on" in record
        and "closing_mode" in record
        and (record["closed_on"] is None) != (record["closing_mode"] is None)
    ):
        missing = "closing_mode" if record["closing_mode"] is None else "closed_on"
        problems.append(
            Problem(
                sheet,
                number,
                missing,
                Reason("closing_pair", "结案日期 and 结案方式 go together: give both or neither"),
            )
        )
    return problems


def _order_problems(sheet: str, number: int, record: dict) -> list[Problem]:
    problems = []
    for earlier, later, reason in ORDER_RULES[sheet]:
        a, b = record.get(earlier), record.get(later)
        if a is not None and b is not None and b < a:
            problems.append(
                Problem(
                    sheet,
                    number,
                    later,
                    Reason(
                        "out_of_order",
                        "{later} is {reason} ({earlier})",
                        later=_show(b),
                        reason=reason,
                        earlier=_show(a),
                    ),
                )
            )
    return problems


def _key_text(key: tuple) -> str:
    return " / ".join(_show(k) for k in key if k != "")


def _show(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# -- 2. apply in one transaction -----------------------------------------------------------------------


def import_file(
    db: Database,
    catalogue: Catalogue,
    path: Path,
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    court_name: str | None = None,
    mapping: ExportMapping = NO_MAPPING,
    nodes: NodeWriter | None = None,
) -> ImportSummary:
    """Check and apply ``path`` in one transaction; raises :class:`ImportRejected`.

    The sheets are read a chunk of rows at a time (the cases sheet first), and each chunk is
    checked and written before the next is read, so memory follows a chunk, not the file.  A
    problem anywhere rolls the whole transaction back: nothing is written.  ``dry_run`` does
    all the work and rolls it back, so what it reports is exactly what an import would do.
    The summary names the affected cases, which
    :func:`command_center.jobs.imports.import_and_recompute` recomputes after the commit.
    ``court_name`` names a court the database does not have yet when the file has no
    ``court`` column.  ``mapping`` is the court's own words for its export (:mod:`.mapping`).
    ``nodes`` writes the new nodes (default: as the file gives them, without due dates).
    """
    started = time.perf_counter()
    progress = progress or _Silent()
    path = Path(path)
    try:
        raws, problems, ignored = open_interchange(path, mapping)
    except FileProblem as exc:
        raise ImportRejected(path, [exc.problem]) from None
    if problems and not raws:  # no sheet of the file could be read
        raise ImportRejected(path, problems, ignored)
    summary = ImportSummary(str(path), dry_run, {raw.sheet.name: SheetCounts() for raw in raws}, ignored=ignored)
    progress.phase("import", sum(raw.estimated_rows for raw in raws))
    seen = _SeenKeys()
    try:
        with db.engine.connect() as conn:
            transaction = conn.begin()
            try:
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
                    # a chunk's lookups by key are small; on a table loaded in this transaction the planner
                    # has no statistics, and took the 案号's trigram index (GIN: bitmap scans only) for
                    # them, 3.7 s for 500 keys of 5,000 cases; nor should it compile them
                    conn.execute(text("SET LOCAL jit = off"))
                    conn.execute(text("SET LOCAL enable_bitmapscan = off"))
                writer = _Writer(conn, now, path, summary, progress, court_name, nodes)
                writer.problems.extend(problems)  # the files or sheets that cannot be read
                for raw in raws:
                    writer.sheet(
                        _SheetReader(raw, catalogue, mapping, writer.problems, seen, now.astimezone(TZ).date())
                    )
                writer.finish()  # with problems found, it only checked (and the transaction rolls back)
                if writer.problems:
                    raise ImportRejected(path, writer.problems, ignored, raws, mapping)
                summary.affected_cases = len(writer.affected)
                summary.affected_ids = sorted(writer.affected)
                if dry_run:
                    transaction.rollback()
                else:
                    transaction.commit()
            finally:
                if transaction.is_active:
                    transaction.rollback()
    finally:
        seen.close()
    if not dry_run and len(writer.affected) > SCOPED_RECOMPUTE_LIMIT:
        db.refresh_statistics()  # a bulk load: the planner should know the new sizes before the recompute
    summary.seconds = time.perf_counter() - started
    return summary


def _chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Writer:
    """Matches each row to the database by its natural key and writes what differs, a chunk at a time."""

    def __init__(
        self,
        conn: Connection,
        now: datetime,
        path: Path,
        summary: ImportSummary,
        progress: Progress,
        court_name: str | None,
        nodes: NodeWriter | None = None,
    ):
        self.conn, self.now, self.path, self.summary, self.progress = conn, now, path, summary, progress
        self.court_name = court_name
        self.nodes = nodes
        self.problems: list[Problem] = []
        self.affected: set[int] = set()
        self.case_ids: dict[str, int] = {}  # the current chunk's cases
        #: the 案号 of the cases sheet's rows that have a problem (and were not written): the
        #: other sheets may name them (the valid cases are in the database by then, written)
        self.unwritten_cases: set[str] = set()
        self.audit: list[dict] = []

    def lookup(self, stmt_for: Callable[[Sequence], object], keys: Iterable) -> list:
        keys = sorted(set(keys))
        found = []
        for chunk in _chunks(keys):
            found.extend(self.conn.execute(stmt_for(chunk)).mappings().all())
        return found

    def sheet(self, reader: _SheetReader) -> None:
        counts = self.summary.sheets[reader.sheet.name]
        counts.ignored_columns = reader.unknown
        counts.units = reader.raw.units
        cases = reader.sheet.name == "cases"
        if cases:
            self._load_refs()
        counts.skipped_rows = reader.skipped  # filled in as the last chunk is read
        for chunk in reader.chunks(self.progress):
            counts.read += len(chunk.rows)
            if cases:
                self.case_ids = {}  # the chunk's new cases, for their parties
                written = {number for number, _ in chunk.rows}
                self.unwritten_cases.update(case_no for number, case_no in chunk.case_nos if number not in written)
                self._refs(chunk)
            else:
                self._check_references(chunk)
            self._sheet(chunk)

    # -- references ----------------------------------------------------------------------------
    def _check_references(self, parsed: Parsed) -> None:
        """The chunk's cases by 案号: in the database (the file's valid cases were written before
        any other sheet was read), or in the file's cases sheet with a problem; else a problem."""
        self.case_ids = {
            row["case_no"]: row["id"]
            for row in self.lookup(
                lambda chunk: select(CASES.c.case_no, CASES.c.id).where(CASES.c.case_no.in_(chunk)),
                (case_no for _, case_no in parsed.case_nos),
            )
        }
        for number, case_no in parsed.case_nos:
            if case_no not in self.case_ids and case_no not in self.unwritten_cases:
                self.problems.append(
                    Problem(
                        parsed.sheet.name,
                        number,
                        "case_no",
                        Reason(
                            "unknown_case",
                            "{case_no} is neither in the cases sheet nor in the database",
                            case_no=case_no,
                        ),
                    )
                )

    # -- writing ---------------------------------------------------------------------------------
    def finish(self) -> None:
        if self.nodes is not None and not self.problems:  # with problems, everything is rolled back
            with pg_settings(self.conn, enable_bitmapscan="on", jit="on"):  # one statement over the whole import
                self.nodes.finish(self.conn)
        self._write_audit()

    def _sheet(self, parsed: Parsed) -> None:
        name, table = parsed.sheet.name, TABLES[parsed.sheet.name]
        counts = self.summary.sheets[name]
        existing = self._existing(parsed)
        inserts: list[dict] = []
        updates: dict[tuple, list[dict]] = defaultdict(list)
        parties: list[tuple[int | str, str, tuple[str, ...], bool]] = []
        new_cases: list[str] = []

        def flush() -> None:
            # with a problem, everything will be rolled back: stop writing, keep checking; but for
            # the new cases, which the other sheets' rows are checked against in the database
            if self.problems and name != "cases":
                inserts.clear()
                return
            for group in _same_columns(inserts):
                if name == "nodes" and self.nodes is not None:
                    self.nodes.insert(self.conn, group)
                else:
                    bulk_insert(self.conn, table, group)
            if name == "cases":
                new_cases.extend(v["case_no"] for v in inserts)
            else:
                self.affected.update(v["case_id"] for v in inserts)
            inserts.clear()

        for number, record in parsed.records():
            if len(inserts) >= WRITE_CHUNK:
                flush()
            values = self._values(parsed, record)
            if values.get("case_id", 0) is None:
                continue
            old = existing.get(self._key(name, values))
            if old is None:
                if name == "cases":
                    parties.extend(_party_changes(values["case_no"], values, {}, values, again=False))
                if name == "nodes":
                    values["source"] = "imported"
                inserts.append(_with_defaults(table, values))
                counts.inserted += 1
                continue
            wrong = _order_problems(name, number, old | values)
            if wrong:  # reported; the row is not written, and the transaction will be rolled back
                self.problems.extend(wrong)
                continue
            changes = {col: new for col, new in values.items() if not _same(old.get(col), new)}
            if name == "nodes" and old["source"] != "imported":
                changes["source"] = "imported"  # an imported row wins over a materialised one
            if not changes:
                counts.unchanged += 1
                continue
            counts.updated += 1
            self._audit_update(name, parsed, number, record, old, changes)
            self.affected.add(old["case_id"] if name != "cases" else old["id"])
            if "case_id" in changes:
                self.affected.add(changes["case_id"])
            if name == "cases":
                parties.extend(_party_changes(old["id"], values, old, changes, again=True))
            if name == "cases":
                changes["updated_at"] = self.now
            updates[tuple(sorted(changes))].append({"_id": old["id"], **changes})
        flush()
        if new_cases:
            new = self.lookup(
                lambda keys: select(CASES.c.case_no, CASES.c.id).where(CASES.c.case_no.in_(keys)), new_cases
            )
            self.case_ids.update((row["case_no"], row["id"]) for row in new)
            self.affected.update(row["id"] for row in new)
        if self.problems:
            self.audit.clear()
            return
        for columns, rows in updates.items():
            stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in columns})
            self.conn.execute(stmt, rows)
        self._write_parties(parties)
        audit.record_many(self.conn, self.audit)  # each updated row's entry, in the order of the rows
        self.audit.clear()

    def _values(self, parsed: Parsed, record: dict) -> dict:
        """The database values a row sets: only for the columns its sheet has, references resolved."""
        name = parsed.sheet.name
        table = TABLES[name]
        values = {}
        for column in parsed.columns:
            target = "due_override" if (name, column) == ("nodes", "due_at") else column
            if target in table.c or column in _PARTY_COLUMNS:
                values[target] = record[column]
        if name == "cases":
            if "case_type" in values or "case_type" not in parsed.columns:
                values["case_type"] = record.get("case_type") or case_type_of(record["case_no"])
            for money in ("amount", "amount_recovered"):
                if values.get(money, 0) is None:
                    values[money] = Decimal("0.00")
            values["court_id"] = self.courts[court_code_of(record["case_no"])]
            if parsed.has("team"):
                values["team_id"] = self.teams.get((values["court_id"], record["team"])) if record["team"] else None
            if parsed.has("officer"):
                values["officer_id"] = self.officers.get(record["officer"]) if record["officer"] else None
            for role in _PARTY_ROLE:
                if role in values:
                    values[role] = values[role] or ()
            for column, (role, _) in _PARTY_DETAILS.items():
                if column in values:  # an empty cell: none of the names has one
                    values[column] = values[column] or (None,) * len(values.get(role, ()))
            return values
        values.pop("case_no", None)
        values["case_id"] = self.case_ids.get(record["case_no"])  # None: its new case was not written (problems)
        if name == "nodes":
            values["subject_id"] = record.get("subject_id") or ""
        elif name == "accounts" and values.get("expires_on") is None and "frozen_on" in values:
            values["expires_on"] = add_months(values["frozen_on"], 12)  # DOMAIN §5: default frozen_on + 1 year
        return values

    @staticmethod
    def _key(name: str, values: dict):
        if name == "cases":
            return values["case_no"]
        if name == "nodes":
            return (values["case_id"], values["node_code"], values["subject_id"])
        if name == "suspensions":
            return (values["case_id"], values["from_date"])
        return values[f"{name[:-1]}_id"]

    def _existing(self, parsed: Parsed) -> dict:
        """The database rows the sheet's keys match, by key (cases with their parties' names)."""
        name = parsed.sheet.name
        table = TABLES[name]
        if name == "cases":
            rows = self.lookup(
                lambda chunk: select(table).where(table.c.case_no.in_(chunk)),
                (r["case_no"] for _, r in parsed.records()),
            )
            found = {row["case_no"]: dict(row) for row in rows}
            stored: dict[tuple[int, str], list] = defaultdict(list)
            for party in self.lookup(
                lambda chunk: (
                    select(PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.name, PARTIES.c.id_number, PARTIES.c.phone)
                    .where(PARTIES.c.case_id.in_(chunk))
                    .order_by(PARTIES.c.case_id, PARTIES.c.role, PARTIES.c.position)
                ),
                (row["id"] for row in found.values()),
            ):
                stored[(party["case_id"], party["role"])].append(party)
            for row in found.values():
                for role, stored_role in _PARTY_ROLE.items():
                    row[role] = tuple(p["name"] for p in stored.get((row["id"], stored_role), ()))
                for column, (role, field_name) in _PARTY_DETAILS.items():
                    people = stored.get((row["id"], _PARTY_ROLE[role]), ())
                    row[column] = tuple(p[field_name] for p in people)
            return found
        if name in ("nodes", "suspensions"):
            case_ids = (self.case_ids[r["case_no"]] for _, r in parsed.records() if r["case_no"] in self.case_ids)
            rows = self.lookup(lambda chunk: select(table).where(table.c.case_id.in_(chunk)), case_ids)
        else:
            key = f"{name[:-1]}_id"
            rows = self.lookup(
                lambda chunk: select(table).where(table.c[key].in_(chunk)), (r[key] for _, r in parsed.records())
            )
        return {self._key(name, row): dict(row) for row in rows}

    def _load_refs(self) -> None:
        """The courts, teams and officers the database has."""
        conn = self.conn
        known = conn.execute(select(COURTS.c.code, COURTS.c.id, COURTS.c.name)).all()
        self.courts = {row.code: row.id for row in known}
        self.court_names = {row.code: row.name for row in known}
        #: the court name each court code was given in this file, and the row that gave it first
        self.named_here: dict[str, tuple[str, int]] = {}
        self.teams = {
            (row.court_id, row.name): row.id for row in conn.execute(select(TEAMS.c.court_id, TEAMS.c.name, TEAMS.c.id))
        }
        staff = conn.execute(
            select(OFFICERS.c.login, OFFICERS.c.name, OFFICERS.c.id).order_by(OFFICERS.c.active.desc(), OFFICERS.c.id)
        ).all()
        self.officers: dict[str, int] = {}
        for row in staff:  # an officer is named by login or by name; a login wins, then an active officer
            self.officers.setdefault(row.name, row.id)
        self.officers.update((row.login, row.id) for row in staff)
        self.logins = {row.login for row in staff}

    def _refs(self, parsed: Parsed) -> None:
        """Courts, teams and officers the chunk's cases name: matched, or created (and reported)."""
        conn, logins = self.conn, self.logins
        for number, record in parsed.records():
            code = court_code_of(record["case_no"])
            if record.get("court") and not self._court_named(parsed, number, code, record["court"]):
                continue
            if code not in self.courts:
                name = record.get("court") or self.court_name or code  # the file's court was checked with the cells
                if len(name) > COURTS.c.name.type.length:  # the configured court_name: the import will be rolled back
                    self.problems.append(
                        Problem(
                            parsed.sheet.name,
                            number,
                            "court",
                            Reason(
                                "court_name_too_long",
                                "the case names no court, and the configured court_name is {length} characters long; "
                                "the database holds at most {limit}",
                                length=len(name),
                                limit=COURTS.c.name.type.length,
                            ),
                        )
                    )
                    name = code
                self.courts[code] = conn.execute(
                    insert(COURTS).values(code=code, name=name).returning(COURTS.c.id)
                ).scalar_one()
                self.summary.created_courts.append(f"{code} {name}")
            court_id = self.courts[code]
            team = record.get("team")
            if team and (court_id, team) not in self.teams:
                self.teams[(court_id, team)] = conn.execute(
                    insert(TEAMS).values(court_id=court_id, name=team, track=record.get("track")).returning(TEAMS.c.id)
                ).scalar_one()
                self.summary.created_teams.append(team)
            officer = record.get("officer")
            if officer and officer not in self.officers:
                login, n = officer, 1  # a name fits a login: both are String(50)
                while login in logins:
                    n += 1
                    login = f"{officer[:45]}-{n}"
                logins.add(login)
                self.officers[officer] = conn.execute(
                    insert(OFFICERS)
                    .values(
                        login=login,
                        name=officer,
                        role="officer",
                        team_id=self.teams.get((court_id, team)) if team else None,
                        active=True,
                    )
                    .returning(OFFICERS.c.id)
                ).scalar_one()
                self.summary.created_officers.append(officer)

    def _write_parties(self, parties: list) -> None:
        if not parties:
            return
        replaced = [(case, _PARTY_ROLE[role]) for case, role, _, again in parties if again]
        # an applicant who opted out of the progress messages stays out when the file rewrites
        # the case's applicants (matched by name, as related cases match them)
        opted_out = set()
        for case_id, role in replaced:
            opted_out.update(
                (case_id, role, key)
                for key in self.conn.execute(
                    select(PARTIES.c.name_key).where(
                        PARTIES.c.case_id == case_id, PARTIES.c.role == role, PARTIES.c.notify_opt_out
                    )
                ).scalars()
            )
            self.conn.execute(delete(PARTIES).where(PARTIES.c.case_id == case_id, PARTIES.c.role == role))
        rows = [
            {
                "case_id": self.case_ids[case] if isinstance(case, str) else case,
                "role": _PARTY_ROLE[role],
                "position": position,
                "name": person["name"],
                "kind": "org" if is_organisation(person["name"]) else "person",
                "id_number": id_key(person.get("id_number")),
                "name_key": name_key(person["name"]),
                "phone": person.get("phone"),
                "notify_opt_out": (case, _PARTY_ROLE[role], name_key(person["name"])) in opted_out,
            }
            for case, role, people, _ in parties
            for position, person in enumerate(people)
        ]
        for chunk in _chunks(rows, WRITE_CHUNK):
            bulk_insert(self.conn, PARTIES, list(chunk))

    def _court_named(self, parsed: Parsed, number: int, code: str, name: str) -> bool:
        """Whether the row's 法院 agrees with what the file said of its court before (else a
        problem naming both rows); a name the database has otherwise is the court's new name
        (an existing court renamed, audited and said in the summary)."""
        first = self.named_here.setdefault(code, (name, number))
        if first[0] != name:
            self.problems.append(
                Problem(
                    parsed.sheet.name,
                    number,
                    "court",
                    Reason(
                        "court_named_twice",
                        "names the court {code} (of its 案号) {name!r}, but row {row} names it {other!r}",
                        code=code,
                        name=name,
                        row=first[1],
                        other=first[0],
                    ),
                )
            )
            return False
        old = self.court_names.get(code)
        if old is not None and old != name and len(name) <= COURTS.c.name.type.length:
            self.conn.execute(update(COURTS).where(COURTS.c.code == code).values(name=name))
            self.court_names[code] = name
            self.summary.renamed_courts.append(f"{code} {old} → {name}")
            self.audit.append(
                {
                    "at": self.now,
                    "actor": "import",
                    "action": "import.update",
                    "entity": "courts",
                    "entity_id": code,
                    "case_id": None,
                    "detail": {
                        "file": self.path.name,
                        "sheet": parsed.source,
                        "row": number,
                        "changes": {"name": [old, name]},
                    },
                }
            )
        return True

    # -- the audit log -----------------------------------------------------------------------------
    def _audit_update(self, name: str, parsed: Parsed, number: int, record: dict, old: dict, changes: dict) -> None:
        key = _key_text(tuple(record.get(k) or "" for k in parsed.sheet.key))
        self.audit.append(
            {
                "at": self.now,
                "actor": "import",
                "action": "import.update",
                "entity": name[:30],
                "entity_id": key[:64],
                "case_id": old["id"] if name == "cases" else old["case_id"],
                "detail": {
                    "file": self.path.name,
                    "sheet": parsed.source,
                    "row": number,
                    "changes": {col: [_logged(col, old.get(col)), _logged(col, new)] for col, new in changes.items()},
                },
            }
        )

    def _write_audit(self) -> None:
        if self.problems:
            return
        s = self.summary
        self.audit.append(
            {
                "at": self.now,
                "actor": "import",
                "action": "import",
                "entity": "file",
                "entity_id": self.path.name[:64],
                "case_id": None,
                "detail": {
                    "path": str(self.path),
                    "sheets": {k: v.as_json() for k, v in s.sheets.items()},
                    "created": {"courts": s.created_courts, "teams": s.created_teams, "officers": s.created_officers},
                    "renamed_courts": s.renamed_courts,
                },
            }
        )
        audit.record_many(self.conn, self.audit)


_PARTY_ROLE = {"applicants": "applicant", "debtors": "debtor"}
#: a party's details by column: (the column of the names they belong to, the parties table's column)
_PARTY_DETAILS = {
    "applicant_ids": ("applicants", "id_number"),
    "debtor_ids": ("debtors", "id_number"),
    "applicant_phones": ("applicants", "phone"),
}
_PARTY_COLUMNS = set(_PARTY_ROLE) | set(_PARTY_DETAILS)


def _party_changes(case: int | str, values: dict, old: dict, changes: dict, *, again: bool) -> list[tuple]:
    """``(case, role, people, again)`` for each role whose names or details the row changes (or,
    for a new case, sets), taken out of ``changes``.  A detail the file does not give is kept
    from the stored party of the same name."""
    found = []
    for role in _PARTY_ROLE:
        details = [column for column, (names, _) in _PARTY_DETAILS.items() if names == role]
        touched = [column for column in (role, *details) if column in changes]
        if not touched:
            continue
        given = {column: values[column] for column in (role, *details) if column in values}
        for column in touched:
            changes.pop(column)
        values = values | given  # ``changes`` may be ``values`` itself (a new case)
        names = values[role] if role in values else old.get(role, ())
        people = []
        for position, name in enumerate(names):
            person = {"name": name}
            for column in details:
                field_name = _PARTY_DETAILS[column][1]
                if column in values:
                    person[field_name] = values[column][position]
                else:
                    person[field_name] = next(
                        (v for n, v in zip(old.get(role, ()), old.get(column, ()), strict=False) if n == name), None
                    )
            people.append(person)
        found.append((case, role, tuple(people), again))
    return found


def _same(old, new) -> bool:
    if old is None or new is None:
        return old is None and new is None
    return old == new


def _with_defaults(table, values: dict) -> dict:
    """The columns' Python-side defaults, which a bulk insert does not apply by itself."""
    for column in table.c:
        default = column.default
        if column.name not in values and default is not None and default.is_scalar:
            values[column.name] = default.arg
    return values


def _same_columns(rows: Sequence[dict]) -> Iterator[list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(row)].append(row)
    return iter(groups.values())


def _logged(column: str, value):
    """A changed value as the audit log keeps it: ID numbers and phones masked (the log is kept
    for good, and read by whoever may read the database; the change itself is what it records)."""
    if column in _PARTY_DETAILS and value is not None:
        mask = mask_phone if column.endswith("phones") else mask_id_number
        return [mask(v) if v else None for v in value]
    return _json(value)


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return _show(value)
    if isinstance(value, tuple):
        return list(value)
    return value
