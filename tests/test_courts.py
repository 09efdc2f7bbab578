"""Two courts in one database: court codes, ``--court`` and exact roll-ups (issue 25).

Two courts' exports (克什克腾旗 内0425 and 红山区 内0402, each with a team named 普执一组) are
imported into one database, and each alone into a fresh one: a court's figures in the shared
database are those of the court alone, and the figures of their parent code 内04 are the sums
(counts, amounts) and the recomputed ratios (from the summed numerators and denominators).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from command_center.cli import cli
from command_center.data.brief import SPEC, Period, figures_of, raw_figures, summed
from command_center.data.caseno import court_of
from command_center.data.courts import UnknownCourt, courts_under
from command_center.data.engine import Database, open_database
from command_center.data.rollup import COURT_KEYS, RATES, court_table
from command_center.data.rules import Rules
from command_center.jobs.imports import import_and_recompute
from tests.builders import CALENDAR, CATALOGUE
from tests.conftest import NOW, _pg_url
from tests.interchange_files import write_workbook

A, B = "内0425", "内0402"
NAMES = {A: "克什克腾旗人民法院", B: "赤峰市红山区人民法院"}
#: (filed on, closed on, closing mode, amount, recovered, due date of an open node or None)
CASES = {
    A: [
        ("2025-11-03", None, None, "50000", "0", "2026-07-01 18:00"),  # red
        ("2026-01-10", "2026-06-30", "执行完毕", "20000", "20000", None),
        ("2026-02-10", "2026-09-30", "终结本次执行程序", "80000", "4000", None),
        ("2026-03-10", None, None, "12000", "0", "2026-09-10 18:00"),  # yellow
        ("2026-04-10", "2026-10-15", "执行完毕", "6000", "6000", None),
        ("2026-06-10", None, None, "300000", "0", "2026-10-12 18:00"),  # blue
    ],
    B: [
        ("2025-12-01", "2026-03-01", "执行完毕", "100000", "100000", None),
        ("2026-05-01", None, None, "9000", "0", "2026-06-20 18:00"),  # red
        ("2026-08-01", None, None, "45000.50", "0", "2026-11-10 18:00"),  # overdue, no light
    ],
}


def court_export(code: str) -> dict[str, list[dict]]:
    """One court's export: its cases, an overdue node on each open case, two funds (one waiting
    over 30 days, one just arrived) and the court's name in the ``court`` column."""
    cases, nodes, funds = [], [], []
    for number, (filed, closed, mode, amount, recovered, due) in enumerate(CASES[code], start=1):
        case_no = f"（{filed[:4]}）{code}执{number}号"
        cases.append(
            {
                "case_no": case_no,
                "filed_on": filed,
                "amount": amount,
                "amount_recovered": recovered,
                "applicants": f"申请人{code}{number}",
                "debtors": f"被执行人{code}{number}",
                "team": "普执一组",  # the same team name in both courts: two teams
                "officer": f"承办{code}",
                "court": NAMES[code],
                "closed_on": closed,
                "closing_mode": mode,
            }
        )
        if due:
            nodes.append({"case_no": case_no, "node_code": "N05", "started_at": filed, "due_at": due})
    first = cases[0]["case_no"]
    funds.append({"fund_id": f"F-{code}-1", "case_no": first, "amount": "7000.25", "arrived_at": "2026-09-01 10:00"})
    funds.append({"fund_id": f"F-{code}-2", "case_no": first, "amount": "300", "arrived_at": "2026-11-19 10:00"})
    return {"cases": cases, "nodes": nodes, "funds": funds}


def load(db: Database, tmp_path: Path, *codes: str) -> None:
    for code in codes:
        path = write_workbook(tmp_path / f"{code}.xlsx", court_export(code))
        import_and_recompute(db, CATALOGUE, CALENDAR, path, NOW)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def courts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """The two courts in one database, and each alone in a database of its own: made once per
    backend for the module (four imports), as its tests only read them."""
    folder = tmp_path_factory.mktemp("courts")
    with ExitStack() as stack:

        def loaded(name: str, *codes: str) -> Database:
            if request.param == "sqlite":
                url = f"sqlite:///{folder / name}.sqlite3"
            else:
                copies = request.getfixturevalue("pg_copies")
                dbname = copies.take()
                stack.callback(copies.drop, dbname)
                url = _pg_url(dbname)
            database = open_database(url, migrate=True, create=True)
            stack.callback(database.dispose)
            load(database, folder, *codes)
            return database

        yield loaded("both", A, B), {code: loaded(f"alone-{code}", code) for code in (A, B)}


