"""Initial schema: the shared database of the command centre.

The audit log is made append-only in the database itself (triggers refuse UPDATE and
DELETE), so no code path, and no hand-written SQL session, can rewrite history.

Revision ID: 0001
Revises:
Create Date: 2026-11-21 10:22:04.159788
"""

import sqlalchemy as sa
from alembic import op

import command_center.data.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=50), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity", sa.String(length=30), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_case_at", ["case_id", "at"], unique=False)

    op.create_table(
        "courts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courts")),
        sa.UniqueConstraint("code", name=op.f("uq_courts_code")),
    )
    op.create_table(
        "indicator_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("value", command_center.data.types.Fixed(scale=4, precision=20), nullable=False),
        sa.Column("taken_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_snapshots")),
        sa.UniqueConstraint("day", "scope", "indicator", name="uq_indicator_snapshots_key"),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("track", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_teams_court_id_courts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("court_id", "name", name=op.f("uq_teams_court_id")),
    )
    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("role IN ('wall', 'officer', 'chief', 'admin')", name=op.f("ck_officers_role")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_officers_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("login", name=op.f("uq_officers_login")),
    )
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officers_team_id"), ["team_id"], unique=False)

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("court_id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=60), nullable=False),
        sa.Column("case_type", sa.String(length=10), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("amount", command_center.data.types.Fixed(scale=2, precision=18), nullable=False),
        sa.Column("amount_recovered", command_center.data.types.Fixed(scale=2, precision=18), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("track", sa.String(length=20), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closing_mode", sa.String(length=20), nullable=True),
        sa.Column("term_extended_to", sa.Date(), nullable=True),
        sa.Column("updated_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_cases_amount_non_negative")),
        sa.CheckConstraint("amount_recovered >= 0", name=op.f("ck_cases_recovered_non_negative")),
        sa.ForeignKeyConstraint(["court_id"], ["courts.id"], name=op.f("fk_cases_court_id_courts")),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.id"], name=op.f("fk_cases_officer_id_officers")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_cases_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_no", name=op.f("uq_cases_case_no")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_closed_on", ["closed_on"], unique=False)
        batch_op.create_index("ix_cases_filed_on", ["filed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index("ix_cases_team_open", ["team_id", "closed_on"], unique=False)

    op.create_table(
        "frozen_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=True),
        sa.Column("account_no", sa.String(length=40), nullable=True),
        sa.Column("frozen_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("renewed_until", sa.Date(), nullable=True),
        sa.Column("released_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_frozen_accounts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_frozen_accounts")),
        sa.UniqueConstraint("account_id", name=op.f("uq_frozen_accounts_account_id")),
    )
    with op.batch_alter_table("frozen_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_frozen_accounts_case_id"), ["case_id"], unique=False)

    op.create_table(
        "funds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fund_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("amount", command_center.data.types.Fixed(scale=2, precision=18), nullable=False),
        sa.Column("arrived_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("claimed_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("disbursed_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_funds_amount_non_negative")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_funds_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funds")),
        sa.UniqueConstraint("fund_id", name=op.f("uq_funds_fund_id")),
    )
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funds_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_funds_undisbursed",
            ["arrived_at"],
            unique=False,
            sqlite_where=sa.text("disbursed_at IS NULL"),
            postgresql_where=sa.text("disbursed_at IS NULL"),
        )

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("reported_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("control_started_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_leads_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
        sa.UniqueConstraint("lead_id", name=op.f("uq_leads_lead_id")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_case_id"), ["case_id"], unique=False)

    op.create_table(
        "node_instances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("node_code", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("completed_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("stopped_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("due_override", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("due_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("provisional", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.CheckConstraint("source IN ('materialised', 'imported', 'manual')", name=op.f("ck_node_instances_source")),
        sa.CheckConstraint(
            "completed_at IS NULL OR started_at IS NULL OR completed_at >= started_at",
            name=op.f("ck_node_instances_completed_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_node_instances_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_instances")),
        sa.UniqueConstraint("case_id", "node_code", "subject_id", name="uq_node_instances_key"),
    )
    with op.batch_alter_table("node_instances", schema=None) as batch_op:
        batch_op.create_index(
            "ix_node_instances_open_code_due",
            ["node_code", "due_at"],
            unique=False,
            sqlite_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
        )
        batch_op.create_index(
            "ix_node_instances_open_due",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
        )

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("recipient", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("next_attempt_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("sent_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_notification_outbox_status")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_notification_outbox_case_id_cases"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_outbox")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_notification_outbox_dedup_key")),
    )
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_notification_outbox_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("id_number", sa.String(length=30), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.CheckConstraint("kind IN ('person', 'org')", name=op.f("ck_parties_kind")),
        sa.CheckConstraint("role IN ('applicant', 'debtor')", name=op.f("ck_parties_role")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_parties_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("case_id", "role", "position", name=op.f("uq_parties_case_id")),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parties_name"), ["name"], unique=False)

    op.create_table(
        "seized_assets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("seized_on", sa.Date(), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("valuation", command_center.data.types.Fixed(scale=2, precision=18), nullable=True),
        sa.Column("evaluation_started_on", sa.Date(), nullable=True),
        sa.Column("disposal_status", sa.String(length=50), nullable=True),
        sa.Column("seal_expires_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_seized_assets_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seized_assets")),
        sa.UniqueConstraint("asset_id", name=op.f("uq_seized_assets_asset_id")),
    )
    with op.batch_alter_table("seized_assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_seized_assets_case_id"), ["case_id"], unique=False)

    op.create_table(
        "suspensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.CheckConstraint("to_date IS NULL OR to_date >= from_date", name=op.f("ck_suspensions_to_after_from")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_suspensions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspensions")),
        sa.UniqueConstraint("case_id", "from_date", name=op.f("uq_suspensions_case_id")),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("node_instance_id", sa.Integer(), nullable=True),
        sa.Column("node_code", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=10), nullable=False),
        sa.Column("tier", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("opened_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("updated_at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("tier_changed_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("acknowledged_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("resolved_at", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("silenced_until", command_center.data.types.AwareDateTime(), nullable=True),
        sa.Column("silence_reason", sa.Text(), nullable=True),
        sa.Column("silenced_by", sa.Integer(), nullable=True),
        sa.Column("response_kind", sa.String(length=20), nullable=True),
        sa.Column("response_due_date", sa.Date(), nullable=True),
        sa.Column("response_status", sa.String(length=12), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("rule IN ('due_soon', 'overdue')", name=op.f("ck_alerts_rule")),
        sa.CheckConstraint(
            "status <> 'silenced' OR (silenced_until IS NOT NULL AND silence_reason IS NOT NULL)",
            name=op.f("ck_alerts_silence_has_reason"),
        ),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'resolved', 'silenced')", name=op.f("ck_alerts_status")),
        sa.CheckConstraint("tier IS NULL OR tier IN ('overdue', 'blue', 'yellow', 'red')", name=op.f("ck_alerts_tier")),
        sa.ForeignKeyConstraint(["acknowledged_by"], ["officers.id"], name=op.f("fk_alerts_acknowledged_by_officers")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_alerts_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["node_instance_id"],
            ["node_instances.id"],
            name=op.f("fk_alerts_node_instance_id_node_instances"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["silenced_by"], ["officers.id"], name=op.f("fk_alerts_silenced_by_officers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("case_id", "node_code", "subject_id", name="uq_alerts_key"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_node_instance_id"), ["node_instance_id"], unique=False)
        batch_op.create_index("ix_alerts_status_rule_tier", ["status", "rule", "tier"], unique=False)

    op.create_table(
        "alert_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", command_center.data.types.AwareDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["officers.id"], name=op.f("fk_alert_actions_actor_id_officers")),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_alert_actions_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_actions")),
    )
    with op.batch_alter_table("alert_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_actions_alert_id"), ["alert_id"], unique=False)

    _make_audit_log_append_only()


def downgrade() -> None:
    _drop_audit_log_guards()
    with op.batch_alter_table("alert_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_actions_alert_id"))

    op.drop_table("alert_actions")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_status_rule_tier")
        batch_op.drop_index(batch_op.f("ix_alerts_node_instance_id"))

    op.drop_table("alerts")
    op.drop_table("suspensions")
    with op.batch_alter_table("seized_assets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_seized_assets_case_id"))

    op.drop_table("seized_assets")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_name"))

    op.drop_table("parties")
    with op.batch_alter_table("notification_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_outbox_due")

    op.drop_table("notification_outbox")
    with op.batch_alter_table("node_instances", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_node_instances_open_due",
            sqlite_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_node_instances_open_code_due",
            sqlite_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL AND stopped_at IS NULL"),
        )

    op.drop_table("node_instances")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_case_id"))

    op.drop_table("leads")
    with op.batch_alter_table("funds", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_funds_undisbursed",
            sqlite_where=sa.text("disbursed_at IS NULL"),
            postgresql_where=sa.text("disbursed_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_funds_case_id"))

    op.drop_table("funds")
    with op.batch_alter_table("frozen_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_frozen_accounts_case_id"))

    op.drop_table("frozen_accounts")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_team_open")
        batch_op.drop_index(batch_op.f("ix_cases_officer_id"))
        batch_op.drop_index("ix_cases_filed_on")
        batch_op.drop_index("ix_cases_closed_on")

    op.drop_table("cases")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officers_team_id"))

    op.drop_table("officers")
    op.drop_table("teams")
    op.drop_table("indicator_snapshots")
    op.drop_table("courts")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_case_at")

    op.drop_table("audit_log")


_SQLITE_GUARDS = [
    f"""CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"""
    for verb in ("UPDATE", "DELETE")
]


def _make_audit_log_append_only() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_GUARDS:
            op.execute(statement)
        return
    op.execute(
        """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"""
    )
    op.execute(
        """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
           FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"""
    )


def _drop_audit_log_guards() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
