"""The shared schema behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, StatementError

from command_center.data import models as m
from command_center.data.engine import DatabaseError, current_revision, head_revision, open_database
from command_center.data.workcal import TZ


def test_migrations_create_exactly_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True, "include_object": m.in_model}), m.Base.metadata
        )
        if db.dialect == "postgresql":  # pg_trgm is available on the test server: the search indexes exist
            found = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")).scalars().all()
            assert sorted(found) == sorted(m.SEARCH_INDEXES)
    assert diff == []
    assert current_revision(db.engine) == head_revision()


def _case(conn, case_no="（2026）内0425执1号", amount=Decimal("100.00")) -> int:
    conn.execute(insert(m.Court.__table__), [{"id": 1, "code": "内0425", "name": "示范人民法院"}])
    conn.execute(
        insert(m.Case.__table__),
        [
            {
                "id": 1,
                "court_id": 1,
                "case_no": case_no,
                "case_type": "执",
                "filed_on": date(2026, 11, 2),
                "amount": amount,
                "amount_recovered": Decimal("0"),
            }
        ],
    )
    return 1


def test_money_is_exact(db):
    amounts = [Decimal("0.10"), Decimal("0.20"), Decimal("1234567890123.45"), Decimal("0.01")]
    with db.engine.begin() as conn:
        case_id = _case(conn)
        conn.execute(
            insert(m.Fund.__table__),
            [
                {"fund_id": f"F{i}", "case_id": case_id, "amount": a, "arrived_at": datetime(2026, 11, 3, tzinfo=TZ)}
                for i, a in enumerate(amounts)
            ],
        )
    with db.engine.connect() as conn:
        total = conn.execute(select(func.sum(m.Fund.__table__.c.amount))).scalar_one()
        stored = conn.execute(select(m.Fund.__table__.c.amount).order_by(m.Fund.__table__.c.id)).scalars().all()
    assert total == Decimal("1234567890123.76")
    assert isinstance(total, Decimal)
    assert stored == amounts


@pytest.mark.parametrize(("value", "message"), [(0.1, "float"), (Decimal("1.005"), "more than 2 decimal places")])
def test_money_refuses_floats_and_fractions_of_a_fen(db, value, message):
    with pytest.raises(StatementError, match=message), db.engine.begin() as conn:
        _case(conn, amount=value)
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Case.__table__)).scalar_one() == 0


def test_instants_are_timezone_aware(db):
    arrived = datetime(2026, 11, 3, 9, 30, tzinfo=TZ)
    with db.engine.begin() as conn:
        case_id = _case(conn)
        conn.execute(
            insert(m.Fund.__table__),
            [{"fund_id": "F1", "case_id": case_id, "amount": Decimal("1"), "arrived_at": arrived}],
        )
    with db.engine.connect() as conn:
        stored = conn.execute(select(m.Fund.__table__.c.arrived_at)).scalar_one()
        # ordering and comparison happen in SQL on the true instant
        later = conn.execute(
            select(func.count()).where(m.Fund.__table__.c.arrived_at > datetime(2026, 11, 3, 1, 29, tzinfo=UTC))
        ).scalar_one()
    assert stored == arrived and stored.tzinfo is not None
    assert later == 1


def test_naive_datetimes_are_refused(db):
    with pytest.raises(StatementError, match="timezone-aware"), db.engine.begin() as conn:
        case_id = _case(conn)
        conn.execute(
            insert(m.Fund.__table__),
            [{"fund_id": "F1", "case_id": case_id, "amount": Decimal("1"), "arrived_at": datetime(2026, 11, 3)}],
        )


def test_audit_log_is_append_only(db):
    entry = {
        "at": datetime(2026, 11, 20, 10, tzinfo=TZ),
        "actor": "o001",
        "action": "acknowledge",
        "entity": "alert",
        "entity_id": "1",
    }
    with db.engine.begin() as conn:
        conn.execute(insert(m.AuditEntry.__table__), [entry])
    audit = m.AuditEntry.__table__
    for statement in (update(audit).values(actor="someone else"), audit.delete()):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(statement)
    with db.engine.connect() as conn:
        assert conn.execute(select(audit.c.actor)).scalars().all() == ["o001"]


def test_foreign_keys_are_enforced(db):
    with pytest.raises(DBAPIError), db.engine.begin() as conn:
        conn.execute(
            insert(m.Fund.__table__),
            [{"fund_id": "F1", "case_id": 999, "amount": Decimal("1"), "arrived_at": datetime(2026, 11, 3, tzinfo=TZ)}],
        )


def test_sqlite_runs_in_wal_mode_and_is_created_on_first_open(tmp_path):
    path = tmp_path / "deep" / "dir" / "cc.sqlite3"
    database = open_database(f"sqlite:///{path}")
    with database.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert current_revision(database.engine) == head_revision()
    database.dispose()


def test_postgresql_behind_the_code_is_a_clear_error(empty_pg_url):
    with pytest.raises(DatabaseError, match=r"is empty, this version needs .*run `command-center db upgrade`"):
        open_database(empty_pg_url)


def test_unreachable_database_is_one_clear_line():
    with pytest.raises(DatabaseError) as error:
        open_database("postgresql://postgres@127.0.0.1:1/nothing")
    message = str(error.value)
    assert message.startswith("cannot use the database postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    assert "\n" not in message


def test_a_database_from_a_newer_version_is_a_clear_error(sqlite_url):
    database = open_database(sqlite_url)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    database.dispose()
    with pytest.raises(DatabaseError, match=r"from revision 9999: .*newer command-center"):
        open_database(sqlite_url)


def test_the_latest_migration_upgrades_a_database_holding_a_court(db):
    """A court's database has rows that refer to officers and alerts: the latest migration goes
    down and up again over a demo court, every row kept (SQLite cannot copy a table others
    refer to, so a migration that would is refused here, not at a court's first upgrade)."""
    from alembic import command

    from command_center.data import demo
    from command_center.data.catalogue import load_catalogue
    from command_center.data.engine import _alembic_config
    from command_center.data.workcal import WorkCalendar
    from command_center.jobs.recompute import recompute

    now = datetime(2026, 11, 20, 10, tzinfo=TZ)
    catalogue, calendar = load_catalogue(), WorkCalendar()
    demo.generate(db, catalogue, calendar, cases=40, seed=7, now=now, court_name="示范人民法院")
    recompute(db, catalogue, calendar, now)
    tables = ("cases", "officers", "alerts", "alert_actions", "notification_outbox", "node_instances")

    def counts() -> dict[str, int]:
        with db.engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}

    before = counts()
    assert before["officers"] > 0 and before["alerts"] > 0 and before["notification_outbox"] > 0
    with db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "-1")
    assert current_revision(db.engine) != head_revision()
    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    assert current_revision(db.engine) == head_revision()
    assert counts() == before
