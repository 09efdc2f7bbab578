"""The applicant's progress messages (节点短信推送, issue 23 part 3): every applicant with a
phone, for the nodes the catalogue chooses, with an opt-out."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta
from importlib import resources

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select

from command_center.cli import cli
from command_center.data import models as m
from command_center.data.access import NotAllowed, actor
from command_center.data.catalogue import CatalogueError, load_catalogue, parse_catalogue
from command_center.data.importer import import_file
from command_center.data.parties import PartyRefused, set_notify_opt_out
from command_center.jobs.notify import dispatch
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at
from tests.interchange_files import write_csv_folder

NOW = at(date(2026, 11, 20), 10)
OUTBOX = m.OutboxMessage.__table__
NODES = m.NodeInstance.__table__
PARTIES = m.Party.__table__
CASE_NO = "（2026）内0425执1号"


class Recording:
    name = "recording"

    def __init__(self):
        self.sent = []

    def send(self, message: dict) -> None:
        self.sent.append(message)


def applicants(court: Court) -> int:
    """A case with four applicants: 王申请 (13800000000, from the builder), 李申请 (13900000009),
    赵申请 with no phone, 钱申请 (13700000007) who opted out."""
    case_id = court.case(date(2026, 11, 2))
    with court.db.engine.begin() as conn:
        conn.execute(
            insert(PARTIES),
            [  # every row names every column: an executemany takes its columns from the first row
                {"case_id": case_id, "role": role, "position": pos, "name": name, "phone": phone, "notify_opt_out": out}
                for role, pos, name, phone, out in (
                    ("applicant", 1, "李申请", "13900000009", False),
                    ("applicant", 2, "赵申请", None, False),
                    ("applicant", 3, "钱申请", "13700000007", True),
                    ("debtor", 0, "某公司", "13600000006", False),
                )
            ],
        )
    return case_id


def complete(court: Court, case_id: int, *codes: str, when) -> None:
    court.update(m.NodeInstance, (NODES.c.case_id == case_id) & NODES.c.node_code.in_(codes), completed_at=when)


def completed_messages(court: Court) -> list[tuple[str, str]]:
    rows = court.rows(m.OutboxMessage, OUTBOX.c.kind == "node_completed")
    return sorted((r.recipient, r.payload["node_code"]) for r in rows)


def test_every_applicant_with_a_phone_hears_of_a_chosen_node_once(db):
    court = Court(db)
    case_id = applicants(court)
    recompute(db, CATALOGUE, CALENDAR, NOW)  # the first run sets the watermark
    assert CATALOGUE["N03"].notify_applicant and not CATALOGUE["N02"].notify_applicant
    complete(court, case_id, "N02", "N03", when=NOW + timedelta(minutes=5))
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=10))
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=11))
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=12), rebuild=True)
    # both applicants with a phone, for N03 only; not the one without a phone, not the one who
    # opted out, not the debtor; once, whatever the runs after
    assert completed_messages(court) == [("13800000000", "N03"), ("13900000009", "N03")]


def test_an_applicant_who_opts_out_gets_nothing_more_and_can_opt_in_again(db, db_url):
    court = Court(db)
    case_id = applicants(court)
    recompute(db, CATALOGUE, CALENDAR, NOW)
    cli_now = ["--db", db_url, "--now", "2026-11-20T10:01"]
    run = CliRunner().invoke(cli, [*cli_now, "party", "opt-out", "（2026）内0425执1号", "李申请", "--as", "zhang"])
    assert run.exit_code == 0, run.output
    assert "李申请" in run.output and "1/1" in run.output
    complete(court, case_id, "N03", when=NOW + timedelta(minutes=5))
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=10))
    assert completed_messages(court) == [("13800000000", "N03")]
    run = CliRunner().invoke(cli, [*cli_now, "--lang", "en", "party", "opt-in", CASE_NO, "李申请", "--as", "chief"])
    assert run.exit_code == 0 and "progress messages again (1 of 1 changed)" in run.output, run.output
    complete(court, case_id, "N05", when=NOW + timedelta(minutes=15))
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=20))
    assert ("13900000009", "N05") in completed_messages(court)
    trail = court.rows(m.AuditEntry, m.AuditEntry.__table__.c.action.like("party.%"))
    assert [(a.actor, a.action, a.case_id) for a in trail] == [
        ("zhang", "party.opted_out", case_id),
        ("chief", "party.opted_in", case_id),
    ]


def test_an_opt_out_is_refused_for_the_wall_or_an_unknown_applicant_and_changes_nothing(db, db_url):
    court = Court(db)
    applicants(court)
    with pytest.raises(NotAllowed, match="wall"):
        set_notify_opt_out(db, actor(db, "wall"), CASE_NO, "李申请", True, NOW)
    with pytest.raises(PartyRefused) as refused:
        set_notify_opt_out(db, actor(db, "zhang"), CASE_NO, "某公司", True, NOW)  # a debtor: not an applicant
    assert refused.value.say("zh") == "案件 （2026）内0425执1号 没有名为 某公司 的申请执行人"
    run = CliRunner().invoke(cli, ["--db", db_url, "--lang", "en", "party", "opt-out", "（2026）内0425执9号", "李申请"])
    assert run.exit_code != 0 and "--as" in run.output
    run = CliRunner().invoke(
        cli, ["--db", db_url, "--lang", "en", "party", "opt-out", "（2026）内0425执9号", "李", "--as", "zhang"]
    )
    assert run.exit_code == 1 and run.output.strip() == "Error: no case （2026）内0425执9号"
    run = CliRunner().invoke(cli, ["--db", db_url, "party", "opt-out", CASE_NO, "李申请", "--as", "wall"])
    assert run.exit_code == 1 and run.output.strip() == (
        "Error: wall 无权更改申请执行人是否接收进度短信 (需为承办人、局长或管理员, 且账户有效)"
    )
    opted = court.rows(m.Party, PARTIES.c.notify_opt_out)
    assert [p.name for p in opted] == ["钱申请"]
    assert court.rows(m.AuditEntry, m.AuditEntry.__table__.c.action.like("party.%")) == []


def test_applicants_messages_wait_for_the_end_of_the_quiet_hours(db):
    court = Court(db)
    case_id = applicants(court)
    recompute(db, CATALOGUE, CALENDAR, NOW)
    complete(court, case_id, "N03", when=NOW + timedelta(minutes=5))
    recompute(db, CATALOGUE, CALENDAR, NOW + timedelta(minutes=10))
    sender, night = Recording(), (time(22), time(7))
    held = dispatch(db, CATALOGUE, CALENDAR, sender, at(date(2026, 11, 20), 23), quiet_hours=night)
    assert (held.sent, sender.sent) == (0, []) and held.held >= 2  # the officer's due-soon messages wait too
    dispatch(db, CATALOGUE, CALENDAR, sender, at(date(2026, 11, 23), 7), quiet_hours=night)
    assert sorted((s["recipient"], s["text"]) for s in sender.sent if s["kind"] == "node_completed") == [
        (phone, "【执行法院】您申请执行的 （2026）内0425执1号 已完成节点: N03 执行通知及报告财产令。")
        for phone in ("13800000000", "13900000009")
    ]


def _reference_rows() -> list[dict]:
    text = resources.files("command_center.data").joinpath("catalogue.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_the_reference_tells_the_applicant_of_the_fund_flow_and_the_milestones():
    chosen = set(load_catalogue().notified())
    assert {"N34", "N35", "N36", "N37", "N38"} <= chosen, "every step of the fund flow (杭州下城)"
    assert {"N03", "N13", "N15", "N17", "N31"} <= chosen
    assert not chosen & {"N01", "N02", "N06", "N09", "N19", "N39", "N43", "N44", "N45", "N46"}, "internal steps"


def test_a_court_catalogue_without_the_column_or_with_an_empty_cell_takes_the_reference_s_choice():
    rows = _reference_rows()
    columns = [c for c in rows[0] if c != "notify_applicant"]
    without = parse_catalogue(_csv(rows, columns), "court.csv")
    assert without.notified() == CATALOGUE.notified()
    rows[2]["notify_applicant"] = ""  # N03: the reference's yes
    rows[33]["notify_applicant"] = "否"  # N34: the court's no
    rows[1]["notify_applicant"] = "是"  # N02: the court's yes
    own = dict(rows[0], code="N60", notify_applicant="")  # the court's own node: no
    mixed = parse_catalogue(_csv([*rows, own], list(rows[0])), "court.csv")
    assert mixed["N03"].notify_applicant and mixed["N02"].notify_applicant
    assert not mixed["N34"].notify_applicant and not mixed["N60"].notify_applicant


def test_a_bad_notify_applicant_value_is_refused_with_file_line_and_column(tmp_path):
    rows = _reference_rows()
    rows[4]["notify_applicant"] = "maybe"  # N05, line 6 of the file
    path = tmp_path / "court-nodes.csv"
    path.write_text(_csv(rows, list(rows[0])), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path)
    assert error.value.problems == ["line 6, field notify_applicant: 'maybe' is not yes or no (是 or 否)"]
    assert str(path) in str(error.value)


def test_a_re_import_keeps_an_applicant_s_opt_out(db, tmp_path):
    """The import rewrites a case's applicants when the file changes them: who opted out stays out."""
    Court(db)  # its officer zhang records the opt-out

    def imported(applicants: str, phones: str, folder: str) -> None:
        row = {"case_no": "（2026）内0425执77号", "filed_on": "2026-11-02", "applicants": applicants}
        path = write_csv_folder(tmp_path / folder, {"cases": [row | {"applicant_phones": phones}]}, style="en")
        import_file(db, CATALOGUE, path, NOW)

    imported("王申请;李申请", "13800000001;13800000002", "first")
    set_notify_opt_out(db, actor(db, "zhang"), "(2026)内0425执77号", " 李申请 ", True, NOW)
    imported("王申请;李申请;孙申请", "13800000009;13800000002;13800000003", "second")  # phones changed, one more
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(PARTIES.c.name, PARTIES.c.phone, PARTIES.c.notify_opt_out)
            .where(PARTIES.c.role == "applicant", PARTIES.c.phone.like("13800%"))
            .order_by(PARTIES.c.position)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("王申请", "13800000009", False),
        ("李申请", "13800000002", True),
        ("孙申请", "13800000003", False),
    ]
