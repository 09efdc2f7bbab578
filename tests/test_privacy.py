"""No way in for the curious: names need a login, every action checks the user as they are now,
guessing passwords is slowed down and audited, files are private, and the audit log shows
any change made behind the application's back."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import uuid
from datetime import date, timedelta

import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from command_center.cli import cli
from command_center.data import access, audit
from command_center.data import alerts as al
from command_center.data import models as m
from command_center.data.cases import CaseFilter, find_cases, list_cases
from command_center.data.engine import open_database
from command_center.data.rules import Rules
from command_center.data.users import FIRST_LOCK, FREE_FAILURES, LoginFailed, add_user, authenticate, disable_user
from command_center.data.workcal import end_of_day
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.conftest import _pg_connect

NOW = at(date(2026, 11, 20), 10)
PASSWORD = "correct-horse"


@pytest.fixture
def court(db):
    """One case with a blue alert on its N09 and the debtor 赵被执; officer zhang, chief and the wall."""
    court = Court(db)
    case_id = court.case(date(2026, 11, 19))
    court.add(m.Party, case_id=case_id, role="debtor", position=0, name="赵被执", kind="person")
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N09",
        subject_id="",
        started_at=at(date(2026, 9, 29), 9),
        due_override=end_of_day(date(2026, 10, 9)),
        source="imported",
    )
    recompute(db, CATALOGUE, CALENDAR, NOW)
    return court


def cli_run(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env or {}, catch_exceptions=False)


# -- names need a login ----------------------------------------------------------------------------


def test_no_login_no_search_by_name(court):
    db, rules = court.db, Rules.at(NOW, CATALOGUE, CALENDAR)
    officer, wall = access.actor(db, "zhang"), access.actor(db, "wall")
    for viewer in (None, wall):  # before a login, and on the wall: a masked name must not be found by its prefixes
        for text in ("赵被执", "赵被", "赵"):
            assert list_cases(db, rules, CaseFilter(scope="open", text=text), viewer=viewer).total == 0, (viewer, text)
            assert find_cases(db, text, viewer=viewer) == []
    assert list_cases(db, rules, CaseFilter(scope="open", text="赵被"), viewer=officer).total == 1
    assert [c for _, c, _ in find_cases(db, "赵被", viewer=officer)] == ["（2026）内0425执1号"]
    assert list_cases(db, rules, CaseFilter(scope="open", text="执1号")).total == 1, "the 案号 is no personal data"


# -- every action checks the user as they are now -----------------------------------------------------


def test_a_user_disabled_or_demoted_after_logging_in_is_refused_at_the_next_action(court):
    db = court.db
    officer, chief = access.actor(db, "zhang"), access.actor(db, "chief")  # both logged in
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    disable_user(db, "zhang", NOW)
    with pytest.raises(access.NotAllowed, match="no longer an active user"):
        al.acknowledge(db, alert.id, alert.version, officer, NOW)
    with db.engine.begin() as conn:
        conn.execute(update(m.Officer.__table__).where(m.Officer.__table__.c.login == "chief").values(role="officer"))
    with pytest.raises(access.NotAllowed, match="chief .officer. may not silence"):
        al.silence(db, alert.id, alert.version, chief, NOW, NOW + timedelta(days=3), "等待鉴定")
    (unchanged,) = al.list_alerts(db, NOW, tier="blue")
    assert (unchanged.status, unchanged.version) == ("open", alert.version), "nothing was written"


# -- guessing passwords ---------------------------------------------------------------------------------


def test_wrong_passwords_lock_a_login_for_a_growing_time_and_each_failure_is_audited(court):
    db = court.db
    add_user(db, "wang", "王承办", "officer", PASSWORD, NOW)
    for attempt in range(FREE_FAILURES - 1):
        with pytest.raises(LoginFailed, match="wrong login or password"):
            authenticate(db, "wang", f"guess-{attempt}", NOW)
    assert authenticate(db, "wang", PASSWORD, NOW).login == "wang", "fewer failures than the limit: no lock"
    for attempt in range(FREE_FAILURES - 1):
        with pytest.raises(LoginFailed, match="wrong login or password"):
            authenticate(db, "wang", f"guess-{attempt}", NOW)
    with pytest.raises(LoginFailed, match="locked until 10:00:30"):  # the limit's failure locks at once
        authenticate(db, "wang", "guess-last", NOW)
    with pytest.raises(LoginFailed, match="locked until"):  # locked: even the right password is refused
        authenticate(db, "wang", PASSWORD, NOW + FIRST_LOCK - timedelta(seconds=1))
    later = NOW + FIRST_LOCK  # the lock has run out: one more wrong password locks twice as long
    with pytest.raises(LoginFailed, match="locked until 10:01:30"):
        authenticate(db, "wang", "guess-again", later)
    with pytest.raises(LoginFailed, match="locked until"):
        authenticate(db, "wang", PASSWORD, later + 2 * FIRST_LOCK - timedelta(seconds=1))
    assert authenticate(db, "wang", PASSWORD, later + 2 * FIRST_LOCK).login == "wang"
    with pytest.raises(LoginFailed, match="wrong login or password"):
        authenticate(db, "wang", "guess", later + 2 * FIRST_LOCK), "a success starts the count again"
    with db.engine.connect() as conn:
        actions = conn.execute(
            select(m.AuditEntry.action, func.count())
            .where(m.AuditEntry.entity_id == "wang")
            .group_by(m.AuditEntry.action)
        ).all()
    assert dict(actions) == {"user.added": 1, "login.failed": 4 + 5 + 1 + 1, "login.refused_locked": 2}


def test_an_unknown_login_is_locked_like_a_known_one(court):
    for attempt in range(FREE_FAILURES - 1):
        with pytest.raises(LoginFailed, match="wrong login or password"):
            authenticate(court.db, "nobody", f"guess-{attempt}", NOW)
    with pytest.raises(LoginFailed, match="locked until"):
        authenticate(court.db, "nobody", "guess-last", NOW)
    with pytest.raises(LoginFailed, match="locked until"):
        authenticate(court.db, "nobody", "anything", NOW)


# -- private files ---------------------------------------------------------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sqlite_file_the_message_log_and_the_exports_are_private(tmp_path):
    folder = tmp_path / "new" / "court"
    url = f"sqlite:///{folder / 'cc.sqlite3'}"
    env = {"COMMAND_CENTER_NOTIFY_LOG": str(tmp_path / "logs" / "notifications.log")}
    assert cli_run("--db", url, "--now", "2026-11-20T10:00", "demo", "--cases", "40", env=env).exit_code == 0
    assert mode(folder / "cc.sqlite3") == 0o600 and mode(folder) == 0o700 and mode(tmp_path / "new") == 0o700
    assert cli_run("--db", url, "--now", "2026-11-20T10:00", "recompute", env=env).exit_code == 0
    result = cli_run("--db", url, "--now", "2026-11-20T10:00", "outbox", "--dispatch", env=env)
    assert result.exit_code == 0 and "本次发送: 已发 " in result.output, result.output
    assert "本次发送: 已发 0," not in result.output, result.output
    assert mode(tmp_path / "logs" / "notifications.log") == 0o600 and mode(tmp_path / "logs") == 0o700
    for name in ("brief.xlsx", "brief.md"):
        assert (
            cli_run("--db", url, "--now", "2026-11-20T10:00", "brief", "--export", str(tmp_path / name)).exit_code == 0
        )
        assert mode(tmp_path / name) == 0o600
    (tmp_path / "old.md").write_text("x")
    os.chmod(tmp_path / "old.md", 0o644)
    assert (
        cli_run(
            "--db", url, "--now", "2026-11-20T10:00", "brief", "--export", str(tmp_path / "old.md"), "--force"
        ).exit_code
        == 0
    )
    assert mode(tmp_path / "old.md") == 0o600, "an export written over a readable file is narrowed too"


# -- the audit log shows tampering -----------------------------------------------------------------------


def tamper(db, sql: str) -> None:
    """What the owner of the database can do behind the application's back: switch the
    append-only guard off, change the log, switch it on again."""
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            conn.exec_driver_sql(sql)
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
            conn.exec_driver_sql(sql)


def audited(court) -> list[int]:
    """A few actions, each audited; returns the audit ids in order."""
    db = court.db
    officer, chief = access.actor(db, "zhang"), access.actor(db, "chief")
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    al.acknowledge(db, alert.id, alert.version, officer, NOW)
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    al.submit_response(db, alert.id, alert.version, officer, NOW, "已申请公告")
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    al.review_response(db, alert.id, alert.version, chief, NOW, accept=True)
    add_user(db, "wang", "王承办", "officer", PASSWORD, NOW)
    with db.engine.connect() as conn:
        return list(conn.execute(select(m.AuditEntry.id).order_by(m.AuditEntry.id)).scalars())


@pytest.mark.parametrize(
    "change, broken",
    [
        ("UPDATE audit_log SET actor = 'chief' WHERE id = {2}", 2),  # a changed entry
        ("UPDATE audit_log SET entity_id = '999' WHERE id = {1}", 1),
        ("DELETE FROM audit_log WHERE id = {1}", 2),  # a removed entry: the one after it no longer follows
        (
            "INSERT INTO audit_log (at, actor, action, entity) "
            "SELECT at, 'evil', 'alert.acknowledged', 'alert' FROM audit_log "
            "WHERE id = {3}",
            5,
        ),  # one slipped in at the end, without a hash
    ],
)
def test_audit_verify_names_the_first_broken_link(court, db_url, change, broken):
    ids = audited(court)
    assert len(ids) == 4
    found = audit.verify(court.db)
    assert found.intact and found.entries == 4 and found.head is not None
    ok = cli_run("--db", db_url, "--lang", "en", "audit", "--verify")
    assert ok.exit_code == 0 and "intact: 4 entries" in ok.output and found.head in ok.output
    tamper(court.db, change.format(*[None, *ids]))
    found = audit.verify(court.db)
    expected = ids[broken - 1] if broken <= len(ids) else ids[-1] + 1
    assert found.broken_at == expected and not found.intact
    result = cli_run("--db", db_url, "--lang", "en", "audit", "--verify")
    assert result.exit_code == 1 and f"tampered with at entry {expected}" in result.output
    as_json = cli_run("--db", db_url, "audit", "--verify", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.output)["broken_at"] == expected


def test_a_least_privileged_role_works_but_cannot_touch_the_audit_log(pg_url):
    """db upgrade as the owner, then every terminal and scheduler as a role that may only INSERT
    and SELECT the audit log."""
    role = f"cc_app_{uuid.uuid4().hex[:8]}"
    name = pg_url.rsplit("/", 1)[1]
    with _pg_connect() as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
    try:
        granted = cli_run("--db", pg_url, "--lang", "en", "db", "grant", role)
        assert granted.exit_code == 0, granted.output
        app_url = pg_url.replace("postgres@", f"{role}@", 1)
        db = open_database(pg_url)
        court = Court(db)
        court.case(date(2026, 11, 19))
        court.add(
            m.NodeInstance,
            case_id=1,
            node_code="N09",
            subject_id="",
            started_at=at(date(2026, 9, 29), 9),
            due_override=end_of_day(date(2026, 10, 9)),
            source="imported",
        )
        db.dispose()
        env = {"COMMAND_CENTER_NOTIFY_LOG": os.devnull}
        for args in (["recompute"], ["scheduler", "--once"], ["alerts", "--json"], ["audit", "--verify"]):
            result = cli_run("--db", app_url, "--now", "2026-11-20T10:00", *args, env=env)
            assert result.exit_code == 0, (args, result.output)
        app = open_database(app_url)
        (alert,) = al.list_alerts(app, NOW, tier="blue")
        al.acknowledge(app, alert.id, alert.version, access.actor(app, "zhang"), NOW)  # writes the audit log
        assert audit.verify(app).intact
        app.dispose()
        with psycopg.connect(app_url.replace("postgresql://", "postgresql://", 1), autocommit=True) as conn:
            for sql in (
                "UPDATE audit_log SET actor = 'x'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
                "DROP TABLE audit_log",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
    finally:
        with _pg_connect(name) as admin:
            admin.execute(f"DROP OWNED BY {role}")
        with _pg_connect() as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,))
            admin.execute(f"DROP ROLE {role}")


# -- typos stop, with one line -----------------------------------------------------------------------------


def test_a_database_named_by_mistake_is_not_created(tmp_path):
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    for command in (["alerts"], ["indicators"], ["recompute"], ["user", "list"], ["audit"]):
        result = cli_run("--lang", "en", "--db", f"sqlite:///{missing}", *command)
        assert result.exit_code == 1 and "there is no database" in result.output and "db upgrade" in result.output, (
            command
        )
        result = cli_run("--db", f"sqlite:///{missing}", *command)  # the same line in the UI's language
        assert result.exit_code == 1 and f"数据库 {missing} 不存在" in result.output, command
    assert not (tmp_path / "nonexistent").exists(), "nothing was created"
    empty = tmp_path / "empty.db"
    empty.touch()
    result = cli_run("--lang", "en", "--db", f"sqlite:///{empty}", "alerts")
    assert result.exit_code == 1 and "not a command-center database" in result.output
    result = cli_run("--db", f"sqlite:///{empty}", "alerts")
    assert result.exit_code == 1 and "不是 command-center 数据库" in result.output
    assert cli_run("--db", f"sqlite:///{missing}", "db", "upgrade").exit_code == 0
    assert cli_run("--db", f"sqlite:///{missing}", "alerts").exit_code == 0, "created by db upgrade, then usable"


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql//ccuser:Secr3tPW@db.court.local/x", "is not a database URL"),
        ("postgresql://ccuser:Secr3tPW@db.court.local:54x2/x", "its port is not a number"),
    ],
)
def test_a_mistyped_url_never_shows_its_password(url, says):
    result = subprocess.run(
        [sys.executable, "-m", "command_center", "--db", url, "alerts"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("COMMAND_CENTER_")},
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert says in result.stderr and "Secr3tPW" not in result.stderr + result.stdout and "***" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_wall_on_a_misspelled_database_or_role_stops_with_one_line(pg_url):
    base = pg_url.rsplit("/", 1)[0]
    for url, says in (
        (f"{base}/no_such_{uuid.uuid4().hex[:6]}", "does not exist"),
        (pg_url.replace("postgres@", "no_such_role@", 1), "does not exist"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "command_center", "--db", url, "wall"],
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("COMMAND_CENTER_")},
            timeout=60,
        )
        assert result.returncode == 1 and says in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_demo_reset_refuses_a_database_that_is_not_only_a_demo(sqlite_url, tmp_path):
    from tests.interchange_files import sample, write_workbook

    assert cli_run("--db", sqlite_url, "--now", "2026-11-20T10:00", "demo", "--cases", "30").exit_code == 0
    assert (
        cli_run("--db", sqlite_url, "--now", "2026-11-20T10:00", "demo", "--cases", "20", "--reset").exit_code == 0
    ), "a demo database resets as before"
    assert (
        cli_run(
            "--db",
            sqlite_url,
            "--now",
            "2026-11-20T10:00",
            "import",
            str(write_workbook(tmp_path / "a.xlsx", sample())),
        ).exit_code
        == 0
    )
    refused = cli_run("--db", sqlite_url, "--now", "2026-11-20T10:00", "demo", "--cases", "20", "--reset")
    assert refused.exit_code == 1 and "not a demo database" in refused.output and "--force" in refused.output
    db = open_database(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Case)).scalar_one() == 23, "nothing was wiped"
    db.dispose()
    forced = cli_run("--db", sqlite_url, "--now", "2026-11-20T10:00", "demo", "--cases", "20", "--reset", "--force")
    assert forced.exit_code == 0, forced.output


def test_demo_reset_refuses_cases_the_demo_did_not_write(court, db_url):
    result = cli_run("--db", db_url, "demo", "--cases", "20", "--reset", "--yes")
    assert result.exit_code == 1 and "were not generated by `demo`" in result.output


def test_a_login_that_is_no_users_is_audited_without_its_text(court):
    """Login and password typed in one field: the audit log keeps neither."""
    typed = "o001demo-pass"
    with pytest.raises(LoginFailed, match="wrong login or password"):
        authenticate(court.db, typed, "", NOW)
    with court.db.engine.connect() as conn:
        actors = conn.execute(select(m.AuditEntry.actor).where(m.AuditEntry.action == "login.failed")).scalars().all()
        counted = conn.execute(select(m.LoginFailure.login)).scalars().all()
    assert len(actors) == 1 and actors == counted
    assert "demo-pass" not in actors[0] and actors[0].startswith("?o0…(13)#")
