"""The database holds each login to its role's duties (PostgreSQL, `sfclaims init --grant`):
every role × table × verb as the role's own login, and every way an insider was found to get
past the workflow, refused by the database itself."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sfclaims.people.grants import ACCOUNT_COLUMNS, DELETE, INSERT, UPDATE, WEB, group, writes
from sfclaims.platform.db import make_engine, open_database
from sfclaims.platform.roles import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER
from tests.conftest import as_login
from tests.test_people import a_team, as_person, make_run, runner_with_input

pytestmark = [
    pytest.mark.parametrize("sample_url", ["postgres"], indirect=True),
    pytest.mark.raw_changes,  # insiders' statements over their own logins
]


@pytest.fixture
def team(sample_url, monkeypatch) -> str:
    return a_team(sample_url, monkeypatch)


LOGINS = {ADMIN: "adam", DATA_OFFICER: "dora", CLAIMS: "carl", AUDITOR: "ada", WEB: "wes"}
VERBS = ("SELECT", INSERT, UPDATE, DELETE, "TRUNCATE")


def _connect(url: str, login: str, monkeypatch):  # type: ignore[no-untyped-def]
    """An engine as the login, without sfclaims' own checks (a login in no group may not even
    read the schema's revision)."""
    monkeypatch.setenv("SFCLAIMS_TEST_LOGIN", login)
    return make_engine(as_login(url))


def _permitted(connection, statement: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the grants let the statement past (a trigger's or a constraint's refusal comes
    after the grants: permitted); undone either way."""
    connection.exec_driver_sql("SAVEPOINT tried")
    try:
        connection.exec_driver_sql(statement)
    except DBAPIError as error:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT tried")
        return "permission denied for" not in str(error.orig)
    connection.exec_driver_sql("ROLLBACK TO SAVEPOINT tried")
    return True


def _expected(role: str, verb: str, table: str, column: str | None = None) -> bool:
    """What grants.py says the role may do: every group reads all but the secrets (the web
    server's login reads those too); writes as ``writes()`` lists them; TRUNCATE never."""
    if verb == "SELECT":
        if table != "accounts" or role == WEB:
            return True
        return column is not None and column in ACCOUNT_COLUMNS
    return any(
        g.table == table
        and g.privilege == verb
        and (verb != UPDATE or not g.columns or column in g.columns)
        for g in writes()[role]
    )


def test_each_roles_login_may_do_to_each_table_exactly_what_its_duties_need(team, monkeypatch):
    owner = open_database(team)
    with owner.connect() as connection:
        tables = list(
            connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() UNION "
                    "SELECT viewname FROM pg_views WHERE schemaname = current_schema() ORDER BY 1"
                )
            ).scalars()
        )
        columns = {
            t: list(
                connection.execute(
                    text(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = "
                        ":t AND table_schema = current_schema() ORDER BY ordinal_position"
                    ),
                    {"t": t},
                ).scalars()
            )
            for t in tables
        }
        views = set(
            connection.execute(
                text("SELECT viewname FROM pg_views WHERE schemaname = current_schema()")
            ).scalars()
        )
    owner.dispose()
    assert "accounts" in tables and views == {"account_standing"} and len(tables) > 25
    wrong, tried = [], 0
    for role, login in LOGINS.items():
        engine = _connect(team, login, monkeypatch)
        with engine.connect() as connection:
            for table in tables:
                cases = [("SELECT", None, f"SELECT * FROM {table} LIMIT 0")]
                cases += [
                    ("SELECT", c, f'SELECT "{c}" FROM {table} LIMIT 0') for c in columns[table]
                ]
                if table not in views:  # a view of sfclaims' is read, never written
                    cases += [(INSERT, None, f"INSERT INTO {table} DEFAULT VALUES")]
                    cases += [
                        (UPDATE, c, f'UPDATE {table} SET "{c}" = NULL WHERE false')
                        for c in columns[table]
                    ]
                    cases += [(DELETE, None, f"DELETE FROM {table} WHERE false")]
                    cases += [("TRUNCATE", None, f"TRUNCATE {table}")]
                for verb, column, statement in cases:
                    tried += 1
                    expected = _expected(role, verb, table, column)
                    if verb == "SELECT" and column is None and table == "accounts":
                        expected = role == WEB  # every column, the secrets too
                    if _permitted(connection, statement) != expected:
                        wrong.append(
                            f"{login} ({role}): {statement} should be "
                            f"{'permitted' if expected else 'refused'}"
                        )
        engine.dispose()
    assert tried > 2000
    assert wrong == [], "\n".join(wrong)


def _refused(url: str, login: str, monkeypatch, *statements: str, **values: object) -> str:
    """The database's refusal of the statements, run in one transaction as the login."""
    engine = _connect(url, login, monkeypatch)
    try:
        with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement), values)
    finally:
        engine.dispose()
    return str(refused.value.orig)


