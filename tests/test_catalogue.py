"""The node catalogue: the reference 47 nodes, and broken court catalogues rejected by line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from command_center.data.catalogue import CatalogueError, TriggerKind, load_catalogue
from command_center.data.workcal import Unit

REFERENCE = load_catalogue()
HEADER = "code,stage,name,name_en,trigger,limit,unit,due_soon,repeat,action,action_en,materials\n"


def test_reference_catalogue_has_the_47_nodes_of_domain_md_and_the_case_type_nodes():
    assert [n.code for n in REFERENCE] == [f"N{i:02d}" for i in range(1, 52)]
    assert REFERENCE.stages == ["立案", "调查", "控制", "处置", "案款", "结案", "归档", "审查"]
    assert all(n.name and n.action and n.materials for n in REFERENCE), "every card says 时限, 动作 and 材料"


@pytest.mark.parametrize(
    ("code", "trigger", "limit", "unit", "window"),
    [
        ("N01", "event", 2, Unit.WORKDAYS, "2wd"),
        ("N02", "filing", 3, Unit.DAYS, "2wd"),
        ("N06", "after:N05", 2, Unit.DAYS, "2wd"),
        ("N08", "lead", 24, Unit.HOURS, "6h"),
        ("N13", "filing", 1, Unit.MONTHS, "2wd"),
        ("N19", "asset", 1, Unit.DAYS, "2wd"),
        ("N20", "account", 0, Unit.EXPIRY, "30d"),
        ("N21", "asset:车辆,不动产", 7, Unit.DAYS, "2wd"),
        ("N34", "fund", 3, Unit.DAYS, "2wd"),
        ("N38", "fund", 10, Unit.DAYS, "2wd"),
        ("N42", "filing", 6, Unit.MONTHS, "30d"),
        ("N43", "closing", 20, Unit.DAYS, "2wd"),
        ("N47", "closing:终结本次执行程序", 6, Unit.MONTHS, "2wd"),
        ("N48", "asset", 0, Unit.EXPIRY, "30d"),
        ("N49", "filing", 15, Unit.DAYS, "2wd"),
        ("N50", "filing", 30, Unit.DAYS, "2wd"),
        ("N51", "filing", 3, Unit.MONTHS, "2wd"),
    ],
)
def test_reference_cards(code, trigger, limit, unit, window):
    node = REFERENCE[code]
    assert (str(node.trigger), node.limit, node.unit, str(node.due_soon)) == (trigger, limit, unit, window)


def test_n47_repeats_ten_times_over_five_years():
    assert REFERENCE["N47"].repeat == 10 and REFERENCE["N47"].limit == 6


def test_after_chains_inherit_the_root_subject():
    assert REFERENCE.root_trigger("N39").kind is TriggerKind.FUND
    assert REFERENCE.root_trigger("N24").kind is TriggerKind.ASSET
    assert [n.code for n in REFERENCE.followers("N34")] == ["N35"]


def test_labels_in_both_languages():
    node = REFERENCE["N42"]
    assert node.label("zh") == "执行期限" and node.label("en") == "Case term"
    assert node.limit_label("zh") == "6个月" and node.limit_label("en") == "6 months"
    assert node.stage_label("en") == "Closing"


def test_the_cards_time_limit_says_when_the_clock_starts():
    assert REFERENCE["N02"].time_limit("zh") == "立案起 3日"
    assert REFERENCE["N06"].time_limit("en") == "2 days from N05's completion"
    assert REFERENCE["N19"].time_limit("en") == "1 day from the seizure"
    assert REFERENCE["N34"].time_limit("zh") == "案款到账起 3日"
    assert REFERENCE["N20"].time_limit("zh") == "到期日"  # the account's own expiry date


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "court-catalogue.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_a_court_catalogue_file_is_used(tmp_path):
    path = write(
        tmp_path,
        "N01,立案,立案审查,,event,3,workdays,2wd,1,审查,,申请书\nN02,立案,首次接待,,after:N01,5,days,,1,接待,,笔录\n",
    )
    catalogue = load_catalogue(path)
    assert len(catalogue) == 2 and catalogue["N01"].limit == 3
    assert str(catalogue["N02"].due_soon) == "2wd", "default window"


def test_every_problem_is_reported_with_line_and_field(tmp_path):
    path = write(
        tmp_path,
        "N01,立案,立案审查,,event,2,weeks,2wd,1,a,,b\n"  # line 2: unit
        "N02,立案,首次接待,,after:N99,3,days,2wd,1,a,,b\n"  # line 3: dangling after
        "N03,立案,,,filing,x,days,2wd,1,a,,b\n"  # line 4: name empty, limit
        "N01,立案,重复,,filing,3,days,2wd,1,a,,b\n"  # line 5: duplicate code
        "N05,调查,查控,,asset:飞机,3,days,2wd,1,a,,b\n"  # line 6: asset kind
        "N06,调查,线索,,lead,24,hours,soon,1,a,,b\n"  # line 7: window
        "N07,调查,续冻,,filing,0,expiry,30d,1,a,,b\n"  # line 8: expiry needs account
        "N08,调查,线索,,lead,24,hours,6h,1,a,,b,执、民\n",  # line 9: unknown case type
        header=HEADER.rstrip("\n") + ",case_types\n",
    )
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path)
    problems = error.value.problems
    assert str(path) in str(error.value)
    expected = [
        "line 2, field unit",
        "line 3, field trigger: after:N99 names no node",
        "line 4, field name: is empty",
        "line 4, field limit",
        "line 5, field code: N01 already defined on line 2",
        "line 6, field trigger",
        "line 7, field due_soon",
        "line 8, field unit: expiry deadlines exist only for the account and asset triggers",
        "line 9, field case_types: unknown case type '民'",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)


def test_after_loops_are_rejected(tmp_path):
    path = write(tmp_path, "N01,立案,甲,,after:N02,2,days,,1,a,,b\nN02,立案,乙,,after:N01,2,days,,1,a,,b\n")
    with pytest.raises(CatalogueError, match="loops back"):
        load_catalogue(path)


def test_missing_header_column(tmp_path):
    path = write(tmp_path, "N01,立案,甲,event,2\n", header="code,stage,name,trigger,limit\n")
    with pytest.raises(CatalogueError, match="line 1, field unit: column missing"):
        load_catalogue(path)


def test_only_closing_nodes_repeat(tmp_path):
    path = write(tmp_path, "N01,立案,甲,,filing,2,days,,3,a,,b\n")
    with pytest.raises(CatalogueError, match="line 2, field repeat: only closing nodes repeat"):
        load_catalogue(path)


def test_unreadable_catalogue(tmp_path):
    with pytest.raises(CatalogueError, match="cannot read"):
        load_catalogue(tmp_path / "missing.csv")
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((HEADER + "N01,立案,立案审查,,event,2,days,,1,a,,b\n").encode("gbk"))
    with pytest.raises(CatalogueError, match="not UTF-8"):
        load_catalogue(gbk)


def codes_for(catalogue, case_type: str) -> set[str]:
    return {n.code for n in catalogue.for_case_type(case_type)}


def test_reference_case_types_follow_domain_md_section_8():
    enforcement = {f"N{i:02d}" for i in range(1, 49)}
    assert codes_for(REFERENCE, "执") == codes_for(REFERENCE, "执恢") == enforcement
    assert codes_for(REFERENCE, "执保") == {"N15", "N16", "N17", "N18", "N19", "N20", "N48"}, "control only, no term"
    assert codes_for(REFERENCE, "执异") == {"N49"}
    assert codes_for(REFERENCE, "执复") == {"N50"}
    assert codes_for(REFERENCE, "执监") == {"N51"}
    assert REFERENCE.notes == (), "the reference has the column: nothing assumed"


def test_case_types_take_every_list_separator_and_star_means_every_type(tmp_path):
    path = write(
        tmp_path,
        "N01,立案,甲,,filing,2,days,,1,a,,b,执|执保；执异\n"
        "N02,立案,乙,,filing,2,days,,1,a,,b,*\n"
        "N03,立案,丙,,filing,2,days,,1,a,,b,\n"
        "N04,立案,丁,,filing,2,days,,1,a,,b,执，执恢,执保;执异、执复|执监\n",
        header=HEADER.rstrip("\n") + ",case_types\n",
    )
    with pytest.raises(CatalogueError, match="line 5: more values than header columns"):
        load_catalogue(path)  # a comma is a separator, but also the CSV's: it must be quoted
    every = "执，执恢,执保;执异、执复|执监"
    path.write_text(path.read_text(encoding="utf-8").replace(every, f'"{every}"'), encoding="utf-8")
    catalogue = load_catalogue(path)
    assert catalogue["N01"].case_types == ("执", "执保", "执异")
    assert catalogue["N02"].case_types == catalogue["N03"].case_types == catalogue["N04"].case_types == ()
    assert codes_for(catalogue, "执监") == {"N02", "N03", "N04"}


def test_a_court_file_without_case_types_still_loads_and_says_what_it_assumed(tmp_path, caplog):
    """An older court file: reference codes keep the reference's types, its own codes are 执/执恢;
    the runtime says so once, when it starts."""
    from command_center.config import Settings
    from command_center.runtime import Runtime

    path = write(
        tmp_path,
        "N02,立案,首次接待,,filing,3,days,2wd,1,接待,,笔录\n"
        "N15,控制,冻结存款,,event,1,days,2wd,1,冻结,,裁定书\n"
        "N20,控制,续冻,,account,0,expiry,30d,1,续冻,,裁定书\n"
        "N60,调查,本院节点,,filing,10,days,2wd,1,甲,,乙\n",
    )
    catalogue = load_catalogue(path)
    assert catalogue["N02"].case_types == catalogue["N60"].case_types == ("执", "执恢")
    assert catalogue["N15"].case_types == catalogue["N20"].case_types == ("执", "执恢", "执保")
    assert len(catalogue.notes) == 1
    note = catalogue.notes[0]
    assert str(path) in note and "no case_types column" in note
    assert "N02, N60 for 执/执恢" in note and "N15, N20 for 执/执恢/执保" in note and "own codes N60" in note
    with caplog.at_level("WARNING", logger="command_center"):
        runtime = Runtime.start(Settings(db="sqlite://", catalogue=path))
    said = [r.getMessage() for r in caplog.records if "case_types" in r.getMessage()]
    assert said == [note], "said exactly once"
    assert runtime.catalogue["N60"].case_types == ("执", "执恢")


def test_the_reference_cards_have_their_materials_in_english_too():
    from command_center.data.catalogue import load_catalogue

    catalogue = load_catalogue()
    for node in catalogue:
        assert node.materials_en, node.code
        assert not any("\u4e00" <= ch <= "\u9fff" for m in node.materials_en for ch in m), node.code
    assert catalogue["N15"].materials_label("en") == "freezing ruling; notice of assistance in freezing"
    assert catalogue["N15"].materials_label("zh") == "冻结裁定书、协助冻结通知书"
