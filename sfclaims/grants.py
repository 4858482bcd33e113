"""Least privilege in PostgreSQL: a group role per sfclaims role, and one for the web server.

``sfclaims init --grant`` (run by the database's owner, who alone migrates it) makes the groups
and grants each only what its role's commands write. Each person then logs in as themselves, a
member of their role's group (``GRANT sfclaims_claims TO carl``), and the web server's login is
a member of ``sfclaims_web``. Nobody but the owner can change the schema; nobody may UPDATE,
DELETE or TRUNCATE the log, its chain or the ledger of previous claims (the triggers refuse the
owner too); a data officer's login cannot write the claim tables; reading is everyone's, as
every account may read. The grants are the database's second wall: the first is the role check
in every action.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from sfclaims.errors import UsageError
from sfclaims.extracts.kinds import KINDS
from sfclaims.people import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER

GROUP_PREFIX = "sfclaims_"
WEB = "web"

#: What the extracts fill (imports write them; purge, an admin's, empties them); the ledger of
#: previous claims, an extract too, only grows (INSERT alone, below).
EXTRACT_TABLES = (
    "import_batches",
    "set_aside_rows",
    *(kind for kind in KINDS if kind != "previous_claims"),
)
CLAIM_TABLES = ("claim_runs", "claimed_families")
AUDIT_TABLES = ("audit_samples", "audit_verdicts")
#: Written by every action: the log and its chain (INSERT only), the failed sign-ins.
EVERYONE_WRITES = {
    "activity_log": "INSERT",
    "log_chain": "INSERT",
    "sign_in_failures": "INSERT",
    "decisions": "INSERT, UPDATE, DELETE",  # a decide's results, kept for the pages
    "jobs": "INSERT, UPDATE",
    "data_state": "UPDATE",  # what the decisions were made from: every change moves it on
}
ALL = "INSERT, UPDATE, DELETE"


@dataclass(frozen=True)
class Grant:
    privileges: str
    table: str


def _role_grants() -> dict[str, list[Grant]]:
    """What each group may write, beyond reading everything and what everyone writes."""
    extracts = [Grant(ALL, t) for t in EXTRACT_TABLES]
    claims = [Grant(ALL, t) for t in CLAIM_TABLES]
    audit = [Grant(ALL, t) for t in AUDIT_TABLES]
    return {
        DATA_OFFICER: [
            *extracts,
            Grant("INSERT", "previous_claims"),
        ],
        CLAIMS: [*claims, Grant("DELETE", "audit_samples"), Grant("DELETE", "audit_verdicts")],
        AUDITOR: [
            *audit,
            Grant("UPDATE, DELETE", "claimed_families"),  # a failed family withdrawn
            Grant("UPDATE", "claim_runs"),  # its sample drawn
        ],
        ADMIN: [
            Grant(ALL, "accounts"),
            Grant("UPDATE", "settings"),
            Grant("DELETE", "sign_in_failures"),
            Grant("DELETE", "web_sessions"),
            *(Grant("DELETE", t) for t in EXTRACT_TABLES),  # purge
            Grant("DELETE", "claimed_families"),  # purge: old draft runs
            Grant("DELETE", "claim_runs"),
            Grant("DELETE", "audit_samples"),
            Grant("DELETE", "audit_verdicts"),
        ],
        WEB: [  # acts for whoever is signed in, within the roles' writes
            *extracts,
            *claims,
            *audit,
            Grant("INSERT", "previous_claims"),
            Grant(ALL, "accounts"),
            Grant("UPDATE", "settings"),
            Grant(ALL, "web_sessions"),
            Grant("DELETE", "sign_in_failures"),
            Grant("UPDATE, DELETE", "jobs"),
            Grant("UPDATE", "workspace"),
        ],
    }


#: Columns of their own account anyone may update: their password, their second factor's use.
OWN_ACCOUNT_COLUMNS = "password_hash, totp_secret, totp_step, recovery_codes, password_must_change"


def group(role: str) -> str:
    return f"{GROUP_PREFIX}{role}"


def grant_statements(database: str, schema: str) -> list[str]:
    """The SQL that makes the groups (when missing) and grants each its privileges, from none."""
    groups = [group(role) for role in (*_role_grants(),)]
    statements = []
    for name in groups:
        statements.append(
            f"DO $$ BEGIN CREATE ROLE {name} NOLOGIN; "
            f"EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    listed = ", ".join(groups)
    statements += [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {listed}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f'GRANT CONNECT ON DATABASE "{database}" TO {listed}',
        f"GRANT USAGE ON SCHEMA {schema} TO {listed}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {listed}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {listed}",
        f"GRANT UPDATE ({OWN_ACCOUNT_COLUMNS}) ON {schema}.accounts TO {listed}",
    ]
    for table, privileges in EVERYONE_WRITES.items():
        statements.append(f"GRANT {privileges} ON {schema}.{table} TO {listed}")
    for role, grants in _role_grants().items():
        for each in grants:
            statements.append(f"GRANT {each.privileges} ON {schema}.{each.table} TO {group(role)}")
    return statements


def grant_roles(engine: Engine) -> list[str]:
    """Make the groups and grant them (PostgreSQL only; run by the owner); the groups' names."""
    if engine.dialect.name != "postgresql":
        raise UsageError(
            "Group roles are PostgreSQL's: a SQLite file is one person's, and whoever holds it "
            "holds its data."
        )
    with engine.begin() as connection:
        database = connection.execute(text("SELECT current_database()")).scalar_one()
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        for statement in grant_statements(database, schema):
            connection.execute(text(statement))
    return [group(role) for role in _role_grants()]
