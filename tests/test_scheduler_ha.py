"""Exactly one active scheduler, every message sent once: real scheduler processes on PostgreSQL,
paused (SIGSTOP) and killed, each send counted by a recording sender.

The sender is the ``command`` sender running :data:`RECORDER`, which appends ``id ppid`` (the
scheduler that sent it) to a file.  Once the test creates ``<file>.gate``, the next message
it records is *held*: the recorder writes ``<file>.held`` and waits for ``<file>.release``, so
the test knows which message the leader is sending and that it is waiting for the answer.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from command_center.cli import cli
from command_center.data import models as m
from command_center.data import state
from command_center.data.alerts import LAST_RECOMPUTE
from command_center.data.engine import open_database
from command_center.jobs.lease import Lease, LeaseLost, default_holder, holder_alive, session_name
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at

#: ``scripts/test`` runs the suite in several workers (pytest-xdist): these tests, and the other
#: one that runs scheduler processes (tests/test_scheduler.py), run one at a time in one worker,
#: as in a run in one process, so that their timings (a takeover within a lease time) measure one
#: set of schedulers, not two sets competing for the cores
pytestmark = pytest.mark.xdist_group("schedulers")
OUTBOX = m.OutboxMessage.__table__
LEASE = m.SchedulerLease.__table__
#: the scheduler's report of a recompute it committed (not a log line about one)
RECOMPUTED = re.compile(r"\d\d:\d\d:\d\d recompute: [\d.]+ s")  # the scheduler's report of a recompute (--lang en)
NOW = at(date(2026, 11, 20), 10)
LONG_AGO = at(date(2000, 1, 3), 9)  # due whatever the real date (messages are urgent: rest days do not hold them)

RECORDER = """
import json, os, select, sys, time
log, pause = sys.argv[1], float(sys.argv[2])
message = json.load(sys.stdin)
with open(log, "a") as out:
    out.write(f"{message['id']} {os.getppid()}\\n")
select.select([], [], [], pause)
if os.path.exists(log + ".gate"):
    mine = f"{log}.held.{os.getpid()}"
    with open(mine, "w") as out:
        out.write(f"{message['id']} {os.getppid()}")
    try:
        os.link(mine, log + ".held")  # only the first message after the gate is held
    except FileExistsError:
        pass
    else:
        deadline = time.monotonic() + 120
        while not os.path.exists(log + ".release") and time.monotonic() < deadline:
            select.select([], [], [], 0.01)
    finally:
        os.unlink(mine)
"""


class Proc:
    """One ``command-center scheduler`` process and its stderr, line by line."""

    def __init__(self, url: str, sent_log: Path, *, lease: int, dispatch: int = 2, recompute: int = 5):
        recorder = sent_log.with_name("recorder.py")
        if not recorder.exists():  # written once: rewriting it while a leader runs it for a send would
            # let that send run an empty (truncated) script, exit 0, and count as sent with no line logged
            written = recorder.with_suffix(".tmp")
            written.write_text(RECORDER, encoding="utf-8")
            os.replace(written, recorder)
        command = " ".join(
            shlex.quote(part) for part in (sys.executable, "-I", "-S", str(recorder), str(sent_log), "0.01")
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMMAND_CENTER_")} | {
            "PYTHONUNBUFFERED": "1",
            "COMMAND_CENTER_RECOMPUTE_SECONDS": str(recompute),
            "COMMAND_CENTER_DISPATCH_SECONDS": str(dispatch),
            "COMMAND_CENTER_NOTIFY_SENDER": "command",
            "COMMAND_CENTER_NOTIFY_COMMAND": command,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "command_center",
                "--db",
                url,
                "--lang",
                "en",
                "scheduler",
                "--lease-seconds",
                str(lease),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.pid = self.process.pid
        self.lines: list[str] = []
        self._new: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.holder = self.wait_for("scheduler started", 60).split(": scheduler started")[0]

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)
            self._new.put(line)

    def wait_for(self, text: str | re.Pattern, seconds: float) -> str:
        """The next line containing ``text`` (up to ``seconds``)."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            if text.search(line) if isinstance(text, re.Pattern) else text in line:
                return line
        raise AssertionError(
            f"{self.holder if hasattr(self, 'holder') else self.pid}: no {text!r} within {seconds} s; "
            f"its log:\n{''.join(self.lines)}"
        )

    def said(self, text: str | re.Pattern, since: int = 0) -> list[str]:
        return [
            line for line in self.lines[since:] if (text.search(line) if isinstance(text, re.Pattern) else text in line)
        ]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)  # a stopped process cannot handle SIGTERM
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def procs():
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.stop()
    for proc in started:  # pytest shows it when the test failed
        print(f"----- {proc.holder} (pid {proc.pid}) -----\n{''.join(proc.lines)}")


