"""An index on cases (court_id, closed_on): a court's open cases without reading every court's
(``--court``, a court's wall and lists in a city's or a province's database; issue 25).

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_cases_court_open"), "cases", ["court_id", "closed_on"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_cases_court_open"), table_name="cases")
