"""`command-center import` on the inputs real exports bring: other forms of a 案号 and of a header,
formulas, hidden and unknown sheets, files that are no workbook, values the database cannot
hold, mixed encodings.  Each is normalised or refused by file, sheet, row and column, the same
on both backends, and a refused file changes nothing."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from command_center.data import models as m
from command_center.data.access import Actor
from command_center.data.caseno import normalise_case_no
from command_center.data.cases import CaseFilter, find_cases, list_cases
from command_center.data.importer import ImportRejected
from command_center.data.interchange import parse_case_no
from command_center.data.rules import Rules
from command_center.labels import import_reason
from tests.builders import CALENDAR, CATALOGUE
from tests.conftest import NOW
from tests.interchange_files import sample, save_formula_results, write_workbook
from tests.test_import import counts, run_import, snapshot

CASE_A = "（2026）内0425执101号"
#: a logged-in officer: party names are searchable for them only
VIEWER = Actor(1, "zhang", "officer")


def _rejected(db, path) -> list[tuple[str, int, str, str]]:
    """The problems of a file that must be refused, after checking that it changed nothing."""
    before, snap = counts(db), snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, path)
    assert counts(db) == before and snapshot(db) == snap
    with pytest.raises(ImportRejected) as dry:  # a dry run refuses it with the same words
        run_import(db, path, dry_run=True)
    assert dry.value.problems == rejected.value.problems
    return [(p.sheet, p.row, p.column, p.reason) for p in rejected.value.problems]


# -- 案号 and headers in their other forms --------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "（２０２６）内０４２５执１０１号",  # full-width digits
        "【2026】内0425执101号",
        "﹝2026﹞内0425执101号",
        "〔2026〕内0425执101号",
        "（2026）内0425执101号\u200b",  # a trailing zero-width space
        "\ufeff(2026)内0425执101号",
        "［２０２６］内０４２５执１０１号",
    ],
)
def test_every_form_of_a_case_no_is_the_stored_one(typed):
    assert normalise_case_no(typed) == CASE_A
    assert parse_case_no(typed) == CASE_A


def test_a_case_no_with_digits_of_another_script_is_refused():
    with pytest.raises(ValueError, match="is not a 案号"):
        parse_case_no("（٢٠٢٦）内0425执101号")  # Arabic-Indic digits: \\d matched them


def test_a_full_width_case_no_is_the_same_case_and_court(db, tmp_path):
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    before, snap = counts(db), snapshot(db)
    data = sample()
    data["cases"][0]["case_no"] = "（２０２６）内０４２５执１０１号"
    data["funds"][0]["case_no"] = "【2026】内0425执101号\u200b"
    summary = run_import(db, write_workbook(tmp_path / "b.xlsx", data))
    assert not summary.changed and summary.created_courts == []
    assert snapshot(db) == snap and counts(db)["cases"] == before["cases"] and counts(db)["courts"] == before["courts"]


def test_headers_with_a_bom_zero_width_spaces_or_full_width_letters_are_recognised(db, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "ｃａｓｅｓ"
    ws.append(["\ufeff案号", "立案日期\u200b", "ＡＭＯＵＮＴ", "被执行人＊（ｄｅｂｔｏｒｓ）"])
    ws.append([CASE_A, "2026-09-01", "125000.50", "李强"])
    book.save(tmp_path / "a.xlsx")
    summary = run_import(db, tmp_path / "a.xlsx")
    assert summary.sheets["cases"].inserted == 1
    case = snapshot(db)["cases"][0]
    assert str(case.amount) == "125000.50"
    assert [p.name for p in snapshot(db)["parties"]] == ["李强"]


def test_the_search_finds_a_case_no_typed_in_another_form(db, tmp_path):
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    typed = "（２０２６）内０４２５执１０１"
    assert [c for _, c, _ in find_cases(db, typed)] == [CASE_A]
    assert [c for _, c, _ in find_cases(db, "(2026)内0425执101号")] == [CASE_A]
    page = list_cases(db, Rules.at(NOW, CATALOGUE, CALENDAR), CaseFilter(scope="all", text=typed))
    assert [r.case_no for r in page.rows] == [CASE_A]
    assert (
        list_cases(db, Rules.at(NOW, CATALOGUE, CALENDAR), CaseFilter(scope="all", text="李强"), viewer=VIEWER).total
        == 1
    )


# -- formulas ----------------------------------------------------------------------------------------------

LINK = '=HYPERLINK("http://court.example/asset/A-1","执行局扣押物仓库A区")'


def test_a_formula_without_a_saved_value_is_a_problem_not_an_empty_cell(db, tmp_path):
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))  # the asset's location is stored
    data = {"assets": sample()["assets"]}
    data["assets"][0]["location"] = LINK
    problems = _rejected(db, write_workbook(tmp_path / "b.xlsx", data))
    assert [p[:3] for p in problems] == [("assets", 2, "location")]
    assert "holds the formula =HYPERLINK(" in problems[0][3] and "paste as values" in problems[0][3]


def test_a_formula_with_its_saved_value_imports_the_value(db, tmp_path):
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    data = {"assets": sample()["assets"]}
    data["assets"][0]["location"] = LINK
    data["assets"][0]["disposal_status"] = '=IF(1=1,"待评估","")'
    path = save_formula_results(
        write_workbook(tmp_path / "b.xlsx", data),
        {LINK: "执行局扣押物仓库B区", data["assets"][0]["disposal_status"]: "待评估"},
    )
    summary = run_import(db, path)
    assert summary.sheets["assets"].updated == 1
    with db.engine.connect() as conn:
        assert conn.execute(select(m.SeizedAsset.location, m.SeizedAsset.disposal_status)).one() == (
            "执行局扣押物仓库B区",
            "待评估",
        )


def test_a_formula_in_a_column_the_import_ignores_is_no_problem(db, tmp_path):
    from openpyxl import load_workbook

    path = write_workbook(tmp_path / "a.xlsx", sample())
    book = load_workbook(path)
    assert book["assets"]["G1"].value == "备注 (ignored)"
    book["assets"]["G2"] = LINK
    book.save(path)
    assert run_import(db, path).sheets["assets"].inserted == 1


def test_an_excel_error_value_is_a_problem(db, tmp_path):
    data = sample()
    data["assets"][0]["location"] = "=1/0"
    path = save_formula_results(write_workbook(tmp_path / "a.xlsx", data), {"=1/0": "#DIV/0!"})
    problems = _rejected(db, path)
    assert [p[:3] for p in problems] == [("assets", 2, "location")]
    assert "Excel error #DIV/0!" in problems[0][3]


# -- sheets: hidden ones, unknown ones ----------------------------------------------------------------------


def _with_sheets(path, *, hidden: dict[str, str] | None = None, extra: tuple[str, ...] = ()):
    hidden = hidden or {}
    """The workbook at ``path`` with some sheets hidden (``{'funds': 'veryHidden'}``) and extra ones."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    for title in extra:
        book.create_sheet(title).append(["fund_id", "case_no", "amount", "arrived_at"])
    for title, state in hidden.items():
        book[title].sheet_state = state
    book.save(path)
    return path


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_is_a_problem(db, tmp_path, state):
    path = _with_sheets(write_workbook(tmp_path / "a.xlsx", sample()), hidden={"funds": state})
    problems = _rejected(db, path)
    assert [p[:3] for p in problems] == [("funds", 0, "")]
    assert f"the sheet is {'very hidden' if state == 'veryHidden' else 'hidden'}" in problems[0][3]


