"""Courts and their hierarchy: a code covers every court whose code begins with it.

A court is known by the code its 案号 carry (``（2026）内0425执1号`` → ``内0425``, 克什克腾旗);
``内04`` covers 赤峰's 中院 and every basic court below it, ``内`` the province.  A scope is
the set of court ids a code covers (:func:`courts_under`); ``None`` is every court.  The
figures of a scope are computed over its cases (:func:`of_cases`, :func:`of_case_ids`), so a
parent's counts and amounts are the sums of its courts' and its rates are recomputed from
the summed numerators and denominators, never averaged.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Collection, Iterable
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


def every_court(db: Database, courts: Scope) -> bool:
    """Whether a scope holds every court of the database (the daily snapshots, which are of
    every court together, then speak for it: a one-court database's user of that court)."""
    return courts is None or set(courts) >= {c.id for c in list_courts(db)}


def covering_code(db: Database, courts: Scope) -> str | None:
    """The narrowest code that covers every court of a scope (the common beginning of their
    codes: ``内04`` for 内0425 and 内0402, the court's own for one court; None when they share
    none, or the database has no court): whose ``[courts]`` settings speak for the scope."""
    return common_code(c.code for c in list_courts(db, courts)) or None


def common_code(codes: Iterable[str]) -> str:
    """The common beginning of court codes (``内04`` of 内0425 and 内0402; "" for none)."""
    return os.path.commonprefix(list(codes))


#: the daily snapshots' scope of every court together (``court:<code>``: of the courts of a code)
EVERY_COURT_SCOPE = "court"
SCOPE_LENGTH = 20  # indicator_snapshots.scope


def snapshot_scope(db: Database, courts: Scope) -> str:
    """The daily snapshots' scope of a screen's or a command's courts: ``court`` for every court
    of the database, else ``court:<code>`` of the narrowest code that covers them (``court:内04``,
    ``court:内0425``); a code covers every court whose code begins with it, so that code's
    courts are exactly the scope's."""
    if every_court(db, courts):
        return EVERY_COURT_SCOPE
    return f"{EVERY_COURT_SCOPE}:{covering_code(db, courts)}"


def of_cases(courts: Scope) -> list[ColumnElement[bool]]:
    """The condition on ``cases`` that keeps the scope's cases (none for every court)."""
    return [] if courts is None else [CASES.c.court_id.in_(sorted(courts))]


def of_case_ids(case_id: ColumnElement, courts: Scope) -> list[ColumnElement[bool]]:
    """The condition that keeps the rows of another table (nodes, funds, alerts) whose
    ``case_id`` is one of the scope's cases: a semi-join, so the table's own indexes still
    pick its rows (none for every court)."""
    return [] if courts is None else [case_id.in_(select(CASES.c.id).where(*of_cases(courts)))]


def scope_code(requested: str | None, user_code: str | None) -> str | None:
    """The court code a screen shows: ``requested`` (``--court``, the court picker) within what
    the user may see (their ``court_code``; None: every court).  A request outside the user's
    courts, or wider than them, falls back to the user's own code: a basic court's officer
    never sees another court's cases, whatever the command line asked for."""
    if requested is not None:
        requested = normalise_code(requested)
    if user_code is None:
        return requested or None
    if requested and requested.startswith(user_code):
        return requested
    return user_code


@dataclass(frozen=True)
class CourtChoice:
    """A code the court picker offers: a court, or a level above several (内04: a 中院 and its courts)."""

    code: str
    name: str  # the court's name, or "" for a level that is no court of its own
    courts: int  # how many courts it covers


#: the lengths of a court code's levels: the province (内), the city (内04), the county (内0425)
LEVELS = (1, 3)


def court_choices(db: Database, user_code: str | None = None) -> list[CourtChoice]:
    """The codes a user whose code is ``user_code`` (None: every court) may choose on the
    screens, by code: each court they may see, and each level above them (the province, the
    city) that covers more than one of those courts, the user's own code first among equals."""
    wanted = normalise_code(user_code) if user_code else ""
    courts = [c for c in list_courts(db) if c.code.startswith(wanted)]
    names = {c.code: c.name for c in courts}
    codes = {c.code for c in courts}
    for court in courts:
        codes.update(court.code[:n] for n in LEVELS if len(court.code) > n and court.code[:n].startswith(wanted))
    if wanted:
        codes.add(wanted)
    choices = []
    for code in sorted(codes):
        count = sum(1 for c in courts if c.code.startswith(code))
        if count and (code in names or count > 1 or code == wanted):
            choices.append(CourtChoice(code, names.get(code, ""), count))
    # a level that covers no more than a level below it (内 of a city's courts alone) is that level
    return [
        c
        for c in choices
        if c.code in names
        or c.code == wanted
        or not any(d.code != c.code and d.code.startswith(c.code) and d.courts == c.courts for d in choices)
    ]
