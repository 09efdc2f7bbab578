"""``command-center brief --export FILE``: the morning brief as an .xlsx workbook or a printable .md.

The workbook has one sheet per section with Chinese headers, numbers as numbers (rates with
a percent format, amounts with two decimals), and every text cell that a spreadsheet would
take for a formula (starting with = + - @) neutralised with a leading apostrophe; a 趋势 sheet
holds the daily snapshots of the last 90 days with native line charts.
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from command_center.data.brief import CHANGES, OFFICER_KEYS, OFFICER_UNITS, SPEC, TEAM_KEYS, TREND_CHARTS, Brief, Spec
from command_center.data.workcal import TZ
from command_center.labels import BRIEF, BRIEF_CHANGES, BRIEF_OFFICERS, RESPONSE_STATES, TIERS
from command_center.labels import MEETS as MEETS_IN
from command_center.private import private_file

FORMATS = {"rate": "0.00%", "days": "0.00", "count": "#,##0", "yuan": "#,##0.00", "hours": "0.0"}
OFFICER_WORDS = BRIEF_OFFICERS["zh"]
CHANGE_LABELS, MEETS, RESPONSE = BRIEF_CHANGES["zh"], MEETS_IN["zh"], RESPONSE_STATES["zh"]  # the export is in Chinese
BRIEF_CHARTS = BRIEF["zh"]["charts"]
LIGHTS = TIERS["zh"]


def _local(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def safe_text(text: str) -> str:
    """A text a spreadsheet shows as text: no formula, no DDE (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def shown(value, spec: Spec) -> str:
    """A value as the screen and the printable brief show it."""
    return shown_unit(value, spec.unit)


def shown_unit(value, unit: str) -> str:
    """A value of that unit (rate, yuan, count, days, hours) as the screen and the brief show it."""
    if value is None:
        return "—"
    if unit == "rate":
        return f"{value * 100:.2f}%"
    if unit == "yuan":
        return f"{value:,.2f}"
    if unit == "count":
        return f"{int(value):,}"
    return f"{value}"


def export(brief: Brief, path: Path, generated_at: datetime, trends: dict | None = None) -> None:
    """Write ``path`` (.xlsx or .md) whole or not at all; an .xlsx gains a sheet of the
    ``trends`` (figure → [(day, value)], :func:`~command_center.data.brief.trends`) with a
    native line chart per chart of the brief screen."""
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".md"):
        raise ValueError(f"{path}: the export is .xlsx or .md, not {path.suffix or 'a file without extension'}")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(handle)
    try:
        if suffix == ".xlsx":
            _xlsx(brief, Path(temporary), generated_at, trends or {})
        else:
            _markdown(brief, Path(temporary), generated_at)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _heading(brief: Brief, generated_at: datetime) -> list[tuple[str, str]]:
    return [
        ("统计期间", str(brief.period)),
        ("数据时点", f"{brief.at.astimezone(TZ):%Y-%m-%d %H:%M}"),
        ("生成时间", f"{generated_at.astimezone(TZ):%Y-%m-%d %H:%M}"),
    ]


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _xlsx(brief: Brief, path: Path, generated_at: datetime, trends: dict) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, header: list[str], rows: list[list], formats: list[str | None] | None = None):
        ws = book.create_sheet(title)
        ws.append(header)
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append([safe_text(v) if isinstance(v, str) else _number(v) for v in row])
            for cell, fmt in zip(ws[ws.max_row], formats or [], strict=False):
                if fmt and isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
        return ws

    about = book.active
    about.title = "说明"
    about.append(["晨会简报", "执行指挥中心"])
    about["A1"].font = bold
    for label, value in _heading(brief, generated_at):
        about.append([label, value])
    figures = sheet("指标", ["指标", "当前值", "目标", "达标", "前一日", "前一周"], [])
    for row in brief.rows:
        figures.append(
            [
                row.spec.zh,
                _number(row.value),
                _number(row.target),
                MEETS[row.meets],
                _number(row.day_before),
                _number(row.week_before),
            ]
        )
        for index in (2, 3, 5, 6):
            figures.cell(figures.max_row, index).number_format = FORMATS[row.spec.unit]
    keys = [s.key for s in SPEC.values()]
    sheet(
        "团队",
        ["团队", *[SPEC[k].zh for k in keys]],
        [[t.scope, *[t.values[k] for k in keys]] for t in brief.teams],
        [None, *[FORMATS[SPEC[k].unit] for k in keys]],
    )
    sheet(
        OFFICER_WORDS["sheet"],
        [
            OFFICER_WORDS["login"],
            OFFICER_WORDS["officer"],
            OFFICER_WORDS["team"],
            *[OFFICER_WORDS[k] for k in OFFICER_KEYS],
        ],
        [[o.login, o.name, o.team, *[o.values[k] for k in OFFICER_KEYS]] for o in brief.officers],
        [None, None, None, *[FORMATS[OFFICER_UNITS[k]] for k in OFFICER_KEYS]],
    )
    sheet("昨日以来", ["变化", "数量"], [[CHANGE_LABELS[k], brief.changes[k]] for k in CHANGES])
    for title, _, header, rows in _waiting(brief):
        sheet(title, header, rows)
    _trends_sheet(book, sheet, trends)
    for ws in book.worksheets:
        for column in ws.columns:
            ws.column_dimensions[column[0].column_letter].width = max(
                12, min(40, max(len(str(c.value or "")) for c in column) * 2)
            )
    book.save(private_file(path))


