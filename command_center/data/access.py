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
    """The actor's role does not allow the action."""


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


def may(who: Actor | None, roles: tuple[str, ...]) -> bool:
    """Whether ``who`` logged in with one of ``roles`` (for a screen to offer an action or not)."""
    return who is not None and who.role in roles


def require(conn: Connection, who: Actor, roles: tuple[str, ...], what: str) -> None:
    """Inside the action's transaction: refuse unless ``who`` may do ``what`` now.  The user's
    current record decides, not what they logged in with: a user disabled or given another
    role since is refused at their next action."""
    row = conn.execute(
        select(OFFICERS.c.login, OFFICERS.c.role, OFFICERS.c.active).where(OFFICERS.c.id == who.id)
    ).one_or_none()
    if row is None or not row.active:
        raise NotAllowed(f"{who.login} is no longer an active user")
    if row.role not in roles:
        raise NotAllowed(f"{row.login} ({row.role}) may not {what}; needs {' or '.join(roles)}")
