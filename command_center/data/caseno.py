"""案号 (case numbers): ``（2026）内0425执1001号``, typed with ASCII or full-width brackets."""

from __future__ import annotations

import re

_BRACKETS = str.maketrans({"(": "（", ")": "）", "〔": "（", "〕": "）", "[": "（", "]": "）"})


def normalise_case_no(text: str) -> str:
    """The stored form: full-width brackets, no spaces."""
    return "".join(text.split()).translate(_BRACKETS)


#: year, court code, type word, number
CASE_NO = re.compile(r"^（(\d{4})）([\u4e00-\u9fff]{1,2}\d{1,6})(执恢|执保|执异|执复|执监|执)(\d{1,6})号$")


def short_case_no(case_no: str) -> str:
    """Without the court code, as the court's own staff write it: （2025）内0425执34号 → （2025）执34号.

    For a narrow screen of one court's cases (its name is in the title); anything else is kept."""
    match = CASE_NO.match(case_no)
    if match is None:
        return case_no
    year, _, kind, number = match.groups()
    return f"（{year}）{kind}{number}号"
