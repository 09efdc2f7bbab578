"""Issue 6: login, the drill-down from the overview to a node card, and the actions on it.

The pilot tests walk the screens as an officer would and then read the database: the alert's
state, its actions and the audit log.  Roles are checked again directly in the data layer.
"""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from textual.command import CommandInput, CommandList
from textual.widgets import DataTable, Input, Static, Tree
from textual.worker import WorkerCancelled

from command_center.app import make_app
from command_center.cli import cli
from command_center.data import access, locks
from command_center.data import alerts as al
from command_center.data import models as m
from command_center.data.audit import audit_trail
from command_center.data.cases import CaseFilter, case_detail, find_cases, list_cases, reassign
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.supervision import complete_item, create_item
from command_center.data.users import (
    LoginFailed,
    UserError,
    add_user,
    authenticate,
    disable_user,
    set_password,
    verify_password,
)
from command_center.data.wall import wall_data
from command_center.data.workcal import TZ, end_of_day, local_date
from command_center.jobs.recompute import recompute
from command_center.screens.case import CaseScreen, _then
from command_center.screens.case_list import CaseListScreen
from command_center.screens.forms import ConfirmScreen, FormScreen, LoginScreen
from command_center.screens.overview import OverviewScreen
from command_center.screens.palette import LocalPalette
from command_center.screens.queue import QueueScreen
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.conftest import NOW, group_done

PASSWORD = "correct-horse"
#: someone logged in who may see and search names (the data layer re-reads nobody for reads)
OFFICER = access.Actor(1, "zhang", "officer")
AUDIT = m.AuditEntry.__table__


@pytest.fixture
def court(runtime):
    """Two cases of the builders' court: one blue (N09 due 2026-10-09), one red (N09 due 2026-07-01),
    with the officer ``zhang`` and the chief ``chief`` given a password."""
    db = runtime.database()
    court = Court(db)
    for filed, due in ((date(2026, 11, 19), date(2026, 10, 9)), (date(2026, 11, 18), date(2026, 7, 1))):
        case_id = court.case(filed)
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N09",
            subject_id="",
            started_at=at(due - timedelta(days=10), 9),
            due_override=end_of_day(due),
            source="imported",
        )
        court.add(m.Party, case_id=case_id, role="debtor", position=0, name="赵被执", kind="person")
    recompute(db, CATALOGUE, CALENDAR, NOW)
    for login in ("zhang", "chief", "wall"):
        set_password(db, login, PASSWORD, NOW)
    return court


async def settle(pilot) -> None:
    """Until every read and action under way is done.  A read that a newer one of its screen
    replaced (a reload after a login, say) ends cancelled: then wait for the newer one."""
    await pilot.pause()
    while True:
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:
            await pilot.pause()
            continue
        break
    await pilot.pause()


async def login(pilot, who: str, password: str = PASSWORD) -> None:
    app = pilot.app
    if not isinstance(app.screen, LoginScreen):
        await pilot.press("l")
        await pilot.pause()
    assert isinstance(app.screen, LoginScreen)
    await pilot.press(*who, "enter")
    await pilot.pause()
    await pilot.press(*password, "enter")
    await settle(pilot)
    await leave_queue(pilot)


async def leave_queue(pilot) -> None:
    """A login from the overview lands on 我的待办; Escape goes back to the overview."""
    if isinstance(pilot.app.screen, QueueScreen):
        await pilot.press("escape")
        await settle(pilot)


def notes(app) -> list[str]:
    """Every notification the app raised so far, shown or already timed out (see conftest)."""
    return list(app.__dict__.get("_every_note", []))


