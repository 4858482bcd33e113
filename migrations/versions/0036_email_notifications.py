"""email notifications: the council's mail relay, and what each person hears of

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 01:10:00

A team ran its quarter by asking each other: nobody was told when an import warned, a draft was
ready for audit, its sample was checked, a run was submitted, or a plan change or a purge
touched a draft. The settings gain the council's mail relay (host, port, sender, the relay's
account and the file its password is read from: never the password itself) and the workspace's
address the emails link to; each person chooses what they hear of, and where, in a row of their
own. On PostgreSQL a login writes only its own row (the web server's login and the owner act
for whoever is signed in).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWN_ROW = """
CREATE FUNCTION sfclaims_own_choice() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    whose text := CASE WHEN TG_OP = 'DELETE' THEN OLD.name ELSE NEW.name END;
BEGIN
    IF NOT sfclaims_trusted() AND whose IS DISTINCT FROM sfclaims_person() THEN
        PERFORM sfclaims_refuse(format(
            'what a person hears of is theirs to choose: %s cannot choose for %s',
            sfclaims_person(), whose));
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER notification_choices_own BEFORE INSERT OR UPDATE OR DELETE
    ON notification_choices FOR EACH ROW EXECUTE FUNCTION sfclaims_own_choice();
"""


def upgrade() -> None:
    with op.batch_alter_table("settings") as batch:
        batch.add_column(sa.Column("mail_host", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(sa.Column("mail_port", sa.Integer(), server_default="25", nullable=False))
        batch.add_column(
            sa.Column("mail_sender", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch.add_column(sa.Column("mail_user", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch.add_column(
            sa.Column("mail_password_file", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch.add_column(
            sa.Column("workspace_address", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
    op.create_table(
        "notification_choices",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), primary_key=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("hears", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("changed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(OWN_ROW.replace("%", "%%"))


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER notification_choices_own ON notification_choices")
        connection.exec_driver_sql("DROP FUNCTION sfclaims_own_choice()")
    op.drop_table("notification_choices")
    with op.batch_alter_table("settings") as batch:
        for column in (
            "workspace_address",
            "mail_password_file",
            "mail_user",
            "mail_sender",
            "mail_port",
            "mail_host",
        ):
            batch.drop_column(column)
