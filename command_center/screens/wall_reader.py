"""The wall's reads in a process of their own.

The wall refreshes while it renders.  A worker thread that reads the database shares the
GIL with the screen: on a 2-CPU terminal the reads of 100,000 cases took 80 ms alone, but
270 ms (PostgreSQL) and 170 ms (SQLite) of database time beside one busy thread, against
62 and 82 ms beside a busy *process*.  So the wall reads through one long-lived reader
process with its own connection, and gets back :class:`~command_center.data.wall.WallData`
(plain dataclasses).

* The process is spawned, never forked (the screen runs threads), after the first read,
  which the calling thread makes itself: the first paint does not wait for a new
  interpreter, and the reader never races the screen to create an SQLite file.
* A database error comes back as its message and is raised here as :class:`ReadFailed`:
  the screen shows the last figures as stale, and the next read tries again.
* If the process cannot start, or dies, the read falls back to the calling thread, and a
  new process is started for the read after; after ``MAX_FAILED_STARTS`` processes in a row
  that could not open the database, the reads stay in the calling thread.
* Each result carries its database time (inside the driver), measured where it was read.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime
from multiprocessing import resource_tracker
from pathlib import Path

from command_center.config import Settings
from command_center.data.courts import Scope
from command_center.data.engine import Database, DriverTime
from command_center.data.replica import replica_state
from command_center.data.rules import Rules
from command_center.data.wall import WallData, wall_data
from command_center.data.wall_feed import FeedState
from command_center.data.wall_feed import load as load_feed
from command_center.labels import WALL
from command_center.runtime import Runtime

#: reader processes in a row whose start failed (their initializer raised) before the wall
#: reads in its own thread for good: a new interpreter per refresh would cost more than the read
MAX_FAILED_STARTS = 3


#: list → (offset, limit): the part of each list a read asks for
Windows = Mapping[str, tuple[int, int]] | None


class ReadFailed(Exception):
    """The reader process could not read the database (the message is the driver's)."""


def timed_read(
    database: Database,
    clock: DriverTime,
    catalogue,
    calendar,
    now: datetime,
    windows: Windows = None,
    courts: Scope = None,
) -> WallData:
    # a standby's lag is measured first: the figures read after it are at least that fresh
    replica = replica_state(database) if database.read_only else None
    clock.take()
    data = wall_data(database, Rules.at(now, catalogue, calendar), windows=windows, courts=courts)
    return replace(data, database_seconds=clock.take(), replica=replica)


# -- in the reader process --------------------------------------------------------------------
@dataclass(frozen=True)
class _Failure:
    message: str


_reader: tuple | None = None


def _open(settings: Settings) -> None:
    global _reader
    runtime = Runtime.start(settings)
    database = runtime.read_database()  # the standby of read_db when there is one
    _reader = (database, DriverTime(database.engine), runtime.catalogue, runtime.calendar)


def _ping() -> bool:
    return True


def _read(now: datetime, windows: Windows = None, courts: Scope = None) -> WallData | _Failure:
    assert _reader is not None
    database, clock, catalogue, calendar = _reader
    try:
        return timed_read(database, clock, catalogue, calendar, now, windows, courts)
    except Exception as exc:  # noqa: BLE001 - sent back as text: a driver's exception may not unpickle
        return _Failure(str(exc).strip() or type(exc).__name__)  # the screen shows its first line


# -- in the screen's process --------------------------------------------------------------------
def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (which every spawn needs) with the real stderr.

    It hands ``sys.stderr.fileno()`` to its process, and while Textual runs, ``sys.stderr``
    is Textual's capture, whose ``fileno()`` is -1: the spawn failed with "bad value(s) in
    fds_to_keep".  The swap lasts only while the tracker starts, once per screen process."""
    saved = sys.stderr
    try:
        if sys.__stderr__ is not None:
            sys.stderr = sys.__stderr__
        resource_tracker.ensure_running()
    finally:
        sys.stderr = saved


class WallReader:
    """Reads :class:`WallData` for the wall, in the reader process once it is up (see the module)."""

    #: it reads the window of each list the wall asks for (the wall pages through long lists)
    reads_windows = True

    def __init__(self, runtime: Runtime, *, separate: bool = True) -> None:
        self.runtime = runtime
        self.separate = separate
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future | None = None
        self._clock: DriverTime | None = None
        self._lock = threading.Lock()
        self._failed_starts = 0

    @property
    def in_process(self) -> bool:
        """Whether the next read goes to the reader process."""
        ready = self._ready
        return ready is not None and ready.done() and ready.exception() is None

    def read(self, now: datetime, windows: Windows = None, courts: Scope = None) -> WallData:
        """The wall's figures as of ``now``, each list's window of ``windows``, of the cases of
        ``courts`` (None: every court; see :func:`~command_center.data.wall.wall_data`);
        blocks (call it from a worker thread)."""
        with self._lock:  # one read at a time, whichever thread asks
            self._drop_failed_start()
            if self.in_process:
                assert self._pool is not None
                try:
                    outcome = self._pool.submit(_read, now, windows, courts).result()
                except BrokenProcessPool:  # the reader died: read here, start another for the next read
                    self._stop()
                else:
                    self._failed_starts = 0
                    if isinstance(outcome, _Failure):
                        raise ReadFailed(outcome.message)
                    return outcome
            data = self._read_here(now, windows, courts)
            if self.separate and self._pool is None:
                self._start()
            return data

    def _drop_failed_start(self) -> None:
        """Shut down a pool whose process never started (its initializer raised, e.g. the
        database was away): this read is made here, and a new process is started after it."""
        ready = self._ready
        if ready is None or not ready.done() or ready.exception() is None:
            return
        self._stop()
        self._failed_starts += 1
        if self._failed_starts >= MAX_FAILED_STARTS:
            self.separate = False

    def _read_here(self, now: datetime, windows: Windows = None, courts: Scope = None) -> WallData:
        rt = self.runtime
        database = rt.read_database()
        if self._clock is None:
            self._clock = DriverTime(database.engine)
        return timed_read(database, self._clock, rt.catalogue, rt.calendar, now, windows, courts)

    def _start(self) -> None:
        settings = self.runtime.settings
        try:
            _start_resource_tracker()
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_open, initargs=(settings,)
            )
            self._ready = self._pool.submit(_ping)  # starts the process; reads go there once it answered
        except (OSError, ValueError):  # no process can be started here: keep reading in the thread
            self.separate = False
            self._pool = self._ready = None

    def _stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._ready = None

    def close(self) -> None:
        with self._lock:
            self._stop()


