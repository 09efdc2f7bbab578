"""The wall's reader process: the same figures as a read in the thread, outages reported, a dead reader replaced."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import resource_tracker

import pytest
from textual.widgets import Static

from command_center.app import make_app
from command_center.clock import Clock
from command_center.config import ConfigError, Settings, load_settings
from command_center.data.demo import generate
from command_center.data.rules import Rules
from command_center.data.wall import wall_data
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime
from command_center.screens import wall_reader
from command_center.screens.wall_reader import ReadFailed, WallReader
from tests.conftest import NOW, allow_connections, group_done

READY_SECONDS = 120  # a spawned interpreter importing SQLAlchemy; generous for a loaded CI machine


def _court(url: str, cases: int = 200) -> Runtime:
    rt = Runtime.start(Settings(db=url), Clock(NOW))
    database = rt.database()
    generate(database, rt.catalogue, rt.calendar, cases=cases, seed=5, now=NOW, court_name="示范人民法院")
    recompute(database, rt.catalogue, rt.calendar, NOW)
    return rt


@contextmanager
def _reading(url: str, cases: int = 200):
    """A court and a wall reader on it, whose first read (made here) started its process."""
    rt = _court(url, cases)
    reader = WallReader(rt)
    try:
        yield rt, reader
    finally:
        reader.close()
        rt.close()


def _without_timing(data):
    return replace(data, seconds=0.0, database_seconds=0.0)


def _never_here(*args, **kwargs):
    raise AssertionError("read in the screen's process")


def test_the_reader_process_reads_what_the_thread_reads(db_url, monkeypatch):
    with _reading(db_url) as (rt, reader):
        first = reader.read(NOW)  # the first read is made here, then the process starts
        assert not reader.in_process
        reader._ready.result(timeout=READY_SECONDS)
        assert reader.in_process
        monkeypatch.setattr(wall_reader, "wall_data", _never_here)  # so this read can only come from the process
        second = reader.read(NOW)
        assert (
            _without_timing(second)
            == _without_timing(first)
            == _without_timing(wall_data(rt.database(), Rules.at(NOW, rt.catalogue, rt.calendar)))
        )
        assert second.lights["red"] and second.database_seconds > 0
        assert 0 < second.database_seconds <= second.seconds


def test_a_dead_reader_is_replaced_and_its_read_made_here(sqlite_url):
    with _reading(sqlite_url, cases=50) as (_, reader):
        expected = _without_timing(reader.read(NOW))
        reader._ready.result(timeout=READY_SECONDS)
        (pid,) = reader._pool._processes  # the one reader process
        os.kill(pid, signal.SIGKILL)
        assert _without_timing(reader.read(NOW)) == expected  # read here: nothing lost
        reader._ready.result(timeout=READY_SECONDS)  # a new reader was started
        assert reader.in_process and set(reader._pool._processes) != {pid}
        assert _without_timing(reader.read(NOW)) == expected


def test_the_reader_reports_an_outage_and_recovers(pg_url):
    with _reading(pg_url, cases=50) as (_, reader):
        try:
            expected = _without_timing(reader.read(NOW))
            reader._ready.result(timeout=READY_SECONDS)
            assert _without_timing(reader.read(NOW)) == expected  # the process holds its own connection now
            allow_connections(pg_url, False, cut=True)  # the database goes away: no new connection, the open ones cut
            with pytest.raises(ReadFailed) as failure:
                reader.read(NOW)
            assert "connection" in str(failure.value).lower() or "terminat" in str(failure.value).lower()
            assert reader.in_process  # a database error is not a dead reader
            allow_connections(pg_url, True)
            assert _without_timing(reader.read(NOW)) == expected
        finally:
            allow_connections(pg_url, True)


async def test_the_wall_refreshes_through_its_reader_process(sqlite_url, monkeypatch):
    rt = _court(sqlite_url)
    # the first process spawned from inside the app starts multiprocessing's resource tracker
    # (which once failed there: Textual's stderr has no descriptor), as in `command-center wall`
    resource_tracker._resource_tracker._stop()
    try:
        app = make_app(rt, start="wall", wall_interval=3600)
        async with app.run_test(size=(200, 50)) as pilot:
            await group_done(app, "wall-poll")
            screen = app.screen
            title = screen.query_one("#panel-red").border_title
            screen.reader._ready.result(timeout=READY_SECONDS)
            monkeypatch.setattr(wall_reader, "wall_data", _never_here)
            screen.load()
            await group_done(app, "wall-poll")
            await pilot.pause()
            assert not screen.query_one("#stale", Static).display
            assert screen.query_one("#panel-red").border_title == title
            await pilot.press("q")
        assert screen.reader._pool is None  # closed with the screen
    finally:
        rt.close()


def test_wall_reader_setting():
    assert load_settings({"db": "sqlite://"}, environ={}).wall_reader == "process"
    assert load_settings({"db": "sqlite://"}, environ={"COMMAND_CENTER_WALL_READER": "thread"}).wall_reader == "thread"
    with pytest.raises(ConfigError, match="wall_reader must be one of process, thread, not 'fork'"):
        load_settings({"db": "sqlite://"}, environ={"COMMAND_CENTER_WALL_READER": "fork"})


def test_a_reader_that_cannot_open_the_database_is_shut_down_and_given_up_after_three(sqlite_url, tmp_path):
    with _reading(sqlite_url, cases=50) as (rt, reader):
        # the reader processes load the catalogue from a file that is gone: their start fails
        rt.settings = replace(rt.settings, catalogue=tmp_path / "gone.csv")
        expected = _without_timing(reader.read(NOW))  # read here; the first reader starts
        for attempt in range(1, wall_reader.MAX_FAILED_STARTS + 1):
            pool, ready = reader._pool, reader._ready
            assert pool is not None
            with pytest.raises(BrokenProcessPool):  # its initializer raised
                ready.result(timeout=READY_SECONDS)
            assert _without_timing(reader.read(NOW)) == expected  # read here, the broken pool shut down
            assert pool._shutdown_thread and reader._pool is not pool
            assert (reader._pool is None) == (attempt == wall_reader.MAX_FAILED_STARTS)
        assert not reader.separate and not reader.in_process
        assert _without_timing(reader.read(NOW)) == expected and reader._pool is None
