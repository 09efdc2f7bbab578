"""Operators: who may log in, with which role, and the check of a password.

Passwords are stored as salted scrypt hashes (``scrypt$n$r$p$salt$hash``, base64), compared
in constant time.  A wrong login and a wrong password get the same message, so the login
screen does not tell which logins exist.  Every change is written to the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import delete, insert, select, update

from command_center.data import audit
from command_center.data import models as m
from command_center.data.access import ActionRefused, Actor
from command_center.data.bulk import insert_for
from command_center.data.courts import UnknownCourt, courts_under, normalise_code
from command_center.data.engine import Database
from command_center.data.tables import GROUPS, LOGIN_FAILURES, OFFICERS, TEAMS
from command_center.data.workcal import TZ

ROLES = m.ROLES
#: scrypt cost: 16 MiB and ~50 ms per check, enough against offline guessing of a stolen table
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8
#: wrong passwords in a row before a login is locked; the first lock, doubled at each further
#: failure up to the longest
FREE_FAILURES = 5
FIRST_LOCK = timedelta(seconds=30)
LONGEST_LOCK = timedelta(hours=1)


class UserError(ActionRefused):
    """A user-management request the data layer refuses."""


class LoginFailed(ActionRefused):
    """Unknown login, wrong password or disabled user (one message for all three); or the login
    is locked ``until`` a time.  The message is English; a screen says it in its own language."""

    def __init__(self, until: datetime | None = None):
        self.until = until
        super().__init__(
            f"too many wrong passwords: this login is locked until {until.astimezone(TZ):%H:%M:%S}"
            if until
            else "wrong login or password, or the user is disabled"
        )


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=64 * 2**20)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 2**20,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def unknown_login(login: str) -> str:
    """How a login that is no user's is counted and audited: its first two characters, its
    length and a digest, never the whole text (someone who typed login and password in one
    field, or a password in the login field, would otherwise have it in the audit log)."""
    digest = hashlib.sha256(login.encode()).hexdigest()[:8]
    return f"?{login[:2]}…({len(login)})#{digest}"


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    return password


def authenticate(db: Database, login: str, password: str, now: datetime) -> Actor:
    """The actor behind ``login`` if the password is right and the user active, else LoginFailed.

    Every failure is audited.  After :data:`FREE_FAILURES` wrong passwords in a row a login
    (known or not: the lock tells nothing about which logins exist) is locked for
    :data:`FIRST_LOCK`, twice as long at each further failure up to :data:`LONGEST_LOCK`;
    while locked, no password is even checked."""
    login = login.strip()
    with db.engine.connect() as conn:
        row = conn.execute(
            select(
                OFFICERS.c.id,
                OFFICERS.c.login,
                OFFICERS.c.role,
                OFFICERS.c.active,
                OFFICERS.c.password_hash,
                OFFICERS.c.court_code,
            ).where(OFFICERS.c.login == login)
        ).one_or_none()
        key = login[:64] if row is not None else unknown_login(login)
        failed = conn.execute(select(LOGIN_FAILURES.c.locked_until).where(LOGIN_FAILURES.c.login == key)).one_or_none()
    if failed is not None and failed.locked_until is not None and failed.locked_until > now:
        with db.engine.begin() as conn:
            audit.record(
                conn,
                now,
                key,
                "login.refused_locked",
                "officer",
                key,
                detail={"locked_until": failed.locked_until.isoformat()},
            )
        raise LoginFailed(failed.locked_until)
    # the hash is checked even for an unknown login, so the time taken does not tell either
    ok = verify_password(password, row.password_hash if row is not None else _dummy()) and row is not None
    if not ok or not row.active:
        until = _failed(db, key, now)
        raise LoginFailed(until)
    if failed is not None:  # the right password after wrong ones: counting starts again
        with db.engine.begin() as conn:
            conn.execute(delete(LOGIN_FAILURES).where(LOGIN_FAILURES.c.login == key))
    return Actor(row.id, row.login, row.role, row.court_code)


def _failed(db: Database, key: str, now: datetime) -> datetime | None:
    """Count a failure of ``key`` and audit it; returns until when the login is now locked."""
    with db.engine.begin() as conn:
        stmt = insert_for(conn, LOGIN_FAILURES).values(login=key, failures=1, last_failed_at=now)
        failures = conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["login"], set_={"failures": LOGIN_FAILURES.c.failures + 1, "last_failed_at": now}
            ).returning(LOGIN_FAILURES.c.failures)
        ).scalar_one()
        until = None
        if failures >= FREE_FAILURES:
            until = now + min(FIRST_LOCK * 2 ** (failures - FREE_FAILURES), LONGEST_LOCK)
            conn.execute(update(LOGIN_FAILURES).where(LOGIN_FAILURES.c.login == key).values(locked_until=until))
        audit.record(
            conn,
            now,
            key,
            "login.failed",
            "officer",
            key,
            detail={"failures": failures, "locked_until": until.isoformat() if until else None},
        )
    return until


@cache
def _dummy() -> str:
    return hash_password("not a password", salt=b"\0" * 16)


def _audit(conn, now: datetime, by: str, action: str, login: str, detail: dict | None = None) -> None:
    audit.record(conn, now, by, action, "officer", login, detail=detail)


_PHONE = re.compile(r"^\+?\d{5,20}$")


def check_phone(phone: str) -> str | None:
    """A phone number as stored (spaces and hyphens dropped), None for an empty one; anything
    else than digits with an optional leading + is refused, naming it."""
    phone = re.sub(r"[\s-]", "", phone or "")
    if not phone:
        return None
    if not _PHONE.match(phone):
        raise UserError(f"the phone {phone!r} is not a phone number (5 to 20 digits, an optional leading +)")
    return phone


def check_groups(groups: list[str] | tuple[str, ...]) -> list[str]:
    """Group names as stored: trimmed, each once, in order; an empty or too long name is refused."""
    names: list[str] = []
    for raw in groups:
        name = raw.strip()
        if not name or len(name) > 50 or ":" in name:
            raise UserError(f"the group {raw!r} is not a group's name (1 to 50 characters, no ':')")
        if name not in names:
            names.append(name)
    return names


def _team_id(conn, team: str) -> int:
    team_id = conn.execute(select(TEAMS.c.id).where(TEAMS.c.name == team)).scalar_one_or_none()
    if team_id is None:
        names = conn.execute(select(TEAMS.c.name).order_by(TEAMS.c.id)).scalars().all()
        raise UserError(f"no team {team!r}" + (f"; teams: {', '.join(names)}" if names else ""))
    return team_id


def _court_code(db: Database, code: str) -> str:
    """A user's court code as stored; it must cover a court of the database (两级法院), said as
    ``--court`` says it (:func:`~command_center.data.courts.courts_under`)."""
    try:
        courts_under(db, code)
    except UnknownCourt as exc:
        raise UserError(str(exc)) from None
    return normalise_code(code)


def add_user(
    db: Database,
    login: str,
    name: str,
    role: str,
    password: str,
    now: datetime,
    *,
    team: str | None = None,
    phone: str | None = None,
    team_leader: bool = False,
    groups: list[str] | tuple[str, ...] = (),
    court: str | None = None,
    by: str = "cli",
) -> int:
    login = login.strip()
    if not login:
        raise UserError("the login is empty")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    phone = check_phone(phone or "")
    groups = check_groups(groups)
    hashed = hash_password(check_password(password))
    court_code = _court_code(db, court) if court else None
    with db.engine.begin() as conn:
        if conn.execute(select(OFFICERS.c.id).where(OFFICERS.c.login == login)).first() is not None:
            raise UserError(f"the login {login!r} exists already (use `user passwd` to change its password)")
        team_id = _team_id(conn, team) if team else None
        if team_leader and team_id is None:
            raise UserError("a team leader needs a team (--team)")
        user_id = conn.execute(
            insert(OFFICERS)
            .values(
                login=login,
                name=name.strip() or login,
                role=role,
                team_id=team_id,
                password_hash=hashed,
                active=True,
                phone=phone,
                team_leader=team_leader,
                court_code=court_code,
            )
            .returning(OFFICERS.c.id)
        ).scalar_one()
        if groups:
            conn.execute(insert(GROUPS), [{"officer_id": user_id, "group_name": g} for g in groups])
        detail = {"role": role, "team": team}
        if team_leader:
            detail["team_leader"] = True
        if groups:
            detail["groups"] = groups
        if court_code:
            detail["court"] = court_code
        if phone:
            detail["phone"] = "set"  # the audit log never holds the number itself
        _audit(conn, now, by, "user.added", login, detail)
    return user_id


def edit_user(
    db: Database,
    login: str,
    now: datetime,
    *,
    name: str | None = None,
    phone: str | None = None,
    team: str | None = None,
    team_leader: bool | None = None,
    add_groups: list[str] | tuple[str, ...] = (),
    remove_groups: list[str] | tuple[str, ...] = (),
    court: str | None = None,
    by: str = "cli",
) -> dict:
    """Change what is given (a phone of "" removes it); returns what changed (for the audit log)."""
    values: dict = {}
    changed: dict = {}
    if name is not None:
        if not name.strip():
            raise UserError("the name is empty")
        values["name"] = changed["name"] = name.strip()
    if phone is not None:
        values["phone"] = check_phone(phone)
        changed["phone"] = "set" if values["phone"] else "removed"
    add_groups, remove_groups = check_groups(add_groups), check_groups(remove_groups)
    court_code = _court_code(db, court) if court and court.strip() else None
    with db.engine.begin() as conn:
        row = conn.execute(
            select(OFFICERS.c.id, OFFICERS.c.team_id, OFFICERS.c.team_leader).where(OFFICERS.c.login == login)
        ).one_or_none()
        if row is None:
            raise UserError(f"no user {login!r}")
        team_id = row.team_id
        if team is not None:
            team_id = values["team_id"] = _team_id(conn, team) if team else None
            changed["team"] = team or None
        if team_leader is not None:
            values["team_leader"] = changed["team_leader"] = team_leader
        if court is not None:  # "": every court again
            values["court_code"] = changed["court"] = court_code
        leads = row.team_leader if team_leader is None else team_leader
        if leads and team_id is None:
            raise UserError("a team leader needs a team (--team)")
        if values:
            conn.execute(update(OFFICERS).where(OFFICERS.c.id == row.id).values(**values))
        mine = set(conn.execute(select(GROUPS.c.group_name).where(GROUPS.c.officer_id == row.id)).scalars())
        new = [g for g in add_groups if g not in mine]
        if new:
            conn.execute(insert(GROUPS), [{"officer_id": row.id, "group_name": g} for g in new])
            changed["groups_added"] = new
        if remove_groups:
            missing = [g for g in remove_groups if g not in mine]
            if missing:
                raise UserError(
                    f"{login} is not in the group {missing[0]!r}"
                    + (f"; groups: {'、'.join(sorted(mine))}" if mine else "")
                )
            conn.execute(delete(GROUPS).where(GROUPS.c.officer_id == row.id, GROUPS.c.group_name.in_(remove_groups)))
            changed["groups_removed"] = remove_groups
        if not changed:
            raise UserError(
                "nothing to change: give --name, --phone, --team, --team-leader/--no-team-leader, --group or --court"
            )
        _audit(conn, now, by, "user.edited", login, changed)
    return changed


def _set(db: Database, login: str, now: datetime, by: str, action: str, values: dict) -> None:
    with db.engine.begin() as conn:
        done = conn.execute(
            update(OFFICERS).where(OFFICERS.c.login == login).values(**values).execution_options(preserve_rowcount=True)
        ).rowcount
        if done != 1:
            raise UserError(f"no user {login!r}")
        _audit(conn, now, by, action, login)


def set_password(db: Database, login: str, password: str, now: datetime, *, by: str = "cli") -> None:
    _set(db, login, now, by, "user.password_changed", {"password_hash": hash_password(check_password(password))})


def disable_user(db: Database, login: str, now: datetime, *, by: str = "cli") -> None:
    _set(db, login, now, by, "user.disabled", {"active": False})


def enable_user(db: Database, login: str, now: datetime, *, by: str = "cli") -> None:
    """Let a disabled user log in again (a new password does not: someone disabled on purpose
    stays so until enabled on purpose)."""
    _set(db, login, now, by, "user.enabled", {"active": True})


def is_active(db: Database, login: str) -> bool:
    with db.engine.connect() as conn:
        active = conn.execute(select(OFFICERS.c.active).where(OFFICERS.c.login == login)).scalar_one_or_none()
    if active is None:
        raise UserError(f"no user {login!r}")
    return bool(active)


def list_users(db: Database) -> list[dict]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(
                OFFICERS.c.id,
                OFFICERS.c.login,
                OFFICERS.c.name,
                OFFICERS.c.role,
                OFFICERS.c.active,
                OFFICERS.c.password_hash.is_not(None).label("has_password"),
                TEAMS.c.name.label("team"),
                OFFICERS.c.team_leader,
                OFFICERS.c.phone,
                OFFICERS.c.court_code.label("court"),
            )
            .select_from(OFFICERS.outerjoin(TEAMS, TEAMS.c.id == OFFICERS.c.team_id))
            .order_by(OFFICERS.c.login)
        ).all()
        groups: dict[int, list[str]] = {}
        for officer_id, group in conn.execute(
            select(GROUPS.c.officer_id, GROUPS.c.group_name).order_by(GROUPS.c.officer_id, GROUPS.c.group_name)
        ):
            groups.setdefault(officer_id, []).append(group)
    users = []
    for r in rows:
        user = dict(r._mapping)
        user["team_leader"] = bool(user["team_leader"])
        user["groups"] = groups.get(user.pop("id"), [])
        users.append(user)
    return users