def test_no_login_but_the_web_servers_reads_or_sets_anothers_secrets(team, monkeypatch):
    """As found: the data officer set an admin's password hash and cleared their second
    factor, then signed in as them; every login read every second-factor secret."""
    for statement in (
        "UPDATE accounts SET password_hash = 'x', totp_secret = NULL WHERE name = 'root'",
        "SELECT password_hash FROM accounts",
        "SELECT totp_secret, recovery_codes FROM accounts",
    ):
        assert "permission denied" in _refused(team, "dora", monkeypatch, statement)
    said = _refused(team, "dora", monkeypatch, "SELECT sfclaims_set_password('root', 'x', false)")
    assert "only an admin sets another person's password: dora cannot set root's" in said


def test_each_person_sets_their_own_password_and_an_admin_anyones(team, monkeypatch):
    """`sfclaims user set-password` worked for no login (web_sessions was refused)."""
    from sfclaims.people.accounts import password_matches
    from tests.test_cli import sfclaims

    for login in ("dora", "carl", "ada", "root"):
        as_person(monkeypatch, login)
        done = runner_with_input(team, ["user", "set-password", login], f"{login}'s long phrase 1")
        assert done.exit_code == 0, done.output
    as_person(monkeypatch, "root")
    assert sfclaims(team, "user", "add", "adam", "--role", "admin").exit_code == 0
    as_person(monkeypatch, "adam")  # an admin whom the database holds to the grants
    done = runner_with_input(team, ["user", "set-password", "carl"], "a phrase adam gave carl")
    assert done.exit_code == 0, done.output
    as_person(monkeypatch, "dora")
    refused = runner_with_input(team, ["user", "set-password", "carl"], "dora's try at carl's")
    assert refused.exit_code == 3
    with open_database(team).connect() as connection:
        kept = dict(connection.execute(text("SELECT name, password_hash FROM accounts")).all())
    assert password_matches(kept["carl"], "a phrase adam gave carl")
    assert password_matches(kept["dora"], "dora's long phrase 1")


def test_no_login_but_the_deciders_writes_a_decision(team, monkeypatch):
    """As found: the data officer set claimable on an ineligible family and the next run
    claimed it (a claim run now also decides every family it claims again)."""
    said = _refused(team, "dora", monkeypatch, "UPDATE decisions SET claimable = true")
    assert "permission denied for table decisions" in said


def test_the_maker_of_a_run_cannot_remove_its_sample_and_a_submit_checks_the_one_drawn(
    team, monkeypatch
):
    from tests.test_cli import sfclaims
    from tests.test_people import the_quarter

    run = make_run(team, monkeypatch)
    the_quarter(team, monkeypatch, run)  # ada draws two and passes both
    said = _refused(team, "carl", monkeypatch, "DELETE FROM audit_samples WHERE run_id = :r", r=run)
    assert f"carl made claim run {run}, so cannot remove its sample" in said
    said = _refused(
        team, "carl", monkeypatch, "DELETE FROM audit_verdicts WHERE run_id = :r", r=run
    )
    assert f"a verdict stays while its claim run ({run}) does" in said
    # the owner, whom no grant holds, removes one: the submit finds the sample not as drawn
    with open_database(team).begin() as connection:
        connection.execute(
            text(
                "DELETE FROM audit_samples WHERE run_id = :r AND family_id = "
                "(SELECT min(family_id) FROM audit_samples WHERE run_id = :r)"
            ),
            {"r": run},
        )
    as_person(monkeypatch, "carl")
    submitted = sfclaims(team, "claim", "submit", run, "--yes")
    assert submitted.exit_code == 3
    said = " ".join(submitted.stderr.split())
    assert (
        "its audit sample holds 1 family (seed 3), not what the activity log records as drawn "
        "(2 families, seed 3)" in said
    )


def test_an_auditor_records_verdicts_in_their_own_name_alone(team, monkeypatch):
    from tests.test_people import the_quarter

    this_year = datetime.now(UTC).year  # the year as the test began (a run may see it turn)
    run = make_run(team, monkeypatch)
    the_quarter(team, monkeypatch, run)
    insert = (
        "INSERT INTO audit_verdicts (run_id, family_id, verdict, note, recorded_at, recorded_by) "
        "VALUES (:r, 'F000001', 'pass', 'x', '2020-01-01', :by)"
    )
    said = _refused(team, "ada", monkeypatch, insert, r=run, by="ade")
    assert "a verdict is recorded in its auditor's name: ada cannot record one as ade" in said
    engine = _connect(team, "ada", monkeypatch)
    with engine.begin() as connection:
        connection.execute(text(insert), {"r": run, "by": "ada"})
        stamped = connection.execute(
            text("SELECT recorded_at FROM audit_verdicts ORDER BY id DESC LIMIT 1")
        ).scalar_one()
        connection.rollback()
    engine.dispose()
    assert stamped.year in {this_year, datetime.now(UTC).year}  # the database's clock, not 2020


