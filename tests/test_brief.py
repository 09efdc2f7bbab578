"""The morning brief's indicators on a hand-built court whose figures were worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from command_center.data import models as m
from command_center.data.brief import SPEC, Period, brief, figures_at, trend
from command_center.data.demo import generate
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.data.workcal import end_of_day
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.conftest import NOW, group_done

YEAR = Period(date(2026, 1, 1), date(2026, 11, 20))


def hand_built(db) -> Court:
    """Seven cases and five funds (see each line for its part in the figures).

    first-enforcement base (open on 1 January or filed since, type 执): A B C E G = 5; closed
    in the period: A B C F = 4, of them 执 A B C = 3, 执行完毕 A C, 终本 B; amounts 4 × 10,000,
    recovered 10,000 + 2,500 + 4,000 + 0; days to close 160 + 182 + 234 + 61 = 637;
    within the term: A, B (closed on its term date), F = 3 (C is late).
    """
    court = Court(db)
    court.add(m.Team, id=2, court_id=1, name="普执二组", track="普执")
    a = court.case(date(2025, 10, 1), closed_on=date(2026, 3, 10), closing_mode="执行完毕")  # term 2026-04-01
    b = court.case(date(2026, 2, 2))  # term 2026-08-02 is a Sunday: 2026-08-03; closed on it below
    c = court.case(date(2026, 1, 10), closed_on=date(2026, 9, 1), closing_mode="执行完毕")  # term 2026-07-10: late
    court.case(date(2024, 5, 1), closed_on=date(2025, 12, 31), closing_mode="执行完毕")  # D: closed before the period
    e = court.case(date(2026, 3, 1))  # E: open
    f = court.case(date(2026, 4, 1), closed_on=date(2026, 6, 1), closing_mode="销案")  # F: 执恢, not first enforcement
    g = court.case(date(2025, 6, 1))  # G: open since last year, team 2
    cases = m.Case.__table__
    court.update(m.Case, cases.c.id == a, amount_recovered=Decimal("10000.00"))
    court.update(m.Case, cases.c.id == c, amount_recovered=Decimal("4000.00"))
    court.update(m.Case, cases.c.id == f, case_type="执恢", case_no="（2026）内0425执恢6号")
    court.update(m.Case, cases.c.id == g, team_id=2)
    recompute(db, CATALOGUE, CALENDAR, NOW)
    term = court.node(b, "N42").due_date
    assert term == date(2026, 8, 3)
    court.update(
        m.Case, cases.c.id == b, closed_on=term, closing_mode="终结本次执行程序", amount_recovered=Decimal("2500.00")
    )
    # funds: disbursed over a weekend (Fri 16:00 → Mon 10:00 = 2.75 days) and in 10 days: mean 6.375 → 6.4;
    # one disbursed last year (not in the period); one waiting 80 days (双零), one 19 days
    court.add(
        m.Fund,
        fund_id="F1",
        case_id=e,
        amount=Decimal("500.00"),
        arrived_at=at(date(2026, 11, 6), 16),
        disbursed_at=at(date(2026, 11, 9), 10),
    )
    court.add(
        m.Fund,
        fund_id="F2",
        case_id=e,
        amount=Decimal("700.00"),
        arrived_at=at(date(2026, 10, 1), 9),
        disbursed_at=at(date(2026, 10, 11), 9),
    )
    court.add(m.Fund, fund_id="F3", case_id=e, amount=Decimal("1234.56"), arrived_at=at(date(2026, 9, 1), 10))
    court.add(m.Fund, fund_id="F4", case_id=g, amount=Decimal("100.00"), arrived_at=at(date(2026, 11, 1), 10))
    court.add(
        m.Fund,
        fund_id="F5",
        case_id=e,
        amount=Decimal("900.00"),
        arrived_at=at(date(2025, 12, 20), 10),
        disbursed_at=at(date(2025, 12, 28), 10),
    )
    recompute(db, CATALOGUE, CALENDAR, NOW)
    return court


def test_every_indicator_as_worked_out_by_hand(db):
    hand_built(db)
    court, teams = figures_at(db, CATALOGUE, CALENDAR, YEAR, NOW)
    assert court["first_closure_rate"] == Decimal("0.6000")  # 3 / 5
    assert court["completion_rate"] == Decimal("0.5000")  # 2 / 4
    assert court["terminated_rate"] == Decimal("0.2500")  # 1 / 4
    assert court["recovery_rate"] == Decimal("0.4125")  # 16,500 / 40,000
    assert court["mean_closing_days"] == Decimal("159.25")  # 637 / 4
    assert court["on_time_rate"] == Decimal("0.7500")  # 3 / 4, B closed exactly on its term date counts
    assert court["mean_disbursement_days"] == Decimal("6.4")  # (2.75 + 10) / 2
    assert court["double_zero_count"] == 1 and court["double_zero_amount"] == Decimal("1234.56")
    assert court["undisbursed_amount"] == Decimal("1334.56")
    # per team: team 2 holds only G (open, first enforcement) and F4
    one, two = teams
    assert (one.scope, two.scope) == ("普执一组", "普执二组")
    assert two["first_closure_rate"] == Decimal("0.0000") and two["completion_rate"] is None
    assert two["undisbursed_amount"] == Decimal("100.00") and two["mean_disbursement_days"] is None
    assert one["first_closure_rate"] == Decimal("0.7500")  # 3 / 4
    for key in ("red", "yellow", "blue", "overdue_nodes", "due_soon_nodes", "double_zero_count"):
        assert one[key] + two[key] == court[key]


def test_the_present_state_is_the_walls_and_the_past_is_reconstructed(db):
    hand_built(db)
    wall = indicators(db, Rules.at(NOW, CATALOGUE, CALENDAR))
    court, _ = figures_at(db, CATALOGUE, CALENDAR, YEAR, NOW)
    assert (court["red"], court["yellow"], court["blue"]) == (wall.lights.red, wall.lights.yellow, wall.lights.blue)
    assert (court["overdue_nodes"], court["due_soon_nodes"]) == (wall.overdue_nodes, wall.due_soon_nodes)
    assert court["undisbursed_amount"] == wall.undisbursed_amount
    assert court["double_zero_count"] == wall.funds_over_30_days
    # the same instant read as history gives the same figures
    history, _ = figures_at(db, CATALOGUE, CALENDAR, YEAR, NOW, now=NOW + timedelta(days=1))
    assert history.values == court.values
    # on Sunday 8 November F1 (arrived on the 6th) was still waiting: only F2 had been disbursed
    sunday, _ = figures_at(
        db, CATALOGUE, CALENDAR, Period(YEAR.start, date(2026, 11, 8)), NOW - timedelta(days=12), now=NOW
    )
    assert sunday["undisbursed_amount"] == Decimal("1834.56")  # F1 + F3 + F4
    assert sunday["mean_disbursement_days"] == Decimal("10.0")
    assert sunday["double_zero_count"] == 1  # F3: 68 days by then


def test_an_empty_period_divides_by_nothing(db):
    hand_built(db)
    quiet = Period(date(2026, 11, 16), date(2026, 11, 20))  # nothing closed, nothing disbursed
    court, _ = figures_at(db, CATALOGUE, CALENDAR, quiet, NOW)
    for key in (
        "completion_rate",
        "terminated_rate",
        "recovery_rate",
        "mean_closing_days",
        "on_time_rate",
        "mean_disbursement_days",
    ):
        assert court[key] is None, key
    assert court["first_closure_rate"] == Decimal("0.0000")  # open cases, none closed


def test_an_empty_database(db):
    Court(db)
    court, teams = figures_at(db, CATALOGUE, CALENDAR, YEAR, NOW)
    assert court["first_closure_rate"] is None and court["red"] == 0 and court["undisbursed_amount"] == Decimal("0.00")
    assert [t.scope for t in teams] == ["普执一组"]


def test_demo_court_history_at_the_present_is_the_present(db):
    """On a demo court, the reconstruction read at the present instant equals the present state.

    (Generated as of the day before: the demo writes some of its day's facts in the afternoon,
    which at 10:00 would still be in the future and rightly count as not yet happened.)"""
    generate(db, CATALOGUE, CALENDAR, cases=400, seed=5, now=NOW - timedelta(days=1), court_name="示范人民法院")
    recompute(db, CATALOGUE, CALENDAR, NOW)
    present, teams = figures_at(db, CATALOGUE, CALENDAR, YEAR, NOW)
    past, _ = figures_at(db, CATALOGUE, CALENDAR, YEAR, NOW, now=NOW + timedelta(hours=1))
    assert past.values == present.values
    wall = indicators(db, Rules.at(NOW, CATALOGUE, CALENDAR))
    assert (present["overdue_nodes"], present["red"], present["due_soon_nodes"]) == (
        wall.overdue_nodes,
        wall.lights.red,
        wall.due_soon_nodes,
    )
    assert present["completion_rate"] is not None and sum(t["red"] for t in teams) == present["red"]


def ask_unlock(db, reason: str) -> None:
    """The officer asks to unlock the first locked (red) case, half an hour before NOW."""
    from command_center.data import access, locks

    lock = locks.list_locks(db)[0]
    locks.request_unlock(db, lock.id, lock.version, access.actor(db, "zhang"), NOW - timedelta(minutes=30), reason)


def test_cli_json_and_the_exports_agree(runtime, tmp_path):
    """brief --json, the .xlsx (numbers as numbers) and the .md carry the same figures."""
    import json

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from command_center.cli import cli

    db = runtime.database()
    hand_built(db)
    ask_unlock(db, "=约谈已完成 | 请求解锁")
    runner = CliRunner()
    base = ["--db", runtime.settings.db, "--now", "2026-11-20T10:00"]
    result = runner.invoke(cli, [*base, "brief", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (asked,) = data["unlock_requests"]
    assert (asked["requested_by"], asked["reason"]) == ("张承办", "=约谈已完成 | 请求解锁")
    assert data["period"] == {"from": "2026-01-01", "to": "2026-11-20"}
    figures = {row["key"]: row for row in data["indicators"]}
    assert figures["recovery_rate"]["value"] == "0.4125" and figures["recovery_rate"]["meets"] is False
    xlsx, md = tmp_path / "brief.xlsx", tmp_path / "brief.md"
    for path in (xlsx, md):
        assert runner.invoke(cli, [*base, "brief", "--export", str(path)]).exit_code == 0
    sheet = load_workbook(xlsx)["指标"]
    by_label = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    for key, row in figures.items():
        cell = by_label[SPEC[key].zh][1]
        if row["value"] is None:
            assert cell.value is None
        else:
            assert isinstance(cell.value, (int, float)) and Decimal(str(cell.value)) == Decimal(str(row["value"])), key
    assert by_label["法定期限内结案率"][1].number_format == "0.00%"
    unlocks = [[c.value for c in row] for row in load_workbook(xlsx)["解锁申请"].iter_rows(min_row=2)]
    assert unlocks == [[asked["case_no"], "张承办", "张承办", "2026-11-20 09:30", "'=约谈已完成 | 请求解锁"]]
    text = md.read_text(encoding="utf-8")
    assert "| 实际执行到位率 | 41.25% | 50.00% | 未达标 |" in text and "2026-01-01 – 2026-11-20" in text
    assert f"| {asked['case_no']} | 张承办 | 张承办 | 2026-11-20 09:30 | =约谈已完成 \\| 请求解锁 |" in text
    # an existing file is kept unless --force; a wrong suffix is refused
    assert runner.invoke(cli, [*base, "brief", "--export", str(xlsx)]).exit_code != 0
    assert "xlsx" in runner.invoke(cli, [*base, "brief", "--export", str(tmp_path / "b.pdf")]).output


def test_export_neutralises_formulas(tmp_path):
    from command_center.brief_export import safe_text

    assert safe_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert safe_text("@SUM(A1)") == "'@SUM(A1)" and safe_text("-1+1") == "'-1+1" and safe_text("普执一组") == "普执一组"


def test_snapshots_backfill_and_the_scheduler_job(runtime):
    from click.testing import CliRunner

    from command_center.cli import cli
    from command_center.data.brief import trend

    db = runtime.database()
    hand_built(db)
    result = CliRunner().invoke(
        cli, ["--db", runtime.settings.db, "--now", "2026-11-20T10:00", "snapshot", "--backfill", "12"]
    )
    assert result.exit_code == 0, result.output
    days = trend(db, "undisbursed_amount", date(2026, 11, 1), date(2026, 11, 20))
    assert len(days) == 12 and days[0][0] == date(2026, 11, 9)
    by_day = dict(days)
    assert by_day[date(2026, 11, 20)] == Decimal("1334.56")
    assert by_day[date(2026, 11, 9)] == Decimal("1334.56")  # F1 was disbursed at 10:00 that Monday
    assert dict(trend(db, "mean_disbursement_days", date(2026, 11, 9), date(2026, 11, 9)))[
        date(2026, 11, 9)
    ] == Decimal("6.4")
    assert trend(db, "red", date(2026, 11, 20), date(2026, 11, 20), scope="team:2")  # per team too
    # the overview's pulse (new cases a day, open cases) is back-filled too, each day as of its end
    cases = m.Case.__table__
    with db.engine.connect() as conn:
        filed = conn.execute(select(cases.c.filed_on, cases.c.closed_on)).all()
    new, opened = (
        dict(trend(db, key, date(2026, 11, 9), date(2026, 11, 20))) for key in ("new_cases_today", "open_cases")
    )
    assert len(new) == len(opened) == 12
    for day in new:
        assert new[day] == sum(f == day for f, _ in filed), day
        assert opened[day] == sum(f <= day and (c is None or c > day) for f, c in filed), day


async def brief_loaded(app) -> None:
    await group_done(app, "brief")


async def test_brief_screen_keys_switch_period_chart_and_sort(runtime):
    from textual.widgets import DataTable, Static

    from command_center.app import make_app
    from command_center.data.brief import write_snapshots

    db = runtime.database()
    hand_built(db)
    ask_unlock(db, "约谈已完成")
    for back in range(5):
        write_snapshots(db, CATALOGUE, CALENDAR, date(2026, 11, 20) - timedelta(days=back), NOW)
    app = make_app(runtime, start="brief")
    async with app.run_test(size=(200, 50)) as pilot:
        await brief_loaded(app)
        await pilot.pause()
        screen = app.screen
        assert "本年 2026-01-01 – 2026-11-20" in str(screen.query_one("#brief-title", Static).render())
        table = screen.query_one("#indicators", DataTable)
        assert table.get_row("recovery_rate")[1].plain == "41.25%"
        assert table.get_row("recovery_rate")[1].style == "bold red"  # below its target
        assert table.get_row("mean_disbursement_days")[1].style == "bold green"
        teams = screen.query_one("#teams", DataTable)
        assert [teams.get_row_at(i)[0] for i in range(2)] == ["普执二组", "普执一组"]  # 0 % is behind 75 %
        decisions = screen.query_one("#decisions", DataTable)
        assert [c.plain if hasattr(c, "plain") else c for c in decisions.get_row_at(0)][1:] == [
            "锁死",
            "张**",  # nobody logged in: the staff's names masked, as on the wall
            "申请解锁",
        ]
        await pilot.press("s")  # sort by 执行完毕率: team 2 has none, it goes last
        assert teams.get_row_at(1)[0] == "普执二组"
        assert screen.chart == "overdue"
        await pilot.press("c")
        assert screen.chart == "funds"
        await pilot.press("p")  # this month
        await brief_loaded(app)
        await pilot.pause()
        assert "本月 2026-11-01 – 2026-11-20" in str(screen.query_one("#brief-title", Static).render())
        assert table.get_row("completion_rate")[1].plain == "—"  # nothing closed in November
        await pilot.press("o")  # the officers' table: in the teams' order, no sort key offered
        await pilot.pause()
        sort_key = screen.sort_key
        assert screen.officers and screen.check_action("sort", ()) is False
        await pilot.press("s")
        assert screen.sort_key == sort_key, "s sorts no table out of sight"
        await pilot.press("o")
        await pilot.pause()
        assert screen.check_action("sort", ()) is True
        await pilot.press("q")


@pytest.mark.parametrize("size", [(120, 35), (200, 50)], ids=["120x35", "200x50"])
def test_brief_snapshot(sqlite_url, size, snap_compare):
    from command_center.app import make_app
    from command_center.clock import Clock
    from command_center.config import Settings
    from command_center.data.brief import write_snapshots
    from command_center.runtime import Runtime

    rt = Runtime.start(Settings(db=sqlite_url), Clock(NOW))
    try:
        db = rt.database()
        hand_built(db)
        ask_unlock(db, "约谈已完成")
        for back in range(30):
            write_snapshots(db, CATALOGUE, CALENDAR, date(2026, 11, 20) - timedelta(days=back), NOW)

        async def settle(pilot) -> None:
            await brief_loaded(pilot.app)
            await pilot.pause()

        assert snap_compare(make_app(rt, start="brief"), terminal_size=size, run_before=settle)
    finally:
        rt.close()


def test_targets_come_from_the_config_file(runtime, tmp_path):
    import json

    from click.testing import CliRunner

    from command_center.cli import cli

    hand_built(runtime.database())
    config = tmp_path / "config.toml"
    config.write_text("[targets]\nrecovery_rate = 0.40\nred = 5\n", encoding="utf-8")
    base = ["--db", runtime.settings.db, "--config", str(config), "--now", "2026-11-20T10:00"]
    result = CliRunner().invoke(cli, [*base, "brief", "--json"])
    assert result.exit_code == 0, result.output
    figures = {row["key"]: row for row in json.loads(result.output)["indicators"]}
    assert figures["recovery_rate"]["target"] == "0.4" and figures["recovery_rate"]["meets"] is True
    assert figures["red"]["target"] == "5"
    config.write_text("[targets]\nrecovery = 0.4\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [*base, "brief", "--json"])
    assert result.exit_code != 0 and "'recovery' is not an indicator" in result.output


def test_the_nightly_job_writes_the_walls_and_the_briefs_figures(db):
    from command_center.data.brief import trend
    from command_center.jobs.reviews import snapshot

    hand_built(db)
    today = date(2026, 11, 20)
    written = snapshot(db, CATALOGUE, CALENDAR, NOW)
    assert trend(db, "first_closure_rate", today, today) == [(today, Decimal("0.6000"))]  # the brief's
    assert trend(db, "funds_over_30_days", today, today) == [(today, Decimal("1"))]  # the wall's
    assert trend(db, "completion_rate", today, today, scope="team:1") == [(today, Decimal("0.5000"))]  # A C of A B C F
    with db.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(m.IndicatorSnapshot.__table__)).scalar_one()
    assert written == stored


def test_changes_since_yesterday_as_worked_out_by_hand(db):
    """Red means more than three calendar months overdue: due 2026-08-19 is red on 11-20 but
    only yellow on 11-19; due 08-18 was red already; due 08-20 is exactly three months: yellow."""
    court = Court(db)

    def overdue_node(case_id: int, due: date) -> None:
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N09",
            subject_id="",
            started_at=at(due - timedelta(days=10), 9),
            due_override=end_of_day(due),
            source="imported",
        )

    for due in (date(2026, 8, 19), date(2026, 8, 18), date(2026, 8, 20)):
        overdue_node(court.case(date(2026, 11, 19)), due)
    overdue_node(court.case(date(2026, 11, 19)), date(2026, 11, 19))  # due at last night's end: newly overdue
    settled = court.case(date(2026, 11, 19))
    overdue_node(settled, date(2026, 10, 9))  # blue, completed this morning: its alert resolves
    court.case(date(2026, 11, 20))  # filed today
    court.case(date(2026, 5, 6), closed_on=date(2026, 11, 20), closing_mode="执行完毕")  # closed today
    recompute(db, CATALOGUE, CALENDAR, NOW - timedelta(hours=2))
    nodes = m.NodeInstance.__table__
    court.update(
        m.NodeInstance,
        (nodes.c.case_id == settled) & (nodes.c.node_code == "N09"),
        completed_at=NOW - timedelta(hours=1),
    )
    recompute(db, CATALOGUE, CALENDAR, NOW)
    b = brief(db, Rules.at(NOW, CATALOGUE, CALENDAR))
    assert b.changes == {"new_cases": 1, "closed": 1, "newly_overdue": 1, "resolved": 1, "new_red": 1}
    rows = {r.spec.key: r for r in b.rows}
    assert (rows["red"].value, rows["red"].day_before) == (2, 1)
    assert (rows["yellow"].value, rows["yellow"].day_before) == (1, 2)


async def test_a_table_redraws_its_cells_once_its_columns_fit_new_rows():
    """The brief's snapshot sometimes read "首执" for "首执结案率": a frame drawn between the
    rows' arrival and the table's idle (which sizes the columns) cached each cell cut to the
    old width.  Textual's own DataTable keeps the cut cell; ours draws it again."""
    from textual.app import App
    from textual.widgets import DataTable as TextualTable

    from command_center.widgets.table import DataTable

    async def shown(table_class) -> str:
        class One(App):
            def compose(self):
                yield table_class()

        app = One()
        async with app.run_test(size=(60, 6)) as pilot:
            table = app.query_one(table_class)
            table.add_column("指标")
            table.add_row("率")
            await pilot.pause()
            table.clear()  # what the brief does on each load
            table.add_row("首执结案率")
            table.render_line(1)  # a frame before the idle
            await pilot.pause()
            return table.render_line(1).text.strip()

    assert await shown(TextualTable) == "首执", "Textual's behaviour changed: this workaround may go"
    assert await shown(DataTable) == "首执结案率"


