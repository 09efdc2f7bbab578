"""`command-center import`: validation, idempotent upsert by natural key, audit, dry run, template."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from command_center.data import models as m
from command_center.data.engine import Database, open_database
from command_center.data.importer import ImportRejected, import_file
from command_center.data.interchange import (
    SHEETS,
    CellError,
    parse_case_no,
    parse_date,
    parse_datetime,
    parse_money,
    write_template,
)
from command_center.data.workcal import TZ
from command_center.jobs import imports
from tests.builders import CALENDAR, CATALOGUE
from tests.conftest import NOW
from tests.interchange_files import sample, write_csv_folder, write_workbook

TABLES = [
    m.Court,
    m.Team,
    m.Officer,
    m.Case,
    m.Party,
    m.NodeInstance,
    m.Fund,
    m.SeizedAsset,
    m.FrozenAccount,
    m.Lead,
    m.Suspension,
    m.Alert,
    m.AuditEntry,
    m.DirtyCase,
]


def counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model.__table__)).scalar_one()
            for model in TABLES
        }


def snapshot(db: Database) -> dict[str, list[tuple]]:
    """Everything an import writes, by natural values (no surrogate ids)."""
    c = m.Case.__table__
    out = {}
    with db.engine.connect() as conn:
        out["cases"] = conn.execute(
            select(
                c.c.case_no,
                c.c.case_type,
                c.c.filed_on,
                c.c.amount,
                c.c.amount_recovered,
                m.Team.name,
                m.Officer.name,
                c.c.track,
                c.c.closed_on,
                c.c.closing_mode,
                c.c.term_extended_to,
            )
            .outerjoin(m.Team, m.Team.id == c.c.team_id)
            .outerjoin(m.Officer, m.Officer.id == c.c.officer_id)
            .order_by(c.c.case_no)
        ).all()
        for name, model, columns in (
            ("parties", m.Party, ("role", "position", "name", "kind")),
            (
                "nodes",
                m.NodeInstance,
                ("node_code", "subject_id", "started_at", "completed_at", "due_override", "source"),
            ),
            ("funds", m.Fund, ("fund_id", "amount", "arrived_at", "claimed_at", "disbursed_at")),
            ("assets", m.SeizedAsset, ("asset_id", "kind", "seized_on", "location", "valuation")),
            (
                "accounts",
                m.FrozenAccount,
                ("account_id", "bank", "account_no", "frozen_on", "expires_on", "released_on"),
            ),
            ("leads", m.Lead, ("lead_id", "reported_at", "control_started_at")),
            ("suspensions", m.Suspension, ("from_date", "to_date")),
        ):
            t = model.__table__
            query = select(c.c.case_no, *(t.c[x] for x in columns)).join(c, c.c.id == t.c.case_id)
            if name == "nodes":
                query = query.where(t.c.source == "imported")
            out[name] = sorted(conn.execute(query).all(), key=repr)
    return out


def run_import(db: Database, path: Path, **kwargs):
    return import_file(db, CATALOGUE, path, NOW, **kwargs)


# -- cells ---------------------------------------------------------------------------------------------


def test_cell_parsers_accept_the_documented_forms():
    assert parse_case_no("(2026)内0425执1001号") == "（2026）内0425执1001号"
    assert parse_case_no(" （2025）内0425执恢7号 ") == "（2025）内0425执恢7号"
    for text in ("2026-11-20", "2026/11/20", "2026年11月20日", "2026.11.20"):
        assert parse_date(text) == date(2026, 11, 20)
    assert parse_date(datetime(2026, 11, 20)) == date(2026, 11, 20)  # an Excel date cell
    assert parse_datetime("2026/11/20 9:30") == datetime(2026, 11, 20, 9, 30, tzinfo=TZ)
    assert parse_datetime("2026年11月20日 09:30:15") == datetime(2026, 11, 20, 9, 30, 15, tzinfo=TZ)
    assert parse_datetime("2026-11-20T01:30:00Z") == datetime(2026, 11, 20, 9, 30, tzinfo=TZ)
    assert parse_money("1,234.5") == Decimal("1234.50")
    assert parse_money(1234.57) == Decimal("1234.57")  # an Excel number cell
    for year in (2026, "2026", 2026.0):  # a year where the day was wanted is not the serial of a day of 1905
        with pytest.raises(ValueError, match="is a year, not a date"):
            parse_date(year)
    # a formula's result as Excel stores it (0.1+0.2, 1.1*3) is the amount Excel shows (15 digits)
    assert parse_money(0.1 + 0.2) == Decimal("0.30") and parse_money(1.1 * 3) == Decimal("3.30")
    assert parse_money(123456789012.34) == Decimal("123456789012.34")
    with pytest.raises(ValueError):  # a third decimal Excel shows is one
        parse_money(0.125)
    assert parse_money("12.5万") == parse_money("12.5 万元") == parse_money(12.5, unit=10_000) == Decimal("125000.00")
    assert parse_money("3,000元", unit=10_000) == Decimal("3000.00")  # the cell's own unit wins over its header's
    assert parse_money("1.5亿") == Decimal("150000000.00")
    assert parse_money("") is None


@pytest.mark.parametrize(
    ("parse", "text", "reason"),
    [
        (parse_case_no, "2026内0425执1号", "is not a 案号"),
        (parse_case_no, "（2026）内0425民1号", "is not a 案号"),
        (parse_date, "2026-02-30", "not a real calendar date"),
        (parse_date, "20.11.2026", "is not a date"),
        (parse_datetime, "2026-11-20 25:00", "no such time of day"),
        (parse_money, "-5", "is negative"),
        (parse_money, "10.005", "more than two decimals"),
        (parse_money, "abc", "is not an amount"),
        (parse_money, "1e30", "far too large"),  # an ID number or a typo, not a traceback
        (parse_money, "9" * 40, "far too large"),
    ],
)
def test_cell_parsers_reject_with_a_reason(parse, text, reason):
    with pytest.raises(CellError, match=reason):
        parse(text)


# -- whole files -----------------------------------------------------------------------------------------


def test_workbook_and_csv_folder_with_a_gbk_file_import_identically(tmp_path):
    data = sample()
    book = write_workbook(tmp_path / "export.xlsx", data, style="both")
    folder = write_csv_folder(tmp_path / "export", data, style="zh", gbk=("cases", "funds"), bom=("nodes",))
    assert (folder / "cases.csv").read_bytes().decode("gbk").startswith("案号")  # really GBK, not UTF-8
    with pytest.raises(UnicodeDecodeError):
        (folder / "cases.csv").read_bytes().decode("utf-8")
    first = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}", migrate=True)
    second = open_database(f"sqlite:///{tmp_path / 'b.sqlite3'}", migrate=True)
    try:
        run_import(first, book)
        run_import(second, folder)
        assert snapshot(first) == snapshot(second)
        assert len(snapshot(first)["cases"]) == 3
    finally:
        first.dispose()
        second.dispose()


def test_import_writes_every_sheet_then_reimport_is_a_no_op(db, tmp_path):
    book = write_workbook(tmp_path / "export.xlsx", sample())
    summary = run_import(db, book)
    assert {k: (v.read, v.inserted, v.updated, v.unchanged) for k, v in summary.sheets.items()} == {
        "cases": (3, 3, 0, 0),
        "nodes": (3, 3, 0, 0),
        "funds": (2, 2, 0, 0),
        "assets": (1, 1, 0, 0),
        "accounts": (1, 1, 0, 0),
        "leads": (1, 1, 0, 0),
        "suspensions": (1, 1, 0, 0),
    }
    assert summary.created_teams == ["普执一组", "简执一组"] and summary.created_officers == ["张承办", "王承办"]
    snap = snapshot(db)
    case_b = next(r for r in snap["cases"] if r.case_no == "（2025）内0425执恢7号")
    assert (
        case_b.case_type == "执恢"
        and case_b.amount_recovered == Decimal("1200.50")
        and case_b.closed_on == date(2026, 3, 1)
    )
    assert [(p.role, p.position, p.name, p.kind) for p in snap["parties"] if p.case_no == "（2026）内0425执101号"] == [
        ("applicant", 0, "王大伟", "person"),
        ("debtor", 0, "赤峰鑫源商贸有限公司", "org"),
        ("debtor", 1, "李强", "person"),
    ]
    account = snap["accounts"][0]
    assert account.expires_on == date(2027, 9, 5)  # frozen_on + 1 year by default
    n05 = next(n for n in snap["nodes"] if n.case_no == "（2026）内0425执102号")
    assert n05.due_override == datetime(2026, 7, 25, 18, 0, tzinfo=TZ)

    before, audit_before = snapshot(db), counts(db)["audit_log"]
    again = run_import(db, book)
    assert not again.changed and all(c.unchanged == c.read for c in again.sheets.values())
    assert snapshot(db) == before
    assert counts(db)["audit_log"] == audit_before + 1  # only the import's own summary entry


def test_a_changed_row_updates_and_is_audited(db, tmp_path):
    data = sample()
    run_import(db, write_workbook(tmp_path / "first.xlsx", data))
    data["funds"][0]["disbursed_at"] = "2026-11-10 10:00"
    data["cases"][0]["debtors"] = "赤峰鑫源商贸有限公司"
    data["cases"][2]["amount"] = "500.00"
    summary = run_import(db, write_workbook(tmp_path / "second.xlsx", data))
    assert (summary.sheets["funds"].updated, summary.sheets["funds"].unchanged) == (1, 1)
    assert (summary.sheets["cases"].updated, summary.sheets["cases"].unchanged) == (2, 1)
    assert summary.affected_cases == 2
    with db.engine.connect() as conn:
        fund = conn.execute(select(m.Fund.disbursed_at).where(m.Fund.fund_id == "F-1")).scalar_one()
        entries = conn.execute(
            select(m.AuditEntry.entity, m.AuditEntry.entity_id, m.AuditEntry.detail, m.AuditEntry.actor)
            .where(m.AuditEntry.action == "import.update")
            .order_by(m.AuditEntry.id)
        ).all()
        debtors = (
            conn.execute(
                select(m.Party.name)
                .join(m.Case, m.Case.id == m.Party.case_id)
                .where(m.Case.case_no == "（2026）内0425执101号", m.Party.role == "debtor")
            )
            .scalars()
            .all()
        )
    assert fund == datetime(2026, 11, 10, 10, 0, tzinfo=TZ)
    assert debtors == ["赤峰鑫源商贸有限公司"]
    by_entity = {(e.entity, e.entity_id): e.detail for e in entries}
    assert by_entity[("funds", "F-1")]["changes"] == {"disbursed_at": [None, "2026-11-10 10:00:00"]}
    assert by_entity[("cases", "（2026）内0425执101号")]["changes"] == {
        "debtors": [["赤峰鑫源商贸有限公司", "李强"], ["赤峰鑫源商贸有限公司"]]
    }
    assert by_entity[("cases", "（2026）内0425执102号")]["changes"] == {"amount": ["0.00", "500.00"]}
    assert all(e.actor == "import" for e in entries) and by_entity[("funds", "F-1")]["row"] == 2


def test_import_then_recompute_only_the_affected_cases(db, tmp_path, monkeypatch):
    seen = []

    def recompute(db, catalogue, calendar, now, *, cases):
        seen.append(cases)
        return SimpleNamespace(as_dict=lambda: {"opened": 0})

    monkeypatch.setattr(imports, "recompute", recompute)

    def run(path):
        return imports.import_and_recompute(db, CATALOGUE, CALENDAR, path, NOW)

    run(write_workbook(tmp_path / "a.xlsx", sample()))
    data = sample()
    data["leads"][0]["control_started_at"] = "2026-11-20 09:00"
    run(write_workbook(tmp_path / "b.xlsx", data))
    run(write_workbook(tmp_path / "b.xlsx", data))  # no change: no recompute
    with db.engine.connect() as conn:
        case_a = conn.execute(select(m.Case.id).where(m.Case.case_no == "（2026）内0425执101号")).scalar_one()
    assert len(seen) == 2 and len(seen[0]) == 3 and seen[1] == [case_a]


def test_dry_run_reports_and_writes_nothing(db, tmp_path):
    before = counts(db)
    summary = run_import(db, write_workbook(tmp_path / "a.xlsx", sample()), dry_run=True)
    assert summary.sheets["cases"].inserted == 3 and summary.created_officers == ["张承办", "王承办"]
    assert counts(db) == before
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    data = sample()
    data["assets"][0]["valuation"] = "90000.00"
    snap, before = snapshot(db), counts(db)
    summary = run_import(db, write_workbook(tmp_path / "b.xlsx", data), dry_run=True)
    assert summary.sheets["assets"].updated == 1
    assert snapshot(db) == snap and counts(db) == before


def bad_file() -> dict[str, list[dict]]:
    """One bad row in each sheet (and a good row beside it)."""
    data = sample()
    data["cases"].append({"case_no": "（2026）内0425执103号", "filed_on": "2026-02-30"})
    data["nodes"].append({"case_no": "（2026）内0425执101号", "node_code": "N99", "started_at": "2026-09-01"})
    data["funds"].append(
        {"fund_id": "F-3", "case_no": "（2026）内0425执101号", "amount": "12.345", "arrived_at": "2026-11-01"}
    )
    data["assets"].append(
        {"asset_id": "A-2", "case_no": "（2026）内0425执101号", "kind": "飞机", "seized_on": "2026-09-20"}
    )
    data["accounts"].append({"account_id": "B-1", "case_no": "（2026）内0425执101号", "frozen_on": "2026-09-05"})
    data["leads"].append({"lead_id": "L-2", "case_no": "（2026）内0425执999号", "reported_at": "2026-11-19 15:00"})
    data["suspensions"].append({"case_no": "（2026）内0425执102号", "from_date": "2026-10-10", "to_date": "2026-10-01"})
    return data


EXPECTED_PROBLEMS = [
    ("cases", 5, "filed_on", "not a real calendar date"),
    ("nodes", 5, "node_code", "is not a node of the catalogue"),
    ("funds", 4, "amount", "more than two decimals"),
    ("assets", 3, "kind", "not a known asset kind"),
    ("accounts", 3, "account_id", "duplicate key B-1 (also row 2)"),
    ("leads", 3, "case_no", "neither in the cases sheet nor in the database"),
    ("suspensions", 3, "to_date", "ends before it begins"),
]


def test_a_bad_row_in_each_sheet_lists_every_problem_and_changes_nothing(db, tmp_path):
    every_problem_named_and_nothing_written(db, tmp_path)


def every_problem_named_and_nothing_written(db, tmp_path) -> None:
    """A good case imported, then :func:`bad_file`: exactly :data:`EXPECTED_PROBLEMS`, and the
    database as it was (also run with chunks of one row, tests/test_import_chunks.py)."""
    run_import(db, write_workbook(tmp_path / "good.xlsx", {"cases": sample()["cases"][:1]}))
    before, snap = counts(db), snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "bad.xlsx", bad_file()))
    problems = [(p.sheet, p.row, p.column, p.reason) for p in rejected.value.problems]
    assert [p[:3] for p in problems] == [e[:3] for e in EXPECTED_PROBLEMS]
    for (*_, reason), (*_, expected) in zip(problems, EXPECTED_PROBLEMS, strict=True):
        assert expected in reason
    assert counts(db) == before and snapshot(db) == snap


def test_a_row_with_several_problems_reports_each_of_them(db, tmp_path):
    """A bad cell does not hide the row's other problems: its order and its case reference."""
    data = sample()
    data["funds"].append(
        {
            "fund_id": "F-3",
            "case_no": "（2026）内0425执999号",
            "amount": "-1",
            "arrived_at": "2026-11-02 10:00",
            "claimed_at": "2026-11-01 10:00",
        }
    )
    data["nodes"].append(
        {
            "case_no": "（2026）内0425执101号",
            "node_code": "N99",
            "started_at": "2026-09-02",
            "completed_at": "2026-09-01",
        }
    )
    before = counts(db)
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "bad.xlsx", data))
    assert sorted((p.sheet, p.row, p.column) for p in rejected.value.problems) == [
        ("funds", 4, "amount"),
        ("funds", 4, "case_no"),
        ("funds", 4, "claimed_at"),
        ("nodes", 5, "completed_at"),
        ("nodes", 5, "node_code"),
    ]
    assert counts(db) == before