def run(database: Database, *args: str) -> tuple[int, str]:
    url = database.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(cli, ["--db", url, "--now", "2026-11-20T10:00", *args])
    return result.exit_code, result.output


def as_json(database: Database, *args: str):
    code, output = run(database, *args, "--json")
    assert code == 0, output
    return json.loads(output.splitlines()[-1])  # alerts may say on stderr how old they are


def test_a_code_covers_every_court_it_begins(courts):
    db, _ = courts
    a, b = courts_under(db, A), courts_under(db, B)
    assert len(a) == len(b) == 1 and a != b
    assert courts_under(db, "内04") == courts_under(db, "内") == a | b
    assert courts_under(db, " 内０４２５ ") == a  # typed with a full-width digit and spaces
    with pytest.raises(UnknownCourt, match="'内09'.*内0402, 内0425"):
        courts_under(db, "内09")


def test_a_courts_indicators_equal_the_court_imported_alone(courts):
    db, alone = courts
    for code in (A, B):
        scoped = as_json(db, "--court", code, "indicators")
        assert scoped == as_json(alone[code], "indicators")
    figures = as_json(db, "--court", A, "indicators")
    assert (figures["cases"], figures["open_cases"], figures["lights"]["red"]) == (6, 3, 3)  # it compares something


def test_the_parent_codes_figures_are_the_sums(courts):
    db, alone = courts
    parent = as_json(db, "--court", "内04", "indicators")
    assert parent == as_json(db, "indicators")  # 内04 is every court of this database
    a, b = (as_json(alone[code], "indicators") for code in (A, B))
    for key, value in parent.items():
        if key == "now":
            continue
        if key == "lights":
            assert value == {t: a[key][t] + b[key][t] for t in value}
        elif key == "undisbursed_amount":
            assert Decimal(value) == Decimal(a[key]) + Decimal(b[key]) == Decimal("14600.50")
        else:
            assert value == a[key] + b[key], key
    assert parent["cases"] == 9 and parent["lights"]["red"] == 5


def test_the_parent_codes_rates_are_recomputed_not_averaged(courts):
    db, alone = courts
    period = Period.year_to_date(NOW.date())
    raws = [summed(raw_figures(alone[c], CATALOGUE, CALENDAR, period, NOW, now=NOW).values()) for c in (A, B)]
    pooled = figures_of("内04", summed(raws))
    each = [figures_of(c, raw) for c, raw in zip((A, B), raws, strict=True)]
    brief = {row["key"]: row for row in as_json(db, "--court", "内04", "brief")["indicators"]}
    rates = [s.key for s in SPEC.values() if s.unit in ("rate", "days")]
    for key in rates:
        assert brief[key]["value"] == (None if pooled[key] is None else str(pooled[key])), key
    # the pooled ratio is not the average of the courts' ratios (the test could tell them apart)
    averaged = (each[0]["completion_rate"] + each[1]["completion_rate"]) / 2
    assert pooled["completion_rate"] == Decimal("0.7500") and averaged != pooled["completion_rate"]
    # and each court's brief is the court's alone, teams and officers included
    for code in (A, B):
        scoped, lone = as_json(db, "--court", code, "brief"), as_json(alone[code], "brief")
        for part in ("indicators", "teams", "officers", "changes", "decisions", "turning"):
            assert scoped[part] == lone[part], (code, part)
    # two teams of the same name in two courts: each named with its court's code
    assert [t["team"] for t in as_json(db, "brief")["teams"]] == [f"{A} 普执一组", f"{B} 普执一组"]


