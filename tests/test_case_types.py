"""Deadlines by case type (DOMAIN.md §8) and seals that expire (§9), worked out by hand.

One case of each type as of Friday 2026-11-20 10:00, on SQLite and PostgreSQL: its node
instances and its alerts, every due date worked out below with the 2026 calendar in mind
(weekends are rest days; 2026-10-01..07 is the National Day holiday, 10-08 and 10-09 are
working days).  Due soon: within 2 working days (to the end of Tuesday 11-24), 30 days for an
expiry (to the end of 12-20).  Tiers: blue once today is more than a month past the due date
(a due date on or before 10-20), red more than three months (on or before 08-20).
"""

from __future__ import annotations

from datetime import date

import pytest

from command_center.data import models as m
from command_center.data.brief import Period, figures_at
from command_center.data.deadlines import review_due, seal_expiry
from command_center.data.indicators import indicators
from command_center.data.rules import Rules
from command_center.jobs.recompute import recompute
from tests.builders import CALENDAR, CATALOGUE, Court, at

NOW = at(date(2026, 11, 20), 10)
D = date


def run(db, now=NOW, **kw):
    return recompute(db, CATALOGUE, CALENDAR, now, **kw)


@pytest.fixture
def court(db):
    return Court(db)


def live_alerts(court: Court, case_id: int) -> dict[str, tuple[str, str | None, date]]:
    """``node (subject)`` → (rule, tier, the node's due date) of the case's unresolved alerts."""
    nodes = court.nodes(case_id)
    return {
        f"{code} {subject}".strip(): (a.rule, a.tier, nodes[(code, subject)].due_date)
        for (code, subject), a in court.alerts(case_id).items()
        if a.status != "resolved"
    }


def codes(court: Court, case_id: int) -> set[str]:
    return {code for code, _ in court.nodes(case_id)}


def test_a_first_enforcement_case_gets_the_filing_nodes_and_the_term(court):
    """执, filed Monday 2026-11-16."""
    case_id = court.case(D(2026, 11, 16), case_type="执")
    run(court.db)
    assert codes(court, case_id) == {"N02", "N03", "N04", "N05", "N13", "N42"}
    assert live_alerts(court, case_id) == {
        "N02": ("overdue", "overdue", D(2026, 11, 19)),  # 3 days: Thursday, past
        "N03": ("due_soon", None, D(2026, 11, 23)),  # 5 days: Saturday 11-21 → Monday
        "N04": ("due_soon", None, D(2026, 11, 23)),  # 7 days: Monday 11-23
        "N05": ("overdue", "overdue", D(2026, 11, 18)),  # 2 days: Wednesday
    }
    nodes = court.nodes(case_id)
    assert nodes[("N13", "")].due_date == D(2026, 12, 16)  # 1 month: Wednesday, not soon
    assert nodes[("N42", "")].due_date == D(2027, 5, 17)  # 6 months: Sunday 2027-05-16 → Monday
    assert nodes[("N42", "")].provisional, "2027 is estimated"


