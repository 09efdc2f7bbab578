"""Real exports (DOMAIN §8, §11): a court's sheet names, headers, 案件类型 in words, dates as
Excel serials or text with a time, a title above the headers, trailing empty rows, a GBK csv,
and a court's own words named once in a mapping file.  Each imports to exactly what the same
data in template form gives: the stored rows, the alerts and the indicators."""

from __future__ import annotations

import copy
import csv
import io
import subprocess
import sys
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from command_center.data import models as m
from command_center.data.engine import Database, open_database
from command_center.data.importer import ImportRejected, import_file
from command_center.data.indicators import indicators
from command_center.data.interchange import (
    SHEETS,
    header_unit,
    parse_date,
    parse_datetime,
    parse_due,
    parse_id_numbers,
    parse_money,
    parse_names,
    parse_phones,
    parse_text,
)
from command_center.data.mapping import MappingError, load_mapping
from command_center.data.rules import Rules
from command_center.jobs.imports import import_and_recompute
from tests.builders import CALENDAR, CATALOGUE
from tests.conftest import NOW, _pg_url
from tests.interchange_files import sample, write_workbook

SHEET = {s.name: s for s in SHEETS}
WORDS = {"执": "首次执行", "执恢": "恢复执行", "执保": "财产保全执行", "执异": "执行异议"}


def data() -> dict[str, list[dict]]:
    """The sample of the other import tests, with a type for every case, parties' ID numbers and
    phones, and a preservation and an objection case."""
    d = sample()
    a, b, c = (row["case_no"] for row in d["cases"])
    d["cases"][0] |= {
        "case_type": "执",
        "applicant_ids": "150425198001011234",
        "applicant_phones": "13800000001",
        "debtor_ids": "91150425MA0N00000X；150425199001011235",
    }
    d["cases"][1] |= {"case_type": "执恢"}
    d["cases"][2] |= {"case_type": "执", "debtor_ids": "150425197001011236"}
    d["cases"] += [
        {"case_no": "（2026）内0425执保3号", "case_type": "执保", "filed_on": "2026-10-10", "amount": "50000",
         "applicants": "孙丽；钱军", "debtors": "赤峰某建材有限公司", "applicant_phones": "0476-5123456；",
         "team": "普执一组", "officer": "张承办"},
        {"case_no": "（2026）内0425执异4号", "case_type": "执异", "filed_on": "2026-11-02",
         "applicants": "郑华", "debtors": "王大伟", "team": "普执一组", "officer": "张承办"},
    ]  # fmt: skip
    d["accounts"].append(
        {"account_id": "B-2", "case_no": "（2026）内0425执保3号", "bank": "中国银行", "frozen_on": "2026-10-11"}
    )
    d["assets"][0]["kind"] = "车辆"
    return d


# -- the exports -------------------------------------------------------------------------------------------


def _rows(sheet: str, rows: list[dict], headers: dict[str, str], convert) -> list[list]:
    """Header row and body, the columns in ``headers`` order (the court's header for each)."""
    columns = [c for c in headers if any(c in r for r in rows)] + [
        c.name for c in SHEET[sheet].columns if c.required and c.name not in headers
    ]
    return [[headers.get(c, SHEET[sheet].column(c).zh) for c in columns]] + [
        [convert(sheet, c, r.get(c)) for c in columns] for r in rows
    ]


#: export A: the words real exports use out of the box (DOMAIN §11), no mapping file
HEADERS_A = {
    "cases": {
        "case_no": "执行案号", "filed_on": "收案日期", "case_type": "案件类型", "court": "经办法院",
        "amount": "执行标的金额", "amount_recovered": "执行到位金额", "applicants": "申请执行人",
        "debtors": "被执行人", "applicant_ids": "申请执行人证件号码", "debtor_ids": "被执行人身份证号码",
        "applicant_phones": "申请执行人联系电话", "team": "承办部门", "officer": "承办法官",
        "track": "分流类型", "closed_on": "结案时间", "closing_mode": "结案方式",
        "term_extended_to": "执行期限延长至",
    },
    "nodes": {"case_no": "执行案号", "node_code": "节点编号", "started_at": "开始时间", "completed_at": "完成时间",
              "due_at": "期限届满时间"},
    "funds": {"fund_id": "款项编号", "case_no": "执行案号", "amount": "到账金额", "arrived_at": "到账日期",
              "claimed_at": "认领时间", "disbursed_at": "发放时间"},
    "assets": {"asset_id": "财产编号", "case_no": "执行案号", "kind": "财产类别", "seized_on": "查封日期",
               "location": "存放地点", "valuation": "评估价"},
    "accounts": {"account_id": "账户编号", "case_no": "执行案号", "bank": "开户银行", "account_no": "银行账号",
                 "frozen_on": "冻结时间"},
    "leads": {"lead_id": "线索编号", "case_no": "执行案号", "reported_at": "线索提供时间"},
    "suspensions": {"case_no": "执行案号", "from_date": "中止日期", "to_date": "恢复日期"},
}  # fmt: skip
FILES_A = {
    "cases": "执行案件",
    "nodes": "流程节点",
    "funds": "案款明细",
    "assets": "查封扣押财产",
    "accounts": "冻结信息",
    "leads": "财产线索",
    "suspensions": "中止记录",
}


def _as_exported_text(sheet: str, column: str, value):
    """As a case system writes text: 案件类型 in words, every date with 00:00:00, 机动车 for 车辆."""
    if value is None:
        return None
    if column == "case_type":
        return WORDS[value]
    if column == "kind" and value == "车辆":
        return "机动车"
    if isinstance(value, str) and SHEET[sheet].column(column).parse is parse_date:
        return f"{parse_date(value):%Y-%m-%d} 00:00:00"
    return value


def write_export_a(folder: Path, d: dict) -> Path:
    """A csv folder: the sheets under the export's own file names, a title row above the
    headers, trailing empty lines, and the funds in GBK."""
    folder.mkdir()
    for sheet, rows in d.items():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if sheet == "cases":
            writer.writerow(["执行案件信息表", "导出时间: 2026-12-01"])
        writer.writerows(_rows(sheet, rows, HEADERS_A[sheet], _as_exported_text))
        writer.writerows([[""] * 3, [" ", ""]])
        encoding = "gbk" if sheet == "funds" else "utf-8-sig"
        (folder / f"{FILES_A[sheet]}.csv").write_bytes(out.getvalue().encode(encoding))
    return folder


#: export B: a court whose system writes its own words, named in its mapping file
MAPPING_B = """
[sheets]
cases = "收结案登记"
nodes = "节点登记"
funds = ["到账台账", "到账登记"]
assets = "扣押物品"
accounts = "冻结登记"
leads = "线索登记"
suspensions = "中止登记"

[columns.cases]
case_no = "案件字号"
filed_on = ["受理日期", "立案时间"]
case_type = "案件性质"
amount = "申请标的"
amount_recovered = "已到位"
applicants = "申请方"
debtors = "被申请方"
applicant_ids = "申请方证件"
debtor_ids = "被申请方证件"
applicant_phones = "申请方手机"
team = "承办组"
officer = "承办干警"
closing_mode = "结案类型"

[columns.funds]
fund_id = "票据号"
case_no = "案件字号"
amount = "金额(元)"

[columns.nodes]
case_no = "案件字号"
[columns.assets]
case_no = "案件字号"
kind = "物品类型"
[columns.accounts]
case_no = "案件字号"
[columns.leads]
case_no = "案件字号"
[columns.suspensions]
case_no = "案件字号"

[values.case_type]
"执行实施" = "执"
"执行恢复" = "执恢"
"保全案件" = "执保"
"异议案件" = "执异"

[values.closing_mode]
"终本结案" = "终结本次执行程序"

[values.kind]
"交通工具" = "车辆"
"""
COURT_B_WORDS = {"执": "执行实施", "执恢": "执行恢复", "执保": "保全案件", "执异": "异议案件"}


