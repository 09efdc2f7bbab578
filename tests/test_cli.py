"""The command line as a user meets it: commands work on both backends, errors are one line."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from click.testing import CliRunner

from command_center.cli import cli
from command_center.data.catalogue import load_catalogue
from command_center.data.engine import open_database
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.workcal import WorkCalendar
from tests.conftest import NOW


def run(*args: str, env: dict | None = None):
    result = CliRunner().invoke(cli, list(args), env=env or {}, catch_exceptions=False)
    return result


def run_process(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMAND_CENTER_")} | (env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "command_center", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_demo_then_calendar_on_each_backend(db_url):
    result = run("--db", db_url, "--now", "2026-11-20T10:00", "demo", "--cases", "300")
    assert result.exit_code == 0, result.output
    assert "300 件案件" in result.output
    database = open_database(db_url)
    assert indicators(database, Rules.at(NOW, load_catalogue(), WorkCalendar())).cases == 300
    database.dispose()

    result = run("--db", db_url, "--now", "2026-11-20T10:00", "calendar")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.startswith("2026") and "官方" in line for line in lines)
    assert any(line.startswith("2027") and "临时估算" in line for line in lines)


def test_demo_if_empty_and_reset(sqlite_url):
    assert run("--db", sqlite_url, "--now", "2026-11-20T10:00", "demo", "--cases", "50").exit_code == 0
    again = run("--db", sqlite_url, "demo", "--cases", "50")
    assert again.exit_code == 1 and "already holds 50 cases" in again.output and "--reset" in again.output
    skip = run("--db", sqlite_url, "demo", "--cases", "80", "--if-empty")
    assert skip.exit_code == 0 and "nothing generated" in skip.output
    reset = run("--db", sqlite_url, "--now", "2026-11-20T10:00", "demo", "--cases", "80", "--reset")
    assert reset.exit_code == 0, reset.output
    database = open_database(sqlite_url)
    assert indicators(database, Rules.at(NOW, load_catalogue(), WorkCalendar())).cases == 80
    database.dispose()


def test_calendar_json_and_year_listing():
    result = run("--now", "2026-11-20T10:00", "--lang", "en", "calendar", "--json")
    years = {y["year"]: y for y in json.loads(result.output)["years"]}
    assert years[2026]["source"] == "official" and years[2027]["provisional"]
    listing = run("--lang", "en", "calendar", "--year", "2026", "--json")
    days = {d["date"]: d["kind"] for d in json.loads(listing.output)["days"]}
    assert days["2026-10-10"] == "work" and days["2026-10-01"] == "rest" and days["2026-10-07"] == "rest"
    text = run("calendar", "--year", "2027")
    assert "2027-02-08 一  休 (临时)" in text.output


def test_calendar_shows_court_overrides(tmp_path):
    overrides = tmp_path / "cal.toml"
    overrides.write_text('rest_days = ["2027-01-01"]\ncomplete_years = [2027]\n', encoding="utf-8")
    config = tmp_path / "cc.toml"
    config.write_text('calendar_overrides = "cal.toml"\n', encoding="utf-8")
    result = run("--config", str(config), "--now", "2026-11-20T10:00", "--lang", "en", "calendar")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("2027"))
    assert "court override" in line and "+1 rest" in line
    assert str(overrides) in result.output


def test_db_upgrade_migrates_an_empty_postgresql(empty_pg_url):
    first = run("--db", empty_pg_url, "db", "upgrade")
    assert first.exit_code == 0 and "已从结构版本 空库 升级到" in first.output
    second = run("--db", empty_pg_url, "--lang", "en", "db", "upgrade")
    assert "already at revision" in second.output
    status = run("--db", empty_pg_url, "--lang", "en", "db", "status")
    assert "up to date" in status.output
    assert "已是最新" in run("--db", empty_pg_url, "db", "status").output


def test_postgresql_not_migrated_is_one_line(empty_pg_url):
    result = run("--db", empty_pg_url, "demo", "--cases", "5")
    assert result.exit_code == 1
    assert "是空的" in result.output and "运行 `command-center db upgrade`" in result.output
    assert len(result.output.strip().splitlines()) == 1
    result = run("--lang", "en", "--db", empty_pg_url, "demo", "--cases", "5")
    assert result.exit_code == 1 and "run `command-center db upgrade`" in result.output


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--now", "yesterday", "calendar"], {}, "'yesterday' is not a date-time"),
        (["--now", "9999-12-31T23:59", "calendar"], {}, "is not a date-time between 2000 and 2099"),
        (["--now", "", "calendar"], {}, "'' is not a date-time"),
        (["--db", "postgresql://postgres@127.0.0.1:1/x", "demo"], {}, "cannot use the database"),
        (["--db", "mysql://x@y/z", "demo"], {}, "only SQLite and PostgreSQL"),
        (["--db", "sqlite:////dev/null/cc.sqlite3", "db", "upgrade"], {}, "Not a directory"),  # cannot be created
        (["calendar"], {"COMMAND_CENTER_LANGUAGE": "en"}, "unknown environment variable COMMAND_CENTER_LANGUAGE"),
        (["calendar"], {"COMMAND_CENTER_CATALOGUE": "/nonexistent/catalogue.csv"}, "cannot read the file"),
    ],
)
def test_errors_are_one_clear_line_without_traceback(args, env, expected):
    result = run_process(*args, env_extra=env)
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_writing_command_refuses_a_now_after_the_machines_clock(tmp_path):
    """recompute --now 2150 (a typo for 2015) would store nodes started then, locks and
    messages held until then: a writing command refuses an instant after the machine's clock
    (a day's slack), unless COMMAND_CENTER_FUTURE_NOW=1; a reading one, or an instant in the
    past, is as before."""
    from command_center.clock import real_now

    db = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert run("--db", db, "--now", "2026-11-20T10:00", "demo", "--cases", "5").exit_code == 0
    ahead = (real_now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    for command in ("recompute", "snapshot"):
        result = run("--lang", "en", "--db", db, "--now", ahead, command)
        assert result.exit_code == 2 and "is after this machine's clock" in result.output, result.output
    assert run("--db", db, "--now", ahead, "indicators", "--json").exit_code == 0
    assert run("--db", db, "--now", ahead, "recompute", env={"COMMAND_CENTER_FUTURE_NOW": "1"}).exit_code == 0
    assert run("--db", db, "--now", "2026-11-20T10:00", "recompute").exit_code == 0


def test_broken_config_file_names_the_key(tmp_path):
    config = tmp_path / "cc.toml"
    config.write_text('databse = "sqlite:///x"\n', encoding="utf-8")
    result = run("--config", str(config), "calendar")
    assert result.exit_code == 1 and "unknown key 'databse'" in result.output and str(config) in result.output


def test_broken_catalogue_is_rejected_at_start_up(tmp_path):
    catalogue = tmp_path / "nodes.csv"
    catalogue.write_text("code,stage,name,trigger,limit,unit\nN01,立案,立案审查,event,2,fortnights\n", encoding="utf-8")
    result = run("calendar", env={"COMMAND_CENTER_CATALOGUE": str(catalogue)})
    assert result.exit_code == 1
    assert f"node catalogue {catalogue}: line 2, field unit" in result.output


def test_a_disabled_user_is_enabled_on_purpose_not_by_a_new_password(sqlite_url):
    from command_center.data.users import LoginFailed, authenticate

    db = open_database(sqlite_url)  # created (the CLI only opens an existing one)
    env = {"COMMAND_CENTER_PASSWORD": "s3cret-pass"}
    for args in (("user", "add", "li", "--role", "chief"), ("user", "disable", "li")):
        assert run("--db", sqlite_url, *args, env=env).exit_code == 0
    done = run(
        "--db", sqlite_url, "--lang", "en", "user", "passwd", "li", env={"COMMAND_CENTER_PASSWORD": "n3w-pass-word"}
    )
    assert done.exit_code == 0
    assert "li is still disabled and cannot log in; to enable: command-center user enable li" in done.output
    with pytest.raises(LoginFailed):
        authenticate(db, "li", "n3w-pass-word", NOW)
    done = run("--db", sqlite_url, "--lang", "en", "user", "enable", "li")
    assert done.exit_code == 0 and "Enabled user: li" in done.output
    assert authenticate(db, "li", "n3w-pass-word", NOW).login == "li"
    done = run(
        "--db", sqlite_url, "--lang", "en", "user", "passwd", "li", env={"COMMAND_CENTER_PASSWORD": "n3w-pass-word"}
    )
    assert "still disabled" not in done.output
    assert run("--db", sqlite_url, "user", "enable", "nobody").exit_code != 0
    db.dispose()


def test_the_scheduler_and_the_outbox_report_in_words_and_say_where_messages_go(sqlite_url, tmp_path):
    log = tmp_path / "messages.log"
    env = {"COMMAND_CENTER_NOTIFY_LOG": str(log)}
    now = ("--now", "2026-11-20T10:00")
    assert run("--db", sqlite_url, *now, "demo", "--cases", "40", env=env).exit_code == 0
    once = CliRunner().invoke(cli, ["--db", sqlite_url, *now, "--lang", "en", "scheduler", "--once"], env=env)
    assert once.exit_code == 0, once.output
    assert "DispatchResult(" not in once.output and ": True" not in once.output
    assert "notifications: sent " in once.output and "fund sample: this period's list" in once.output
    assert f"Messages go: appended to the log file {log}" in once.output
    shown = run("--db", sqlite_url, *now, "outbox", env=env)
    assert "{" not in shown.output
    assert shown.output.splitlines()[0].startswith("通知发件箱: 待发 0, 发送中 0, 已发 ")
    assert shown.output.splitlines()[1] == f"通知去向: 追加到日志文件 {log}"
    data = json.loads(run("--db", sqlite_url, *now, "outbox", "--json", env=env).output)
    assert data["sender"] == {"kind": "log", "target": str(log)}
