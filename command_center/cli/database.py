"""Setting a database up: ``demo``, ``db upgrade|status`` and the working-day ``calendar``."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import func, select

from command_center.cli.group import cli, pad, runtime_of
from command_center.clock import parse_instant
from command_center.data import demo as demo_data
from command_center.data import engine as db_engine
from command_center.data.tables import CASES
from command_center.labels import WEEKDAYS, YEAR_SOURCES, columns, say


@cli.command()
@click.option(
    "--cases", default=5000, show_default=True, type=click.IntRange(1, 5_000_000), help="Number of cases to generate."
)
@click.option(
    "--seed", default=20261120, show_default=True, help="Random seed: the same seed and --now give the same data."
)
@click.option("--now", "now_text", metavar="ISO", help="Generate as of this instant (overrides the global --now).")
@click.option("--reset", is_flag=True, help="Drop every table of this database first (demo databases only!).")
@click.option("--yes", is_flag=True, help="Do not ask before --reset on PostgreSQL.")
@click.option("--force", is_flag=True, help="Let --reset wipe a database that holds more than a demo court.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already holds cases.")
@click.pass_context
def demo(
    ctx: click.Context, cases: int, seed: int, now_text: str | None, reset: bool, yes: bool, force: bool, if_empty: bool
) -> None:
    """Fill the database with a realistic, deterministic demo court."""
    runtime = runtime_of(ctx)
    now = parse_instant(now_text) if now_text else runtime.clock.now()
    database = runtime.database(create=True)
    if reset:
        reason = demo_data.not_only_demo(database)
        if reason and not force:
            raise click.ClickException(
                f"{database.display_url} is not a demo database: {reason}. "
                "`demo --reset --force` wipes it all the same, audit log included"
            )
        if database.dialect == "postgresql" and not yes:
            click.confirm(f"Drop every table of the shared database {database.display_url}?", abort=True, err=True)
        db_engine.reset(database.engine)
    if if_empty:
        with database.engine.connect() as conn:
            existing = conn.execute(select(func.count()).select_from(CASES)).scalar_one()
        if existing:
            click.echo(f"{database.display_url} already holds {existing} cases; nothing generated.")
            return
    with click.progressbar(length=cases, label=say(runtime.lang, "generating_demo"), file=sys.stderr) as bar:
        summary = demo_data.generate(
            database,
            runtime.catalogue,
            runtime.calendar,
            cases=cases,
            seed=seed,
            now=now,
            court_name=runtime.settings.court_name,
            progress=bar.update,
        )
    click.echo(
        say(
            runtime.lang,
            "demo_done",
            cases=summary.cases,
            open=summary.open_cases,
            nodes=summary.nodes,
            funds=summary.funds,
            assets=summary.assets,
            accounts=summary.accounts,
            leads=summary.leads,
            officers=summary.officers,
            teams=summary.teams,
            now=f"{now:%Y-%m-%d %H:%M}",
            url=database.display_url,
            seconds=summary.seconds,
            rate=summary.cases / summary.seconds if summary.seconds else 0,
        )
    )


@cli.group()
def db() -> None:
    """Database schema commands."""


@db.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Migrate the database (e.g. a shared PostgreSQL) to this version's schema."""
    runtime = runtime_of(ctx)
    with db_engine.engine_for(runtime.settings.db) as engine:
        before, after = db_engine.upgrade(engine)
    url = db_engine.display_url(runtime.settings.db)
    if before == after:
        click.echo(say(runtime.lang, "db_current", url=url, after=after))
    else:
        before = before or say(runtime.lang, "db_empty")
        click.echo(say(runtime.lang, "db_migrated", url=url, before=before, after=after))


@db.command()
@click.argument("role")
@click.pass_context
def grant(ctx: click.Context, role: str) -> None:
    """PostgreSQL, as the owner: give ROLE (the terminals' and schedulers' login) what it needs,
    the audit log INSERT and SELECT only. Again after each upgrade."""
    runtime = runtime_of(ctx)
    with db_engine.engine_for(runtime.settings.db) as engine:
        statements = db_engine.grant_app_role(engine, role)
    for statement in statements:
        click.echo(statement)
    click.echo(say(runtime.lang, "granted", role=role))


@db.command()
@click.pass_context
def status(ctx: click.Context) -> None:
    """Show the database's schema revision."""
    runtime = runtime_of(ctx)
    with db_engine.engine_for(runtime.settings.db) as engine:
        current = db_engine.current_revision(engine)
    head = db_engine.head_revision()
    lang = runtime.lang
    click.echo(
        say(
            lang,
            "db_status",
            url=db_engine.display_url(runtime.settings.db),
            current=current or say(lang, "db_empty"),
            head=head,
            state=say(lang, "db_up_to_date" if current == head else "db_needs_upgrade"),
        )
    )


@cli.command(name="calendar")
@click.option("--year", type=int, help="List that year's rest days and working days that differ from Monday–Friday.")
@click.option("--from", "first", type=int, help="First year to show (default: two years ago).")
@click.option("--to", "last", type=int, help="Last year to show (default: two years ahead).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def calendar_command(ctx: click.Context, year: int | None, first: int | None, last: int | None, as_json: bool) -> None:
    """Which years are official, provisional or overridden, and their special days."""
    runtime = runtime_of(ctx)
    cal, lang = runtime.calendar, runtime.lang
    if year is not None:
        days = cal.special_days(year)
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "year": year,
                        "source": cal.year_source(year).value,
                        "days": [{"date": d.isoformat(), "kind": kind} for d, kind in days],
                    },
                    ensure_ascii=False,
                )
            )
            return
        info = cal.year_info(year)
        click.echo(f"{year}: {YEAR_SOURCES[lang][info.source.value]}")
        for day, kind in days:
            weekday = WEEKDAYS[lang][day.weekday()]
            label = say(lang, "rest_day" if kind == "rest" else "work_day")
            provisional = say(lang, "provisional") if cal.is_provisional(day) else ""
            click.echo(f"  {day.isoformat()} {weekday}  {label}{provisional}")
        return
    this_year = runtime.clock.today().year
    years = set(range(first or this_year - 2, (last or this_year + 2) + 1)) | {
        y for y in cal.overrides.years if (first is None or y >= first) and (last is None or y <= last)
    }
    infos = [cal.year_info(y) for y in sorted(years)]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "overrides": str(cal.overrides.path) if cal.overrides.path else None,
                    "years": [
                        {
                            "year": i.year,
                            "source": i.source.value,
                            "provisional": i.provisional,
                            "overridden": i.overridden,
                            "extra_rest_days": i.extra_rest_days,
                            "extra_work_days": i.extra_work_days,
                        }
                        for i in infos
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    header = columns(lang, "calendar_header")
    click.echo(f"{pad(header[0], 6)}{pad(header[1], 14)}{header[2]}")
    for info in infos:
        source = YEAR_SOURCES[lang][info.source.value]
        extra = ""
        if info.extra_rest_days or info.extra_work_days:
            extra = say(lang, "calendar_extra", rest=info.extra_rest_days, work=info.extra_work_days)
        click.echo(f"{info.year:<6}{pad(source, 14)}{extra}".rstrip())
    path = cal.overrides.path
    click.echo(say(lang, "overrides_file", path=path) if path else say(lang, "no_overrides_file"))
    if any(i.provisional for i in infos):
        click.echo(say(lang, "provisional_note"))
