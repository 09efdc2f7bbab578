"""The ``command-center`` command line.

Every error the user can cause or meet (bad option, broken catalogue, unreachable
database…) is printed as one line and exits non-zero; no tracebacks unless
``COMMAND_CENTER_DEBUG=1``.
"""

from __future__ import annotations

import importlib
import os
import sys
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click
from rich.cells import cell_len

from command_center import __version__
from command_center.cli.index import COMMANDS

if TYPE_CHECKING:
    from command_center.clock import Clock
    from command_center.runtime import Runtime

EXIT_INTERNAL = 70


def _user_errors() -> tuple[type[Exception], ...]:
    """The errors a user can cause or meet, each shown as one line. Imported when one is raised,
    not before: ``--help`` and ``--version`` import none of the modules they come from."""
    from command_center.clock import TimeFormatError
    from command_center.config import ConfigError
    from command_center.data import demo as demo_data
    from command_center.data import engine as db_engine
    from command_center.data.access import ActionRefused
    from command_center.data.catalogue import CatalogueError
    from command_center.data.courts import UnknownCourt
    from command_center.data.workcal import CalendarError

    return (
        ConfigError,
        CatalogueError,
        CalendarError,
        TimeFormatError,
        db_engine.DatabaseError,
        demo_data.DemoError,
        ActionRefused,
        UnknownCourt,
    )


class CommandCenterGroup(click.Group):
    """Turns the errors a user can meet into one clear line, and imports each command's module
    only when the command is used (:mod:`.index` lists them and their help for ``--help``)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            from sqlalchemy.exc import SQLAlchemyError

            from command_center.data import engine as db_engine
            from command_center.runtime import Runtime

            if isinstance(exc, _user_errors()):
                raise click.ClickException(_in_words(ctx, exc)) from None
            if isinstance(exc, SQLAlchemyError):
                runtime = ctx.obj
                url = runtime.settings.db if isinstance(runtime, Runtime) else "the database"
                raise click.ClickException(db_engine.describe_connection_error(url, exc)) from None
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            # the module registers its commands on this group as it is imported
            importlib.import_module(f"command_center.cli.{COMMANDS[cmd_name].module}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, with each command not yet imported stood in for by its index entry."""
        commands = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                entry = COMMANDS[name]
                command = click.Command(name, help=entry.help, hidden=entry.hidden)
            if not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _in_words(ctx: click.Context, exc: Exception) -> str:
    """An error's one line in the command line's language where it has words for it (its
    ``key``), else its own (English) message."""
    from command_center.labels import CLI
    from command_center.runtime import Runtime

    runtime = ctx.find_object(Runtime)
    key = getattr(exc, "key", None)
    lang = runtime.lang if isinstance(runtime, Runtime) else "zh"
    template = CLI[lang].get(f"error_{key}") if key else None
    return template.format(**exc.values) if template else str(exc)


def runtime_of(ctx: click.Context) -> Runtime:
    from command_center.runtime import Runtime

    return ctx.find_object(Runtime)


def _now_option(value: str | None) -> Clock | None:
    from command_center.clock import Clock, parse_instant

    return Clock(parse_instant(value)) if value is not None else None  # --now '' is no instant


@click.group(
    cls=CommandCenterGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option(
    "--db",
    metavar="URL",
    help="Database URL (env COMMAND_CENTER_DB); default: an SQLite file in the user data directory.",
)
@click.option(
    "--read-db",
    metavar="URL",
    help="A PostgreSQL streaming standby of --db that the read-only screens and commands read "
    "(env COMMAND_CENTER_READ_DB); default: they read --db.",
)
@click.option("--config", "config_path", metavar="FILE", help="Config file (TOML; env COMMAND_CENTER_CONFIG).")
@click.option(
    "--now", "now_text", metavar="ISO", help="Evaluate as of this instant, e.g. 2026-11-20T10:00 (Asia/Shanghai)."
)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of labels (default zh).")
@click.option(
    "--court",
    metavar="CODE",
    help="Only the courts whose code begins with CODE, e.g. 内0425 (one court) or 内04 (a 中院 and its courts);"
    " for indicators, alerts, brief, the dashboard, wall and serve.",
)
@click.version_option(__version__, prog_name="command-center")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    read_db: str | None,
    config_path: str | None,
    now_text: str | None,
    lang: str | None,
    court: str | None,
) -> None:
    """执行指挥中心 command centre: the dashboard, and the commands that feed it.

    Without a command, opens the dashboard.
    """
    from command_center.config import load_settings
    from command_center.data import engine as db_engine
    from command_center.runtime import Runtime

    settings = load_settings({"db": db, "read_db": read_db, "config_path": config_path, "lang": lang})
    runtime = Runtime.start(settings, _now_option(now_text))
    if now_text and ctx.invoked_subcommand in WRITE_AS_OF_NOW:
        _refuse_a_future_now(runtime.clock.now(), settings.lang, ctx.invoked_subcommand)
    runtime.creates_database = settings.db == db_engine.default_db_url()
    if court is not None:
        if ctx.invoked_subcommand not in COURT_COMMANDS:
            raise court_not_here(settings.lang, ctx.invoked_subcommand)
        runtime.court = court
    ctx.obj = runtime
    ctx.call_on_close(runtime.close)
    if ctx.invoked_subcommand is None:
        from command_center.app import make_app  # textual is imported only for the screens

        runtime.database()  # fail with one line before the screen opens
        runtime.courts()  # and with an unknown --court
        # embedded SQLite: the dashboard runs the scheduler itself, so one command is enough
        make_app(runtime, embedded_scheduler=runtime.database().dialect == "sqlite").run()


#: the commands that write what they work out as of ``--now`` (alerts, locks, messages, snapshots)
WRITE_AS_OF_NOW = ("recompute", "import", "scheduler", "outbox", "snapshot", "reviews")
#: how far ahead of the machine's clock ``--now`` may be for them (a clock a little behind)
FUTURE_NOW_SLACK = timedelta(days=1)


def _refuse_a_future_now(now: datetime, lang: str, command: str) -> None:
    """A writing command run as of a day that has not come (a typo in ``--now``: 2150 for 2015)
    would store that future: nodes started then, cases locked, messages held until then under the
    keys the real ones need.  Refused unless ``COMMAND_CENTER_FUTURE_NOW=1`` (on a copy, to see)."""
    from command_center.clock import real_now
    from command_center.labels import say

    clock = real_now()
    if now > clock + FUTURE_NOW_SLACK and os.environ.get("COMMAND_CENTER_FUTURE_NOW") != "1":
        raise click.UsageError(
            say(lang, "error_future_now", now=f"{now:%Y-%m-%d %H:%M}", clock=f"{clock:%Y-%m-%d %H:%M}", command=command)
        )


#: the commands ``--court`` scopes (None: the dashboard; the other commands do not take it yet)
COURT_COMMANDS = (None, "indicators", "alerts", "brief", "wall", "serve")


def court_not_here(lang: str, command: str | None) -> click.UsageError:
    """The refusal of ``--court`` where it does not apply (yet): a screen or another command."""
    from command_center.labels import say

    return click.UsageError(say(lang, "error_court_not_here", command=command or "command-center"))


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
