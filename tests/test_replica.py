"""Reading from a replica (``read_db``): a real streaming standby of a real PostgreSQL primary.

The primary and its standby are made once per module, servers of the module's own on free
ports of 127.0.0.1, in temporary folders, run as the ``postgres`` OS user (PostgreSQL refuses to
run as root): ``initdb`` of the primary, ``pg_basebackup -R`` of it for the standby.  Not a copy
of the shared test server: a base backup copies a whole cluster, whatever other databases it
holds (gigabytes of benchmarks on a developer's machine), and the other test processes of
``scripts/test`` would create and drop databases on it meanwhile.  A physical standby replays
the whole cluster, so the throw-away database a test writes on the primary appears on the
standby by itself.  Only the server's programs are needed (``COMMAND_CENTER_TEST_PG_BIN``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import insert, select

from command_center.clock import Clock
from command_center.config import ConfigError, Settings, load_settings
from command_center.data import models as m
from command_center.data.demo import generate
from command_center.data.engine import (
    DatabaseError,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    upgrade,
)
from command_center.data.replica import replica_state
from command_center.data.rules import Rules
from command_center.data.wall import wall_data
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime
from command_center.screens.wall_reader import WallReader
from tests.conftest import IN_CI, NOW, _create_migrated, _throwaway

#: ``scripts/test`` runs the suite in several workers (pytest-xdist): this module's tests stay in
#: one of them, so that one primary and its standby serve them all
pytestmark = pytest.mark.xdist_group("standby")
PG_BIN = Path(os.environ.get("COMMAND_CENTER_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message + " (CI=true: the replica tests must run)", pytrace=False)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: how the tools run: as the ``postgres`` OS user when we are root (PostgreSQL will not run as
#: root), without this process's environment: no libfaketime (CI's second pass runs the suite a
#: year ahead; servers a year ahead would report a year of lag, as the shared test server, a
#: service of the machine, does not); stdin is opened here (/dev/null may be root's only on the
#: test machines, and pg_ctl's shell opens it); in / (this folder may be closed to that user)
AS_POSTGRES: dict[str, object] = (
    {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
)
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def _run(*command: str | Path, timeout: float = 60, as_postgres: bool = True) -> None:
    done = subprocess.run(
        [str(word) for word in command],
        env=CLEAN_ENV,
        stdin=subprocess.DEVNULL,
        cwd="/",
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **(AS_POSTGRES if as_postgres else {}),
    )
    if done.returncode:
        raise AssertionError(f"{Path(str(command[0])).name} failed ({done.returncode}): {done.stderr.strip()}")


def _initdb(data: Path) -> None:
    """A new cluster in ``data``.  initdb sends its server's output to /dev/null, which some test
    machines let only root write: there, as root, it runs in a mount namespace of its own, where a
    null device that the ``postgres`` user may write is bound over /dev/null."""
    command: list[str | Path] = [PG_BIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-N"]
    command += ["-E", "UTF8", "--locale=C.UTF-8"]  # as Debian's clusters
    if not AS_POSTGRES or os.stat("/dev/null").st_mode & 0o006 == 0o006:
        _run(*command)
        return
    null = data.parent / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    null.chmod(0o666)  # past the umask
    as_postgres = 'mount --bind "$0" /dev/null && exec setpriv --reuid=postgres --regid=postgres --clear-groups "$@"'
    _run("unshare", "--mount", "sh", "-c", as_postgres, null, *command, as_postgres=False)


def _folder(prefix: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    return folder


def _start(data: Path, port: int, *, standby: bool) -> subprocess.Popen:
    """Configure the server in ``data`` (the same settings for both: a hot standby needs some at
    least as high as its primary's) and start it; returns once it takes connections."""
    folder = data.parent
    conf = [
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{folder}'",
        "shared_buffers = '32MB'",
        "fsync = off",
    ]
    files = {
        "postgresql.conf": "\n".join(conf) + "\n",
        "pg_hba.conf": "local all all trust\n"
        "host all all 127.0.0.1/32 trust\n"
        "host replication all 127.0.0.1/32 trust\n",
        "pg_ident.conf": "",
    }
    for name, text in files.items():
        (data / name).write_text(text, encoding="utf-8")
        if os.geteuid() == 0:
            shutil.chown(data / name, "postgres", "postgres")
    log = folder / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [str(PG_BIN / "postgres"), "-D", str(data)],
            env=CLEAN_ENV,
            stdin=subprocess.DEVNULL,
            cwd="/",
            stdout=output,
            stderr=subprocess.STDOUT,
            **AS_POSTGRES,
        )
    try:
        _started(server, port, log, standby, time.monotonic() + 40)
    except BaseException:
        _stop(server)
        raise
    return server


