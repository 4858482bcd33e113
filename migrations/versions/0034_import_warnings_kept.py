"""an import's warnings kept with it

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 00:10:00

What an import warned of (a column missing, a kind that shrank, a file not used) was said once,
on the page or the terminal that made it, and kept nowhere. Each warning is now kept, numbered
by its import (the import's first batch), for its page, its data-quality report and its log row.
Imports made before this have none kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_warnings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "import_number", sa.Integer(), sa.ForeignKey("import_batches.id"), nullable=False
        ),
        sa.Column("about", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
    )
    op.create_index("ix_import_warnings_import_number", "import_warnings", ["import_number"])


def downgrade() -> None:
    op.drop_index("ix_import_warnings_import_number", table_name="import_warnings")
    op.drop_table("import_warnings")
