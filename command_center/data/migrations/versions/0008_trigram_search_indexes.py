"""Trigram indexes for the palette's and the case list's searches (PostgreSQL, pg_trgm).

``LIKE '%执12%'`` on 案号 and party names scanned every case and party: 120–250 ms at 100,000
cases, per keystroke in the palette.  A GIN trigram index answers any pattern of three or
more characters from the index (2 ms).  pg_trgm ships with PostgreSQL and is a trusted
extension, but a server without the contrib package, or a user without CREATE on the
database, cannot create it: then the migration says so and goes on, and the searches scan
as before.  SQLite has no such index; its searches scan.

Revision ID: 0008
Revises: 0007
"""

import sys

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = (("ix_cases_case_no_trgm", "cases", "case_no"), ("ix_parties_name_trgm", "parties", "name"))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        print(
            f"note: pg_trgm is not available ({str(exc.orig).strip().splitlines()[0]}); "
            "case and party searches will scan instead of using an index",
            file=sys.stderr,
        )
        return
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
