"""One active scheduler per database: a lease row with an expiry and a fencing token.

APScheduler's job stores do not coordinate processes, so every scheduler started against
the database competes for the ``scheduler_lease`` row:

* the holder renews it every third of the lease time; a standby takes it over only once it
  has expired (a dead or paused leader is replaced within about one lease time);
* each takeover increments ``token``.  A job checks with a plain read that it still holds
  the lease before it starts (:meth:`Lease.check`), and its transaction's last statement
  before the commit locks the lease row where holder and token are still its own
  (:meth:`Lease.fence`).  A takeover has to update that row, so it waits for the commit:
  a job either commits while its process still holds the lease or not at all, and the row
  is locked only for that instant, never for the whole job.

PostgreSQL (several machines): every connection of a scheduler carries its holder as
``application_name``, and a scheduler keeps one idle connection open for its whole life
(:meth:`Lease.open`), so the others can tell whether it is alive (:func:`holder_alive`).
A new leader ends the previous holder's open transactions (never its idle sessions), so the
locks of a paused or half-dead leader do not hold up its jobs; the lease statements give
up on a lock after a short ``lock_timeout``, and when the row stays locked by a holder whose
lease expired (one paused between its fence and its commit) its transactions are ended too.
Scheduler sessions also end a transaction left idle for a lease time
(``idle_in_transaction_session_timeout``) and give up waiting for any lock after a lease
time (``lock_timeout``): a job that fails so is retried at its next run.  All schedulers
should connect as the same role (or one with ``pg_signal_backend``).  Times come from the
database server, so the machines' clocks do not matter.

SQLite (one machine, one file): a process paused while it holds the write lock blocks every
writer, the standby included, until it resumes; failover there covers a crash, not a pause.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, event, select, text, update
from sqlalchemy.exc import DBAPIError

from command_center.clock import real_now
from command_center.data.bulk import changed_rows, insert_for
from command_center.data.engine import Database, make_engine
from command_center.data.tables import LEASE

#: PostgreSQL keeps at most this many bytes of an ``application_name`` (NAMEDATALEN - 1)
NAME_BYTES = 63
#: SQLSTATEs of a lock or statement timeout (``lock_not_available``, ``query_canceled``)
TIMEOUTS = ("55P03", "57014")
#: what a session of another holder is doing when it has a transaction open
IN_TRANSACTION = ("active", "idle in transaction", "idle in transaction (aborted)", "fastpath function call")

log = logging.getLogger("command_center.scheduler")


class LeaseLost(RuntimeError):
    """This process is no longer the active scheduler."""


def session_name(holder: str) -> str:
    """``holder`` as PostgreSQL shows it in ``application_name`` (printable ASCII, at most 63 bytes)."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in holder)[:NAME_BYTES]


def default_holder(role: str = "scheduler") -> str:
    """``role@host:pid:random``, short enough to be its own ``application_name``."""
    return session_name(f"{role}@{_local_host()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")


def _local_host() -> str:
    """This machine's name as holders carry it (ASCII, no colon, at most 30 characters)."""
    return session_name(socket.gethostname()).replace(":", "-")[:30]


def _host_and_pid(holder: str) -> tuple[str, int] | None:
    host, _, rest = holder.rpartition("@")[2].partition(":")
    pid = rest.partition(":")[0]
    return (host, int(pid)) if host and pid.isdigit() else None


def db_now(conn: Connection) -> datetime:
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    return real_now()


def holder_alive(conn: Connection, holder: str) -> bool | None:
    """Is the process of ``holder`` alive, as far as this machine can tell (``None``: it cannot)?

    PostgreSQL: alive while a session named after it is connected to this database (every
    scheduler keeps one open for its life; the server drops the sessions of a killed process
    at once, those of a vanished machine once TCP keepalives give up, about two lease times).
    SQLite: on this machine, alive while its pid exists (a pid may be reused: a caller that
    must not wait forever bounds the wait); on another machine ``None``.
    """
    if conn.dialect.name == "postgresql":
        return conn.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = :name)"
            ),
            {"name": session_name(holder)},
        ).scalar_one()
    where = _host_and_pid(holder)
    if where is None or where[0] != _local_host():
        return None
    try:
        os.kill(where[1], 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def end_transactions_of(conn: Connection, holder: str) -> int:
    """PostgreSQL: terminate the sessions of ``holder`` that have a transaction open (never
    its idle ones: they tell the others it is alive); returns how many."""
    if conn.dialect.name != "postgresql":
        return 0
    return conn.execute(
        text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() "
            "AND application_name = :name AND pid <> pg_backend_pid() AND state = ANY(:states)"
        ),
        {"name": session_name(holder), "states": list(IN_TRANSACTION)},
    ).scalar_one()


class LeaseRow(NamedTuple):
    holder: str
    token: int
    expires_at: datetime
    renewed_at: datetime


