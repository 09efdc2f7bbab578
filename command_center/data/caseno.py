"""案号 (case numbers): ``（2026）内0425执1001号``, typed with ASCII or full-width brackets."""

from __future__ import annotations

_BRACKETS = str.maketrans({"(": "（", ")": "）", "〔": "（", "〕": "）", "[": "（", "]": "）"})


def normalise_case_no(text: str) -> str:
    """The stored form: full-width brackets, no spaces."""
    return "".join(text.split()).translate(_BRACKETS)