def test_the_court_table_rows_sum_to_their_total(courts):
    db, alone = courts
    rules = Rules.at(NOW, CATALOGUE, CALENDAR)
    table = court_table(db, rules, courts_under(db, "内04"), code="内04")
    assert [r.code for r in table.rows] == [A, B]  # A has three red cases, B two: worst first
    assert [r["red"] for r in table.rows] == [3, 2]
    assert [r.name for r in table.rows] == [NAMES[A], NAMES[B]]
    for row in table.rows:
        lone = court_table(alone[row.code], rules).total
        assert row.values == lone.values, row.code
    for key in COURT_KEYS:
        if key.endswith("_rate"):
            continue
        assert table.total[key] == sum(r[key] for r in table.rows), key
    everything = as_json(db, "indicators")
    assert (table.total["open_cases"], table.total["red"]) == (everything["open_cases"], everything["lights"]["red"])
    # B's fund waits on a closed case, whose 3+7 nodes stopped with it: only A's fund is 3+7 late
    assert table.total["funds_3_7_overdue"] == everything["funds_3_7_overdue"] == 1
    assert table.total["double_zero_count"] == everything["funds_over_30_days"] == 2
    assert table.total["completion_rate"] == Decimal("0.7500")
    data = as_json(db, "--court", "内04", "indicators", "--by-court")
    assert [c["code"] for c in data["courts"]] == [A, B] and data["total"]["code"] == "内04"
    assert data["total"]["completion_rate"] == "0.7500"
    # the 中院 wall's rows: the same state, without the year's rates it does not show
    state = court_table(db, rules, courts_under(db, "内04"), code="内04", rates=False)
    for lean, full in zip([*state.rows, state.total], [*table.rows, table.total], strict=True):
        assert lean.code == full.code
        assert {k: v for k, v in lean.values.items() if k not in RATES} == {
            k: v for k, v in full.values.items() if k not in RATES
        }
        assert all(lean[k] is None for k in RATES)


def test_the_court_table_in_words(courts):
    db, _ = courts
    code, text = run(db, "indicators", "--by-court")
    assert code == 0, text
    lines = text.splitlines()
    assert lines[1].split()[:4] == ["代码", "法院", "案件", "未结"]
    assert lines[2].startswith(f"{A}  {NAMES[A]}") and lines[3].startswith(B) and lines[4].startswith("合计")
    assert "75.00%" in lines[4]
    code, text = run(db, "--lang", "en", "--court", B, "indicators", "--by-court")
    assert code == 0, text
    lines = text.splitlines()
    assert lines[1].split()[:3] == ["Code", "Court", "Cases"] and not any("代码" in line for line in lines)
    assert [line.split()[0] for line in lines[2:]] == [B, "Total"]


def test_an_unknown_code_is_refused_with_the_codes_there_are(courts):
    db, _ = courts
    for command in (["indicators"], ["alerts"], ["brief", "--json"]):
        code, text = run(db, "--court", "内09", *command)
        assert code != 0
        assert "内09" in text and "内0402, 内0425" in text and "Traceback" not in text
    code, text = run(db, "--lang", "en", "--court", "内09", "indicators")
    assert code != 0 and "no court's code begins with “内09”; the courts' codes: 内0402, 内0425" in text
    code, text = run(db, "--court", A, "recompute")  # not a command --court scopes (yet): refused, not ignored
    assert code != 0 and "--court" in text and "recompute" in text


def test_alerts_of_a_court_are_that_courts_only(courts):
    db, alone = courts
    everything = as_json(db, "alerts")
    assert {court_of(row["case_no"]) for row in everything} == {A, B}
    for code in (A, B):
        scoped = as_json(db, "--court", code, "alerts")
        assert scoped and all(code in row["case_no"] for row in scoped)
        key = ("case_no", "node_code", "tier", "rule", "due_date")
        assert [[r[k] for k in key] for r in scoped] == [[r[k] for k in key] for r in as_json(alone[code], "alerts")]
    assert len(as_json(db, "--court", "内04", "alerts")) == len(everything)


def test_a_courts_export_is_the_courts_alone(courts, tmp_path):
    from openpyxl import load_workbook

    db, alone = courts
    path = tmp_path / "brief.xlsx"
    code, text = run(db, "--court", B, "brief", "--export", str(path))
    assert code == 0, text
    sheet = load_workbook(path)["指标"]
    shown = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=2)}
    lone = {row["key"]: row["value"] for row in as_json(alone[B], "brief")["indicators"]}
    assert shown[SPEC["completion_rate"].zh] == 1 and lone["completion_rate"] == "1.0000"
    for key, value in lone.items():
        cell = shown[SPEC[key].zh]
        assert (cell is None) if value is None else Decimal(str(cell)) == Decimal(value), key
