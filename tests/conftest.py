"""Shared fixtures: every database test runs on SQLite and on a real PostgreSQL.

PostgreSQL: one throw-away database per run (per test process) is migrated once and used as a
template; each test gets its own copy (``CREATE DATABASE … TEMPLATE``), made ahead and dropped
afterwards in a thread of their own (:class:`Copies`), and everything is dropped at the end.
The server is ``COMMAND_CENTER_TEST_PG_URL`` (default: the local server, user postgres).
With ``CI=true`` an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import os
import queue
import signal
import sys
import threading
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from command_center.clock import Clock, parse_instant
from command_center.config import Settings
from command_center.data.engine import Database, make_engine, open_database, upgrade
from command_center.runtime import Runtime

PG_ADMIN_URL = os.environ.get("COMMAND_CENTER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NOW = parse_instant("2026-11-20T10:00")

_counter = itertools.count()


def _pg_connect(dbname: str | None = None, admin_url: str = PG_ADMIN_URL) -> psycopg.Connection:
    conninfo = psycopg.conninfo.conninfo_to_dict(admin_url)
    if dbname:
        conninfo["dbname"] = dbname
    return psycopg.connect(**conninfo, autocommit=True, connect_timeout=5)


def allow_connections(url: str, allowed: bool, *, cut: bool = False) -> None:
    """Open or close the PostgreSQL database of ``url`` to new connections (an outage, as the
    screens see it); ``cut`` also terminates the connections it has."""
    name = url.rsplit("/", 1)[1]
    with _pg_connect() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allowed else "false"}')
        if cut:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


#: a test still running after this long has hung (the slowest take a minute or two on a loaded
#: machine): it fails, naming what every thread and every asyncio task was waiting on, instead of
#: holding the run until CI's limit (``COMMAND_CENTER_TEST_HUNG_SECONDS`` to change it)
HUNG_SECONDS = float(os.environ.get("COMMAND_CENTER_TEST_HUNG_SECONDS", "600"))


class Hung(Exception):
    """A test that ran past :data:`HUNG_SECONDS`."""


def _stacks() -> str:
    """Where every thread is, and every pending asyncio task (a hang is often an await)."""
    parts = []
    frames = sys._current_frames()
    for thread in threading.enumerate():
        if (frame := frames.get(thread.ident)) is not None:
            parts.append(f"--- thread {thread.name}\n" + "".join(traceback.format_stack(frame)))
    try:  # every task of every loop: asyncio keeps them in a module-level weak set
        tasks = list(getattr(asyncio.tasks, "_all_tasks", None) or getattr(asyncio.tasks, "_scheduled_tasks", ()))
    except RuntimeError:  # changed while copied
        tasks = []
    for task in tasks:
        if not task.done():
            shown = io.StringIO()
            task.print_stack(file=shown)
            parts.append(f"--- task {task.get_name()}\n{shown.getvalue()}")
    return "\n".join(parts)


@pytest.fixture(autouse=True)
def _fails_if_hung(request) -> Iterator[None]:
    """SIGALRM after :data:`HUNG_SECONDS` raises :class:`Hung` in the test's thread (the main one,
    where a test waiting on its event loop sits in the selector, which the signal interrupts)."""

    def hung(_signum, _frame) -> None:
        raise Hung(f"{request.node.nodeid} still running after {HUNG_SECONDS:.0f} s; where it waits:\n{_stacks()}")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, HUNG_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


async def group_done(app, group: str) -> None:
    """Until the app's workers of ``group`` (a screen's reads: ``wall-poll``, ``brief``) are
    done.  Textual's ``wait_for_complete([])`` waits for *every* worker: once a read was already
    done, that was the wall's PostgreSQL listener too, which runs until its screen closes (a CI
    run hung on it for an hour with the database closed to connections)."""
    workers = [w for w in app.workers if w.group == group]
    if workers:
        await app.workers.wait_for_complete(workers)


def _pg_url(dbname: str, admin_url: str = PG_ADMIN_URL) -> str:
    conninfo = psycopg.conninfo.conninfo_to_dict(admin_url)
    user = conninfo.get("user", "postgres")
    password = f":{conninfo['password']}" if conninfo.get("password") else ""
    host = conninfo.get("host", "127.0.0.1")
    port = conninfo.get("port", "5432")
    return f"postgresql://{user}{password}@{host}:{port}/{dbname}"


def _drop(dbname: str, admin_url: str = PG_ADMIN_URL) -> None:
    with _pg_connect(admin_url=admin_url) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated throw-away database used as the template of each test's database."""
    try:
        _pg_connect().close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {str(exc).strip().splitlines()[0]}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    name = _create_migrated()
    yield name
    _drop(name)


