"""Small named values kept between runs in ``system_state`` (fingerprints, watermarks, last runs)."""

from __future__ import annotations

from sqlalchemy import Connection, select

from command_center.data.bulk import insert_for
from command_center.data.tables import STATE


def read(conn: Connection, key: str) -> str | None:
    return conn.execute(select(STATE.c.value).where(STATE.c.key == key)).scalar_one_or_none()


def read_prefixed(conn: Connection, prefix: str) -> dict[str, str]:
    """Every value whose key starts with ``prefix``, keyed by the rest of the key."""
    rows = conn.execute(select(STATE.c.key, STATE.c.value).where(STATE.c.key.startswith(prefix, autoescape=True))).all()
    return {key[len(prefix) :]: value for key, value in rows}


def write(conn: Connection, key: str, value: str) -> None:
    stmt = insert_for(conn, STATE).values(key=key, value=value)
    conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}))
