"""Related cases (关联案件, DOMAIN.md §7), worked by hand on both backends: the 孟州 pattern with
its offset in exact decimals, a same-debtor bundle, unrelated and closed cases left alone, names
that differ only by spaces or full-width letters, ID numbers, and the chief handing a bundle
to one team."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import Integer, delete, func

from command_center.cli import cli
from command_center.data import models as m
from command_center.data import related
from command_center.data.access import ActionRefused, Actor, NotAllowed, StaleVersion
from command_center.data.engine import open_database
from command_center.data.names import name_key
from command_center.data.related import bundle_of, hand_bundle, related_bundles
from tests.builders import Court
from tests.conftest import NOW

FILED = date(2026, 10, 8)
CHIEF = Actor(2, "chief", "chief")
CASE = m.Case.__table__


def case_of(court: Court, applicants, debtors, amount: str, recovered: str = "0.00", *, closed: bool = False) -> int:
    """A case of ``applicants`` against ``debtors``: each a name, or (name, ID number)."""
    case_id = court.case(FILED)
    with court.db.engine.begin() as conn:
        conn.execute(delete(m.Party.__table__).where(m.Party.__table__.c.case_id == case_id))
    court.update(
        m.Case,
        CASE.c.id == case_id,
        amount=Decimal(amount),
        amount_recovered=Decimal(recovered),
        closed_on=date(2026, 11, 1) if closed else None,
    )
    for role, people in (("applicant", applicants), ("debtor", debtors)):
        for position, person in enumerate(people):
            name, number = person if isinstance(person, tuple) else (person, None)
            court.add(m.Party, case_id=case_id, role=role, position=position, name=name, id_number=number)
    return case_id


def test_names_that_differ_by_spaces_or_full_width_letters_are_one():
    assert name_key("ＸＹ科技有限公司") == name_key("XY 科技有限公司") == name_key("xy科技\u200b有限公司")
    assert name_key("王 某 霞") == name_key("王某霞") == name_key("王\u3000某霞")
    assert name_key("王某霞") != name_key("王某生")


def test_mengzhou_fourteen_cases_one_bundle_and_its_offset(db):
    """10 cases of 5 applicants against one company, 4 of the company against 4 of them."""
    court = Court(db)
    company = "XY科技有限公司"
    people = {
        "wang_xia": ("王某霞", "410883198001011234"),
        "wang_sheng": ("王某生", "410883197805052345"),
        "chen": "陈某某",  # no ID number in the export: matched by name
        "fan": ("范某明", "41088319850707345X"),
        "chai": ("柴某霞", "410883199002024567"),
    }
    # the company's name as five clerks typed it
    spellings = ["XY科技有限公司", "ＸＹ科技有限公司", "XY 科技有限公司", "XY科技 有限公司", "xy科技有限公司"]
    claims = {  # what each applicant is owed by the company, two cases each (amount, recovered)
        "wang_xia": [("125000.00", "5000.00"), ("80000.50", "0.00")],  # 120000.00 + 80000.50 = 200000.50
        "wang_sheng": [("95000.00", "0.00"), ("60000.00", "0.00")],  # 155000.00
        "chen": [("110000.25", "0.00"), ("90000.00", "0.00")],  # 200000.25
        "fan": [("130000.00", "0.00"), ("70000.00", "0.00")],  # 200000.00
        "chai": [("6000.00", "0.00"), ("4000.00", "0.00")],  # 10000.00, nothing owed back
    }
    ids = []
    for index, (who, cases) in enumerate(claims.items()):
        for amount, recovered in cases:
            ids.append(case_of(court, [people[who]], [spellings[index]], amount, recovered))
    back = {"wang_xia": "197000.50", "wang_sheng": "150000.00", "chen": "200000.25", "fan": "202000.00"}
    for who, amount in back.items():  # the company's 4 cases against 4 of them, the ID number once left out
        person = people[who][0] if who == "fan" else people[who]
        ids.append(case_of(court, [company], [person], amount))
    alone = case_of(court, ["赵某"], ["钱某某"], "5000.00")

    bundles = related_bundles(db)
    assert len(bundles) == 1
    (bundle,) = bundles
    assert sorted(bundle.case_ids) == sorted(ids) and alone not in bundle.case_ids
    kinds = {(t.kind, len(t.case_ids)) for t in bundle.ties}
    assert ("debtor", 10) in kinds  # the company, however its name was typed
    assert sum(1 for t in bundle.ties if t.kind == "mutual") == 4
    offsets = {(o.payer, o.payee): (o.payer_owes, o.payee_owes, o.balance) for o in bundle.offsets}
    assert offsets == {
        ("XY科技有限公司", "王某霞"): (Decimal("200000.50"), Decimal("197000.50"), Decimal("3000.00")),
        ("XY科技有限公司", "王某生"): (Decimal("155000.00"), Decimal("150000.00"), Decimal("5000.00")),
        ("XY科技有限公司", "陈某某"): (Decimal("200000.25"), Decimal("200000.25"), Decimal("0.00")),
        ("范某明", "XY科技有限公司"): (Decimal("202000.00"), Decimal("200000.00"), Decimal("2000.00")),
        ("XY科技有限公司", "柴某霞"): (Decimal("10000.00"), Decimal("0.00"), Decimal("10000.00")),
    }
    # 765000.75 owed to the five and 749000.75 owed to the company: 20000.00 changes hands
    assert bundle.gross_total == Decimal("1514001.50")
    assert bundle.net_total == Decimal("20000.00")
    assert bundle.not_offset == ()
    # the case screen's view of one of them is the same bundle
    assert bundle_of(db, ids[-1]).case_ids == bundle.case_ids
    assert bundle_of(db, alone) is None


def test_a_same_debtor_bundle_and_unrelated_cases_left_alone(db):
    court = Court(db)
    li = ("李四", "150425198001011111")
    first = case_of(court, ["甲"], [li], "1000.00")
    second = case_of(court, ["乙"], [li, "丙公司"], "2000.00")
    by_id = case_of(court, ["丁"], [("李 肆", "150425198001011111")], "3000.00")  # same ID, name typed otherwise
    namesake = case_of(court, ["戊"], [("李四", "150425199912312222")], "4000.00")  # another 李四
    other = case_of(court, ["己"], ["庚"], "5000.00")
    closed = case_of(court, ["辛"], [li], "6000.00", closed=True)  # closed: not bundled
    (bundle,) = related_bundles(db)
    assert sorted(bundle.case_ids) == sorted([first, second, by_id])
    assert [(t.kind, t.parties, len(t.case_ids)) for t in bundle.ties] == [("debtor", ("李 肆",), 3)]
    assert bundle.offsets == () and bundle.net_total is None
    for alone in (namesake, other, closed):
        assert bundle_of(db, alone) is None
    # a 李四 without an ID number may be either: the name's group is tied as a whole
    unknown = case_of(court, ["壬"], ["李四"], "7000.00")
    (bundle,) = related_bundles(db)
    assert sorted(bundle.case_ids) == sorted([first, second, by_id, namesake, unknown])


def test_joint_debts_are_bundled_but_not_offset(db):
    court = Court(db)
    one = case_of(court, ["甲公司"], ["乙公司"], "1000.00")
    two = case_of(court, ["乙公司"], ["甲公司", "丙"], "400.00")
    (bundle,) = related_bundles(db)
    assert [t.kind for t in bundle.ties] == ["mutual"]
    assert bundle.not_offset == (two,)
    assert [(o.payer, o.payee, o.balance) for o in bundle.offsets] == [("乙公司", "甲公司", Decimal("1000.00"))]
    assert bundle.net_total == Decimal("1000.00") and one in bundle.case_ids


def test_the_chief_hands_a_bundle_to_one_team(db):
    court = Court(db)
    court.add(m.Team, id=2, court_id=1, name="速执团队", track="速执")
    ids = [case_of(court, [name], ["同一公司"], "1000.00") for name in ("甲", "乙", "丙")]
    bundle = bundle_of(db, ids[0])
    with pytest.raises(NotAllowed):
        hand_bundle(db, bundle, 2, Actor(1, "zhang", "officer"), NOW, reason="打包执行")
    assert hand_bundle(db, bundle, 2, CHIEF, NOW, reason="打包执行") == 3
    assert {(r.team_id, r.officer_id) for r in court.rows(m.Case, CASE.c.id.in_(ids))} == {(2, None)}
    entries = court.rows(m.AuditEntry, m.AuditEntry.__table__.c.action == "case.bundle_reassigned")
    assert sorted(e.case_id for e in entries) == sorted(ids)
    assert all(e.detail["reason"] == "打包执行" and len(e.detail["bundle"]) == 3 for e in entries)
    # what the chief saw is stale now: nothing moves
    court.add(m.Team, id=3, court_id=1, name="简执一组", track="简执")
    with pytest.raises(StaleVersion):
        hand_bundle(db, bundle, 3, CHIEF, NOW, reason="再改")
    assert {r.team_id for r in court.rows(m.Case, CASE.c.id.in_(ids))} == {2}


def test_the_related_command(db_url):
    db = open_database(db_url, migrate=True)
    court = Court(db)
    case_of(court, ["甲公司"], ["乙公司"], "1000.00")
    case_of(court, ["乙 公司"], ["甲公司"], "400.50")
    db.dispose()
    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db_url, "related", "--json"], env={})
    assert result.exit_code == 0, result.output
    (bundle,) = json.loads(result.output)
    assert len(bundle["cases"]) == 2 and bundle["net_total"] == "599.50"
    assert bundle["offsets"] == [
        {"payer": "乙公司", "payee": "甲公司", "payer_owes": "1000.00", "payee_owes": "400.50", "balance": "599.50"}
    ]
    text = runner.invoke(cli, ["--db", db_url, "--lang", "en", "related"], env={})
    assert text.exit_code == 0, text.output
    assert "Bundle 1: 2 cases" in text.output and "still to pay after offsetting 599.50" in text.output
    assert bundle["size"] == 2 and bundle["listed"] is True
    # above --list-limit: the same bundle by what ties it, its offset whole
    short = runner.invoke(cli, ["--db", db_url, "related", "--json", "--list-limit", "1"], env={})
    assert short.exit_code == 0, short.output
    (unlisted,) = json.loads(short.output)
    assert unlisted == bundle | {"cases": None, "listed": False}
    text = runner.invoke(cli, ["--db", db_url, "--lang", "en", "related", "--list-limit", "1"], env={})
    assert text.exit_code == 0, text.output
    lines = text.output.splitlines()
    assert lines[:2] == [
        "Bundle 1: 2 cases",
        "  more than 1 cases, not listed one by one; what ties them, most cases first"
        " (--json gives every tie's case numbers)",
    ]
    assert lines[2] == "  applicant and debtor of each other 乙 公司 ⇄ 乙公司 ⇄ 甲公司: 2 cases"
    assert "still to pay after offsetting 599.50" in text.output


def test_an_import_stores_the_match_keys_and_the_frozen_amount(db, tmp_path):
    """The accounts sheet's 冻结金额(元) becomes ``frozen_amount``; parties get their name key and
    their ID number without spaces, so two clerks' spellings of one company bundle their cases."""
    from command_center.data.importer import import_file
    from tests.builders import CATALOGUE

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "案号,立案日期,标的额,申请执行人,被执行人,被执行人证件号码\n"
        "（2026）内0425执1号,2026-09-01,1000,甲,ＸＹ科技有限公司,\n"
        "（2026）内0425执2号,2026-09-02,2000,乙,XY 科技有限公司,\n"
        "（2026）内0425执3号,2026-09-03,3000,丙,李四,150425 19800101111x\n",
        encoding="utf-8",
    )
    (folder / "accounts.csv").write_text(
        '账户编号,案号,冻结日期,冻结金额(元)\nB1,（2026）内0425执1号,2026-09-05,"1,000.00"\n', encoding="utf-8"
    )
    import_file(db, CATALOGUE, folder, NOW)
    with db.engine.connect() as conn:
        amount = conn.execute(m.FrozenAccount.__table__.select()).one().frozen_amount
        keys = {
            r.name: (r.name_key, r.id_number)
            for r in conn.execute(m.Party.__table__.select().where(m.Party.__table__.c.role == "debtor"))
        }
    assert amount == Decimal("1000.00")
    assert keys["ＸＹ科技有限公司"][0] == keys["XY 科技有限公司"][0] == "XY科技有限公司"
    assert keys["李四"] == ("李四", "15042519800101111X")
    (bundle,) = related_bundles(db)
    assert [c.case_no for c in bundle.cases] == ["（2026）内0425执1号", "（2026）内0425执2号"]


