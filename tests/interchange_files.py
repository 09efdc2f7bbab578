"""Writes interchange files (DOMAIN §5) for the import tests: a workbook or a csv folder."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

from command_center.data.interchange import SHEETS

SHEET = {s.name: s for s in SHEETS}


def sample() -> dict[str, list[dict]]:
    """Three cases: an open one with a fund, an asset, an account and a lead; a 终本 case; a suspended one."""
    a, b, c = "（2026）内0425执101号", "(2025)内0425执恢7号", "（2026）内0425执102号"
    return {
        "cases": [
            {
                "case_no": a,
                "filed_on": "2026-09-01",
                "amount": "125000.50",
                "applicants": "王大伟",
                "debtors": "赤峰鑫源商贸有限公司；李强",
                "team": "普执一组",
                "officer": "张承办",
                "track": "普执",
                "court": "克什克腾旗人民法院",
            },
            {
                "case_no": b,
                "filed_on": "2025/06/15",
                "amount": "8000",
                "amount_recovered": "1200.5",
                "applicants": "刘芳",
                "debtors": "赵磊",
                "team": "简执一组",
                "officer": "王承办",
                "closed_on": "2026年3月1日",
                "closing_mode": "终结本次执行程序",
            },
            {
                "case_no": c,
                "filed_on": "2026-07-20",
                "amount": "0",
                "applicants": "周敏",
                "debtors": "吴刚",
                "team": "普执一组",
                "officer": "张承办",
                "term_extended_to": "2027-03-31",
            },
        ],
        "nodes": [
            {"case_no": a, "node_code": "N05", "started_at": "2026-09-01 09:00", "completed_at": "2026-09-03 16:30"},
            {"case_no": a, "node_code": "N07", "started_at": "2026-09-02 10:00"},
            {"case_no": c, "node_code": "N05", "started_at": "2026-07-20", "due_at": "2026-07-25 18:00"},
        ],
        "funds": [
            {
                "fund_id": "F-1",
                "case_no": a,
                "amount": "30000.00",
                "arrived_at": "2026-11-02 10:15",
                "claimed_at": "2026-11-03 09:00",
            },
            {
                "fund_id": "F-2",
                "case_no": b,
                "amount": "1200.50",
                "arrived_at": "2026-01-05 11:00",
                "claimed_at": "2026-01-05 15:00",
                "disbursed_at": "2026-01-09 10:00",
            },
        ],
        "assets": [
            {
                "asset_id": "A-1",
                "case_no": a,
                "kind": "车辆",
                "seized_on": "2026-09-20",
                "location": "执行局扣押物仓库A区",
                "valuation": "86000",
            }
        ],
        "accounts": [
            {
                "account_id": "B-1",
                "case_no": a,
                "bank": "中国农业银行克什克腾旗支行",
                "account_no": "6228480000000000000",
                "frozen_on": "2026-09-05",
            }
        ],
        "leads": [{"lead_id": "L-1", "case_no": a, "reported_at": "2026-11-19 15:00"}],
        "suspensions": [{"case_no": c, "from_date": "2026-08-01", "to_date": "2026-08-31"}],
    }


def _header(sheet: str, column: str, style: str) -> str:
    col = SHEET[sheet].column(column)
    return {"en": col.name, "zh": col.zh, "both": col.header()}[style]


def _table(sheet: str, rows: list[dict], style: str, extra_column: bool) -> list[list]:
    columns = [c.name for c in SHEET[sheet].columns if any(c.name in r for r in rows) or c.required]
    header = [_header(sheet, c, style) for c in columns] + (["备注 (ignored)"] if extra_column else [])
    body = [[r.get(c) for c in columns] + (["x"] if extra_column else []) for r in rows]
    return [header, *body]


def write_workbook(path: Path, data: dict[str, list[dict]], *, style: str = "both", extra_column: bool = True) -> Path:
    book = Workbook()
    book.remove(book.active)
    for sheet, rows in data.items():
        ws = book.create_sheet(sheet)
        for row in _table(sheet, rows, style, extra_column):
            ws.append(row)
    book.save(path)
    return path


def write_csv_folder(
    folder: Path,
    data: dict[str, list[dict]],
    *,
    style: str = "zh",
    gbk: tuple[str, ...] = (),
    bom: tuple[str, ...] = (),
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for sheet, rows in data.items():
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(
            [["" if v is None else v for v in row] for row in _table(sheet, rows, style, extra_column=False)]
        )
        text = out.getvalue()
        if sheet in gbk:
            (folder / f"{sheet}.csv").write_bytes(text.encode("gbk"))
        else:
            (folder / f"{sheet}.csv").write_bytes(("\ufeff" if sheet in bom else "").encode() + text.encode("utf-8"))
    return folder


def save_formula_results(path: Path, results: dict[str, str]) -> Path:
    """Give formula cells the value Excel would have saved with them: ``{'=HYPERLINK(…)': 'text'}``.

    openpyxl writes a formula with an empty value (``<f>…</f><v />``), as a program that does
    not compute formulas does; Excel writes ``<c … t="str"><f>…</f><v>text</v></c>`` (``t="e"``
    for an error such as ``#N/A``)."""
    from xml.sax.saxutils import escape

    source = path.with_suffix(".formulas.xlsx")
    path.rename(source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item)
            if item.filename.startswith("xl/worksheets/"):
                text = data.decode("utf-8")
                for formula, value in results.items():
                    text = re.sub(
                        r'(<c r="[A-Z]+\d+")([^>]*>)(<f>' + re.escape(escape(formula[1:])) + r"</f>)<v\s*/>",
                        lambda match, value=value: (
                            f'{match[1]} t="{"e" if value.startswith("#") else "str"}"{match[2]}{match[3]}'
                            f"<v>{escape(value)}</v>"
                        ),
                        text,
                    )
                data = text.encode("utf-8")
            new.writestr(item, data)
    source.unlink()
    return path