def test_unknown_sheets_are_listed_with_the_names_that_would_be_recognised(db, tmp_path):
    path = _with_sheets(
        write_workbook(tmp_path / "a.xlsx", sample()), extra=("fund", "案款表", "说明"), hidden={"说明": "hidden"}
    )
    dry = run_import(db, path, dry_run=True)
    real = run_import(db, path)
    assert [i.as_json() for i in real.ignored] == [
        {"name": "fund", "hidden": False, "did_you_mean": "funds", "empty": False},
        {"name": "案款表", "hidden": False, "did_you_mean": "案款", "empty": False},
        {"name": "说明", "hidden": True, "did_you_mean": None, "empty": False},
    ]
    assert real.as_json()["recognised_sheet_names"]["funds"] == "案款"
    # --dry-run and the import report the same (but for the flag, the recompute and the time)
    same = lambda s: {k: v for k, v in s.as_json().items() if k not in ("dry_run", "recompute", "seconds")}  # noqa: E731
    assert same(dry) == same(real) and real.as_json()["ignored_sheets"] == dry.as_json()["ignored_sheets"]


def test_a_workbook_of_unknown_sheets_only_names_them(db, tmp_path):
    path = tmp_path / "a.xlsx"
    write_workbook(path, {"cases": sample()["cases"]})
    from openpyxl import load_workbook

    book = load_workbook(path)
    book["cases"].title = "fund"
    book.save(path)
    (problem,) = _rejected(db, path)
    assert problem[0] == str(path) and "holds none of the sheets cases/案件, nodes/节点" in problem[3]
    assert "its sheets fund (did you mean funds?) are none of them" in problem[3]
    with pytest.raises(ImportRejected) as rejected:  # said in Chinese, every part of it
        run_import(db, path)
    assert "; 其中的表 fund (是否应为 funds?) 都不是" in import_reason("zh", rejected.value.problems[0].reason)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text("", encoding="utf-8")
    (folder / "readme.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as rejected:  # an empty file of the product's is not 'none of them'
        run_import(db, folder)
    reason = rejected.value.problems[0].reason
    assert reason.endswith("; its sheets readme.csv are none of them; cases.csv: empty, not even a header"), reason
    assert import_reason("zh", reason).endswith("; 其中的表 readme.csv 都不是; cases.csv 是空表 (连表头也没有)")


def test_two_sheets_of_one_kind_are_refused_naming_both(db, tmp_path):
    """首次执行案件 and 恢复执行案件 are both cases: the import reads one sheet of each kind, and
    says which two sheets and what to do, not that a second one exists."""
    path = _with_sheets(write_workbook(tmp_path / "a.xlsx", sample()), extra=("案款明细",))
    (problem,) = _rejected(db, path)
    assert problem[:3] == ("案款明细", 0, "")
    assert problem[3] == (
        "a second sheet for funds (the first is funds): the import reads one sheet of each;"
        " put the rows of both in one sheet"
    )


def test_cli_lists_the_ignored_sheets_in_text_and_json(db_url, tmp_path):
    from tests.test_import import _cli

    path = _with_sheets(write_workbook(tmp_path / "a.xlsx", sample()), extra=("fund",))
    result = _cli("--lang", "en", "import", "--dry-run", str(path), db_url=db_url)
    assert result.returncode == 0, result.stderr
    assert "  ignored (not an interchange sheet): fund (did you mean funds?)" in result.stdout
    assert "  recognised sheet names: cases/案件, nodes/节点, funds/案款" in result.stdout
    dry = json.loads(_cli("import", "--dry-run", "--json", str(path), db_url=db_url).stdout)
    result = _cli("import", "--json", str(path), db_url=db_url)
    summary = json.loads(result.stdout)
    assert summary["ignored_sheets"] == [{"name": "fund", "hidden": False, "did_you_mean": "funds", "empty": False}]
    assert summary["recognised_sheet_names"]["cases"] == "案件"
    for key in ("dry_run", "recompute", "seconds"):
        del dry[key], summary[key]
    assert dry == summary


# -- files that are no workbook ----------------------------------------------------------------------------


def _damaged_sheet(path):
    """A valid zip whose cases sheet's XML stops in the middle of a row."""
    import zipfile

    source = path.with_suffix(".ok.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: data.index(b'<row r="3"') + 20]
            new.writestr(item, data)
    return path


NOT_WORKBOOKS = {
    "empty": (lambda p: p.write_bytes(b""), "is an empty file (0 bytes), not an .xlsx workbook"),
    "text": (
        lambda p: p.write_text("案号,立案日期\n", encoding="utf-8"),
        "not a zip archive (it begins '案号,立案日期'), perhaps a text",
    ),
    "xls": (
        lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        "is an Excel 97-2003 (.xls) workbook",
    ),
    "cut short": (
        lambda p: p.write_bytes(write_workbook(p, sample()).read_bytes()[:2000]),
        "is a damaged .xlsx workbook",
    ),
    "zip": (
        lambda p: __import__("zipfile").ZipFile(p, "w").writestr("cases.csv", "x"),
        "is a zip archive but not an .xlsx workbook",
    ),
}


@pytest.mark.parametrize("kind", NOT_WORKBOOKS)
def test_a_file_that_is_no_workbook_is_named_in_one_line_and_changes_nothing(db, db_url, tmp_path, kind):
    from tests.test_import import _cli

    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    write, reason = NOT_WORKBOOKS[kind]
    path = tmp_path / "export.xlsx"
    write(path)
    (problem,) = _rejected(db, path)
    assert problem[:3] == (str(path), 0, "") and reason in problem[3]
    before = counts(db)
    result = _cli("--lang", "en", "import", str(path), db_url=db_url)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"Error: {path}: {problem[3]}; nothing was imported (the database is unchanged)"
    ]
    assert counts(db) == before


@pytest.mark.parametrize(("name", "kind"), [("导出.xls", "Excel/WPS"), ("导出.et", "WPS"), ("导出.ods", "LibreOffice")])
def test_a_spreadsheet_of_another_format_says_how_to_save_it(db, tmp_path, name, kind):
    """An office's .xls or WPS .et export is refused by its name with what to do about it."""
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    (problem,) = _rejected(db, path)
    assert problem[3] == (
        f"not an .xlsx workbook, a .csv file or a folder of .csv files; open it in {kind} and save it as an "
        "Excel workbook (.xlsx)"
    )
    assert import_reason("zh", problem[3]).endswith(f"请用 {kind} 打开并另存为 Excel 工作簿 (.xlsx)")


def test_a_damaged_sheet_is_named(db, tmp_path):
    path = _damaged_sheet(write_workbook(tmp_path / "a.xlsx", sample()))
    problems = _rejected(db, path)
    assert problems[0][:3] == ("cases", 0, "") and problems[0][3].startswith("cannot be read after row 2 (")
    # the cases of the rows it could not read are not there for the other sheets
    assert {p[2] for p in problems[1:]} == {"case_no"}


# -- values the database cannot hold ---------------------------------------------------------------------


def test_values_longer_than_their_column_are_refused_by_cell_on_both_backends(db, tmp_path):
    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    data = sample()
    data["cases"][0] |= {"officer": "张" * 51, "debtors": "赤峰鑫源商贸有限公司；" + "李" * 101}
    data["cases"][1] |= {"track": "普" * 21, "amount": "10000000000000000.00"}
    data["cases"].append(
        {"case_no": "（2026）内0426执1号", "filed_on": "2026-09-01", "court": "院" * 101, "team": "组" * 51}
    )
    data["assets"][0]["location"] = "库" * 201  # an update of a stored row
    data["funds"].append({"fund_id": "F" * 65, "case_no": CASE_A, "amount": "1.00", "arrived_at": "2026-11-01"})
    problems = _rejected(db, write_workbook(tmp_path / "b.xlsx", data))
    assert [p[:3] for p in problems] == [
        ("cases", 2, "debtors"),
        ("cases", 2, "officer"),
        ("cases", 3, "amount"),
        ("cases", 3, "track"),
        ("cases", 5, "court"),
        ("cases", 5, "team"),
        ("funds", 4, "fund_id"),
        ("assets", 2, "location"),
    ]
    reasons = {p[2]: p[3] for p in problems}
    assert reasons["location"] == "is 201 characters long; the database holds at most 200"
    assert (
        reasons["debtors"]
        == "the name '" + "李" * 12 + "'… is 101 characters long; the database holds at most 100 per name"
    )
    assert (
        reasons["amount"]
        == "10000000000000000.00 is too large: the database holds amounts below 10,000,000,000,000,000"
    )
    data = sample()  # at the limits, everything is written as it is
    data["assets"][0]["location"] = "库" * 200
    data["cases"][0] |= {"officer": "张" * 50, "amount": "9999999999999999.99"}
    run_import(db, write_workbook(tmp_path / "c.xlsx", data))
    assert ("库" * 200,) in {(a.location,) for a in snapshot(db)["assets"]}
    assert ("张" * 50, Decimal("9999999999999999.99")) in {
        (c[6], c.amount) for c in snapshot(db)["cases"]
    }  # officer, amount


def test_a_configured_court_name_too_long_for_a_new_court_is_refused(db, tmp_path):
    from command_center.data.importer import import_file

    path = write_workbook(tmp_path / "a.xlsx", {"cases": [{"case_no": CASE_A, "filed_on": "2026-09-01"}]})
    before = counts(db)
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, path, NOW, court_name="院" * 101)
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("cases", 2, "court")]
    assert counts(db) == before