def test_a_bundle_too_large_to_list_is_listed_by_its_ties_with_the_same_offset(db):
    """Above ``list_limit`` cases a bundle's cases are not read back one by one: its ties name
    every case, and its offset is the one the listed bundle has, to the fen."""
    court = Court(db)
    chain = [case_of(court, [name], [("李四", "150425198001011111")], "1000.00") for name in ("甲", "乙", "丙")]
    mutual = [
        case_of(court, ["甲公司"], ["乙公司"], "1000.00", "100.25"),
        case_of(court, ["乙公司"], ["甲公司"], "400.50"),
        case_of(court, ["甲公司"], ["乙公司", "丁"], "50.00"),
    ]
    listed = related_bundles(db)
    short = related_bundles(db, list_limit=2)
    assert [b.size for b in short] == [3, 3] and not any(b.listed for b in short)
    for whole, part in zip(listed, short, strict=True):
        assert whole.listed and part.cases == ()
        assert part.case_ids == whole.case_ids and part.numbers == whole.numbers
        assert (part.ties, part.offsets, part.not_offset) == (whole.ties, whole.offsets, whole.not_offset)
        assert (part.gross_total, part.net_total) == (whole.gross_total, whole.net_total)
        assert {i for t in part.ties for i in t.case_ids} == set(part.numbers)
    by_size = {frozenset(b.case_ids): b for b in short}
    offset = by_size[frozenset(mutual)]
    assert offset.net_total == Decimal("499.25") and offset.not_offset == (mutual[2],)
    assert set(by_size) == {frozenset(chain), frozenset(mutual)}
    data = offset.as_json()
    assert data["cases"] is None and data["size"] == 3 and data["listed"] is False
    assert {c for t in data["ties"] for c in t["cases"]} == {offset.numbers[i] for i in mutual}
    assert data["net_total"] == "499.25" and data["not_offset"] == [offset.numbers[mutual[2]]]
    assert listed[0].as_json() | {"cases": None, "listed": False} == short[0].as_json()
    with pytest.raises(ActionRefused):  # who the cases are with was not read
        hand_bundle(db, offset, 1, CHIEF, NOW, reason="打包执行")