async def test_a_trend_of_one_day_says_how_to_fill_it_in(runtime):
    from textual.widgets import Static

    from command_center.app import make_app
    from command_center.data.brief import write_snapshots

    db = runtime.database()
    hand_built(db)
    write_snapshots(db, CATALOGUE, CALENDAR, date(2026, 11, 20), NOW)  # a fresh database: today only
    app = make_app(runtime, start="brief")
    async with app.run_test(size=(200, 50)) as pilot:
        await brief_loaded(app)
        await pilot.pause()
        legend = str(app.screen.query_one("#legend", Static).render())
        assert "只有 1 天的快照" in legend and "snapshot --backfill 90" in legend


async def test_the_sort_marker_points_the_way_the_values_go(runtime):
    from textual.widgets import DataTable

    from command_center.app import make_app
    from command_center.data.brief import SPEC, TEAM_KEYS

    hand_built(runtime.database())
    app = make_app(runtime, start="brief")
    async with app.run_test(size=(200, 50)) as pilot:
        await brief_loaded(app)
        await pilot.pause()
        for _ in TEAM_KEYS:
            screen = app.screen
            key = TEAM_KEYS[screen.sort_key]
            teams = screen.query_one("#teams", DataTable)
            headers = [str(c.label) for c in teams.columns.values()]
            marked = next(h for h in headers if h[0] in "▲▼")
            assert marked[0] == ("▲" if SPEC[key].better == "higher" else "▼"), (key, marked)
            await pilot.press("s")
            await pilot.pause()