def _create_migrated(admin_url: str = PG_ADMIN_URL) -> str:
    """A new database on the server of ``admin_url``, migrated: its name."""
    name = f"cc_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with _pg_connect(admin_url=admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(_pg_url(name, admin_url))
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return name


def _throwaway(pg_template: str, *, migrated: bool, admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    name = f"{pg_template}_{next(_counter)}"
    template = f' TEMPLATE "{pg_template}"' if migrated else ""
    with _pg_connect(admin_url=admin_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{template}')
    yield _pg_url(name, admin_url)
    _drop(name, admin_url)


class Copies:
    """Copies of the migrated template, made one ahead and dropped behind in a thread of their own.

    On PostgreSQL 15 a CREATE DATABASE writes the whole template (13 MB) to the WAL and a DROP
    DATABASE waits for a checkpoint: together about a second a test on a busy server, which the
    test need not wait for.  A copy made ahead is what a copy made at the start of the test would
    be: nothing connects to the template.  A failed copy fails the test that takes it; a failed
    drop fails the session's end (:meth:`close`)."""

    def __init__(self, template: str) -> None:
        self.template = template
        self._jobs: queue.Queue[str | None] = queue.Queue()  # "" makes a copy, a name drops it
        self._made: queue.Queue[str | BaseException] = queue.Queue()
        self._failed: list[str] = []
        self._worker = threading.Thread(target=self._work, name="pg-copies", daemon=True)
        self._worker.start()
        self._jobs.put("")

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if job:
                    _drop(job)
                else:
                    name = f"{self.template}_{next(_counter)}"
                    with _pg_connect() as admin:
                        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
                    self._made.put(name)
            except Exception as exc:  # noqa: BLE001 - handed to the test, or to close()
                if job:
                    self._failed.append(f"{job}: {exc}")
                else:
                    self._made.put(exc)

    def take(self) -> str:
        """A fresh copy (the name of its database); the next is made meanwhile."""
        made = self._made.get(timeout=120)
        self._jobs.put("")
        if isinstance(made, BaseException):
            raise made
        return made

    def drop(self, name: str) -> None:
        self._jobs.put(name)

    def close(self) -> None:
        """Drop the copy made ahead and wait for every drop."""
        self._jobs.put(None)
        self._worker.join()
        while not self._made.empty():
            if isinstance(spare := self._made.get(), str):
                _drop(spare)
        assert not self._failed, f"databases not dropped: {self._failed}"


@pytest.fixture(scope="session")
def pg_copies(pg_template: str) -> Iterator[Copies]:
    copies = Copies(pg_template)
    yield copies
    copies.close()


@pytest.fixture(autouse=True)
def every_notification(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every notification a test's app raises (``tests.test_drill.notes`` reads them):
    Textual drops a toast once its timeout (5 s) has passed, which a loaded machine can pass
    between the raising and the test's look."""
    from textual.app import App

    notify = App.notify

    def kept(self: App, message: str, *args, **kwargs) -> None:
        self.__dict__.setdefault("_every_note", []).append(str(message))
        notify(self, message, *args, **kwargs)

    monkeypatch.setattr(App, "notify", kept)


@pytest.fixture
def pg_url(pg_copies: Copies) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    name = pg_copies.take()
    yield _pg_url(name)
    pg_copies.drop(name)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cc.sqlite3'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh database URL on each backend (PostgreSQL already migrated, SQLite on first open)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url, migrate=True)
    yield database
    database.dispose()


@pytest.fixture
def runtime(db_url: str) -> Iterator[Runtime]:
    # the wall reads in its worker thread here, where a test can replace the read; the reader
    # process has tests of its own (test_wall_reader.py)
    rt = Runtime.start(Settings(db=db_url, wall_reader="thread"), Clock(NOW))
    yield rt
    rt.close()


@pytest.fixture
def empty_pg_url(pg_template: str) -> Iterator[str]:
    """A fresh PostgreSQL database with no schema at all."""
    yield from _throwaway(pg_template, migrated=False)
