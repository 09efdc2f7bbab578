"""How far a PostgreSQL streaming standby (the read database, ``read_db``) is behind its primary.

A standby answers ``now() - pg_last_xact_replay_timestamp()``: the age of the last transaction
it replayed.  That alone is not the lag: when nothing was written on the primary for an hour,
the last replayed commit is an hour old although the standby has everything.  So a standby
that streams from its primary and has replayed all the WAL it received
(``pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()``) is *caught up* (lag 0); otherwise
it is behind by the age of its last replayed commit (at most that: a conservative figure,
also while it is cut off from the primary).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from command_center.data.engine import Database

_STATE = """
SELECT pg_is_in_recovery(),
       EXISTS (SELECT 1 FROM pg_stat_wal_receiver),
       pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn(),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""


@dataclass(frozen=True)
class ReplicaState:
    """A standby's replication, as measured just before a read of it."""

    #: it streams from its primary and has replayed everything it received
    caught_up: bool
    #: seconds its data is behind the primary's (0 when caught up; None: it has replayed no
    #: transaction yet, so there is no figure)
    lag_seconds: float | None
    #: ``time.monotonic()`` when it was measured (one clock for every process of the machine,
    #: never moved by the wall clock or ``--now``): the data's age is the time since, plus the lag
    measured: float

    def age(self, monotonic_now: float) -> float | None:
        """How old the data read right after this measurement is at ``monotonic_now``, lag included."""
        if self.lag_seconds is None:
            return None
        return max(0.0, monotonic_now - self.measured) + self.lag_seconds


def replica_state(db: Database) -> ReplicaState | None:
    """The standby's state, or None when ``db`` is no standby (SQLite, or a primary)."""
    if db.dialect != "postgresql":
        return None
    measured = time.monotonic()
    with db.engine.connect() as conn:
        in_recovery, streaming, replayed_all, replay_age = conn.exec_driver_sql(_STATE).one()
    if not in_recovery:
        return None
    caught_up = bool(streaming and replayed_all)
    if caught_up:
        lag = 0.0
    else:
        lag = None if replay_age is None else max(0.0, float(replay_age))
    return ReplicaState(caught_up=caught_up, lag_seconds=lag, measured=measured)
