"""The import commands: ``import`` (the interchange workbook) and ``export-template``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.cells import cell_len

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.importer import ImportRejected, ImportSummary
from command_center.data.interchange import (
    NO_MAPPING,
    RECOGNISED_NAMES,
    SHEET_BY_NAME,
    ExportMapping,
    Problem,
    plain,
    write_template,
)
from command_center.data.mapping import MappingError, load_mapping
from command_center.jobs.imports import import_and_recompute
from command_center.labels import columns, import_reason, say

#: files with fewer rows than this import without a progress bar
PROGRESS_FROM_ROWS = 1_000


class _Bars:
    """One click progress bar per phase on stderr, for files with many rows."""

    def __init__(self, lang: str):
        self.lang = lang
        self.bar = None
        self.large = False
        self.current = ""  # the phase under way ("recompute" only after the commit)

    def phase(self, name: str, total: int) -> None:
        self.close()
        self.current = name
        label = say(self.lang, f"phase_{name}")
        if name in ("read", "import"):
            self.large = total >= PROGRESS_FROM_ROWS
        if not self.large:
            return
        if total:
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        else:
            click.echo(label, err=True)

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command(name="import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable summary (or list of problems).")
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="The court's mapping file: its sheet names, headers and words (default: the import_mapping setting).",
)
@click.pass_context
def import_command(ctx: click.Context, path: Path, dry_run: bool, as_json: bool, mapping: Path | None) -> None:
    """Import a case-system export: an .xlsx workbook or a folder of .csv files (DOMAIN §5).

    Every cell is checked first; a file with any problem changes nothing and every problem
    is listed by sheet, row and column.  A valid file is applied in one transaction as an
    upsert by natural key, and the affected cases are recomputed.
    """
    runtime = runtime_of(ctx)
    words = court_mapping(mapping or runtime.settings.import_mapping, runtime.lang)
    database = runtime.database(create=True)
    now = runtime.clock.now()
    bars = _Bars(runtime.lang)

    try:
        summary = import_and_recompute(
            database,
            runtime.catalogue,
            runtime.calendar,
            path,
            now,
            dry_run=dry_run,
            progress=bars,
            court_name=runtime.settings.court_name,
            mapping=words,
        )
    except ImportRejected as rejected:
        bars.close()
        first = rejected.problems[0]
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "path": str(path),
                        "problems": [p.as_json() for p in rejected.problems],
                        "ignored_sheets": [i.as_json() for i in rejected.ignored],
                    },
                    ensure_ascii=False,
                )
            )
        elif len(rejected.problems) == 1 and first.sheet == str(path) and not first.row:  # the file itself: one line
            problem = describe_problem(first, runtime.lang)
            raise click.ClickException(say(runtime.lang, "file_rejected", problem=problem)) from None
        else:
            for problem in rejected.problems:
                click.echo(describe_problem(problem, runtime.lang), err=True)
            if rejected.ignored:
                click.echo(_ignored_lines(rejected.ignored, runtime.lang), err=True)
        raise click.ClickException(
            say(runtime.lang, "import_rejected", path=path, count=len(rejected.problems))
        ) from None
    except KeyboardInterrupt:
        bars.close()
        # after the commit, the marks the import left make the scheduler recompute
        message = say(runtime.lang, "import_interrupted_after" if bars.current == "recompute" else "import_interrupted")
        click.echo(f"{path}: {message}", err=True)
        ctx.exit(130)
    except Exception as exc:
        if bars.current != "recompute":
            raise
        # the import committed; its recompute failed (the connection lost, the disk full…): say
        # both, or the user re-runs the import and is told that nothing changed
        bars.close()
        from command_center.data.engine import describe_connection_error

        error = describe_connection_error(runtime.settings.db, exc)
        click.echo(f"{path}: {say(runtime.lang, 'import_recompute_failed', error=error)}", err=True)
        ctx.exit(1)
    finally:
        bars.close()
    if as_json:
        click.echo(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        _print_summary(summary, runtime.lang)


def describe_problem(problem: Problem, lang: str) -> str:
    """``cases 表 第 3 行 立案日期 (filed_on): reason`` / ``cases row 3, column filed_on: reason``."""
    sheet = SHEET_BY_NAME.get(problem.sheet)
    if lang == "zh":  # the file's own sheet title and header first, where it has its own words
        csv_file = problem.title.lower().endswith(".csv")
        where = (
            f"{problem.title or problem.sheet}"
            + (say(lang, "problem_sheet") if sheet and not csv_file else "")
            + (say(lang, "problem_row", row=problem.row) if problem.row else "")
        )
        if problem.column:
            zh = (
                sheet.column(problem.column).zh
                if sheet and any(c.name == problem.column for c in sheet.columns)
                else ""
            )
            if problem.header and plain(problem.header) != plain(zh):  # 执行案号 (案号, case_no)
                where += f" {problem.header} ({zh + ', ' if zh else ''}{problem.column})"
            else:
                where += f" {zh} ({problem.column})" if zh else f" {problem.column}"
        return f"{where}: {import_reason(lang, problem.reason)}"
    return str(problem)


def _print_summary(summary: ImportSummary, lang: str) -> None:
    if summary.dry_run:
        click.echo(say(lang, "dry_run", path=summary.path))
    else:
        click.echo(say(lang, "imported", path=summary.path, seconds=summary.seconds))
    header = columns(lang, "import_header")
    click.echo("  " + pad(header[0], 14) + "".join(" " * (12 - cell_len(h)) + h for h in header[1:]))
    for name, counts in summary.sheets.items():
        click.echo(
            f"  {pad(name, 14)}{counts.read:>12,}{counts.inserted:>12,}{counts.updated:>12,}{counts.unchanged:>12,}"
        )
    for what, items in (
        ("courts", summary.created_courts),
        ("teams", summary.created_teams),
        ("officers", summary.created_officers),
    ):
        if items:
            more = len(items) if lang == "zh" else len(items) - 10  # 等 N 个 counts them all; "and N more" the rest
            shown = "、".join(items[:10]) + (say(lang, "and_more", count=more) if len(items) > 10 else "")
            click.echo(say(lang, "created", what=say(lang, what), items=shown))
    if summary.renamed_courts:
        click.echo(say(lang, "renamed_courts", items=say(lang, "list_sep").join(summary.renamed_courts)))
    if summary.ignored:
        click.echo(_ignored_lines(summary.ignored, lang))
    for name, counts in summary.sheets.items():
        if counts.ignored_columns:
            click.echo(_ignored_columns(name, counts.ignored_columns, lang))
        if counts.units:
            read_in = [say(lang, "in_unit", header=header, unit=unit) for header, unit in counts.units]
            click.echo(say(lang, "units", sheet=name, columns=say(lang, "list_sep").join(read_in)))
        if counts.skipped_rows:
            rows = [
                say(lang, "skipped_row", row=row, text=text if len(text) <= 40 else text[:39] + "…")
                for row, text in counts.skipped_rows
            ]
            click.echo(say(lang, "skipped_rows", sheet=name, count=len(rows), rows=say(lang, "list_sep").join(rows)))
    if not summary.changed:
        click.echo(say(lang, "unchanged"))
        return
    if summary.dry_run:
        click.echo(say(lang, "would_affect", count=summary.affected_cases))
        return
    click.echo(say(lang, "affected", count=summary.affected_cases))
    if summary.recompute:
        click.echo(say(lang, "import_recompute", **summary.recompute))


def court_mapping(path: Path | None, lang: str) -> ExportMapping:
    """The court's mapping file, checked (every key at fault named), or none."""
    if path is None:
        return NO_MAPPING
    try:
        return load_mapping(path)
    except MappingError as exc:
        for problem in exc.problems:
            click.echo(f"{exc.path}: {import_reason(lang, problem)}", err=True)
        raise click.ClickException(say(lang, "mapping_rejected", path=exc.path, count=len(exc.problems))) from None


