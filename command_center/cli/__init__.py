"""The ``command-center`` command line: the group and its helpers (:mod:`.group`), and one
module per family of commands, each registering its commands on the group when imported."""

from command_center.cli import (  # noqa: F401 - registers the commands
    alerts,
    brief,
    database,
    duty,
    imports,
    scheduler,
    serve,
    triage,
    users,
    wall,
)
from command_center.cli.group import cli, main

__all__ = ["cli", "main"]
