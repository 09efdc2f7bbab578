"""Sending the outbox: senders, retries with backoff, nothing lost, quiet rest days."""

from __future__ import annotations

import json
import sys
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import insert, select

from command_center.data import models as m
from command_center.jobs.notify import MAX_ATTEMPTS, CommandSender, HttpSender, LogSender, dispatch, retry_failed
from tests.builders import CALENDAR, CATALOGUE, at

FRIDAY = at(date(2026, 11, 20), 10)
SATURDAY = at(date(2026, 11, 21), 10)  # a statutory rest day
WORKING_SATURDAY = at(date(2026, 10, 10), 10)  # 调休: a working day


def queue(db, *messages):
    rows = [{"dedup_key": f"k{i}", "kind": kind, "recipient": "zhang", "payload": {"case_no": "（2026）内0425执1号", "node_code": "N34",
             "subject_id": "AK1", "due_date": "2026-11-23", "tier": "red" if urgent else None}, "status": "pending", "urgent": urgent,
             "attempts": 0, "created_at": at(date(2026, 10, 1)), "next_attempt_at": at(date(2026, 10, 1))}
            for i, (kind, urgent) in enumerate(messages)]
    with db.engine.begin() as conn:
        conn.execute(insert(m.OutboxMessage.__table__), rows)


def outbox(db):
    with db.engine.connect() as conn:
        return {r.dedup_key: r for r in conn.execute(select(m.OutboxMessage.__table__))}


def test_log_sender_writes_one_json_line_per_message_and_marks_it_sent(db, tmp_path):
    queue(db, ("due_soon", False), ("red_case", True))
    log = tmp_path / "sms.log"
    result = dispatch(db, CATALOGUE, CALENDAR, LogSender(log), FRIDAY)
    assert (result.sent, result.retried, result.held) == (2, 0, 0)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["kind"] for line in lines] == ["red_case", "due_soon"], "urgent first"
    assert "N34 案款到账认领" in lines[1]["text"] and "2026-11-23" in lines[1]["text"]
    assert {r.status for r in outbox(db).values()} == {"sent"}
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
    good = CommandSender(f"{sys.executable} -c \"import sys, json; json.load(sys.stdin)\"")
    assert dispatch(db, CATALOGUE, CALENDAR, good, now).sent == 1
    assert outbox(db)["k0"].status == "sent"


@pytest.fixture
def gateway():
    received, answers = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
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
