"""The scheduler: APScheduler 3 runs the jobs; a database lease makes one process active.

Every process started with ``command-center scheduler`` (or the embedded dashboard on
SQLite) runs the same APScheduler jobs, but a job does its work only while the process
holds the lease (:mod:`.lease`): it checks the lease before it starts, and its transaction
ends with the lease's fence.  The lease is renewed every third of the lease time by a job of
its own, in APScheduler's thread pool beside the others, so a long job never holds it up; a
standby takes over within about one lease time of the leader's death or pause.

The outbox job claims each message under the fence before sending it (:mod:`.notify`), so a
leader that lost the lease sends nothing more, and a message is never sent by two
schedulers at once.

Missed runs: the time of each job's last run is kept in ``system_state``; when a process
becomes the leader it schedules, to run at once (coalesced), every job whose schedule fired
since then.  Each change of leader, a standby's view of who is active, and a lost lease are
logged (logger ``command_center.scheduler``); :func:`status` tells the same from outside.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text

from command_center.clock import real_now
from command_center.config import Settings
from command_center.data import state
from command_center.data.workcal import TZ
from command_center.jobs import reviews
from command_center.jobs.lease import LEASE, Lease, LeaseLost, LeaseRow, db_now, holder_alive
from command_center.jobs.notify import Claimer, dispatch, make_sender, outbox_counts
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime

log = logging.getLogger("command_center.scheduler")


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]


@dataclass
class Job:
    id: str
    trigger: BaseTrigger
    run: Callable[[datetime, Callable], object]
    label: str


def schedule(settings: Settings, start: datetime) -> dict[str, tuple[BaseTrigger, str]]:
    """Each job's trigger and label; intervals count from ``start`` (the injected clock, not
    APScheduler's real one)."""
    return {
        "recompute": (
            IntervalTrigger(seconds=settings.recompute_seconds, start_date=start, timezone=TZ),
            "重算期限与预警 recompute",
        ),
        "dispatch": (
            IntervalTrigger(seconds=settings.dispatch_seconds, start_date=start, timezone=TZ),
            "发送通知 notifications",
        ),
        "snapshot": (CronTrigger(hour=23, minute=50, timezone=TZ), "每日指标快照 daily snapshot"),
        "fund_sample": (CronTrigger(day_of_week="mon", hour=8, timezone=TZ), "每周10%案款抽查 weekly fund sample"),
        "asset_inventory": (CronTrigger(day="1,11,21", hour=8, timezone=TZ), "每10日查扣物清点 asset inventory"),
        "closed_review": (CronTrigger(day=1, hour=8, timezone=TZ), "每月结案评查 closed-case review"),
    }


def next_due(trigger: BaseTrigger, last: datetime | None) -> datetime | None:
    """When a job is due again after its last run (``None``: it never ran, so it is due now).

    Asked of the trigger as if its last fire was the last run: an interval counts from that
    run and a cron schedule fires strictly after it, whatever the real clock says."""
    return None if last is None else trigger.get_next_fire_time(last, last)