async def test_login_red_panel_list_case_card_explanation_accept(court, runtime):
    db = runtime.database()
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await login(pilot, "zhang", "wrong password")
        assert isinstance(app.screen, LoginScreen), "a wrong password keeps the login open"
        assert str(app.screen.query_one("#form-error", Static).render()) == "登录名或密码不正确, 或该用户已停用"
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        assert app.actor is not None and app.actor.login == "zhang"
        assert app.sub_title == "已登录 zhang (承办人)"  # the role in words, not its code
        assert isinstance(app.screen, QueueScreen), "a login lands on 我的待办"
        await leave_queue(pilot)

        await pilot.press("3")  # the blue panel
        await settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        table = app.screen.query_one("#cases", DataTable)
        assert table.row_count == 1
        assert table.get_row_at(0)[0] == "（2026）内0425执1号"
        assert table.get_row_at(0)[1] == "赵被执", "logged in: the name is shown in full"

        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        card = str(screen.query_one("#card", Static).render())
        assert "三明确 · N09" in card and "时限" in card and "动作" in card and "材料" in card
        assert "电子说明 · 未提交" in card

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        await pilot.press(*"被执行人下落不明", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        (alert,) = al.list_alerts(db, NOW, tier="blue")
        assert alert.response_status == "submitted"
        assert "已提交待审" in str(app.screen.query_one("#card", Static).render())

        await login(pilot, "chief")
        assert app.actor.login == "chief"
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        await pilot.press("tab", *"同意", "enter")
        await settle(pilot)
        (alert,) = al.list_alerts(db, NOW, tier="blue")
        assert alert.response_status == "accepted"
        assert "已完成" in str(app.screen.query_one("#card", Static).render())

        await pilot.press("escape")
        assert isinstance(app.screen, CaseListScreen)
        await pilot.press("escape")
        assert app.screen.query("#figures"), "Escape goes back one level at a time, to the overview"

    kinds = [kind for _, kind, _, _ in al.history(db, alert.id)]
    assert kinds == ["opened", "response_submitted", "response_accepted"]
    audit = court.rows(m.AuditEntry, AUDIT.c.entity == "alert")
    assert [(a.actor, a.action) for a in audit] == [
        ("zhang", "alert.response_submitted"),
        ("chief", "alert.response_accepted"),
    ]
    assert audit[0].detail == {"note": "被执行人下落不明"}


async def test_a_second_session_on_the_same_alert_is_refused_with_a_clear_message(court, runtime):
    db = runtime.database()
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await login(pilot, "zhang")
        await pilot.press("3", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        # meanwhile, in another session, the chief acknowledges the same alert
        (alert,) = al.list_alerts(db, NOW, tier="blue")
        al.acknowledge(db, alert.id, alert.version, access.actor(db, "chief"), NOW)
        await pilot.press("a")
        await settle(pilot)  # an officer's right to act on the case is read first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        said = [note for note in notes(app) if "已被他人处理" in note]
        assert said == [f"预警 {alert.id} 已被他人处理 (现为 已认领), 请刷新 (r) 后重试"], notes(app)
    (alert,) = al.list_alerts(db, NOW, tier="blue")
    assert alert.status == "acknowledged"
    assert [(a.actor, a.action) for a in court.rows(m.AuditEntry, AUDIT.c.entity == "alert")] == [
        ("chief", "alert.acknowledged")
    ]


async def test_an_officer_of_another_team_is_told_before_any_dialog(court, runtime):
    db = runtime.database()
    court.add(m.Team, id=2, court_id=1, name="简执一组", track="简执")
    court.add(m.Officer, id=7, login="wang", name="王承办", role="officer", team_id=2, active=True)
    set_password(db, "wang", PASSWORD, NOW)
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await login(pilot, "wang")
        await pilot.press("3", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        for key in ("a", "e", "t"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, CaseScreen), f"{key}: no dialog to fill in for nothing"
        assert "wang 不能对 （2026）内0425执1号 认领预警: 不是本团队的案件, 也未分派给本人" in notes(app)
        assert "wang 不能对 （2026）内0425执1号 提交说明或汇报: 不是本团队的案件, 也未分派给本人" in notes(app)
        assert "wang 不能对 （2026）内0425执1号 创建督办事项: 不是本团队的案件, 也未分派给本人" in notes(app)
    assert [a for a in court.rows(m.AlertAction) if a.actor_id == 7] == [] and court.rows(m.SupervisionItem) == []


async def test_an_officer_cannot_silence_or_unlock_on_screen_or_in_the_data_layer(court, runtime):
    db = runtime.database()
    officer = access.actor(db, "zhang")
    (lock,) = locks.list_locks(db)
    (red,) = al.list_alerts(db, NOW, tier="red")
    with pytest.raises(access.NotAllowed):
        al.silence(db, red.id, red.version, officer, NOW, NOW + timedelta(days=3), "等待")
    with pytest.raises(access.NotAllowed):
        locks.unlock(db, lock.id, lock.version, officer, NOW, "已整改")

    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await login(pilot, "zhang")
        await pilot.press("1", "enter")  # the red case
        await settle(pilot)
        assert "程序锁死" in str(app.screen.query_one("#case-head", Static).render())
        await pilot.press("m")  # refused before a form is filled in that could not be submitted, in Chinese
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "zhang (承办人) 无权静默预警, 需要局领导或管理员" in notes(app)
        # an officer's k asks for the unlock instead; only the chief's k unlocks
        await pilot.press("k")
        await pilot.pause()
        await pilot.press(*"已整改", "enter")
        await settle(pilot)
        assert "已申请解锁" in str(app.screen.query_one("#case-head", Static).render())
    (red,) = al.list_alerts(db, NOW, tier="red")
    assert red.status == "open"
    (lock,) = locks.list_locks(db)
    assert (lock.active, lock.request_status, lock.requested_by) == (True, "pending", "张承办")


async def test_before_login_names_are_masked_and_the_palette_finds_by_case_number_only(court, runtime):
    db = runtime.database()
    case_id = court.rows(m.Case, m.Case.__table__.c.case_no == "（2026）内0425执2号")[0].id  # the first row of 1
    create_item(  # a 督办: free text that names a party, for a member of the staff
        db, case_id, access.actor(db, "zhang"), NOW, description="约谈赵被执", assignee_id=1, due=date(2026, 11, 23)
    )
    recompute(db, CATALOGUE, CALENDAR, NOW)
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # read only
        assert app.actor is None
        await pilot.press("1")
        await settle(pilot)
        row = app.screen.query_one("#cases", DataTable).get_row_at(0)
        assert (row[1], row[3]) == ("赵**", "张**")  # the officer too, as on the wall
        await pilot.press("enter")
        await settle(pilot)
        head = str(app.screen.query_one("#case-head", Static).render())
        assert "赵**" in head and "赵被执" not in head
        assert "张**" in head and "张承办" not in head
        screen = app.screen
        sections = str(screen.query_one("#sections", Static).render())
        assert "约谈赵被执" not in sections and "(登录后可见)" in sections  # the history's notes
        (db_line,) = [n for n in screen.detail.nodes if n.code == "DB"]
        card = screen.card_text(db_line).plain
        assert "约谈赵被执" not in card and "张承办" not in card and "(登录后可见)" in card and "张**" in card
        await pilot.press("a")  # an action asks for the login first
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
    assert [c for _, c, _ in find_cases(db, "赵被")] == []
    assert [c for _, c, _ in find_cases(db, "赵被", viewer=OFFICER)] == ["（2026）内0425执1号", "（2026）内0425执2号"]
    assert [c for _, c, _ in find_cases(db, "执2号")] == ["（2026）内0425执2号"]


async def test_esc_at_the_login_of_a_logged_in_terminal_logs_out_and_masks_the_names(court, runtime):
    """The login says Esc is "read only, names masked": a terminal someone left logged in is
    masked again by it.  The screens opened under the login close; the scope picked is dropped."""
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await login(pilot, "chief")
        app.chosen_court = "内0425"
        await pilot.press("1")
        await settle(pilot)
        assert app.screen.query_one("#cases", DataTable).get_row_at(0)[1] == "赵被执"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.actor is None and app.sub_title == "" and app.chosen_court is None
        assert isinstance(app.screen, OverviewScreen), "the case opened under the login is closed"
        assert "chief 已退出登录: 只读浏览, 姓名已遮蔽" in notes(app)
        await pilot.press("1")
        await settle(pilot)
        row = app.screen.query_one("#cases", DataTable).get_row_at(0)
        assert (row[1], row[3]) == ("赵**", "张**")


async def test_back_from_a_case_the_list_is_read_again_its_cursor_on_the_same_case(court, runtime):
    """A login (or an action) on a case shows on the list below as soon as one is back on it,
    not after ``r``; a reload keeps the cursor on the case it was on."""
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # read only
        await pilot.press("4")  # every open case: two
        await settle(pilot)
        table = app.screen.query_one("#cases", DataTable)
        await pilot.press("down")
        chosen = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        assert table.get_row_at(1)[1] == "赵**"
        app.data_changed()  # a recompute's reload: the cursor stays
        await settle(pilot)
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == chosen
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        await login(pilot, "chief")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#cases", DataTable) is table
        assert table.get_row_at(1)[1] == "赵被执"  # read again, unmasked
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == chosen


async def test_the_palette_speaks_the_uis_language(court, runtime):
    """ctrl+p: its placeholder and its "no matches" in Chinese, not Textual's English."""
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        palette = app.screen
        assert isinstance(palette, LocalPalette)
        assert palette.query_one(CommandInput).placeholder.startswith("🔎 查找命令或案件")
        await pilot.press(*"xyzzy")

        def said() -> list[str]:
            return [str(o.prompt.renderable) for o in palette.query_one(CommandList).options if o.disabled]

        for _ in range(300):  # the palette says it after its own countdown: wait for the line, not a time
            if said():
                break
            await pilot.pause(0.05)
        assert said() == ["没有找到 (未登录只能按案号查找; 按 l 登录后可按当事人姓名查找)"]  # nobody logged in


async def test_the_node_card_is_two_keystrokes_from_the_overview_in_a_timeline_by_stage(court, runtime):
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4", "enter")  # overdue nodes → the worst case (red, due 07-01) → its card
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        assert "（2026）内0425执2号" in str(screen.query_one("#case-head", Static).render())
        tree = screen.query_one("#timeline", Tree)
        stages = [str(node.label) for node in tree.root.children]
        assert stages[:3] == ["立案", "调查", "控制"]
        assert sum(len(stage.children) for stage in tree.root.children) == 48, (
            "every catalogue node of a 执 case (N01–N48), not started ones too"
        )
        assert tree.cursor_node.data.code == "N09" and tree.cursor_node.data.tier == "red"
        await pilot.press("up")  # moving in the timeline changes the card
        await pilot.pause()
        assert "N08" in str(screen.query_one("#card", Static).render())


def test_case_list_pages_sorts_and_filters(court, runtime):
    db = runtime.database()
    rules = Rules.at(NOW, CATALOGUE, CALENDAR)
    page = list_cases(db, rules, CaseFilter(scope="overdue"))
    assert page.total == 2
    assert [(r.case_no, r.tier, r.overdue_days, r.locked) for r in page.rows] == [
        ("（2026）内0425执2号", "red", 142, True),
        ("（2026）内0425执1号", "blue", 42, False),
    ]
    reverse = list_cases(db, rules, CaseFilter(scope="overdue"), descending=False)
    assert [r.case_no for r in reverse.rows] == ["（2026）内0425执1号", "（2026）内0425执2号"]
    second = list_cases(db, rules, CaseFilter(scope="overdue"), offset=1, limit=1)
    assert (second.total, [r.case_no for r in second.rows]) == (2, ["（2026）内0425执1号"])
    assert list_cases(db, rules, CaseFilter(scope="overdue", stage="调查")).total == 2
    assert list_cases(db, rules, CaseFilter(scope="overdue", stage="立案")).total == 0
    assert list_cases(db, rules, CaseFilter(scope="overdue", tier="blue")).total == 1
    assert list_cases(db, rules, CaseFilter(scope="open", text="执1")).total == 1
    searched = list_cases(
        db, rules, CaseFilter(scope="open", text="赵被执"), viewer=OFFICER, offset=1, limit=1
    )  # the debtor of both
    assert (searched.total, [r.case_no for r in searched.rows]) == (2, ["（2026）内0425执1号"])
    past_the_end = list_cases(db, rules, CaseFilter(scope="open", text="赵被执"), viewer=OFFICER, offset=5)
    assert (past_the_end.total, past_the_end.rows) == (2, [])
    assert list_cases(db, rules, CaseFilter(scope="all"), offset=9).total == 2
    assert list_cases(db, rules, CaseFilter(scope="open", text="%")).total == 0, "LIKE wildcards are literal"
    assert list_cases(db, rules, CaseFilter(scope="open", officer="zhang", team="普执一组")).total == 2
    assert list_cases(db, rules, CaseFilter(scope="open", team="没有这个组")).total == 0
    assert list_cases(db, rules, CaseFilter(scope="new")).total == 0
    assert list_cases(db, rules, CaseFilter(scope="red")).total == 1


async def test_the_undisbursed_funds_list_shows_and_sorts_what_waits_to_be_paid_out(court, runtime):
    """Key 9 (未发放案款, 2 funds of 4,191.62 元) opens the cases holding them: their column is
    what of their funds waits (the box's figure summed per case), not their 标的; a fund paid
    out or not arrived yet is not in it."""
    db = runtime.database()
    first, second = (r.id for r in court.rows(m.Case))
    arrived = at(date(2026, 11, 2), 10)
    for fund_id, case_id, amount, disbursed in (
        ("F1", first, "2960.63", None),
        ("F2", second, "1230.99", None),
        ("F3", second, "500.00", at(date(2026, 11, 5), 10)),  # paid out
        ("F4", first, "1000.00", None),
    ):
        court.add(
            m.Fund, fund_id=fund_id, case_id=case_id, amount=Decimal(amount), arrived_at=arrived, disbursed_at=disbursed
        )
    court.add(m.Fund, fund_id="F5", case_id=second, amount=Decimal("9.00"), arrived_at=NOW + timedelta(hours=1))
    rules = Rules.at(NOW, CATALOGUE, CALENDAR)
    page = list_cases(db, rules, CaseFilter(scope="funds"), "amount")
    assert [(r.case_no, r.waiting) for r in page.rows] == [
        ("（2026）内0425执1号", Decimal("3960.63")),
        ("（2026）内0425执2号", Decimal("1230.99")),
    ]
    assert [r.case_no for r in list_cases(db, rules, CaseFilter(scope="funds"), "amount", descending=False).rows] == [
        "（2026）内0425执2号",
        "（2026）内0425执1号",
    ]
    assert list_cases(db, rules, CaseFilter(scope="open")).rows[0].waiting is None
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(160, 45)) as pilot:
        app.push_screen(CaseListScreen(runtime, CaseFilter("funds")))
        await settle(pilot)
        table = app.screen.query_one("#cases", DataTable)
        assert str(table.columns["amount"].label) == "未发放(元)"
        assert [str(table.get_row_at(i)[4]) for i in range(table.row_count)] == ["1,230.99", "3,960.63"]


def test_passwords_logins_and_the_user_commands(court, runtime):
    db = runtime.database()
    stored = court.rows(m.Officer, m.Officer.__table__.c.login == "zhang")[0].password_hash
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert verify_password(PASSWORD, stored) and not verify_password(PASSWORD + "x", stored)
    assert authenticate(db, "zhang", PASSWORD, NOW).role == "officer"
    for who, password in (("zhang", "nope-nope"), ("nobody", PASSWORD)):
        with pytest.raises(LoginFailed):
            authenticate(db, who, password, NOW)
    with pytest.raises(UserError, match="at least 8"):
        add_user(db, "wang", "王", "officer", "short", NOW)
    with pytest.raises(UserError, match="exists already"):
        add_user(db, "zhang", "张", "officer", PASSWORD, NOW)
    disable_user(db, "zhang", NOW)
    with pytest.raises(LoginFailed):
        authenticate(db, "zhang", PASSWORD, NOW)

    runner = CliRunner()
    base = ["--db", runtime.settings.db, "--now", "2026-11-20T10:00"]
    result = runner.invoke(
        cli,
        [*base, "user", "add", "wang", "--name", "王承办", "--team", "普执一组"],
        env={"COMMAND_CENTER_PASSWORD": "wang-password"},
    )
    assert result.exit_code == 0, result.output
    assert authenticate(db, "wang", "wang-password", NOW).role == "officer"
    result = runner.invoke(
        cli, [*base, "user", "add", "li", "--team", "无此组"], env={"COMMAND_CENTER_PASSWORD": "li-password"}
    )
    assert result.exit_code == 1 and "no team '无此组'" in result.output
    result = runner.invoke(cli, [*base, "user", "passwd", "wang"], input="new-password\nnew-password\n")
    assert result.exit_code == 0, result.output
    assert authenticate(db, "wang", "new-password", NOW).login == "wang"
    result = runner.invoke(cli, [*base, "--lang", "en", "audit", "--json"])
    actions = [(e["actor"], e["action"], e["entity_id"]) for e in json.loads(result.output)]
    me = f"cli:{getpass.getuser()}"
    assert actions[:2] == [(me, "user.password_changed", "wang"), (me, "user.added", "wang")]
    assert ("system", "lock.locked", "1") in actions
    result = runner.invoke(cli, [*base, "audit", "--case", "(2026)内0425执2号"])
    lines = result.output.splitlines()
    assert result.exit_code == 0 and lines[0].split() == ["时间", "操作人", "操作", "案号", "对象", "说明"]
    assert lines[1].split()[2:6] == ["系统", "程序锁死", "（2026）内0425执2号", "锁"]  # in words, with its 案号
    assert "lock.locked" not in result.output and "用户" not in result.output


def test_an_ad_hoc_supervision_item_is_due_soon_on_the_wall_then_overdue_then_resolved(court, runtime):
    db = runtime.database()
    officer, wall = access.actor(db, "zhang"), access.actor(db, "wall")
    case_id = court.rows(m.Case, m.Case.__table__.c.case_no == "（2026）内0425执1号")[0].id
    before = indicators(db, Rules.at(NOW, CATALOGUE, CALENDAR)).due_soon_nodes
    with pytest.raises(access.NotAllowed):
        create_item(db, case_id, wall, NOW, description="电话督办", assignee_id=1, due=date(2026, 11, 23))
    with pytest.raises(access.ActionRefused, match="in the past"):
        create_item(db, case_id, officer, NOW, description="电话督办", assignee_id=1, due=date(2026, 11, 19))
    item_id = create_item(
        db, case_id, officer, NOW, description="申请人来电: 查询车辆扣押进展", assignee_id=1, due=date(2026, 11, 23)
    )

    # Monday 11-23 is within two working days of Friday 11-20: due soon, on the wall and in the indicators
    recompute(db, CATALOGUE, CALENDAR, NOW)
    (alert,) = [a for a in al.list_alerts(db, NOW, rule="due_soon") if a.node_code == "DB"]
    assert (alert.subject_id, alert.due_date) == (f"DB{item_id}", date(2026, 11, 23))
    assert indicators(db, Rules.at(NOW, CATALOGUE, CALENDAR)).due_soon_nodes == before + 1
    soon = wall_data(db, Rules.at(NOW, CATALOGUE, CALENDAR)).due_soon
    assert [(s.case_no, s.node_code) for s in soon if s.node_code == "DB"] == [("（2026）内0425执1号", "DB")]

    # five weeks later it is blue and demands the written explanation, like any node
    later = NOW + timedelta(days=35)
    recompute(db, CATALOGUE, CALENDAR, later)
    (alert,) = [a for a in al.list_alerts(db, later, tier="blue") if a.node_code == "DB"]
    assert alert.response_kind == "explanation"
    complete_item(db, item_id, officer, later, "已电话回复申请人")
    with pytest.raises(access.ActionRefused, match="completed already"):
        complete_item(db, item_id, officer, later, "again")
    recompute(db, CATALOGUE, CALENDAR, later)
    assert [a.node_code for a in al.list_alerts(db, later) if a.node_code == "DB"] == []
    detail = case_detail(db, Rules.at(later, CATALOGUE, CALENDAR), case_id)
    (line,) = [n for n in detail.nodes if n.code == "DB"]
    assert (line.stage, line.state, detail.item(line.subject_id).completion_note) == (
        "临时督办",
        "done",
        "已电话回复申请人",
    )
    assert [e.action for e in detail.history if e.entity == "supervision_item"] == [
        "supervision.completed",
        "supervision.created",
    ]


async def test_the_wall_shows_an_ad_hoc_item_as_supervision_not_as_its_code(court, runtime):
    db = runtime.database()
    case_id = court.rows(m.Case, m.Case.__table__.c.case_no == "（2026）内0425执1号")[0].id
    create_item(
        db, case_id, access.actor(db, "zhang"), NOW, description="申请人来电", assignee_id=1, due=date(2026, 11, 23)
    )
    recompute(db, CATALOGUE, CALENDAR, NOW)
    app = make_app(runtime, start="wall")
    async with app.run_test(size=(200, 50)) as pilot:
        await group_done(app, "wall-poll")
        await pilot.pause()
        soon = app.screen.query_one("#list-soon").rows
        nodes = [row[2] for row in soon if row[1] == "（2026）内0425执1号"]
        assert nodes.count("督办") == 1 and "DB" not in nodes
    app = make_app(runtime, ask_login=False)  # and so does the case's timeline, under its own stage
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        app.open_case(case_id)
        await settle(pilot)
        stage = next(s for s in app.screen.query_one("#timeline", Tree).root.children if str(s.label) == "临时督办")
        assert [str(leaf.label).split(" [")[0] for leaf in stage.children] == ["督办 申请人来电"]


def test_every_drill_down_label_exists_in_both_languages():
    from command_center.screens.case import ACTION_TEXT
    from command_center.screens.labels import LABELS

    assert set(LABELS["zh"]) == set(LABELS["en"])
    assert set(ACTION_TEXT["zh"]) == set(ACTION_TEXT["en"]) and set(ACTION_TEXT["zh"]["done"]) == set(
        ACTION_TEXT["en"]["done"]
    )


async def test_the_red_panel_walk_records_the_interview_and_the_chiefs_acceptance(court, runtime):
    db = runtime.database()
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await login(pilot, "zhang")
        await pilot.press("1", "enter")  # red panel → its case → the red node's card
        await settle(pilot)
        assert "约谈+专项评查 · 未提交" in str(app.screen.query_one("#card", Static).render())
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("enter", *"张承办", "enter", *"N09 超期", "enter", *"已约谈", "enter")  # date kept as today
        await settle(pilot)
        await login(pilot, "chief")
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("tab", "enter")
        await settle(pilot)
    (red,) = al.list_alerts(db, NOW, tier="red")
    assert red.response_status == "accepted"
    audit = court.rows(m.AuditEntry, AUDIT.c.entity == "alert")
    assert [(a.actor, a.action) for a in audit] == [
        ("zhang", "alert.response_submitted"),
        ("chief", "alert.response_accepted"),
    ]
    assert audit[0].detail["note"] == "约谈日期: 2026-11-20; 约谈对象: 张承办; 专项评查事项: N09 超期; 说明内容: 已约谈"


def test_reassign_needs_a_chief_and_the_assignment_the_chief_saw(court, runtime):
    db = runtime.database()
    chief, officer = access.actor(db, "chief"), access.actor(db, "zhang")
    case_id = court.rows(m.Case, m.Case.__table__.c.case_no == "（2026）内0425执1号")[0].id
    with pytest.raises(access.NotAllowed):
        reassign(db, case_id, officer, NOW, expected=(1, 1), officer_id=2, team_id=None, reason="调岗")
    reassign(db, case_id, chief, NOW, expected=(1, 1), officer_id=2, team_id=None, reason="调岗")
    with pytest.raises(access.StaleVersion):  # a second chief still saw officer 1 in team 1
        reassign(db, case_id, chief, NOW, expected=(1, 1), officer_id=1, team_id=None, reason="改组")
    reassign(
        db, case_id, chief, NOW, expected=(2, None), officer_id=1, team_id=1, reason="改回"
    )  # NULL team compared as a value
    (row,) = court.rows(m.Case, m.Case.__table__.c.id == case_id)
    assert (row.officer_id, row.team_id) == (1, 1)
    assert [e.detail["reason"] for e in audit_trail(db, case_id=case_id) if e.action == "case.reassigned"] == [
        "改回",
        "调岗",
    ]


async def test_the_filter_form_opens_blank_and_narrows_the_list(court, runtime):
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        assert app.screen.query_one("#cases", DataTable).row_count == 2
        await pilot.press("f")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen), "the form opens with every filter blank"
        form.query_one("#f-tier").value = "blue"
        form.submit()
        await settle(pilot)
        assert isinstance(app.screen, CaseListScreen)
        assert app.screen.query_one("#cases", DataTable).row_count == 1
        assert "等级: 蓝灯" in str(app.screen.query_one("#list-title", Static).render())


@pytest.mark.parametrize("size", [(120, 35), (200, 50)], ids=["120x35", "200x50"])
def test_case_screen_snapshot(sqlite_url, size, snap_compare):
    """The case screen of a red, locked case with a fund, an asset, an account, a lead and an
    ad-hoc item, as the chief sees it (names shown), at the smallest size and the wall's."""
    from decimal import Decimal

    from command_center.clock import Clock
    from command_center.config import Settings
    from command_center.runtime import Runtime

    rt = Runtime.start(Settings(db=sqlite_url), Clock(NOW))
    try:
        db = rt.database()
        court = Court(db)
        case_id = court.case(date(2026, 3, 2))
        court.add(m.Party, case_id=case_id, role="debtor", position=0, name="赤峰鑫源商贸有限公司", kind="org")
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N09",
            subject_id="",
            started_at=at(date(2026, 6, 20), 9),
            due_override=end_of_day(date(2026, 7, 1)),
            source="imported",
        )
        court.add(
            m.Fund, fund_id="F1", case_id=case_id, amount=Decimal("12345.67"), arrived_at=at(date(2026, 11, 2), 10)
        )
        court.add(
            m.SeizedAsset,
            asset_id="A1",
            case_id=case_id,
            kind="车辆",
            seized_on=date(2026, 4, 8),
            location="宁城县停车场",
        )
        court.add(
            m.FrozenAccount,
            account_id="K1",
            case_id=case_id,
            bank="农业银行",
            account_no="6228480001",
            frozen_on=date(2026, 3, 20),
            expires_on=date(2027, 3, 19),
        )
        court.add(
            m.Lead,
            lead_id="L1",
            case_id=case_id,
            reported_at=at(date(2026, 11, 16), 15),
            description="申请人举报: 被执行人有房产",
        )
        set_password(db, "chief", PASSWORD, NOW)
        create_item(
            db,
            case_id,
            access.actor(db, "chief"),
            NOW,
            description="申请人来电催问案款",
            assignee_id=1,
            due=date(2026, 11, 24),
        )
        recompute(db, CATALOGUE, CALENDAR, NOW)

        async def open_the_case(pilot) -> None:
            pilot.app.actor = access.actor(db, "chief")
            pilot.app.open_case(case_id)
            await settle(pilot)

        assert snap_compare(make_app(rt, ask_login=False), terminal_size=size, run_before=open_the_case)
    finally:
        rt.close()


