"""The wall's counts kept per case, team and due date (issue 22): ``wall_cases``,
``wall_case_days``, ``wall_days``, ``wall_teams`` (:mod:`command_center.data.wall_counts`),
filled here from the facts; the recompute keeps them from then on.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

LIT_CASE = sa.text("is_open AND first_due IS NOT NULL")


def upgrade() -> None:
    from command_center.data.wall_counts import refresh

    op.create_table(
        "wall_cases",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("open_nodes", sa.Integer(), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=True),
        sa.Column("first_code", sa.String(length=8), nullable=True),
        sa.Column("first_subject", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_wall_cases")),
    )
    op.create_table(
        "wall_case_days",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "due_date", name=op.f("pk_wall_case_days")),
    )
    op.create_table(
        "wall_days",
        sa.Column("court_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("nodes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("court_id", "team_key", "due_date", name=op.f("pk_wall_days")),
    )
    op.create_table(
        "wall_teams",
        sa.Column("court_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("team_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("open_cases", sa.Integer(), nullable=False),
        sa.Column("open_nodes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("court_id", "team_key", name=op.f("pk_wall_teams")),
    )
    refresh(op.get_bind())
    op.create_index("ix_wall_cases_court", "wall_cases", ["court_id", "case_id"], unique=False)
    op.create_index(
        "ix_wall_cases_lit",
        "wall_cases",
        ["first_due", "case_id", "team_id", "court_id"],
        unique=False,
        sqlite_where=LIT_CASE,
        postgresql_where=LIT_CASE,
    )
    op.create_index(
        "ix_wall_cases_court_lit",
        "wall_cases",
        ["court_id", "first_due", "case_id", "team_id"],
        unique=False,
        sqlite_where=LIT_CASE,
        postgresql_where=LIT_CASE,
    )


def downgrade() -> None:
    op.drop_index("ix_wall_cases_court_lit", table_name="wall_cases")
    op.drop_index("ix_wall_cases_lit", table_name="wall_cases")
    op.drop_index("ix_wall_cases_court", table_name="wall_cases")
    for table in ("wall_teams", "wall_days", "wall_case_days", "wall_cases"):
        op.drop_table(table)
