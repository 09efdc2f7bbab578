"""``command-center wall``: the wall display (大屏)."""

from __future__ import annotations

import click

from command_center.cli.group import cli, runtime_of
from command_center.data import engine as db_engine


@cli.command()
@click.option("--interval", type=click.IntRange(1, 3600), help="Seconds between refreshes (default: wall_seconds, 10).")
@click.option(
    "--lang", "wall_lang", type=click.Choice(["zh", "en"]), help="Language of the labels (same as the global --lang)."
)
@click.pass_context
def wall(ctx: click.Context, interval: int | None, wall_lang: str | None) -> None:
    """The wall display (大屏): scrolling indicators and the red/yellow/blue panels, no keys needed."""
    from dataclasses import replace

    from command_center.app import make_app

    runtime = runtime_of(ctx)
    if wall_lang:
        runtime.settings = replace(runtime.settings, lang=wall_lang)
    try:
        runtime.read_database()  # a wrong URL or schema fails with one line before the screen opens
        runtime.courts()  # and an unknown --court
    except db_engine.DatabaseUnreachable:
        pass  # a PostgreSQL server not up yet: the wall opens under its red banner and keeps trying
    make_app(
        runtime,
        embedded_scheduler=db_engine.backend_name(runtime.settings.db) == "sqlite",
        start="wall",
        wall_interval=interval or runtime.settings.wall_seconds,
    ).run()