async def test_a_form_keeps_what_was_typed_and_says_what_is_wrong_and_refusals_speak_the_ui_language(court, runtime):
    db = runtime.database()
    app = make_app(runtime)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        await login(pilot, "zhang")
        await pilot.press("1", "enter")  # the red case
        await settle(pilot)
        await pilot.press("g")  # an officer may not reassign: no form to fill in for nothing
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
        assert "zhang (承办人) 无权改派案件, 需要局领导或管理员" in notes(app)

        await pilot.press("t")  # a supervision item with an impossible due date
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        await pilot.press(*"核实银行回执", "enter", "enter")  # the description; the assignee as it is
        due = form.query_one("#f-due", Input)
        due.value = "2026-02-30"
        await pilot.click("#ok")  # the mouse once; then Enter in the last field, as the keyboard does
        # (a Button ignores a second click within its 0.2 s press effect: clicks would race it)
        await settle(pilot)
        assert app.screen is form  # still open, with what was typed
        assert form.query_one("#f-description", Input).value == "核实银行回执"
        assert "2026-02-30 不是真实存在的日期" in str(form.query_one("#form-error", Static).render())
        due.value = "12/04"  # not a date's shape at all
        due.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is form
        assert "日期格式应为 2026-11-20" in str(form.query_one("#form-error", Static).render())
        due.value = "2026-12-04"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, FormScreen)
    with db.engine.connect() as conn:
        items = conn.execute(select(m.SupervisionItem.description, m.SupervisionItem.due_at)).all()
    assert [(text, local_date(due)) for text, due in items] == [("核实银行回执", date(2026, 12, 4))]


