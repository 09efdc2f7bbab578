"""A court's own settings (``[courts."CODE"]``): its targets and catalogue, each falling back to
the nearest covering code's, then to the file's ``[targets]`` / ``catalogue`` (issue 25)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from command_center.config import ConfigError, load_settings
from tests.test_courts import A, B, as_json, courts, load  # noqa: F401 (courts: a fixture)

CONFIG = """\
catalogue = "city.csv"
[targets]
completion_rate = 0.50
[courts."内04".targets]
completion_rate = 0.60
red = 2
[courts."内0425"]
catalogue = "kst.csv"
[courts."内0425".targets]
red = 1
"""


def settings(tmp_path: Path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings({"config_path": str(path)}, {})


def test_a_courts_targets_fall_back_key_by_key_to_the_covering_codes(tmp_path):
    s = settings(tmp_path, CONFIG)
    assert s.court_targets(None) == {"completion_rate": Decimal("0.50")}
    assert s.court_targets("内04") == {"completion_rate": Decimal("0.60"), "red": Decimal("2")}
    # its own red, the 中院's completion rate
    assert s.court_targets("内0425") == {"completion_rate": Decimal("0.60"), "red": Decimal("1")}
    assert s.court_targets("内0402") == {"completion_rate": Decimal("0.60"), "red": Decimal("2")}
    assert s.court_targets("京01") == {"completion_rate": Decimal("0.50")}


def test_a_courts_catalogue_is_the_nearest_that_names_one(tmp_path):
    s = settings(tmp_path, CONFIG)
    assert s.court_catalogue("内0425") == tmp_path / "kst.csv"
    assert s.court_catalogue("内0402") == tmp_path / "city.csv"  # 内04 names none: the file's
    assert s.court_catalogue(None) == tmp_path / "city.csv"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[courts."内04"]\nname = "x"\n', """[courts."内04"] unknown key 'name'"""),
        ('[courts."内04".targets]\nrecovery = 0.4\n', """[courts."内04".targets] 'recovery' is not an indicator"""),
        ('[courts."内04".targets]\nred = "two"\n', """[courts."内04".targets] red must be a number"""),
        ('[courts."内04"]\ncatalogue = 3\n', """[courts."内04"] catalogue must be a file name"""),
        ('[courts]\n"内04" = 1\n', """[courts."内04"] must be a table"""),
        ("courts = 1\n", "courts must be tables of court codes"),
    ],
)
def test_a_courts_settings_are_checked_and_the_error_names_the_table(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        settings(tmp_path, text)
    assert message in str(caught.value) and str(tmp_path / "config.toml") in str(caught.value)


def targets_of(rows: list[dict]) -> dict[str, str | None]:
    return {row["key"]: row["target"] for row in rows}


@pytest.mark.db
def test_the_brief_judges_each_court_by_its_own_targets_and_a_scope_by_its_covering_codes(db, tmp_path):
    """内04's red target is 3 and 内0402 sets its own 1: the ranking judges 内0425 (which sets
    none) by 3 and 内0402 by 1; the scope of both, asked as 内04 or as every court, by 内04's."""
    load(db, tmp_path, A, B)
    config = tmp_path / "config.toml"
    config.write_text(
        '[targets]\nred = 0\n[courts."内04".targets]\nred = 3\n[courts."内0402".targets]\nred = 1\n',
        encoding="utf-8",
    )
    for scope in (["--court", "内04"], []):
        data = as_json(db, "--config", str(config), *scope, "brief")
        assert targets_of(data["indicators"])["red"] == "3"
        ranking = {c["code"]: c["indicators"] for c in data["courts"]}
        assert (targets_of(ranking[A])["red"], targets_of(ranking[B])["red"]) == ("3", "1")
        reds = {code: next(r for r in rows if r["key"] == "red") for code, rows in ranking.items()}
        assert reds[A]["meets"] is (int(reds[A]["value"]) <= 3)
        assert reds[B]["meets"] is (int(reds[B]["value"]) <= 1)
    alone = as_json(db, "--config", str(config), "--court", B, "brief")
    assert targets_of(alone["indicators"])["red"] == "1"
    assert targets_of(alone["indicators"])["completion_rate"] == targets_of(data["indicators"])["completion_rate"]


def test_a_one_court_database_takes_its_courts_targets_without_court(courts, tmp_path):  # noqa: F811
    _, alone = courts
    config = tmp_path / "config.toml"
    config.write_text('[courts."内0402".targets]\nred = 4\n', encoding="utf-8")
    assert targets_of(as_json(alone[B], "--config", str(config), "brief")["indicators"])["red"] == "4"
