"""Who may do what: the acting user, the role checks, and the errors an action is refused with.

Every action of the data layer (alerts, locks, supervision items, reassignments, users) is
checked here, whatever the screen allows, and refused with an :class:`ActionRefused` whose
text is meant for the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from command_center.data.engine import Database
from command_center.data.tables import OFFICERS


class ActionRefused(ValueError):
    """An action the data layer refuses, with the reason for the user."""


class StaleVersion(ActionRefused):
    """What the user acted on changed since they read it (someone else acted meanwhile)."""


class NotAllowed(ActionRefused):
    """The actor's role does not allow the action (``action`` a key of :data:`PERMISSIONS`, for
    a screen to say it in its language; ``role`` None: the user is no longer active)."""

    def __init__(self, message: str, *, login: str = "", role: str | None = None, action: str = ""):
        super().__init__(message)
        self.login, self.role, self.action = login, role, action


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


def actor(db: Database, login: str) -> Actor:
    """The active user ``login`` (for the CLI and the tests)."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(OFFICERS.c.id, OFFICERS.c.login, OFFICERS.c.role, OFFICERS.c.active).where(OFFICERS.c.login == login)
        ).one_or_none()
    if row is None or not row.active:
        raise NotAllowed(f"no active user {login!r}")
    return Actor(row.id, row.login, row.role)


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