def test_a_courts_name_is_the_files_and_one_court_two_names_is_refused(db, tmp_path):
    """法院 names the court of the case's 案号: a court the database knows by another name (the
    demo's, or an old one) takes the file's, audited and said; the same court named two ways in
    one file is a problem naming both rows, and nothing is written."""
    from command_center.data.importer import import_file

    case_b = "（2026）内0425执102号"
    path = write_workbook(tmp_path / "a.xlsx", {"cases": [{"case_no": CASE_A, "filed_on": "2026-09-01"}]})
    import_file(db, CATALOGUE, path, NOW, court_name="示范人民法院")
    rows = [
        {"case_no": CASE_A, "filed_on": "2026-09-01", "court": "克什克腾旗人民法院"},
        {"case_no": case_b, "filed_on": "2026-09-02", "court": "克什克腾旗人民法院"},
    ]
    summary = import_file(db, CATALOGUE, write_workbook(tmp_path / "b.xlsx", {"cases": rows}), NOW)
    assert summary.renamed_courts == ["内0425 示范人民法院 → 克什克腾旗人民法院"] and summary.changed
    courts = m.Court.__table__
    with db.engine.connect() as conn:
        assert conn.execute(select(courts.c.code, courts.c.name)).all() == [("内0425", "克什克腾旗人民法院")]
        logged = conn.execute(
            select(m.AuditEntry.__table__.c.detail).where(m.AuditEntry.__table__.c.entity == "courts")
        ).scalar_one()
    assert (
        json.loads(logged)
        if isinstance(logged, str)
        else logged
        == {
            "file": "b.xlsx",
            "sheet": "cases",
            "row": 2,
            "changes": {"name": ["示范人民法院", "克什克腾旗人民法院"]},
        }
    )
    rows[1]["court"] = "克旗法院"
    before, snap = counts(db), snapshot(db)
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, write_workbook(tmp_path / "c.xlsx", {"cases": rows}), NOW)
    (problem,) = rejected.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("cases", 3, "court")
    assert problem.reason == "names the court 内0425 (of its 案号) '克旗法院', but row 2 names it '克什克腾旗人民法院'"
    assert import_reason("zh", problem.reason) == (
        "把法院 内0425 (案号所属) 称为 “克旗法院”, 但第 2 行称之为 “克什克腾旗人民法院”"
    )
    assert counts(db) == before and snapshot(db) == snap


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("仓库\x00A区", "contains the control character U+0000 (NUL) at character 3 of 5"),
        ("仓库\x01A区", "contains the control character U+0001 at character 3 of 5"),
        ("仓库\x1bA区", "contains the control character U+001B"),
        ("仓库\u200bA区", "contains the invisible character U+200B ZERO WIDTH SPACE at character 3"),
        ("仓库\u202eA区", "contains the invisible character U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("仓\ufffd库", "contains the replacement character U+FFFD (the text was damaged by a wrong encoding"),
    ],
)
def test_control_and_invisible_characters_in_a_cell_are_refused_on_both_backends(db, tmp_path, cell, reason):
    from tests.interchange_files import write_csv_folder

    run_import(db, write_workbook(tmp_path / "a.xlsx", sample()))
    data = {"assets": sample()["assets"]}
    data["assets"][0]["location"] = cell
    problems = _rejected(db, write_csv_folder(tmp_path / "export", data))
    assert [p[:3] for p in problems] == [("assets", 2, "location")] and reason in problems[0][3]


