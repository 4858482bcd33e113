"""Least privilege in PostgreSQL: a group role per sfclaims role, and one for the web server,
each belonging to one database.

``sfclaims init --grant`` (run by the database's owner, who alone migrates it) makes the groups
and grants each only what its role's actions write (``WRITES``, the matrix the tests prove).
Each person then logs in as themselves, a member of their role's group (``GRANT
sfclaims_<database>_claims TO carl``), and the web server's login is a member of the web group.
The groups are named for their database, so a login granted one council's group gains nothing
in another's on the same server.

What the grants cannot say, the database's own functions and triggers do (migration 0031):
secrets (password hashes, second-factor secrets, recovery codes) are readable by no person's
login, and a password is set through ``sfclaims_set_password``, which checks its caller; a log
row, a verdict, a sample and a run are stamped with, or refused unless they name, the login
that writes them, at the database's clock; the maker of a run cannot draw, check or remove its
sample, and a verdict stays while its run does. The web server's login and the owner are
trusted to act for the person signed in. Nobody may UPDATE, DELETE or TRUNCATE the log, its
chain, a submitted run or the ledger of previous claims (the triggers refuse the owner too).
The grants are the database's second wall: the first is the role check in every action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from sfclaims.intake.kinds import KINDS
from sfclaims.platform.errors import UsageError
from sfclaims.platform.roles import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER

GROUP_PREFIX = "sfclaims_"
WEB = "web"
#: The groups of sfclaims before they belonged to one database (shared by every database on
#: the server): ``init --grant`` takes everything on this database from them.
SHARED_GROUPS = tuple(f"{GROUP_PREFIX}{r}" for r in (ADMIN, DATA_OFFICER, CLAIMS, AUDITOR, WEB))

#: What the extracts fill (imports write them; purge, an admin's, empties them); the ledger of
#: previous claims, an extract too, only grows (INSERT alone, below).
EXTRACT_TABLES = (
    "import_batches",
    "import_warnings",
    "set_aside_rows",
    *(kind for kind in KINDS if kind != "previous_claims"),
)
#: Columns of accounts any login may read: never the secrets, which only the web server's
#: login reads (it signs people in); ``account_standing`` says whether each is set.
ACCOUNT_COLUMNS = (
    "name",
    "roles",
    "disabled",
    "created_at",
    "sign_on_subject",
    "automation",
    "password_must_change",
    "full_name",
)
SECRETS = ("password_hash", "totp_secret", "totp_step", "recovery_codes")
#: The columns of a run each role fills: claims its submission, the auditor its sample.
SUBMISSION_COLUMNS = (
    "submitted_at",
    "submitted_by",
    "digest",
    "digest_version",
    "digest_covers",
    "seal",
    "seal_key_id",
    "log_head",
    "people_named",
)
SAMPLE_COLUMNS = ("sample_size", "sample_percent", "sample_seed")

INSERT, UPDATE, DELETE = "INSERT", "UPDATE", "DELETE"
ALL = (INSERT, UPDATE, DELETE)


@dataclass(frozen=True)
class Grant:
    """A privilege on a table, or on some of its columns (UPDATE only)."""

    privilege: str
    table: str
    columns: tuple[str, ...] = ()

    def sql(self, schema: str, to: str) -> str:
        on = f" ({', '.join(self.columns)})" if self.columns else ""
        return f"GRANT {self.privilege}{on} ON {schema}.{self.table} TO {to}"


def _each(privileges: tuple[str, ...], *tables: str) -> list[Grant]:
    return [Grant(p, t) for t in tables for p in privileges]


#: Written by every role's actions: the log and its chain (INSERT only, stamped by the
#: database), and the state of the data (every change moves it on).
EVERYONE = [
    Grant(INSERT, "activity_log"),
    Grant(INSERT, "log_chain"),
    Grant(UPDATE, "data_state"),
    # what each person hears of by email: their own row alone (migration 0036's trigger)
    *_each(ALL, "notification_choices"),
]


def _writes() -> dict[str, list[Grant]]:
    """What each group may write, beyond what every group writes (``EVERYONE``)."""
    extracts = [*_each(ALL, *EXTRACT_TABLES), Grant(INSERT, "previous_claims")]
    claims = [
        *_each(ALL, "decisions"),  # the decide's results: deciding is the claims team's
        *_each((INSERT, DELETE), "claim_runs", "claimed_families"),  # a draft made, discarded
        Grant(UPDATE, "claim_runs", SUBMISSION_COLUMNS),
        Grant(UPDATE, "claimed_families", ("submitted",)),
        # a discarded draft's sample and verdicts go with it (the triggers refuse them alone)
        *_each((DELETE,), "audit_samples", "audit_verdicts"),
    ]
    audit = [
        *_each((INSERT, DELETE), "audit_samples"),  # drawn, and drawn again before verdicts
        Grant(INSERT, "audit_verdicts"),
        Grant(UPDATE, "claim_runs", SAMPLE_COLUMNS),
        Grant(UPDATE, "claimed_families", ("withdrawn",)),  # a failed family withdrawn
    ]
    admin = [
        Grant(INSERT, "accounts"),
        # roles, a full name, an account disabled, a second factor reset (a password:
        # sfclaims_set_password)
        Grant(
            UPDATE,
            "accounts",
            ("roles", "full_name", "disabled", "totp_secret", "totp_step", "recovery_codes"),
        ),
        Grant(UPDATE, "settings"),
        Grant(UPDATE, "web_sessions", ("ended_at",)),  # an account disabled ends its sessions
        Grant(DELETE, "sign_in_failures"),  # a lockout lifted
        # purge: old extracts, superseded decisions, old drafts, sessions and jobs
        *_each((DELETE,), *EXTRACT_TABLES, "decisions", "web_sessions", "jobs"),
        *_each((DELETE,), "claim_runs", "claimed_families", "audit_samples", "audit_verdicts"),
    ]
    web = [  # the workspace acts for whoever is signed in, within the roles' writes
        *extracts,
        *claims,
        *audit,
        *admin,
        Grant(UPDATE, "accounts"),  # a second factor set up and used, a sign-on's account
        Grant(DELETE, "accounts"),
        *_each(ALL, "web_sessions", "jobs"),
        Grant(INSERT, "sign_in_failures"),
        Grant(UPDATE, "workspace"),
        Grant(UPDATE, "first_admin_links", ("used_at",)),  # the first admin made by its link
    ]
    return {DATA_OFFICER: extracts, CLAIMS: claims, AUDITOR: audit, ADMIN: admin, WEB: web}


def _database_part(database: str) -> str:
    """The database's name as a group's name holds it: lower case letters, digits and
    underscores, at most 40 (migration 0031's ``sfclaims_group`` makes the same)."""
    return re.sub(r"[^a-z0-9_]", "_", database.lower())[:40]


def group(role: str, database: str) -> str:
    """The group of ``role`` (an sfclaims role, or ``web``) in ``database``."""
    return f"{GROUP_PREFIX}{_database_part(database)}_{role}"


def roles_of_groups() -> tuple[str, ...]:
    return (ADMIN, DATA_OFFICER, CLAIMS, AUDITOR, WEB)


def grant_statements(database: str, schema: str, tables: list[str]) -> list[str]:
    """The SQL that makes the database's groups (when missing) and grants each its privileges,
    from none; ``tables`` are the schema's tables and views."""
    groups = [group(role, database) for role in roles_of_groups()]
    listed = ", ".join(groups)
    statements = [
        f"DO $$ BEGIN CREATE ROLE {name} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        for name in groups
    ]
    statements += [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {listed}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC",
        f'GRANT CONNECT ON DATABASE "{database}" TO {listed}',
        f"GRANT USAGE ON SCHEMA {schema} TO {listed}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {listed}",
        f"GRANT EXECUTE ON FUNCTION {schema}.sfclaims_set_password(text, text, boolean) "
        f"TO {listed}",
    ]
    readable = [t for t in tables if t != "accounts"]
    statements.append(f"GRANT SELECT ON {', '.join(f'{schema}.{t}' for t in readable)} TO {listed}")
    people = ", ".join(group(role, database) for role in roles_of_groups() if role != WEB)
    statements.append(
        f"GRANT SELECT ({', '.join(ACCOUNT_COLUMNS)}) ON {schema}.accounts TO {people}"
    )
    statements.append(f"GRANT SELECT ON {schema}.accounts TO {group(WEB, database)}")
    for each in EVERYONE:
        statements.append(each.sql(schema, listed))
    for role, grants in _writes().items():
        statements += [each.sql(schema, group(role, database)) for each in grants]
    return statements


def _shared_groups_revoked(connection: Connection, database: str, schema: str) -> None:
    """The groups every database on the server once shared lose everything on this one."""
    existing = connection.execute(
        text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"),
        {"names": list(SHARED_GROUPS)},
    ).scalars()
    for name in existing:
        connection.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {name}"))
        connection.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {name}"))
        connection.execute(text(f"REVOKE ALL ON SCHEMA {schema} FROM {name}"))
        connection.execute(text(f'REVOKE ALL ON DATABASE "{database}" FROM {name}'))


def grant_roles(engine: Engine) -> list[tuple[str, str]]:
    """Make the database's groups and grant them (PostgreSQL only; run by the owner): each
    group's name with the sfclaims role it is for (``web``: the web server's)."""
    if engine.dialect.name != "postgresql":
        raise UsageError(
            "Group roles are PostgreSQL's: a SQLite file is one person's, and whoever holds it "
            "holds its data."
        )
    with engine.begin() as connection:
        database = connection.execute(text("SELECT current_database()")).scalar_one()
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        tables = list(
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :s UNION "
                    "SELECT viewname FROM pg_views WHERE schemaname = :s ORDER BY 1"
                ),
                {"s": schema},
            ).scalars()
        )
        _shared_groups_revoked(connection, database, schema)
        for statement in grant_statements(database, schema, tables):
            connection.execute(text(statement))
    return [(group(role, database), role) for role in roles_of_groups()]


def writes() -> dict[str, list[Grant]]:
    """Each group's writes beyond everyone's (for the tests' matrix and the README's table)."""
    return {role: [*EVERYONE, *grants] for role, grants in _writes().items()}