def until(condition, seconds: float, what: str, poll: float = 0.05):
    """Poll ``condition`` until it returns something true, up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(poll)
    raise AssertionError(f"{what}: not within {seconds} s")


def backlog(db, count: int) -> set[int]:
    rows = [
        {
            "dedup_key": f"ha:{i}",
            "kind": "red_case",
            "recipient": f"chief{i}",  # one recipient per message: one send each (a digest of one)
            "status": "pending",
            "urgent": True,
            "attempts": 0,
            "payload": {
                "case_no": f"（2026）内0425执{i}号",
                "node_code": "N34",
                "due_date": "2026-11-23",
                "tier": "red",
            },
            "created_at": LONG_AGO,
            "next_attempt_at": LONG_AGO,
        }
        for i in range(count)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(OUTBOX), rows)
        return set(conn.execute(select(OUTBOX.c.id)).scalars())


def statuses(db) -> Counter:
    with db.engine.connect() as conn:
        return Counter(dict(conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)).all()))


def recorded(sent_log: Path) -> list[tuple[int, int]]:
    """Every send so far: (message id, pid of the scheduler that sent it)."""
    if not sent_log.exists():
        return []
    return [tuple(map(int, line.split())) for line in sent_log.read_text().splitlines() if line.strip()]


def unsent(db, missing: set[int]) -> str:
    """The outbox rows of messages marked sent that the recorder never saw (a lost SMS), for the
    failure's message: who claimed them, when, with which attempt and digest."""
    if not missing:
        return "none missing"
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(
                OUTBOX.c.id,
                OUTBOX.c.status,
                OUTBOX.c.attempts,
                OUTBOX.c.claimed_by,
                OUTBOX.c.claimed_at,
                OUTBOX.c.sent_at,
                OUTBOX.c.digest_id,
                OUTBOX.c.recipient,
                OUTBOX.c.last_error,
            ).where(OUTBOX.c.id.in_(missing))
        ).all()
    return "never recorded by the sender: " + "; ".join(str(tuple(row)) for row in rows)


def leader_of(procs: list[Proc], seconds: float = 60) -> Proc:
    return until(lambda: next((p for p in procs if p.said("is now the active scheduler")), None), seconds, "a leader")


def lease_row(db):
    with db.engine.connect() as conn:
        return conn.execute(select(LEASE.c.holder, LEASE.c.token)).one()


