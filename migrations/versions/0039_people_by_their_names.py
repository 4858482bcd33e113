"""people by their names

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 03:00:00

The submission's cover named people by their account ("demo-claims (password)"): an account had
only its login name. An account now has the person's full name, which an admin gives (nullable:
accounts made before this have none until one is given, and are named by their account until
then). A run keeps, when it is submitted, the names of the people its cover cites (JSON: account
to full name), so a submitted run's cover says what it said when it was submitted, whoever is
renamed since.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("accounts", sa.Column("full_name", sa.String(), nullable=True))
    op.add_column("claim_runs", sa.Column("people_named", sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column("claim_runs", "people_named")
    op.drop_column("accounts", "full_name")
