"""Who may do what: the acting user, the role checks, and the errors an action is refused with.

Every action of the data layer (alerts, locks, supervision items, reassignments, users) is
checked here, whatever the screen allows, and refused with an :class:`ActionRefused` whose
text is meant for the user.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

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
        row = conn.execute(select(OFFICERS.c.id, OFFICERS.c.login, OFFICERS.c.role, OFFICERS.c.active)
                           .where(OFFICERS.c.login == login)).one_or_none()
    if row is None or not row.active:
        raise NotAllowed(f"no active user {login!r}")
    return Actor(row.id, row.login, row.role)


def require(who: Actor, roles: tuple[str, ...], what: str) -> None:
    if who.role not in roles:
        raise NotAllowed(f"{who.login} ({who.role}) may not {what}; needs {' or '.join(roles)}")