def test_a_login_writes_the_log_in_its_own_name_at_the_databases_clock(team, monkeypatch):
    """As found: the auditor appended a backdated 'settings changed' naming another person."""
    this_year = datetime.now(UTC).year  # the year as the test began (a run may see it turn)
    insert = (
        "INSERT INTO activity_log (at, who, action, object, detail) "
        "VALUES ('2024-01-02 09:00', :who, 'settings changed', 'settings', '')"
    )
    said = _refused(team, "ada", monkeypatch, insert, who="root")
    assert "a log row is written in its writer's name: ada cannot write one as root" in said
    engine = _connect(team, "ada", monkeypatch)
    with engine.begin() as connection:
        connection.execute(text(insert), {"who": "ada"})
        at = connection.execute(
            text("SELECT at FROM activity_log ORDER BY id DESC LIMIT 1")
        ).scalar_one()
        connection.rollback()
    engine.dispose()
    assert at.year in {this_year, datetime.now(UTC).year}  # the database's clock


def test_a_person_with_both_roles_cannot_draw_the_sample_of_their_own_run(team, monkeypatch):
    from tests.test_cli import sfclaims

    as_person(monkeypatch, "root")
    assert (
        sfclaims(team, "user", "add", "cass", "--role", "claims", "--role", "auditor").exit_code
        == 0
    )
    run = make_run(team, monkeypatch, by="cass")
    said = _refused(
        team,
        "cass",
        monkeypatch,
        "INSERT INTO audit_samples (run_id, family_id) VALUES (:r, 'F000001')",
        r=run,
    )
    assert f"cass made claim run {run}, so cannot draw its sample" in said
    said = _refused(
        team,
        "cass",
        monkeypatch,
        "INSERT INTO claim_runs (run_id, period, as_of, created_at, framework, "
        "framework_sha256, engine_version, created_by) VALUES ('X', '2025-Q3', '2025-09-30', "
        "now(), 'f', 's', 'e', 'carl')",
    )
    assert "a claim run is made in its maker's name: cass cannot make one as carl" in said


def test_a_group_of_another_database_or_the_old_shared_groups_gain_nothing_here(team, monkeypatch):
    """As found: a login given sfclaims_claims for another council's database read every
    person here. Groups now belong to one database, and --grant takes everything from the
    groups every database once shared."""
    from sfclaims.people.grants import grant_roles

    owner = open_database(team)
    with owner.begin() as connection:
        other = group(CLAIMS, "another_councils_database")
        for name in (other, "sfclaims_claims"):
            connection.execute(
                text(
                    f"DO $$ BEGIN CREATE ROLE {name} NOLOGIN; "
                    f"EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                )
            )
        connection.execute(text("GRANT SELECT ON people TO sfclaims_claims"))  # as before
        connection.execute(
            text(
                "DO $$ BEGIN CREATE ROLE olga LOGIN; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
        )
        connection.execute(text(f"GRANT {other}, sfclaims_claims TO olga"))
    grant_roles(owner)  # init --grant, again
    owner.dispose()
    said = _refused(team, "olga", monkeypatch, "SELECT count(*) FROM people")
    assert "permission denied for table people" in said


def test_no_one_removes_the_settings_row_and_a_missing_one_is_a_sentence(team, monkeypatch):
    from tests.test_cli import sfclaims

    for statement in ("TRUNCATE settings", "DELETE FROM settings"):
        engine = open_database(team)  # the owner: no grant holds them
        with pytest.raises(DBAPIError, match="settings holds one row"), engine.begin() as c:
            c.execute(text(statement))
        engine.dispose()
    engine = open_database(team)
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE settings DISABLE TRIGGER USER"))
        connection.execute(text("DELETE FROM settings"))
    engine.dispose()
    as_person(monkeypatch, "carl")
    shown = sfclaims(team, "claim", "list")
    assert shown.exit_code == 3
    assert "The database's settings row is missing" in " ".join(shown.stderr.split())


def test_init_grant_prints_each_group_with_its_role(sample_url):
    from tests.test_cli import sfclaims

    result = sfclaims(sample_url, "init", "--grant")
    assert result.exit_code == 0, result.output
    database = sample_url.rsplit("/", 1)[-1]
    lines = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    assert lines == [
        [group(role, database), role] for role in (ADMIN, DATA_OFFICER, CLAIMS, AUDITOR, WEB)
    ]