class FeedReader:
    """Reads the wall's figures from ``command-center serve``'s feed (:mod:`command_center.data.wall_feed`)
    instead of the database: each browser tab's wall reads this file, one process reads the database.

    A read while the feed file is unchanged returns the very object of the last read (the
    screen then has nothing to redraw), so a tab can look every second at the cost of a
    ``stat``.  A feed whose heartbeat is older than ``stale_after`` seconds, or that
    published an error, fails the read with :class:`ReadFailed`: the wall keeps its last
    figures under the red stale banner."""

    def __init__(self, path: Path, *, stale_after: float, lang: str = "zh") -> None:
        self.path = Path(path)
        self.stale_after = stale_after
        self.lang = lang
        self._seen: tuple[int, int, int] | None = None
        self._state: FeedState | None = None

    #: the feed publishes the first window of each list for every tab: a tab pages within it
    reads_windows = False

    def read(self, now: datetime, windows: Windows = None, courts: Scope = None) -> WallData:
        """The feed's figures (read as of the serve process's clock: ``now`` is not used, nor
        ``windows``: every tab shows the same first window of each list, nor ``courts``: the
        serve process reads the courts of its ``--court``)."""
        words = WALL[self.lang]
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            raise ReadFailed(words["feed_missing"]) from None
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if seen != self._seen:
            self._state = load_feed(self.path)
            self._seen = seen
        state = self._state
        if state is None:
            raise ReadFailed(words["feed_missing"])
        age = time.monotonic() - state.beat
        if age > self.stale_after:
            raise ReadFailed(words["feed_stopped"].format(seconds=f"{age:,.0f}"))
        if state.error is not None or state.data is None:
            raise ReadFailed(state.error or words["feed_missing"])
        return state.data

    def close(self) -> None:
        pass
