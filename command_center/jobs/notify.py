"""Sending the notification outbox: log file, SMS gateway (HTTP) or a program.

The recompute writes messages into ``notification_outbox`` in its own transaction; this job
sends them, one at a time, in three steps:

1. claim: a short transaction turns the message from ``pending`` to ``sending`` with the
   sender's name (``claimed_by``, the scheduler's lease holder) and, for the scheduler,
   passes the lease's fence, so a scheduler that lost the lease claims nothing more;
2. send, only if the claim is fresh (a process paused since it claimed gives the message
   back and stops: the new leader sends it);
3. record what happened in a transaction of its own: ``sent``, or back to ``pending`` with a
   growing delay, or ``failed`` after :data:`MAX_ATTEMPTS` (still in the table until
   someone retries it: ``command-center outbox --retry-failed``).

A message claimed by another sender is left alone while that sender's process is alive
(:func:`command_center.jobs.lease.holder_alive`), because nobody can tell whether its send
went out; it goes back to the queue, with a warning that it may be delivered twice, when the
process is gone, or when the claim is older than :data:`IN_DOUBT_AFTER` (no send takes that
long: the process is frozen, or cannot be seen from here).  So a message recorded as sent is
never sent again, and a message is sent twice only when its attempt ended without an answer:
a timeout (retried), or its sender died, froze or lost the database between the send and the
record.

On statutory rest days only urgent messages (red) go out; the others wait for the next
working day (a 调休 working Saturday is a working day).  On a rest day the urgent messages meant
for officers go to the officer on duty (值班, :mod:`command_center.data.duty`) instead, the
escalations excepted (they are for the leader or chief they climbed to); ``routed_from`` keeps
whom a message was meant for.  In the court's quiet night hours
(``quiet_hours``) only escalations go out.

A recipient's due messages go out as one SMS per dispatch (a digest, :mod:`.digest`): they are
claimed together, sent once and recorded together, each message keeping its own row, status
and attempts (and the digest it went out in, ``digest_id``).  Before sending, the node-level
messages (due soon, a tier change below red) of a case that is red now are inhibited: marked
``inhibited`` and never sent, the red case's own messages saying more.
"""

from __future__ import annotations

import json
import logging
import shlex
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as dtime
from itertools import groupby
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, false, func, select, true, update
from sqlalchemy.exc import DBAPIError

from command_center.config import Settings
from command_center.data import models as m
from command_center.data.bulk import changed_rows
from command_center.data.catalogue import Catalogue
from command_center.data.duty import duty_officer_id
from command_center.data.engine import Database
from command_center.data.parties import mask_phone
from command_center.data.tables import ALERTS, CASES, OFFICERS, OUTBOX
from command_center.data.workcal import TZ, WorkCalendar, local_date
from command_center.jobs.digest import digest_text
from command_center.jobs.lease import Lease, db_now, default_holder, holder_alive
from command_center.private import private_file

#: seconds to wait after the n-th failure (then the last value)
BACKOFF = (60, 120, 300, 900, 1800, 3600)
MAX_ATTEMPTS = 12
#: a claim this old goes back to the queue even if its sender looks alive: a send times out
#: after 30 s at most, so its process is frozen (paused, hung), or its pid was reused, or it
#: runs on a machine SQLite cannot see; a message is never stuck behind it for longer
IN_DOUBT_AFTER = timedelta(minutes=10)

log = logging.getLogger("command_center.notify")


class SendError(RuntimeError):
    pass


class Sender(Protocol):
    name: str

    @property
    def target(self) -> str:
        """Where its messages go: the log file, the gateway's URL, the command."""
        ...

    def send(self, message: dict) -> None: ...


