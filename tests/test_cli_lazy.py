"""``command-center --help`` imports no command: the index lists them, and says what they say."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from command_center.cli import cli
from command_center.cli.index import COMMANDS

HEAVY = ("sqlalchemy", "alembic", "holidays", "psycopg", "textual", "command_center.data", "command_center.jobs")

HELP_AND_MODULES = """
import sys
from command_center.cli import main
sys.argv = ["command-center", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print("MODULES", " ".join(sorted(sys.modules)))
"""


def _help_in_a_fresh_process(*args: str) -> tuple[str, set[str]]:
    env = os.environ | {"COLUMNS": "80"}
    result = subprocess.run([sys.executable, "-c", HELP_AND_MODULES, *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    text, _, modules = result.stdout.rpartition("MODULES ")
    return text, set(modules.split())


@pytest.mark.parametrize("args", [("--help",), ("-h",), ("--version",)])
def test_help_and_version_import_no_database_library_and_no_command(args):
    text, modules = _help_in_a_fresh_process(*args)
    heavy = sorted(m for m in modules if m.startswith(HEAVY))
    assert heavy == []
    assert not any(f"command_center.cli.{entry.module}" in modules for entry in COMMANDS.values())
    if args != ("--version",):
        listed = {line.split()[0] for line in text.split("Commands:")[1].splitlines() if line.strip()}
        assert listed == {name for name, entry in COMMANDS.items() if not entry.hidden}


def test_a_commands_own_help_imports_its_module():
    text, modules = _help_in_a_fresh_process("recompute", "--help")
    assert "--rebuild" in text
    assert "command_center.cli.alerts" in modules and "sqlalchemy" in modules


def _all_commands() -> dict[str, click.Command]:
    for module in {entry.module for entry in COMMANDS.values()}:
        importlib.import_module(f"command_center.cli.{module}")
    return dict(cli.commands)


def test_the_index_names_every_command_in_its_module():
    commands = _all_commands()
    assert set(commands) == set(COMMANDS)
    for name, command in commands.items():
        assert command.callback.__module__ == f"command_center.cli.{COMMANDS[name].module}", name
        assert command.hidden == COMMANDS[name].hidden, name


@pytest.mark.parametrize("limit", [30, 45, 60, 100, 300])
def test_the_index_lists_each_command_with_its_own_short_help(limit):
    for name, command in _all_commands().items():
        stand_in = click.Command(name, help=COMMANDS[name].help)
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), name


def test_the_listing_is_the_same_before_and_after_the_commands_are_imported():
    before, _ = _help_in_a_fresh_process("--help")  # no command imported (the test above); 80 columns,
    # of which click writes 78
    _all_commands()
    after = CliRunner().invoke(cli, ["--help"], prog_name="command-center", terminal_width=78).output
    assert "Commands:" in after
    assert before == after