def _headers_b(mapping) -> dict[str, dict[str, str]]:
    return {
        sheet.name: {c.name: mapping.columns.get((sheet.name, c.name), (c.zh,))[0] for c in sheet.columns}
        for sheet in SHEETS
    }


def _as_court_b_cell(sheet: str, column: str, value):
    """As an .xlsx export holds values: dates as Excel serial numbers (the format lost), times
    as date cells, the court's words."""
    if value is None:
        return None
    parse = SHEET[sheet].column(column).parse
    if column == "case_type":
        return COURT_B_WORDS[value]
    if column == "closing_mode" and value == "终结本次执行程序":
        return "终本结案"
    if column == "kind" and value == "车辆":
        return "交通工具"
    if parse is parse_date:
        return (parse_date(value) - date(1899, 12, 30)).days
    if parse is parse_datetime:
        return parse_datetime(value).replace(tzinfo=None)
    return value


def write_export_b(path: Path, d: dict, mapping) -> Path:
    book = Workbook()
    book.remove(book.active)
    headers = _headers_b(mapping)
    for sheet, rows in d.items():
        ws = book.create_sheet(mapping.sheets[sheet][-1])
        ws.append(["克什克腾旗人民法院 " + mapping.sheets[sheet][-1]])
        for row in _rows(sheet, rows, headers[sheet], _as_court_b_cell):
            ws.append(row)
        ws.append([" "])  # trailing rows that only look empty
        ws.append([None, ""])
    book.save(path)
    return path


# -- what an import gives -------------------------------------------------------------------------------------


def stored(db: Database) -> dict[str, list]:
    c = m.Case.__table__
    out = {}
    with db.engine.connect() as conn:
        out["cases"] = conn.execute(
            select(
                c.c.case_no, c.c.case_type, c.c.filed_on, c.c.amount, c.c.amount_recovered, m.Team.name,
                m.Officer.name, c.c.track, c.c.closed_on, c.c.closing_mode, c.c.term_extended_to,
            )
            .outerjoin(m.Team, m.Team.id == c.c.team_id)
            .outerjoin(m.Officer, m.Officer.id == c.c.officer_id)
            .order_by(c.c.case_no)
        ).all()  # fmt: skip
        for name, model, columns in (
            ("parties", m.Party, ("role", "position", "name", "kind", "id_number", "phone")),
            ("nodes", m.NodeInstance, ("node_code", "subject_id", "started_at", "completed_at", "due_at", "source")),
            ("funds", m.Fund, ("fund_id", "amount", "arrived_at", "claimed_at", "disbursed_at")),
            ("assets", m.SeizedAsset, ("asset_id", "kind", "seized_on", "location", "valuation")),
            ("accounts", m.FrozenAccount, ("account_id", "bank", "account_no", "frozen_on", "expires_on")),
            ("leads", m.Lead, ("lead_id", "reported_at", "control_started_at")),
            ("suspensions", m.Suspension, ("from_date", "to_date")),
            ("alerts", m.Alert, ("node_code", "subject_id", "rule", "status")),
        ):
            t = model.__table__
            query = select(c.c.case_no, *(t.c[x] for x in columns)).join(c, c.c.id == t.c.case_id)
            out[name] = sorted(conn.execute(query).all(), key=repr)
    return out


def figures(db: Database) -> dict:
    return asdict(indicators(db, Rules.at(NOW, CATALOGUE, CALENDAR)))