def test_an_interrupt_while_writing_leaves_the_database_as_it_was(db, tmp_path):
    """Ctrl-C in the middle of the writes (here: when the nodes' progress advances) rolls back."""
    run_import(db, write_workbook(tmp_path / "a.xlsx", {"cases": sample()["cases"][:1]}))
    before, snap = counts(db), snapshot(db)

    class Interrupting:
        phase_name = ""
        advances = 0

        def phase(self, name: str, total: int) -> None:
            self.phase_name = name

        def advance(self, count: int) -> None:  # once per sheet read: the second is the nodes', the cases written
            self.advances += 1
            if self.phase_name == "import" and self.advances == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(db, write_workbook(tmp_path / "b.xlsx", sample()), progress=Interrupting())
    assert counts(db) == before and snapshot(db) == snap


def test_problems_found_against_the_database_also_leave_it_unchanged(db, tmp_path):
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    before, snap = counts(db), snapshot(db)
    # the fund's arrival is not in this file: its disbursement is checked against the stored one
    late = {
        "cases": [],
        "funds": [
            {
                "fund_id": "F-1",
                "case_no": "（2026）内0425执101号",
                "amount": "30000.00",
                "arrived_at": "2026-11-02 10:15",
                "disbursed_at": "2026-11-01 10:00",
            }
        ],
        "leads": [{"lead_id": "L-9", "case_no": "（2026）内0425执101号", "reported_at": "2026-11-19 15:00"}],
    }
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "b.xlsx", {k: v for k, v in late.items() if v}))
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("funds", 2, "disbursed_at")]
    assert counts(db) == before and snapshot(db) == snap


