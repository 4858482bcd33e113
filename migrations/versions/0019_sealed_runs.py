"""a submitted run is sealed with a key kept outside the database

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 20:20:00

The digest of a submitted run is plain SHA-256: whoever can write to the database (with its
guards switched off) could change a run and recompute it with sfclaims's own function. A run
submitted from now on also keeps an HMAC of its digest under a key that lives outside the
database (the seal key file `sfclaims init` makes), and which key that was. Added in place, so
the guards of 0008 stay. Runs submitted before keep their digest alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("claim_runs", sa.Column("seal", AutoString(), nullable=True))
    op.add_column("claim_runs", sa.Column("seal_key_id", AutoString(), nullable=True))


def downgrade() -> None:
    op.drop_column("claim_runs", "seal_key_id")
    op.drop_column("claim_runs", "seal")