def test_a_resumed_case_gets_the_same_nodes_and_its_seals_warn_and_lapse(court):
    """执恢, filed Monday 2026-09-28 (the seals come from the earlier case).  Seals last 2 years
    for movables, 3 for equity; N48 is due on the expiry date itself, never rolled."""
    case_id = court.case(D(2026, 9, 28), case_type="执恢")
    assets = [  # (id, kind, seized_on, seal_expires_on, renewed_until, status)
        ("CF1", "动产", D(2024, 12, 10), None, None, "待评估"),  # default 2026-12-10: 20 days away
        ("CF2", "股权", D(2023, 10, 15), None, None, "待评估"),  # default 2026-10-15: lapsed
        ("CF3", "股权", D(2023, 11, 1), D(2026, 10, 31), D(2029, 10, 30), "待评估"),  # renewed
        ("CF4", "动产", D(2024, 11, 25), None, None, " 已拍卖 "),  # sold: no seal to renew
        ("CF5", "其他", D(2024, 12, 1), D(2026, 12, 25), None, "评估中"),  # 35 days: not yet
    ]
    for asset_id, kind, seized_on, expires, renewed, status in assets:
        court.add(
            m.SeizedAsset,
            asset_id=asset_id,
            case_id=case_id,
            kind=kind,
            seized_on=seized_on,
            seal_expires_on=expires,
            renewed_until=renewed,
            disposal_status=status,
        )
        # registered in the asset register long ago (reported by the case system)
        court.add(
            m.NodeInstance,
            case_id=case_id,
            node_code="N19",
            subject_id=asset_id,
            started_at=at(seized_on, 14),
            completed_at=at(seized_on, 16),
            source="imported",
        )
    run(court.db)
    assert codes(court, case_id) == {"N02", "N03", "N04", "N05", "N13", "N42", "N19", "N48"}
    assert live_alerts(court, case_id) == {
        # filing nodes over the National Day: 3, 5 and 7 days end in 10-01..07 → Thursday 10-08,
        # more than a month ago (10-08 + 1 month = 11-08 < 11-20): blue
        "N02": ("overdue", "blue", D(2026, 10, 8)),
        "N03": ("overdue", "blue", D(2026, 10, 8)),
        "N04": ("overdue", "blue", D(2026, 10, 8)),
        "N05": ("overdue", "blue", D(2026, 9, 30)),  # 2 days: Wednesday 09-30
        "N13": ("overdue", "overdue", D(2026, 10, 28)),  # 1 month: Wednesday, less than a month late
        "N48 CF1": ("due_soon", None, D(2026, 12, 10)),  # 2024-12-10 + 2 years, within 30 days
        "N48 CF2": ("overdue", "blue", D(2026, 10, 15)),  # 2023-10-15 + 3 years: lapsed 36 days ago
    }
    nodes = court.nodes(case_id)
    assert nodes[("N48", "CF3")].due_date == D(2029, 10, 30), "the renewal moves it"
    assert nodes[("N48", "CF5")].due_date == D(2026, 12, 25), "the recorded expiry wins over the default"
    assert ("N48", "CF4") not in nodes, "a disposed asset has no N48"
    assert seal_expiry("动产", D(2024, 12, 10), None, None) == D(2026, 12, 10)  # the Python twin agrees
    # counted on the wall as 续封临期 (beside 续冻临期) and in the brief, by the same rule
    rules = Rules.at(NOW, CATALOGUE, CALENDAR)
    wall = indicators(court.db, rules)
    assert (wall.seals_expiring, wall.freezes_expiring) == (1, 0)
    figures, _ = figures_at(court.db, CATALOGUE, CALENDAR, Period.year_to_date(D(2026, 11, 20)), NOW)
    assert (figures["seals_expiring"], figures["freezes_expiring"]) == (1, 0)

    # renewing CF1 (续封至) clears its warning; releasing CF2 (已解封) stops its node
    seized = m.SeizedAsset.__table__
    court.update(m.SeizedAsset, seized.c.asset_id == "CF1", renewed_until=D(2028, 12, 9))
    court.update(m.SeizedAsset, seized.c.asset_id == "CF2", disposal_status="已解封")
    run(court.db)
    nodes = court.nodes(case_id)
    assert nodes[("N48", "CF1")].due_date == D(2028, 12, 9)
    assert nodes[("N48", "CF2")].stopped_at == at(D(2026, 11, 20)), "stopped the day the release was seen"
    assert not {"N48 CF1", "N48 CF2"} & set(live_alerts(court, case_id))


def test_a_preservation_case_gets_only_its_control_nodes(court):
    """执保, filed Monday 2026-11-02: no filing nodes, no case term; its freeze (made before
    filing, expiring Wednesday 12-09, 19 days away) is its only warning."""
    case_id = court.case(D(2026, 11, 2), case_type="执保")
    court.add(
        m.FrozenAccount,
        account_id="ZH1",
        case_id=case_id,
        frozen_on=D(2025, 12, 10),
        expires_on=D(2026, 12, 9),
    )
    court.add(m.Lead, lead_id="XS1", case_id=case_id, reported_at=at(D(2026, 11, 19), 9))  # no N08 for 执保
    run(court.db)
    assert codes(court, case_id) == {"N20"}
    assert live_alerts(court, case_id) == {"N20 ZH1": ("due_soon", None, D(2026, 12, 9))}
    assert indicators(court.db, Rules.at(NOW, CATALOGUE, CALENDAR)).freezes_expiring == 1
    # closed: a preservation case has no term to be late on (法定期限内结案率)
    court.update(m.Case, m.Case.__table__.c.id == case_id, closed_on=D(2026, 11, 20), closing_mode="执行完毕")
    run(court.db)
    figures, _ = figures_at(court.db, CATALOGUE, CALENDAR, Period.year_to_date(D(2026, 11, 20)), NOW)
    assert figures["on_time_rate"] == 1