def test_missing_required_column_and_undecodable_csv_are_named(tmp_path, db):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text("案号,标的额\n（2026）内0425执1号,100\n", encoding="utf-8")
    (folder / "funds.csv").write_bytes(b"fund_id,case_no\n\xff\xfe\xfa,x\n")
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, folder)
    shown = [str(p) for p in rejected.value.problems]
    assert any(
        p.startswith("cases.csv (cases) row 1 column filed_on: required column missing (a header 立案日期 or filed_on")
        for p in shown
    )
    assert (
        "funds.csv row 2 column fund_id: neither UTF-8 nor GBK text: column 1 (fund_id) has the bytes ff fe fa; "
        "save it as CSV UTF-8 or CSV (GBK)"
    ) in shown


def test_the_template_imports_as_it_is(db, tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    book = load_workbook(path)
    assert book.sheetnames == [s.name for s in SHEETS]
    assert [c.value for c in book["cases"][1]][:2] == ["案号* (case_no)", "立案日期* (filed_on)"]
    summary = run_import(db, path)
    assert all(c.inserted == 1 for c in summary.sheets.values())


def _cli(*args, db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "command_center", "--db", db_url, "--now", "2026-11-20T10:00", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_import_lists_problems_and_exits_non_zero(db_url, tmp_path):
    bad = write_workbook(tmp_path / "bad.xlsx", bad_file())
    result = _cli("import", str(bad), db_url=db_url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "cases 表 第 5 行 立案日期 (filed_on): “2026-02-30” 不是真实存在的日期"
    assert lines[-1].endswith("7 处问题, 未导入任何数据 (数据库保持不变)")
    assert "Traceback" not in result.stderr
    good = write_workbook(tmp_path / "good.xlsx", sample())
    result = _cli("import", str(good), "--json", db_url=db_url)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["sheets"]["cases"] == {
        "read": 3,
        "inserted": 3,
        "updated": 0,
        "unchanged": 0,
        "ignored_columns": [{"header": "备注 (ignored)", "did_you_mean": None}],  # the sample's column of notes
        "skipped_rows": [],
        "units": [],
    }
    assert summary["recompute"]["opened"] > 0  # the affected cases were recomputed
    result = _cli("--lang", "en", "import", str(good), db_url=db_url)
    assert "nothing changed: the database already matches the file" in result.stdout


def test_cli_export_template_refuses_to_overwrite(tmp_path, sqlite_url):
    path = tmp_path / "t.xlsx"
    assert _cli("export-template", str(path), db_url=sqlite_url).returncode == 0
    again = _cli("export-template", str(path), db_url=sqlite_url)
    assert again.returncode == 1 and "--force" in again.stderr


def test_a_problem_found_against_stored_values_is_reported_with_the_others(db, tmp_path):
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    case_a = sample()["cases"][0]["case_no"]
    data = {
        # N05 of case a started 2026-09-01 09:00 (stored; this sheet has no started_at column)
        "nodes": [{"case_no": case_a, "node_code": "N05", "completed_at": "2026-08-01 10:00"}],
        "leads": [
            {
                "lead_id": "L-1",
                "case_no": case_a,
                "reported_at": "2026-11-19 15:00",
                "control_started_at": "2026-11-18 09:00",
            }
        ],
    }
    before, snap = counts(db), snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "b.xlsx", data, extra_column=False))
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [
        ("nodes", 2, "completed_at"),
        ("leads", 2, "control_started_at"),
    ]
    assert "is completed before it started (2026-09-01 09:00:00)" in rejected.value.problems[0].reason
    assert counts(db) == before and snapshot(db) == snap


def test_a_later_date_before_the_one_it_follows_is_refused(db, tmp_path):
    """An extension to a day before the filing, a seal that expires before the seizure, a
    freeze renewed until a day before it began: each a named problem, nothing written, and
    said in Chinese as the later date before the earlier one."""
    d = sample()
    d["cases"][0]["term_extended_to"] = "2026-01-01"
    d["assets"][0]["seal_expires_on"] = "2000-01-01"
    d["accounts"][0]["renewed_until"] = "2000-01-01"
    before, snap = counts(db), snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "b.xlsx", d, extra_column=False))
    assert [(p.sheet, p.row, p.column, p.reason.key) for p in rejected.value.problems] == [
        ("cases", 2, "term_extended_to", "out_of_order"),
        ("assets", 2, "seal_expires_on", "out_of_order"),
        ("accounts", 2, "renewed_until", "out_of_order"),
    ]
    assert counts(db) == before and snapshot(db) == snap
    result = _cli("import", str(tmp_path / "b.xlsx"), db_url=db.engine.url.render_as_string(hide_password=False))
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first.endswith(f"延长期限至早于立案日期: 2026-01-01 早于 {d['cases'][0]['filed_on']}"), first