def _started(server: subprocess.Popen, port: int, log: Path, standby: bool, deadline: float) -> None:
    """Wait (until ``deadline``) for the server to accept connections, as a hot standby if ``standby``."""
    what = "the standby" if standby else "the primary"
    while True:
        if server.poll() is not None:
            raise AssertionError(f"{what} stopped ({server.returncode}): {log.read_text(errors='replace')[-2000:]}")
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2
            ) as c:
                if c.execute("SELECT pg_is_in_recovery()").fetchone()[0] == standby:
                    return
        except psycopg.OperationalError:
            pass  # starting up
        assert time.monotonic() < deadline, f"{what} did not start: {log.read_text(errors='replace')[-2000:]}"
        time.sleep(0.2)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGQUIT)  # immediate shutdown: a throw-away server
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def primary() -> Iterator[tuple[str, str]]:
    """The standby's primary, a server of its own: yields its admin URL and a migrated template
    database on it (the template of :func:`primary_url`, as ``pg_template`` is of ``pg_url``)."""
    for program in ("initdb", "postgres", "pg_basebackup"):
        if not (PG_BIN / program).is_file():
            _unavailable(f"no {program} in {PG_BIN} (COMMAND_CENTER_TEST_PG_BIN names another folder)")
    folder = _folder("cc-primary-")
    data, port = folder / "data", _free_port()
    server: subprocess.Popen | None = None
    try:
        _initdb(data)
        server = _start(data, port, standby=False)
        admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        yield admin_url, _create_migrated(admin_url)
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def primary_url(primary: tuple[str, str]) -> Iterator[str]:
    """A fresh, migrated database on the primary, for one test."""
    admin_url, template = primary
    yield from _throwaway(template, migrated=True, admin_url=admin_url)


@pytest.fixture
def empty_primary_url(primary: tuple[str, str]) -> Iterator[str]:
    """A fresh database with no schema at all on the primary."""
    admin_url, template = primary
    yield from _throwaway(template, migrated=False, admin_url=admin_url)


@pytest.fixture(scope="module")
def standby(primary: tuple[str, str]) -> Iterator[Callable[[str], str]]:
    """A streaming hot standby of the primary; yields primary URL → the same database's URL on it."""
    primary_port = psycopg.conninfo.conninfo_to_dict(primary[0])["port"]
    folder = _folder("cc-standby-")
    data, port = folder / "data", _free_port()
    server: subprocess.Popen | None = None
    try:
        _run(
            PG_BIN / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", primary_port, "-U", "postgres", "-D", data),
            *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync", "-w"),
        )
        server = _start(data, port, standby=True)
        yield lambda url: url.replace(f"@127.0.0.1:{primary_port}/", f"@127.0.0.1:{port}/", 1)
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(folder, ignore_errors=True)


def _until(deadline: float, read: Callable[[], object], good: Callable[[object], bool]) -> object:
    """``read()`` again until ``good`` says yes, or fail at ``deadline`` (``time.monotonic()``):
    errors on the way (the database not replayed yet) are retried."""
    last: object = None
    while True:
        try:
            last = read()
        except DatabaseError as exc:
            last = exc
        else:
            if good(last):
                return last
        assert time.monotonic() < deadline, f"the standby did not show it in time; last read: {last!r}"
        time.sleep(0.1)


def _runtime(primary_url: str, standby_url: str) -> Runtime:
    settings = Settings(db=primary_url, read_db=standby_url, wall_reader="thread", wall_seconds=10)
    return Runtime.start(settings, Clock(NOW))


