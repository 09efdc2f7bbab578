"""The screens of two courts (issue 25): what a court's user sees, the court picker, the 中院 wall
and the brief's ranking of the courts.

The two courts are those of tests/test_courts.py (克什克腾旗 内0425 with three red cases, 红山区
内0402 with two), imported from their exports into one database.
"""

from __future__ import annotations

from rich.text import Text

from command_center.app import make_app
from command_center.data.access import actor
from command_center.data.caseno import court_of
from command_center.data.cases import CaseFilter
from command_center.data.courts import court_choices, scope_code
from command_center.data.users import add_user
from command_center.screens.case_list import CaseListScreen
from command_center.screens.court_picker import CourtPicker
from command_center.screens.overview import OverviewScreen
from command_center.screens.palette import CaseProvider
from command_center.screens.wall import WallScreen
from command_center.widgets.table import DataTable
from command_center.widgets.wall_widgets import PagedTable
from tests.conftest import NOW
from tests.test_courts import A, B, as_json, courts, load, run  # noqa: F401 - fixtures

PASSWORD = "secret-pass"


async def settled(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def listed(screen: CaseListScreen) -> list[str]:
    table = screen.query_one("#cases", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def test_the_screens_scope_is_the_asked_code_within_the_users():
    assert scope_code(None, None) is None
    assert scope_code("内04", None) == "内04"
    assert scope_code(None, B) == B
    assert scope_code("内04", B) == B  # wider than the user's courts: theirs only
    assert scope_code(A, B) == B  # another court: theirs only
    assert scope_code(B, "内04") == B  # a court below the user's code


async def test_a_basic_courts_officer_sees_only_their_courts_cases_in_a_list_and_the_search(db, runtime, tmp_path):
    load(db, tmp_path, A, B)
    add_user(db, "hs", "红山承办", "officer", PASSWORD, NOW, court=B)
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(app, pilot)
        app.push_screen(CaseListScreen(runtime, CaseFilter(scope="all")))
        await settled(app, pilot)
        assert {court_of(no) for no in listed(app.screen)} == {A, B}  # nobody logged in: every court
        app.actor = actor(db, "hs")
        app.data_changed()
        await settled(app, pilot)
        rows = listed(app.screen)
        assert len(rows) == 3 and {court_of(no) for no in rows} == {B}
        provider = CaseProvider(app.screen)
        hits = [hit async for hit in provider.search("执1号")]  # both courts have a case 执1号
        assert [Text.from_markup(str(h.match_display)).plain.split()[0] for h in hits] == ["（2025）内0402执1号"]
        hits = [hit async for hit in provider.search("被执行人内0425")]  # the other court's debtor: not found
        assert hits == []
        assert [hit async for hit in provider.search("被执行人内0402")]  # their own is


async def test_the_court_picker_rescopes_the_overview(db, runtime, tmp_path):
    load(db, tmp_path, A, B)
    add_user(db, "zy", "中院院长", "chief", PASSWORD, NOW, court="内04")
    assert [c.code for c in court_choices(db, "内04")] == ["内04", B, A]
    assert [c.code for c in court_choices(db, B)] == [B]
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settled(app, pilot)
        app.actor = actor(db, "zy")
        app.data_changed()
        await settled(app, pilot)
        box = app.screen.query_one("#box-open_cases")
        assert str(box.render()).startswith("5 / 9")  # both courts: 3 + 2 open of 6 + 3
        await pilot.press("c")
        await settled(app, pilot)
        assert isinstance(app.screen, CourtPicker)
        assert [o.id for o in app.screen.query_one("#courts").options] == ["内04", B, A]
        await pilot.press("down", "enter")  # 内0402
        await settled(app, pilot)
        assert isinstance(app.screen, OverviewScreen) and app.court_code == B
        assert str(app.screen.query_one("#box-open_cases").render()).startswith("2 / 3")
        assert f": {B}" in str(app.screen.query_one("#status").render())
        app.screen.open_list("open")  # and its lists are that court's
        await settled(app, pilot)
        assert {court_of(no) for no in listed(app.screen)} == {B}


async def test_the_wall_of_two_courts_has_a_row_per_court_worst_first(db, runtime, tmp_path, monkeypatch):
    load(db, tmp_path, A, B)
    monkeypatch.setattr(WallScreen, "listen_for_recomputes", lambda self: None)  # no NOTIFY listener here
    runtime.court = "内04"
    app = make_app(runtime, start="wall")
    async with app.run_test(size=(200, 50)) as pilot:
        await settled(app, pilot)
        rows = app.screen.query_one("#list-courts", PagedTable).rows
        assert [(r[0], r[4].plain) for r in rows] == [(A, "3"), (B, "2")]  # A has three red cases
        assert app.screen.query_one("#panel-courts").display
        assert not app.screen.query_one("#panel-teams").display
        red = app.screen.query_one("#list-red", PagedTable)
        assert red.total == 5
        # every 案号 keeps its court's code on a 中院's wall, even on a page of one court's cases
        assert red.several and red.layout_for(red.rows)[1] is False, "no short 案号 at 200 columns"
        assert str(app.screen.query_one("#titlebar").render()).startswith(" 内04 辖区 2 个法院")
        await pilot.press("c")  # the picker on the wall: nobody logged in, every court and its levels
        await settled(app, pilot)
        assert [o.id for o in app.screen.query_one("#courts").options] == ["", "内04", B, A]
        await pilot.press("down", "enter")  # from 内04 (the current scope) to 内0402
        await settled(app, pilot)
        assert app.screen.query_one("#list-red", PagedTable).total == 2
        assert not app.screen.query_one("#panel-courts").display
    app = make_app(runtime, start="wall")
    async with app.run_test(size=(120, 35)) as pilot:  # three panels side by side: a compact 案号
        await settled(app, pilot)
        red = app.screen.query_one("#list-red", PagedTable)
        keep, shorten = red.layout_for(red.rows)
        assert shorten and keep[0] == 0
        assert [red._cell(row[0], 0, shorten) for row in red.rows] == [
            f"{no[1:5]}{court_of(no)}{no[len(court_of(no)) + 6 : -1]}" for no, *_ in red.rows
        ]  # （2026）内0425执1号 → 2026内0425执1: the court code kept, as narrow as （2026）执1号
    runtime.court = B
    app = make_app(runtime, start="wall")
    async with app.run_test(size=(200, 50)) as pilot:
        await settled(app, pilot)
        assert not app.screen.query_one("#panel-courts").display  # one court: the wall as ever
        assert app.screen.query_one("#panel-teams").display
        assert app.screen.query_one("#list-red", PagedTable).total == 2
        assert {court_of(r[0]) for r in app.screen.query_one("#list-red", PagedTable).rows} == {B}


def test_the_briefs_ranking_of_the_courts_is_each_court_alone(courts):  # noqa: F811
    db, alone = courts
    ranking = as_json(db, "--court", "内04", "brief")["courts"]
    assert [c["code"] for c in ranking] == [A, B]  # worst first: A has three red cases, B two
    for court in ranking:
        lone = {row["key"]: row for row in as_json(alone[court["code"]], "brief")["indicators"]}
        for row in court["indicators"]:
            assert (row["value"], row["target"], row["meets"]) == (
                lone[row["key"]]["value"],
                lone[row["key"]]["target"],
                lone[row["key"]]["meets"],
            ), (court["code"], row["key"])
    ranks = {c["code"]: {r["key"]: r["rank"] for r in c["indicators"]} for c in ranking}
    assert (ranks[A]["red"], ranks[B]["red"]) == (2, 1)  # fewer red cases is better
    assert "courts" not in as_json(db, "--court", A, "brief")  # one court: nothing to rank
    assert as_json(db, "brief")["courts"] == ranking  # every court of the database


def test_the_screens_take_court_and_refuse_an_unknown_code(db, tmp_path):
    """``--court`` is no longer refused for the dashboard, the wall and the brief's screen; an
    unknown code is, with the codes there are, before a screen opens."""
    load(db, tmp_path, A)
    for command in (["wall"], [], ["brief"], ["serve"]):
        code, text = run(db, "--court", "内09", *command)
        assert code != 0 and "内09" in text and A in text and "不适用" not in text, command


def test_each_court_and_each_level_has_its_own_daily_snapshots_equal_to_its_brief(db, tmp_path):
    """A third court under another city (内0502): the nightly snapshot writes every court
    (``court``), each court (``court:内0425``…) and the city level of two (``court:内04``), each
    equal to the brief of that scope; a screen's scope reads its own."""
    from datetime import date, timedelta
    from decimal import Decimal

    from command_center.data.brief import trend, trends, write_snapshots
    from command_center.data.courts import courts_under, snapshot_scope
    from command_center.jobs.imports import import_and_recompute
    from command_center.jobs.reviews import snapshot
    from tests.builders import CALENDAR, CATALOGUE
    from tests.interchange_files import write_workbook
    from tests.test_courts import court_export

    load(db, tmp_path, A, B)
    other = {
        sheet: [{k: v.replace(B, "内0502") if isinstance(v, str) else v for k, v in row.items()} for row in rows]
        for sheet, rows in court_export(B).items()
    }
    import_and_recompute(db, CATALOGUE, CALENDAR, write_workbook(tmp_path / "c.xlsx", other), NOW)
    today = date(2026, 11, 20)
    for back in (1, 2):
        write_snapshots(db, CATALOGUE, CALENDAR, today - timedelta(days=back), NOW)
    snapshot(db, CATALOGUE, CALENDAR, NOW)  # the nightly job: today's, with the wall's figures
    scopes = {code: snapshot_scope(db, courts_under(db, code)) for code in ("内", "内04", A, B, "内0502", "内05")}
    assert scopes == {
        "内": "court",
        "内04": "court:内04",
        A: f"court:{A}",
        B: f"court:{B}",
        "内0502": "court:内0502",
        "内05": "court:内0502",  # the city of one court: that court's
    }
    for code, scope in scopes.items():
        figures = {r["key"]: r["value"] for r in as_json(db, "--court", code, "brief")["indicators"]}
        for key in ("red", "overdue_nodes", "completion_rate", "undisbursed_amount"):
            drawn = trend(db, key, today - timedelta(days=2), today, scope)
            assert len(drawn) == 3, (code, key)
            if figures[key] is not None:
                assert drawn[-1][1] == Decimal(figures[key]), (code, key)
        opened = as_json(db, "--court", code, "indicators")["open_cases"]
        assert trend(db, "open_cases", today, today, scope)[-1][1] == opened, code
    assert trends(db, today, days=3, scope="court:内04")["red"][-1][1] == 5  # A's three and B's two
    from command_center.data.rules import Rules
    from command_center.data.wall import wall_data

    shown = wall_data(db, Rules.at(NOW, CATALOGUE, CALENDAR), courts=courts_under(db, A))
    assert shown.pulses["red"] == [Decimal(3)] * 3  # the wall of 内0425 draws its own pulse