def test_an_objection_case_has_no_enforcement_node(court):
    """执异, filed Monday 2026-11-02: reviewed within 15 days, by Tuesday 11-17 (past).  Its
    account, asset, fund and lead start nothing of the enforcement catalogue."""
    case_id = court.case(D(2026, 11, 2), case_type="执异")
    court.add(m.FrozenAccount, account_id="ZH2", case_id=case_id, frozen_on=D(2025, 12, 10), expires_on=D(2026, 12, 9))
    court.add(m.SeizedAsset, asset_id="CF9", case_id=case_id, kind="车辆", seized_on=D(2024, 12, 1))
    court.add(m.Lead, lead_id="XS2", case_id=case_id, reported_at=at(D(2026, 11, 19), 9))
    court.add(m.Fund, fund_id="AK2", case_id=case_id, amount=100, arrived_at=at(D(2026, 11, 3), 10))
    run(court.db)
    assert codes(court, case_id) == {"N49"}, "no 首次接待, 执行通知 or 6-month term"
    assert live_alerts(court, case_id) == {"N49": ("overdue", "overdue", D(2026, 11, 17))}
    # closing the case (the ruling) completes its review
    court.update(m.Case, m.Case.__table__.c.id == case_id, closed_on=D(2026, 11, 20), closing_mode="驳回申请")
    run(court.db)
    assert court.node(case_id, "N49").completed_at == at(D(2026, 11, 20))
    assert live_alerts(court, case_id) == {}
    figures, _ = figures_at(court.db, CATALOGUE, CALENDAR, Period.year_to_date(D(2026, 11, 20)), NOW)
    assert figures["on_time_rate"] == 0, "closed after its 15 days: late by its own deadline"


def test_a_review_case_is_decided_in_30_days_and_an_extension_is_capped_at_30_more(court):
    """执复: 30 days from filing, rolled; an extension (term_extended_to) moves it, to at most 30
    days after the original due date."""
    # filed Monday 09-14: due Wednesday 10-14; extended to 12-01, capped at 10-14 + 30 = Friday 11-13
    capped = court.case(D(2026, 9, 14), case_type="执复", term_extended_to=D(2026, 12, 1))
    # filed Friday 10-09: due Sunday 11-08 → Monday 11-09; extended to Monday 11-23, within the cap
    extended = court.case(D(2026, 10, 9), case_type="执复", term_extended_to=D(2026, 11, 23))
    plain = court.case(D(2026, 10, 9), case_type="执复")
    run(court.db)
    assert codes(court, capped) == codes(court, extended) == codes(court, plain) == {"N50"}
    assert live_alerts(court, capped) == {"N50": ("overdue", "overdue", D(2026, 11, 13))}
    assert live_alerts(court, extended) == {"N50": ("due_soon", None, D(2026, 11, 23))}
    assert live_alerts(court, plain) == {"N50": ("overdue", "overdue", D(2026, 11, 9))}
    node = CATALOGUE["N50"]
    assert review_due(CALENDAR, node, D(2026, 9, 14), extended_to=D(2026, 12, 1)).date == D(2026, 11, 13)


def test_a_supervision_case_has_three_months(court):
    """执监, filed Thursday 08-20: 3 months (a local default) end Friday 11-20, today: due soon."""
    case_id = court.case(D(2026, 8, 20), case_type="执监")
    run(court.db)
    assert codes(court, case_id) == {"N51"}
    assert live_alerts(court, case_id) == {"N51": ("due_soon", None, D(2026, 11, 20))}


