"""Sending the outbox: senders, retries with backoff, nothing lost, quiet rest days, claims."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import psycopg
import pytest
from sqlalchemy import insert, select, update

from command_center.data import models as m
from command_center.jobs.lease import LeaseLost, _local_host, db_now
from command_center.jobs.notify import (
    IN_DOUBT_AFTER,
    MAX_ATTEMPTS,
    Claimer,
    CommandSender,
    HttpSender,
    LogSender,
    dispatch,
    retry_failed,
)
from tests.builders import CALENDAR, CATALOGUE, at

FRIDAY = at(date(2026, 11, 20), 10)
SATURDAY = at(date(2026, 11, 21), 10)  # a statutory rest day
WORKING_SATURDAY = at(date(2026, 10, 10), 10)  # 调休: a working day


def queue(db, *messages):
    """Messages (kind, urgent[, recipient]) to ``zhang`` unless another recipient is given."""
    rows = [
        {
            "dedup_key": f"k{i}",
            "kind": message[0],
            "recipient": message[2] if len(message) > 2 else "zhang",
            "payload": {
                "case_no": "（2026）内0425执1号",
                "node_code": "N34",
                "subject_id": "AK1",
                "due_date": "2026-11-23",
                "tier": "red" if message[1] else None,
            },
            "status": "pending",
            "urgent": message[1],
            "attempts": 0,
            "created_at": at(date(2026, 10, 1)),
            "next_attempt_at": at(date(2026, 10, 1)),
        }
        for i, message in enumerate(messages)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(m.OutboxMessage.__table__), rows)


def outbox(db):
    with db.engine.connect() as conn:
        return {r.dedup_key: r for r in conn.execute(select(m.OutboxMessage.__table__))}


def test_log_sender_writes_one_json_line_per_recipient_and_marks_each_message_sent(db, tmp_path):
    queue(db, ("due_soon", False), ("red_case", True), ("due_soon", False, "li"))
    log = tmp_path / "sms.log"
    result = dispatch(db, CATALOGUE, CALENDAR, LogSender(log), FRIDAY)
    assert (result.sent, result.digests, result.retried, result.held) == (3, 2, 0, 0)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(line["recipient"], line["ids"], line["urgent"]) for line in lines] == [
        ("zhang", [1, 2], True),
        ("li", [3], False),
    ], "one digest per recipient, the one with an urgent message first"
    assert lines[0]["kind"] == "digest" and lines[0]["text"].startswith("【执行指挥中心】新增红灯1件、临期1件: ")
    assert "N34 案款到账认领" in lines[1]["text"] and "2026-11-23" in lines[1]["text"], "one message: its own text"
    rows = outbox(db)
    assert {r.status for r in rows.values()} == {"sent"}
    assert (rows["k0"].digest_id, rows["k1"].digest_id, rows["k2"].digest_id) == (1, 1, 3)
    assert dispatch(db, CATALOGUE, CALENDAR, LogSender(log), FRIDAY).sent == 0, "sent once"


def test_rest_days_hold_all_but_red_working_saturdays_do_not(db, tmp_path):
    queue(db, ("due_soon", False), ("red_case", True))
    sender = LogSender(tmp_path / "sms.log")
    result = dispatch(db, CATALOGUE, CALENDAR, sender, SATURDAY)
    assert (result.sent, result.held) == (1, 1)
    assert outbox(db)["k0"].status == "pending"
    assert dispatch(db, CATALOGUE, CALENDAR, sender, WORKING_SATURDAY).sent == 1, "a 调休 Saturday is a working day"


def test_a_failing_command_never_loses_a_message(db):
    queue(db, ("due_soon", False))
    failing = CommandSender(f"{sys.executable} -c \"import sys; sys.stderr.write('gateway down'); sys.exit(3)\"")
    result = dispatch(db, CATALOGUE, CALENDAR, failing, FRIDAY)
    row = outbox(db)["k0"]
    assert (result.retried, row.status, row.attempts) == (1, "pending", 1)
    assert "exited with 3: gateway down" in row.last_error and row.next_attempt_at == FRIDAY + timedelta(seconds=60)
    assert dispatch(db, CATALOGUE, CALENDAR, failing, FRIDAY).retried == 0, "not before its next attempt"
    now = FRIDAY
    for _ in range(MAX_ATTEMPTS - 1):
        now += timedelta(minutes=61)  # past the longest backoff, still on the Friday
        dispatch(db, CATALOGUE, CALENDAR, failing, now)
    row = outbox(db)["k0"]
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS), "given up, but still there"
    assert retry_failed(db, now) == 1
    good = CommandSender(f'{sys.executable} -c "import sys, json; json.load(sys.stdin)"')
    assert dispatch(db, CATALOGUE, CALENDAR, good, now).sent == 1
    assert outbox(db)["k0"].status == "sent"


@pytest.fixture
def gateway():
    received, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received, answers
    server.shutdown()


def test_http_sender_posts_json_and_retries_on_errors(db, gateway):
    url, received, answers = gateway
    queue(db, ("red_case", True))
    answers.append(503)
    assert dispatch(db, CATALOGUE, CALENDAR, HttpSender(url), FRIDAY).retried == 1
    assert "503" in outbox(db)["k0"].last_error
    assert dispatch(db, CATALOGUE, CALENDAR, HttpSender(url), FRIDAY + timedelta(minutes=2)).sent == 1
    assert [r["recipient"] for r in received] == ["zhang", "zhang"] and received[1]["urgent"] is True


# -- claims: two senders never send one message; a dead sender's message is sent again ---------------


@dataclass
class Recording:
    """A sender that records what it sent (and may do something while "sending")."""

    sent: list = field(default_factory=list)
    during: object = None
    name: str = "recording"

    def send(self, message: dict) -> None:
        self.sent.append(message["id"])
        if self.during:
            self.during(message)


def test_a_message_being_sent_is_claimed_so_a_second_sender_skips_it(db):
    queue(db, ("red_case", True), ("red_case", True, "li"))
    second = Recording()
    first = Recording(
        during=lambda message: dispatch(
            db, CATALOGUE, CALENDAR, second, FRIDAY, claimer=Claimer("outbox@other:1:bbbbbb")
        )
    )
    # a dispatch of its own (as `outbox --dispatch`): on PostgreSQL it shows itself alive while it sends
    assert dispatch(db, CATALOGUE, CALENDAR, first, FRIDAY).sent == 1
    # while `first` sent k0 (claimed), the second sender took k1; nobody sent one twice
    assert (first.sent, second.sent) == ([1], [2])
    rows = outbox(db)
    assert rows["k0"].status == "sent" and rows["k0"].claimed_by.startswith("outbox@")
    assert (rows["k1"].status, rows["k1"].claimed_by) == ("sent", "outbox@other:1:bbbbbb")


def test_a_claim_gone_stale_is_given_back_unsent(db, caplog):
    queue(db, ("red_case", True))
    sender = Recording()
    result = dispatch(db, CATALOGUE, CALENDAR, sender, FRIDAY, claimer=Claimer("outbox@this:1:aaaaaa", fresh_seconds=0))
    assert (result.sent, sender.sent, outbox(db)["k0"].status, outbox(db)["k0"].attempts) == (0, [], "pending", 0)
    assert "gave them back and stopped sending" in caplog.text


def test_a_claim_s_fence_stops_a_sender_that_lost_the_lease(db):
    queue(db, ("red_case", True), ("red_case", True))

    def lost(_conn):
        raise LeaseLost("b took over")

    with pytest.raises(LeaseLost):
        dispatch(db, CATALOGUE, CALENDAR, Recording(), FRIDAY, claimer=Claimer("scheduler@a:1:aaaaaa", fence=lost))
    assert {r.status for r in outbox(db).values()} == {"pending"}, "the claim rolled back, nothing sent"


def _claimed(db, key: str, holder: str, age: timedelta = timedelta(0)) -> None:
    """``key`` claimed by ``holder`` ``age`` ago by the database's clock (as claims are made)."""
    with db.engine.begin() as conn:
        conn.execute(
            update(m.OutboxMessage.__table__)
            .where(m.OutboxMessage.__table__.c.dedup_key == key)
            .values(status="sending", claimed_by=holder, claimed_at=db_now(conn) - age)
        )


