"""Every word the product shows lives in command_center/labels.py, once per language."""

from __future__ import annotations

import re

import command_center.labels as labels

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _tables():
    return {
        name: value
        for name, value in vars(labels).items()
        if isinstance(value, dict) and set(value) == set(labels.LANGS)
    }


def _keys(value, path=()):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield path + (key,)
            yield from _keys(inner, path + (key,))


def _texts(value):
    if isinstance(value, dict):
        for inner in value.values():
            yield from _texts(inner)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from _texts(inner)
    elif isinstance(value, str):
        yield value


def test_every_table_says_the_same_things_in_both_languages():
    tables = _tables()
    assert {"TIERS", "CLI", "DRILL", "WALL", "OVERVIEW", "BRIEF", "FORMS", "CASE_ACTIONS", "INDICATORS"} <= set(tables)
    for name, table in tables.items():
        assert set(_keys(table["zh"])) == set(_keys(table["en"])), name


def test_the_english_column_has_no_chinese():
    for name, table in _tables().items():
        chinese = [text for text in _texts(table["en"]) if CJK.search(text)]
        assert not chinese, f"{name}: {chinese}"


def test_every_case_list_scope_has_a_title_in_each_language():
    from command_center.data.cases import SCOPES

    for lang in labels.LANGS:
        assert {f"scope_{scope}" for scope in SCOPES} <= set(labels.DRILL[lang]), lang


def test_every_audit_action_the_code_records_has_words_in_each_language():
    from pathlib import Path

    import command_center

    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(command_center.__file__).parent.rglob("*.py"))
    actions = set(re.findall(r'"((?:case|import|lock|login|review|supervision|user)\.[a-z_]+)"', source)) | {"import"}
    alerts = (Path(command_center.__file__).parent / "data" / "alerts.py").read_text(encoding="utf-8")
    actions |= {
        f"alert.{kind}"
        for kind in re.findall(r'"(acknowledged|silenced|response_(?:submitted|accepted|rejected)|escalated)"', alerts)
    }
    assert len(actions) >= 20
    for lang in labels.LANGS:
        assert actions <= set(labels.AUDIT_ACTIONS[lang]), (lang, actions - set(labels.AUDIT_ACTIONS[lang]))


def test_the_audit_says_the_programs_own_actors_and_a_triage_in_words():
    detail = {"from": {"officer_id": 18, "team_id": 5}, "to": {"officer_id": None, "team_id": 1}, "track": "fast"}
    assert labels.audit_actor("zh", "system") == "系统" and labels.audit_actor("zh", "o001") == "o001"
    assert labels.audit_note(detail | {"reasons": ["covered"]}, "zh") == "速执: 冻结款与到账款足以清偿"
    assert labels.audit_note(detail | {"reasons": ["many_debtors", "disposal"]}, "en") == (
        "fast: many debtors, assets to dispose of"
    )
    assert labels.audit_note({"changes": {"x": 1}}, "zh", raw=False) == ""
    assert labels.audit_note({"changes": {"x": 1}}, "zh") == '{"changes":{"x":1}}'
    assert labels.ENTITIES["zh"]["supervision_item"] == "督办"


def test_asset_kinds_and_case_types_are_words_in_english_and_the_datas_own_in_chinese():
    from command_center.data.triage import Reason

    assert labels.asset_kind("en", "不动产") == "real estate" and labels.asset_kind("zh", "不动产") == "不动产"
    assert labels.case_type_word("en", "执恢") == "resumed" and labels.case_type_word("zh", "执恢") == "执恢"
    reason = Reason("disposal", {"kinds": "车辆、股权"})
    assert labels.triage_reason("en", reason) == "seized assets to dispose of: vehicle, equity"
    assert labels.triage_reason("zh", reason).endswith("车辆、股权")


def _refusal_sentences() -> list[tuple[str, str]]:
    """Every refusal the data layer raises (``ActionRefused``, ``StaleVersion``), its values as X1."""
    import ast
    from pathlib import Path

    import command_center

    found = []
    for path in sorted((Path(command_center.__file__).parent / "data").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            call = node.exc
            if not (isinstance(call.func, ast.Name) and call.func.id in ("ActionRefused", "StaleVersion")):
                continue
            parts = call.args[0].values if isinstance(call.args[0], ast.JoinedStr) else [call.args[0]]
            text = "".join(p.value if isinstance(p, ast.Constant) else "X1" for p in parts)
            found.append((path.name, text))
    return found


def test_every_refusal_of_the_data_layer_is_said_in_chinese():
    """A refusal on a Chinese screen is in Chinese: each one the code can raise has its words."""
    import re

    from command_center.screens.labels import refusal_words

    sentences = _refusal_sentences()
    assert len(sentences) >= 35
    for where, text in sentences:
        said = refusal_words("zh", text)
        words = re.sub(r"\[[a-z_.]+\]", "", said)  # a settings table keeps its name: [triage.teams]
        assert not re.search(r"[A-Za-z]{3,}", words), f"{where}: {text!r} is said as {said!r}"
    assert refusal_words("zh", "alert 7 is resolved: cannot acknowledged") == "预警 7 状态为 已解除, 不能 认领"
    assert refusal_words("en", "a reassignment needs a reason") == "a reassignment needs a reason"