def test_invisible_characters_and_line_breaks_at_the_ends_of_a_cell_are_trimmed(db, tmp_path):
    from tests.interchange_files import write_csv_folder

    data = sample()
    data["assets"][0]["location"] = "\ufeff\u200b 执行局扣押物仓库A区\u200b\r\n"
    data["assets"][0]["disposal_status"] = "待\n评估"  # a line break inside a cell is the cell's
    run_import(db, write_csv_folder(tmp_path / "export", data))
    with db.engine.connect() as conn:
        assert conn.execute(select(m.SeizedAsset.location, m.SeizedAsset.disposal_status)).one() == (
            "执行局扣押物仓库A区",
            "待\n评估",
        )


# -- csv encodings ---------------------------------------------------------------------------------------


def _mixed(folder, *, bom: bool = False):
    """cases.csv: the header and the first case in UTF-8 (with a BOM or not), the other cases in GBK."""
    from tests.interchange_files import write_csv_folder

    write_csv_folder(folder, {"cases": sample()["cases"]}, gbk=("cases",))
    lines = (folder / "cases.csv").read_bytes().split(b"\r\n")
    head = b"\r\n".join(lines[:2]).decode("gbk").encode("utf-8")
    (folder / "cases.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + head + b"\r\n" + b"\r\n".join(lines[2:]))
    return folder


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        # a quote never closed in the header swallowed the file: every header matched, no row read
        ('案号,"立案日期\n（2026）内0425执1号,2026-01-05\n', 1, "its closing quote never comes"),
        ('案号,立案日期\n（2026）内0425执1号,"2026-01-05\n（2026）内0425执2号,2026-01-05\n', 2, "never comes"),
        ('案号,立案日期\n（2026）内0425执1号,"2026"-01-05\n', 2, "not a valid CSV line (',' expected after '\"')"),
    ],
)
def test_a_csv_quote_left_open_is_named_by_its_line_not_read_as_the_rest_of_the_file(db, tmp_path, text, line, reason):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(text, encoding="utf-8")
    (problem,) = _rejected(db, folder)
    assert problem[:3] == ("cases.csv", line, "") and reason in problem[3]
    (folder / "cases.csv").write_text(  # a quoted cell over two lines is still one cell
        '案号,立案日期,被执行人\n（2026）内0425执1号,2026-01-05,"张三\n李四"\n', encoding="utf-8"
    )
    assert run_import(db, folder).sheets["cases"].inserted == 1


