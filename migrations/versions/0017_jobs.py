"""the workspace's long work kept in the database: jobs

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 20:00:00

An import or a decide started in the workspace was kept in the server's memory: a restart forgot
it, and a second server process could not show it. Each is now a row: who started what and when,
its state (running, done, refused, interrupted), its progress, its result, the sentence that
says why it failed, the process running it, and an import's data-quality workbook. Purge
removes old jobs with their workbooks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", AutoString(), nullable=False),
        sa.Column("kind", AutoString(), nullable=False),
        sa.Column("owner", AutoString(), nullable=False),
        sa.Column("state", AutoString(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("runner", AutoString(), nullable=False),
        sa.Column("progress", AutoString(), nullable=False),
        sa.Column("result", AutoString(), nullable=True),
        sa.Column("error", AutoString(), nullable=True),
        sa.Column("report", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    op.create_index(op.f("ix_jobs_state"), "jobs", ["state"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_jobs_state"), table_name="jobs")
    op.drop_table("jobs")
