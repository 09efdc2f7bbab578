"""The wall display: its figures are the indicators', lists page, the ticker moves, outages show."""

from __future__ import annotations

import asyncio

import pytest
from rich.text import Text
from sqlalchemy import select
from textual.widgets import Static

from command_center.app import make_app
from command_center.clock import Clock
from command_center.config import Settings
from command_center.data import models as m
from command_center.data import wall as wall_data_module
from command_center.data.demo import generate
from command_center.data.engine import DatabaseError, DatabaseUnreachable
from command_center.data.indicators import indicators
from command_center.data.parties import mask_id_number, mask_name
from command_center.data.rules import Rules
from command_center.data.wall import wall_data
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime
from command_center.screens import wall_reader
from command_center.widgets.wall_widgets import Column, PagedTable, Ticker
from tests.conftest import NOW, allow_connections, group_done


def test_masking():
    assert mask_name("张三丰") == "张**"
    assert mask_name("巴特尔") == "巴**"
    assert mask_name("赤峰鑫源商贸有限公司") == "赤峰******公司"
    assert mask_id_number("150425198001011234") == "150***********1234"


async def polled(app) -> None:
    """Wait for the wall's polls (not for its PostgreSQL listener, which runs until the screen closes)."""
    await group_done(app, "wall-poll")


def _demo(runtime, cases=1500):
    database = runtime.database()
    generate(database, runtime.catalogue, runtime.calendar, cases=cases, seed=3, now=NOW, court_name="示范人民法院")
    recompute(database, runtime.catalogue, runtime.calendar, NOW)
    return database


def test_panels_agree_with_the_indicators(runtime):
    database = _demo(runtime)
    data = wall_data(database, Rules.at(NOW, runtime.catalogue, runtime.calendar), limit=1000)
    expected = indicators(database, Rules.at(NOW, runtime.catalogue, runtime.calendar))
    assert data.indicators == expected
    assert expected.lights.red and expected.lights.yellow and expected.lights.blue
    for tier in ("red", "yellow", "blue"):
        rows = data.lights[tier]
        assert len(rows) == getattr(expected.lights, tier)
        assert [r.due_date for r in rows] == sorted(r.due_date for r in rows)  # longest overdue first
        assert all("*" in r.debtor for r in rows)
    assert sum(t.red for t in data.teams) == expected.lights.red
    assert [s.due_at for s in data.due_soon] == sorted(s.due_at for s in data.due_soon)
    assert len(data.late_funds) == expected.funds_over_30_days
    # every listed case's response state is the alert's
    with database.engine.connect() as conn:
        missing = (
            conn.execute(select(m.Alert.response_status).where(m.Alert.tier == "red", m.Alert.status != "resolved"))
            .scalars()
            .all()
        )
    assert missing and all(s == "missing" for s in missing)
    assert {r.response for r in data.lights["red"]} <= {"missing", "late"}


async def test_wall_screen_shows_the_figures_pages_and_scrolls(runtime):
    database = _demo(runtime)
    expected = indicators(database, Rules.at(NOW, runtime.catalogue, runtime.calendar))
    app = make_app(runtime, start="wall")
    async with app.run_test(size=(120, 35)) as pilot:
        await polled(app)
        await pilot.pause()
        screen = app.screen
        assert (
            # narrow: the title without the response
            screen.query_one("#panel-red").border_title == f"红灯 {expected.lights.red:,} 件 · 超3个月"
        )
        assert screen.query_one("#panel-soon").border_title == f"临期节点  {expected.due_soon_nodes:,}"
        red = screen.query_one("#list-red", PagedTable)
        assert len(red.rows) == min(expected.lights.red, wall_data_module.LIST_LIMIT)
        assert red.rows[0][1].count("*") >= 1  # the debtor is masked
        # a long list pages by itself
        assert red.pages > 1
        red.next_page()
        assert red.page == 1
        # the ticker carries the indicators and moves; `p` pauses it
        ticker = screen.query_one(Ticker)
        assert f"{expected.undisbursed_amount:,.2f} 元" in ticker._text.plain
        # (the screen's own timer steps it too, so only "it moved" is certain while it runs)
        before = ticker.offset_chars
        screen.tick()
        assert ticker.offset_chars != before
        await pilot.press("p")
        paused_at = ticker.offset_chars
        screen.tick()
        await pilot.pause()
        assert ticker.offset_chars == paused_at
        assert "已暂停滚动" in str(screen.query_one("#titlebar", Static).render())
        await pilot.press("q")
    assert app.return_code == 0