def test_a_wall_on_the_standby_shows_what_the_primary_wrote_within_its_interval(standby, primary_url):
    runtime = _runtime(primary_url, standby(primary_url))
    reader = WallReader(runtime, separate=False)  # the wall's own reader, in this thread
    try:
        # the throw-away database (created on the primary from the migrated template) reaches the standby
        deadline = time.monotonic() + 30
        empty = _until(deadline, lambda: reader.read(NOW), lambda data: True)
        assert empty.indicators.cases == 0
        read_db = runtime.read_database()
        assert read_db.read_only and read_db.url != runtime.database().url

        primary = runtime.database()
        generate(primary, runtime.catalogue, runtime.calendar, cases=120, seed=5, now=NOW, court_name="示范人民法院")
        recompute(primary, runtime.catalogue, runtime.calendar, NOW)
        written = wall_data(primary, Rules.at(NOW, runtime.catalogue, runtime.calendar))
        assert written.indicators.cases == 120 and written.indicators.lights.red

        # the wall reading the standby shows the primary's figures within one refresh interval
        deadline = time.monotonic() + runtime.settings.wall_seconds
        shown = _until(deadline, lambda: reader.read(NOW), lambda data: data.indicators == written.indicators)
        assert [c.case_no for c in shown.lights["red"]] == [c.case_no for c in written.lights["red"]]
        assert replica_state(primary) is None  # the primary is no standby: no lag to show
        assert shown.replica is not None and shown.replica.lag_seconds is not None
        # an idle primary: the last replayed commit gets older, the standby is up to date all the same
        caught = _until(deadline + 10, lambda: reader.read(NOW), lambda data: data.replica.caught_up)
        assert caught.replica.lag_seconds == 0 and caught.replica.age(caught.replica.measured) == 0
    finally:
        reader.close()
        runtime.close()


def test_the_read_database_is_never_written_nor_migrated(standby, primary_url, empty_primary_url):
    runtime = _runtime(primary_url, standby(primary_url))
    try:
        read_db = _until(time.monotonic() + 30, runtime.read_database, lambda db: True)
        # a write through the read database is refused by the server, and nothing changes
        with pytest.raises(Exception, match="read-only transaction"):
            with read_db.engine.begin() as conn:
                conn.execute(insert(m.Court.__table__).values(code="内0499", name="写不进的法院"))
        with pytest.raises(DatabaseError, match="read only") as refused:
            upgrade(read_db.engine)
        assert refused.value.key == "read_only"
        # `db upgrade --db <the standby>`: a standby refuses it as cleanly
        plain = make_engine(standby(primary_url))
        try:
            with pytest.raises(DatabaseError, match="run it on the primary"):
                upgrade(plain, "base")
        finally:
            plain.dispose()
        # the writes go to the primary
        assert not runtime.database().read_only
        with runtime.database().engine.connect() as conn:
            assert conn.execute(select(m.Court.__table__.c.code)).all() == []

        # a read database without this version's schema is an error naming it, not a migration
        standby_of_empty = standby(empty_primary_url)

        def refusal() -> DatabaseError:
            try:
                open_database(standby_of_empty, read_only=True)
            except DatabaseError as exc:  # "does not exist" until the standby has replayed its creation
                return exc
            pytest.fail("a read database without the schema was opened")

        old = _until(time.monotonic() + 30, refusal, lambda exc: exc.key == "read_old_schema")
        assert "db upgrade` on the primary" in str(old) and head_revision() in str(old) and "is empty" in str(old)
        primary_engine = make_engine(empty_primary_url)
        try:
            assert current_revision(primary_engine) is None
        finally:
            primary_engine.dispose()
    finally:
        runtime.close()


