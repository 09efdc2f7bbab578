"""案号 (case numbers): ``（2026）内0425执1001号``, however it was typed, in the one form that is stored."""

from __future__ import annotations

import re
import unicodedata

#: characters that take no room on screen (zero-width spaces and joiners, BOM, soft hyphen,
#: Mongolian vowel separator, direction marks and overrides): never part of a value
INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\ufeff"
)
_DROP = re.compile(f"[\\s{INVISIBLE}]+")
_OPEN = re.compile("[(〔\\[【〖]")
_CLOSE = re.compile("[)〕\\]】〗]")
#: year, court code, type word, number (ASCII digits: a normalised 案号 has no other)
CASE_NO = re.compile(r"^（([0-9]{4})）([\u4e00-\u9fff]{1,2}[0-9]{1,6})(执恢|执保|执异|执复|执监|执)([0-9]{1,6})号$")


def normalise_case_no(text: str) -> str:
    """The stored form: NFKC (full-width digits and letters are ASCII), full-width round brackets
    for any bracket around the year (``()`` ``〔〕`` ``[]`` ``【】`` ``﹝﹞`` ``〖〗``), no spaces and no
    invisible characters anywhere.  For a 案号 typed anywhere: the import, ``alerts --case``, the
    screens' search (on a fragment too)."""
    if CASE_NO.match(text):  # already the stored form (which NFKC leaves as it is but for （）)
        return text
    text = unicodedata.normalize("NFKC", text)  # makes （） ASCII, ［］ [], ﹝﹞ 〔〕: all become （） below
    return _CLOSE.sub("）", _OPEN.sub("（", _DROP.sub("", text)))


def short_case_no(case_no: str) -> str:
    """Without the court code, as the court's own staff write it: （2025）内0425执34号 → （2025）执34号.

    For a narrow screen of one court's cases (its name is in the title); anything else is kept."""
    match = CASE_NO.match(case_no)
    if match is None:
        return case_no
    year, _, kind, number = match.groups()
    return f"（{year}）{kind}{number}号"


def compact_case_no(case_no: str) -> str:
    """Narrower, the court code kept: （2025）内0425执34号 → 2025内0425执34 (14 cells instead of 20,
    as narrow as :func:`short_case_no`'s （2025）执34号).  For a narrow list of several courts'
    cases (a 中院's wall), where the code is what tells them apart."""
    match = CASE_NO.match(case_no)
    if match is None:
        return case_no
    year, court, kind, number = match.groups()
    return f"{year}{court}{kind}{number}"


def court_of(case_no: str) -> str:
    """The court code of a 案号 (``内0425``), or the text itself if it is not one: what
    :func:`short_case_no` leaves out."""
    match = CASE_NO.match(case_no)
    return match.group(2) if match else case_no