def test_a_case_whose_type_is_corrected_loses_the_nodes_that_no_longer_apply(court):
    """A 执 case re-typed 执异: its open materialised enforcement nodes go (and their alerts are
    resolved); a completed one and one the case system reported stay."""
    case_id = court.case(D(2026, 11, 2), case_type="执")
    court.add(
        m.NodeInstance,
        case_id=case_id,
        node_code="N11",
        subject_id="",
        started_at=at(D(2026, 11, 3), 9),
        source="imported",
    )
    run(court.db)
    assert "N02" in live_alerts(court, case_id)
    court.update(m.NodeInstance, m.NodeInstance.__table__.c.node_code == "N05", completed_at=at(D(2026, 11, 3), 9))
    court.update(m.Case, m.Case.__table__.c.id == case_id, case_type="执异")
    run(court.db)
    assert codes(court, case_id) == {"N05", "N11", "N49"}
    assert set(live_alerts(court, case_id)) == {"N11", "N49"}, "the imported N11 counts: the court reported it"
    assert court.alerts(case_id)[("N02", "")].status == "resolved"


def test_the_import_reads_the_case_type_from_the_case_number_and_the_seal_renewal(db, tmp_path):
    """From the interchange workbook: 执异 in the 案号 gives the objection review only; 续封至 moves N48;
    a renewal dated before the seizure is refused with its sheet, row and column."""
    from command_center.data.importer import ImportRejected, import_file
    from tests.interchange_files import write_workbook

    resumed, objection = "（2026）内0425执恢5号", "（2026）内0425执异6号"
    people = {"amount": "1000", "applicants": "王大伟", "debtors": "李强", "team": "普执一组", "officer": "张承办"}
    data = {
        "cases": [
            {"case_no": resumed, "filed_on": "2026-09-28", **people},
            {"case_no": objection, "filed_on": "2026-11-02", **people},
        ],
        "assets": [
            {
                "asset_id": "CF1",
                "case_no": resumed,
                "kind": "动产",
                "seized_on": "2024-12-10",
                "renewed_until": "2028-12-09",
            },
            {"asset_id": "CF2", "case_no": resumed, "kind": "不动产", "seized_on": "2024-12-10"},
        ],
    }
    import_file(db, CATALOGUE, write_workbook(tmp_path / "a.xlsx", data), NOW)
    run(db)
    court = Court.__new__(Court)  # only its readers: the import made the court, team and officer
    court.db = db
    cases = {r.case_no: r for r in court.rows(m.Case)}
    assert cases[objection].case_type == "执异" and cases[resumed].case_type == "执恢"
    assert codes(court, cases[objection].id) == {"N49"}
    nodes = court.nodes(cases[resumed].id)
    assert nodes[("N48", "CF1")].due_date == D(2028, 12, 9), "续封至"
    assert nodes[("N48", "CF2")].due_date == D(2027, 12, 10), "real estate: 3 years by default"

    data["assets"][1]["renewed_until"] = "2024-12-01"
    with pytest.raises(ImportRejected) as rejected:
        import_file(db, CATALOGUE, write_workbook(tmp_path / "b.xlsx", data), NOW)
    assert [(p.sheet, p.row, p.column) for p in rejected.value.problems] == [("assets", 3, "renewed_until")]


def test_a_court_that_gives_its_preservation_cases_a_term_says_so_in_its_catalogue(court):
    """DOMAIN.md §8: 执保 has no term by default (a local default); a court widens N42 in its file."""
    from importlib import resources

    from command_center.data.catalogue import parse_catalogue

    text = resources.files("command_center.data").joinpath("catalogue.csv").read_text(encoding="utf-8")
    line = next(row for row in text.splitlines() if row.startswith("N42,"))
    widened = parse_catalogue(text.replace(line, line.removesuffix("执、执恢") + "执、执恢、执保"), "court.csv")
    case_id = court.case(D(2026, 5, 6), case_type="执保")
    recompute(court.db, widened, CALENDAR, NOW)
    assert codes(court, case_id) == {"N42"}
    assert live_alerts(court, case_id) == {"N42": ("overdue", "overdue", D(2026, 11, 6))}  # 6 months: Friday 11-06
    run(court.db)  # back to the reference: a catalogue change is not a fact, the case is not re-derived
    assert codes(court, case_id) == {"N42"}
    run(court.db, rebuild=True)  # what a new catalogue calls for: the term no longer applies and goes
    assert codes(court, case_id) == set() and live_alerts(court, case_id) == {}
