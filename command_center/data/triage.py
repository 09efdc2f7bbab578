"""Triage (繁简分流, DOMAIN.md §7): the track each open case should take, and why.

Once a case's first online control (N05) is complete, the court's rules (``[triage]`` in the
config file, :class:`TriageRules`) suggest a track, in this order:

- ``fast`` 速执: the unreleased frozen deposits (冻结金额) plus the funds already arrived cover
  the amount (an amount above zero);
- ``complex`` 精执: more debtors than ``many_debtors``, or a seized asset of a kind that needs
  disposal (``disposal_kinds``);
- ``simple`` 简执: amount up to ``simple_max_amount``;
- ``ordinary`` 普执: the rest.

The suggestion is one SQL expression (:func:`suggested_track`), so the case list's "triage
disagrees" filter, ``command-center triage`` and the N06 card read the same rule.  A chief
applies it (:func:`apply_suggestion`): the case goes to the track's team, audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select, update

from command_center.data import audit
from command_center.data.access import ActionRefused, Actor, StaleVersion, require_case
from command_center.data.engine import Database
from command_center.data.tables import ACCOUNTS, ASSETS, CASES, FUNDS, NODES, OFFICERS, PARTIES, TEAMS

#: the tracks in the order their rules are tried
TRACKS = ("fast", "complex", "simple", "ordinary")
#: the words a court's data uses for each track (a team's or a case's ``track``); the first is
#: what applying a suggestion writes.  Tracks shown to people come from labels.TRACKS.
TRACK_WORDS: dict[str, tuple[str, ...]] = {
    "fast": ("速执", "快执"),
    "complex": ("精执", "特执"),
    "simple": ("简执",),
    "ordinary": ("普执",),
}
ONLINE_CONTROL = "N05"  # triage is due once it is complete
TRIAGE_NODE = "N06"
HANDOVER = "N07"  # triage is done once the file is handed over


@dataclass(frozen=True)
class TriageRules:
    """The court's triage settings (``[triage]``); the defaults are 登封's."""

    simple_max_amount: Decimal = Decimal("100000")
    many_debtors: int = 5
    disposal_kinds: tuple[str, ...] = ("车辆", "不动产", "股权")
    #: track → the court's own team name for it (``[triage.teams]``)
    teams: Mapping[str, str] = field(default_factory=dict)


def _frozen(today):
    return (
        select(func.coalesce(func.sum(ACCOUNTS.c.frozen_amount), 0))
        .where(
            ACCOUNTS.c.case_id == CASES.c.id,
            or_(ACCOUNTS.c.released_on.is_(None), ACCOUNTS.c.released_on > today),
        )
        .scalar_subquery()
    )


def _received(now):
    return (
        select(func.coalesce(func.sum(FUNDS.c.amount), 0))
        .where(FUNDS.c.case_id == CASES.c.id, FUNDS.c.arrived_at <= now)
        .scalar_subquery()
    )


def _debtors():
    return (
        select(func.count())
        .select_from(PARTIES)
        .where(PARTIES.c.case_id == CASES.c.id, PARTIES.c.role == "debtor")
        .scalar_subquery()
    )


def _disposal(rules: TriageRules):
    return exists().where(ASSETS.c.case_id == CASES.c.id, ASSETS.c.kind.in_(rules.disposal_kinds or ("",)))


def suggested_track(rules: TriageRules, now: datetime, today) -> ColumnElement[str]:
    """The track the rules suggest for the case of the row (an expression over ``cases``)."""
    return case(
        (and_(CASES.c.amount > 0, _frozen(today) + _received(now) >= CASES.c.amount), literal("fast")),
        (or_(_debtors() > rules.many_debtors, _disposal(rules)), literal("complex")),
        (CASES.c.amount <= rules.simple_max_amount, literal("simple")),
        else_=literal("ordinary"),
    )


def current_track(word) -> ColumnElement[str | None]:
    """A track word (速执, 特执…) as its key, or NULL for no or an unknown word."""
    return case(*((word.in_(words), literal(key)) for key, words in TRACK_WORDS.items()), else_=literal(None))


def _node_done(code: str, now: datetime):
    return exists().where(
        NODES.c.case_id == CASES.c.id,
        NODES.c.node_code == code,
        NODES.c.completed_at.is_not(None),
        NODES.c.completed_at <= now,
    )


def triage_due(now: datetime) -> ColumnElement[bool]:
    """Open cases whose triage is due or done: their online control (N05) is complete."""
    return and_(CASES.c.closed_on.is_(None), _node_done(ONLINE_CONTROL, now))


def disagrees(rules: TriageRules, now: datetime, today) -> ColumnElement[bool]:
    """The case list's filter: triage is due or done and the case's track (its own, else its
    team's) is not the one suggested (no track at all disagrees too)."""
    team = TEAMS.alias("triage_team")  # an alias: the query this goes into may join the teams itself
    team_track = select(team.c.track).where(team.c.id == CASES.c.team_id).scalar_subquery()
    mine = current_track(func.coalesce(CASES.c.track, team_track))
    return and_(triage_due(now), or_(mine.is_(None), mine != suggested_track(rules, now, today)))


@dataclass(frozen=True)
class Reason:
    """Why: ``code`` one of covered / many_debtors / disposal / simple / ordinary, with its figures."""

    code: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class TriageRow:
    case_id: int
    case_no: str
    track: str
    reasons: tuple[Reason, ...]
    team_id: int | None
    team: str
    officer_id: int | None
    current: str | None  # the case's track as a key (its own, else its team's)
    current_word: str  # as the data says it
    agrees: bool
    done: bool  # the file was handed over (N07 complete)
    amount: Decimal
    suggested_team: str | None  # the team the track goes to

    def as_json(self, say_reason) -> dict:
        return {
            "case_no": self.case_no,
            "track": self.track,
            "reasons": [say_reason(r) for r in self.reasons],
            "reason_codes": [{"code": r.code, **{k: str(v) for k, v in r.values.items()}} for r in self.reasons],
            "team": self.team or None,
            "current_track": self.current,
            "current_track_word": self.current_word or None,
            "agrees": self.agrees,
            "status": "done" if self.done else "due",
            "suggested_team": self.suggested_team,
        }


def _reasons(rules: TriageRules, track: str, row, kinds: list[str]) -> tuple[Reason, ...]:
    amount = row.amount
    if track == "fast":
        return (Reason("covered", {"frozen": row.frozen, "received": row.received, "amount": amount}),)
    if track == "complex":
        found = []
        if row.debtors > rules.many_debtors:
            found.append(Reason("many_debtors", {"debtors": row.debtors, "limit": rules.many_debtors}))
        if kinds:
            found.append(Reason("disposal", {"kinds": "、".join(kinds)}))
        return tuple(found)
    return (Reason(track, {"amount": amount, "limit": rules.simple_max_amount}),)


def team_for(rules: TriageRules, track: str, teams: list[tuple[int, str, str | None]]) -> tuple[int, str] | None:
    """The team a track goes to: the one ``[triage.teams]`` names, else the first whose track
    is the track's word; None if there is none.  ``teams``: (id, name, track) by id."""
    named = rules.teams.get(track)
    for team_id, name, word in teams:
        if (name == named) if named else (word in TRACK_WORDS[track]):
            return team_id, name
    return None


def triage_list(
    db: Database,
    rules: TriageRules,
    now: datetime,
    today,
    *,
    case_id: int | None = None,
    disagreeing: bool = False,
) -> list[TriageRow]:
    """Every open case whose triage is due or done (or the one ``case_id``), by 案号."""
    track = suggested_track(rules, now, today).label("track")
    team_track = func.coalesce(CASES.c.track, TEAMS.c.track)
    query = (
        select(
            CASES.c.id,
            CASES.c.case_no,
            CASES.c.amount,
            CASES.c.team_id,
            CASES.c.officer_id,
            TEAMS.c.name.label("team"),
            team_track.label("word"),
            current_track(team_track).label("current"),
            track,
            _frozen(today).label("frozen"),
            _received(now).label("received"),
            _debtors().label("debtors"),
            _node_done(HANDOVER, now).label("done"),
        )
        .select_from(CASES.outerjoin(TEAMS, TEAMS.c.id == CASES.c.team_id))
        .where(triage_due(now))
        .order_by(CASES.c.case_no)
    )
    if case_id is not None:
        query = query.where(CASES.c.id == case_id)
    if disagreeing:
        query = query.where(disagrees(rules, now, today))
    with db.engine.connect() as conn:
        rows = conn.execute(query).all()
        complex_ids = [r.id for r in rows if r.track == "complex"]
        kinds: dict[int, list[str]] = {}
        for start in range(0, len(complex_ids), 900):
            chunk = complex_ids[start : start + 900]
            for r in conn.execute(
                select(ASSETS.c.case_id, ASSETS.c.kind)
                .distinct()
                .where(ASSETS.c.case_id.in_(chunk), ASSETS.c.kind.in_(rules.disposal_kinds or ("",)))
                .order_by(ASSETS.c.case_id, ASSETS.c.kind)
            ):
                kinds.setdefault(r.case_id, []).append(r.kind)
        teams = [tuple(r) for r in conn.execute(select(TEAMS.c.id, TEAMS.c.name, TEAMS.c.track).order_by(TEAMS.c.id))]
    goes_to = {t: team_for(rules, t, teams) for t in TRACKS}  # type: ignore[arg-type]
    return [
        TriageRow(
            case_id=r.id,
            case_no=r.case_no,
            track=r.track,
            reasons=_reasons(rules, r.track, r, kinds.get(r.id, [])),
            team_id=r.team_id,
            team=r.team or "",
            officer_id=r.officer_id,
            current=r.current,
            current_word=r.word or "",
            agrees=r.current == r.track,
            done=bool(r.done),
            amount=r.amount,
            suggested_team=goes_to[r.track][1] if goes_to[r.track] else None,
        )
        for r in rows
    ]


def apply_suggestion(
    db: Database,
    rules: TriageRules,
    case_id: int,
    who: Actor,
    now: datetime,
    today,
    *,
    expected: tuple[int | None, int | None],
) -> TriageRow:
    """A chief applies the suggestion: the case takes the suggested track and goes to its team
    (its officer stays if they are in that team), if its (officer, team) is still ``expected``.
    Audited as ``case.triage_applied`` with the reasons."""
    old_officer, old_team = expected
    with db.engine.begin() as conn:
        require_case(conn, who, "apply_triage", case_id)  # a chief: a court theirs covers
    found = triage_list(db, rules, now, today, case_id=case_id)
    if not found:
        raise ActionRefused("triage is not due for this case (open, online control complete)")
    row = found[0]
    with db.engine.begin() as conn:
        require_case(conn, who, "apply_triage", case_id)  # a chief: a court theirs covers
        teams = [tuple(r) for r in conn.execute(select(TEAMS.c.id, TEAMS.c.name, TEAMS.c.track).order_by(TEAMS.c.id))]
        target = team_for(rules, row.track, teams)  # type: ignore[arg-type]
        if target is None:
            raise ActionRefused(f"no team handles the track {row.track}: name one in [triage.teams]")
        team_id = target[0]
        officer_team = (
            conn.execute(select(OFFICERS.c.team_id).where(OFFICERS.c.id == old_officer)).scalar_one_or_none()
            if old_officer is not None
            else None
        )
        officer_id = old_officer if officer_team == team_id else None
        word = TRACK_WORDS[row.track][0]
        if row.agrees:  # its team handles the track already: a chief's apply moves nothing
            raise ActionRefused("the case already has the suggested track")
        done = conn.execute(
            update(CASES)
            .where(
                CASES.c.id == case_id,
                CASES.c.officer_id.is_not_distinct_from(old_officer),
                CASES.c.team_id.is_not_distinct_from(old_team),
            )
            .values(officer_id=officer_id, team_id=team_id, track=word, updated_at=now)
            .execution_options(preserve_rowcount=True)
        ).rowcount
        if done != 1:
            raise StaleVersion("the case was reassigned by someone else meanwhile; reload it and try again")
        audit.record(
            conn,
            now,
            who.login,
            "case.triage_applied",
            "case",
            str(case_id),
            case_id,
            {
                "from": {"officer_id": old_officer, "team_id": old_team, "track": row.current_word or None},
                "to": {"officer_id": officer_id, "team_id": team_id, "track": word},
                "track": row.track,
                "reasons": [r.code for r in row.reasons],
            },
        )
    return row