def test_every_action_is_in_the_permissions_and_has_words_in_each_language():
    from command_center.labels import PERMISSION_WORDS

    for lang in ("zh", "en"):
        assert set(access.PERMISSIONS) <= set(PERMISSION_WORDS[lang])


def _footer_and_help(app) -> tuple[str, str]:
    from command_center.screens.keys import help_text

    screen = app.screen
    bindings = [b for found in screen._bindings.key_to_bindings.values() for b in found]
    footer = " ".join(b.description for b in bindings if b.show and b.description)
    return footer, str(help_text(screen, screen.lang))


@pytest.mark.parametrize("lang", ["zh", "en"])
async def test_every_screen_has_help_and_speaks_one_language(court, runtime, lang):
    """? opens the keys of the screen on the overview, the case list, the case and the brief;
    the footer, the help and the palette's commands are in the UI's language only."""
    import re
    from dataclasses import replace

    from command_center.runtime import Runtime
    from command_center.screens.brief import BriefScreen
    from command_center.screens.keys import HelpScreen

    cjk = re.compile(r"[\u4e00-\u9fff]")
    latin = re.compile(r"[A-Za-z]{2,}")
    rt = Runtime.start(replace(runtime.settings, lang=lang), runtime.clock)
    app = make_app(rt, ask_login=False)
    try:
        async with app.run_test(size=(120, 35)) as pilot:
            await settle(pilot)
            seen = []
            for step in ((), ("1",), ("enter",)):
                await pilot.press(*step)
                await settle(pilot)
                seen.append(type(app.screen))
                footer, helped = _footer_and_help(app)
                words = footer + " " + re.sub(r"^\s*\S+\s", " ", helped, flags=re.M)  # without the key names
                if lang == "en":
                    assert not cjk.search(words), words
                else:
                    assert not latin.search(words), words
                await pilot.press("question_mark")
                await pilot.pause()
                assert isinstance(app.screen, HelpScreen)
                await pilot.press("escape")
                await pilot.pause()
            assert seen == [OverviewScreen, CaseListScreen, CaseScreen]
            app.push_screen(BriefScreen(rt))
            await settle(pilot)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            titles = [command.title for command in app.get_system_commands(app.screen)]
            assert ("退出" in titles) if lang == "zh" else ("Quit" in titles)
    finally:
        rt.close()


