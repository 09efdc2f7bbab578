"""Who may do what: the acting user, the role checks, and the errors an action is refused with.

Every action of the data layer (alerts, locks, supervision items, reassignments, users) is
checked here, whatever the screen allows, and refused with an :class:`ActionRefused` whose
text is meant for the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.sql.expression import ColumnElement

from command_center.data.engine import Database
from command_center.data.tables import CASES, COURTS, OFFICERS


class ActionRefused(ValueError):
    """An action the data layer refuses, with the reason for the user."""


class StaleVersion(ActionRefused):
    """What the user acted on changed since they read it (someone else acted meanwhile)."""


class NotAllowed(ActionRefused):
    """The actor's role does not allow the action (``action`` a key of :data:`PERMISSIONS`, for
    a screen to say it in its language; ``role`` None: the user is no longer active)."""

    def __init__(
        self,
        message: str,
        *,
        login: str = "",
        role: str | None = None,
        action: str = "",
        case_no: str = "",
        why: str = "",
    ):
        super().__init__(message)
        self.login, self.role, self.action = login, role, action
        #: set when the role may do the action but not on this case, and ``why``: ``team`` (another
        #: team's, not assigned to them), ``court`` (a court theirs does not cover) or ``higher``
        #: (提级解锁: a higher court decides)
        self.case_no, self.why = case_no, why


_ANY = ("officer", "chief", "admin")
_CHIEF = ("chief", "admin")
#: who may do what, the one table the data layer's checks and the screens' offers read:
#: action → (the roles that may, the action in words for a refusal)
PERMISSIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": (_ANY, "acknowledge alerts"),
    "silence": (_CHIEF, "silence alerts"),
    "respond": (_ANY, "submit responses"),
    "review": (_CHIEF, "review responses"),
    "escalate": (_ANY, "escalate alerts"),
    "reassign": (_CHIEF, "reassign cases"),
    "apply_triage": (_CHIEF, "apply a triage suggestion"),
    "reassign_bundle": (_CHIEF, "hand a bundle of related cases to one team"),
    "request_unlock": (_ANY, "ask for an unlock"),
    "unlock": (_CHIEF, "unlock a case"),
    "reject_unlock": (_CHIEF, "reject an unlock request"),
    "supervise": (_ANY, "create supervision items"),
    "complete_item": (_ANY, "complete supervision items"),
    "review_mark": (_CHIEF, "mark review items"),
    # an applicant's wish, told to whoever they reach (an officer on the phone, at the window)
    "notify_opt_out": (_ANY, "change whether an applicant gets progress messages"),
}


@dataclass(frozen=True)
class Actor:
    """A logged-in user, as the screens and the data layer's checks know them."""

    id: int
    login: str
    role: str
    #: the court code whose courts the user sees and acts on (两级法院); None: every court
    court_code: str | None = None


