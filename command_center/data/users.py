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
from datetime import datetime
from functools import cache

from sqlalchemy import insert, select, update

from command_center.data import models as m
from command_center.data.access import ActionRefused, Actor
from command_center.data.engine import Database
from command_center.data.tables import OFFICERS, TEAMS
from command_center.data import audit

ROLES = m.ROLES
#: scrypt cost: 16 MiB and ~50 ms per check, enough against offline guessing of a stolen table
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8


class UserError(ActionRefused):
    """A user-management request the data layer refuses."""


class LoginFailed(ActionRefused):
    """Unknown login, wrong password or disabled user (one message for all three)."""


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
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                maxmem=64 * 2**20, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    return password


def authenticate(db: Database, login: str, password: str) -> Actor:
    """The actor behind ``login`` if the password is right and the user active, else LoginFailed."""
    with db.engine.connect() as conn:
        row = conn.execute(select(OFFICERS.c.id, OFFICERS.c.login, OFFICERS.c.role, OFFICERS.c.active, OFFICERS.c.password_hash)
                           .where(OFFICERS.c.login == login.strip())).one_or_none()
    # the hash is checked even for an unknown login, so the time taken does not tell either
    ok = verify_password(password, row.password_hash if row is not None else _dummy()) and row is not None
    if not ok or not row.active:
        raise LoginFailed("登录名或密码不正确, 或该用户已停用 (wrong login or password, or the user is disabled)")
    return Actor(row.id, row.login, row.role)


@cache
def _dummy() -> str:
    return hash_password("not a password", salt=b"\0" * 16)


def _audit(conn, now: datetime, by: str, action: str, login: str, detail: dict | None = None) -> None:
    audit.record(conn, now, by, action, "officer", login, detail=detail)


def add_user(db: Database, login: str, name: str, role: str, password: str, now: datetime, *, team: str | None = None,
             by: str = "cli") -> int:
    login = login.strip()
    if not login:
        raise UserError("the login is empty")
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    hashed = hash_password(check_password(password))
    with db.engine.begin() as conn:
        if conn.execute(select(OFFICERS.c.id).where(OFFICERS.c.login == login)).first() is not None:
            raise UserError(f"the login {login!r} exists already (use `user passwd` to change its password)")
        team_id = None
        if team:
            team_id = conn.execute(select(TEAMS.c.id).where(TEAMS.c.name == team)).scalar_one_or_none()
            if team_id is None:
                names = conn.execute(select(TEAMS.c.name).order_by(TEAMS.c.id)).scalars().all()
                raise UserError(f"no team {team!r}" + (f"; teams: {', '.join(names)}" if names else ""))
        user_id = conn.execute(insert(OFFICERS).values(login=login, name=name.strip() or login, role=role, team_id=team_id,
                                                       password_hash=hashed, active=True).returning(OFFICERS.c.id)).scalar_one()
        _audit(conn, now, by, "user.added", login, {"role": role, "team": team})
    return user_id


def _set(db: Database, login: str, now: datetime, by: str, action: str, values: dict) -> None:
    with db.engine.begin() as conn:
        done = conn.execute(update(OFFICERS).where(OFFICERS.c.login == login).values(**values)
                            .execution_options(preserve_rowcount=True)).rowcount
        if done != 1:
            raise UserError(f"no user {login!r}")
        _audit(conn, now, by, action, login)


def set_password(db: Database, login: str, password: str, now: datetime, *, by: str = "cli") -> None:
    _set(db, login, now, by, "user.password_changed", {"password_hash": hash_password(check_password(password))})


def disable_user(db: Database, login: str, now: datetime, *, by: str = "cli") -> None:
    _set(db, login, now, by, "user.disabled", {"active": False})


def list_users(db: Database) -> list[dict]:
    with db.engine.connect() as conn:
        rows = conn.execute(select(OFFICERS.c.login, OFFICERS.c.name, OFFICERS.c.role, OFFICERS.c.active,
                                   OFFICERS.c.password_hash.is_not(None).label("has_password"), TEAMS.c.name.label("team"))
                            .select_from(OFFICERS.outerjoin(TEAMS, TEAMS.c.id == OFFICERS.c.team_id))
                            .order_by(OFFICERS.c.login)).all()
    return [dict(r._mapping) for r in rows]