@pytest.fixture
def second_db(db_url: str, request: pytest.FixtureRequest, tmp_path: Path):
    """Another fresh database on the same backend as ``db``."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'second.sqlite3'}"
        database = open_database(url, create=True, migrate=True)
        yield database
        database.dispose()
        return
    copies = request.getfixturevalue("pg_copies")
    name = copies.take()
    database = open_database(_pg_url(name), migrate=True)
    yield database
    database.dispose()
    copies.drop(name)


def test_an_export_in_its_own_words_gives_what_the_template_gives(db, second_db, tmp_path):
    d = data()
    template = write_workbook(tmp_path / "template.xlsx", copy.deepcopy(d))
    import_and_recompute(db, CATALOGUE, CALENDAR, template, NOW)
    expected_rows, expected_figures = stored(db), figures(db)
    assert [row.case_type for row in expected_rows["cases"]] == ["执恢", "执", "执", "执保", "执异"]
    assert ("（2026）内0425执101号", "debtor", 0, "赤峰鑫源商贸有限公司", "org", "91150425MA0N00000X", None) in (
        expected_rows["parties"]
    )
    assert expected_rows["alerts"] and expected_figures["overdue_nodes"] > 0  # the comparison compares something

    export = write_export_a(tmp_path / "export", d)
    summary = import_and_recompute(second_db, CATALOGUE, CALENDAR, export, NOW)
    assert summary.rows == sum(len(rows) for rows in d.values())  # every row, no title, no trailing empty row
    assert stored(second_db) == expected_rows
    assert figures(second_db) == expected_figures

    again = import_file(second_db, CATALOGUE, template, NOW)  # and the template finds nothing to change
    assert not again.changed and all(c.unchanged == c.read for c in again.sheets.values())


def test_a_court_export_with_its_mapping_file_gives_what_the_template_gives(db, second_db, tmp_path):
    d = data()
    template = write_workbook(tmp_path / "template.xlsx", copy.deepcopy(d))
    import_and_recompute(db, CATALOGUE, CALENDAR, template, NOW)

    (tmp_path / "court.toml").write_text(MAPPING_B, encoding="utf-8")
    mapping = load_mapping(tmp_path / "court.toml")
    export = write_export_b(tmp_path / "收结案.xlsx", d, mapping)
    with pytest.raises(ImportRejected):  # without its mapping, the court's words are not known
        import_file(second_db, CATALOGUE, export, NOW)
    summary = import_and_recompute(second_db, CATALOGUE, CALENDAR, export, NOW, mapping=mapping)
    assert summary.rows == sum(len(rows) for rows in d.values())
    assert stored(second_db) == stored(db)
    assert figures(second_db) == figures(db)


# -- the cells of real exports ---------------------------------------------------------------------------------


def test_dates_as_excel_serials_numbers_and_text_with_a_time():
    assert parse_date(46083) == parse_date("46083") == parse_date("20260302") == date(2026, 3, 2)
    assert parse_date("2026-03-02 00:00:00") == parse_date("2026/3/2 16:45") == date(2026, 3, 2)
    assert parse_date(datetime(2026, 3, 2, 16, 45)) == date(2026, 3, 2)  # 立案时间 in a date column: its day
    assert parse_datetime(46083.5).isoformat() == "2026-03-02T12:00:00+08:00"
    assert parse_datetime("46083").isoformat() == "2026-03-02T00:00:00+08:00"
    for bad in ("0", "20261302", "3000000"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_a_due_date_without_a_time_runs_to_the_end_of_its_day(db, tmp_path):
    """期限 ``2026-11-20`` (or ``2026-11-20 00:00:00``, as case systems write a date field, or a
    date cell) is the end of that day, as the product's own date-based due dates are: the node
    is due, not overdue, on the morning of its last day; a time of day is that instant."""
    end = "2026-11-20T23:59:59.999999+08:00"
    for cell in ("2026-11-20", "2026-11-20 00:00:00", "2026年11月20日", datetime(2026, 11, 20), 46346, "46346"):
        assert parse_due(cell).isoformat() == end, cell
    assert parse_due("2026-11-20 18:00").isoformat() == "2026-11-20T18:00:00+08:00"
    assert parse_due(None) is None
    path = write_workbook(
        tmp_path / "due.xlsx",
        {
            "cases": [{"case_no": ONE[0], "filed_on": "2026-11-02"}],
            "nodes": [
                {"case_no": ONE[0], "node_code": "N05", "started_at": "2026-11-03 09:00", "due_at": "2026-11-20"},
                {"case_no": ONE[0], "node_code": "N06", "started_at": "2026-11-03 09:00", "due_at": "2026-11-19"},
            ],
        },
    )
    import_and_recompute(db, CATALOGUE, CALENDAR, path, NOW)  # NOW: 2026-11-20 10:00
    a = m.Alert.__table__
    with db.engine.connect() as conn:
        opened = conn.execute(select(a.c.node_code, a.c.rule).where(a.c.status == "open")).all()
    assert ("N06", "overdue") in opened  # its last day was yesterday
    assert not [code for code, rule in opened if code == "N05" and rule == "overdue"]


def test_dates_amounts_and_placeholders_as_chinese_systems_write_them():
    """Full-width digits, the time in words (09时05分), the time right after 日, a currency named
    before the amount: the same values as the ASCII forms.  A dash or 无 is the empty cell it
    stands for, in every kind of column, never a name, a date or an amount."""
    at = datetime(2026, 3, 2, 9, 5, tzinfo=parse_datetime("2026-03-02 09:05").tzinfo)
    for text in (
        "2026年03月02日09时05分",
        "2026年3月2日 9时5分",
        "2026年3月2日09:05",
        "２０２６－０３－０２ ０９：０５",
        "2026-03-02 09点05分",
    ):
        assert parse_datetime(text) == at, text
        assert parse_date(text) == date(2026, 3, 2), text
    assert parse_datetime("2026-03-02 09时05分30秒") == at.replace(second=30)
    assert parse_datetime("2026年3月2日9时") == at.replace(minute=0)
    assert parse_date("２０２６０３０２") == parse_date("２０２６年３月２日") == date(2026, 3, 2)
    for text in ("１２３４．５", "￥１，２３４．５０", "人民币1234.5元", "RMB 1,234.50", "cny1234.5"):
        assert parse_money(text) == Decimal("1234.50"), text
    for empty in ("—", "-", "——", "/", "无", "暂无", "N/A", "NULL", " — "):
        assert parse_text(empty) is None and parse_money(empty) is None and parse_datetime(empty) is None, empty
        assert parse_names(empty) is None and parse_date(empty) is None, empty
    for bad in ("2026年3月32日9时", "2026-03-02 25时", "3/2/2026", "壹万元", "1234.5美元"):
        with pytest.raises(ValueError):
            parse_datetime(bad) if "元" not in bad else parse_money(bad)
    assert parse_text("无锡某公司") == "无锡某公司" and parse_text("-1") == "-1"  # only a whole cell is empty


def test_amounts_in_the_unit_their_header_or_cell_names(db, tmp_path):
    """Statistics exports give 标的 in 万元 (``执行标的（万元）``): a bare 12.5 there is 125,000.00
    yuan, not 12.50; a cell that names its own unit (``8万``, ``3,000元``) is read in it."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "案号,立案日期,执行标的（万元）,执行到位金额(元)\n"
        "（2026）内0425执1号,2026-01-05,12.5,3000\n"
        "（2026）内0425执2号,2026-01-05,8万,\n"
        '（2026）内0425执3号,2026-01-05,"3,000元",0.2万\n',
        encoding="utf-8",
    )
    (folder / "案款明细.csv").write_text(
        "款项编号,案号,到账金额（万元）,到账时间\nK1,（2026）内0425执1号,0.25,2026-11-02\n", encoding="utf-8"
    )
    import_file(db, CATALOGUE, folder, NOW)
    with db.engine.connect() as conn:
        cases = conn.execute(select(m.Case.case_no, m.Case.amount, m.Case.amount_recovered).order_by(m.Case.id)).all()
        funds = conn.execute(select(m.Fund.amount)).scalars().all()
    assert [tuple(c[1:]) for c in cases] == [
        (Decimal("125000.00"), Decimal("3000.00")),
        (Decimal("80000.00"), Decimal("0.00")),
        (Decimal("3000.00"), Decimal("2000.00")),
    ]
    assert funds == [Decimal("2500.00")]
    (folder / "cases.csv").write_text(
        "案号,立案日期,执行标的（万元）\n（2026）内0425执1号,2026-01-05,1.2345678\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as rejected:  # a fraction of a fen in 万元 is refused, not rounded
        import_file(db, CATALOGUE, folder, NOW)
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("cases", 2, "amount")]
    assert "more than two decimals" in rejected.value.problems[0].reason


def test_a_header_names_its_unit_as_statistics_exports_write_it():
    """（万元）, （单位：万元）, (人民币万元), (RMB万元): one unit, read by the column; a header that names
    none, or names no money unit, is read in yuan."""
    for header in (
        "执行标的（万元）",
        "执行标的（单位：万元）",
        "执行标的(人民币万元)",
        "执行标的 (RMB万元)",
        "标的(万)",
    ):
        assert header_unit(header) == 10_000, header
    assert header_unit("标的（金额单位：千元）") == 1_000
    assert header_unit("执行标的（元）") == 1
    for header in ("执行标的", "案号 (case_no)", "执行标的（件）", "单位：万元"):
        assert header_unit(header) is None, header


def _cli_import(db: Database, path: Path) -> subprocess.CompletedProcess:
    """``command-center import PATH`` in a process of its own, on ``db`` (zh)."""
    url = db.engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "command_center", "--db", url, "import", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_headers_that_stand_for_no_column_are_said_with_the_column_they_may_be(db, tmp_path):
    """A court's header the import does not know is not read: the summary names it (with the
    column it may be), so a column the court meant is mapped instead of silently missing."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "执行案号,收案日期,被执行人姓名,被执行人名字,备注\n（2026）内0425执1号,2026-01-05,张三,张三,x\n",
        encoding="utf-8",
    )
    summary = import_file(db, CATALOGUE, folder, NOW)
    assert summary.sheets["cases"].ignored_columns == [("被执行人名字", None), ("备注", None)]  # 被执行人 is there
    (folder / "cases.csv").write_text(
        "执行案号,收案日期,被执行人名字,备注\n（2026）内0425执1号,2026-01-05,张三,x\n", encoding="utf-8"
    )
    summary = import_file(db, CATALOGUE, folder, NOW)
    assert summary.sheets["cases"].ignored_columns == [("被执行人名字", "debtors"), ("备注", None)]
    assert summary.as_json()["sheets"]["cases"]["ignored_columns"][0] == {
        "header": "被执行人名字",
        "did_you_mean": "debtors",
    }
    done = _cli_import(db, folder)
    line = "  cases 表未导入的列 (不是可识别的表头, 可在导入映射文件中映射): "
    assert line + "被执行人名字 (是否应为 被执行人 (debtors)?)、备注" in done.stdout.splitlines()


def test_a_csv_cell_written_as_excel_text_is_its_text(db, tmp_path):
    """``="150425199001011235"``: how exports keep an ID number (or a 案号) as text when Excel
    opens the csv file; the cell is the text inside."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "案号,立案日期,被执行人,被执行人证件号码\n"
        '"=""（2026）内0425执1号""",2026-01-05,张三,"=""150425199001011235"""\n'
        '（2026）内0425执2号,2026-01-06,李四,="150425199001011243"\n',
        encoding="utf-8",
    )
    import_file(db, CATALOGUE, folder, NOW)
    assert [p[4:] for p in _parties(db)] == [("张三", "150425199001011235"), ("李四", "150425199001011243")]