def actor(db: Database, login: str) -> Actor:
    """The active user ``login`` (for the CLI and the tests)."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(OFFICERS.c.id, OFFICERS.c.login, OFFICERS.c.role, OFFICERS.c.active, OFFICERS.c.court_code).where(
                OFFICERS.c.login == login
            )
        ).one_or_none()
    if row is None or not row.active:
        raise NotAllowed(f"no active user {login!r}")
    return Actor(row.id, row.login, row.role, row.court_code)


def sees_names(who: Actor | None) -> bool:
    """The one rule for personal data (names, ID numbers, phones): shown, and searchable, only
    to a logged-in officer, chief or admin; masked and unsearchable on the wall and before login."""
    return who is not None and who.role != "wall"


def may(who: Actor | None, action: str) -> bool:
    """Whether ``who`` logged in with a role that may do ``action`` (for a screen to offer it or
    not; the data layer checks again, against the user's current record)."""
    return who is not None and who.role in PERMISSIONS[action][0]


def require(conn: Connection, who: Actor, action: str) -> None:
    """Inside the action's transaction: refuse unless ``who`` may do ``action`` now.  The user's
    current record decides, not what they logged in with: a user disabled or given another
    role since is refused at their next action."""
    roles, what = PERMISSIONS[action]
    row = conn.execute(
        select(OFFICERS.c.login, OFFICERS.c.role, OFFICERS.c.active).where(OFFICERS.c.id == who.id)
    ).one_or_none()
    if row is None or not row.active:
        raise NotAllowed(f"{who.login} is no longer an active user", login=who.login, action=action)
    if row.role not in roles:
        raise NotAllowed(
            f"{row.login} ({row.role}) may not {what}; needs {' or '.join(roles)}",
            login=row.login,
            role=row.role,
            action=action,
        )


def covers(code: str | None, court_code: str) -> bool:
    """Whether a user's court code covers a court (内04 covers 内0425; None covers every court)."""
    return code is None or court_code.startswith(code)


def require_case(
    conn: Connection, who: Actor, action: str, case_id: int, *, assigned: ColumnElement[bool] | None = None
) -> str:
    """:func:`require`, and the case is one the user acts on: a court their court code covers
    (两级法院), and for an officer their team's cases, their own, and what is assigned to them
    (issue 23, DOMAIN.md §10): ``assigned`` is the condition, over the officers table bound to
    ``who``, that the thing acted on is theirs (the node's owner, a 督办 item's assignee).
    Returns the case's court code."""
    require(conn, who, action)
    me = conn.execute(
        select(OFFICERS.c.role, OFFICERS.c.team_id, OFFICERS.c.court_code).where(OFFICERS.c.id == who.id)
    ).one()
    case = conn.execute(
        select(CASES.c.case_no, CASES.c.team_id, CASES.c.officer_id, COURTS.c.code)
        .select_from(CASES.join(COURTS, COURTS.c.id == CASES.c.court_id))
        .where(CASES.c.id == case_id)
    ).one_or_none()
    if case is None:
        raise ActionRefused(f"no case with id {case_id}")

    def refuse(why: str, words: str) -> NotAllowed:
        return NotAllowed(
            f"{who.login} may not {PERMISSIONS[action][1]} on {case.case_no}: {words}",
            login=who.login,
            role=me.role,
            action=action,
            case_no=case.case_no,
            why=why,
        )

    if not covers(me.court_code, case.code):
        raise refuse("court", f"a case of {case.code}, which their court {me.court_code} does not cover")
    if me.role != "officer":
        return case.code
    if case.officer_id == who.id or (me.team_id is not None and case.team_id == me.team_id):
        return case.code
    if assigned is not None and conn.execute(select(OFFICERS.c.id).where(OFFICERS.c.id == who.id, assigned)).first():
        return case.code
    raise refuse("team", "not a case of their team, nor assigned to them")


def require_higher(conn: Connection, who: Actor, action: str, case_id: int, by_parent: tuple[str, ...]) -> None:
    """:func:`require_case`, and 提级解锁: where the case's court is one of ``by_parent`` (the
    setting ``unlock_by_parent``), only a user of a higher court decides (a court code shorter
    than the case's court's and covering it, or none: every court)."""
    code = require_case(conn, who, action, case_id)
    if not any(code.startswith(prefix) for prefix in by_parent):
        return
    mine = conn.execute(select(OFFICERS.c.court_code).where(OFFICERS.c.id == who.id)).scalar_one()
    if mine is None or (len(mine) < len(code) and code.startswith(mine)):
        return
    case_no = conn.execute(select(CASES.c.case_no).where(CASES.c.id == case_id)).scalar_one()
    raise NotAllowed(
        f"{who.login} may not {PERMISSIONS[action][1]} on {case_no}: a higher court decides (提级解锁)",
        login=who.login,
        role=who.role,
        action=action,
        case_no=case_no,
        why="higher",
    )


def refusal_of(db: Database, check: Callable[[Connection], None]) -> NotAllowed | None:
    """Why the user may not act (None: they may), as the action's own ``check`` would refuse it:
    for a screen to say so before a form is filled in for nothing."""
    with db.engine.connect() as conn:
        try:
            check(conn)
        except NotAllowed as refused:
            return refused
        except ActionRefused:
            return None  # not the user's doing (gone meanwhile, say): the action itself says so
    return None