def test_a_filing_date_outside_the_year_of_its_case_number_is_refused(db, tmp_path):
    """A case is numbered in the year it is filed: （2025）… filed 2026-03-02, or （2026）… filed
    in 2022 (a workbook's serial read in the wrong epoch, a typo), is a problem on its 立案日期;
    收案 in the last days of December before is not."""
    d = sample()
    d["cases"][0]["filed_on"] = "2022-03-01"
    d["cases"][2]["filed_on"] = "2025-12-29"  # （2026）内0425执102号, received the December before
    before, snap = counts(db), snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "b.xlsx", d, extra_column=False))
    problems = [(p.sheet, p.row, p.column, p.reason.key) for p in rejected.value.problems]
    assert problems == [("cases", 2, "filed_on", "filed_outside_year")], problems
    assert "2022-03-01 is not in 2026, the year of the 案号" in rejected.value.problems[0].reason
    assert counts(db) == before and snapshot(db) == snap


def test_an_import_whose_recompute_fails_says_it_was_imported(db_url, tmp_path, monkeypatch):
    """The import committed, then its recompute failed (the connection lost, the disk full): the
    command says both and exits 1, not 'cannot use the database' alone (after which a re-run says
    'nothing changed', the cases still waiting for their recompute)."""
    from click.testing import CliRunner
    from sqlalchemy.exc import OperationalError

    from command_center.cli import cli
    from command_center.jobs import imports

    def lost(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("terminating connection due to administrator command"))

    monkeypatch.setattr(imports, "recompute", lost)
    path = write_workbook(tmp_path / "a.xlsx", sample())
    result = CliRunner().invoke(
        cli, ["--db", db_url, "--now", "2026-11-20T10:00", "import", str(path)], env={}, catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "已导入, 但重算失败 (cannot use the database" in result.output
    assert "terminating connection due to administrator command" in result.output
    assert "调度器下次运行时 (或 command-center recompute) 会重算这些案件" in result.output
    db = open_database(db_url)
    try:
        assert counts(db)["cases"] == 3  # imported
    finally:
        db.engine.dispose()
