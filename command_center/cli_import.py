"""The import commands: ``import`` (the interchange workbook) and ``export-template``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.cells import cell_len

from command_center.cli import _pad, _runtime, cli
from command_center.data.importer import ImportRejected, ImportSummary, import_file
from command_center.data.interchange import RECOGNISED_NAMES, SHEET_BY_NAME, Problem, write_template
from command_center.jobs.recompute import recompute

#: files with fewer rows than this import without a progress bar
PROGRESS_FROM_ROWS = 1_000
PHASES = {
    "zh": {"read": "读取校验", "write": "比对写入", "recompute": "重算受影响案件 …"},
    "en": {"read": "Reading and checking", "write": "Matching and writing", "recompute": "Recomputing the affected cases …"},
}


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
        label = PHASES[self.lang][name]
        if name == "read":
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
@click.pass_context
def import_command(ctx: click.Context, path: Path, dry_run: bool, as_json: bool) -> None:
    """Import a case-system export: an .xlsx workbook or a folder of .csv files (DOMAIN §5).

    Every cell is checked first; a file with any problem changes nothing and every problem
    is listed by sheet, row and column.  A valid file is applied in one transaction as an
    upsert by natural key, and the affected cases are recomputed.
    """
    runtime = _runtime(ctx)
    database = runtime.database()
    now = runtime.clock.now()
    bars = _Bars(runtime.lang)

    def recompute_cases(case_ids):
        return recompute(database, runtime.catalogue, runtime.calendar, now, cases=case_ids).as_dict()

    try:
        summary = import_file(database, runtime.catalogue, path, now, dry_run=dry_run, progress=bars,
                              recompute_with=recompute_cases, court_name=runtime.settings.court_name)
    except ImportRejected as rejected:
        bars.close()
        first = rejected.problems[0]
        if as_json:
            click.echo(json.dumps({"path": str(path), "problems": [p.as_json() for p in rejected.problems]}, ensure_ascii=False))
        elif len(rejected.problems) == 1 and first.sheet == str(path) and not first.row:  # the file itself: one line
            raise click.ClickException(f"{first}; 未导入任何数据 (数据库保持不变)" if runtime.lang == "zh"
                                       else f"{first}; nothing was imported (the database is unchanged)") from None
        else:
            for problem in rejected.problems:
                click.echo(describe_problem(problem, runtime.lang), err=True)
        count = len(rejected.problems)
        raise click.ClickException(f"{path}: {count} 处问题, 未导入任何数据 (数据库保持不变)" if runtime.lang == "zh"
                                   else f"{path}: {count} problem(s); nothing was imported (the database is unchanged)") from None
    except KeyboardInterrupt:
        bars.close()
        zh = runtime.lang == "zh"
        if bars.current == "recompute":  # the import was committed; the marks it left make the scheduler recompute
            message = ("已导入, 重算被中断: 调度器下次运行时会重算这些案件" if zh
                       else "imported; the recompute was interrupted: the scheduler's next run recomputes these cases")
        else:
            message = "已中断, 未导入任何数据 (数据库保持不变)" if zh else "interrupted; nothing was imported (the database is unchanged)"
        click.echo(f"{path}: {message}", err=True)
        ctx.exit(130)
    finally:
        bars.close()
    if as_json:
        click.echo(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        _print_summary(summary, runtime.lang)


def describe_problem(problem: Problem, lang: str) -> str:
    """``cases 表 第 3 行 立案日期 (filed_on): reason`` / ``cases row 3, column filed_on: reason``."""
    sheet = SHEET_BY_NAME.get(problem.sheet)
    if lang == "zh":
        where = f"{problem.sheet}" + (" 表" if sheet else "") + (f" 第 {problem.row} 行" if problem.row else "")
        if problem.column:
            zh = sheet.column(problem.column).zh if sheet and any(c.name == problem.column for c in sheet.columns) else ""
            where += f" {zh} ({problem.column})" if zh else f" {problem.column}"
        return f"{where}: {problem.reason}"
    return str(problem)


def _print_summary(summary: ImportSummary, lang: str) -> None:
    zh = lang == "zh"
    if summary.dry_run:
        click.echo(f"试运行 {summary.path}: 文件有效, 以下为将发生的变化, 未写入任何数据" if zh
                   else f"Dry run of {summary.path}: the file is valid; this is what would change (nothing was written)")
    else:
        click.echo(f"已导入 {summary.path} ({summary.seconds:.1f} 秒)" if zh else f"Imported {summary.path} in {summary.seconds:.1f} s")
    header = ("表", "读取", "新增", "更新", "未变") if zh else ("sheet", "read", "inserted", "updated", "unchanged")
    click.echo("  " + _pad(header[0], 14) + "".join(" " * (12 - cell_len(h)) + h for h in header[1:]))
    for name, counts in summary.sheets.items():
        click.echo(f"  {_pad(name, 14)}{counts.read:>12,}{counts.inserted:>12,}{counts.updated:>12,}{counts.unchanged:>12,}")
    created = [(label, items) for label, items in (
        ("法院" if zh else "courts", summary.created_courts), ("团队" if zh else "teams", summary.created_teams),
        ("承办人" if zh else "officers", summary.created_officers)) if items]
    for label, items in created:
        shown = "、".join(items[:10]) + (f" 等 {len(items)} 个" if zh and len(items) > 10 else f" and {len(items) - 10} more" if len(items) > 10 else "")
        click.echo(("  新建" if zh else "  created ") + f"{label}: {shown}")
    if summary.ignored:
        def note(i) -> str:
            hidden = (" (隐藏)" if zh else " (hidden)") if i.hidden else ""
            close = (f" (是否应为 {i.did_you_mean}?)" if zh else f" (did you mean {i.did_you_mean}?)") if i.did_you_mean else ""
            return i.name + hidden + close

        shown = ("、" if zh else ", ").join(note(i) for i in summary.ignored)
        click.echo(f"  未导入 (不是可识别的表名): {shown}" if zh else f"  ignored (not an interchange sheet): {shown}")
        click.echo(f"  可识别的表名: {RECOGNISED_NAMES}" if zh else f"  recognised sheet names: {RECOGNISED_NAMES}")
    if not summary.changed:
        click.echo("  无变化: 数据库已与文件一致" if zh else "  nothing changed: the database already matches the file")
        return
    if summary.dry_run:
        click.echo(f"  将影响 {summary.affected_cases:,} 个案件" if zh else f"  {summary.affected_cases:,} cases would be affected")
        return
    click.echo(f"  受影响案件 {summary.affected_cases:,} 个" if zh else f"  {summary.affected_cases:,} cases affected")
    r = summary.recompute
    if r:
        click.echo(f"  重算: 新增预警 {r['opened']}, 重开 {r['reopened']}, 解除 {r['resolved']}, 层级变化 {r['tier_changes']}, "
                   f"新节点 {r['nodes_written']}, 期限变化 {r['dues_changed']} ({r['seconds']:.2f} 秒)" if zh else
                   f"  recompute: alerts opened {r['opened']}, reopened {r['reopened']}, resolved {r['resolved']}, "
                   f"tier changes {r['tier_changes']}, nodes written {r['nodes_written']}, due dates changed {r['dues_changed']} "
                   f"in {r['seconds']:.2f} s")


@cli.command(name="export-template")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.pass_context
def export_template(ctx: click.Context, path: Path, force: bool) -> None:
    """Write an empty interchange workbook: every sheet, its headers (Chinese and English), one example row."""
    zh = _runtime(ctx).lang == "zh"
    if path.suffix.lower() != ".xlsx":
        raise click.ClickException(f"{path}: 模板须为 .xlsx 文件" if zh else f"{path}: the template must be an .xlsx file")
    if path.exists() and not force:
        raise click.ClickException(f"{path} 已存在; 用 --force 覆盖" if zh else f"{path} exists; use --force to overwrite it")
    if not path.parent.exists():
        raise click.ClickException(f"{path.parent}: 目录不存在" if zh else f"{path.parent}: no such folder")
    write_template(path)
    click.echo(f"已写入模板 {path} (必填列以 * 标记, 红色表头)" if zh else f"Template written to {path} (required columns are marked * in red)")
