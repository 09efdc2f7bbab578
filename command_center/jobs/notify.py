"""Sending the notification outbox: log file, SMS gateway (HTTP) or a program.

The recompute writes messages into ``notification_outbox`` in its own transaction; this job
sends them.  A message is marked ``sent`` only after its sender succeeded, so a failing
sender (or a crash) never loses one: it stays ``pending`` and is retried with a growing
delay, and after :data:`MAX_ATTEMPTS` it is ``failed``, still in the table, until someone
retries it (``command-center outbox --retry-failed``).  Delivery is at least once.

On statutory rest days only urgent messages (red) go out; the others wait for the next
working day (a 调休 working Saturday is a working day).
"""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import false, func, select, true, update

from command_center.config import Settings
from command_center.data import models as m
from command_center.data.catalogue import Catalogue
from command_center.data.engine import Database
from command_center.data.workcal import WorkCalendar, local_date
from command_center.data.tables import OUTBOX
from command_center.labels import MESSAGES, TIERS

#: seconds to wait after the n-th failure (then the last value)
BACKOFF = (60, 120, 300, 900, 1800, 3600)
MAX_ATTEMPTS = 12


class SendError(RuntimeError):
    pass


class Sender(Protocol):
    name: str

    def send(self, message: dict) -> None: ...


@dataclass
class LogSender:
    path: Path
    name: str = "log"

    def send(self, message: dict) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(json.dumps(message, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise SendError(f"cannot append to {self.path}: {exc.strerror}") from None


@dataclass
class HttpSender:
    url: str
    timeout: float = 10.0
    name: str = "http"

    def send(self, message: dict) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
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

    def send(self, message: dict) -> None:
        try:
            done = subprocess.run(shlex.split(self.command), input=json.dumps(message, ensure_ascii=False), text=True,
                                  capture_output=True, timeout=self.timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SendError(f"{self.command}: {exc}") from None
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or [""])[-1]
            raise SendError(f"{self.command} exited with {done.returncode}{': ' + reason if reason else ''}")


def make_sender(settings: Settings) -> Sender:
    if settings.notify_sender == "http":
        return HttpSender(settings.notify_url or "")
    if settings.notify_sender == "command":
        return CommandSender(settings.notify_command or "")
    return LogSender(settings.notify_log_path())




def render(kind: str, payload: dict, catalogue: Catalogue) -> str:
    code = payload.get("node_code") or ""
    node = f"{code} {catalogue[code].name}" if code in catalogue else code
    subject = f" ({payload['subject_id']})" if payload.get("subject_id") else ""
    template = MESSAGES.get(kind, MESSAGES["other"])
    return template.format(case_no=payload.get("case_no", ""), node=node, subject=subject, due_date=payload.get("due_date") or "",
                           tier=TIERS["zh"].get(payload.get("tier") or "", ""), by=payload.get("by", ""), note=payload.get("note", ""))


@dataclass(frozen=True)
class DispatchResult:
    sent: int
    retried: int
    failed: int
    held: int  # not urgent, waiting for a working day


def dispatch(db: Database, catalogue: Catalogue, calendar: WorkCalendar, sender: Sender, now: datetime, *,
             batch: int = 500) -> DispatchResult:
    """Send what is due; each message is marked in its own short transaction after its send."""
    quiet = not calendar.is_workday(local_date(now))
    due = (OUTBOX.c.status == "pending") & (OUTBOX.c.next_attempt_at <= now)
    with db.engine.connect() as conn:
        query = select(OUTBOX).where(due, *([OUTBOX.c.urgent == true()] if quiet else [])).order_by(OUTBOX.c.urgent.desc(), OUTBOX.c.id).limit(batch)
        rows = conn.execute(query).all()
        held = conn.execute(select(func.count()).where(due, OUTBOX.c.urgent == false())).scalar_one() if quiet else 0
    sent = retried = failed = 0
    for row in rows:
        message = {"id": row.id, "kind": row.kind, "recipient": row.recipient, "urgent": row.urgent,
                   "text": render(row.kind, row.payload, catalogue), "payload": row.payload,
                   "created_at": row.created_at.isoformat()}
        attempts = row.attempts + 1
        try:
            sender.send(message)
        except SendError as exc:
            gave_up = attempts >= MAX_ATTEMPTS
            delay = BACKOFF[min(attempts, len(BACKOFF)) - 1]
            values = {"attempts": attempts, "last_error": str(exc)[:1000], "next_attempt_at": now + timedelta(seconds=delay),
                      "status": "failed" if gave_up else "pending"}
            failed += gave_up
            retried += not gave_up
        else:
            values = {"attempts": attempts, "status": "sent", "sent_at": now, "last_error": None}
            sent += 1
        with db.engine.begin() as conn:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id == row.id, OUTBOX.c.status == "pending").values(**values))
    return DispatchResult(sent, retried, failed, held)


def retry_failed(db: Database, now: datetime) -> int:
    with db.engine.begin() as conn:
        return conn.execute(update(OUTBOX).where(OUTBOX.c.status == "failed")
                            .values(status="pending", attempts=0, next_attempt_at=now)
                            .execution_options(preserve_rowcount=True)).rowcount


def outbox_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        counts = dict(conn.execute(select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)).all())
    return {status: counts.get(status, 0) for status in m.OUTBOX_STATUSES}