def test_the_keys_hashes_only_narrow_the_search(db, monkeypatch):
    """On PostgreSQL the ties are looked for by the keys' hashes and checked on the text: with a
    hash that collides all the time (the key's length), the bundles are the same."""
    court = Court(db)
    case_of(court, ["甲"], ["AB公司"], "100.00")  # AB公司 and CD公司: one length, two debtors
    case_of(court, ["乙"], ["CD公司"], "200.00")
    case_of(court, ["AB"], ["CDE"], "300.00")  # lengths 2 → 3 and 3 → 2: met both ways only by length
    case_of(court, ["FGH"], ["IJ"], "400.00")
    ids = [case_of(court, ["丙"], [("王五", "150425198001012222")], "500.00") for _ in range(2)]
    ids += [case_of(court, ["丁"], [("王六", "150425198001013333")], "600.00")]  # one ID number's length
    ids += [case_of(court, ["戊公司"], ["己公司"], "700.00"), case_of(court, ["己公司"], ["戊公司"], "800.00")]
    expected = [b.as_json() for b in related_bundles(db)]
    assert [sorted(c["case_no"] for c in b["cases"]) for b in expected] == [
        sorted(court.rows(m.Case, CASE.c.id == i)[0].case_no for i in pair) for pair in (ids[:2], ids[3:])
    ]
    monkeypatch.setattr(related, "_hashed", lambda conn, column: func.length(column, type_=Integer))
    assert [b.as_json() for b in related_bundles(db)] == expected
    assert bundle_of(db, ids[0]).as_json() == expected[0]


