"""程序锁死: red cases are locked by the recompute; only a chief unlocks, with a reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from command_center.data import access, locks
from command_center.data import models as m
from command_center.data.workcal import end_of_day
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.conftest import NOW


def overdue_n09(court: Court, due: date, code: str = "N09") -> int:
    case_id = court.case(date(2026, 11, 19))
    add_node(court, case_id, due, code)
    return case_id


def add_node(court: Court, case_id: int, due: date, code: str) -> None:
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code=code,
        subject_id="",
        started_at=at(due - timedelta(days=10), 9),
        due_override=end_of_day(due),
        source="imported",
    )


@pytest.fixture
def red(db):
    """A red case (due 2026-08-19), a yellow one (exactly three months), both recomputed on 11-20."""
    court = Court(db)
    overdue_n09(court, date(2026, 8, 19))
    overdue_n09(court, date(2026, 8, 20))
    result = recompute(db, CATALOGUE, CALENDAR, NOW)
    assert result.locked == 1
    return court


def test_the_recompute_locks_red_cases_once(red):
    db = red.db
    (lock,) = locks.list_locks(db)
    assert (lock.case_no, lock.locked_by, lock.request_status) == ("（2026）内0425执1号", "system", None)
    assert recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=1)).locked == 0
    assert len(locks.list_locks(db)) == 1
    audit = red.rows(m.AuditEntry, m.AuditEntry.__table__.c.entity == "case_lock")
    assert [(a.actor, a.action, a.case_id) for a in audit] == [("system", "lock.locked", lock.case_id)]


def test_request_reject_request_unlock_and_roles_checked_in_the_data_layer(red):
    db = red.db
    officer, chief = access.actor(db, "zhang"), access.actor(db, "chief")
    (lock,) = locks.list_locks(db)
    with pytest.raises(access.ActionRefused, match="reason"):
        locks.request_unlock(db, lock.id, lock.version, officer, NOW, "  ")
    locks.request_unlock(db, lock.id, lock.version, officer, NOW, "已与申请人达成和解, 需继续执行")
    (lock,) = locks.list_locks(db, pending_only=True)
    assert (lock.request_status, lock.requested_by, lock.request_reason) == (
        "pending",
        "张承办",
        "已与申请人达成和解, 需继续执行",
    )
    with pytest.raises(access.NotAllowed):
        locks.unlock(db, lock.id, lock.version, officer, NOW, "我自己解锁")
    with pytest.raises(access.NotAllowed):
        locks.reject_unlock(db, lock.id, lock.version, officer, NOW, "不行")
    locks.reject_unlock(db, lock.id, lock.version, chief, NOW, "先完成约谈")
    assert locks.list_locks(db, pending_only=True) == []
    (lock,) = locks.list_locks(db)
    locks.request_unlock(db, lock.id, lock.version, officer, NOW, "约谈已完成")
    (lock,) = locks.list_locks(db)
    with pytest.raises(access.ActionRefused, match="reason"):
        locks.unlock(db, lock.id, lock.version, chief, NOW, "")
    locks.unlock(db, lock.id, lock.version, chief, NOW + timedelta(hours=1), "约谈记录已审查, 同意解锁")
    assert locks.list_locks(db) == []
    (done,) = locks.list_locks(db, active_only=False)
    assert (done.unlock_reason, done.request_status) == ("约谈记录已审查, 同意解锁", None)
    # the same red alert does not lock the case again
    assert recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(hours=2)).locked == 0
    audit = red.rows(m.AuditEntry, m.AuditEntry.__table__.c.entity == "case_lock")
    assert [(a.actor, a.action) for a in audit] == [
        ("system", "lock.locked"),
        ("zhang", "lock.unlock_requested"),
        ("chief", "lock.unlock_rejected"),
        ("zhang", "lock.unlock_requested"),
        ("chief", "lock.unlocked"),
    ]


def test_a_second_session_acting_on_the_same_lock_is_refused(red):
    db = red.db
    officer, chief = access.actor(db, "zhang"), access.actor(db, "chief")
    (lock,) = locks.list_locks(db)
    locks.request_unlock(db, lock.id, lock.version, officer, NOW, "请求解锁")
    with pytest.raises(access.StaleVersion, match="changed by someone else"):
        locks.unlock(db, lock.id, lock.version, chief, NOW, "同意")  # read before the request
    (lock,) = locks.list_locks(db)
    locks.unlock(db, lock.id, lock.version, chief, NOW, "同意")
    with pytest.raises(access.ActionRefused):
        locks.unlock(db, lock.id, lock.version + 1, chief, NOW, "再次")


def test_another_node_turning_red_locks_an_unlocked_case_again(red):
    db = red.db
    chief = access.actor(db, "chief")
    (lock,) = locks.list_locks(db)
    locks.unlock(db, lock.id, lock.version, chief, NOW, "同意继续执行")
    add_node(red, lock.case_id, date(2026, 8, 21), "N10")  # red from 11-22 (08-21 + 3 months = 11-21)
    later = NOW + timedelta(days=2)
    assert recompute(db, CATALOGUE, CALENDAR, later).locked == 2  # this one, and the yellow case turned red
    assert sorted((x.case_no, x.locked_at) for x in locks.list_locks(db)) == [
        ("（2026）内0425执1号", later),
        ("（2026）内0425执2号", later),
    ]
