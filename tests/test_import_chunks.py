"""The import reads, checks and writes a chunk of rows at a time (issue 22): with chunks of one
row the court it leaves, the problems it names and the audit it writes are those of one chunk."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from command_center.data import importer, interchange
from command_center.data import models as m
from command_center.data.engine import open_database
from command_center.data.importer import ImportRejected
from command_center.data.interchange import FileProblem, decode_csv
from tests.interchange_files import sample, write_csv_folder, write_workbook
from tests.test_import import counts, every_problem_named_and_nothing_written, run_import, snapshot

CASE_A, CASE_C = "（2026）内0425执101号", "（2026）内0425执102号"


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(importer, "ROWS_PER_CHUNK", 1)


def test_chunks_of_one_row_import_the_same_court_and_reimport_is_a_no_op(db, tmp_path, tiny_chunks):
    book = write_workbook(tmp_path / "export.xlsx", sample())
    summary = run_import(db, book)
    assert {k: (v.read, v.inserted) for k, v in summary.sheets.items()} == {
        "cases": (3, 3),
        "nodes": (3, 3),
        "funds": (2, 2),
        "assets": (1, 1),
        "accounts": (1, 1),
        "leads": (1, 1),
        "suspensions": (1, 1),
    }
    whole = open_database(f"sqlite:///{tmp_path / 'whole.sqlite3'}", migrate=True)
    try:
        importer.ROWS_PER_CHUNK = 20_000
        run_import(whole, book)
        assert snapshot(db) == snapshot(whole)
    finally:
        whole.dispose()
    importer.ROWS_PER_CHUNK = 1
    before = counts(db)
    again = run_import(db, book)
    assert not again.changed and all(c.unchanged == c.read for c in again.sheets.values())
    assert counts(db) == before | {"audit_log": before["audit_log"] + 1}


def test_chunks_of_one_row_name_every_problem_and_write_nothing(db, tmp_path, tiny_chunks):
    every_problem_named_and_nothing_written(db, tmp_path)


def test_a_duplicate_key_chunks_apart_names_the_first_row(db, tmp_path, tiny_chunks):
    data = sample()
    data["nodes"].append(dict(data["nodes"][0]))  # row 5: the key of row 2
    data["nodes"].append(dict(data["nodes"][0], started_at="2026-09-01 10:00"))  # row 6: the same key again
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "dup.xlsx", data))
    assert [(p.sheet, p.row, p.reason) for p in rejected.value.problems] == [
        ("nodes", 5, f"duplicate key {CASE_A} / N05 (also row 2)"),
        ("nodes", 6, f"duplicate key {CASE_A} / N05 (also row 2)"),
    ]
    assert counts(db)["cases"] == 0


def test_rows_naming_a_case_whose_row_has_a_problem_are_not_unknown(db, tmp_path, tiny_chunks):
    """The file's valid cases are in the database by the time the nodes are read; a case whose
    own row has a problem is still the file's: only its row is reported, and an unknown case is."""
    data = sample()
    data["cases"][2]["filed_on"] = "2026-02-30"  # row 4: case C
    data["nodes"].append({"case_no": "（2026）内0425执999号", "node_code": "N05", "started_at": "2026-09-01"})
    with pytest.raises(ImportRejected) as rejected:
        run_import(db, write_workbook(tmp_path / "bad.xlsx", data))
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [
        ("cases", 4, "filed_on"),
        ("nodes", 5, "case_no"),
    ]
    assert all(n == 0 for table, n in counts(db).items() if table != "audit_log")


def test_a_dry_run_in_chunks_reports_what_the_import_does(db, tmp_path, tiny_chunks):
    book = write_workbook(tmp_path / "export.xlsx", sample())
    dry = run_import(db, book, dry_run=True)
    assert counts(db)["cases"] == 0
    real = run_import(db, book)
    assert dry.as_json() | {"dry_run": True, "seconds": 0} == real.as_json() | {"dry_run": True, "seconds": 0}


def test_a_changed_row_in_a_later_chunk_is_audited(db, tmp_path, tiny_chunks):
    data = sample()
    run_import(db, write_workbook(tmp_path / "first.xlsx", data))
    data["funds"][1]["disbursed_at"] = "2026-01-10 10:00"
    data["nodes"][2]["completed_at"] = "2026-07-22 10:00"
    summary = run_import(db, write_workbook(tmp_path / "second.xlsx", data))
    assert (summary.sheets["funds"].updated, summary.sheets["nodes"].updated) == (1, 1)
    with db.engine.connect() as conn:
        entries = conn.execute(
            select(m.AuditEntry.entity, m.AuditEntry.detail)
            .where(m.AuditEntry.action == "import.update")
            .order_by(m.AuditEntry.id)
        ).all()
    assert [(e.entity, e.detail["row"], sorted(e.detail["changes"])) for e in entries] == [
        ("nodes", 4, ["completed_at"]),
        ("funds", 3, ["disbursed_at"]),
    ]


def test_a_csv_folder_read_in_blocks_of_a_few_bytes_imports_as_the_workbook(tmp_path, monkeypatch):
    """GBK detection and UTF-8 checking go a block at a time: blocks of 7 bytes split characters."""
    monkeypatch.setattr(interchange, "_BLOCK", 7)
    data = sample()
    book = write_workbook(tmp_path / "export.xlsx", data, style="both")
    folder = write_csv_folder(tmp_path / "export", data, style="zh", gbk=("cases", "funds"), bom=("nodes",))
    first = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}", migrate=True)
    second = open_database(f"sqlite:///{tmp_path / 'b.sqlite3'}", migrate=True)
    try:
        run_import(first, book)
        run_import(second, folder)
        assert snapshot(first) == snapshot(second)
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.parametrize(
    "body",
    [
        "案号,立案日期\n（2026）内0425执1号,2026-01-01\n".encode() + "（2026）内0425执2号,2026-01-02\n".encode("gbk"),
        b"\xef\xbb\xbf" + "案号,立案日期\n".encode() + "（2026）内0425执2号,2026-01-02\n".encode("gbk"),
        "案号,立案日期\n".encode("gbk") + b"\x81\x20,2026-01-02\n",
    ],
    ids=["utf8_then_gbk", "bom_then_gbk", "neither"],
)
def test_a_csv_file_refused_while_streaming_is_refused_as_before(tmp_path, monkeypatch, body):
    monkeypatch.setattr(interchange, "_BLOCK", 5)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_bytes(body)
    with pytest.raises(FileProblem) as before:
        decode_csv(folder / "cases.csv", interchange.SHEET_BY_NAME["cases"])
    db = open_database(f"sqlite:///{tmp_path / 'a.sqlite3'}", migrate=True)
    try:
        with pytest.raises(ImportRejected) as rejected:
            run_import(db, folder)
    finally:
        db.dispose()
    assert rejected.value.problems == [before.value.problem]