async def test_stale_banner_when_the_database_goes_away_and_recovery(runtime, monkeypatch):
    _demo(runtime, cases=50)
    app = make_app(runtime, start="wall")
    async with app.run_test(size=(200, 50)) as pilot:
        await polled(app)
        await pilot.pause()
        screen = app.screen
        good_title = screen.query_one("#panel-red").border_title
        real = wall_reader.wall_data

        def unreachable(*args, **kwargs):
            raise ConnectionError("connection refused")

        monkeypatch.setattr(wall_reader, "wall_data", unreachable)
        screen.load()
        await polled(app)
        await pilot.pause()
        banner = screen.query_one("#stale", Static)
        assert banner.display
        assert "数据库无法访问, 以下为 2026-11-20 10:00:00 的数据" in str(banner.render())
        assert screen.query_one("#panel-red").border_title == good_title  # the last figures stay up
        assert "数据库断开" in str(screen.query_one("#titlebar", Static).render())
        monkeypatch.setattr(wall_reader, "wall_data", real)
        screen.load()
        await polled(app)
        await pilot.pause()
        assert not banner.display
        assert "数据库已连接" in str(screen.query_one("#titlebar", Static).render())


async def test_a_wall_opened_while_postgresql_refuses_connections_waits_for_it(pg_url, empty_pg_url):
    """A wall terminal that boots before the database server: the screen opens under the red
    banner (no figures yet) and fills itself once the server accepts connections; a database
    that is reachable but not usable (no schema) still stops before the screen opens."""
    rt = Runtime.start(Settings(db=pg_url, wall_reader="thread"), Clock(NOW))
    _demo(rt, cases=50)
    rt.close()
    allow_connections(pg_url, False)
    try:
        with pytest.raises(DatabaseUnreachable):
            rt.database()  # what `command-center wall` lets through to the screen
        app = make_app(rt, start="wall", wall_interval=3600)
        async with app.run_test(size=(200, 50)) as pilot:
            await polled(app)
            await pilot.pause()
            screen = app.screen
            banner = screen.query_one("#stale", Static)
            assert banner.display and "数据库无法访问, 尚无数据" in str(banner.render())
            assert "not currently accepting connections" in str(banner.render())
            assert screen.refreshed_at is None
            allow_connections(pg_url, True)
            screen.load()
            await polled(app)
            await pilot.pause()
            assert not banner.display and screen.refreshed_at == NOW
            assert screen.query_one("#panel-red").border_title.startswith("红灯 ")
            await pilot.press("q")
    finally:
        allow_connections(pg_url, True)
        rt.close()
    with pytest.raises(DatabaseError) as failure:
        Runtime.start(Settings(db=empty_pg_url), Clock(NOW)).database()
    assert not isinstance(failure.value, DatabaseUnreachable) and "db upgrade" in str(failure.value)


def test_paged_table_pages_by_its_height():
    table = PagedTable([Column("a")])
    table.rows = [(Text(str(i)),) for i in range(25)]
    assert table.page_size == 1  # not laid out yet: at least one row per page
    assert table.pages == 25


@pytest.mark.parametrize("size", [(120, 35), (200, 50)], ids=["120x35", "200x50"])
def test_wall_snapshot(sqlite_url, size, snap_compare):
    """The whole screen at the smallest size it supports and at the wall terminal's, scrolling paused."""
    rt = Runtime.start(Settings(db=sqlite_url), Clock(NOW))
    try:
        _demo(rt)

        async def settle(pilot) -> None:
            await polled(pilot.app)
            screen = pilot.app.screen
            screen.action_pause()  # what `p` does: the title says so at once
            screen.query_one(Ticker).offset_chars = 0
            await pilot.pause()

        assert snap_compare(make_app(rt, start="wall"), terminal_size=size, run_before=settle)
    finally:
        rt.close()


async def test_a_recompute_on_postgresql_refreshes_the_wall_at_once(pg_url, monkeypatch):
    """The scheduler's NOTIFY, not the (here hour-long) interval, triggers the refresh."""
    rt = Runtime.start(Settings(db=pg_url, wall_reader="thread"), Clock(NOW))
    try:
        database = _demo(rt, cases=50)
        reads = []
        real = wall_reader.wall_data
        monkeypatch.setattr(wall_reader, "wall_data", lambda *a, **k: reads.append(1) or real(*a, **k))
        app = make_app(rt, start="wall", wall_interval=3600)
        async with app.run_test(size=(200, 50)) as pilot:
            await polled(app)
            assert len(reads) == 1
            screen = app.screen
            heard = asyncio.Event()
            load = screen.load
            screen.load = lambda: (heard.set(), load())
            # the listener connects in the background: recompute until it hears one (each NOTIFYs)
            for _ in range(20):
                await asyncio.to_thread(recompute, database, rt.catalogue, rt.calendar, NOW)
                try:
                    await asyncio.wait_for(heard.wait(), 1.0)  # within a second of the NOTIFY
                    break
                except TimeoutError:
                    continue
            assert heard.is_set()
            await polled(app)
            await pilot.pause()
            assert len(reads) >= 2
            await pilot.press("q")
    finally:
        rt.close()