def test_a_csv_file_in_two_encodings_is_named_with_its_line_column_and_bytes(db, tmp_path):
    problems = _rejected(db, _mixed(tmp_path / "export"))
    assert problems == [
        (
            "cases.csv",
            3,
            "case_no",
            "the file mixes two encodings: line 1 is UTF-8 but line 3 is not (2 lines in all are not): column 1 (案号) "
            "has the bytes c4 da (the cell reads '(2025)内0425执恢7号' as GBK); save it again as CSV UTF-8",
        )
    ]


def test_a_csv_file_with_a_bom_and_a_gbk_line_is_named(db, tmp_path):
    folder = tmp_path / "export"
    _mixed(folder, bom=True)
    lines = (folder / "cases.csv").read_bytes()[3:].split(b"\r\n")
    (folder / "cases.csv").write_bytes(
        b"\xef\xbb\xbf" + b"\r\n".join([lines[0].decode("utf-8").encode("gbk"), *lines[1:]])
    )
    (problem,) = _rejected(db, folder)
    assert problem[:3] == ("cases.csv", 1, "case_no")
    assert (
        problem[3].startswith(
            "the file mixes two encodings: line 2 is UTF-8 but line 1 is not (3 lines in all are not): column 1 ("
        )
        and "has the bytes b0 b8 ba c5 (the cell reads '案号' as GBK)" in problem[3]
    )


