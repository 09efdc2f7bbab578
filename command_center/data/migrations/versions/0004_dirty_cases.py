"""Dirty-case marks written by triggers, so the recompute re-derives only what changed.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: table → the column naming the case
WATCHED = {
    "cases": "id",
    "funds": "case_id",
    "seized_assets": "case_id",
    "frozen_accounts": "case_id",
    "leads": "case_id",
    "suspensions": "case_id",
}
#: the node columns a recompute depends on (not the due dates it writes itself)
NODE_INPUTS = ("started_at", "completed_at", "due_override")

MARK = "ON CONFLICT (case_id) DO UPDATE SET version = dirty_cases.version + 1"
#: the recompute's own writes (it sets this for its transaction) mark nothing
SKIP_OWN = "IF current_setting('command_center.recompute', true) = 'on' THEN RETURN NULL; END IF;"


def upgrade() -> None:
    op.create_table(
        "dirty_cases",
        sa.Column("case_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_dirty_cases")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _postgresql() -> None:
    # statement-level triggers with transition tables: one INSERT per statement, even for COPY
    for table, column in WATCHED.items():
        op.execute(f"""
            CREATE FUNCTION cc_dirty_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {SKIP_OWN}
                IF TG_OP = 'DELETE' THEN
                    INSERT INTO dirty_cases (case_id, version) SELECT DISTINCT {column}, 1 FROM old_rows {MARK};
                ELSE
                    INSERT INTO dirty_cases (case_id, version) SELECT DISTINCT {column}, 1 FROM new_rows {MARK};
                END IF;
                RETURN NULL;
            END $$""")
        for event, ref in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("UPDATE", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
        ):
            op.execute(
                f"CREATE TRIGGER cc_dirty_{table}_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {ref} FOR EACH STATEMENT EXECUTE FUNCTION cc_dirty_{table}()"
            )
    changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in NODE_INPUTS)
    op.execute(f"""
        CREATE FUNCTION cc_dirty_node_instances() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {SKIP_OWN}
            IF TG_OP = 'INSERT' THEN
                INSERT INTO dirty_cases (case_id, version) SELECT DISTINCT case_id, 1 FROM new_rows {MARK};
            ELSE
                INSERT INTO dirty_cases (case_id, version)
                SELECT DISTINCT n.case_id, 1 FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed} {MARK};
            END IF;
            RETURN NULL;
        END $$""")
    op.execute(
        "CREATE TRIGGER cc_dirty_node_instances_insert AFTER INSERT ON node_instances "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION cc_dirty_node_instances()"
    )
    op.execute(
        "CREATE TRIGGER cc_dirty_node_instances_update AFTER UPDATE ON node_instances "
        "REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION cc_dirty_node_instances()"
    )


def _sqlite() -> None:
    # SQLite has one writer at a time: whatever a recompute's own writes mark, it unmarks at its end
    def mark(ref: str) -> str:
        return f"INSERT INTO dirty_cases (case_id, version) VALUES ({ref}, 1) {MARK};"

    for table, column in WATCHED.items():
        op.execute(f"CREATE TRIGGER cc_dirty_{table}_insert AFTER INSERT ON {table} BEGIN {mark('NEW.' + column)} END")
        op.execute(f"CREATE TRIGGER cc_dirty_{table}_update AFTER UPDATE ON {table} BEGIN {mark('NEW.' + column)} END")
        op.execute(f"CREATE TRIGGER cc_dirty_{table}_delete AFTER DELETE ON {table} BEGIN {mark('OLD.' + column)} END")
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in NODE_INPUTS)
    op.execute(
        f"CREATE TRIGGER cc_dirty_node_instances_insert AFTER INSERT ON node_instances BEGIN {mark('NEW.case_id')} END"
    )
    op.execute(
        f"CREATE TRIGGER cc_dirty_node_instances_update AFTER UPDATE OF {', '.join(NODE_INPUTS)} ON node_instances "
        f"WHEN {changed} BEGIN {mark('NEW.case_id')} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in [*WATCHED, "node_instances"]:
            op.execute(f"DROP FUNCTION IF EXISTS cc_dirty_{table}() CASCADE")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS cc_dirty_{table}_{event}")
        for event in ("insert", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS cc_dirty_node_instances_{event}")
    op.drop_table("dirty_cases")