async def test_paged_table_drops_optional_columns_then_shortens_and_never_cuts_figures():
    from textual.app import App

    from command_center.data.caseno import short_case_no

    columns = [Column("案号", short=short_case_no), Column("承办人", drop=1), Column("金额(元)", "right")]
    rows = [("（2026）内0425执恢12345号", "欧阳明", "1,234,567.89")]  # 25 + 6 + 12 cells

    class One(App):
        CSS = "PagedTable { width: 50; }"

        def compose(self):
            yield PagedTable(columns)

    async with One().run_test(size=(80, 10)) as pilot:
        table = pilot.app.query_one(PagedTable)
        table.set_rows(rows)
        assert table.layout_for(rows) == ([0, 1, 2], False)  # 25 + 6 + 12 + 2 gaps of 2 = 47
        table.styles.width = 40
        await pilot.pause()
        assert table.layout_for(rows) == ([0, 2], False)  # the officer goes first: 41 > 40 > 39
        table.styles.width = 35
        await pilot.pause()
        assert table.layout_for(rows) == ([0, 2], True)  # then the short 案号: 19 + 12 + 2 = 33
        rendered = "".join(segment.text for segment in table.render_lines(table.region.reset_offset)[1])
        assert "1,234,567.89" in rendered and "（2026）执恢12345号" in rendered


async def test_one_courts_case_numbers_are_shortened_to_keep_a_column_and_two_courts_are_not():
    from textual.app import App

    from command_center.data.caseno import court_of, short_case_no

    columns = [
        Column("案号", short=short_case_no, dropped=court_of),
        Column("承办人", drop=1),
        Column("金额(元)", "right"),
    ]
    one_court = [("（2026）内0425执恢12345号", "欧阳明", "1,234,567.89"), ("（2026）内0425执1号", "李", "1.00")]
    two_courts = [*one_court, ("（2026）内0402执2号", "王", "2.00")]

    class One(App):
        CSS = "PagedTable { width: 42; }"  # 25 + 6 + 12 + 4 = 47 > 42 ≥ 19 + 6 + 12 + 4

        def compose(self):
            yield PagedTable(columns)

    async with One().run_test(size=(80, 10)) as pilot:
        table = pilot.app.query_one(PagedTable)
        await pilot.pause()
        assert table.layout_for(one_court) == ([0, 1, 2], True)  # （2026）执恢12345号 leaves room for the officer
        assert table.layout_for(two_courts) == ([0, 2], False)  # the court code tells them apart: kept


async def test_the_wall_pages_through_every_case_of_a_long_list(runtime, monkeypatch):
    """A list longer than one read's window is read window by window as its pages turn: every
    red case comes up once per round, in the panel's order, and the footer counts the whole list."""
    from command_center.screens import wall as wall_screen

    database = _demo(runtime)
    everything = wall_data(database, Rules.at(NOW, runtime.catalogue, runtime.calendar), limit=10_000)
    red = [c.case_no for c in everything.lights["red"]]
    monkeypatch.setattr(wall_screen, "LIST_LIMIT", 4)  # a window of one page
    app = make_app(runtime, start="wall")
    async with app.run_test(size=(120, 35)) as pilot:
        await polled(app)
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#list-red", PagedTable)
        size = table.page_size
        assert len(red) > 2 * size, "the demo gives more red cases than two pages"
        seen: list[str] = []
        for _ in range(-(-len(red) // size)):
            assert table.first == len(seen)
            seen += [row[0] for row in table.rows]
            footer = "".join(s.text for s in table.render_lines(table.region.reset_offset)[-1])
            page = (len(seen) - 1) // size + 1  # the page of the last row shown
            assert footer.strip() == f"{page}/{-(-len(red) // size)}  ({table.first + 1}–{len(seen)} / {len(red)})"
            screen.turn_pages()
            await polled(app)
            await pilot.pause()
        assert seen == red  # each once, in order
        assert table.first == 0  # and round again


def test_pulses_are_the_snapshots_of_the_last_two_weeks_drawn_in_blocks(runtime):
    from datetime import date, timedelta

    from command_center.data.brief import write_snapshots
    from command_center.screens.wall import spark

    assert spark([1, 2, 3, 8]) == "▁▂▃█" and spark([4, 4]) == "▁▁"
    database = _demo(runtime, cases=200)
    for back in range(20):
        write_snapshots(database, runtime.catalogue, runtime.calendar, date(2026, 11, 20) - timedelta(days=back), NOW)
    data = wall_data(database, Rules.at(NOW, runtime.catalogue, runtime.calendar))
    assert len(data.pulses["overdue_nodes"]) == 14 and len(data.pulses["red"]) == 14  # the last 14 days only
    assert data.pulses["red"][-1] == data.indicators.lights.red  # today's snapshot is today's figure