def _trends_sheet(book, sheet, trends: dict) -> None:
    """趋势: a row per day, a column per figure, and a native line chart per chart of the
    brief screen beside it (Excel and WPS draw them; the values stay in the cells)."""
    from openpyxl.chart import LineChart, Reference

    keys = [key for keys in TREND_CHARTS.values() for key in keys]
    days = sorted({day for key in keys for day, _ in trends.get(key, ())})
    values = {key: dict(trends.get(key, ())) for key in keys}
    ws = sheet(
        "趋势",
        ["日期", *[SPEC[key].zh for key in keys]],
        [[day.isoformat(), *[values[key].get(day) for key in keys]] for day in days],
        [None, *[FORMATS[SPEC[key].unit] for key in keys]],
    )
    if not days:
        ws.append(["尚无快照: 运行 command-center snapshot --backfill 90"])
        return
    anchor_row = 2
    for chart_key, chart_keys in TREND_CHARTS.items():
        chart = LineChart()
        chart.title = BRIEF_CHARTS[chart_key]
        chart.height, chart.width = 7.5, 18
        chart.y_axis.title = BRIEF_CHARTS[chart_key]
        chart.x_axis.number_format = "@"
        for key in chart_keys:
            column = keys.index(key) + 2
            chart.add_data(Reference(ws, min_col=column, min_row=1, max_row=len(days) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(days) + 1))
        ws.add_chart(chart, f"{chr(ord('A') + len(keys) + 2)}{anchor_row}")
        anchor_row += 16


def _waiting(brief: Brief) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """What waits for the chief, as (sheet title, section title, headers, rows) for both formats."""
    return [
        (
            "待决定红灯",
            "待决定的红灯案件",
            ["案号", "节点", "承办人", "应对", "应对期限"],
            [
                [d["case_no"], d["node_code"], d["officer"], RESPONSE[d["response"]], d["response_due_date"] or ""]
                for d in brief.decisions
            ],
        ),
        (
            "解锁申请",
            "待审批的解锁申请 (程序锁死)",
            ["案号", "承办人", "申请人", "申请时间", "理由"],
            [
                [u["case_no"], u["officer"], u["requested_by"], _local(u["requested_at"]), u["reason"]]
                for u in brief.unlock_requests
            ],
        ),
        (
            "即将转红",
            "即将转红、转黄 (7 天内, 无人处理时)",
            ["案号", "节点", "承办人", "现在", "将转为", "日期"],
            [
                [
                    t["case_no"],
                    t["node_code"] or "",
                    t["officer"] or "",
                    LIGHTS.get(t["tier"], ""),
                    LIGHTS[t["turns_to"]],
                    t["on"],
                ]
                for t in brief.turning
            ],
        ),
    ]


def _markdown(brief: Brief, path: Path, generated_at: datetime) -> None:
    def cell(text: str) -> str:
        return " ".join(text.split()).replace("|", "\\|")  # one line, no column break

    lines = ["# 晨会简报 · 执行指挥中心", ""]
    lines += [f"- {label}: {value}" for label, value in _heading(brief, generated_at)]
    lines += [
        "",
        "## 质效指标",
        "",
        "| 指标 | 当前值 | 目标 | 达标 | 前一日 | 前一周 |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for r in brief.rows:
        lines.append(
            f"| {r.spec.zh} | {shown(r.value, r.spec)} | {shown(r.target, r.spec) if r.target is not None else ''} | "
            f"{MEETS[r.meets]} | {shown(r.day_before, r.spec)} | {shown(r.week_before, r.spec)} |"
        )
    keys = TEAM_KEYS
    lines += [
        "",
        "## 团队对比",
        "",
        "| 团队 | " + " | ".join(SPEC[k].zh for k in keys) + " |",
        "|---" + "|---:" * len(keys) + "|",
    ]
    for t in brief.teams:
        lines.append(f"| {cell(t.scope)} | " + " | ".join(shown(t.values[k], SPEC[k]) for k in keys) + " |")
    lines += [
        "",
        f"## {OFFICER_WORDS['sheet']}",
        "",
        f"| {OFFICER_WORDS['officer']} | {OFFICER_WORDS['team']} | "
        + " | ".join(OFFICER_WORDS[k] for k in OFFICER_KEYS)
        + " |",
        "|---|---" + "|---:" * len(OFFICER_KEYS) + "|",
    ]
    for o in brief.officers:
        lines.append(
            f"| {cell(o.login)} {cell(o.name)} | {cell(o.team)} | "
            + " | ".join(shown_unit(o.values[k], OFFICER_UNITS[k]) for k in OFFICER_KEYS)
            + " |"
        )
    lines += ["", "## 昨日以来", ""] + [f"- {CHANGE_LABELS[k]}: {brief.changes[k]:,}" for k in CHANGES]
    for _, title, header, rows in _waiting(brief):
        lines += ["", f"## {title}", ""]
        if rows:
            lines += ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
            lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
        else:
            lines.append("无")
    private_file(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
