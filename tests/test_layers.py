"""data/ and jobs/ never import textual: they return plain data that any screen can show."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import command_center.data
import command_center.jobs

ROOT = Path(__file__).resolve().parent.parent

BLOCK_TEXTUAL = """
import importlib, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError("textual imported from " + sys.argv[1])
sys.meta_path.insert(0, Block())
for module in sys.argv[1:]:
    importlib.import_module(module)
from command_center.cli.index import COMMANDS
for entry in COMMANDS.values():  # the command modules, imported only when used
    importlib.import_module("command_center.cli." + entry.module)
"""


def test_data_and_jobs_do_not_import_textual():
    modules = [
        f"{package.__name__}.{info.name}"
        for package in (command_center.data, command_center.jobs)
        for info in pkgutil.iter_modules(package.__path__)
    ]
    assert {"command_center.data.indicators", "command_center.jobs.recompute"} <= set(modules)
    result = subprocess.run([sys.executable, "-c", BLOCK_TEXTUAL, *modules], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _tool(name: str) -> str:
    """A command installed beside the interpreter running the tests (the project's .venv)."""
    return str(Path(sys.executable).with_name(name))


def test_import_contracts_hold():
    """pyproject.toml's import-linter contracts: the layers, no Textual below the screens, no
    database driver in them."""
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_ruff_finds_nothing_and_the_code_is_formatted():
    """pyproject.toml's ruff rules (line length 120), and ruff's formatting, over the whole tree."""
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run([_tool("ruff"), *command], capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_imports_itself_back():
    """No import circle anywhere in the package (the CLI's modules once imported each other)."""
    import grimp

    graph = grimp.build_graph("command_center")
    circles = sorted(
        {
            tuple(sorted((module, imported)))
            for module in graph.modules
            for imported in graph.find_modules_directly_imported_by(module)
            if graph.chain_exists(importer=imported, imported=module)
        }
    )
    assert circles == []