def test_a_case_of_a_long_chain_gets_its_bundle_from_the_whole_courts_ties(db, monkeypatch):
    """Followed case by case a chain of repeat debtors takes minutes at a million cases: past
    ``LIST_LIMIT`` cases the case screen's bundle comes from one pass over the court, the same."""
    court = Court(db)
    chain = [case_of(court, [name], ["甲银行", debtor], "1000.00") for name, debtor in (("甲", "乙"), ("丙", "丁"))]
    chain += [case_of(court, ["戊"], ["丁", "己公司"], "2000.00"), case_of(court, ["己公司"], ["戊"], "500.00")]
    other = [case_of(court, ["庚"], ["辛公司"], "300.00"), case_of(court, ["壬"], ["辛公司"], "400.00")]
    alone = case_of(court, ["癸"], ["子"], "100.00")
    stepwise = bundle_of(db, chain[0]).as_json()
    monkeypatch.setattr(related, "LIST_LIMIT", 2)
    whole = {frozenset(b.case_ids): b.as_json() for b in related_bundles(db)}
    assert bundle_of(db, chain[0]).as_json() == whole[frozenset(chain)] == stepwise
    assert stepwise["net_total"] == "500.00" and len(stepwise["cases"]) == 4
    assert bundle_of(db, other[1]).as_json() == whole[frozenset(other)]
    assert bundle_of(db, alone) is None
