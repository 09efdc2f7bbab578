"""Reading from a replica (``read_db``): a real streaming standby of the test server.

The standby is made once per module: ``pg_basebackup -R`` of the test server into a temporary
folder, started on a free port as the ``postgres`` OS user (PostgreSQL refuses to run as root).
A physical standby replicates the whole cluster, so the throw-away database a test writes on the
primary appears on the standby by itself.  The server must accept replication connections from
127.0.0.1: where its ``pg_hba.conf`` has no ``replication`` line and is a file of this machine
we may write (the local test server, in CI too), the fixture adds one (``host replication all
127.0.0.1/32 trust``, like the server's own ``host all all 127.0.0.1/32 trust``) and reloads it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
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
from tests.conftest import IN_CI, NOW, PG_ADMIN_URL, _pg_connect

PG_BIN = Path(os.environ.get("COMMAND_CENTER_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
REPLICATION_RULE = "host replication all 127.0.0.1/32 trust  # command-center tests: pg_basebackup of a standby"
#: the servers' settings a hot standby needs at least as high as its primary's
STANDBY_MINIMUMS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message + " (CI=true: the replica tests must run)", pytrace=False)
    pytest.skip(message)


def _allow_replication(admin: psycopg.Connection) -> None:
    """Make sure the primary takes replication connections from 127.0.0.1 (see the module)."""
    if admin.execute("SHOW wal_level").fetchone()[0] == "minimal":
        _unavailable("the test server has wal_level = minimal: no standby can follow it")
    ruled = admin.execute(
        "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND error IS NULL"
    ).fetchone()[0]
    if ruled:
        return
    hba = Path(admin.execute("SHOW hba_file").fetchone()[0])
    if not os.access(hba, os.W_OK):
        _unavailable(f"the test server's {hba} allows no replication connection: add the line {REPLICATION_RULE!r}")
    with hba.open("a", encoding="utf-8") as rules:
        rules.write(f"\n{REPLICATION_RULE}\n")
    admin.execute("SELECT pg_reload_conf()")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: how the tools run: as the ``postgres`` OS user when we are root (PostgreSQL will not run as
#: root), without this process's environment: no libfaketime (CI's second pass runs the suite a
#: year ahead; a standby a year ahead of its primary would report a year of lag); stdin is
#: opened here (/dev/null may be root's only on the test machines, and pg_ctl's shell opens it)
AS_POSTGRES: dict[str, object] = (
    {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
)
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def _run(*command: str | Path, timeout: float = 60) -> None:
    done = subprocess.run(
        [str(word) for word in command],
        env=CLEAN_ENV,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **AS_POSTGRES,
    )
    if done.returncode:
        raise AssertionError(f"{Path(str(command[0])).name} failed ({done.returncode}): {done.stderr.strip()}")


def _started(server: subprocess.Popen, port: int, log: Path, deadline: float) -> None:
    """Wait (until ``deadline``) for the standby to accept connections as a hot standby."""
    while True:
        if server.poll() is not None:
            raise AssertionError(
                f"the standby stopped ({server.returncode}): {log.read_text(errors='replace')[-2000:]}"
            )
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2
            ) as c:
                if c.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass  # starting up
        assert time.monotonic() < deadline, f"the standby did not start: {log.read_text(errors='replace')[-2000:]}"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def standby() -> Iterator[Callable[[str], str]]:
    """A streaming hot standby of the test server; yields primary URL → the same database's URL on it."""
    if not (PG_BIN / "pg_basebackup").is_file():
        _unavailable(f"no pg_basebackup in {PG_BIN} (COMMAND_CENTER_TEST_PG_BIN names another folder)")
    try:
        admin = _pg_connect()
    except psycopg.OperationalError as exc:
        _unavailable(f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {str(exc).strip().splitlines()[0]}")
    with admin:
        _allow_replication(admin)
        minimums = {name: admin.execute(f"SHOW {name}").fetchone()[0] for name in STANDBY_MINIMUMS}
    primary = psycopg.conninfo.conninfo_to_dict(PG_ADMIN_URL)
    host, port, user = primary.get("host", "127.0.0.1"), str(primary.get("port", 5432)), primary.get("user", "postgres")
    folder = Path(tempfile.mkdtemp(prefix="cc-standby-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    standby_port = _free_port()
    server: subprocess.Popen | None = None
    try:
        _run(
            PG_BIN / "pg_basebackup",
            *("-h", host, "-p", port, "-U", user, "-D", data),
            *("-R", "-X", "stream", "--checkpoint=fast", "--no-sync", "-w"),
        )
        # the cluster's own configuration (Debian keeps it in /etc) is not in its data folder: write a small one
        conf = [
            f"port = {standby_port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{folder}'",
            "hot_standby = on",
            "shared_buffers = '32MB'",
            "fsync = off",
            *(f"{name} = {value}" for name, value in minimums.items()),
        ]
        files = {
            "postgresql.conf": "\n".join(conf) + "\n",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in files.items():
            (data / name).write_text(text, encoding="utf-8")
            if os.geteuid() == 0:
                shutil.chown(data / name, "postgres", "postgres")
        log = folder / "standby.log"
        with log.open("wb") as output:
            server = subprocess.Popen(
                [str(PG_BIN / "postgres"), "-D", str(data)],
                env=CLEAN_ENV,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                **AS_POSTGRES,
            )
        _started(server, standby_port, log, time.monotonic() + 40)
        yield lambda url: url.replace(f"@{host}:{port}/", f"@127.0.0.1:{standby_port}/", 1)
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGQUIT)  # immediate shutdown: a throw-away copy
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
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


def test_a_wall_on_the_standby_shows_what_the_primary_wrote_within_its_interval(standby, pg_url):
    runtime = _runtime(pg_url, standby(pg_url))
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


def test_the_read_database_is_never_written_nor_migrated(standby, pg_url, empty_pg_url):
    runtime = _runtime(pg_url, standby(pg_url))
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
        plain = make_engine(standby(pg_url))
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
        standby_of_empty = standby(empty_pg_url)

        def refusal() -> DatabaseError:
            try:
                open_database(standby_of_empty, read_only=True)
            except DatabaseError as exc:  # "does not exist" until the standby has replayed its creation
                return exc
            pytest.fail("a read database without the schema was opened")

        old = _until(time.monotonic() + 30, refusal, lambda exc: exc.key == "read_old_schema")
        assert "db upgrade` on the primary" in str(old) and head_revision() in str(old) and "is empty" in str(old)
        primary_engine = make_engine(empty_pg_url)
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


async def test_the_wall_on_a_standby_says_how_old_its_data_is_and_refreshes_on_its_interval(standby, pg_url):
    from dataclasses import replace

    from textual.widgets import Static

    from command_center.app import make_app
    from tests.test_wall import polled

    runtime = _runtime(pg_url, standby(pg_url))
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


def test_the_commands_read_the_standby_and_a_standby_refuses_db_upgrade(standby, pg_url):
    import json

    from click.testing import CliRunner

    from command_center.cli.group import cli

    standby_url = standby(pg_url)
    runtime = Runtime.start(Settings(db=pg_url), Clock(NOW))
    try:
        primary = runtime.database()
        generate(primary, runtime.catalogue, runtime.calendar, cases=60, seed=7, now=NOW, court_name="示范人民法院")
        recompute(primary, runtime.catalogue, runtime.calendar, NOW)
        written = wall_data(primary, Rules.at(NOW, runtime.catalogue, runtime.calendar)).indicators.as_json()
    finally:
        runtime.close()
    # the primary unreachable by these commands' reads: the figures can only come from the standby
    away = pg_url.rsplit("/", 1)[0] + "/no_such_primary"

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
