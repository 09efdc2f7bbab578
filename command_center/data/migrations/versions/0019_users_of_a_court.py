"""Users belong to a court (issue 25, 两级法院): ``officers.court_code``.

A user of a court code acts on the cases of every court that code covers (``内0425``: 克什克腾旗
alone; ``内04``: 赤峰's 中院 and its basic courts; ``内``: the province), so the column holds a
code, not a court's id: a level of the hierarchy need not be a court with cases of its own.  A
user without one (every user before this migration) acts on every court, as before.  A plain
ADD COLUMN on both backends (the officers table is referenced: SQLite must not copy it).

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("officers", sa.Column("court_code", sa.String(length=16), nullable=True))


def downgrade() -> None:
    # not a batch (SQLite would copy the table, which the foreign keys to it refuse): SQLite
    # drops a plain column in place since 3.35
    op.drop_column("officers", "court_code")