def test_a_csv_file_in_unicode_text_or_separated_by_tabs_or_semicolons_is_read(db, tmp_path):
    """Excel's and WPS's 'Unicode text' (UTF-16 with its BOM, cells separated by tabs, CRLF)
    saved as .csv, and files whose cells are separated by tabs or semicolons: each is read as
    the comma-separated UTF-8 file it stands for, a comma inside an amount or a name kept."""
    folder = tmp_path / "export"
    folder.mkdir()
    rows = [
        ["执行案号", "收案日期", "执行标的金额", "被执行人"],
        ["（2026）内0425执7003号", "2026-03-02", "1,234.50", "张三"],
        ["（2026）内0425执7004号", "2026-03-05", "100", "李四；王五"],
    ]
    expected = [
        ("（2026）内0425执7003号", Decimal("1234.50")),
        ("（2026）内0425执7004号", Decimal("100.00")),
    ]
    for encoding, delimiter, newline in (
        ("utf-16", "\t", "\r\n"),
        ("utf-16-be", "\t", "\n"),
        ("utf-8", "\t", "\n"),
        ("gbk", ";", "\r\n"),
    ):
        text = newline.join(delimiter.join(row) for row in rows) + newline
        data = codecs.BOM_UTF16_BE + text.encode(encoding) if encoding == "utf-16-be" else text.encode(encoding)
        (folder / "cases.csv").write_bytes(data)
        run_import(db, folder)
        with db.engine.connect() as conn:
            cases = m.Case.__table__
            assert conn.execute(select(cases.c.case_no, cases.c.amount).order_by(cases.c.case_no)).all() == expected
        with db.engine.begin() as conn:
            conn.execute(m.Party.__table__.delete())
            conn.execute(cases.delete())
    (folder / "cases.csv").write_bytes(codecs.BOM_UTF16_LE + "执行案号\t收案日期\n".encode("utf-16-le") + b"\x00\xd8")
    (problem,) = _rejected(db, folder)
    assert problem[:3] == ("cases.csv", 2, "") and "begins as UTF-16 text (Unicode text) but is not" in problem[3]