def hold_a_send(procs: list[Proc], sent_log: Path, db, total: int) -> tuple[Proc, int]:
    """Let the leader send a part of the backlog, then hold one send: (the leader, that message)."""
    leader = leader_of(procs)
    until(lambda: len(recorded(sent_log)) >= total // 10, 120, "the first sends")
    sent_log.with_name(sent_log.name + ".gate").touch()
    held = sent_log.with_name(sent_log.name + ".held")
    message_id, pid = map(int, until(lambda: held.exists() and held.read_text(), 60, "a held send").split())
    assert pid == leader.pid, "the leader is sending"
    return leader, message_id


def release(sent_log: Path) -> None:
    sent_log.with_name(sent_log.name + ".release").touch()


def test_three_healthy_schedulers_send_a_backlog_exactly_once_under_one_token(pg_url, tmp_path, procs):
    db = open_database(pg_url)
    sent_log = tmp_path / "sent.log"
    try:
        ids = backlog(db, 300)
        procs.extend(Proc(pg_url, sent_log, lease=6) for _ in range(3))
        leader = leader_of(procs)
        until(lambda: statuses(db)["sent"] == len(ids), 180, "every message sent")
        sends = Counter(message_id for message_id, _ in recorded(sent_log))
        assert set(sends) == ids and set(sends.values()) == {1}, (
            f"sent more than once: {[i for i, n in sends.items() if n > 1]}; {unsent(db, ids - set(sends))}"
        )
        assert {pid for _, pid in recorded(sent_log)} == {leader.pid}
        assert lease_row(db) == (leader.holder, 1), "the token never changed"
        for proc in procs:
            assert not proc.said("lost the scheduler lease")
            if proc is not leader:
                assert proc.said(f"standing by: {leader.holder} is active (token 1)")
                assert not proc.said("is now the active scheduler")
    finally:
        db.dispose()


def test_a_leader_paused_while_sending_sends_nothing_more_and_nothing_twice(pg_url, tmp_path, procs):
    db = open_database(pg_url)
    sent_log = tmp_path / "sent.log"
    lease = 4
    try:
        ids = backlog(db, 200)
        procs.extend(Proc(pg_url, sent_log, lease=lease) for _ in range(3))
        leader, held = hold_a_send(procs, sent_log, db, len(ids))
        leader.process.send_signal(signal.SIGSTOP)  # waiting for the gateway's answer to `held`
        paused = time.monotonic()
        release(sent_log)  # the answer comes while the leader is stopped
        standbys = [p for p in procs if p is not leader]
        successor = until(
            lambda: next((p for p in standbys if p.said("is now the active scheduler")), None), 30, "a takeover"
        )
        # the successor sends the rest; the held message stays claimed by the stopped leader
        until(lambda: statuses(db) == Counter(sent=len(ids) - 1, sending=1), 180, "the rest sent")
        with db.engine.connect() as conn:
            assert conn.execute(select(OUTBOX.c.claimed_by).where(OUTBOX.c.id == held)).scalar_one() == leader.holder
        time.sleep(max(0.0, 15 - (time.monotonic() - paused)))  # stopped for 15 s, well past the lease
        before = len(recorded(sent_log))
        since = len(leader.lines)
        leader.process.send_signal(signal.SIGCONT)
        leader.wait_for("lost the scheduler lease", 30)
        until(lambda: statuses(db) == Counter(sent=len(ids)), 60, "the held message recorded as sent")
        sends = recorded(sent_log)
        assert [s for s in sends[before:] if s[1] == leader.pid] == [], "the old leader sent nothing after it resumed"
        counts = Counter(message_id for message_id, _ in sends)
        assert set(counts) == ids and set(counts.values()) == {1}, (
            f"sent twice: {[i for i, n in counts.items() if n > 1]}; {unsent(db, ids - set(counts))}"
        )
        assert len(sends) == len(ids)
        assert lease_row(db) == (successor.holder, 2)
        assert not leader.said("is now the active scheduler", since)
    finally:
        db.dispose()


def test_a_killed_leader_s_message_in_flight_is_the_only_one_sent_twice(pg_url, tmp_path, procs):
    db = open_database(pg_url)
    sent_log = tmp_path / "sent.log"
    try:
        ids = backlog(db, 200)
        procs.extend(Proc(pg_url, sent_log, lease=4) for _ in range(3))
        leader, held = hold_a_send(procs, sent_log, db, len(ids))
        leader.process.send_signal(signal.SIGKILL)  # while waiting for the answer to `held`
        leader.process.wait(timeout=10)
        release(sent_log)
        until(lambda: statuses(db) == Counter(sent=len(ids)), 180, "every message sent")
        doubted = {
            int(i)
            for p in procs
            if p is not leader
            for line in p.said("may be delivered twice")
            for i in re.findall(r"message (\d+) may be", line)
        }
        sends = recorded(sent_log)
        counts = Counter(message_id for message_id, _ in sends)
        assert set(counts) == ids, f"every message sent at least once; {unsent(db, ids - set(counts))}"
        assert {i for i, n in counts.items() if n > 1} == doubted == {held}, (
            "twice only what its dead sender was sending"
        )
        assert max(counts.values()) == 2 and len(sends) == len(ids) + len(doubted) == 201
    finally:
        db.dispose()


def test_a_leader_paused_inside_its_recompute_does_not_hold_up_failover(pg_url, tmp_path, procs):
    db = open_database(pg_url)
    Court(db).case(date(2026, 11, 2))
    sent_log = tmp_path / "sent.log"
    lease = 4
    try:
        procs.extend(Proc(pg_url, sent_log, lease=lease, dispatch=30) for _ in range(2))
        leader = leader_of(procs)
        standby = next(p for p in procs if p is not leader)
        for job in (
            RECOMPUTED,
            "notifications:",
            "daily snapshot:",
            "fund sample:",
            "asset inventory:",
            "closed-case review:",
        ):
            until(lambda job=job: leader.said(job), 60, f"the leader's catch-up ({job})")
        with psycopg.connect(pg_url) as blocker:
            blocker.execute("LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE")
            until(lambda: waits_for(pg_url, blocker), 30, "the leader's next recompute waiting on the alerts")
            leader.process.send_signal(signal.SIGSTOP)  # inside its recompute transaction
            paused = time.monotonic()
        # the lock is released: the stopped leader's statement goes through, its transaction stays open
        standby.wait_for("is now the active scheduler", lease + 10)
        standby.wait_for(RECOMPUTED, lease + 10)
        took = time.monotonic() - paused
        print(f"a standby recomputed {took:.1f} s after the leader stopped")
        assert took < lease + 5, f"a standby recomputed {took:.1f} s after the leader stopped"
        with db.engine.connect() as conn:
            after_takeover = state.read(conn, LAST_RECOMPUTE)
        since = len(leader.lines)
        leader.process.send_signal(signal.SIGCONT)
        until(
            lambda: leader.said("lost the scheduler lease", since) and leader.said("recompute abandoned", since),
            30,
            "the old leader saying it lost the lease and abandoned its recompute",
        )
        assert not leader.said(RECOMPUTED, since), "it committed nothing"
        with db.engine.connect() as conn:
            assert state.read(conn, LAST_RECOMPUTE) >= after_takeover, "the old leader's recompute did not commit"
        assert lease_row(db) == (standby.holder, 2)
    finally:
        db.dispose()


def waits_for(url: str, blocker: psycopg.Connection) -> bool:
    """Is a session (the leader's recompute: nothing else writes) waiting for a lock ``blocker`` holds?"""
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(
            conn.execute(
                "SELECT 1 FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", (blocker.info.backend_pid,)
            ).fetchone()
        )


def test_status_names_the_active_scheduler_and_its_standby(pg_url, tmp_path, procs):
    db = open_database(pg_url)
    sent_log = tmp_path / "sent.log"
    try:
        backlog(db, 3)
        procs.extend(Proc(pg_url, sent_log, lease=4, dispatch=3600) for _ in range(2))
        leader = leader_of(procs)
        standby = next(p for p in procs if p is not leader)
        until(lambda: leader.said(RECOMPUTED), 60, "a recompute")
        until(lambda: statuses(db)["sent"] == 3, 60, "the catch-up's dispatch")
        standby.wait_for(f"standing by: {leader.holder} is active (token 1)", 30)

        def status(*args: str) -> str:
            result = CliRunner().invoke(cli, ["--db", pg_url, *args])
            assert result.exit_code == 0, result.output
            return result.output

        found = json.loads(status("scheduler", "--status", "--json"))
        assert found["lease"]["holder"] == leader.holder and found["lease"]["token"] == 1
        assert found["lease"]["alive"] is True and found["lease"]["expired"] is False
        assert found["standbys"] == [standby.holder]
        assert found["outbox"] == {"pending": 0, "sending": 0, "sent": 3, "failed": 0, "inhibited": 0}
        jobs = {job["id"]: job for job in found["jobs"]}
        assert list(jobs) == ["recompute", "dispatch", "snapshot", "fund_sample", "asset_inventory", "closed_review"]
        assert (
            jobs["recompute"]["last_run"] is not None and jobs["recompute"]["next_due"] > jobs["recompute"]["last_run"]
        )

        en = status("--lang", "en", "scheduler", "--status")
        assert f"active      {leader.holder} (token 1), alive" in en
        assert f"standing by {standby.holder}" in en
        assert "Outbox: pending 0, sending 0, sent 3, failed 0, inhibited 0" in en
        assert not re.search(r"[\u4e00-\u9fff]", en), "no Chinese label in English"
        zh = status("--lang", "zh", "scheduler", "--status")
        assert f"{leader.holder} (令牌 1), 在线" in zh and standby.holder in zh and "备用调度器" in zh
        assert "通知发件箱: 待发 0, 发送中 0, 已发 3, 失败 0" in zh
        assert not re.search(
            r"\b(active|alive|standing|Outbox|last run|recompute)\b",
            zh.replace(leader.holder, "").replace(standby.holder, ""),
        )
    finally:
        db.dispose()


def test_status_on_sqlite_sees_a_leader_of_this_machine(sqlite_url):
    db = open_database(sqlite_url)
    try:
        lease = Lease(db, 30)
        assert lease.acquire()
        found = json.loads(CliRunner().invoke(cli, ["--db", sqlite_url, "scheduler", "--status", "--json"]).output)
        assert found["lease"]["holder"] == lease.holder and found["lease"]["alive"] is True
        assert (
            found["standbys"] is None and found["jobs"][0]["last_run"] is None and found["jobs"][0]["next_due"] is None
        )
        en = CliRunner().invoke(cli, ["--db", sqlite_url, "--lang", "en", "scheduler", "--status"]).output
        assert "standing by not visible on SQLite" in en and "recompute         never" in en
        lease.release()
    finally:
        db.dispose()


# -- the lease's parts, in one process -------------------------------------------------------------


def expire(db) -> None:
    with db.engine.begin() as conn:
        conn.execute(LEASE.update().values(expires_at=LONG_AGO))


def sessions(db, holder: str) -> dict[int, str]:
    """pid → state of the sessions named after ``holder``."""
    with db.engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT pid, state FROM pg_stat_activity WHERE application_name = :name"), {"name": holder}
            ).all()
        )


