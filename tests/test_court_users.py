"""Who acts where in a city's courts (两级法院, issue 25; 提级解锁, issue 23): a user of a court
code acts on the courts it covers, and a court's unlocks may go up to the court above."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from command_center.data import models as m
from command_center.data.access import Actor, NotAllowed
from command_center.data.alerts import silence
from command_center.data.cases import reassign
from command_center.data.locks import list_locks, unlock
from command_center.data.queue import my_queue
from command_center.data.users import UserError, add_user, edit_user
from command_center.data.workcal import end_of_day
from command_center.jobs.recompute import recompute
from command_center.screens.labels import refusal
from tests.builders import CALENDAR, CATALOGUE, Court, at

NOW = at(date(2026, 11, 20), 10)
PASSWORD = "court-pass-1"


def red_case(court: Court, *, court_id: int = 1) -> int:
    """An open case whose N09 was due 2026-08-07: red, and locked (程序锁死)."""
    case_id = court.red_case()
    if court_id != 1:
        court.update(
            m.Case,
            m.Case.__table__.c.id == case_id,
            court_id=court_id,
            team_id=2,
            officer_id=None,
            case_no=f"（2026）内0402执{case_id}号",
        )
    return case_id


@pytest.fixture
def city(db):
    """克什克腾旗 (内0425, the builders' court) and 红山区 (内0402), each with a red, locked case; a
    chief of each, and the 中院's chief (内04, covering both)."""
    court = Court(db)
    court.add(m.Court, id=2, code="内0402", name="红山区人民法院")
    court.add(m.Team, id=2, court_id=2, name="普执一组", track="普执")
    for login, code in (("chief_a", "内0425"), ("chief_b", "内0402"), ("zy", "内04")):
        add_user(db, login, login, "chief", PASSWORD, NOW, court=code)
    court.ids = (red_case(court), red_case(court, court_id=2))
    recompute(db, CATALOGUE, CALENDAR, NOW)
    return court


def actor(court: Court, login: str) -> Actor:
    from command_center.data.access import actor as find

    return find(court.db, login)


def lock_of(court: Court, case_id: int):
    return next(lk for lk in list_locks(court.db) if lk.case_id == case_id)


def test_a_court_s_chief_acts_only_on_the_courts_their_code_covers(city):
    ours, theirs = city.ids
    chief_a = actor(city, "chief_a")
    red = city.alerts(theirs)[("N09", "")]
    with pytest.raises(NotAllowed) as refused:
        silence(city.db, red.id, red.version, chief_a, NOW, end_of_day(date(2026, 11, 30)), "等待回款")
    assert refused.value.why == "court"
    assert (
        refusal("zh", refused.value) == f"chief_a 不能对 （2026）内0402执{theirs}号 静默预警: 不是本院或下级法院的案件"
    )
    with pytest.raises(NotAllowed, match="does not cover"):
        reassign(city.db, theirs, chief_a, NOW, expected=(None, 2), officer_id=None, team_id=1, reason="并案")
    assert city.alerts(theirs)[("N09", "")].status == "open", "refused: nothing changed"
    # the 中院's chief acts on both; chief_a on their own court
    silence(city.db, red.id, red.version, actor(city, "zy"), NOW, end_of_day(date(2026, 11, 30)), "等待回款")
    own = city.alerts(ours)[("N09", "")]
    silence(city.db, own.id, own.version, chief_a, NOW, end_of_day(date(2026, 11, 30)), "等待回款")
    assert {city.alerts(c)[("N09", "")].status for c in city.ids} == {"silenced"}


def test_unlock_by_parent_sends_a_basic_court_s_unlocks_to_the_court_above(city):
    ours, _ = city.ids
    lock = lock_of(city, ours)
    chief_a, zy = actor(city, "chief_a"), actor(city, "zy")
    by_parent = ("内04",)  # 焦作's 提级解锁: every basic court of the city
    with pytest.raises(NotAllowed) as refused:
        unlock(city.db, lock.id, lock.version, chief_a, NOW, "已履行", by_parent=by_parent)
    assert refused.value.why == "higher"
    assert "该院的解锁由上级法院决定 (提级解锁)" in refusal("zh", refused.value)
    assert "a higher court decides its unlocks" in refusal("en", refused.value)
    assert lock_of(city, ours).version == lock.version, "refused: unchanged"
    # the chief's queue lists the request only where they may decide it
    from command_center.data.locks import request_unlock

    request_unlock(city.db, lock.id, lock.version, actor(city, "zhang"), NOW, "已约谈, 请解锁")
    queued = {
        login: [
            r.case_id
            for r in my_queue(city.db, CATALOGUE, actor(city, login), NOW, unlock_by_parent=by_parent).unlocks.rows
        ]
        for login in ("chief_a", "chief_b", "zy", "chief")
    }
    assert queued == {"chief_a": [], "chief_b": [], "zy": [ours], "chief": [ours]}, "chief: no court code, every court"
    without = my_queue(city.db, CATALOGUE, chief_a, NOW).unlocks.rows
    assert [r.case_id for r in without] == [ours], "without the setting the court's own chief decides"
    lock = lock_of(city, ours)
    unlock(city.db, lock.id, lock.version, zy, NOW, "已履行", by_parent=by_parent)
    assert [lk.case_id for lk in list_locks(city.db)] == [city.ids[1]], "unlocked by the 中院"


def test_red_cases_reach_the_chiefs_of_their_court_and_the_courts_above(city):
    ours, theirs = city.ids
    sent = {(r.recipient, r.case_id) for r in city.rows(m.OutboxMessage) if r.kind == "red_case"}
    assert sent == {
        ("chief_a", ours),
        ("chief_b", theirs),
        ("zy", ours),
        ("zy", theirs),
        ("chief", ours),  # the builders' chief has no court code: every court
        ("chief", theirs),
    }


def test_a_user_s_court_code_must_cover_a_court(city, db_url):
    from command_center.cli import cli

    with pytest.raises(UserError, match="no court's code begins with '内05'; the courts' codes: 内0402, 内0425"):
        add_user(city.db, "x", "x", "chief", PASSWORD, NOW, court="内05")
    edit_user(city.db, "zhang", NOW, court="内０４２５")  # typed full-width: stored as the code
    result = CliRunner().invoke(cli, ["--db", db_url, "--lang", "en", "user", "list"])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines()}
    assert "张承办 court 内0425 (no password)" in lines["zhang"] and lines["zy"].endswith("zy court 内04")
    result = CliRunner().invoke(cli, ["--db", db_url, "user", "edit", "zhang", "--court", ""])
    assert result.exit_code == 0, result.output
    assert [u.court_code for u in city.rows(m.Officer) if u.login == "zhang"] == [None]


def test_unlock_by_parent_is_read_from_the_file_and_the_environment(tmp_path):
    from command_center.config import ConfigError, load_settings

    config = tmp_path / "config.toml"
    config.write_text('unlock_by_parent = ["内04", " 内05 "]\n', encoding="utf-8")
    assert load_settings({"config_path": str(config)}, {}).unlock_by_parent == ("内04", "内05")
    env = {"COMMAND_CENTER_UNLOCK_BY_PARENT": "内04,内05"}
    assert load_settings({"config_path": None}, env).unlock_by_parent == ("内04", "内05")
    config.write_text("unlock_by_parent = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unlock_by_parent must be a list of court codes such as \['内04'\], not 4"):
        load_settings({"config_path": str(config)}, {})


def test_a_scope_of_every_court_keeps_the_snapshots_trends(db):
    from command_center.data.courts import every_court

    court = Court(db)
    assert every_court(db, None) and every_court(db, frozenset({1})), "one court's user of a one-court database"
    court.add(m.Court, id=2, code="内0402", name="红山区人民法院")
    assert not every_court(db, frozenset({1})) and every_court(db, frozenset({1, 2}))