def test_a_list_of_parties_cut_short_to_a_count_is_refused():
    """张三、李四等5人: the export counted the parties instead of naming them; one party named
    '李四等5人' would be wrong on every screen and in every related-case bundle."""
    for cell in ("张三、李四等5人", "王五等3人", "赵六 等 十二 人", "某某公司等２家"):
        with pytest.raises(ValueError, match="counts the parties instead of naming them"):
            parse_names(cell)
    assert parse_names("张等人") == ("张等人",)  # a name, not a count


def test_names_separated_as_case_systems_export_them():
    """Parties typed one per line in the cell (Alt+Enter) or listed with 、 are several parties,
    not one name holding a line break; their numbers follow them the same way."""
    assert parse_names("张三；李四") == parse_names("张三、李四") == parse_names("张三\n李四") == ("张三", "李四")
    assert parse_names("张三，李四") == ("张三", "李四") and parse_names("Foo, Inc.") == ("Foo, Inc.",)
    assert parse_names("赤峰鑫源商贸有限公司\r\n张三;李四") == ("赤峰鑫源商贸有限公司", "张三", "李四")
    assert parse_id_numbers("150425198001011234\r\n；91150425ma0n00000x") == (
        "150425198001011234",
        None,
        "91150425MA0N00000X",
    )
    assert parse_id_numbers("150425198001011234、91150425ma0n00000x") == ("150425198001011234", "91150425MA0N00000X")


def test_id_numbers_and_phones_keep_their_positions():
    assert parse_id_numbers("150425198001011234；91150425ma0n00000x") == ("150425198001011234", "91150425MA0N00000X")
    assert parse_id_numbers("；150425198001011234") == (None, "150425198001011234")
    assert parse_phones("0476-5123456；138 0000 0001") == ("0476-5123456", "13800000001")
    with pytest.raises(ValueError, match="second ID number"):
        parse_id_numbers("150425198001011234；15042519800101123?")
    with pytest.raises(ValueError, match="not a phone number"):
        parse_phones("打电话")


def test_a_count_of_ids_that_does_not_match_the_names_is_named(db, tmp_path):
    d = data()
    d["cases"][0]["debtor_ids"] = "150425199001011235"  # two debtors, one number
    d["cases"][2]["applicant_phones"] = "13800000002；13800000003"  # one applicant, two phones
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, write_workbook(tmp_path / "x.xlsx", d), NOW)
    assert [str(p) for p in rejected.value.problems] == [
        "cases row 2 column debtor_ids: 1 ID numbers for 2 debtors (one per name, in the same order, "
        "separated by ； as the names are; leave an entry empty for a name without one)",
        "cases row 4 column applicant_phones: 2 phones for 1 applicants (one per name, in the same order, "
        "separated by ； as the names are; leave an entry empty for a name without one)",
    ]


def test_ids_given_without_their_names_column_is_one_problem(db, tmp_path):
    d = {"cases": [{"case_no": "（2026）内0425执1号", "filed_on": "2026-01-05", "debtor_ids": "150425199001011235"}]}
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, write_workbook(tmp_path / "x.xlsx", d), NOW)
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("cases", 1, "debtor_ids")]


def test_a_reimport_without_the_ids_column_keeps_the_stored_numbers(db, tmp_path):
    d = data()
    import_file(db, CATALOGUE, write_workbook(tmp_path / "a.xlsx", d), NOW)
    names_only = {
        "cases": [{k: v for k, v in row.items() if not k.endswith(("_ids", "_phones"))} for row in d["cases"]]
    }
    names_only["cases"][0]["debtors"] = "李强；赤峰鑫源商贸有限公司"  # the same debtors, in another order
    summary = import_file(db, CATALOGUE, write_workbook(tmp_path / "b.xlsx", names_only), NOW)
    assert summary.sheets["cases"].updated == 1
    with db.engine.connect() as conn:
        debtors = conn.execute(
            select(m.Party.name, m.Party.id_number)
            .join(m.Case, m.Case.id == m.Party.case_id)
            .where(m.Case.case_no == "（2026）内0425执101号", m.Party.role == "debtor")
            .order_by(m.Party.position)
        ).all()
    assert debtors == [("李强", "150425199001011235"), ("赤峰鑫源商贸有限公司", "91150425MA0N00000X")]

    d["cases"][0]["applicant_phones"] = "13900000009"  # a changed phone: the audit log records it masked
    import_file(db, CATALOGUE, write_workbook(tmp_path / "c.xlsx", d), NOW)
    with db.engine.connect() as conn:
        details = conn.execute(select(m.AuditEntry.detail).where(m.AuditEntry.action == "import.update")).scalars()
        logged = [d["changes"]["applicant_phones"] for d in details if "applicant_phones" in d["changes"]]
    assert logged == [[["138****0001"], ["139****0009"]]]


def test_a_case_type_word_that_disagrees_with_the_case_number_is_named(db, tmp_path):
    d = {"cases": [{"case_no": "（2026）内0425执1号", "filed_on": "2026-01-05", "case_type": "恢复执行"}]}
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, write_workbook(tmp_path / "x.xlsx", d), NOW)
    assert [str(p) for p in rejected.value.problems] == [
        "cases row 2 column case_type: 执恢 does not match the 案号's type word 执"
    ]
    d["cases"][0]["case_type"] = "执行案件"  # a word of its own, in no mapping
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, write_workbook(tmp_path / "y.xlsx", d), NOW)
    (problem,) = rejected.value.problems
    assert "'执行案件' is not a known case type" in problem.reason and "[values.case_type]" in problem.reason


def test_a_missing_required_column_is_one_problem_not_one_per_row(db, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text("案号,立案日期\n（2026）内0425执1号,2026-01-05\n", encoding="utf-8")
    rows = "".join(f"K{i},（2026）内0425执1号,100.00,2026-11-0{i}\n" for i in range(1, 6))
    (folder / "案款明细.csv").write_bytes(("款项号码,案号,到账金额,到账时间\n" + rows).encode("gbk"))
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, folder, NOW)
    (problem,) = rejected.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("funds", 1, "fund_id")
    assert "款项编号" in problem.reason and "'款项号码'" in problem.reason  # the accepted words, and its guess


# -- the mapping file ------------------------------------------------------------------------------------------------


