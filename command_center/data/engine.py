"""Opening the shared database: URLs, connection settings, migrations.

SQLite (the embedded default) is created and migrated on first use, in WAL mode with
foreign keys on.  A shared PostgreSQL database is migrated explicitly with
``command-center db upgrade``; opening one whose schema is behind is a clear error.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from command_center.private import private_file

MIGRATIONS = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """A database problem worth one clear line to the user (in English; where ``key`` is given,
    the command line says it in its own language: ``labels.CLI[lang]["error_" + key]``)."""

    def __init__(self, message: str, *, key: str | None = None, **values) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


class DatabaseUnreachable(DatabaseError):
    """The PostgreSQL server could not be connected to (down, refusing connections, not yet
    started): a wall opens anyway and keeps trying, where a command stops."""


def default_db_url() -> str:
    path = Path(platformdirs.user_data_dir("command-center", appauthor=False)) / "command-center.sqlite3"
    return f"sqlite:///{path}"


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


#: ``user:password@`` in anything that looks like a URL, even one that does not parse
_PASSWORD = re.compile(r"([^/:@\s]+):([^@/\s]*)@")


def without_password(url: str) -> str:
    """``url`` as it may be shown or logged: its password, if any, replaced by ``***``."""
    return _PASSWORD.sub(lambda m: f"{m.group(1)}:***@" if m.group(2) else m.group(0), url)


def parse_url(url: str) -> URL:
    """The one place a database URL is parsed (normalised as :func:`normalise_url`); an error
    says what is wrong and never shows the password."""
    try:
        return make_url(normalise_url(url))
    except ArgumentError:
        reason = "try sqlite:///path/file.sqlite3 or postgresql://user@host/db"
    except ValueError:  # make_url's int() of the port
        reason = "its port is not a number"
    raise DatabaseError(f"{without_password(url)!r} is not a database URL ({reason})")


def backend_name(url: str) -> str:
    """``sqlite`` or ``postgresql`` (or whatever else the URL names), without connecting."""
    try:
        return parse_url(url).get_backend_name()
    except DatabaseError:
        return ""


def display_url(url: str) -> str:
    try:
        return parse_url(url).render_as_string(hide_password=True)
    except DatabaseError:
        return without_password(url)


def libpq_url(url: str) -> str:
    """A PostgreSQL URL as psycopg itself takes it (for a connection outside SQLAlchemy)."""
    return parse_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


#: PostgreSQL: each recompute announces itself on this channel when it commits (payload: its ``now``)
NOTIFY_CHANNEL = "command_center"


def announce_change(conn, payload: str) -> None:
    """Inside a transaction: tell the listening screens, once it commits, that the figures changed
    (PostgreSQL's NOTIFY; nothing on SQLite, whose screens refresh on their interval)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": NOTIFY_CHANNEL, "payload": payload})


def listen_for_changes(
    url: str,
    on_change: Callable[[], None],
    stop: threading.Event,
    cancelled: Callable[[], bool] = lambda: False,
    *,
    retry_seconds: float = 5.0,
) -> None:
    """Block until ``stop`` is set (or ``cancelled()``), calling ``on_change`` at each
    :func:`announce_change` on the PostgreSQL database ``url``; reconnects by itself after an
    outage (the callers' polls show the outage meanwhile)."""
    import psycopg

    def stopping() -> bool:
        return stop.is_set() or cancelled()

    while not stopping():
        try:
            with psycopg.connect(libpq_url(url), autocommit=True, connect_timeout=5) as conn:
                conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                while not stopping():
                    if any(True for _ in conn.notifies(timeout=0.5, stop_after=1)) and not stopping():
                        on_change()
        except psycopg.Error:
            stop.wait(retry_seconds)


def _sha256_hex(value: str | None) -> str | None:
    return None if value is None else hashlib.sha256(value.encode("utf-8")).hexdigest()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # the audit log's chain (data/audit.py) hashes inside its INSERT, as PostgreSQL's sha256() does
    dbapi_connection.create_function("cc_sha256", 1, _sha256_hex, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for another backend or an in-memory database)."""
    parsed = parse_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database).expanduser()


def make_engine(url: str, *, create: bool = True, read_only: bool = False) -> Engine:
    """An engine for ``url``; an SQLite file is created (0600, its folder 0700: it holds
    personal data) unless ``create`` is false.  ``read_only`` (PostgreSQL): every transaction
    is read only (``default_transaction_read_only``), so a write through it is refused by the
    server, on a standby and on a primary alike."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None and create:
            try:
                private_file(path)
            except OSError as exc:  # a read-only file or folder, a folder that is a file…
                raise DatabaseError(describe_connection_error(url, exc)) from None
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseError(f"{display_url(url)}: only SQLite and PostgreSQL databases are supported")
    connect_args: dict[str, object] = {"connect_timeout": 5}
    if read_only:
        connect_args["options"] = "-c default_transaction_read_only=on"
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)


