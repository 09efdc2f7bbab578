"""Who acts (issue 23): a node's owner from the catalogue, its messages and the user's queue."""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources

import pytest
from sqlalchemy import insert

from command_center.data import models as m
from command_center.data.access import Actor
from command_center.data.alerts import TIER_ORDER, submit_response
from command_center.data.catalogue import CatalogueError, parse_catalogue
from command_center.data.locks import list_locks, request_unlock
from command_center.data.queue import my_queue
from command_center.data.supervision import create_item
from command_center.data.users import UserError, add_user, edit_user, list_users
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, Court, at

NOW = at(date(2026, 11, 20), 10)
REFERENCE = resources.files("command_center.data").joinpath("catalogue.csv").read_text(encoding="utf-8")


def with_owners(owners: dict[str, str]):
    """The reference catalogue with an ``owner`` column: ``owners`` by code, the rest empty."""
    lines = REFERENCE.splitlines()
    out = [lines[0] + ",owner"]
    for line in lines[1:]:
        code = line.split(",", 1)[0]
        out.append(line + "," + owners.get(code, ""))
    return parse_catalogue("\n".join(out) + "\n", "court.csv")


OWNED = with_owners({"N09": "团队长", "N34": "款物管理组"})


@pytest.fixture
def court(db):
    court = Court(db)
    with db.engine.begin() as conn:
        conn.execute(
            insert(m.Officer.__table__),
            [
                {
                    "login": "lead",
                    "name": "王团队长",
                    "role": "officer",
                    "team_id": 1,
                    "active": True,
                    "team_leader": True,
                    "phone": "13900000001",
                },
                {
                    "login": "kw1",
                    "name": "款物甲",
                    "role": "officer",
                    "team_id": None,
                    "active": True,
                    "team_leader": False,
                    "phone": "13900000002",
                },
                {
                    "login": "kw2",
                    "name": "款物乙",
                    "role": "officer",
                    "team_id": None,
                    "active": False,
                    "team_leader": False,
                    "phone": None,
                },
            ],
        )
    return court


def member(court, login: str, group: str) -> None:
    with court.db.engine.begin() as conn:
        officer_id = conn.execute(
            m.Officer.__table__.select()
            .with_only_columns(m.Officer.__table__.c.id)
            .where(m.Officer.__table__.c.login == login)
        ).scalar_one()
        conn.execute(insert(m.OfficerGroup.__table__).values(officer_id=officer_id, group_name=group))


def messages(court):
    return {(r.kind, r.recipient, r.payload["node_code"]): r for r in court.rows(m.OutboxMessage)}


def test_the_catalogue_s_owner_column_names_officer_leader_or_group():
    assert (OWNED["N09"].owner, OWNED["N34"].owner, OWNED["N02"].owner) == (
        "team_leader",
        "group:款物管理组",
        "officer",
    )
    with pytest.raises(CatalogueError, match="line 3, field owner: 'a:b' is not 承办人, 团队长 or a group"):
        with_owners({"N02": "a:b"})


def test_messages_go_to_the_node_s_owner_with_their_phone(court):
    member(court, "kw1", "款物管理组")
    member(court, "kw2", "款物管理组")  # disabled: no message
    court.red_case(fund_due_soon=True)
    recompute(court.db, OWNED, CALENDAR, NOW)
    sent = messages(court)
    assert ("tier_changed", "lead", "N09") in sent and ("tier_changed", "zhang", "N09") not in sent
    assert sent[("tier_changed", "lead", "N09")].phone == "13900000001"
    assert ("due_soon", "kw1", "N34") in sent and sent[("due_soon", "kw1", "N34")].phone == "13900000002"
    assert not any(key[2] == "N34" and key[1] in ("zhang", "kw2") for key in sent)
    # the red case is named by its light's node: its earliest overdue one (N05, filing + 2 days)
    assert ("red_case", "chief", "N05") in sent, "red cases still go to every chief"
    assert sent[("red_case", "chief", "N05")].phone is None, "a user without a phone: no phone on the message"


def test_an_owner_with_nobody_active_falls_back_to_the_case_officer(court):
    edit_user(court.db, "lead", NOW, team_leader=False)  # the team has no leader now; the group is empty
    court.red_case(fund_due_soon=True)
    recompute(court.db, OWNED, CALENDAR, NOW)
    sent = messages(court)
    assert ("tier_changed", "zhang", "N09") in sent and ("due_soon", "zhang", "N34") in sent
    assert not any(key[1] in ("lead", "kw1") for key in sent)


def test_a_group_s_node_reaches_every_active_member_once(court):
    member(court, "kw1", "款物管理组")
    member(court, "lead", "款物管理组")
    court.red_case(fund_due_soon=True)
    recompute(court.db, OWNED, CALENDAR, NOW)
    recompute(court.db, OWNED, CALENDAR, NOW + timedelta(minutes=1))
    due_soon = [r.recipient for r in court.rows(m.OutboxMessage) if r.kind == "due_soon"]
    assert sorted(due_soon) == ["kw1", "lead"]


