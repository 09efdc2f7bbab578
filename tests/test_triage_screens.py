"""Triage and related cases on the screens: the N06 card's suggestion, the case list's "triage
disagrees" filter, the chief applying a suggestion, and a case's bundle handed to one team."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import delete
from textual.widgets import DataTable, Input, Select, Static, Tree

from command_center.app import make_app
from command_center.data import access
from command_center.data import models as m
from command_center.data.cases import CaseFilter
from command_center.screens.case import CaseScreen
from command_center.screens.case_list import CaseListScreen
from command_center.screens.forms import ConfirmScreen, FormScreen
from tests.builders import Court, at
from tests.test_drill import notes, settle

FILED = date(2026, 11, 2)
CASE = m.Case.__table__


def triaged(court: Court, amount: str, debtor: str) -> int:
    """An open case of ``amount`` against ``debtor``, online control (N05) complete."""
    case_id = court.case(FILED)
    court.update(m.Case, CASE.c.id == case_id, amount=Decimal(amount))
    court.add(m.Party, case_id=case_id, role="debtor", position=0, name=debtor)
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N05",
        subject_id="",
        started_at=at(FILED, 9),
        completed_at=at(FILED + timedelta(days=1), 16),
        source="imported",
    )
    return case_id


def make_court(runtime) -> tuple[Court, list[int]]:
    db = runtime.database()
    court = Court(db)  # team 1 普执一组 (普执)
    court.add(m.Team, id=2, court_id=1, name="简执一组", track="简执")
    small = triaged(court, "3000.00", "某科技有限公司")  # 简执 suggested: disagrees with 普执一组
    large = triaged(court, "300000.00", "某科技 有限公司")  # 普执: agrees; same debtor as ``small``
    other = triaged(court, "500000.00", "孙某")  # 普执, alone
    with db.engine.begin() as conn:  # the builders' applicant is 王申请 for each: keep it to one case
        conn.execute(delete(m.Party.__table__).where(m.Party.__table__.c.case_id == other))
    return court, [small, large, other]


async def open_n06(pilot, case_id: int) -> CaseScreen:
    pilot.app.open_case(case_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CaseScreen)
    tree = screen.query_one("#timeline", Tree)
    leaf = next(n for stage in tree.root.children for n in stage.children if n.data.code == "N06")
    tree.move_cursor(leaf)
    await settle(pilot)
    return screen


async def test_case_list_filters_the_cases_whose_triage_disagrees(runtime):
    court, (small, large, other) = make_court(runtime)
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        app.actor = access.actor(runtime.database(), "zhang")
        app.push_screen(CaseListScreen(runtime, CaseFilter("open")))
        await settle(pilot)
        table = app.screen.query_one("#cases", DataTable)
        assert table.row_count == 3
        await pilot.press("d")
        await settle(pilot)
        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == [f"（2026）内0425执{small}号"]
        assert "分流与建议不一致" in str(app.screen.query_one("#list-title", Static).render())
        await pilot.press("d")
        await settle(pilot)
        assert table.row_count == 3


async def test_the_n06_card_shows_the_suggestion_and_the_chief_applies_it(runtime):
    court, (small, large, other) = make_court(runtime)
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(200, 50)) as pilot:
        app.actor = access.actor(runtime.database(), "zhang")
        screen = await open_n06(pilot, small)
        card = str(screen.query_one("#card", Static).render())
        assert "分流建议: 简执" in card and "(普执 · 不一致)" in card
        assert "标的额 3000.00 元 ≤ 100000 元" in card and "建议移交: 简执一组" in card
        await pilot.press("y")  # an officer may not
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("无权采纳分流建议" in n for n in notes(app))

        app.actor = access.actor(runtime.database(), "chief")
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        # the question says what becomes of the officer, who is not in 简执一组
        assert "不属于该团队: 移交后本案暂无承办人" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "已采纳分流建议" in notes(app)
        card = str(app.screen.query_one("#card", Static).render())
        assert "(简执 · 一致)" in card and "建议移交" not in card  # agreeing: nowhere to go
        await pilot.press("y")  # applied again: refused before any question, nothing moves
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert "本案已是简执, 无需采纳" in notes(app)
    case = court.rows(m.Case, CASE.c.id == small)[0]
    assert (case.team_id, case.officer_id, case.track) == (2, None, "简执")
    assert [e.actor for e in court.rows(m.AuditEntry, m.AuditEntry.__table__.c.action == "case.triage_applied")] == [
        "chief"
    ]


async def test_the_case_screen_shows_the_bundle_and_the_chief_hands_it_to_one_team(runtime):
    court, (small, large, other) = make_court(runtime)
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        app.actor = access.actor(runtime.database(), "chief")
        app.open_case(large)
        await settle(pilot)
        sections = str(app.screen.query_one("#sections", Static).render())
        assert "关联案件 (2)" in sections
        assert f"▶ （2026）内0425执{large}号" in sections and f"（2026）内0425执{small}号" in sections
        assert "共同被执行人 某科技 有限公司: 2 件" in sections or "共同被执行人 某科技有限公司: 2 件" in sections
        await pilot.press("b")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "其他案件移交后暂无承办人" in form.note  # the officers' fate, said before the chief submits
        form.query_one("#f-team", Select).value = 2
        form.query_one("#f-reason", Input).value = "同一被执行人, 打包执行"
        await pilot.click("#ok")
        await settle(pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "已将 2 件关联案件整组移交" in notes(app)
        app.open_case(other)
        await settle(pilot)
        assert "本案没有关联案件" in str(app.screen.query_one("#sections", Static).render())
    assert {r.team_id for r in court.rows(m.Case, CASE.c.id.in_([small, large]))} == {2}
    assert court.rows(m.Case, CASE.c.id == other)[0].team_id == 1
    entries = court.rows(m.AuditEntry, m.AuditEntry.__table__.c.action == "case.bundle_reassigned")
    assert sorted(e.case_id for e in entries) == sorted([small, large])


async def test_names_in_the_bundle_are_masked_before_login(runtime):
    court, (small, large, other) = make_court(runtime)
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_case(large)
        await settle(pilot)
        sections = str(app.screen.query_one("#sections", Static).render())
        assert "关联案件 (2)" in sections and "某科技有限公司" not in sections and "王申请" not in sections


def test_the_n06_card_of_a_closed_case_says_it_is_closed_not_that_n05_is_awaited():
    from command_center.screens.case_triage import triage_text

    assert str(triage_text("zh", None, closed=True)).strip() == "已结案: 不再分流"
    assert "N05" in str(triage_text("zh", None)) and "Closed" in str(triage_text("en", None, closed=True))


def test_a_bundles_case_shows_two_names_and_how_many_there_are():
    """张三、李四等3人 is three people (等N人 counts them all); the English says how many more."""
    from command_center.screens.case_triage import _names

    assert _names("zh", ("张三", "李四", "王五"), True) == "张三、李四等3人"
    assert _names("zh", ("张三", "李四", "王五"), False) == "张*、李*等3人"
    assert _names("zh", ("张三", "李四"), True) == "张三、李四"
    assert _names("en", ("Zhang", "Li", "Wang", "Zhao"), True) == "Zhang, Li +2 more"