class DriverTime:
    """Seconds spent inside the database driver's ``execute``, per thread, since the last :meth:`take`."""

    def __init__(self, engine) -> None:
        self._spent = threading.local()
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, *args) -> None:
        conn.info["cc_driver_started"] = time.perf_counter()

    def _after(self, conn, *args) -> None:
        started = conn.info.pop("cc_driver_started", None)
        if started is not None:
            self._spent.seconds = getattr(self._spent, "seconds", 0.0) + time.perf_counter() - started

    def take(self) -> float:
        seconds, self._spent.seconds = getattr(self._spent, "seconds", 0.0), 0.0
        return seconds


def quick_reads(conn) -> None:
    """Mark ``conn``'s transaction as short dashboard reads: on PostgreSQL, no JIT compilation
    and no parallel workers.

    At 1,000,000 cases the planner's cost of the wall's aggregates passes ``jit_above_cost``
    and LLVM compiles each one for 100–300 ms, longer than the read itself.  The planner also
    overestimates the open overdue nodes (it sees the whole table's due dates, most of them
    past) and plans two workers that each build the same hash of them; alone it is faster."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0")


def _alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    """An engine for one command (no migration, no check), disposed afterwards."""
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def refuse_read_only(engine: Engine, what: str) -> None:
    """Refuse to ``what`` a database that cannot be written: a PostgreSQL standby, or the read
    database (``read_db``), whose schema and data come from the primary."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        read_only = conn.exec_driver_sql("SHOW transaction_read_only").scalar_one() == "on"
    if read_only:
        raise DatabaseError(
            f"cannot {what} {engine.url.render_as_string(hide_password=True)}: it is read only (a standby, "
            "or the read database): run it on the primary (db), the standby replays it",
            key="read_only",
            what=what,
            url=engine.url.render_as_string(hide_password=True),
        )


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate to ``revision``; returns (revision before, revision after).  A read-only
    database (a standby) is refused with :class:`DatabaseError`."""
    refuse_read_only(engine, "migrate")
    before = current_revision(engine)
    try:
        with engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)
    except CommandError as exc:
        raise DatabaseError(
            f"cannot migrate {engine.url.render_as_string(hide_password=True)} from revision {before}: {exc} "
            "(was it migrated by a newer command-center?)"
        ) from None
    return before, current_revision(engine)


def grant_app_role(engine: Engine, role: str) -> list[str]:
    """PostgreSQL, run by the database's owner: let ``role`` (the terminals' and schedulers'
    login) read and write everything it needs, but only INSERT and SELECT the audit log, so
    that only the owner could ever switch its append-only triggers off.  Run it again after
    each ``db upgrade`` (new tables).  Returns the statements it ran."""
    if engine.dialect.name != "postgresql":
        raise DatabaseError("db grant is for PostgreSQL: an SQLite file is protected by its file permissions")
    with engine.begin() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
        if exists is None:
            raise DatabaseError(
                f"there is no PostgreSQL role {role!r}: create it first (CREATE ROLE {role} LOGIN PASSWORD …)"
            )
        quoted = conn.dialect.identifier_preparer.quote(role)
        database = conn.dialect.identifier_preparer.quote(conn.execute(text("SELECT current_database()")).scalar_one())
        statements = [
            f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {quoted}",
            # the recompute creates and drops its work tables (parallel workers cannot read temporary ones)
            f"GRANT USAGE, CREATE ON SCHEMA public TO {quoted}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM {quoted}",
            f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {quoted}",
        ]
        for statement in statements:
            conn.exec_driver_sql(statement)
    return statements


def reset(engine: Engine) -> None:
    """Drop every table (back to an empty schema) and migrate again: for demo databases."""
    refuse_read_only(engine, "reset")
    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "base")
    upgrade(engine)


#: a PostgreSQL server that answered but refused us for a reason waiting will not change: a
#: database or role that does not exist, a failed authentication (server messages in English
#: and in Chinese, as a server with lc_messages = zh_CN writes them)
_REFUSALS = (
    "does not exist",
    "authentication failed",
    "no pg_hba.conf entry",
    "permission denied",
    "不存在",
    "认证失败",
    "没有用于",
    "权限不够",
)


def refused(exc: Exception) -> bool:
    """Whether a connection error is a mistake to report (wrong name, wrong password) rather
    than an outage to wait out (server down, starting up, not accepting connections)."""
    detail = str(getattr(exc, "orig", exc))
    return any(reason in detail for reason in _REFUSALS)


def describe_connection_error(url: str, exc: Exception) -> str:
    detail = str(getattr(exc, "orig", exc)).strip()
    reason = detail.splitlines()[0] if detail else type(exc).__name__
    return f"cannot use the database {display_url(url)}: {reason}"


@dataclass
class Database:
    """An open database: its URL and engine."""

    url: str
    engine: Engine
    #: a read database (``read_db``, a streaming standby): never migrated, every transaction read only
    read_only: bool = False

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        return display_url(self.url)

    def refresh_statistics(self) -> None:
        """Fresh planner statistics after bulk writes (the demo, a large import, the daily job).

        SQLite has none until ANALYZE and then plans the wall's queries per case instead of
        from the open-node index (2 s instead of 0.1 s at 100,000 cases); PostgreSQL's
        autovacuum catches up with a bulk load only later. Sampled, so it takes well under a
        second at 100,000 cases."""
        with self.engine.begin() as conn:
            if self.dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA analysis_limit=1000")
            conn.exec_driver_sql("ANALYZE")

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool | None = None, create: bool = True, read_only: bool = False) -> Database:
    """Open ``url``; SQLite is migrated automatically (``migrate=None``), PostgreSQL is checked.

    ``create=False``: an SQLite file that does not exist, or holds no command-center schema,
    is refused rather than created (a database named by mistake stays a mistake).
    ``read_only``: the read database (``read_db``, a PostgreSQL standby): never migrated (a
    standby cannot be written; its schema comes from the primary), its revision checked,
    every transaction read only.
    Raises :class:`DatabaseError` with one clear line when the database cannot be used.
    """
    url = normalise_url(url)
    if read_only:
        if backend_name(url) != "postgresql":
            raise DatabaseError(
                f"read_db {display_url(url)!r} is not a PostgreSQL database: the read database is a "
                "streaming standby of the PostgreSQL primary (db)"
            )
        migrate, create = False, False
    path = sqlite_path(url)
    if path is not None and not create and not path.is_file():
        raise DatabaseError(
            f"there is no database {path}: `command-center db upgrade` creates one "
            "(`demo` fills it with a demo court, `import` with the court's cases)",
            key="no_database",
            path=path,
        )
    engine = make_engine(url, create=create, read_only=read_only)
    if migrate is None:
        migrate = engine.dialect.name == "sqlite"
    try:
        current, head = current_revision(engine), head_revision()
        if path is not None and not create and current is None:
            raise DatabaseError(
                f"{path} is not a command-center database (it has no schema): "
                "`command-center db upgrade` creates the schema",
                key="no_schema",
                path=path,
            )
        if migrate and current != head:
            upgrade(engine)
        elif current != head and read_only:
            state = "empty" if current is None else f"at revision {current}"
            raise DatabaseError(
                f"the read database {display_url(url)} is {state}, this version needs {head}: "
                "run `command-center db upgrade` on the primary (db) and let the standby replay it",
                key="read_old_schema",
                url=display_url(url),
                current=current or "—",
                head=head,
            )
        elif current != head:
            state = "empty" if current is None else f"at revision {current}"
            raise DatabaseError(
                f"the database {display_url(url)} is {state}, this version needs {head}: "
                "run `command-center db upgrade`",
                key="old_schema" if current else "unmigrated",
                url=display_url(url),
                current=current,
                head=head,
            )
    except DBAPIError as exc:
        engine.dispose()
        unreachable = isinstance(exc, OperationalError) and engine.dialect.name == "postgresql" and not refused(exc)
        raise (DatabaseUnreachable if unreachable else DatabaseError)(describe_connection_error(url, exc)) from None
    except DatabaseError:
        engine.dispose()
        raise
    return Database(url, engine, read_only=read_only)