@dataclass
class Scheduler:
    runtime: Runtime
    lease: Lease
    #: called with (job id, result) after each successful run (the CLI prints, the app refreshes),
    #: and with ("leader", token) / ("standby", None) when this process gains or loses the lease
    on_run: Callable[[str, object], None] | None = None
    jobs: list[Job] = field(default_factory=list)

    def __post_init__(self) -> None:
        rt = self.runtime
        db = self.lease.db  # on PostgreSQL: sessions named after the holder, with the job timeouts
        sender = make_sender(rt.settings)
        self._stopping = threading.Event()
        #: the outbox job's claims: under the lease's fence, fresh for half a lease time
        self.claimer = Claimer(self.lease.holder, self._dispatch_fence, self.lease.seconds / 2)
        runs: dict[str, Callable[[datetime, Callable], object]] = {
            "recompute": lambda now, fence: recompute(
                db, rt.catalogue, rt.calendar, now, fence=fence, escalate_after=rt.settings.escalate_after_workdays
            ),
            "dispatch": lambda now, fence: dispatch(
                db, rt.catalogue, rt.calendar, sender, now, claimer=self.claimer, quiet_hours=rt.settings.quiet()
            ),
            "snapshot": lambda now, fence: reviews.snapshot(db, rt.catalogue, rt.calendar, now, fence),
            "fund_sample": lambda now, fence: reviews.fund_sample(db, now, fence),
            "asset_inventory": lambda now, fence: reviews.asset_inventory(db, now, fence),
            "closed_review": lambda now, fence: reviews.closed_review(db, now, fence),
        }
        self.jobs = [
            Job(job_id, trigger, runs[job_id], label)
            for job_id, (trigger, label) in schedule(rt.settings, rt.clock.now()).items()
        ]
        self._by_id = {job.id: job for job in self.jobs}
        self._lock = threading.Lock()
        self._aps: BackgroundScheduler | None = None
        self._leading = False
        self._said: tuple[str, int] | None = None  # the (holder, token) a standby last logged

    def _dispatch_fence(self, conn) -> None:
        if self._stopping.is_set():
            raise LeaseLost(f"{self.lease.holder} is stopping")
        self.lease.fence(conn)

    # -- running one job -------------------------------------------------------------------
    def run_job(self, job_id: str, now: datetime | None = None) -> object:
        """Run one job now as the leader; raises :class:`LeaseLost` if this process is not."""
        job = self._by_id[job_id]
        with self._lock:  # one job at a time in this process: they share the lease's token
            now = now or self.runtime.clock.now()
            self.lease.check()
            result = job.run(now, self.lease.fence)
            self._remember(job_id, now)
        log.debug("%s done: %s", job_id, result)
        if self.on_run:
            self.on_run(job_id, result)
        return result

    def _remember(self, job_id: str, now: datetime) -> None:
        with self.lease.db.engine.begin() as conn:
            state.write(conn, f"job:{job_id}", now.isoformat())

    def last_runs(self) -> dict[str, datetime]:
        with self.lease.db.engine.connect() as conn:
            runs = state.read_prefixed(conn, "job:")
        return {job_id: datetime.fromisoformat(value) for job_id, value in runs.items()}

    def missed(self, now: datetime) -> list[str]:
        """The jobs whose schedule fired since their last run (or that never ran)."""
        last = self.last_runs()
        due = []
        for job in self.jobs:
            previous = last.get(job.id)
            if previous is None or (fire := next_due(job.trigger, previous)) is not None and fire <= now:
                due.append(job.id)
        return due

    def _safely(self, job_id: str) -> None:
        if not self.lease.is_leader:
            return  # a standby: the leader does the work
        try:
            self.run_job(job_id)
        except LeaseLost as exc:
            log.warning("%s not done: %s", job_id, exc)
        except Exception as exc:
            if self.lease.is_leader:
                log.exception("job %s failed", job_id)
            else:  # e.g. its session was ended by the new leader: expected, nothing was committed
                log.warning(
                    "%s abandoned: %s lost the scheduler lease while it ran (%s)",
                    job_id,
                    self.lease.holder,
                    _first_line(exc),
                )

    # -- leadership ------------------------------------------------------------------------
    def tick_lease(self, *, catch_up: bool = True) -> bool:
        """Renew or try to take the lease, and say in the log what changed.

        On becoming leader, the missed jobs are scheduled to run at once in the thread pool (so
        this tick returns, and the next ones renew the lease while they run); without
        background threads (:meth:`start` not called) they run here, one after the other."""
        lease = self.lease
        was = self._leading  # what this process last said (a pause may have ended its lease meanwhile)
        lease.previous = None
        try:
            lease.acquire()
        except Exception as exc:  # noqa: BLE001 - the database is away: still the leader until a lease time passed without renewal
            log.warning("lease check failed: %s", _first_line(exc))
        leader, seen = lease.is_leader, lease.seen
        self._leading = leader
        if leader and not was:
            log.info(
                "%s is now the active scheduler (token %s)%s",
                lease.holder,
                lease.token,
                f", taking over from {lease.previous}" if lease.previous else "",
            )
            if self.on_run:
                self.on_run("leader", lease.token)
            if catch_up:
                self._catch_up()
        elif was and not leader:
            to = f" to {seen.holder} (token {seen.token})" if seen is not None and seen.holder != lease.holder else ""
            log.warning("%s lost the scheduler lease%s", lease.holder, to)
            if self.on_run:
                self.on_run("standby", None)
        if not leader and seen is not None and seen.holder != lease.holder and (seen.holder, seen.token) != self._said:
            log.info("standing by: %s is active (token %s)", seen.holder, seen.token)
        self._said = (seen.holder, seen.token) if seen is not None else None
        return leader

    def _catch_up(self) -> None:
        try:
            due = self.missed(self.runtime.clock.now())
        except Exception:
            log.exception("could not read the jobs' last runs")
            return
        if self._aps is None:
            for job_id in due:
                self._safely(job_id)
            return
        if due:
            log.info("catching up: %s", ", ".join(due))
        when = real_now()  # APScheduler's own (real) clock
        for job_id in due:
            self._aps.modify_job(job_id, next_run_time=when)

    def run_once(self) -> dict[str, object]:
        """``--once``: take the lease, run every job once, release it."""
        self.lease.open()
        try:
            if not self.tick_lease(catch_up=False):
                holder = self.lease.current()
                raise LeaseLost(f"another scheduler is active ({holder[0] if holder else '?'}); --once did nothing")
            try:
                return {job.id: self.run_job(job.id) for job in self.jobs}
            finally:
                self.lease.release()
        finally:
            self.lease.close()

    def start(self) -> None:
        """Run in background threads until :meth:`stop`."""
        self.lease.open()
        aps = BackgroundScheduler(
            timezone=TZ, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
        )
        aps.add_job(
            self.tick_lease,
            IntervalTrigger(seconds=max(1, self.lease.seconds / 3), timezone=TZ),
            id="lease",
            next_run_time=real_now(),
        )
        for job in self.jobs:
            aps.add_job(self._safely, job.trigger, args=[job.id], id=job.id, name=job.label)
        self._aps = aps  # before the first tick, which may schedule the catch-up on it
        aps.start()

    def stop(self, *, wait: bool = True) -> None:
        self._stopping.set()  # a dispatch stops before its next claim
        if self._aps is not None:
            self._aps.shutdown(wait=wait)
            self._aps = None
        try:
            self.lease.release()
        except Exception:  # noqa: BLE001 - shutting down with the database gone: the lease simply expires
            log.warning("could not release the lease; it expires by itself")
        self.lease.close()


