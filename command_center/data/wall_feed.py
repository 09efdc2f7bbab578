"""The wall's feed: one reader of the database publishes the wall's figures to a private file
that every browser tab of ``command-center serve`` reads instead of the database.

A served wall runs one app process per browser tab; were each to poll, ten tabs would be ten
readers (and ten PostgreSQL listeners).  Instead :class:`WallFeed` reads
:func:`~command_center.data.wall.wall_data` every ``interval`` seconds (and, on PostgreSQL, at
each NOTIFY of the scheduler) and replaces the file atomically with a :class:`FeedState`:
the last figures read, the last read's error (the database is down: the tabs show the last
figures as stale) and a heartbeat, so a tab can tell a feed that stopped from one whose
figures did not change.

The heartbeat is ``time.monotonic()``, which is one clock for every process of the machine
(Linux's ``CLOCK_MONOTONIC``) and never jumps with the wall clock or ``--now``.  The file is
a pickle, made 0600 in a 0700 folder by the serve process and read by its own children only.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from command_center.data.engine import backend_name, listen_for_changes
from command_center.data.wall import WallData
from command_center.private import FILE_MODE, private_folder


@dataclass(frozen=True)
class FeedState:
    """What the feed file holds."""

    #: the last figures read (None: no read has succeeded yet)
    data: WallData | None
    #: the last read's error, its first line (None: ``data`` is current)
    error: str | None
    #: ``time.monotonic()`` when this state was written
    beat: float
    #: database reads made by the feed so far
    reads: int


def publish(path: Path, state: FeedState) -> None:
    """Replace the feed file with ``state`` at once: a reader sees the old state or the new one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)


def load(path: Path) -> FeedState | None:
    """The feed's state, or None while there is no feed file yet."""
    try:
        with open(path, "rb") as feed:
            return pickle.load(feed)  # our own 0600 file, written by the serve process
    except FileNotFoundError:
        return None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class WallFeed:
    """Reads the wall's figures in a thread of its own and publishes them to ``path``.

    ``read`` makes one read (it may raise: the error is published with the last figures);
    ``db_url``: on PostgreSQL, a second thread listens for the scheduler's NOTIFY and makes
    the feed read at once."""

    def __init__(self, path: Path, read: Callable[[], WallData], *, interval: float, db_url: str | None = None):
        self.path = Path(path)
        self.interval = interval
        self.db_url = db_url
        self.reads = 0
        self._read = read
        self._data: WallData | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        private_folder(self.path.parent)
        self._threads = [threading.Thread(target=self._run, name="wall-feed", daemon=True)]
        if self.db_url and backend_name(self.db_url) == "postgresql":
            self._threads.append(threading.Thread(target=self._listen, name="wall-feed-listen", daemon=True))
        for thread in self._threads:
            thread.start()

    def read_once(self) -> FeedState:
        """Read the database once and publish the result (the feed's thread calls it)."""
        error = None
        try:
            self._data = self._read()
        except Exception as exc:  # noqa: BLE001 - any failure is shown on the wall as stale figures, never a crash
            error = first_line(exc)
        self.reads += 1
        state = FeedState(self._data, error, time.monotonic(), self.reads)
        publish(self.path, state)
        return state

    def _run(self) -> None:
        while not self._stop.is_set():
            self.read_once()
            self._wake.wait(self.interval)
            self._wake.clear()

    def _listen(self) -> None:
        assert self.db_url is not None
        listen_for_changes(self.db_url, self._wake.set, self._stop)

    def stop(self) -> None:
        """Stop reading and remove the feed file (the tabs are stopped first)."""
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self.path.unlink(missing_ok=True)
