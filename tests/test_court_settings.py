"""A court's own settings (``[courts."CODE"]``): its targets and catalogue, each falling back to
the nearest covering code's, then to the file's ``[targets]`` / ``catalogue`` (issue 25)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from command_center.config import ConfigError, load_settings

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
