"""the results payment a family, in pounds; the audit's failure rate that widens a sample

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 19:40:00

A results payment was £800 a family under the 2022-25 programme (one authority's 2023 report):
the submission's cover gives the claim's total in pounds. A setting, 800 until an admin says
otherwise. National spot checks found 2-3.1% of checked claims invalid in early rounds and 10%
in one: a sample failing more than the council accepts (a setting, 10%) is widened before the
claim is submitted.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.add_column(
            sa.Column("results_payment", sa.Integer(), nullable=False, server_default="800")
        )
        batch.add_column(
            sa.Column("audit_widen_percent", sa.Integer(), nullable=False, server_default="10")
        )


def downgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.drop_column("audit_widen_percent")
        batch.drop_column("results_payment")
