"""即将转红: the cases whose light turns red (or yellow) within 7 days unless someone acts, and
the day each turns, on the overview and in the case list (issue 26)."""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import Static

from command_center.app import make_app
from command_center.data import models as m
from command_center.data.cases import CaseFilter, list_cases
from command_center.data.rules import Rules
from command_center.data.workcal import end_of_day
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.conftest import NOW

RULES = Rules.at(NOW, CATALOGUE, CALENDAR)  # today 2026-11-20


def test_the_day_a_light_turns_is_the_tiers_own_arithmetic():
    # red when today > due + 3 calendar months; yellow when today > due + 2 months
    assert RULES.turns(date(2026, 8, 22), "yellow") == ("red", date(2026, 11, 23))  # 08-22 + 3 months = 11-22
    assert RULES.turns(date(2026, 8, 26), "yellow") == ("red", date(2026, 11, 27))  # the 7th day
    assert RULES.turns(date(2026, 8, 27), "yellow") is None  # red on 11-28: beyond 7 days; yellow already
    assert RULES.turns(date(2026, 9, 25), "blue") == ("yellow", date(2026, 11, 26))
    assert RULES.turns(date(2026, 8, 19), "red") is None  # red already
    # month ends: 2026-08-31 + 3 months is clipped to 11-30, so red from 12-01 (as of 11-24)
    later = RULES.moved_to(at(date(2026, 11, 24), 9))
    assert later.turns(date(2026, 8, 31), "yellow") == ("red", date(2026, 12, 1))
    assert later.turns(date(2026, 8, 30), "yellow") == ("red", date(2026, 12, 1))  # 11-30 + 1
    # a blue case that turns yellow and red within the week turns red (the worse light)
    assert RULES.turns(date(2026, 8, 25), "blue") == ("red", date(2026, 11, 26))


def _court(db) -> dict[str, int]:
    """Five open cases, each with one overdue node due on the given date."""
    court = Court(db)
    ids = {}
    for name, due in (
        ("red", date(2026, 7, 1)),  # red already
        ("to_red", date(2026, 8, 24)),  # yellow; red on 11-25
        ("to_yellow", date(2026, 9, 22)),  # blue; yellow on 11-23
        ("later", date(2026, 10, 1)),  # blue; yellow on 12-02: beyond the week
        ("fresh", date(2026, 11, 10)),  # overdue under a month
    ):
        case_id = court.case(date(2026, 11, 19))  # filed yesterday: its filing nodes are not overdue yet
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N09",
            subject_id="",
            started_at=at(due - timedelta(days=10), 9),
            due_override=end_of_day(due),
            source="imported",
        )
        ids[name] = case_id
    recompute(db, CATALOGUE, CALENDAR, NOW)
    return ids


def test_the_turning_list_holds_exactly_the_cases_that_turn_within_the_week(db):
    ids = _court(db)
    page = list_cases(db, RULES, CaseFilter(scope="turning"))
    assert [row.case_id for row in page.rows] == [ids["to_red"], ids["to_yellow"]]  # the earliest due first
    assert page.total == 2
    assert [RULES.turns(row.due_date, row.tier) for row in page.rows] == [
        ("red", date(2026, 11, 25)),
        ("yellow", date(2026, 11, 23)),
    ]


async def test_the_overview_shows_the_turning_box_and_0_opens_its_list(runtime):
    from command_center.screens.case_list import CaseListScreen

    _court(runtime.database())
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        box = app.screen.query_one("#box-turning", Static)
        assert box.border_title.startswith("0 即将转红")
        assert str(box.render()) == "2 件 · 11-25 起转红"
        await pilot.press("0")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CaseListScreen) and app.screen.filter.scope == "turning"


def test_the_brief_lists_them_in_its_decisions_and_exports(db, tmp_path):
    from command_center.brief_export import export
    from command_center.data.brief import brief

    ids = _court(db)
    assert ids
    found = brief(db, RULES)
    assert [(t["turns_to"], t["on"], t["tier"]) for t in found.turning] == [
        ("yellow", "2026-11-23", "blue"),
        ("red", "2026-11-25", "yellow"),
    ]  # the first to turn first
    assert found.as_json()["turning"] == found.turning
    export(found, tmp_path / "brief.md", NOW)
    text = (tmp_path / "brief.md").read_text(encoding="utf-8")
    assert "即将转红" in text and "| 黄灯 | 红灯 | 2026-11-25 |" in text