def test_a_mapping_file_with_unknown_names_is_refused_with_what_it_could_have_used(tmp_path):
    path = tmp_path / "court.toml"
    path.write_text(
        """
[sheets]
casez = "执行案件信息"
[columns.cases]
fild_on = "收案日期"
case_no = "执行案号"
[columns.fund]
fund_id = "票据号"
[values.case_type]
"执行实施" = "执X"
[values.team]
"一组" = "普执一组"
""",
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as refused:
        load_mapping(path)
    problems = refused.value.problems
    assert len(problems) == 5
    assert problems[0].startswith("[sheets] casez: not a sheet (did you mean cases? known: cases, nodes,")
    assert problems[1].startswith("[columns.cases] fild_on: not a column of cases (did you mean filed_on?")
    assert problems[2].startswith("[columns.fund]: not a sheet (did you mean funds?")
    assert (
        problems[3]
        == "[values.case_type] '执行实施' = '执X': not one of 执、执恢、执保、执异、执复、执监 (did you mean 执?)"
    )
    assert problems[4] == "[values.team]: words can be mapped for case_type, closing_mode, kind only"


def test_cli_export_template_in_the_courts_words_imports_as_it_is(tmp_path):
    (tmp_path / "court.toml").write_text(MAPPING_B, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'cc.sqlite3'}"

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "command_center", "--db", url, "--lang", "en", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    template = tmp_path / "court-template.xlsx"
    done = run("export-template", "--mapping", str(tmp_path / "court.toml"), str(template))
    assert done.returncode == 0, done.stderr
    book = load_workbook(template)
    assert book.sheetnames[:3] == ["收结案登记", "节点登记", "到账台账"]
    assert [c.value for c in book["收结案登记"][1]][:3] == ["案件字号", "受理日期", "案件性质"]
    refused = run("import", str(template))  # the court's words need its mapping
    assert refused.returncode == 1 and "nothing was imported" in refused.stderr
    done = run("import", "--mapping", str(tmp_path / "court.toml"), str(template))
    assert done.returncode == 0, done.stderr
    assert "cases" in done.stdout

    (tmp_path / "bad.toml").write_text('[columns.cases]\nfild_on = "收案日期"\n', encoding="utf-8")
    refused = run("import", "--mapping", str(tmp_path / "bad.toml"), str(template))
    assert refused.returncode == 1
    assert f"{tmp_path / 'bad.toml'}: [columns.cases] fild_on: not a column of cases (did you mean filed_on?" in (
        refused.stderr
    )


def test_cli_says_what_is_wrong_with_a_mapping_file_in_the_language_of_the_ui(tmp_path):
    """The mapping file's problems are the admin's to mend: said in Chinese under zh (the key
    paths and the names it could have used as they are written in the file)."""
    (tmp_path / "bad.toml").write_text(
        '[sheet]\n[columns.cases]\nfild_on = "收案日期"\n[values.case_type]\n"执行实施" = "执X"\n', encoding="utf-8"
    )
    url = f"sqlite:///{tmp_path / 'cc.sqlite3'}"
    done = subprocess.run(
        [sys.executable, "-m", "command_center", "--db", url, "import", "--mapping", str(tmp_path / "bad.toml"), "x"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    bad = tmp_path / "bad.toml"
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{bad}: [sheet]: 不是映射文件的节 (是否应为 sheets? 可用: sheets, columns, values)",
        f"{bad}: [columns.cases] fild_on: 不是 cases 的列 (是否应为 filed_on? 可用: "
        + ", ".join(c.name for c in SHEET["cases"].columns)
        + ")",
        f"{bad}: [values.case_type] '执行实施' = '执X': 不是 执、执恢、执保、执异、执复、执监 之一 (是否应为 执?)",
        f"Error: 导入映射文件 {bad} 有 3 处问题 (见上), 未做任何操作",
    ]


# -- one language at a time ------------------------------------------------------------------------------------------


def _reasons_in_source() -> dict[str, set[str]]:
    """Every ``Reason(key, english, **values)`` the importer can give: its key → its value names."""
    import ast

    import command_center.data.importer as importer_module
    import command_center.data.interchange as interchange_module
    import command_center.data.mapping as mapping_module

    found: dict[str, set[str]] = {}
    for module in (interchange_module, importer_module, mapping_module):
        for node in ast.walk(ast.parse(Path(module.__file__).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Reason":
                found[node.args[0].value] = {k.arg for k in node.keywords}
    return found


def test_every_reason_of_the_importer_is_said_in_chinese_with_its_own_values():
    """A reason without a Chinese sentence would reach the Chinese screen in English; a Chinese
    sentence naming a value the reason does not carry would fail when it is shown."""
    import string

    from command_center.labels import IMPORT_REASONS

    reasons = _reasons_in_source()
    assert len(reasons) > 60  # the walk found them (a renamed class would find none)
    missing = sorted(set(reasons) - set(IMPORT_REASONS))
    assert missing == []
    for key, names in reasons.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(IMPORT_REASONS[key]) if f}
        assert fields <= names, key
    assert sorted(set(IMPORT_REASONS) - set(reasons)) == []  # no sentence left for a reason that is gone


def test_cli_import_says_every_problem_in_the_language_of_the_ui(tmp_path):
    """zh: every reason in Chinese, composed ones too (the second ID number, a case type word);
    en: the same problems in English, as before."""
    folder = tmp_path / "export"
    folder.mkdir()
    with (folder / "cases.csv").open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows(
            [
                ["案号", "立案日期", "案件类型", "被执行人", "被执行人证件号码"],
                ["（2026）内0425执1号", "2026-02-30", "首次执行", "张三；李四", "110101199001011234；abc!"],
                ["（2026）内0425执2号", "2026-02-03", "执行案件", "王五", ""],
                ["（2026）内0425执3号", "2026-02-03", "恢复执行", "王五", ""],
            ]
        )
    url = f"sqlite:///{tmp_path / 'cc.sqlite3'}"

    def run(lang):
        done = subprocess.run(
            [sys.executable, "-m", "command_center", "--db", url, "--lang", lang, "import", str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1
        return done.stderr.splitlines()

    zh = run("zh")
    assert zh == [
        "cases.csv 第 2 行 被执行人证件号码 (debtor_ids): 第 2 个证件号码 “abc!” 不是证件号码 "
        "(由数字和字母组成: 居民身份证号码、统一社会信用代码、护照号码)",
        "cases.csv 第 2 行 立案日期 (filed_on): “2026-02-30” 不是真实存在的日期",
        "cases.csv 第 3 行 案件类型 (case_type): “执行案件” 不是已知的案件类型 (应为 执恢、执保、执异、执复、执监、执, "
        "或导出时的用语: 首次执行、执行实施、恢复执行、财产保全执行、保全执行、财产保全、"
        "执行异议、执行复议、执行监督 之一); "
        "法院自己的用语可在导入映射文件的 [values.case_type] 中映射一次",
        "cases.csv 第 4 行 案件类型 (case_type): 执恢 与案号中的类型字 执 不一致",
        f"Error: {folder}: 4 处问题, 未导入任何数据 (数据库保持不变)",
    ]
    en = run("en")
    assert en[0] == (
        "cases.csv (cases) row 2 column 被执行人证件号码 (debtor_ids): the second ID number 'abc!' is not an ID number "
        "(digits and letters: 居民身份证号码, 统一社会信用代码, 护照号码)"
    )
    assert en[1] == "cases.csv (cases) row 2 column 立案日期 (filed_on): '2026-02-30' is not a real calendar date"
    missing = subprocess.run(
        [sys.executable, "-m", "command_center", "--db", url, "import", str(tmp_path / "nothere.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.stderr.strip().endswith("nothere.xlsx: 文件或文件夹不存在; 未导入任何数据 (数据库保持不变)")


def _ledger(path: Path, rows: list[list]) -> Path:
    """A court's own cases sheet as its case system exports it: its sheet name, a title above
    its own headers, then ``rows``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "执行案件"
    sheet.append(["克什克腾旗人民法院执行案件台账（2026年11月）"])
    sheet.merge_cells("A1:E1")
    sheet.append(["执行案号", "收案日期", "案件类型", "执行标的", "被执行人"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def _case_nos(db) -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.execute(select(m.Case.__table__.c.case_no)).scalars())


ONE = ["（2026）内0425执1001号", "2026-03-02", "首次执行", "125000.00", "张三"]
TWO = ["（2026）内0425执1002号", "2026-03-05", "首次执行", "5000", "李四、王五"]
SIGNED = "制表人：赵六    导出时间：2026-12-01 09:00"


def test_an_exports_closing_lines_are_said_and_not_imported(db, tmp_path):
    """A totals row (合计) and who made the export and when, below the data: not cases, and not
    a reason to refuse the file.  They are named in the summary (row and text), nothing else is
    dropped, and the same words with a row of data after them are a row like any other."""
    path = _ledger(tmp_path / "ledger.xlsx", [ONE, TWO, ["合计", None, None, "130000.00", None], [None], [SIGNED]])
    summary = import_file(db, CATALOGUE, path, NOW)
    counts = summary.sheets["cases"]
    assert (counts.read, counts.inserted) == (2, 2)
    assert counts.skipped_rows == [(5, "合计"), (7, SIGNED)]  # row 6 is empty
    assert summary.as_json()["sheets"]["cases"]["skipped_rows"] == [
        {"row": 5, "text": "合计"},
        {"row": 7, "text": SIGNED},
    ]
    assert _case_nos(db) == [ONE[0], TWO[0]]
    # in a csv export too, a 小计 in the 案号 column
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "案件.csv").write_text(
        f"执行案号,收案日期,执行标的\n{ONE[0]},2026-03-02,125000.00\n小 计,,125000.00\n", encoding="utf-8"
    )
    assert import_file(db, CATALOGUE, folder, NOW).sheets["cases"].skipped_rows == [(3, "小 计")]

    done = _cli_import(db, path)
    assert done.returncode == 0, done.stderr
    assert (
        f"  cases 表末尾的 2 行是表尾 (合计、制表人、导出时间等), 不是数据, 未导入: 第 5 行 “合计”、第 7 行 “{SIGNED}”"
    ) in done.stdout.splitlines()


def test_a_closing_line_before_data_is_refused_in_the_files_own_words(db, tmp_path):
    """A 合计 row with a case after it is not the end of the export: the file is refused, and
    the problem names the sheet and the column as the file does (执行案件, 执行案号)."""
    three = ["（2026）内0425执1003号", "2026-03-06", "首次执行", "8000", "孙七"]
    path = _ledger(tmp_path / "ledger.xlsx", [ONE, ["合计", None, None, "125000.00", None], three, [SIGNED]])
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, path, NOW)
    problems = rejected.value.problems
    assert [(p.sheet, p.row, p.column, p.title, p.header) for p in problems] == [
        ("cases", 4, "case_no", "执行案件", "执行案号"),
        ("cases", 4, "filed_on", "执行案件", "收案日期"),
    ]
    assert str(problems[0]).startswith("执行案件 (cases) row 4 column 执行案号 (case_no): '合计' is not a 案号")
    assert problems[1].as_json() | {"reason": ""} == {
        "sheet": "cases",
        "row": 4,
        "column": "filed_on",
        "reason": "",
        "sheet_title": "执行案件",
        "header": "收案日期",
    }
    assert _case_nos(db) == []  # nothing written
    done = _cli_import(db, path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == [
        "执行案件 表 第 4 行 执行案号 (案号, case_no): “合计” 不是案号, 应如 （2026）内0425执1001号",
        "执行案件 表 第 4 行 收案日期 (立案日期, filed_on): 缺少必填值",
    ]


def _parties(db) -> list[tuple]:
    p, c = m.Party.__table__, m.Case.__table__
    with db.engine.connect() as conn:
        return sorted(
            conn.execute(
                select(c.c.case_no, c.c.filed_on, c.c.amount, p.c.role, p.c.name, p.c.id_number).join(
                    c, c.c.id == p.c.case_id
                )
            ).all()
        )


def _sheet(path: Path, rows: list[list], merged: tuple[str, ...] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "执行案件"
    for row in rows:
        sheet.append(row)
    for cells in merged:
        sheet.merge_cells(cells)
    book.save(path)
    return path


def test_a_header_in_two_rows_is_read_as_one(db, tmp_path):
    """Clerks' ledgers group headers: 当事人 over 申请执行人 | 被执行人 beside 案号 merged over
    both rows; or groups on top (案件信息, 申请执行人, 被执行人) over 姓名 | 证件号码.  Each column is
    read by its two rows together; the groups' merged cells leave the cells to their right
    empty, and the group carries over them."""
    below = _sheet(
        tmp_path / "below.xlsx",
        [
            ["执行案件台账"],
            ["执行案号", "收案日期", "当事人", None, "执行标的"],
            [None, None, "申请执行人", "被执行人", None],
            [ONE[0], "2026-03-02", "赵一", "张三", "125000.00"],
        ],
        ("A2:A3", "B2:B3", "C2:D2", "E2:E3"),
    )
    summary = import_file(db, CATALOGUE, below, NOW)
    assert (summary.sheets["cases"].read, summary.sheets["cases"].ignored_columns) == (1, [])
    on_top = _sheet(
        tmp_path / "on_top.xlsx",
        [
            ["案件信息", None, "申请执行人", "被执行人", None, "标的"],
            ["案号", "立案日期", "姓名", "姓名", "证件号码", "金额"],
            [TWO[0], "2026-03-05", "赵二", "李四", "150425199001011235", "5000"],
        ],
        ("A1:B1", "D1:E1"),
    )
    summary = import_file(db, CATALOGUE, on_top, NOW)
    assert (summary.sheets["cases"].read, summary.sheets["cases"].ignored_columns) == (1, [])
    assert _parties(db) == [
        (ONE[0], date(2026, 3, 2), Decimal("125000.00"), "applicant", "赵一", None),
        (ONE[0], date(2026, 3, 2), Decimal("125000.00"), "debtor", "张三", None),
        (TWO[0], date(2026, 3, 5), Decimal("5000.00"), "applicant", "赵二", None),
        (TWO[0], date(2026, 3, 5), Decimal("5000.00"), "debtor", "李四", "150425199001011235"),
    ]


def test_a_row_of_data_below_the_header_is_never_taken_for_its_second_row(db, tmp_path):
    """A row of names without its 案号 right below the headers is a row with a problem, not a
    second header row: only labels that name more columns make one."""
    path = _sheet(
        tmp_path / "ledger.xlsx",
        [
            ["执行案号", "收案日期", "申请执行人", "被执行人"],
            [None, None, "赵一", "张三"],
            [ONE[0], "2026-03-02", "赵一", "张三"],
        ],
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, path, NOW)
    assert [(p.row, p.column) for p in rejected.value.problems] == [(2, "case_no"), (2, "filed_on")]
    assert _case_nos(db) == []


def test_numbers_whose_digits_cannot_be_trusted_are_refused():
    """12,5 is not 125 (a decimal comma, or a typo): commas are read only as thousands
    separators; an account number Excel wrote as 6.22848E+18 has lost its digits."""
    assert parse_money("1,234,567.50") == Decimal("1234567.50") == parse_money("１，２３４，５６７．５")
    assert parse_money("12,345万") == Decimal("123450000.00")
    for bad in ("12,5", "12，5", "1,2345", "1,00", "1,23,456"):
        with pytest.raises(ValueError, match="thousands separators"):
            parse_money(bad)
    for bad in ("6.22848E+18", "1E+18", "1.5e+20"):
        with pytest.raises(ValueError, match="scientific notation"):
            parse_text(bad)
    assert parse_text("1E5") == "1E5" and parse_text("A2026E+01") == "A2026E+01"  # an id, not a number
    with pytest.raises(ValueError, match="far too large"):  # a float cell: its value, not its repr's exponent
        parse_money(1e20)


def test_an_event_after_the_day_of_the_import_is_refused(db, tmp_path):
    """A case filed in 2099, a node completed next month: not what happened; refused by row and
    column, nothing written.  A deadline extended into the future is fine."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "案号,立案日期,延长期限至\n（2026）内0425执1号,2099-12-31,\n（2026）内0425执2号,2026-11-20,2027-06-30\n",
        encoding="utf-8",
    )
    (folder / "nodes.csv").write_text(
        "案号,节点代码,开始时间,完成时间\n（2026）内0425执2号,N05,2026-11-20 09:00,2026-11-21 00:00\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, folder, NOW)  # NOW: 2026-11-20 10:00
    assert [(p.sheet, p.row, p.column, p.reason) for p in rejected.value.problems] == [
        ("cases", 2, "filed_on", "2099-12-31 is after today (2026-11-20): it says when something happened"),
        (
            "cases",
            2,
            "filed_on",
            "2099-12-31 is not in 2026, the year of the 案号 (a case is numbered in the year it is filed)",
        ),
        (
            "nodes",
            2,
            "completed_at",
            "2026-11-21 00:00:00 is after today (2026-11-20): it says when something happened",
        ),
    ]
    assert _case_nos(db) == []
    (folder / "nodes.csv").write_text(
        "案号,节点代码,开始时间,完成时间\n（2026）内0425执2号,N05,2026-11-20 09:00,2026-11-20 23:59\n"
    )
    (folder / "cases.csv").write_text(
        "案号,立案日期,延长期限至\n（2026）内0425执2号,2026-11-20,2027-06-30\n", encoding="utf-8"
    )
    assert import_file(db, CATALOGUE, folder, NOW).sheets["nodes"].inserted == 1


def test_a_problem_names_the_sheet_and_header_the_file_has_even_the_products_chinese_ones(db, tmp_path):
    """A sheet 案件 and a header 立案日期 are the product's Chinese names, and still what the
    court sees in its file: the problem names them (the English names beside, in brackets)."""
    path = _sheet(tmp_path / "x.xlsx", [["案号", "立案日期"], [ONE[0], "03/05/2026"]])
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, path, NOW)
    (problem,) = rejected.value.problems
    assert (problem.title, problem.header) == ("执行案件", "立案日期")
    assert str(problem).startswith("执行案件 (cases) row 2 column 立案日期 (filed_on): '03/05/2026'")
    assert problem.as_json()["sheet_title"] == "执行案件" and problem.as_json()["header"] == "立案日期"
    assert (
        _cli_import(db, path).stderr.splitlines()[0].startswith("执行案件 表 第 2 行 立案日期 (filed_on): “03/05/2026”")
    )


def test_a_csv_row_is_numbered_as_a_spreadsheet_numbers_it_after_a_cell_with_line_breaks(db, tmp_path):
    """A quoted cell may hold line breaks (a note typed with Alt+Enter): the record is one row,
    and the rows after it keep the numbers a spreadsheet shows, not the file's line numbers."""
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "案号,立案日期,被执行人,标的额\n"
        '（2026）内0425执1号,2026-03-02,"张三\n李四",100\n'
        "\n"
        "（2026）内0425执2号,2026-03-02,王五,abc\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, folder, NOW)
    assert [(p.row, p.column) for p in rejected.value.problems] == [(4, "amount")]  # its line is 5


def test_an_empty_sheet_is_said_and_does_not_refuse_the_file(db, tmp_path):
    """A sheet of the product's with nothing in it (the export had no funds this month), or an
    empty csv file: nothing to read, named in the summary, the rest imported."""
    book = Workbook()
    book.active.title = "案件"
    book.active.append(["案号", "立案日期"])
    book.active.append([ONE[0], "2026-03-02"])
    book.create_sheet("funds")
    path = tmp_path / "x.xlsx"
    book.save(path)
    summary = import_file(db, CATALOGUE, path, NOW)
    assert summary.sheets["cases"].inserted == 1 and "funds" not in summary.sheets
    assert [(i.name, i.empty) for i in summary.ignored] == [("funds", True)]
    assert "  空表 (连表头也没有), 未读取: funds" in _cli_import(db, path).stdout.splitlines()
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(f"案号,立案日期\n{TWO[0]},2026-03-05\n", encoding="utf-8")
    (folder / "funds.csv").write_text("", encoding="utf-8")
    summary = import_file(db, CATALOGUE, folder, NOW)
    assert summary.sheets["cases"].inserted == 1 and summary.ignored[0].as_json() == {
        "name": "funds.csv",
        "hidden": False,
        "did_you_mean": None,
        "empty": True,
    }


def _amounts(db) -> list[tuple]:
    c = m.Case.__table__
    with db.engine.connect() as conn:
        return conn.execute(select(c.c.case_no, c.c.amount, c.c.amount_recovered).order_by(c.c.case_no)).all()


def test_a_row_of_units_under_the_headers_is_their_unit_not_a_row(db, tmp_path):
    """Statistics exports put the units on a row of their own under the headers: （万元） under
    执行标的 makes a bare 12.5 there 125,000.00 yuan, (元) under 到位金额 is yuan; a unit that is
    no money's (（件）) is no matter.  The row is not a case, and the summary says which columns
    were read in which unit."""
    path = _sheet(
        tmp_path / "ledger.xlsx",
        [
            ["执行案件统计表"],
            ["执行案号", "收案日期", "执行标的", "到位金额", "案件数", "被执行人"],
            [None, None, "（万元）", "(元)", "（件）", None],
            [ONE[0], "2026-03-02", "12.5", "3000", "1", "张三"],
            [TWO[0], "2026-03-05", "0.5", None, "1", "李四"],
        ],
    )
    summary = import_file(db, CATALOGUE, path, NOW)
    counts = summary.sheets["cases"]
    assert (counts.read, counts.units) == (2, [("执行标的", "万元")])
    assert summary.as_json()["sheets"]["cases"]["units"] == [{"header": "执行标的", "unit": "万元"}]
    assert _amounts(db) == [
        (ONE[0], Decimal("125000.00"), Decimal("3000.00")),
        (TWO[0], Decimal("5000.00"), Decimal("0.00")),
    ]
    done = _cli_import(db, path)
    assert done.returncode == 0, done.stderr
    assert (
        "  cases 表的金额按表中注明的单位读 (表头下的单位行或表头上方的“单位：”): 执行标的 按万元"
    ) in done.stdout.splitlines()


def test_a_unit_noted_above_the_headers_is_every_money_columns_that_names_none(db, tmp_path):
    """``单位：万元`` above the headers (in the title's cell or its own) is the unit of every money
    column whose header names none of its own; one that does (到位金额(元)) keeps its own.  In a
    csv export too, and a problem there names the column with the unit it was read in."""
    path = _sheet(
        tmp_path / "ledger.xlsx",
        [
            ["执行案件台账", None, None, "金额单位：万元"],
            ["执行案号", "收案日期", "执行标的", "到位金额(元)"],
            [ONE[0], "2026-03-02", "12.5", "3000"],
        ],
    )
    assert import_file(db, CATALOGUE, path, NOW).sheets["cases"].units == [("执行标的", "万元")]
    assert _amounts(db) == [(ONE[0], Decimal("125000.00"), Decimal("3000.00"))]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "案件.csv").write_text(
        f"执行案件台账（单位：万元）\n执行案号,收案日期,执行标的\n{TWO[0]},2026-03-05,0.5\n", encoding="utf-8"
    )
    import_file(db, CATALOGUE, folder, NOW)
    assert _amounts(db)[1] == (TWO[0], Decimal("5000.00"), Decimal("0.00"))
    (folder / "案件.csv").write_text(
        f"单位：万元\n执行案号,收案日期,执行标的\n{TWO[0]},2026-03-05,1.2345678\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, folder, NOW)
    assert [(p.row, p.column, p.header) for p in rejected.value.problems] == [(3, "amount", "执行标的（万元）")]
    assert _amounts(db)[1] == (TWO[0], Decimal("5000.00"), Decimal("0.00"))  # nothing changed


def test_a_date_and_its_time_in_two_columns_are_one_instant(db, tmp_path):
    """到账日期 and 到账时间 side by side (both names of a fund's arrival): read as one instant,
    whether the cells are text, an Excel date and an Excel time, or a time whose format was
    lost; a date without its time is that day's 00:00.  Two other headers of one column stay a
    problem."""
    from datetime import time as clock

    book = Workbook()
    sheet = book.active
    sheet.title = "案款明细"
    for row in (
        ["款项编号", "执行案号", "到账金额", "到账日期", "到账时间"],
        ["K1", ONE[0], "100", "2026-04-01", "10:15"],
        ["K2", ONE[0], "200", datetime(2026, 4, 2), clock(9, 5, 30)],
        ["K3", ONE[0], "300", datetime(2026, 4, 3), 0.75],
        ["K4", ONE[0], "400", "2026-04-04", None],
    ):
        sheet.append(row)
    book.save(tmp_path / "funds.xlsx")
    import_file(db, CATALOGUE, _sheet(tmp_path / "cases.xlsx", [["执行案号", "收案日期"], ONE[:2]]), NOW)
    summary = import_file(db, CATALOGUE, tmp_path / "funds.xlsx", NOW)
    assert summary.sheets["funds"].read == 4
    f = m.Fund.__table__
    with db.engine.connect() as conn:
        arrived = conn.execute(select(f.c.fund_id, f.c.arrived_at).order_by(f.c.fund_id)).all()
    assert [(k, a.astimezone(NOW.tzinfo).strftime("%Y-%m-%d %H:%M:%S")) for k, a in arrived] == [
        ("K1", "2026-04-01 10:15:00"),
        ("K2", "2026-04-02 09:05:30"),
        ("K3", "2026-04-03 18:00:00"),
        ("K4", "2026-04-04 00:00:00"),
    ]
    (tmp_path / "funds.csv").write_text(  # a time without its date is not dropped: refused, by row and column
        "款项编号,执行案号,到账金额,到账日期,到账时间\nK5,（2026）内0425执1001号,1,,10:15\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, tmp_path / "funds.csv", NOW)
    assert [(p.row, p.column, p.reason.key) for p in rejected.value.problems] == [(2, "arrived_at", "not_datetime")]
    (tmp_path / "funds.csv").write_text(
        "款项编号,执行案号,到账金额,到账日期,收款日期\nK5,x,1,2026-04-01,2026-04-02\n", encoding="utf-8"
    )
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, tmp_path / "funds.csv", NOW)
    assert "column_twice" in [p.reason.key for p in rejected.value.problems]


def test_a_case_over_several_rows_is_refused_with_what_to_do(db, tmp_path):
    """One case over several rows (one party per row, its 案号 and 立案日期 merged down them, or
    left empty below the first) cannot be read as a case a row: each continuation row is one
    problem that names the case above and says how to give it, not a case without a 案号 (nor,
    merged, the same case twice); nothing is written."""
    rows = [
        ["执行案号", "收案日期", "执行标的", "被执行人"],
        [ONE[0], "2026-03-02", "125000.00", "张三"],
        [None, None, None, "李四"],
        [None, None, None, "王五"],
        [TWO[0], "2026-03-05", "5000", "赵六"],
    ]
    merged = _sheet(tmp_path / "merged.xlsx", rows, ("A2:A4", "B2:B4", "C2:C4"))
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, merged, NOW)
    problems = rejected.value.problems
    assert [(p.row, p.column, p.reason.key) for p in problems] == [
        (3, "case_no", "merged_case"),
        (4, "case_no", "merged_case"),
    ]
    assert f"merged with row 2's ({ONE[0]})" in problems[0].reason
    empty = _sheet(tmp_path / "empty.xlsx", rows)
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, empty, NOW)
    problems = rejected.value.problems
    assert [(p.row, p.column, p.reason.key) for p in problems] == [
        (3, "case_no", "continues_case"),
        (4, "case_no", "continues_case"),
    ]
    assert f"continue {ONE[0]} above" in problems[0].reason
    assert _case_nos(db) == []
    done = _cli_import(db, merged)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0].startswith(
        f"执行案件 表 第 3 行 执行案号 (案号, case_no): 本行的案号与第 2 行 ({ONE[0]}) 合并: 一案多行无法读取"
    )


def _teams(db) -> list[tuple]:
    c, t, o = m.Case.__table__, m.Team.__table__, m.Officer.__table__
    with db.engine.connect() as conn:
        return conn.execute(
            select(c.c.case_no, t.c.name, o.c.name)
            .select_from(c.outerjoin(t, t.c.id == c.c.team_id).outerjoin(o, o.c.id == c.c.officer_id))
            .order_by(c.c.case_no)
        ).all()


def test_a_cell_merged_down_several_rows_is_read_on_each_of_them(db, tmp_path):
    """A ledger that merges 承办部门 and 承办法官 over its team's cases gives each case the team,
    as the sheet shows it: not the first case alone, and a re-import of the merged sheet does
    not clear what the unmerged one stored.  A 案号 merged over a case's nodes is each node's.
    A range in the headers (案号 over their two rows) stays the headers'."""
    three = ["（2026）内0425执1003号", "2026-03-06"]
    plain = _sheet(
        tmp_path / "plain.xlsx",
        [
            ["执行案号", "收案日期", "承办部门", "承办法官"],
            [ONE[0], "2026-03-02", "执行一庭", "法官甲"],
            [TWO[0], "2026-03-05", "执行一庭", "法官甲"],
            [*three, "执行二庭", "法官乙"],
        ],
    )
    import_file(db, CATALOGUE, plain, NOW)
    stored = _teams(db)
    assert stored == [(ONE[0], "执行一庭", "法官甲"), (TWO[0], "执行一庭", "法官甲"), (three[0], "执行二庭", "法官乙")]
    merged = _sheet(
        tmp_path / "merged.xlsx",
        [
            ["执行案件台账"],
            ["执行案号", "收案日期", "承办", None],
            [None, None, "承办部门", "承办法官"],
            [ONE[0], "2026-03-02", "执行一庭", "法官甲"],
            [TWO[0], "2026-03-05", None, None],
            [*three, "执行二庭", "法官乙"],
        ],
        ("A1:D1", "A2:A3", "B2:B3", "C2:D2", "C4:C5", "D4:D5"),
    )
    summary = import_file(db, CATALOGUE, merged, NOW)
    assert (summary.sheets["cases"].read, summary.sheets["cases"].updated) == (3, 0)
    assert _teams(db) == stored
    book = Workbook()
    sheet = book.active
    sheet.title = "流程节点"
    for row in (
        ["执行案号", "节点代码", "开始时间"],
        [ONE[0], "N02", "2026-03-02 09:00"],
        [None, "N03", "2026-03-03 09:00"],
        [TWO[0], "N02", "2026-03-05 09:00"],
    ):
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    book.save(tmp_path / "nodes.xlsx")
    assert import_file(db, CATALOGUE, tmp_path / "nodes.xlsx", NOW).sheets["nodes"].read == 3
    n, c = m.NodeInstance.__table__, m.Case.__table__
    with db.engine.connect() as conn:
        imported = conn.execute(
            select(c.c.case_no, n.c.node_code).join(c, c.c.id == n.c.case_id).where(n.c.source == "imported")
        ).all()
    assert sorted(imported) == [(ONE[0], "N02"), (ONE[0], "N03"), (TWO[0], "N02")]


def test_the_first_import_of_a_court_is_its_first_recompute(db, tmp_path):
    """A new court's first import recomputes every case it has: its alerts are as of then (the
    alerts' list does not warn 'as of a recompute that never ran'); a later import of some of
    its cases is not a recompute of the court."""
    from datetime import timedelta

    from command_center.data.alerts import last_recompute

    path = write_workbook(tmp_path / "a.xlsx", sample())
    import_and_recompute(db, CATALOGUE, CALENDAR, path, NOW)
    assert last_recompute(db) == NOW
    more = {"cases": [{"case_no": ONE[0], "filed_on": "2026-03-02"}]}
    import_and_recompute(db, CATALOGUE, CALENDAR, write_workbook(tmp_path / "b.xlsx", more), NOW + timedelta(hours=1))
    assert last_recompute(db) == NOW