def within(seconds: float, call):
    """``call()``'s result, failing (not hanging) if it does not return within ``seconds``."""
    out: list = []
    worker = threading.Thread(target=lambda: out.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert out, f"still waiting after {seconds} s"
    return out[0]


def test_a_running_recompute_holds_up_neither_the_renewal_nor_a_takeover(pg_url):
    db = open_database(pg_url)
    Court(db).case(date(2026, 11, 2))
    first, second = Lease(db, 3, holder="scheduler@a:1:aaaaaa"), Lease(db, 3, holder="scheduler@b:2:bbbbbb")
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(recompute(first.db, CATALOGUE, CALENDAR, NOW, fence=first.fence))
        except Exception as exc:  # noqa: BLE001 - the test looks at it
            outcome.append(exc)

    try:
        assert first.acquire()
        with psycopg.connect(pg_url) as blocker:
            blocker.execute("LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE")
            job = threading.Thread(target=run)
            job.start()
            until(lambda: waits_for(pg_url, blocker), 10, "the recompute half way")
            assert within(2, first.acquire), "the leader renews while its recompute runs"
            expire(db)  # as if the leader had paused for a lease time
            assert within(2, second.acquire) and second.token == 2, "a standby takes over while it runs"
        job.join(10)
        assert isinstance(outcome[0], DBAPIError | LeaseLost), outcome
        with db.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(m.NodeInstance.__table__)).scalar_one() == 0, (
                "nothing committed"
            )
    finally:
        first.close(), second.close(), db.dispose()