def test_the_xlsx_export_has_the_trends_with_native_charts(runtime, tmp_path):
    import zipfile

    from click.testing import CliRunner
    from openpyxl import load_workbook

    from command_center.cli import cli
    from command_center.data.brief import TREND_CHARTS, write_snapshots

    db = runtime.database()
    hand_built(db)
    for back in range(3):
        write_snapshots(db, CATALOGUE, CALENDAR, date(2026, 11, 20) - timedelta(days=back), NOW)
    xlsx = tmp_path / "brief.xlsx"
    base = ["--db", runtime.settings.db, "--now", "2026-11-20T10:00"]
    assert CliRunner().invoke(cli, [*base, "brief", "--export", str(xlsx)]).exit_code == 0
    sheet = load_workbook(xlsx)["趋势"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    keys = [key for keys in TREND_CHARTS.values() for key in keys]
    assert rows[0] == ["日期", *[SPEC[key].zh for key in keys]]
    assert [row[0] for row in rows[1:]] == ["2026-11-18", "2026-11-19", "2026-11-20"]
    assert rows[3][1:] == [float(trend(db, key, date(2026, 11, 20), date(2026, 11, 20))[0][1]) for key in keys]
    with zipfile.ZipFile(xlsx) as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == len(TREND_CHARTS)
        drawn = archive.read(charts[0]).decode("utf-8")
    assert "<lineChart>" in drawn and "'趋势'!$B$2:$B$4" in drawn  # a spreadsheet chart of the cells


def test_figures_per_officer_as_worked_out_by_hand(db, tmp_path):
    """Two officers, each alone in a team (so the state figures can be checked against the team's).

    zhang: A closed in the period (filed 2025, open on 1 January), B open, D closed in 2025 (not
    in the base): closed 1, rate 1 / 2.  wang: C closed, E open since 2025, H filed in March:
    closed 1, rate 1 / 3.  Alerts written here (after the last recompute): zhang acknowledged
    after 2 h, 6 h and 4 h (median 4.0) and responded after 30 h; wang acknowledged after 1.5 h
    and 2.5 h (median 2.0) and never responded.  Late responses: one of zhang's (missing, due
    yesterday), one of wang's (rejected, due last week); one of wang's due today is not late yet,
    an accepted one never is."""
    from command_center.brief_export import export
    from command_center.data.brief import officer_figures

    court = Court(db)
    court.add(m.Team, id=2, court_id=1, name="普执二组", track="普执")
    court.add(m.Officer, id=4, login="wang", name="王承办", role="officer", team_id=2, active=True)
    cases = m.Case.__table__
    a = court.case(date(2025, 10, 1), closed_on=date(2026, 3, 10), closing_mode="执行完毕")
    b = court.case(date(2026, 2, 2))
    court.case(date(2024, 5, 1), closed_on=date(2025, 12, 31), closing_mode="执行完毕")
    c = court.case(date(2026, 1, 10), closed_on=date(2026, 9, 1), closing_mode="执行完毕")
    e = court.case(date(2025, 6, 1))
    h = court.case(date(2026, 3, 1))
    for case_id in (c, e, h):
        court.update(m.Case, cases.c.id == case_id, officer_id=4, team_id=2)
    recompute(db, CATALOGUE, CALENDAR, NOW)
    assert a

    def alert(case_id, code, response_status=None, due=None) -> int:
        with db.engine.begin() as conn:
            return conn.execute(
                m.Alert.__table__.insert()
                .values(
                    case_id=case_id,
                    node_code=code,
                    subject_id="",
                    rule="overdue",
                    tier="blue",
                    status="open",
                    opened_at=at(date(2026, 11, 2), 8),
                    updated_at=at(date(2026, 11, 2), 8),
                    response_kind="电子说明" if response_status else None,
                    response_status=response_status,
                    response_due_date=due,
                )
                .returning(m.Alert.__table__.c.id)
            ).scalar_one()

    def act(alert_id, kind, when, actor=None) -> None:
        court.add(m.AlertAction, alert_id=alert_id, kind=kind, actor_id=actor, at=when)

    x, y = alert(b, "T1", "missing", date(2026, 11, 19)), alert(b, "T2")
    act(x, "opened", at(date(2026, 11, 2), 8))
    act(x, "acknowledged", at(date(2026, 11, 2), 10), 1)  # 2 h
    act(x, "tier_changed", at(date(2026, 11, 3), 9))
    act(x, "response_submitted", at(date(2026, 11, 4), 15), 1)  # 30 h after the tier changed
    act(y, "opened", at(date(2026, 11, 5), 9))
    act(y, "acknowledged", at(date(2026, 11, 5), 15), 1)  # 6 h
    act(y, "reopened", at(date(2026, 11, 9), 9))
    act(y, "acknowledged", at(date(2026, 11, 9), 13), 1)  # 4 h after it opened again
    u, v = alert(e, "T3", "rejected", date(2026, 11, 13)), alert(e, "T4", "missing", date(2026, 11, 20))
    alert(h, "T5", "accepted", date(2026, 11, 1))
    act(
        u,
        "opened",
        at(
            date(
                2026,
                11,
                10,
            ),
            9,
        ),
    )
    act(u, "acknowledged", at(date(2026, 11, 10), 10, 30), 4)  # 1.5 h
    act(v, "opened", at(date(2026, 11, 11), 9))
    act(v, "acknowledged", at(date(2026, 11, 11), 11, 30), 4)  # 2.5 h
    act(v, "acknowledged", at(date(2025, 12, 1), 11, 30), 4)  # before the period: not counted

    rules = Rules.at(NOW, CATALOGUE, CALENDAR)
    zhang, wang = officer_figures(db, rules, YEAR, NOW, present=True)
    assert (zhang.login, zhang.team, wang.login, wang.team) == ("zhang", "普执一组", "wang", "普执二组")
    assert zhang["closed"] == 1 and zhang["closure_rate"] == Decimal("0.5000")
    assert wang["closed"] == 1 and wang["closure_rate"] == Decimal("0.3333")
    assert (zhang["late_responses"], wang["late_responses"]) == (1, 1)
    assert (zhang["median_ack_hours"], zhang["median_response_hours"]) == (Decimal("4.0"), Decimal("30.0"))
    assert (wang["median_ack_hours"], wang["median_response_hours"]) == (Decimal("2.0"), None)
    _, teams = figures_at(db, CATALOGUE, CALENDAR, YEAR, NOW)
    for officer, team in ((zhang, teams[0]), (wang, teams[1])):
        assert (officer["overdue_nodes"], officer["red"]) == (team["overdue_nodes"], team["red"])
    assert wang["overdue_nodes"] > 0, "E, open since June 2025, has overdue nodes"
    # the same figures in --json and the .xlsx
    made = brief(db, rules, period=YEAR)
    shown = {o["login"]: o for o in made.as_json()["officers"]}
    assert shown["zhang"]["median_ack_hours"] == "4.0" and shown["wang"]["closure_rate"] == "0.3333"
    assert shown["wang"]["median_response_hours"] is None and shown["zhang"]["late_responses"] == 1
    from openpyxl import load_workbook

    export(made, tmp_path / "brief.xlsx", NOW)
    sheet = load_workbook(tmp_path / "brief.xlsx")["承办人"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows == [
        ["zhang", "张承办", "普执一组", 1, 0.5, zhang["overdue_nodes"], zhang["red"], 1, 4, 30],
        ["wang", "王承办", "普执二组", 1, 0.3333, wang["overdue_nodes"], wang["red"], 1, 2, None],
    ]
