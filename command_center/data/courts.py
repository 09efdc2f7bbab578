"""Courts and their hierarchy: a code covers every court whose code begins with it.

A court is known by the code its 案号 carry (``（2026）内0425执1号`` → ``内0425``, 克什克腾旗);
``内04`` covers 赤峰's 中院 and every basic court below it, ``内`` the province.  A scope is
the set of court ids a code covers (:func:`courts_under`); ``None`` is every court.  The
figures of a scope are computed over its cases (:func:`of_cases`, :func:`of_case_ids`), so a
parent's counts and amounts are the sums of its courts' and its rates are recomputed from
the summed numerators and denominators, never averaged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.sql.expression import ColumnElement

from command_center.data.caseno import INVISIBLE
from command_center.data.engine import Database
from command_center.data.tables import CASES, COURTS

#: a set of court ids, or None for every court
Scope = Collection[int] | None


@dataclass(frozen=True)
class CourtInfo:
    id: int
    code: str
    name: str


class UnknownCourt(ValueError):
    """A court code that covers no court of the database (``key``/``values``: the command line
    says it in its own language, ``labels.CLI[lang]["error_unknown_court"]``)."""

    key = "unknown_court"

    def __init__(self, code: str, codes: list[str]) -> None:
        known = ", ".join(codes) if codes else "none"
        super().__init__(f"no court's code begins with {code!r}; the courts' codes: {known}")
        self.values = {"code": code, "codes": ", ".join(codes) if codes else "—"}


def normalise_code(text: str) -> str:
    """A code as typed (full-width digits, spaces, invisible characters) in its stored form."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch not in INVISIBLE)


def list_courts(db: Database, courts: Scope = None) -> list[CourtInfo]:
    """The courts (of ``courts``, default all), by code."""
    query = select(COURTS.c.id, COURTS.c.code, COURTS.c.name).order_by(COURTS.c.code)
    if courts is not None:
        query = query.where(COURTS.c.id.in_(sorted(courts)))
    with db.engine.connect() as conn:
        return [CourtInfo(r.id, r.code, r.name) for r in conn.execute(query)]


def courts_under(db: Database, code: str) -> frozenset[int]:
    """The ids of the courts ``code`` covers: every court whose code begins with it.

    Raises :class:`UnknownCourt`, naming the code and the codes there are, when it covers none.
    The courts table is small (a province has about a hundred), so it is read whole."""
    wanted = normalise_code(code)
    courts = list_courts(db)
    found = frozenset(c.id for c in courts if wanted and c.code.startswith(wanted))
    if not found:
        raise UnknownCourt(wanted or code, [c.code for c in courts])
    return found


def of_cases(courts: Scope) -> list[ColumnElement[bool]]:
    """The condition on ``cases`` that keeps the scope's cases (none for every court)."""
    return [] if courts is None else [CASES.c.court_id.in_(sorted(courts))]


def of_case_ids(case_id: ColumnElement, courts: Scope) -> list[ColumnElement[bool]]:
    """The condition that keeps the rows of another table (nodes, funds, alerts) whose
    ``case_id`` is one of the scope's cases: a semi-join, so the table's own indexes still
    pick its rows (none for every court)."""
    return [] if courts is None else [case_id.in_(select(CASES.c.id).where(*of_cases(courts)))]