def test_a_takeover_ends_the_old_holder_s_open_transactions_but_not_its_presence(pg_url):
    db = open_database(pg_url)
    old, new = Lease(db, 3, holder="scheduler@a:1:aaaaaa"), Lease(db, 3, holder="scheduler@b:2:bbbbbb")
    try:
        old.open()
        assert old.acquire()
        stuck = old.db.engine.connect()
        stuck.begin()
        state.write(stuck, "job:test", "half done")  # a paused leader's open transaction
        expire(db)
        assert new.acquire() and new.token == 2
        until(lambda: set(sessions(db, old.holder).values()) == {"idle"}, 10, "its open transaction ended")
        with db.engine.connect() as conn:
            assert holder_alive(conn, old.holder), "its idle presence session is left alone"
            assert state.read(conn, "job:test") is None
        with pytest.raises(DBAPIError):
            stuck.commit()
        stuck.invalidate()
        assert not old.acquire() and old.seen.holder == new.holder
    finally:
        old.close(), new.close(), db.dispose()


def test_a_lease_row_left_locked_by_a_holder_whose_lease_expired_is_freed(pg_url):
    """A leader paused between its fence and its commit: the row stays locked; a standby's lease
    statement gives up after its lock_timeout, ends the holder's transactions, and takes over next tick."""
    db = open_database(pg_url)
    old, new = Lease(db, 3, holder="scheduler@a:1:aaaaaa"), Lease(db, 3, holder="scheduler@b:2:bbbbbb")
    try:
        assert old.acquire()
        expire(db)
        stuck = old.db.engine.connect()
        stuck.begin()
        old.fence(stuck)  # the lease row is locked until this transaction ends
        began = time.monotonic()
        assert not new.acquire()
        assert time.monotonic() - began < 2, "the lease statement does not wait for the lock"
        until(lambda: not sessions(db, old.holder), 10, "the stuck transaction ended")
        assert new.acquire() and new.token == 2
        with pytest.raises(DBAPIError):
            stuck.commit()
        stuck.invalidate()
    finally:
        old.close(), new.close(), db.dispose()