def test_user_add_and_edit_check_phone_team_leader_and_groups(db):
    Court(db)
    add_user(
        db,
        "o9",
        "赵九",
        "officer",
        "password1",
        NOW,
        team="普执一组",
        phone="139 0000-0009",
        team_leader=True,
        groups=["网络查控组", "网络查控组", "卷宗管理"],
    )
    user = next(u for u in list_users(db) if u["login"] == "o9")
    assert (user["phone"], user["team_leader"], user["groups"]) == ("13900000009", True, ["卷宗管理", "网络查控组"])
    with pytest.raises(UserError, match="the phone '12ab' is not a phone number"):
        edit_user(db, "o9", NOW, phone="12ab")
    with pytest.raises(UserError, match="a team leader needs a team"):
        add_user(db, "o10", "", "officer", "password1", NOW, team_leader=True)
    with pytest.raises(UserError, match="o9 is not in the group '款物管理组'; groups: 卷宗管理、网络查控组"):
        edit_user(db, "o9", NOW, remove_groups=["款物管理组"])
    with pytest.raises(UserError, match="nothing to change"):
        edit_user(db, "o9", NOW)
    edit_user(db, "o9", NOW, phone="", remove_groups=["卷宗管理"], add_groups=["款物管理组"])
    user = next(u for u in list_users(db) if u["login"] == "o9")
    assert (user["phone"], user["groups"]) == (None, ["款物管理组", "网络查控组"])


def test_the_queue_lists_my_alerts_worst_first_my_items_and_a_chief_s_decisions(court):
    member(court, "kw1", "款物管理组")
    case_id = court.red_case(fund_due_soon=True)
    create_item(
        court.db, case_id, Actor(2, "chief", "chief"), NOW, description="回电", assignee_id=1, due=date(2026, 11, 27)
    )
    recompute(court.db, OWNED, CALENDAR, NOW)
    zhang = my_queue(court.db, OWNED, Actor(1, "zhang", "officer"), NOW)
    codes = [r.node_code for r in zhang.alerts.rows]
    assert "N09" not in codes and "N34" not in codes and "N05" in codes, "N09 is the leader's, N34 the group's"
    ranks = [TIER_ORDER.get(r.what, 9) for r in zhang.alerts.rows]
    assert ranks == sorted(ranks) and zhang.alerts.total == len(codes), "worst first"
    assert [(r.kind, r.node_code, r.due) for r in zhang.items.rows] == [("item", "DB", date(2026, 11, 27))]
    assert zhang.accept is None and zhang.unlocks is None
    lead_actor = Actor(4, "lead", "officer")
    lead = my_queue(court.db, OWNED, lead_actor, NOW)
    assert [(r.node_code, r.what, r.late) for r in lead.alerts.rows] == [("N09", "red", True)]
    assert [(r.node_code, r.what, r.due) for r in lead.responses.rows] == [("N09", "interview", date(2026, 11, 25))]
    kw1 = my_queue(court.db, OWNED, Actor(5, "kw1", "officer"), NOW)
    assert [(r.node_code, r.what) for r in kw1.alerts.rows] == [("N34", "due_soon")]
    assert [(r.node_code, r.due) for r in kw1.groups["款物管理组"].rows] == [], "N34 is due on the 23rd, not today"
    later = at(date(2026, 11, 24), 9)
    assert [
        (r.node_code, r.late)
        for r in my_queue(court.db, OWNED, Actor(5, "kw1", "officer"), later).groups["款物管理组"].rows
    ] == [("N34", True)]
    chief_actor = Actor(2, "chief", "chief")
    assert my_queue(court.db, OWNED, chief_actor, NOW).accept.total == 0
    alert = court.alerts(case_id)[("N09", "")]
    submit_response(court.db, alert.id, alert.version, lead_actor, NOW, "约谈已做")
    lock = list_locks(court.db)[0]
    request_unlock(court.db, lock.id, lock.version, lead_actor, NOW, "已约谈, 请解锁")
    chief = my_queue(court.db, OWNED, chief_actor, NOW)
    assert [(r.kind, r.node_code, r.what) for r in chief.accept.rows] == [("accept", "N09", "interview")]
    assert [(r.kind, r.case_id, r.what) for r in chief.unlocks.rows] == [("unlock", case_id, "王团队长")]
    assert my_queue(court.db, OWNED, lead_actor, NOW).responses.total == 0, "submitted: no longer owed"


def test_a_leader_owns_only_their_own_team_s_nodes(court):
    court.add(m.Team, id=2, court_id=1, name="简执一组", track="简执")
    case_id = court.red_case(fund_due_soon=True)
    court.update(m.Case, m.Case.__table__.c.id == case_id, team_id=2)  # a team without a leader
    recompute(court.db, OWNED, CALENDAR, NOW)
    sent = messages(court)
    assert ("tier_changed", "zhang", "N09") in sent and ("tier_changed", "lead", "N09") not in sent
    lead = my_queue(court.db, OWNED, Actor(4, "lead", "officer"), NOW)
    assert lead.alerts.total == 0