def test_read_db_is_a_postgresql_standby_of_a_postgresql_db(tmp_path):
    pg = "postgresql://cc@db.court.local/command_center"
    standby_url = "postgresql://cc@standby.court.local/command_center"
    settings = load_settings({"db": pg}, {"COMMAND_CENTER_READ_DB": standby_url})
    assert settings.read_db == standby_url
    assert load_settings({"db": pg}, {"COMMAND_CENTER_READ_DB": ""}).read_db is None
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{pg}"\nread_db = "{standby_url}"\n', encoding="utf-8")
    assert load_settings({"config_path": str(config)}, {}).read_db == standby_url
    assert load_settings({"config_path": str(config), "read_db": pg}, {}).read_db == pg  # --read-db wins
    with pytest.raises(ConfigError, match="read_db must be a PostgreSQL URL"):
        load_settings({"db": pg, "read_db": f"sqlite:///{tmp_path / 'copy.sqlite3'}"}, {})
    with pytest.raises(ConfigError, match="db is not PostgreSQL"):
        load_settings({"db": f"sqlite:///{tmp_path / 'cc.sqlite3'}", "read_db": standby_url}, {})
    with pytest.raises(ConfigError, match="read_db: 'postgresql://cc:\\*\\*\\*@standby:x/cc' is not a database URL"):
        load_settings({"db": pg, "read_db": "postgresql://cc:secret@standby:x/cc"}, {})


def test_without_read_db_the_reads_use_the_database(db_url):
    runtime = Runtime.start(Settings(db=db_url), Clock(NOW))
    try:
        assert runtime.read_database() is runtime.database() and not runtime.reads_replica
    finally:
        runtime.close()


async def test_the_wall_on_a_standby_says_how_old_its_data_is_and_refreshes_on_its_interval(standby, primary_url):
    from dataclasses import replace

    from textual.widgets import Static

    from command_center.app import make_app
    from tests.test_wall import polled

    runtime = _runtime(primary_url, standby(primary_url))
    runtime.settings = replace(runtime.settings, lang="en")
    try:
        _until(time.monotonic() + 30, runtime.read_database, lambda db: True)
        app = make_app(runtime, start="wall", wall_interval=3600)
        async with app.run_test(size=(220, 50)) as pilot:
            await polled(app)
            await pilot.pause()
            screen = app.screen
            assert screen.error is None and screen._shown.replica is not None
            title = str(screen.query_one("#titlebar", Static).render())
            assert " s old (replica " in title  # caught up, or behind by its lag
            # no NOTIFY reaches a standby: no listener, the interval refreshes it
            assert not [worker for worker in app.workers if worker.group == "wall-listen"]
            await pilot.press("q")
    finally:
        runtime.close()


def test_the_age_of_a_standby_s_data_counts_its_lag():
    from command_center.data.replica import ReplicaState

    behind = ReplicaState(caught_up=False, lag_seconds=5.0, measured=100.0)
    assert behind.age(103.0) == 8.0
    assert ReplicaState(caught_up=True, lag_seconds=0.0, measured=100.0).age(112.5) == 12.5
    assert ReplicaState(caught_up=False, lag_seconds=None, measured=100.0).age(101.0) is None


def test_the_commands_read_the_standby_and_a_standby_refuses_db_upgrade(standby, primary_url):
    import json

    from click.testing import CliRunner

    from command_center.cli.group import cli

    standby_url = standby(primary_url)
    runtime = Runtime.start(Settings(db=primary_url), Clock(NOW))
    try:
        primary = runtime.database()
        generate(primary, runtime.catalogue, runtime.calendar, cases=60, seed=7, now=NOW, court_name="示范人民法院")
        recompute(primary, runtime.catalogue, runtime.calendar, NOW)
        written = wall_data(primary, Rules.at(NOW, runtime.catalogue, runtime.calendar)).indicators.as_json()
    finally:
        runtime.close()
    # the primary unreachable by these commands' reads: the figures can only come from the standby
    away = primary_url.rsplit("/", 1)[0] + "/no_such_primary"

    def indicators_on_the_standby() -> dict:
        result = CliRunner().invoke(
            cli, ["--db", away, "--read-db", standby_url, "--now", NOW.isoformat(), "indicators", "--json"], env={}
        )
        return json.loads(result.output) if result.exit_code == 0 else {"error": result.output}

    shown = _until(time.monotonic() + 10, indicators_on_the_standby, lambda figures: figures == written)
    assert shown["cases"] == 60
    refused = CliRunner().invoke(cli, ["--db", standby_url, "--lang", "en", "db", "upgrade"], env={})
    assert refused.exit_code == 1
    assert "it is read only (a standby, or the read database): run it on the primary" in refused.output