def _gone_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_a_message_whose_sender_died_while_sending_is_sent_again_with_a_warning(db, caplog):
    queue(db, ("red_case", True))
    dead = f"scheduler@{_local_host()}:{_gone_pid()}:dddddd"
    _claimed(db, "k0", dead)
    sender = Recording()
    result = dispatch(db, CATALOGUE, CALENDAR, sender, FRIDAY, claimer=Claimer("scheduler@this:1:aaaaaa"))
    assert (result.in_doubt, result.sent, sender.sent) == (1, 1, [1])
    assert f"message 1 may be delivered twice: its sender {dead} died while sending" in caplog.text
    assert (outbox(db)["k0"].status, outbox(db)["k0"].attempts) == ("sent", 2), "the lost attempt counts"


def test_a_message_whose_sender_is_alive_waits_for_it_up_to_a_bound(db, db_url, caplog):
    queue(db, ("red_case", True))
    alive = f"scheduler@{_local_host()}:{os.getpid()}:eeeeee"
    me = Claimer("scheduler@this:1:aaaaaa")
    presence = None
    if db.dialect == "postgresql":  # alive = a session under its name
        presence = psycopg.connect(db_url, application_name=alive, autocommit=True)
    try:
        sender = Recording()
        _claimed(db, "k0", alive)
        assert dispatch(db, CATALOGUE, CALENDAR, sender, FRIDAY, claimer=me).in_doubt == 0
        assert sender.sent == [] and outbox(db)["k0"].status == "sending"
        # no send takes 10 minutes: the process is frozen (or its pid was reused)
        _claimed(db, "k0", alive, IN_DOUBT_AFTER + timedelta(seconds=1))
        assert dispatch(db, CATALOGUE, CALENDAR, sender, FRIDAY, claimer=me).in_doubt == 1
        assert sender.sent == [1] and f"its sender {alive} has held it for more than 0:10:00" in caplog.text
    finally:
        if presence is not None:
            presence.close()


def test_a_command_that_answered_while_its_sender_was_paused_counts_as_sent(monkeypatch):
    """``subprocess`` reports a timeout after a pause even when the program had answered."""
    calls = []
    real = subprocess.Popen.communicate

    def paused_once(self, input=None, timeout=None):
        if not calls:
            calls.append(real(self, input))  # the program answers…
            raise subprocess.TimeoutExpired(self.args, timeout)  # …while the caller was stopped past its timeout
        return calls[0]

    monkeypatch.setattr(subprocess.Popen, "communicate", paused_once)
    CommandSender(f'{sys.executable} -c "import sys, json; json.load(sys.stdin)"', timeout=0.5).send({"id": 1})
