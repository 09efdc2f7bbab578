"""Snapshots of the overview, the red case list and the login, at the smallest size (120x35) and
the wall's (200x50), on a demo court as of a fixed instant (the wall, brief and case screen
have theirs beside their tests)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from command_center.app import make_app
from command_center.clock import Clock
from command_center.config import Settings
from command_center.data.demo import generate
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime
from tests.conftest import NOW

SIZES = [(120, 35), (200, 50)]
IDS = ["120x35", "200x50"]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    """The demo court, made once for the module: each test gets a copy of this file."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    rt = Runtime.start(Settings(db=f"sqlite:///{path}"), Clock(NOW))
    db = rt.database()
    generate(db, rt.catalogue, rt.calendar, cases=600, seed=5, now=NOW, court_name="示范人民法院")
    recompute(db, rt.catalogue, rt.calendar, NOW)
    rt.close()
    return path


@pytest.fixture
def demo_runtime(demo_file, tmp_path, monkeypatch):
    with closing(sqlite3.connect(demo_file)) as built, closing(sqlite3.connect(tmp_path / "demo.sqlite3")) as copy:
        built.backup(copy)
    monkeypatch.chdir(tmp_path)  # the screens show the database's URL: the same in every run
    rt = Runtime.start(Settings(db="sqlite:///demo.sqlite3"), Clock(NOW))
    yield rt
    rt.close()


async def _settled(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_overview_snapshot(demo_runtime, size, snap_compare):
    assert snap_compare(make_app(demo_runtime, ask_login=False), terminal_size=size, run_before=_settled)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_red_case_list_snapshot(demo_runtime, size, snap_compare):
    async def open_the_red_list(pilot) -> None:
        await _settled(pilot)
        await pilot.press("1")
        await _settled(pilot)

    assert snap_compare(make_app(demo_runtime, ask_login=False), terminal_size=size, run_before=open_the_red_list)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_login_snapshot(demo_runtime, size, snap_compare):
    from textual.widgets import Input

    async def still(pilot) -> None:
        await _settled(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor is drawn or not, by the clock
        await pilot.pause()

    assert snap_compare(make_app(demo_runtime), terminal_size=size, run_before=still)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_review_screen_snapshot(demo_runtime, size, snap_compare):
    from command_center.jobs import reviews as review_jobs

    db = demo_runtime.database()
    for job in (review_jobs.fund_sample, review_jobs.asset_inventory, review_jobs.closed_review):
        job(db, NOW)

    async def open_reviews(pilot) -> None:
        await _settled(pilot)
        await pilot.press("v")
        await _settled(pilot)

    assert snap_compare(make_app(demo_runtime, ask_login=False), terminal_size=size, run_before=open_reviews)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_my_queue_snapshot(demo_runtime, size, snap_compare):
    """我的待办 of the demo's officer o001, as after their login."""
    from command_center.data import access

    async def as_o001(pilot) -> None:
        from command_center.screens.queue import QueueScreen

        await _settled(pilot)
        pilot.app.actor = access.actor(demo_runtime.database(), "o001")
        await pilot.press("m")
        await _settled(pilot)
        # the queue mounts a table per section as its read comes back (a CI run caught the
        # sections' titles without their tables): until it has (its rows are kept), then one more
        # round for the tables' layout before the picture is taken
        for _ in range(50):
            if isinstance(pilot.app.screen, QueueScreen) and pilot.app.screen.rows:
                break
            await _settled(pilot)
        assert pilot.app.screen.rows, "the queue was read"
        await _settled(pilot)

    assert snap_compare(make_app(demo_runtime, ask_login=False), terminal_size=size, run_before=as_o001)


def test_every_snapshot_file_belongs_to_a_test():
    """syrupy fails a run that leaves a snapshot unused, but not under pytest-xdist (scripts/test's
    workers): a snapshot whose test was renamed, removed or lost a parameter is found here."""
    import importlib
    import itertools

    folder = Path(__file__).parent / "__snapshots__"
    tests = set()  # module/test[ids], as syrupy names the files
    for module_folder in folder.iterdir():
        module = importlib.import_module(f"tests.{module_folder.name}")
        for name, function in vars(module).items():
            if name.startswith("test_") and callable(function):
                marks = [m for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
                ids = [m.kwargs.get("ids") or [str(v) for v in m.args[1]] for m in marks]
                for combination in itertools.product(*ids):
                    tests.add(f"{module_folder.name}/{name}" + (f"[{'-'.join(combination)}]" if combination else ""))
    files = [path.relative_to(folder) for path in folder.glob("*/*.svg")]
    assert files and not [str(f) for f in files if str(f.with_suffix("")) not in tests]
