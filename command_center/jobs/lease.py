"""One active scheduler per database: a lease row with an expiry and a fencing token.

APScheduler's job stores do not coordinate processes, so every scheduler started against
the database competes for the ``scheduler_lease`` row:

* the holder renews it well before it expires; a standby takes it over only once it has
  expired (a dead leader is replaced within one lease time);
* each takeover increments ``token``; a job's transaction first updates the lease row
  where holder and token are still its own (:meth:`Lease.fence`), which both proves it is
  still the leader and locks the row until the job commits, so a leader that lost the
  lease without noticing (a long pause, a network split) cannot write afterwards.

Times come from the database server on PostgreSQL, so the machines' clocks do not matter.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select, text, update

from command_center.data.bulk import changed_rows, insert_for
from command_center.data.engine import Database
from command_center.data.tables import LEASE


class LeaseLost(RuntimeError):
    """This process is no longer the active scheduler."""


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def db_now(conn: Connection) -> datetime:
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT clock_timestamp()")).scalar_one()
    return datetime.now(UTC)


class Lease:
    def __init__(self, db: Database, seconds: int = 30, *, holder: str | None = None, name: str = "scheduler"):
        self.db = db
        self.seconds = seconds
        self.holder = holder or default_holder()
        self.name = name
        self.token: int | None = None

    @property
    def is_leader(self) -> bool:
        return self.token is not None

    def acquire(self) -> bool:
        """Renew the lease if held, take it over if it expired, create it if missing."""
        with self.db.engine.begin() as conn:
            now = db_now(conn)
            expires = now + timedelta(seconds=self.seconds)
            mine = (LEASE.c.name == self.name) & (LEASE.c.holder == self.holder)
            if self.token is not None:
                renewed = changed_rows(conn, update(LEASE).where(mine, LEASE.c.token == self.token)
                                       .values(expires_at=expires, renewed_at=now))
                if renewed:
                    return True
                self.token = None  # someone else took over
            taken = conn.execute(
                update(LEASE).where(LEASE.c.name == self.name, LEASE.c.expires_at <= now)
                .values(holder=self.holder, token=LEASE.c.token + 1, expires_at=expires, renewed_at=now)
                .returning(LEASE.c.token)
            ).scalar_one_or_none()
            if taken is None:
                created = conn.execute(
                    insert_for(conn, LEASE).values(name=self.name, holder=self.holder, token=1, expires_at=expires, renewed_at=now)
                    .on_conflict_do_nothing(index_elements=["name"]).returning(LEASE.c.token)
                ).scalar_one_or_none()
                taken = created
            self.token = taken
            return taken is not None

    def fence(self, conn: Connection) -> None:
        """Inside a job's transaction: go on only while this process still holds the lease."""
        if self.token is None:
            raise LeaseLost(f"{self.holder} is not the active scheduler")
        held = changed_rows(conn, update(LEASE).where(LEASE.c.name == self.name, LEASE.c.holder == self.holder,
                                                      LEASE.c.token == self.token).values(renewed_at=db_now(conn)))
        if not held:
            self.token = None
            raise LeaseLost(f"{self.holder} lost the scheduler lease")

    def release(self) -> None:
        """Let a standby take over at once (on a clean shutdown)."""
        if self.token is None:
            return
        with self.db.engine.begin() as conn:
            conn.execute(update(LEASE).where(LEASE.c.name == self.name, LEASE.c.holder == self.holder, LEASE.c.token == self.token)
                         .values(expires_at=db_now(conn)))
        self.token = None

    def current(self) -> tuple[str, int, datetime] | None:
        with self.db.engine.connect() as conn:
            row = conn.execute(select(LEASE.c.holder, LEASE.c.token, LEASE.c.expires_at).where(LEASE.c.name == self.name)).one_or_none()
        return tuple(row) if row else None