@dataclass(frozen=True)
class Timeouts:
    """PostgreSQL timeouts of a scheduler's sessions, worked out from the lease time.

    Jobs: a lock waited for a whole lease time is held by something stuck (a paused process
    the new leader has not cut off yet); failing lets the next run retry.  A transaction idle
    for a lease time belongs to a paused or stuck process.  Lease statements: the row is
    locked for an instant by a fence or a renewal, so a tenth of the lease time is plenty,
    and no statement may outlast the tick after it.  Never a ``statement_timeout`` on jobs:
    a whole-court recompute legitimately runs for a minute.
    """

    seconds: int

    @property
    def job_lock_ms(self) -> int:
        return self.seconds * 1000

    @property
    def idle_in_transaction_ms(self) -> int:
        return self.seconds * 1000

    @property
    def lease_lock_ms(self) -> int:
        return max(200, self.seconds * 100)

    @property
    def lease_statement_ms(self) -> int:
        return max(1000, self.seconds * 1000 // 3)


def _scheduler_database(db: Database, holder: str, timeouts: Timeouts) -> Database:
    """PostgreSQL: an engine of the scheduler's own whose sessions are named after ``holder``
    and carry the job timeouts.  SQLite: ``db`` itself."""
    if db.dialect != "postgresql":
        return db
    engine = make_engine(db.url)
    options = (
        f"-c lock_timeout={timeouts.job_lock_ms} "
        f"-c idle_in_transaction_session_timeout={timeouts.idle_in_transaction_ms}"
    )

    @event.listens_for(engine, "do_connect")
    def _named(_dialect, _record, _cargs, cparams) -> None:
        cparams["application_name"] = session_name(holder)
        cparams["options"] = f"{cparams.get('options', '')} {options}".strip()

    return Database(db.url, engine)


def _timed_out(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in TIMEOUTS


class Lease:
    """This process's claim to be the active scheduler, and its name in the database."""

    def __init__(self, db: Database, seconds: int = 30, *, holder: str | None = None, name: str = "scheduler"):
        self.seconds = seconds
        self.holder = holder or default_holder()
        self.name = name
        self.timeouts = Timeouts(seconds)
        #: the database as this holder: its sessions are named after it (PostgreSQL)
        self.db = _scheduler_database(db, self.holder, self.timeouts)
        self._own_db = self.db is not db
        self.token: int | None = None
        #: the lease row as this process last saw it, and the holder it last took over from
        self.seen: LeaseRow | None = None
        self.previous: str | None = None
        self._renewed: float | None = None  # time.monotonic() when the last successful renewal began
        self._presence = None
        self._presence_pid: int | None = None

    @property
    def is_leader(self) -> bool:
        """Holding a token, renewed less than a lease time ago (a paused process is not)."""
        return self.token is not None and (self._renewed is None or time.monotonic() - self._renewed < self.seconds)

    def _read(self, conn: Connection) -> LeaseRow | None:
        row = conn.execute(
            select(LEASE.c.holder, LEASE.c.token, LEASE.c.expires_at, LEASE.c.renewed_at).where(
                LEASE.c.name == self.name
            )
        ).one_or_none()
        return LeaseRow(*row) if row else None

    def _bounded(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {self.timeouts.lease_lock_ms}")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {self.timeouts.lease_statement_ms}")

    def acquire(self) -> bool:
        """Renew the lease if held, take it over if it expired, create it if missing.

        Returns whether this process holds it.  A database error propagates and leaves the
        token alone: :attr:`is_leader` turns false once no renewal succeeded for a lease time.
        """
        started = time.monotonic()
        previous = None
        present = True
        try:
            with self.db.engine.begin() as conn:
                self._bounded(conn)
                now = db_now(conn)
                expires = now + timedelta(seconds=self.seconds)
                row = self._read(conn)
                if self._presence_pid is not None:
                    present = conn.execute(
                        text("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = :pid)"),
                        {"pid": self._presence_pid},
                    ).scalar_one()
                if row is None:
                    token = conn.execute(
                        insert_for(conn, LEASE)
                        .values(name=self.name, holder=self.holder, token=1, expires_at=expires, renewed_at=now)
                        .on_conflict_do_nothing(index_elements=["name"])
                        .returning(LEASE.c.token)
                    ).scalar_one_or_none()
                elif row.holder == self.holder and self.token in (None, row.token):
                    # ours (also after a pause, when nobody took over meanwhile): renew
                    renewed = changed_rows(
                        conn,
                        update(LEASE)
                        .where(LEASE.c.name == self.name, LEASE.c.holder == self.holder, LEASE.c.token == row.token)
                        .values(expires_at=expires, renewed_at=now),
                    )
                    token = row.token if renewed else None
                elif row.expires_at <= now:
                    token = conn.execute(
                        update(LEASE)
                        .where(LEASE.c.name == self.name, LEASE.c.token == row.token, LEASE.c.expires_at <= now)
                        .values(holder=self.holder, token=LEASE.c.token + 1, expires_at=expires, renewed_at=now)
                        .returning(LEASE.c.token)
                    ).scalar_one_or_none()
                    previous = row.holder if token is not None else None
                else:
                    token = None
                self.seen = self._read(conn)
        except DBAPIError as exc:
            if not _timed_out(exc):
                raise
            self._unstick()
            return self.is_leader
        self.token = token
        if token is not None:
            self._renewed = started
        if not present:
            self._reopen_presence()
        if previous is not None and previous != self.holder:
            self.previous = previous
            self._cut_off(previous)
        return self.is_leader

    def _cut_off(self, holder: str) -> None:
        """End ``holder``'s open transactions (after taking over from it, or when its expired lease
        stays locked): its locks would hold up our jobs, and nothing of them may commit."""
        try:
            with self.db.engine.begin() as conn:
                ended = end_transactions_of(conn, holder)
        except DBAPIError as exc:
            log.warning("could not end the open transactions of %s: %s", holder, str(exc.orig).strip().splitlines()[0])
            return
        if ended:
            log.warning("ended %d open transaction(s) of %s", ended, holder)

    def _unstick(self) -> None:
        """The lease row stayed locked past the lease statements' ``lock_timeout``: if its holder's
        lease expired (a process paused between its fence and its commit), end its transactions;
        the next tick tries again."""
        with self.db.engine.begin() as conn:
            self._bounded(conn)
            now, row = db_now(conn), self._read(conn)
        self.seen = row
        if row is None or row.holder == self.holder or row.expires_at > now:
            log.info("the scheduler lease row is busy; trying again at the next tick")
            return
        log.warning(
            "the scheduler lease of %s expired but its row stays locked: ending its open transactions", row.holder
        )
        self._cut_off(row.holder)

    def _drop(self, token: int | None) -> None:
        if self.token == token:
            self.token = None

    def check(self) -> None:
        """Before a job: a plain read that this process still holds the lease (fail fast)."""
        token = self.token
        if not self.is_leader:
            raise LeaseLost(f"{self.holder} is not the active scheduler")
        with self.db.engine.connect() as conn:
            row = self._read(conn)
        if row is None or (row.holder, row.token) != (self.holder, token):
            self._drop(token)
            raise LeaseLost(f"{self.holder} lost the scheduler lease")

    def fence(self, conn: Connection) -> None:
        """The last statement of a job's transaction: lock the lease row where holder and token are
        still ours, or raise :class:`LeaseLost` (the transaction then rolls back).

        A takeover updates that row, so it waits for this transaction: the commit that follows
        happens while this process still holds the lease.  The write changes nothing (``token =
        token``); it is what takes the row lock on both PostgreSQL and SQLite."""
        token = self.token
        if token is None:
            raise LeaseLost(f"{self.holder} is not the active scheduler")
        held = changed_rows(
            conn,
            update(LEASE)
            .where(LEASE.c.name == self.name, LEASE.c.holder == self.holder, LEASE.c.token == token)
            .values(token=LEASE.c.token),
        )
        if not held:
            self._drop(token)
            raise LeaseLost(f"{self.holder} lost the scheduler lease")

    def release(self) -> None:
        """Let a standby take over at once (on a clean shutdown)."""
        token = self.token
        if token is None:
            return
        with self.db.engine.begin() as conn:
            conn.execute(
                update(LEASE)
                .where(LEASE.c.name == self.name, LEASE.c.holder == self.holder, LEASE.c.token == token)
                .values(expires_at=db_now(conn))
            )
        self._drop(token)

    def current(self) -> tuple[str, int, datetime] | None:
        with self.db.engine.connect() as conn:
            row = self._read(conn)
        return (row.holder, row.token, row.expires_at) if row else None

    # -- presence: how the others see that this holder is alive (PostgreSQL) ------------------
    def open(self) -> None:
        """Keep one idle session named after this holder open until :meth:`close`.

        It never has a transaction open, so a new leader never ends it; server-side TCP
        keepalives end it about two lease times after this machine vanished."""
        if self.db.dialect != "postgresql" or self._presence is not None:
            return
        conn = self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        interval = max(1, self.seconds // 3)
        for setting, value in (
            ("tcp_keepalives_idle", self.seconds),
            ("tcp_keepalives_interval", interval),
            ("tcp_keepalives_count", 3),
            ("tcp_user_timeout", 2 * self.seconds * 1000),
        ):
            conn.exec_driver_sql(f"SET {setting} = {value}")
        self._presence_pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        self._presence = conn

    def _reopen_presence(self) -> None:
        """The server dropped the presence session (a restart, a network cut): open it again."""
        log.warning("%s: the session that shows this scheduler alive was closed; opening it again", self.holder)
        self._close_presence()
        try:
            self.open()
        except DBAPIError as exc:
            log.warning("could not open it: %s", str(exc.orig).strip().splitlines()[0])

    def _close_presence(self) -> None:
        if self._presence is not None:
            try:
                self._presence.invalidate()
                self._presence.close()
            except DBAPIError:
                pass
        self._presence, self._presence_pid = None, None

    def close(self) -> None:
        """Close the presence session and this holder's own connections (the lease is not released)."""
        self._close_presence()
        if self._own_db:
            self.db.dispose()

    @contextmanager
    def present(self):
        """This holder's presence for a ``with`` block (e.g. ``outbox --dispatch``)."""
        self.open()
        try:
            yield self
        finally:
            self.close()
