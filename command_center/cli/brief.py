"""``command-center brief`` (the morning brief: screen, --json, --export) and ``snapshot --backfill``."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import click

from command_center.cli.group import cli, pad, runtime_of
from command_center.data.brief import Period, brief, trends, write_snapshots
from command_center.data.courts import covering_code, snapshot_scope
from command_center.data.workcal import local_date
from command_center.labels import say


def _period(ctx: click.Context, start: date | None, end: date | None, today: date) -> Period:
    end = end or today
    start = start or date(end.year, 1, 1)
    if end > today:
        raise click.BadParameter(f"{end} is after today ({today})", ctx=ctx, param_hint="--to")
    if start > end:
        raise click.BadParameter(f"{start} is after the period's end {end}", ctx=ctx, param_hint="--from")
    return Period(start, end)


@cli.command(name="brief")
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day of the period (default: 1 January)."
)
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day of the period (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON instead of opening the screen.")
@click.option(
    "--export",
    "export_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the brief to FILE.xlsx (one sheet per section) or FILE.md (printable).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing export file.")
@click.pass_context
def brief_command(ctx: click.Context, start, end, as_json: bool, export_path: Path | None, force: bool) -> None:
    """The morning brief (晨会): quality indicators beside their targets, trends, teams."""
    runtime = runtime_of(ctx)
    now = runtime.clock.now()
    period = _period(ctx, start and start.date(), end and end.date(), local_date(now))
    if not as_json and export_path is None:
        from command_center.app import make_app

        runtime.courts()  # an unknown --court fails with one line before the screen opens
        make_app(runtime, start="brief", period=period if start or end else None).run()  # else p switches it
        return
    if export_path is not None:
        if export_path.suffix.lower() not in (".xlsx", ".md"):
            raise click.BadParameter("the export is an .xlsx or a .md file", ctx=ctx, param_hint="--export")
        if export_path.exists() and not force:
            raise click.ClickException(f"{export_path} exists (use --force to overwrite it)")
        if not export_path.parent.is_dir():
            raise click.ClickException(f"{export_path.parent} is not a folder")
    courts = runtime.courts()
    db = runtime.read_database()
    settings = runtime.settings
    data = brief(
        db,
        runtime.rules(now),
        period=period,
        targets=settings.court_targets(covering_code(db, courts)),
        courts=courts,
        targets_of=settings.court_targets,
    )
    if export_path is not None:
        from command_center.brief_export import export

        drawn = trends(db, local_date(now), scope=snapshot_scope(db, courts))
        export(data, export_path, now, drawn)
        click.echo(say(runtime.lang, "wrote", path=export_path))
    if as_json:
        click.echo(json.dumps(data.as_json(), ensure_ascii=False))


@cli.command(name="snapshot")
@click.option(
    "--backfill",
    "days",
    type=click.IntRange(1, 3660),
    default=1,
    show_default=True,
    help="Write the daily snapshots of the last DAYS days (today included) from the case history.",
)
@click.pass_context
def snapshot_command(ctx: click.Context, days: int) -> None:
    """Write the brief's daily snapshots (what the scheduler does each night), back-filling DAYS days."""
    runtime = runtime_of(ctx)
    now = runtime.clock.now()
    today = local_date(now)
    database = runtime.database()
    lang = runtime.lang
    written = 0
    with click.progressbar(range(days - 1, -1, -1), label=say(lang, "snapshots"), show_pos=True) as bar:
        for back in bar:
            written += write_snapshots(database, runtime.catalogue, runtime.calendar, today - timedelta(days=back), now)
    first = today - timedelta(days=days - 1)
    click.echo(f"{pad(say(lang, 'snapshots'), 6)}{first} – {today}: {written:,} {say(lang, 'snapshot_values')}")


@cli.command(name="reviews")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable: each list, its items and their marks.")
@click.pass_context
def reviews_command(ctx: click.Context, as_json: bool) -> None:
    """评查: the latest fund sample, seized-items inventory and closed-case list, each item's
    mark (合格 / 不合格, on the 评查 screen, key v of the overview) and the lists' progress."""
    from command_center.data.reviews import latest_lists
    from command_center.labels import REVIEWS, review_progress

    runtime = runtime_of(ctx)
    lists = latest_lists(runtime.database())
    if as_json:
        click.echo(json.dumps([r.as_json() for r in lists], ensure_ascii=False))
        return
    t = REVIEWS[runtime.lang]
    if not lists:
        click.echo(t["none"])
    for found in lists:
        click.echo(review_progress(runtime.lang, found))
        for item in found.items:
            result = t[item.result] if item.result else t["unmarked"]
            extra = f"  {item.note}" if item.note else ""
            if item.rectification:
                extra += "  " + (t["rectified"] if item.rectified else t["rectifying"].format(id=item.rectification))
            click.echo(f"  {pad(item.key, 14)}{pad(item.case_no, 24)}{pad(result, 8)}{extra}")
