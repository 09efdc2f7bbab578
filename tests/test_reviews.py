"""评查 worked end to end (seed 000, issue 26): the scheduler's lists, each item marked 合格 / 不合格
by a chief, a failed item opening its rectification (a supervision item the recompute alerts on),
the lists' progress in `command-center reviews`, on the 评查 screen and in the brief."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from textual.widgets import DataTable, Input

from command_center.app import make_app
from command_center.cli import cli
from command_center.data import access
from command_center.data import models as m
from command_center.data.access import ActionRefused, NotAllowed
from command_center.data.demo import generate
from command_center.data.reviews import latest_lists, mark
from command_center.data.users import set_password
from command_center.jobs import reviews as review_jobs
from command_center.jobs.recompute import recompute
from command_center.screens.forms import FormScreen
from command_center.screens.reviews import ReviewsScreen
from tests.conftest import NOW


def _lists(runtime):
    db = runtime.database()
    generate(db, runtime.catalogue, runtime.calendar, cases=400, seed=7, now=NOW, court_name="示范人民法院")
    recompute(db, runtime.catalogue, runtime.calendar, NOW)
    for job in (review_jobs.fund_sample, review_jobs.asset_inventory, review_jobs.closed_review):
        job(db, NOW)
    return db


def test_marks_progress_and_a_failed_item_opens_its_rectification(runtime):
    db = _lists(runtime)
    chief, officer = access.actor(db, "chief"), access.actor(db, "o001")
    closed = next(r for r in latest_lists(db) if r.kind == "closed_review")
    first, second = closed.items[0], closed.items[1]
    with pytest.raises(NotAllowed):
        mark(db, closed.id, first.key, officer, NOW, passed=True)
    assert mark(db, closed.id, first.key, chief, NOW, passed=True, note="卷宗齐全") is None
    with pytest.raises(ActionRefused, match="already marked pass by chief"):
        mark(db, closed.id, first.key, chief, NOW, passed=False, note="x", assignee_id=officer.id, due=NOW.date())
    with pytest.raises(ActionRefused, match="needs a note, an assignee and a due date"):
        mark(db, closed.id, second.key, chief, NOW, passed=False)
    due = date(2026, 11, 27)
    item_id = mark(
        db, closed.id, second.key, chief, NOW, passed=False, note="缺执行完毕证明", assignee_id=officer.id, due=due
    )
    with db.engine.connect() as conn:
        item = conn.execute(select(m.SupervisionItem.__table__).where(m.SupervisionItem.id == item_id)).one()
        node = conn.execute(select(m.NodeInstance.__table__).where(m.NodeInstance.subject_id == f"DB{item_id}")).one()
    assert item.description == f"整改 ({closed.period} {second.key}): 缺执行完毕证明" and item.assignee_id == officer.id
    assert node.due_date == due  # a deadline the recompute alerts on, like any 督办 item
    again = next(r for r in latest_lists(db) if r.kind == "closed_review")
    assert (again.marked, again.failed, len(again.items)) == (2, 1, len(closed.items))
    assert [(i.result, i.note, i.rectification) for i in again.items[:2]] == [
        ("pass", "卷宗齐全", None),
        ("fail", "缺执行完毕证明", item_id),
    ]
    shown = CliRunner().invoke(cli, ["--db", runtime.settings.db, "--now", "2026-11-20T10:00", "reviews"]).output
    assert f"结案评查 (每月) {closed.period}: 已评 2/{len(closed.items)}, 不合格 1" in shown
    data = json.loads(
        CliRunner().invoke(cli, ["--db", runtime.settings.db, "--now", "2026-11-20T10:00", "reviews", "--json"]).output
    )
    assert {d["kind"]: (d["marked"], d["failed"]) for d in data}["closed_review"] == (2, 1)


async def test_the_review_screen_marks_pass_and_fail_with_its_form(runtime):
    db = _lists(runtime)
    set_password(db, "chief", "correct-horse", NOW)
    app = make_app(runtime, ask_login=False)
    async with app.run_test(size=(160, 45)) as pilot:
        app.actor = access.actor(db, "chief")
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewsScreen)
        table = screen.query_one("#list-closed_review", DataTable)
        table.focus()
        await pilot.press("y")  # the first closed case: 合格
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("down", "n")  # the second: 不合格, with its form
        await app.workers.wait_for_complete()
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#f-note", Input).value = "缺结案报告"
        form.query_one("#f-due", Input).value = (NOW.date() + timedelta(days=7)).isoformat()
        from textual.widgets import Select

        select_ = form.query_one("#f-assignee", Select)
        select_.value = access.actor(db, "o001").id
        await pilot.click("#ok")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        closed = next(r for r in latest_lists(db) if r.kind == "closed_review")
        assert [i.result for i in closed.items[:2]] == ["pass", "fail"]
        assert "已评 2/" in str(screen.query_one("#title-closed_review").render())


def test_the_brief_shows_each_lists_progress(runtime):
    from command_center.data.brief import brief
    from command_center.data.rules import Rules

    db = _lists(runtime)
    closed = next(r for r in latest_lists(db) if r.kind == "closed_review")
    mark(db, closed.id, closed.items[0].key, access.actor(db, "chief"), NOW, passed=True)
    found = brief(db, Rules.at(NOW, runtime.catalogue, runtime.calendar))
    by_kind = {r["kind"]: r for r in found.reviews}
    assert by_kind["closed_review"] == {
        "kind": "closed_review",
        "period": closed.period,
        "total": len(closed.items),
        "marked": 1,
        "failed": 0,
    }
    assert found.as_json()["reviews"] == found.reviews