# -- dates and numbers that are not what they say -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "column", "cell"),
    [
        ("cases", "filed_on", "2206-03-02"),  # a typo
        ("cases", "term_extended_to", "9999-12-31"),  # "no date"
        ("cases", "filed_on", "1900-01-01"),
        ("leads", "reported_at", "0001-01-01 00:00"),  # SQLite could not store it, PostgreSQL did
        ("leads", "reported_at", "9999-12-31T23:00:00-05:00"),  # Python could not convert it
    ],
)
def test_a_date_outside_1901_to_2099_is_refused_on_both_backends(db, tmp_path, sheet, column, cell):
    data = sample()
    data[sheet][0][column] = cell
    problems = _rejected(db, write_workbook(tmp_path / "a.xlsx", data))
    assert [p[:3] for p in problems] == [(sheet, 2, column)]
    assert f"{cell!r} is outside the years 1901-2099" in problems[0][3]


def test_an_account_number_excel_kept_as_a_number_of_more_than_15_digits_is_refused(db, tmp_path):
    data = sample()
    data["accounts"][0]["account_no"] = 6.228480000000001e18  # what Excel keeps of 6228480000000000123
    problems = _rejected(db, write_workbook(tmp_path / "a.xlsx", data))
    assert problems == [
        (
            "accounts",
            2,
            "account_no",
            "6.22848e+18 is a number of more than 15 digits, which Excel "
            "does not keep exactly: format the column as text and type the digits again",
        )
    ]
    data["accounts"][0]["account_no"] = 622848000000123  # 15 digits are kept
    run_import(db, write_workbook(tmp_path / "b.xlsx", data))
    assert snapshot(db)["accounts"][0].account_no == "622848000000123"
