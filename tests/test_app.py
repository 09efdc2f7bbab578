"""The dashboard shell: opens on a real database and shows its counts."""

from __future__ import annotations

from textual.widgets import Static

from command_center.app import make_app
from command_center.data.demo import generate
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from tests.conftest import NOW


async def test_overview_shows_the_database_counts(runtime):
    database = runtime.database()
    generate(database, runtime.catalogue, runtime.calendar, cases=400, seed=3, now=NOW, court_name="示范人民法院")
    expected = indicators(database, Rules.at(NOW, runtime.catalogue, runtime.calendar))
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        text = {box.id: str(box.render()) for box in screen.query(".figure").results(Static)}
        assert text["box-red"] == f"{expected.lights.red:,} 件"
        assert text["box-due_soon_nodes"] == f"{expected.due_soon_nodes:,} 个"
        assert text["box-open_cases"] == f"{expected.open_cases:,} / 400"
        assert text["box-undisbursed"].startswith(f"{expected.undisbursed_amount:,.2f} 元")
        assert "2026-11-20 10:00:00" in str(screen.query_one("#status", Static).render())
        await pilot.press("q")
    assert app.return_code == 0


async def test_overview_in_english(tmp_path):
    from command_center.clock import Clock
    from command_center.config import Settings
    from command_center.runtime import Runtime

    runtime = Runtime.start(Settings(db=f"sqlite:///{tmp_path / 'en.sqlite3'}", lang="en"), Clock(NOW))
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(120, 35)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#box-red", Static).border_title == "1 Red  > 3 months"
        assert str(app.screen.query_one("#box-new_cases_today", Static).render()) == "0 cases"
    runtime.close()