# -- seen from outside: `command-center scheduler --status` -----------------------------------


@dataclass(frozen=True)
class JobStatus:
    id: str
    label: str
    last_run: datetime | None
    next_due: datetime | None  # None: never ran, due now


@dataclass(frozen=True)
class SchedulerStatus:
    lease: LeaseRow | None
    expired: bool
    #: is the holder's process alive, as this machine sees it (None: cannot tell)
    alive: bool | None
    #: other schedulers connected (PostgreSQL; None on SQLite, where they cannot be seen)
    standbys: list[str] | None
    jobs: list[JobStatus]
    outbox: dict[str, int]
    backend: str

    def as_json(self) -> dict:
        def iso(value: datetime | None) -> str | None:
            return value.astimezone(TZ).isoformat() if value else None

        row = self.lease
        return {
            "backend": self.backend,
            "lease": None
            if row is None
            else {
                "holder": row.holder,
                "token": row.token,
                "expires_at": iso(row.expires_at),
                "renewed_at": iso(row.renewed_at),
                "expired": self.expired,
                "alive": self.alive,
            },
            "standbys": self.standbys,
            "jobs": [{"id": j.id, "last_run": iso(j.last_run), "next_due": iso(j.next_due)} for j in self.jobs],
            "outbox": self.outbox,
        }


def status(runtime: Runtime, name: str = "scheduler") -> SchedulerStatus:
    """Who holds the lease, whether it is alive, each job's last run and next due, the outbox."""
    db = runtime.database()
    with db.engine.connect() as conn:
        found = conn.execute(LEASE.select().where(LEASE.c.name == name)).one_or_none()
        row = LeaseRow(found.holder, found.token, found.expires_at, found.renewed_at) if found else None
        now = db_now(conn)
        alive = holder_alive(conn, row.holder) if row else None
        standbys = None
        if conn.dialect.name == "postgresql":
            standbys = sorted(
                set(
                    conn.execute(
                        text(
                            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() "
                            "AND application_name LIKE 'scheduler@%'"
                        )
                    ).scalars()
                )
                - {row.holder if row else ""}
            )
        last = {job_id: datetime.fromisoformat(value) for job_id, value in state.read_prefixed(conn, "job:").items()}
    jobs = [
        JobStatus(job_id, label, last.get(job_id), next_due(trigger, last.get(job_id)))
        for job_id, (trigger, label) in schedule(runtime.settings, runtime.clock.now()).items()
    ]
    return SchedulerStatus(
        row, row is not None and row.expires_at <= now, alive, standbys, jobs, outbox_counts(db), db.dialect
    )
