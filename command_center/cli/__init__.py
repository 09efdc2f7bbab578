"""The ``command-center`` command line: the group and its helpers (:mod:`.group`), the index of
its commands (:mod:`.index`), and one module per family of commands, each registering its
commands on the group when the group first needs one of them (so ``--help`` imports none)."""

from command_center.cli.group import cli, main

__all__ = ["cli", "main"]
