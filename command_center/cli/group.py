"""The ``command-center`` command line.

Every error the user can cause or meet (bad option, broken catalogue, unreachable
database…) is printed as one line and exits non-zero; no tracebacks unless
``COMMAND_CENTER_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys

import click
from rich.cells import cell_len
from sqlalchemy.exc import SQLAlchemyError

from command_center import __version__
from command_center.clock import Clock, TimeFormatError, parse_instant
from command_center.config import ConfigError, load_settings
from command_center.data import demo as demo_data
from command_center.data import engine as db_engine
from command_center.data.access import ActionRefused
from command_center.data.catalogue import CatalogueError
from command_center.data.workcal import CalendarError
from command_center.labels import CLI
from command_center.runtime import Runtime

USER_ERRORS = (
    ConfigError,
    CatalogueError,
    CalendarError,
    TimeFormatError,
    db_engine.DatabaseError,
    demo_data.DemoError,
    ActionRefused,
)
EXIT_INTERNAL = 70


class CommandCenterGroup(click.Group):
    """Turns the errors a user can meet into one clear line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except USER_ERRORS as exc:
            raise click.ClickException(_in_words(ctx, exc)) from None
        except SQLAlchemyError as exc:
            runtime = ctx.obj
            url = runtime.settings.db if isinstance(runtime, Runtime) else "the database"
            raise click.ClickException(db_engine.describe_connection_error(url, exc)) from None


def _in_words(ctx: click.Context, exc: Exception) -> str:
    """An error's one line in the command line's language where it has words for it (its
    ``key``), else its own (English) message."""
    runtime = ctx.find_object(Runtime)
    key = getattr(exc, "key", None)
    lang = runtime.lang if isinstance(runtime, Runtime) else "zh"
    template = CLI[lang].get(f"error_{key}") if key else None
    return template.format(**exc.values) if template else str(exc)


def runtime_of(ctx: click.Context) -> Runtime:
    return ctx.find_object(Runtime)


def _now_option(value: str | None) -> Clock | None:
    return Clock(parse_instant(value)) if value else None


@click.group(
    cls=CommandCenterGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    metavar="URL",
    help="Database URL (env COMMAND_CENTER_DB); default: an SQLite file in the user data directory.",
)
@click.option("--config", "config_path", metavar="FILE", help="Config file (TOML; env COMMAND_CENTER_CONFIG).")
@click.option(
    "--now", "now_text", metavar="ISO", help="Evaluate as of this instant, e.g. 2026-11-20T10:00 (Asia/Shanghai)."
)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of labels (default zh).")
@click.version_option(__version__, prog_name="command-center")
@click.pass_context
def cli(ctx: click.Context, db: str | None, config_path: str | None, now_text: str | None, lang: str | None) -> None:
    """执行指挥中心 command centre: the dashboard, and the commands that feed it.

    Without a command, opens the dashboard.
    """
    settings = load_settings({"db": db, "config_path": config_path, "lang": lang})
    runtime = Runtime.start(settings, _now_option(now_text))
    runtime.creates_database = settings.db == db_engine.default_db_url()
    ctx.obj = runtime
    ctx.call_on_close(runtime.close)
    if ctx.invoked_subcommand is None:
        from command_center.app import make_app  # textual is imported only for the screens

        database = runtime.database()  # fail with one line before the screen opens
        # embedded SQLite: the dashboard runs the scheduler itself, so one command is enough
        make_app(runtime, embedded_scheduler=database.dialect == "sqlite").run()


def pad(text: str, width: int) -> str:
    """Left-align by terminal cells, so Chinese labels line up."""
    return text + " " * max(1, width - cell_len(text))


def main() -> None:
    # whatever a command writes (the SQLite file, the message log, exports) holds personal
    # data: readable by its owner only (the product's own files are made so explicitly too)
    os.umask(0o077)
    try:
        cli.main(prog_name="command-center")
    except Exception as exc:
        if os.environ.get("COMMAND_CENTER_DEBUG"):
            raise
        click.echo(
            f"Error: internal error ({type(exc).__name__}: {exc}); run with COMMAND_CENTER_DEBUG=1 for details",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)
