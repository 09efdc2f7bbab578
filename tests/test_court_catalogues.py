"""A court's own catalogue (issue 25): ``[courts."CODE"] catalogue = …``, falling back to the
nearest covering code's, then to ``catalogue``, then to the reference.

Two courts in one database, 克什克腾旗 (内0425) with a file of its own and 红山区 (内0402) with the
default, each with one case filed on Monday 2026-11-16 whose 首次网络查控 (N05) started that day.
内0425's file gives N05 3 days instead of the reference's 2, a due-soon window of 6 hours instead
of 2 working days, the 查控组 as its owner instead of the case officer, and no message to the
applicants; and it adds a node of its own, N52 (a filing node).  By hand, N05 is due:

* 内0402 (the reference, 2 days): 2026-11-18, due soon from the start (2 working days ahead);
* 内0425 (3 days): 2026-11-19 23:59:59, due soon only from 17:59:59 that day (6 hours ahead).

So at Wednesday 10:00 内0402's N05 is due soon and 内0425's is not; at Thursday 10:00 内0402's is
overdue and 内0425's still not due soon; at Thursday 20:00 内0425's is due soon.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from command_center.cli import cli
from command_center.clock import Clock
from command_center.config import load_settings
from command_center.data import models as m
from command_center.data.access import Actor
from command_center.data.caseno import court_of
from command_center.data.cases import case_detail
from command_center.data.catalogue import CatalogueError
from command_center.data.court_catalogues import court_groups
from command_center.data.courts import courts_under
from command_center.data.explain import explain
from command_center.data.importer import ImportRejected, import_file
from command_center.data.indicators import indicators
from command_center.data.queue import my_queue
from command_center.jobs.digest import digest_text
from command_center.jobs.dues import NodesWithDues
from command_center.jobs.imports import import_and_recompute
from command_center.jobs.recompute import recompute
from command_center.runtime import Runtime
from tests.builders import at
from tests.interchange_files import write_workbook
from tests.test_drill import settle

A, B, C = "内0425", "内0402", "内0403"  # 内0403: imported later, no [courts] table
NAMES = {
    A: "克什克腾旗人民法院",
    B: "赤峰市红山区人民法院",
    C: "赤峰市元宝山区人民法院",
    "内0501": "通辽市某区人民法院",
}
FILED = date(2026, 11, 16)  # a Monday
WED, THU, THU_EVENING = at(date(2026, 11, 18), 10), at(date(2026, 11, 19), 10), at(date(2026, 11, 19), 20)
NODES, ALERTS, OUTBOX, COURTS = (t.__table__ for t in (m.NodeInstance, m.Alert, m.OutboxMessage, m.Court))
REFERENCE = resources.files("command_center.data").joinpath("catalogue.csv").read_text(encoding="utf-8")


def catalogue_file(path: Path, changes: dict[str, dict[str, str]], extra: list[dict[str, str]] = ()) -> Path:
    """The reference catalogue with an ``owner`` column, ``changes`` by code, ``extra`` rows added."""
    rows = list(csv.DictReader(io.StringIO(REFERENCE)))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0].keys(), "owner"], lineterminator="\n")
    writer.writeheader()
    for row in [*rows, *extra]:
        writer.writerow({**row, **changes.get(row["code"], {})})
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


N52 = {
    "code": "N52",
    "stage": "立案",
    "name": "执行风险提示",
    "name_en": "Enforcement risk notice",
    "trigger": "filing",
    "limit": "4",
    "unit": "days",
    "due_soon": "2wd",
    "repeat": "1",
    "action": "向申请人书面提示执行风险",
    "action_en": "tell the applicant the risks in writing",
    "materials": "执行风险提示书",
    "materials_en": "risk notice",
    "notify_applicant": "no",
    "case_types": "执",
}
#: 内0425's changes to N05: 3 days, due soon 6 hours ahead, the 查控组 acts, the applicants do not hear
OWN_N05 = {"limit": "3", "due_soon": "6h", "owner": "查控组", "notify_applicant": "no"}


def own_file(folder: Path, name: str = "own.csv", **n05: str) -> Path:
    return catalogue_file(folder / name, {"N05": {**OWN_N05, **n05}}, [N52])


def start(folder: Path, db_url: str, courts: str, now=WED) -> Runtime:
    """A runtime as the command line starts it, from a config file with ``courts`` tables."""
    config = folder / "config.toml"
    config.write_text(courts, encoding="utf-8")
    return Runtime.start(load_settings({"db": db_url, "config_path": str(config)}, environ={}), Clock(now))


def export(code: str, *, completed: str | None = None, extra: list[dict] = ()) -> dict[str, list[dict]]:
    """One case of court ``code`` filed on :data:`FILED`, its N05 started that day."""
    case_no = f"（2026）{code}执1号"
    case = {
        "case_no": case_no,
        "filed_on": FILED.isoformat(),
        "amount": "10000",
        "applicants": f"申请人{code}",
        "applicant_phones": "13800000001",
        "debtors": f"被执行人{code}",
        "team": "普执一组",
        "officer": f"承办{code}",
        "court": NAMES[code],
    }
    node = {"case_no": case_no, "node_code": "N05", "started_at": FILED.isoformat(), "completed_at": completed}
    return {"cases": [case], "nodes": [node, *[{"case_no": case_no, **row} for row in extra]]}


def load(rt: Runtime, folder: Path, code: str, now=WED, **kwargs) -> None:
    path = write_workbook(folder / f"{code}-{now:%d%H}.xlsx", export(code, **kwargs))
    import_and_recompute(rt.database(), rt.catalogue, rt.calendar, path, now)


def case_id(rt: Runtime, code: str) -> int:
    with rt.database().engine.connect() as conn:
        return conn.execute(
            select(m.Case.__table__.c.id).where(m.Case.__table__.c.case_no == f"（2026）{code}执1号")
        ).scalar_one()


def node(rt: Runtime, code: str, node_code: str = "N05"):
    with rt.database().engine.connect() as conn:
        return conn.execute(
            select(NODES).where(NODES.c.case_id == case_id(rt, code), NODES.c.node_code == node_code)
        ).one_or_none()


def alerts(rt: Runtime, code: str) -> dict[str, tuple[str, str | None]]:
    """Node code → (rule, tier) of the court's case's live alerts."""
    with rt.database().engine.connect() as conn:
        return {
            r.node_code: (r.rule, r.tier)
            for r in conn.execute(
                select(ALERTS).where(ALERTS.c.case_id == case_id(rt, code), ALERTS.c.status != "resolved")
            )
        }


def messages(rt: Runtime, node_code: str = "N05") -> set[tuple[str, str, str]]:
    """(kind, recipient, 案号's court) of the outbox's messages about ``node_code``."""
    with rt.database().engine.connect() as conn:
        rows = conn.execute(select(OUTBOX)).all()
    return {
        (r.kind, r.recipient, court_of(r.payload["case_no"])) for r in rows if r.payload.get("node_code") == node_code
    }


@pytest.fixture
def two(tmp_path: Path, db_url: str):
    """内0425 with its own file, 内0402 with the default; both imported on Wednesday 10:00, and a
    user ``ck`` of 内0425 in the 查控组 (the owner 内0425's file gives N05)."""
    own_file(tmp_path)
    rt = start(tmp_path, db_url, '[courts."内0425"]\ncatalogue = "own.csv"\n')
    load(rt, tmp_path, A)
    load(rt, tmp_path, B)
    with rt.database().engine.begin() as conn:
        ck = conn.execute(
            insert(m.Officer.__table__)
            .values(login="ck", name="查控员", role="officer", active=True, phone="13900000009", court_code=A)
            .returning(m.Officer.__table__.c.id)
        ).scalar_one()
        conn.execute(insert(m.OfficerGroup.__table__).values(officer_id=ck, group_name="查控组"))
    yield rt
    rt.close()


def test_the_runtime_loads_each_courts_catalogue(tmp_path: Path, db_url: str):
    own_file(tmp_path)
    rt = start(tmp_path, db_url, '[courts."内0425"]\ncatalogue = "own.csv"\n')
    assert rt.catalogue["N05"].limit == 2 and "N52" not in rt.catalogue, "runtime.catalogue stays the default"
    own = rt.court_catalogue(A)
    assert (own["N05"].limit, own["N05"].owner, own["N05"].notify_applicant, own.path) == (
        3,
        "group:查控组",
        False,
        str(tmp_path / "own.csv"),
    )
    assert rt.court_catalogue(B) is rt.court_catalogue(None) is rt.catalogue.alone
    assert rt.court_catalogue("内04") is rt.catalogue.alone, "a level above the court: not the court's file"
    load(rt, tmp_path, A)
    (court_id,) = courts_under(rt.database(), A)
    assert rt.court_catalogue(court_id) is own, "by the court's id in the database"
    rt.close()


def test_a_node_gets_its_own_courts_due_date_alerts_and_messages(two: Runtime):
    rt = two
    # the due dates, as the import wrote them and the recompute found them
    assert (node(rt, A).due_date, node(rt, B).due_date) == (date(2026, 11, 19), date(2026, 11, 18))
    # 内0425's own node: materialised for its case only
    assert node(rt, A, "N52").due_date == date(2026, 11, 20) and node(rt, B, "N52") is None
    # Wednesday: the reference's N05 due soon (2 working days ahead); 内0425's 6-hour window not yet
    assert alerts(rt, B)["N05"] == ("due_soon", None) and "N05" not in alerts(rt, A)
    assert messages(rt) == {("due_soon", f"承办{B}", B)}

    recompute(rt.database(), rt.catalogue, rt.calendar, THU)
    assert alerts(rt, B)["N05"] == ("overdue", "overdue") and "N05" not in alerts(rt, A)
    recompute(rt.database(), rt.catalogue, rt.calendar, THU_EVENING)
    assert alerts(rt, A)["N05"] == ("due_soon", None)
    # 内0425's N05 goes to its 查控组, not to the case officer; 内0402's to its case officer
    assert messages(rt) == {
        ("due_soon", f"承办{B}", B),
        ("tier_changed", f"承办{B}", B),
        ("due_soon", "ck", A),
    }


def test_the_reads_count_each_courts_windows(two: Runtime):
    rt = two
    db = rt.database()
    for now in (WED, THU, THU_EVENING):
        recompute(db, rt.catalogue, rt.calendar, now)
        rules = rt.rules(now)
        for code in (A, B):
            figures = indicators(db, rules, courts_under(db, code))
            stored = alerts(rt, code)
            assert figures.due_soon_nodes == sum(rule == "due_soon" for rule, _ in stored.values()), (now, code)
            assert figures.overdue_nodes == sum(rule == "overdue" for rule, _ in stored.values()), (now, code)
    # the whole database: the sum of its courts (内0425's N05 by its own window, not the reference's)
    rules = rt.rules(THU_EVENING)
    assert indicators(db, rules).due_soon_nodes == sum(
        indicators(db, rules, courts_under(db, code)).due_soon_nodes for code in (A, B)
    )
    # the case screen's timeline: the court's nodes, states by its windows (Wednesday)
    rules = rt.rules(WED)
    detail = case_detail(db, rules, case_id(rt, A))
    lines = {line.code: line for line in detail.nodes}
    assert detail.court_code == A and "N52" in lines and lines["N05"].state == "active"
    other = {line.code: line for line in case_detail(db, rules, case_id(rt, B)).nodes}
    assert "N52" not in other and other["N05"].state == "due_soon"


def test_owners_explanations_and_messages_follow_the_court(two: Runtime):
    rt = two
    db = rt.database()
    recompute(db, rt.catalogue, rt.calendar, THU_EVENING)
    ck = db.engine.connect().execute(select(m.Officer.__table__.c.id).where(m.Officer.__table__.c.login == "ck"))
    queue = my_queue(db, rt.catalogue, Actor(ck.scalar_one(), "ck", "officer"), THU_EVENING)
    assert [(r.case_no, r.node_code) for r in queue.alerts.rows] == [(f"（2026）{A}执1号", "N05")]
    board = queue.groups["查控组"].rows
    assert [(r.case_no, r.node_code) for r in board] == [(f"（2026）{A}执1号", "N05")], "内0402's N05 is no group's"
    # why it is due then: by the court's card
    found = explain(db, rt.rules(THU_EVENING), f"（2026）{A}执1号", "N05")
    assert (found.limit, found.due) == (3, date(2026, 11, 19))
    assert explain(db, rt.rules(THU_EVENING), f"（2026）{A}执1号", "N52").due == date(2026, 11, 20)
    # an applicant's message names the node as the court's catalogue does
    text = digest_text([("node_completed", {"case_no": f"（2026）{A}执1号", "node_code": "N52"})], rt.catalogue)
    assert "执行风险提示" in text


def test_the_applicants_hear_of_what_their_courts_catalogue_chooses(two: Runtime, tmp_path: Path):
    rt = two
    recompute(rt.database(), rt.catalogue, rt.calendar, WED)  # the scheduler's run: from now on, completions are news
    for code in (A, B):  # both N05 completed on Wednesday afternoon, after that run
        load(rt, tmp_path, code, THU, completed="2026-11-18 15:00")
    assert ("node_completed", "13800000001", B) in messages(rt), "the reference tells 内0402's applicant"
    assert not any(kind == "node_completed" for kind, _, court in messages(rt) if court == A), "内0425's file says no"


def test_the_import_checks_a_node_against_its_courts_catalogue(two: Runtime, tmp_path: Path):
    rt = two
    n52 = [{"node_code": "N52", "started_at": FILED.isoformat()}]
    path = write_workbook(tmp_path / "b52.xlsx", export(B, extra=n52))
    with pytest.raises(ImportRejected) as rejected:
        import_file(rt.database(), rt.catalogue, path, THU)
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("nodes", 3, "node_code")]
    assert "'N52' is not a node of the catalogue" in str(rejected.value.problems[0].reason)
    # 内0425's case may have it
    path = write_workbook(tmp_path / "a52.xlsx", export(A, extra=n52))
    assert import_file(rt.database(), rt.catalogue, path, THU).affected_cases == 1


def test_the_import_writes_each_courts_due_dates(tmp_path: Path, db_url: str):
    own_file(tmp_path)
    rt = start(tmp_path, db_url, '[courts."内0425"]\ncatalogue = "own.csv"\n')
    for code in (A, B, C):
        path = write_workbook(tmp_path / f"{code}.xlsx", export(code))
        import_file(rt.database(), rt.catalogue, path, WED, nodes=NodesWithDues(rt.catalogue, rt.calendar))
    expected = [date(2026, 11, 19), date(2026, 11, 18), date(2026, 11, 18)]
    assert [node(rt, code).due_date for code in (A, B, C)] == expected, "written by the import, each its court's"
    recompute(rt.database(), rt.catalogue, rt.calendar, WED)
    assert [node(rt, code).due_date for code in (A, B, C)] == expected, "and what the recompute finds"
    rt.close()


def test_a_court_imported_later_without_a_table_follows_the_default(two: Runtime, tmp_path: Path):
    rt = two
    load(rt, tmp_path, C, THU)
    assert node(rt, C).due_date == date(2026, 11, 18) and node(rt, C, "N52") is None
    assert alerts(rt, C)["N05"] == ("overdue", "overdue")
    # a rebuild keeps every court on its own catalogue
    result = recompute(rt.database(), rt.catalogue, rt.calendar, THU, rebuild=True)
    assert result.dues_changed == 0 and result.nodes_written == 0
    assert [node(rt, code).due_date for code in (A, B, C)] == [
        date(2026, 11, 19),
        date(2026, 11, 18),
        date(2026, 11, 18),
    ]


def test_a_code_level_covers_the_courts_below_it_unless_one_names_its_own(tmp_path: Path, db_url: str):
    own_file(tmp_path)
    catalogue_file(tmp_path / "level.csv", {"N05": {"limit": "4"}})
    config = '[courts."内04"]\ncatalogue = "level.csv"\n[courts."内0425"]\ncatalogue = "own.csv"\n'
    rt = start(tmp_path, db_url, config)
    assert [rt.court_catalogue(code)["N05"].limit for code in (A, B, "内04", "内0501", "内")] == [3, 4, 4, 2, 2]
    for code in (A, B, "内0501"):
        load(rt, tmp_path, code)
    assert [node(rt, code).due_date for code in (A, B, "内0501")] == [
        date(2026, 11, 19),
        date(2026, 11, 20),
        date(2026, 11, 18),
    ]
    rt.close()
    # the command line does the same from the config file
    options = ["--db", db_url, "--config", str(tmp_path / "config.toml"), "--now", "2026-11-19T10:00"]
    result = CliRunner().invoke(cli, [*options, "recompute", "--rebuild", "--json"])
    assert result.exit_code == 0, result.output
    rt = start(tmp_path, db_url, config, THU)
    assert [node(rt, code).due_date for code in (A, B, "内0501")] == [
        date(2026, 11, 19),
        date(2026, 11, 20),
        date(2026, 11, 18),
    ]
    # Thursday: the reference's N05 (内0501) overdue, the level's (内0402, due Friday) due soon, 内0425's not yet
    assert [alerts(rt, code).get("N05") for code in ("内0501", B, A)] == [
        ("overdue", "overdue"),
        ("due_soon", None),
        None,
    ]
    rt.close()


def test_a_level_that_covers_every_court_is_one_group(tmp_path: Path, db_url: str):
    level = catalogue_file(tmp_path / "level.csv", {"N05": {"limit": "4"}})
    rt = start(tmp_path, db_url, '[courts."内04"]\ncatalogue = "level.csv"\n')
    for code in (A, B):
        load(rt, tmp_path, code)
    with rt.database().engine.connect() as conn:
        assert [g.catalogue.path for g in court_groups(conn, rt.catalogue)] == [str(level)], "no pass for the default"
    assert [node(rt, code).due_date for code in (A, B)] == [date(2026, 11, 20)] * 2
    load(rt, tmp_path, "内0501")  # a court the level does not cover: the default's group again
    with rt.database().engine.connect() as conn:
        assert [g.catalogue.path for g in court_groups(conn, rt.catalogue)] == [rt.catalogue.path, str(level)]
    assert [node(rt, code).due_date for code in (A, B, "内0501")] == [date(2026, 11, 20)] * 2 + [date(2026, 11, 18)]
    rt.close()


def test_a_broken_court_catalogue_is_refused_at_start(tmp_path: Path, db_url: str):
    own_file(tmp_path, limit="three")
    config = '[courts."内0425"]\ncatalogue = "own.csv"\n'
    with pytest.raises(CatalogueError) as error:
        start(tmp_path, db_url, config)
    message = str(error.value)
    assert str(tmp_path / "own.csv") in message and '[courts."内0425"]' in message
    assert "line 6, field limit: 'three' is not a whole number" in message
    result = CliRunner().invoke(cli, ["--db", db_url, "--config", str(tmp_path / "config.toml"), "indicators"])
    assert result.exit_code != 0 and "line 6, field limit" in result.output and "own.csv" in result.output


def test_a_file_named_by_several_codes_is_loaded_once(tmp_path: Path, db_url: str, caplog):
    # a court's file from before the case_types column: its note is said once at start
    rows = [line.rsplit(",", 1)[0] for line in REFERENCE.splitlines()]
    (tmp_path / "old.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = '[courts."内04"]\ncatalogue = "old.csv"\n[courts."内05"]\ncatalogue = "./old.csv"\n'
    with caplog.at_level(logging.WARNING, logger="command_center.catalogue"):
        rt = start(tmp_path, db_url, config)
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1 and len(caplog.records) == 1
    assert "has no case_types column" in caplog.records[0].message
    assert rt.court_catalogue("内0402") is rt.court_catalogue("内0501"), "one file, one catalogue"


async def test_the_case_screen_shows_its_courts_card(two: Runtime):
    from textual.widgets import Static, Tree

    from command_center.app import make_app
    from command_center.screens.case import CaseScreen

    rt = two
    app = make_app(rt, ask_login=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        for code, limit in ((A, "立案起 3日"), (B, "立案起 2日")):
            app.open_case(case_id(rt, code))
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            tree = screen.query_one("#timeline", Tree)
            leaves = {leaf.data.code: leaf for stage in tree.root.children for leaf in stage.children}
            assert ("N52" in leaves) is (code == A), "the timeline lists the court's nodes"
            tree.move_cursor(leaves["N05"])
            await settle(pilot)
            card = str(screen.query_one("#card", Static).render())
            assert "N05 首次网络查控" in card and f"时限: {limit}" in card, card
            await pilot.press("escape")
            await settle(pilot)