def test_user_add_and_edit_on_the_command_line(db, db_url):
    import json

    from click.testing import CliRunner

    from command_center.cli import cli

    Court(db)
    env = {"COMMAND_CENTER_PASSWORD": "password1"}

    def run(*args):
        return CliRunner().invoke(cli, ["--db", db_url, "--lang", "en", *args], env=env)

    added = run(
        "user", "add", "o9", "--team", "普执一组", "--phone", "13900000009", "--team-leader", "--group", "卷宗管理"
    )
    assert added.exit_code == 0, added.output
    assert run("user", "edit", "o9", "--group", "网络查控组", "--leave", "卷宗管理").exit_code == 0
    bad = run("user", "edit", "o9", "--phone", "call me")
    assert bad.exit_code != 0 and "the phone 'callme' is not a phone number" in bad.output
    users = {u["login"]: u for u in json.loads(run("user", "list", "--json").output)}
    assert (users["o9"]["team_leader"], users["o9"]["groups"], users["o9"]["phone"]) == (
        True,
        ["网络查控组"],
        "13900000009",
    )
    listed = run("user", "list").output
    assert "team leader [网络查控组]" in listed and "团队长" not in listed, "one language at a time"


def test_a_capped_section_counts_every_row_of_its_query(court, monkeypatch):
    """Beyond the cap a section shows its first rows and counts all of them, as its own query
    does (the same joins and conditions)."""
    import command_center.data.queue as queue_module

    court.red_case(fund_due_soon=True)
    recompute(court.db, OWNED, CALENDAR, NOW)
    whole = my_queue(court.db, OWNED, Actor(1, "zhang", "officer"), NOW).alerts
    assert whole.total == len(whole.rows) >= 3
    monkeypatch.setattr(queue_module, "LIMIT", 2)
    capped = my_queue(court.db, OWNED, Actor(1, "zhang", "officer"), NOW).alerts
    assert capped.rows == whole.rows[:2] and capped.total == whole.total


def test_an_officer_acts_only_on_their_team_s_cases_and_what_is_theirs(court):
    from command_center.data.access import NotAllowed
    from command_center.data.alerts import acknowledge
    from command_center.data.duty import monday_of, set_week
    from command_center.data.supervision import complete_item
    from command_center.screens.labels import refusal

    court.add(m.Team, id=2, court_id=1, name="简执一组", track="简执")
    court.add(m.Officer, id=7, login="wang", name="王承办", role="officer", team_id=2, active=True)
    member(court, "kw1", "款物管理组")
    case_id = court.red_case(fund_due_soon=True)  # team 1's case, zhang's
    recompute(court.db, OWNED, CALENDAR, NOW)
    alerts = court.alerts(case_id)
    wang, kw1, lead = Actor(7, "wang", "officer"), Actor(5, "kw1", "officer"), Actor(4, "lead", "officer")
    chief = Actor(2, "chief", "chief")

    red = alerts[("N09", "")]
    with pytest.raises(NotAllowed) as refused:
        acknowledge(court.db, red.id, red.version, wang, NOW, catalogue=OWNED)
    assert refusal("zh", refused.value) == "wang 不能对 （2026）内0425执1号 认领预警: 不是本团队的案件, 也未分派给本人"
    with pytest.raises(NotAllowed, match="not a case of their team"):
        acknowledge(court.db, red.id, red.version, kw1, NOW, catalogue=OWNED)  # a group member, not the group's node
    lock = list_locks(court.db)[0]
    with pytest.raises(NotAllowed):
        request_unlock(court.db, lock.id, lock.version, wang, NOW, "请解锁")
    with pytest.raises(NotAllowed):
        create_item(court.db, case_id, wang, NOW, description="回电", assignee_id=7, due=date(2026, 11, 27))
    item = create_item(court.db, case_id, chief, NOW, description="回电", assignee_id=7, due=date(2026, 11, 27))
    assert court.alerts(case_id)[("N09", "")].status == "open", "refused: nothing changed"

    fund = alerts[("N34", "AK1")]
    acknowledge(court.db, fund.id, fund.version, kw1, NOW, catalogue=OWNED)  # the group's node: kw1's to act on
    n05 = alerts[("N05", "")]
    acknowledge(court.db, n05.id, n05.version, lead, NOW, catalogue=OWNED)  # their team's case
    complete_item(court.db, item, wang, NOW, "已回电")  # assigned to wang
    set_week(court.db, monday_of(NOW.date()), ["wang"], NOW, by="chief")  # on duty: takes the phone calls
    create_item(court.db, case_id, wang, NOW, description="来电催办", assignee_id=None, due=date(2026, 11, 27))
    statuses = court.alerts(case_id)
    assert (statuses[("N34", "AK1")].status, statuses[("N05", "")].status) == ("acknowledged", "acknowledged")