def test_holders_fit_postgresql_s_application_name():
    holder = default_holder()
    assert holder.startswith("scheduler@") and len(holder.encode()) <= 63 and session_name(holder) == holder
    assert session_name("scheduler@主机:1:abcdef") == "scheduler@??:1:abcdef"
    assert len(session_name("x" * 100)) == 63


def test_an_escalation_is_taken_once_when_the_leader_is_killed(pg_url, tmp_path, procs):
    """Overdue alerts nobody acknowledged since 2026-11-20 climb one step (the escalation, issue
    23) the first time a scheduler recomputes, whatever the real date: three schedulers race,
    the leader is killed (kill -9) after its recompute, and the next leader's recomputes take
    no step again: one ``escalated_auto`` row per alert, one message per alert and recipient."""
    actions = m.AlertAction.__table__
    db = open_database(pg_url)
    # filed long before: its overdue nodes are red as of 2026-11-20 and stay red (the top tier,
    # no tier change to restart their wait) on any later real date, the schedulers' clock
    Court(db).case(date(2025, 1, 6))
    recompute(db, CATALOGUE, CALENDAR, NOW)  # the alerts open as of 2026-11-20; nobody acts on them

    def taken() -> tuple[Counter, Counter]:
        with db.engine.connect() as conn:
            steps = Counter(
                conn.execute(select(actions.c.alert_id).where(actions.c.kind == "escalated_auto")).scalars()
            )
            messages = Counter(
                conn.execute(
                    select(OUTBOX.c.dedup_key, OUTBOX.c.recipient).where(OUTBOX.c.kind == "auto_escalated")
                ).all()
            )
        return steps, messages

    sent_log = tmp_path / "sent.log"
    try:
        procs.extend(Proc(pg_url, sent_log, lease=4, recompute=5) for _ in range(3))
        leader = leader_of(procs)
        leader.wait_for(RECOMPUTED, 60)
        leader.process.kill()
        leader.process.wait(timeout=30)
        by_the_leader = taken()
        assert by_the_leader[0] and by_the_leader[1], "the leader's recompute took the steps due"
        successor = leader_of([p for p in procs if p is not leader], 60)
        since = len(successor.lines)
        until(lambda: len(successor.said(RECOMPUTED, since)) >= 2, 90, "two recomputes of the next leader")
        steps, messages = taken()
        assert (steps, messages) == by_the_leader, "the next leader took no step again"
        assert set(steps.values()) == {1} and set(messages.values()) == {1}
    finally:
        db.dispose()