#: the ignored headers named in a sheet's line at most
IGNORED_COLUMNS_SHOWN = 12


def _ignored_columns(sheet: str, ignored: list[tuple[str, str | None]], lang: str) -> str:
    """``  cases: 未导入的列 …: 被执行人姓名 (是否应为 debtors?)、备注``: a court's header the import
    does not know is said, so a column it meant is mapped once instead of silently missing."""
    zh = {c.name: c.zh for c in SHEET_BY_NAME[sheet].columns}

    def guess(column: str) -> str:
        return f"{zh[column]} ({column})" if lang == "zh" else f"{column} ({zh[column]})"

    shown = [header + (say(lang, "did_you_mean", name=guess(column)) if column else "") for header, column in ignored]
    more = say(lang, "and_more", count=len(shown) - IGNORED_COLUMNS_SHOWN) if len(shown) > IGNORED_COLUMNS_SHOWN else ""
    return say(
        lang, "ignored_columns", sheet=sheet, columns=say(lang, "list_sep").join(shown[:IGNORED_COLUMNS_SHOWN]) + more
    )


def _ignored_lines(ignored: list, lang: str) -> str:
    def note(sheet) -> str:
        hidden = say(lang, "sheet_hidden") if sheet.hidden else ""
        close = say(lang, "did_you_mean", name=sheet.did_you_mean) if sheet.did_you_mean else ""
        return sheet.name + hidden + close

    sep = say(lang, "list_sep")
    empty = [i.name for i in ignored if i.empty]
    others = [i for i in ignored if not i.empty]
    lines = [say(lang, "empty_sheets", sheets=sep.join(empty))] if empty else []
    if others:
        lines += [
            say(lang, "ignored_sheets", sheets=sep.join(note(i) for i in others)),
            say(lang, "recognised_sheets", names=RECOGNISED_NAMES),
        ]
    return "\n".join(lines)


@cli.command(name="export-template")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    help="Write it in the court's words: the sheet names and headers of this mapping file.",
)
@click.pass_context
def export_template(ctx: click.Context, path: Path, force: bool, mapping: Path | None) -> None:
    """Write an empty interchange workbook: every sheet, its headers (Chinese and English), one example row."""
    runtime = runtime_of(ctx)
    lang = runtime.lang
    words = court_mapping(mapping or runtime.settings.import_mapping, lang)
    if path.suffix.lower() != ".xlsx":
        raise click.ClickException(say(lang, "template_not_xlsx", path=path))
    if path.exists() and not force:
        raise click.ClickException(say(lang, "file_exists", path=path))
    if not path.parent.exists():
        raise click.ClickException(say(lang, "no_folder", path=path.parent))
    write_template(path, words)
    click.echo(say(lang, "template_written", path=path))
