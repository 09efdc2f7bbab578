"""The scheduler: APScheduler 3 runs the jobs; a database lease makes one process active.

Every process started with ``command-center scheduler`` (or the embedded dashboard on
SQLite) runs the same APScheduler jobs, but a job does its work only while the process
holds the lease (:mod:`.lease`), and its transaction is fenced by the lease's token.  A
standby renews its attempt every third of the lease time, so it takes over within one
lease time of the leader's death.

Missed runs: the time of each job's last run is kept in ``system_state``; when a process
becomes the leader it runs once (coalesced) every job whose schedule fired since then.
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

from command_center.data.workcal import TZ
from command_center.jobs import reviews
from command_center.jobs.lease import Lease, LeaseLost
from command_center.data import state
from command_center.jobs.notify import dispatch, make_sender
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime

log = logging.getLogger("command_center.scheduler")


@dataclass
class Job:
    id: str
    trigger: BaseTrigger
    run: Callable[[datetime, Callable], object]
    label: str


@dataclass
class Scheduler:
    runtime: Runtime
    lease: Lease
    #: called with (job id, result) after each successful run (the CLI prints, the app refreshes)
    on_run: Callable[[str, object], None] | None = None
    jobs: list[Job] = field(default_factory=list)

    def __post_init__(self) -> None:
        rt = self.runtime
        db = rt.database()
        sender = make_sender(rt.settings)
        start = rt.clock.now()  # APScheduler would anchor an interval at the real clock
        self.jobs = [
            Job("recompute", IntervalTrigger(seconds=rt.settings.recompute_seconds, start_date=start, timezone=TZ),
                lambda now, fence: recompute(db, rt.catalogue, rt.calendar, now, fence=fence), "重算期限与预警 recompute"),
            Job("dispatch", IntervalTrigger(seconds=30, start_date=start, timezone=TZ),
                lambda now, fence: dispatch(db, rt.catalogue, rt.calendar, sender, now), "发送通知 notifications"),
            Job("snapshot", CronTrigger(hour=23, minute=50, timezone=TZ),
                lambda now, fence: reviews.snapshot(db, rt.catalogue, rt.calendar, now, fence), "每日指标快照 daily snapshot"),
            Job("fund_sample", CronTrigger(day_of_week="mon", hour=8, timezone=TZ),
                lambda now, fence: reviews.fund_sample(db, now, fence), "每周10%案款抽查 weekly fund sample"),
            Job("asset_inventory", CronTrigger(day="1,11,21", hour=8, timezone=TZ),
                lambda now, fence: reviews.asset_inventory(db, now, fence), "每10日查扣物清点 asset inventory"),
            Job("closed_review", CronTrigger(day=1, hour=8, timezone=TZ),
                lambda now, fence: reviews.closed_review(db, now, fence), "每月结案评查 closed-case review"),
        ]
        self._by_id = {job.id: job for job in self.jobs}
        self._lock = threading.Lock()
        self._aps: BackgroundScheduler | None = None

    # -- running one job -------------------------------------------------------------------
    def run_job(self, job_id: str, now: datetime | None = None) -> object:
        """Run one job now as the leader; raises :class:`LeaseLost` if this process is not."""
        job = self._by_id[job_id]
        now = now or self.runtime.clock.now()
        with self._lock:  # one job at a time in this process: they share the lease's token
            if not self.lease.is_leader:
                raise LeaseLost(f"{self.lease.holder} is not the active scheduler")
            result = job.run(now, self.lease.fence)
            self._remember(job_id, now)
        log.info("%s done: %s", job_id, result)
        if self.on_run:
            self.on_run(job_id, result)
        return result

    def _remember(self, job_id: str, now: datetime) -> None:
        with self.runtime.database().engine.begin() as conn:
            state.write(conn, f"job:{job_id}", now.isoformat())

    def last_runs(self) -> dict[str, datetime]:
        with self.runtime.database().engine.connect() as conn:
            runs = state.read_prefixed(conn, "job:")
        return {job_id: datetime.fromisoformat(value) for job_id, value in runs.items()}

    def missed(self, now: datetime) -> list[str]:
        """The jobs whose schedule fired since their last run (or that never ran).

        The next fire time is asked of the trigger as if its last fire was the last run, so an
        interval counts from that run and a cron schedule fires strictly after it; neither
        depends on when this process started or on the real clock.
        """
        last = self.last_runs()
        due = []
        for job in self.jobs:
            previous = last.get(job.id)
            if previous is None or (fire := job.trigger.get_next_fire_time(previous, previous)) is not None and fire <= now:
                due.append(job.id)
        return due

    def _safely(self, job_id: str) -> None:
        try:
            self.run_job(job_id)
        except LeaseLost:
            pass  # a standby: the leader does the work
        except Exception:  # noqa: BLE001 - a failing job is logged and retried at its next run, the scheduler goes on
            log.exception("job %s failed", job_id)

    # -- leadership ------------------------------------------------------------------------
    def tick_lease(self, *, catch_up: bool = True) -> bool:
        """Renew or try to take the lease; on becoming leader, catch up missed runs once."""
        was = self.lease.is_leader
        try:
            leader = self.lease.acquire()
        except Exception:  # noqa: BLE001 - the database is away: not the leader until it is back
            log.exception("lease check failed")
            self.lease.token = None
            leader = False
        if leader and not was:
            log.info("%s is now the active scheduler (token %s)", self.lease.holder, self.lease.token)
            if self.on_run:
                self.on_run("leader", self.lease.token)
            for job_id in self.missed(self.runtime.clock.now()) if catch_up else ():
                self._safely(job_id)
        elif was and not leader:
            log.warning("%s lost the scheduler lease", self.lease.holder)
            if self.on_run:
                self.on_run("standby", None)
        return leader

    def run_once(self) -> dict[str, object]:
        """``--once``: take the lease, run every job once, release it."""
        if not self.tick_lease(catch_up=False):
            holder = self.lease.current()
            raise LeaseLost(f"another scheduler is active ({holder[0] if holder else '?'}); --once did nothing")
        try:
            return {job.id: self.run_job(job.id) for job in self.jobs}
        finally:
            self.lease.release()

    def start(self) -> None:
        """Run in background threads until :meth:`stop`."""
        aps = BackgroundScheduler(timezone=TZ, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
        aps.add_job(self.tick_lease, IntervalTrigger(seconds=max(1, self.lease.seconds / 3), timezone=TZ), id="lease",
                    next_run_time=datetime.now(TZ))
        for job in self.jobs:
            aps.add_job(self._safely, job.trigger, args=[job.id], id=job.id, name=job.label)
        aps.start()
        self._aps = aps

    def stop(self, *, wait: bool = True) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=wait)
            self._aps = None
        try:
            self.lease.release()
        except Exception:  # noqa: BLE001 - shutting down with the database gone: the lease simply expires
            log.warning("could not release the lease; it expires by itself")