async def test_a_login_lands_on_my_queue_and_a_chief_sees_the_responses_to_accept(court, runtime):
    db = runtime.database()
    app = make_app(runtime)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press(*"zhang", "enter")
        await pilot.pause()
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        alerts = screen.query_one("#list-alerts", DataTable)
        assert [alerts.get_row_at(i)[1] for i in range(alerts.row_count)][:1] == ["N09"]
        assert str(alerts.get_row_at(0)[2]) == "红灯", "worst first: the red case before the blue one"
        assert "我的预警 (最严重在前) · " in str(screen.query_one("#title-alerts", Static).render())
        assert not screen.query("#list-accept"), "an officer has no responses to review"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.case_id == alerts_case(db, "（2026）内0425执2号")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        (blue,) = al.list_alerts(db, NOW, tier="blue")
        al.submit_response(db, blue.id, blue.version, OFFICER, NOW, "下落不明")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query("#figures"), "Escape goes to the overview"
        await login(pilot, "chief")
        await pilot.press("m")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, QueueScreen)
        accept = screen.query_one("#list-accept", DataTable)
        assert [(accept.get_row_at(0)[0], str(accept.get_row_at(0)[2]))] == [("（2026）内0425执1号", "电子说明")]


def alerts_case(db, case_no: str) -> int:
    from command_center.data.cases import case_id_by_no

    return case_id_by_no(db, case_no)


def test_a_fund_s_later_moment_drops_what_it_shares_with_its_arrival():
    """The case screen's fund line fits its panel at 120 columns: the disbursement leaves out the
    year (and the day) it shares with the arrival."""

    arrived = datetime(2024, 12, 20, 11, 8, tzinfo=TZ)
    assert _then(arrived, datetime(2024, 12, 21, 20, 22, tzinfo=TZ)) == "12-21 20:22"
    assert _then(arrived, datetime(2024, 12, 20, 15, 0, tzinfo=TZ)) == "15:00"
    assert _then(arrived, datetime(2025, 1, 3, 9, 0, tzinfo=TZ)) == "2025-01-03 09:00"
    assert _then(arrived, None) == "—"