@dataclass
class LogSender:
    path: Path
    name: str = "log"

    @property
    def target(self) -> str:
        return str(self.path)

    def send(self, message: dict) -> None:
        try:
            with private_file(self.path).open("a", encoding="utf-8") as out:
                out.write(json.dumps(message, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SendError(f"cannot append to {self.path}: {exc.strerror}") from None


@dataclass
class HttpSender:
    url: str
    timeout: float = 10.0
    name: str = "http"

    @property
    def target(self) -> str:
        return self.url

    def send(self, message: dict) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the configured gateway
            self.url, data=body, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - the configured gateway
                if not 200 <= response.status < 300:
                    raise SendError(f"{self.url} answered {response.status}")
        except urllib.error.HTTPError as exc:
            raise SendError(f"{self.url} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise SendError(f"{self.url}: {getattr(exc, 'reason', exc)}") from None


@dataclass
class CommandSender:
    command: str
    timeout: float = 30.0
    name: str = "command"

    @property
    def target(self) -> str:
        return self.command

    def send(self, message: dict) -> None:
        try:
            process = subprocess.Popen(
                shlex.split(self.command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError as exc:
            raise SendError(f"{self.command}: {exc}") from None
        try:
            _, stderr = process.communicate(json.dumps(message, ensure_ascii=False), timeout=self.timeout)
        except subprocess.TimeoutExpired:
            if process.poll() is None:  # no answer: the message may or may not have gone out
                process.kill()
                process.communicate()
                raise SendError(f"{self.command}: no answer within {self.timeout:g} s") from None
            _, stderr = process.communicate()  # it answered while this process was paused: the answer counts
        if process.returncode != 0:
            reason = (stderr.strip().splitlines() or [""])[-1]
            raise SendError(f"{self.command} exited with {process.returncode}{': ' + reason if reason else ''}")


def make_sender(settings: Settings) -> Sender:
    if settings.notify_sender == "http":
        return HttpSender(settings.notify_url or "")
    if settings.notify_sender == "command":
        return CommandSender(settings.notify_command or "")
    return LogSender(settings.notify_log_path())


@dataclass(frozen=True)
class DispatchResult:
    sent: int  # messages recorded as sent
    retried: int
    failed: int
    held: int  # waiting for a working day (not urgent) or for the morning (quiet hours)
    in_doubt: int = 0  # back in the queue: their sender died while sending them
    digests: int = 0  # sends made: one per recipient
    inhibited: int = 0  # held back for good: their case is red


#: what a red case holds back: the node-level messages of the same case (its officer hears of
#: the red tier itself, urgent, and the chiefs get the red case)
INHIBITED_KINDS = ("due_soon", "tier_changed")
#: what goes out in the quiet night hours
NIGHT_KINDS = ("escalated", "auto_escalated")


def in_quiet_hours(now: datetime, quiet: tuple[dtime, dtime] | None) -> bool:
    """Whether local ``now`` falls in the quiet hours ``(start, end)`` (across midnight when
    start > end; start == end is never)."""
    if quiet is None:
        return False
    start, end = quiet
    at = now.astimezone(TZ).time()
    return start <= at < end if start <= end else at >= start or at < end


@dataclass
class Claimer:
    """Who sends: the name its claims carry, the fence they pass, how long a claim stays fresh.

    The scheduler's is its lease holder with the lease's fence; ``outbox --dispatch`` is a
    holder of its own without a fence.  On PostgreSQL the holder must have a session open
    under its name while it sends (:meth:`command_center.jobs.lease.Lease.open`), or the
    others take it for dead and send its message again.
    """

    holder: str
    fence: Callable[[Connection], None] | None = None
    fresh_seconds: float = 15.0
    #: outcomes of sends that could not be recorded yet (the database was away), by message id
    unrecorded: dict[int, dict] = field(default_factory=dict)


def dispatch(
    db: Database,
    catalogue: Catalogue,
    calendar: WorkCalendar,
    sender: Sender,
    now: datetime,
    *,
    batch: int = 500,
    claimer: Claimer | None = None,
    quiet_hours: tuple[dtime, dtime] | None = None,
) -> DispatchResult:
    """Send what is due as one digest per recipient, urgent recipients first: each recipient's
    messages claimed together before the send and recorded together after it.

    Before that, the node-level messages of a case that is red now are inhibited (never sent).
    On statutory rest days only urgent messages go; in the ``quiet_hours`` only escalations.
    Without a ``claimer`` (``outbox --dispatch``), this call claims under a name of its own,
    shown alive while it runs, so that a running scheduler neither sends the same messages nor
    takes it for dead.  Raises :class:`~command_center.jobs.lease.LeaseLost` when the
    claimer's fence does (what was sent is recorded)."""
    if claimer is None:
        with Lease(db, holder=default_holder("outbox")).present() as identity:
            return dispatch(
                identity.db,
                catalogue,
                calendar,
                sender,
                now,
                batch=batch,
                claimer=Claimer(identity.holder, fresh_seconds=identity.seconds / 2),
                quiet_hours=quiet_hours,
            )
    _record_unrecorded(db, claimer)
    in_doubt = _take_back(db, claimer)
    inhibited = _inhibit(db, claimer, now)
    due = (OUTBOX.c.status == "pending") & (OUTBOX.c.next_attempt_at <= now)
    if not calendar.is_workday(local_date(now)):
        _route_to_duty(db, claimer, due, local_date(now))
    restricted = True
    if in_quiet_hours(now, quiet_hours):
        allowed = OUTBOX.c.kind.in_(NIGHT_KINDS)
    elif not calendar.is_workday(local_date(now)):
        allowed = OUTBOX.c.urgent == true()
    else:
        allowed, restricted = true(), False
    with db.engine.connect() as conn:
        query = select(OUTBOX).where(due, allowed).order_by(OUTBOX.c.urgent.desc(), OUTBOX.c.id).limit(batch)
        rows = conn.execute(query).all()
        held = conn.execute(select(func.count()).where(due, ~allowed)).scalar_one() if restricted else 0
    by_recipient: dict[str, list] = {}
    for row in rows:  # urgent first: a recipient with an urgent message is served first
        by_recipient.setdefault(row.recipient, []).append(row)
    sent = retried = failed = digests = 0
    for recipient, group in by_recipient.items():
        began = time.monotonic()
        claimed = _claim(db, claimer, [r.id for r in group], now)
        if not claimed:
            continue  # another sender has them, or they were sent meanwhile
        if (waited := time.monotonic() - began) > claimer.fresh_seconds:
            _give_back(db, claimer, list(claimed))
            log.warning(
                "%s: %.1f s passed while claiming messages %s (was this process paused?): "
                "gave them back and stopped sending",
                claimer.holder,
                waited,
                ", ".join(map(str, sorted(claimed))),
            )
            break
        mine = [r for r in group if r.id in claimed]
        first = mine[0]
        message = {
            "id": min(claimed),
            "ids": sorted(claimed),
            "kind": first.kind if len(mine) == 1 else "digest",
            "recipient": recipient,
            "phone": next((r.phone for r in reversed(mine) if r.phone), None),
            "urgent": any(r.urgent for r in mine),
            "text": digest_text([(r.kind, r.payload) for r in mine], catalogue),
            "count": len(mine),
            "payload": first.payload if len(mine) == 1 else None,
            "created_at": first.created_at.isoformat(),
        }
        digests += 1
        try:
            sender.send(message)
        except Exception as exc:  # noqa: BLE001 - SendError, or a sender's bug: an attempt without an answer, retried
            outcomes = {}
            for message_id, previous in claimed.items():
                attempts = previous + 1
                gave_up = attempts >= MAX_ATTEMPTS
                delay = BACKOFF[min(attempts, len(BACKOFF)) - 1]
                outcomes[message_id] = {
                    "attempts": attempts,
                    "last_error": str(exc)[:1000],
                    "next_attempt_at": now + timedelta(seconds=delay),
                    "status": "failed" if gave_up else "pending",
                }
                failed += gave_up
                retried += not gave_up
        else:
            outcomes = {
                message_id: {
                    "attempts": previous + 1,
                    "status": "sent",
                    "sent_at": now,
                    "last_error": None,
                    "digest_id": message["id"],
                }
                for message_id, previous in claimed.items()
            }
            sent += len(outcomes)
        _record(db, claimer, outcomes)
    return DispatchResult(sent, retried, failed, held, in_doubt, digests, inhibited)


def _inhibit(db: Database, claimer: Claimer, now: datetime) -> int:
    """A red case holds back the node-level messages of the same case (inhibition, for good):
    the officer hears of the red tier and the chiefs of the red case, not of each late node.
    A red case is an open one, as on the wall and in the chiefs' messages: a closed case's late
    archive nodes hold nothing back (no red-case message speaks for them)."""
    red_now = (
        select(ALERTS.c.case_id)
        .select_from(ALERTS.join(CASES, CASES.c.id == ALERTS.c.case_id))
        .where(ALERTS.c.tier == "red", ALERTS.c.status.in_(("open", "acknowledged")), CASES.c.closed_on.is_(None))
    )
    with db.engine.begin() as conn:
        done = changed_rows(
            conn,
            update(OUTBOX)
            .where(
                OUTBOX.c.status == "pending",
                OUTBOX.c.urgent == false(),
                OUTBOX.c.kind.in_(INHIBITED_KINDS),
                OUTBOX.c.case_id.in_(red_now),
            )
            .values(status="inhibited", last_error="inhibited: its case is red"),
        )
        if done and claimer.fence is not None:
            claimer.fence(conn)  # last: only while the lease is still ours
    return done


def _route_to_duty(db: Database, claimer: Claimer, due, day) -> int:
    """A rest day: the urgent messages due to officers go to the officer on duty (one set-based
    update; escalations stay with the leader or chief they climbed to)."""
    with db.engine.begin() as conn:
        duty = duty_officer_id(conn, day)
        if duty is None:
            return 0
        on_duty = conn.execute(select(OFFICERS.c.login, OFFICERS.c.phone).where(OFFICERS.c.id == duty)).one()
        officers = select(OFFICERS.c.login).where(OFFICERS.c.role == "officer", OFFICERS.c.login != on_duty.login)
        done = changed_rows(
            conn,
            update(OUTBOX)
            .where(due, OUTBOX.c.urgent == true(), OUTBOX.c.kind.not_in(NIGHT_KINDS), OUTBOX.c.recipient.in_(officers))
            .values(routed_from=OUTBOX.c.recipient, recipient=on_duty.login, phone=on_duty.phone),
        )
        if done and claimer.fence is not None:
            claimer.fence(conn)  # last: only while the lease is still ours
    return done


def _claim(db: Database, claimer: Claimer, message_ids: list[int], now: datetime) -> dict[int, int]:
    """``pending`` → ``sending`` under the claimer's name and fence: {message id: its attempts so far}."""
    with db.engine.begin() as conn:
        claimed = dict(
            conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(message_ids), OUTBOX.c.status == "pending", OUTBOX.c.next_attempt_at <= now)
                .values(status="sending", claimed_by=claimer.holder, claimed_at=db_now(conn))
                .returning(OUTBOX.c.id, OUTBOX.c.attempts)
            ).all()
        )
        if claimed and claimer.fence is not None:
            claimer.fence(conn)  # last: the claim commits only while the lease is still ours
    return claimed


def _mine(claimer: Claimer, message_id: int):
    return (OUTBOX.c.id == message_id) & (OUTBOX.c.status == "sending") & (OUTBOX.c.claimed_by == claimer.holder)


def _give_back(db: Database, claimer: Claimer, message_ids: list[int]) -> None:
    """Claims not acted on: the messages go back to the queue as they were."""
    with db.engine.begin() as conn:
        for message_id in message_ids:
            conn.execute(update(OUTBOX).where(_mine(claimer, message_id)).values(status="pending"))


def _record(db: Database, claimer: Claimer, outcomes: dict[int, dict]) -> None:
    """What a send did to each of its messages, unless a claim was taken away meanwhile (this
    process was taken for dead)."""
    try:
        with db.engine.begin() as conn:
            lost = [
                message_id
                for message_id, values in outcomes.items()
                if not changed_rows(conn, update(OUTBOX).where(_mine(claimer, message_id)).values(**values))
            ]
    except DBAPIError:
        claimer.unrecorded.update(outcomes)
        log.error(
            "%s: could not record that messages %s were %s; trying again at the next dispatch "
            "(if this process ends first, "
            "they may be delivered twice)",
            claimer.holder,
            ", ".join(map(str, sorted(outcomes))),
            next(iter(outcomes.values()))["status"],
        )
        raise
    for message_id in outcomes:
        claimer.unrecorded.pop(message_id, None)
    for message_id in lost:
        log.warning(
            "message %s may be delivered twice: it was given to another sender while %s was sending it",
            message_id,
            claimer.holder,
        )


def _record_unrecorded(db: Database, claimer: Claimer) -> None:
    if claimer.unrecorded:
        _record(db, claimer, dict(claimer.unrecorded))


def _take_back(db: Database, claimer: Claimer) -> int:
    """Messages left ``sending``: this claimer's own (claimed, never sent: a claim whose commit it
    did not see) go back quietly; another sender's go back only when its process is gone."""
    with db.engine.begin() as conn:
        mine = (OUTBOX.c.status == "sending") & (OUTBOX.c.claimed_by == claimer.holder)
        conn.execute(update(OUTBOX).where(mine, OUTBOX.c.id.not_in(list(claimer.unrecorded))).values(status="pending"))
        claims = conn.execute(
            select(OUTBOX.c.id, OUTBOX.c.claimed_by, OUTBOX.c.claimed_at)
            .where(OUTBOX.c.status == "sending", OUTBOX.c.claimed_by != claimer.holder)
            .order_by(OUTBOX.c.claimed_by, OUTBOX.c.id)
        ).all()
        if not claims:
            return 0
        now = db_now(conn)
        returned = 0
        for holder, rows in groupby(claims, key=lambda r: r.claimed_by):
            # gone: at once; alive (it will record the send or give the message back) or cannot
            # tell: only a claim older than any send takes
            alive = holder_alive(conn, holder)
            ids = [r.id for r in rows if alive is False or r.claimed_at <= now - IN_DOUBT_AFTER]
            if not ids:
                continue
            why = "died while sending" if alive is False else f"has held it for more than {IN_DOUBT_AFTER} (frozen?)"
            ids = (
                conn.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.id.in_(ids), OUTBOX.c.status == "sending", OUTBOX.c.claimed_by == holder)
                    .values(
                        status="pending",
                        attempts=OUTBOX.c.attempts + 1,
                        last_error=f"in doubt: its sender {holder} {why}",
                    )
                    .returning(OUTBOX.c.id)
                )
                .scalars()
                .all()
            )
            for message_id in sorted(ids):
                log.warning("message %s may be delivered twice: its sender %s %s", message_id, holder, why)
            returned += len(ids)
    return returned


def retry_failed(db: Database, now: datetime) -> int:
    with db.engine.begin() as conn:
        return conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=now)
            .execution_options(preserve_rowcount=True)
        ).rowcount


