"""Triage and related cases (DOMAIN.md §7): a freeze's amount, and the keys parties are matched by.

``frozen_accounts.frozen_amount`` (冻结金额) lets triage see that frozen deposits cover the debt
(速执).  ``parties.name_key`` is the party's name as related cases match it (NFKC, no spaces or
invisible characters, upper-case Latin letters: ``data/names.name_key``), indexed like
``id_number``, so ``command-center related`` groups parties in SQL.  The rows already there get
their key here, one UPDATE per distinct name (the same Python function the writers use).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import command_center.data.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from command_center.data.names import name_key

    op.add_column(
        "frozen_accounts",
        sa.Column("frozen_amount", command_center.data.types.Fixed(scale=2, precision=18), nullable=True),
    )
    op.add_column("parties", sa.Column("name_key", sa.String(100), nullable=True))
    conn = op.get_bind()
    names = [row[0] for row in conn.execute(sa.text("SELECT DISTINCT name FROM parties"))]
    if names:
        conn.execute(
            sa.text("UPDATE parties SET name_key = :key WHERE name = :name"),
            [{"key": name_key(name), "name": name} for name in names],
        )
    op.create_index("ix_parties_name_key", "parties", ["name_key"])
    op.create_index("ix_parties_id_number", "parties", ["id_number"])


def downgrade() -> None:
    op.drop_index("ix_parties_id_number", table_name="parties")
    op.drop_index("ix_parties_name_key", table_name="parties")
    op.drop_column("parties", "name_key")  # SQLite ≥ 3.35 drops it in place, triggers kept
    op.drop_column("frozen_accounts", "frozen_amount")
