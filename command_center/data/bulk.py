"""Fast bulk inserts inside an open SQLAlchemy transaction.

PostgreSQL gets ``COPY … FROM STDIN`` (psycopg adapts Decimal, aware datetimes and dates
itself); SQLite gets the driver's ``executemany`` with each column's bind processor applied
once per value.  Both run on the caller's connection, so they commit or roll back with it.
Column types go through the same processors as ordinary SQLAlchemy statements, so what is
stored is identical (exact decimals, UTC instants).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict]) -> int:
    """Insert ``rows`` (dicts with the same keys) into ``table``; returns the row count."""
    if not rows:
        return 0
    columns = list(rows[0])
    dialect = conn.dialect
    dbapi = conn.connection.dbapi_connection
    if dialect.name == "postgresql":
        # COPY adapts Python values itself; the column types only validate (no floats, aware times).
        checks = [(name, table.c[name].type) for name in columns]
        quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in columns)
        with dbapi.cursor() as cursor, cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_checked(t, row[name], dialect) for name, t in checks])
        return len(rows)
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    values = [
        tuple(
            value if proc is None or value is None else proc(value)
            for proc, value in zip(processors, (row[c] for c in columns), strict=True)
        )
        for row in rows
    ]
    cursor = dbapi.cursor()
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()
    return len(rows)


def _checked(column_type, value, dialect):
    """Run a TypeDecorator's validation for PostgreSQL, keeping the Python value for COPY."""
    process = getattr(column_type, "process_bind_param", None)
    if process is None or value is None:
        return value
    return process(value, dialect)


def changed_rows(conn: Connection, statement) -> int:
    """Execute an INSERT / UPDATE / DELETE and return how many rows it wrote.

    SQLAlchemy only keeps the count of an ``INSERT … SELECT`` when asked to.
    """
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def insert_for(conn: Connection, table):
    """The dialect's INSERT, which knows ON CONFLICT (both SQLite and PostgreSQL do)."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


class _CreateTempAs(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, table: Table, query) -> None:
        self.table, self.query = table, query


@compiles(_CreateTempAs)
def _create_temp_as(element, compiler, **kw):
    name = compiler.preparer.quote(element.table.name)
    return f"CREATE TEMPORARY TABLE {name} AS {compiler.process(element.query, **kw)}"


def create_as(conn: Connection, table: Table, query) -> None:
    """``CREATE TEMPORARY TABLE <table> AS <query>``, the query's columns named as ``table``'s.

    On PostgreSQL the query may then run with parallel workers, which an ``INSERT … SELECT``
    never does.  (SQLAlchemy's own ``Select.into`` leaves an ``IN`` list of its ``WHERE``
    unexpanded.)"""
    named = query.with_only_columns(
        *[column.label(name) for column, name in zip(query.selected_columns, table.c.keys(), strict=True)]
    )
    conn.execute(_CreateTempAs(table, named))


@contextmanager
def pg_settings(conn: Connection, **settings: str) -> Iterator[None]:
    """PostgreSQL settings (``SET LOCAL``) for the statements of the ``with`` block, then back
    to what they were in this transaction; nothing on another backend."""
    if conn.dialect.name != "postgresql":
        yield
        return
    names = list(settings)
    before = conn.execute(text("SELECT " + ", ".join(f"current_setting('{name}')" for name in names))).one()
    for name, value in settings.items():
        conn.execute(text(f"SELECT set_config('{name}', :value, true)"), {"value": value})
    yield
    for name, value in zip(names, before, strict=True):
        conn.execute(text(f"SELECT set_config('{name}', :value, true)"), {"value": value})