def outbox_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        counts = dict(conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)).all())
    return {status: counts.get(status, 0) for status in m.OUTBOX_STATUSES}


def shown_recipient(recipient: str) -> str:
    """A login as it is; an applicant's phone (their messages' recipient) masked."""
    return mask_phone(recipient) if recipient.lstrip("+").isdigit() else recipient


def deliveries(db: Database) -> list[dict]:
    """Where the messages went: per recipient, the phone of their last message (masked), the
    count per status and the last send."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(OUTBOX.c.recipient, OUTBOX.c.status, func.count(), func.max(OUTBOX.c.sent_at), func.max(OUTBOX.c.id))
            .group_by(OUTBOX.c.recipient, OUTBOX.c.status)
            .order_by(OUTBOX.c.recipient)
        ).all()
        last_ids = {}
        for recipient, _, _, _, last_id in rows:
            last_ids[recipient] = max(last_ids.get(recipient, 0), last_id)
        phones = dict(
            conn.execute(select(OUTBOX.c.id, OUTBOX.c.phone).where(OUTBOX.c.id.in_(list(last_ids.values())))).all()
        )
    found: dict[str, dict] = {}
    for recipient, status, count, last_sent, _ in rows:
        entry = found.setdefault(
            recipient,
            {
                "recipient": shown_recipient(recipient),
                "phone": mask_phone(phones.get(last_ids[recipient])),
                **dict.fromkeys(m.OUTBOX_STATUSES, 0),
                "digests": 0,
                "last_sent_at": None,
            },
        )
        entry[status] = count
        if last_sent is not None and (entry["last_sent_at"] is None or last_sent > entry["last_sent_at"]):
            entry["last_sent_at"] = last_sent
    with db.engine.connect() as conn:
        for recipient, digests in conn.execute(
            select(OUTBOX.c.recipient, func.count(func.distinct(OUTBOX.c.digest_id)))
            .where(OUTBOX.c.digest_id.is_not(None))
            .group_by(OUTBOX.c.recipient)
        ):
            found[recipient]["digests"] = digests
    return list(found.values())


def digests_on(db: Database, catalogue: Catalogue, day, *, recipient: str | None = None) -> list[dict]:
    """The digests sent on local ``day`` as their recipients read them (rebuilt from their
    messages, in the order they were sent): time, recipient, masked phone, count, text."""
    start = datetime.combine(day, dtime(0), tzinfo=TZ)
    query = (
        select(OUTBOX)
        .where(OUTBOX.c.digest_id.is_not(None), OUTBOX.c.sent_at >= start, OUTBOX.c.sent_at < start + timedelta(days=1))
        .order_by(OUTBOX.c.digest_id, OUTBOX.c.urgent.desc(), OUTBOX.c.id)
    )
    if recipient:
        query = query.where(OUTBOX.c.recipient == recipient)
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = []
    for digest_id, group in groupby(rows, key=lambda r: r.digest_id):
        group = list(group)
        found.append(
            {
                "digest_id": digest_id,
                "sent_at": group[0].sent_at,
                "recipient": shown_recipient(group[0].recipient),
                "phone": mask_phone(next((r.phone for r in reversed(group) if r.phone), None)),
                "count": len(group),
                "text": digest_text([(r.kind, r.payload) for r in group], catalogue),
            }
        )
    return sorted(found, key=lambda d: (d["sent_at"], d["digest_id"]))
