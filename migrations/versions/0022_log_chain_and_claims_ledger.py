"""the activity log hash-chained; previous claims kept as a ledger

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 05:00:00

Deleting the log's "submitted" row, or inserting backdated rows, went unnoticed; deleting a
previous_claims row made a family claimed in 2024-Q3 claimable again. Now:

- ``log_chain`` holds, for each row of the activity log in the order written, the SHA-256 of the
  one before's hash and the row itself (id, time, who, action, object, detail), so a row deleted,
  changed or slipped in breaks the chain at that point (``sfclaims verify`` names it); a run
  submitted from now on keeps the chain's head at its submission inside its seal, so a chain
  recomputed by hand no longer holds at that point either. The chain of the rows already written
  is made here, in the order of their IDs.
- ``previous_claims`` is a ledger, as the claimed families are: an import adds the rows it does
  not hold (a correction is a new row) and removes none; the database refuses UPDATE, DELETE
  and (PostgreSQL) TRUNCATE of it, and of the chain.
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
KEPT = {
    "log_chain": "the chain of the activity log is kept as written: its rows cannot change",
    "previous_claims": "previous claims are a ledger: a correction is a new row, none is removed",
}


def _when(at: object) -> str:
    """A log row's time as the chain writes it (a frozen copy of activity.chained_time)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if not isinstance(at, datetime):
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _link(previous: str, row: Sequence[object]) -> str:
    """The chain's hash of a row (a frozen copy of activity.chain_hash)."""
    id_, at, who, action, object_, detail = row
    text = "\n".join([previous, str(id_), _when(at), str(who), str(action), str(object_)])
    return hashlib.sha256((text + "\n" + str(detail)).encode()).hexdigest()


def upgrade() -> None:
    chain = op.create_table(
        "log_chain",
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("hash", AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("position", name=op.f("pk_log_chain")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_log_chain_activity_id")),
    )
    op.add_column("claim_runs", sa.Column("log_head", AutoString(), nullable=True))
    connection = op.get_bind()
    log = sa.table(
        "activity_log",
        *(sa.column(c) for c in ("id", "at", "who", "action", "object", "detail")),
    )
    rows = connection.execute(
        sa.select(log.c.id, log.c.at, log.c.who, log.c.action, log.c.object, log.c.detail).order_by(
            log.c.id
        )
    ).all()
    previous, links = GENESIS, []
    for position, row in enumerate(rows, start=1):
        previous = _link(previous, tuple(row))
        links.append({"position": position, "activity_id": row[0], "hash": previous})
    if links:
        op.bulk_insert(chain, links)
    for table, message in KEPT.items():
        if connection.dialect.name == "postgresql":
            function = f"sfclaims_{table}_kept"
            connection.exec_driver_sql(
                f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"RAISE EXCEPTION '{message}' USING ERRCODE = 'restrict_violation'; END $$;"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_kept BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_not_truncated BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
        else:
            for action in ("UPDATE", "DELETE"):
                connection.exec_driver_sql(
                    f"CREATE TRIGGER {table}_kept_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )


def downgrade() -> None:
    connection = op.get_bind()
    for table in KEPT:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER {table}_kept ON {table}")
            connection.exec_driver_sql(f"DROP TRIGGER {table}_not_truncated ON {table}")
            connection.exec_driver_sql(f"DROP FUNCTION sfclaims_{table}_kept()")
        else:
            for action in ("update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER {table}_kept_{action}")
    op.drop_column("claim_runs", "log_head")
    op.drop_table("log_chain")
