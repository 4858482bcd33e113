"""People in the system: accounts and roles, every command refused to a role that may not run it
(with nothing changed), separation of duties, and the activity log the database protects."""

from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from sfclaims.people.accounts import password_matches
from sfclaims.platform.db import open_database
from tests.conftest import SAMPLE_AUTHORITY, as_login, each_person_logs_in
from tests.test_claims import cover_of
from tests.test_cli import sfclaims, submitted_count

ROLES = {"root": "admin", "dora": "data_officer", "carl": "claims", "ada": "auditor"}


def log_count(url: str) -> int:
    with open_database(url).connect() as connection:
        return connection.execute(text("SELECT count(*) FROM activity_log")).scalar_one()


def data_version(url: str) -> int:
    with open_database(url).connect() as connection:
        return connection.execute(text("SELECT version FROM data_state")).scalar_one()


def as_person(monkeypatch, name: str) -> None:
    """Act as the person as they would: logged in to the machine as themselves, and on
    PostgreSQL connected with their own database login."""
    monkeypatch.setenv("LOGNAME", name)  # the operating-system user, as getpass finds it
    monkeypatch.delenv("SFCLAIMS_USER", raising=False)
    monkeypatch.setenv("SFCLAIMS_TEST_LOGIN", name)


@pytest.fixture
def team(sample_url, monkeypatch) -> str:
    return a_team(sample_url, monkeypatch)


def a_team(sample_url: str, monkeypatch) -> str:
    """The sample authority with an account per role (root is the admin); on PostgreSQL each
    person has a login of their own in their role's group."""
    if sample_url.startswith("postgresql"):
        each_person_logs_in(sample_url)
        monkeypatch.setenv("SFCLAIMS_TEST_LOGINS", "yes")
    as_person(monkeypatch, "root")
    for name, role in ROLES.items():
        assert sfclaims(sample_url, "user", "add", name, "--role", role).exit_code == 0
    return sample_url


def make_run(url: str, monkeypatch, by: str = "carl") -> str:
    as_person(monkeypatch, by)
    made = sfclaims(url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert made.exit_code == 0, made.output
    return made.stdout.strip().splitlines()[-1]


def test_alone_every_action_is_recorded_as_the_operating_system_user(sample_url, monkeypatch):
    as_person(monkeypatch, "sam")
    run = make_run(sample_url, monkeypatch, by="sam")
    result = sfclaims(sample_url, "log", "--run", run)
    assert result.exit_code == 0
    (line,) = result.stdout.strip().splitlines()
    assert line.split("\t")[1:4] == ["sam", "claim run made", run]
    (imported,) = sfclaims(sample_url, "log").stdout.strip().splitlines()[:1]
    who, action, batches, detail, _how = imported.split("\t")[1:]
    assert (action, batches) == ("import", "batches 1, 2, 3, 4, 5, 6, 7, 8, 9, 10")
    assert detail.startswith("10 files (families.csv") and "rows loaded" in detail


def test_the_first_account_must_be_an_admin(sample_url):
    result = sfclaims(sample_url, "user", "add", "carl", "--role", "claims")
    assert result.exit_code == 3
    assert "The first account must have the admin role" in result.stderr


# (command, the role it needs, what it is called in the refusal)
COMMANDS = [
    (
        ["import", str(SAMPLE_AUTHORITY), "--report-dir", "REPORTS"],
        "data_officer",
        "Importing extracts",
    ),
    (
        ["report", "data-quality", "--out", "OUT"],
        "data_officer",
        "Reading an import's data-quality report",
    ),
    (["assess", "--as-of", "2025-09-30"], "claims", "Deciding the families"),
    (
        ["claim", "run", "--period", "2025-Q4", "--as-of", "2025-09-30", "--another"],
        "claims",
        "Making a claim run",
    ),
    (["claim", "discard", "RUN"], "claims", "Discarding a claim run"),
    (["claim", "export", "RUN", "--out", "OUT"], "claims", "Exporting a claim run"),
    (["claim", "submit", "RUN", "--yes"], "claims", "Submitting a claim run"),
    (
        ["audit", "sample", "RUN", "--size", "2", "--seed", "1"],
        "auditor",
        "Drawing an audit sample",
    ),
    (["audit", "pack", "RUN", "--out", "OUT"], "auditor", "Writing an evidence pack"),
    (
        ["audit", "record", "RUN", "F000010", "--verdict", "pass", "--note", "ok"],
        "auditor",
        "Recording audit verdicts",
    ),
    (["settings", "set", "--allocation", "99"], "admin", "Changing the settings"),
    (["user", "add", "eve", "--role", "claims"], "admin", "Adding an account"),
    (["user", "disable", "carl"], "admin", "Disabling an account"),
    (["user", "unlock", "carl"], "admin", "Lifting a sign-in lockout"),
]


def filled_in(args: list[str], run: str, folder) -> list[str]:
    """The command with the run made for the test and folders of the test's own."""
    places = {"RUN": run, "OUT": str(folder / "out"), "REPORTS": str(folder / "r")}
    return [places.get(a, a) for a in args]


def test_each_command_is_refused_to_every_other_role_and_nothing_changes(
    team, monkeypatch, tmp_path
):
    run = make_run(team, monkeypatch)  # one run and one database for every command: quicker
    for args, role, doing in COMMANDS:
        command = filled_in(args, run, tmp_path)
        for name, has in ROLES.items():
            if has == role:
                continue
            as_person(monkeypatch, name)
            before = (log_count(team), data_version(team))
            result = sfclaims(team, *command)
            assert result.exit_code == 3, (command, name, result.output)
            assert result.stderr.replace("\n", " ").strip() == (
                f"Error: {doing} needs the {role} role, and {name} does not have it; ask an "
                f"admin for it."
            ), command
            assert (log_count(team), data_version(team)) == before, command
            assert not (tmp_path / "out").exists(), command


@pytest.mark.parametrize(
    ("args", "role", "doing"), COMMANDS[:5], ids=lambda v: v if isinstance(v, str) else None
)
def test_each_command_is_allowed_to_its_role_and_logged_once(
    team, monkeypatch, tmp_path, args, role, doing
):
    args = filled_in(args, make_run(team, monkeypatch), tmp_path)
    as_person(monkeypatch, next(n for n, r in ROLES.items() if r == role))
    before = log_count(team)
    result = sfclaims(team, *args)
    assert result.exit_code == 0, result.output
    # assess stores decisions but changes nothing; the sample is imported already: nothing new;
    # a report written again reads only
    assert log_count(team) == before + (0 if args[0] in ("assess", "import", "report") else 1)


def test_someone_without_an_account_cannot_even_read(team, monkeypatch):
    as_person(monkeypatch, "stranger")
    result = sfclaims(team, "claim", "list")
    assert result.exit_code == 3
    if team.startswith("postgresql"):  # a login in no sfclaims group: the database refuses it
        assert result.stderr.startswith("Error: The database refused your login this (perm")
    else:
        assert "Listing claim runs needs an account, and stranger has none" in result.stderr


def test_a_disabled_account_can_do_nothing(team, monkeypatch):
    as_person(monkeypatch, "root")
    assert sfclaims(team, "user", "disable", "carl").exit_code == 0
    as_person(monkeypatch, "carl")
    before = log_count(team)
    made = sfclaims(team, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert made.exit_code == 3 and log_count(team) == before


def the_quarter(url: str, monkeypatch, run: str) -> None:
    as_person(monkeypatch, "ada")
    drawn = sfclaims(url, "audit", "sample", run, "--size", "2", "--seed", "3")
    assert drawn.exit_code == 0, drawn.output
    sampled = drawn.stdout.split()
    for family in sampled:
        assert (
            sfclaims(
                url, "audit", "record", run, family, "--verdict", "pass", "--note", "ok"
            ).exit_code
            == 0
        )


def test_the_maker_of_a_run_cannot_audit_it(team, monkeypatch):
    as_person(monkeypatch, "root")
    sfclaims(team, "user", "add", "cass", "--role", "claims", "--role", "auditor")
    run = make_run(team, monkeypatch, by="cass")
    before = (log_count(team), data_version(team))
    result = sfclaims(team, "audit", "record", run, "F000010", "--verdict", "pass", "--note", "x")
    assert result.exit_code == 3
    assert (log_count(team), data_version(team)) == before
    assert result.stderr.replace("\n", " ").strip() == (
        f"Error: cass made claim run {run}, so cannot audit it; internal audit must be "
        f"independent of the claim."
    )


def test_an_auditor_of_a_run_cannot_submit_it(team, monkeypatch):
    as_person(monkeypatch, "root")
    sfclaims(team, "user", "add", "cass", "--role", "claims", "--role", "auditor")
    run = make_run(team, monkeypatch)
    as_person(monkeypatch, "cass")
    sampled = sfclaims(team, "audit", "sample", run, "--size", "1", "--seed", "3").stdout.split()
    sfclaims(team, "audit", "record", run, sampled[0], "--verdict", "pass", "--note", "ok")
    before = (log_count(team), data_version(team))
    result = sfclaims(team, "claim", "submit", run, "--yes")
    assert result.exit_code == 3 and "cass recorded audit verdicts" in result.stderr
    assert (log_count(team), data_version(team)) == before
    assert submitted_count(team) == 0


def test_the_outputs_name_who_made_audited_and_submitted_the_run(team, monkeypatch, tmp_path):
    run = make_run(team, monkeypatch)
    the_quarter(team, monkeypatch, run)
    as_person(monkeypatch, "carl")
    submitted = sfclaims(team, "claim", "submit", run, "--yes")
    assert submitted.exit_code == 0, submitted.output
    assert sfclaims(team, "claim", "export", run, "--out", str(tmp_path)).exit_code == 0
    book = load_workbook(tmp_path / f"claim-{run}.xlsx")
    notes = cover_of(book)
    assert notes["prepared by"].startswith("carl (") and notes["submitted by"].startswith("carl (")
    assert notes["audited by"].startswith("ada")
    log = [row[1:4] for row in list(book["Log"].iter_rows(values_only=True))[1:]]
    assert log[0] == ("carl", "claim run made", run)
    assert log[-1] == ("carl", "claim run submitted", run)
    assert ("ada", "verdict pass", run) in log
    as_person(monkeypatch, "ada")
    assert sfclaims(team, "audit", "pack", run, "--out", str(tmp_path)).exit_code == 0
    (pack,) = tmp_path.glob("evidence-pack-*.xlsx")
    verdicts = list(load_workbook(pack)["Verdicts"].iter_rows(values_only=True))
    assert verdicts[0][-1] == "recorded by" and {row[-1] for row in verdicts[1:]} == {"ada"}


def test_the_log_refuses_update_and_delete_in_the_database_itself(team):
    engine = open_database(team)
    before = log_count(team)
    for statement in ("UPDATE activity_log SET who = 'nobody'", "DELETE FROM activity_log"):
        with (
            pytest.raises(Exception, match="activity log is kept as written"),
            engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert log_count(team) == before


def test_a_password_is_read_from_standard_input_and_kept_hashed(team, monkeypatch):
    as_person(monkeypatch, "root")
    from sfclaims.cli import app
    from tests.test_cli import runner

    result = runner.invoke(
        app,
        ["--database-url", as_login(team), "user", "set-password", "ada"],
        input="a long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with open_database(team).connect() as connection:
        stored = connection.execute(
            text("SELECT password_hash FROM accounts WHERE name = 'ada'")
        ).scalar_one()
    assert stored.startswith("$argon2") and "a long passphrase" not in stored
    assert password_matches(stored, "a long passphrase") and not password_matches(stored, "wrong")
    log = sfclaims(team, "log", "--user", "root").stdout
    assert "password set\tada" in log and "passphrase" not in log


def test_the_log_filters_by_date_run_and_person(team, monkeypatch):
    run = make_run(team, monkeypatch)
    today = date.today()
    since = today - timedelta(days=1)  # every change this test made, past midnight or not
    everything = sfclaims(team, "log", "--since", f"{since:%d/%m/%Y}").stdout.splitlines()
    # the sample's import and its authority's name, the accounts, the run
    assert len(everything) == 2 + len(ROLES) + 1
    ahead = (today + timedelta(days=3)).isoformat()
    assert sfclaims(team, "log", "--since", ahead).stdout == ""
    assert [
        line.split("\t")[3]
        for line in sfclaims(team, "log", "--run", run.lower()).stdout.splitlines()
    ] == [run]
    assert all(
        line.split("\t")[1] == "root"
        for line in sfclaims(team, "log", "--user", "ROOT").stdout.splitlines()
    )


def test_working_alone_every_output_says_there_were_no_separate_accounts(sample_url, tmp_path):
    made = sfclaims(sample_url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    run = made.stdout.strip().splitlines()[-1]
    assert sfclaims(sample_url, "claim", "export", run, "--out", str(tmp_path)).exit_code == 0
    assert sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path)).exit_code == 0
    cover = cover_of(load_workbook(tmp_path / f"claim-{run}.xlsx"))
    notes = dict(load_workbook(tmp_path / f"evidence-pack-{run}.xlsx")["Run"].values)
    for said in (cover, notes):
        assert str(said["accounts"]).startswith("Made without separate accounts")


@pytest.mark.parametrize("password", [" " * 12, "password1234", "aaaaaaaaaaaa", "qwertyuiop12"])
def test_common_or_trivial_passwords_are_refused(password):
    from sfclaims.people.accounts import hash_password
    from sfclaims.platform.errors import UsageError

    with pytest.raises(UsageError, match="would be guessed too easily"):
        hash_password(password)


def test_a_long_passphrase_is_accepted_whatever_its_characters():
    from sfclaims.people.accounts import checked_password

    assert checked_password("kettle orchard umbrella") == "kettle orchard umbrella"


def test_an_admin_changes_an_accounts_roles_but_never_their_own_admin_role(team, monkeypatch):
    sample_url = team
    as_person(monkeypatch, "root")
    assert sfclaims(sample_url, "user", "add", "kim", "--role", "claims").exit_code == 0
    changed = sfclaims(sample_url, "user", "roles", "kim", "--role", "auditor", "--role", "claims")
    assert changed.exit_code == 0, changed.output
    listed = sfclaims(sample_url, "user", "list").stdout
    assert "kim\tclaims, auditor" in listed or "kim\tauditor, claims" in listed
    refused = sfclaims(sample_url, "user", "roles", "root", "--role", "claims")
    assert refused.exit_code == 3 and "cannot take the admin role from yourself" in refused.stderr


def password_file(folder, password: str, mode: int = 0o600):
    kept = folder / "password"
    kept.write_text(password + "\n", encoding="utf-8")
    kept.chmod(mode)
    return kept


ON_SQLITE = pytest.mark.parametrize("sample_url", ["sqlite"], indirect=True)
ON_POSTGRES = pytest.mark.parametrize("sample_url", ["postgres"], indirect=True)


@pytest.fixture
def carl_with_a_password(team, monkeypatch, tmp_path):
    """On SQLite, carl's account with a password he chose; root, the machine's user, acts as
    carl with it."""
    as_person(monkeypatch, "carl")  # carl chooses it, at his own machine's account
    set_ = runner_with_input(team, ["user", "set-password", "carl"], "carl's own long passphrase")
    assert set_.exit_code == 0, set_.output
    as_person(monkeypatch, "root")
    monkeypatch.setenv("SFCLAIMS_USER", "carl")
    return team


def runner_with_input(url: str, args: list[str], text_in: str):
    from sfclaims.cli import app
    from tests.test_cli import runner

    return runner.invoke(app, ["--database-url", as_login(url), *args], input=text_in + "\n")


@ON_SQLITE
def test_on_sqlite_acting_as_another_account_needs_its_password(carl_with_a_password, tmp_path):
    url = carl_with_a_password
    before = log_count(url)
    no_terminal = sfclaims(url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert no_terminal.exit_code == 3
    assert "needs their password, and there is no terminal" in no_terminal.stderr
    assert log_count(url) == before


@ON_SQLITE
def test_on_sqlite_a_password_file_readable_by_others_is_refused(
    carl_with_a_password, tmp_path, monkeypatch
):
    url = carl_with_a_password
    kept = password_file(tmp_path, "carl's own long passphrase", 0o644)
    monkeypatch.setenv("SFCLAIMS_PASSWORD_FILE", str(kept))
    result = sfclaims(url, "claim", "list")
    assert result.exit_code == 3
    assert "can be read by others: make it readable by its owner alone" in result.stderr


@ON_SQLITE
def test_on_sqlite_the_right_password_acts_as_the_account_and_a_wrong_one_counts(
    carl_with_a_password, tmp_path, monkeypatch
):
    url = carl_with_a_password
    monkeypatch.setenv("SFCLAIMS_PASSWORD_FILE", str(password_file(tmp_path, "not carl's")))
    before = log_count(url)
    wrong = sfclaims(url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert wrong.exit_code == 3 and log_count(url) == before
    assert "That is not the password of an account carl can act as." in wrong.stderr
    with open_database(url).connect() as connection:
        failures = connection.execute(text("SELECT count(*) FROM sign_in_failures")).scalar_one()
    assert failures == 1  # counted toward carl's lockout, as the workspace's are
    monkeypatch.setenv(
        "SFCLAIMS_PASSWORD_FILE", str(password_file(tmp_path, "carl's own long passphrase"))
    )
    run = make_run_as_is(url)
    (line,) = sfclaims(url, "log", "--run", run).stdout.strip().splitlines()
    assert line.split("\t")[1:3] == ["carl", "claim run made"]


def make_run_as_is(url: str) -> str:
    made = sfclaims(url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert made.exit_code == 0, made.output
    return made.stdout.strip().splitlines()[-1]


@ON_SQLITE
def test_on_sqlite_an_account_with_a_second_factor_needs_its_code_too(team, tmp_path):
    import pyotp

    from sfclaims.people.accounts import PASSWORD_AND_CODE, set_password
    from sfclaims.people.identity import on_the_command_line
    from sfclaims.people.second_factor import new_secret, set_up
    from sfclaims.platform.errors import RefusedError

    engine = open_database(team)
    root = on_the_command_line(engine, None, str, str)
    set_password(engine, root, "ada", "ada's quite long passphrase")
    secret = new_secret()
    assert set_up(engine, "ada", secret, pyotp.TOTP(secret).now()) is not None
    with pytest.raises(RefusedError, match="not a code of ada's second factor"):
        on_the_command_line(engine, "ada", lambda _: "ada's quite long passphrase", lambda _: "1")
    code = pyotp.TOTP(secret).at(pyotp.TOTP(secret).timecode(datetime.now()) * 30 + 30)
    ada = on_the_command_line(
        engine, "ada", lambda _: "ada's quite long passphrase", lambda _: code
    )
    assert (ada.name, ada.roles, ada.identified_by) == ("ada", {"auditor"}, PASSWORD_AND_CODE)
    engine.dispose()


@ON_POSTGRES
def test_on_postgresql_sfclaims_user_naming_another_login_is_refused(team, monkeypatch):
    as_person(monkeypatch, "carl")
    monkeypatch.setenv("SFCLAIMS_USER", "ada")
    before = (log_count(team), data_version(team))
    result = sfclaims(team, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert result.exit_code == 3
    assert result.stderr.replace("\n", " ").startswith(
        "Error: On PostgreSQL each person acts as their own database login: this one is carl, "
        "and SFCLAIMS_USER names ada"
    )
    assert (log_count(team), data_version(team)) == before
    monkeypatch.setenv("SFCLAIMS_USER", "carl")  # naming yourself is no claim to anyone else
    assert sfclaims(team, "claim", "list").exit_code == 0


@pytest.mark.raw_changes
@ON_POSTGRES
@pytest.mark.parametrize(
    ("login", "statement", "table"),
    [
        ("carl", "UPDATE activity_log SET who = 'someone else'", "activity_log"),
        ("ada", "DELETE FROM log_chain", "log_chain"),
        ("dora", "DELETE FROM claimed_families", "claimed_families"),
        ("dora", "INSERT INTO claim_runs (run_id) VALUES ('X')", "claim_runs"),
        ("ada", "ALTER TABLE families ADD COLUMN x int", "families"),
        ("carl", "TRUNCATE previous_claims", "previous_claims"),
    ],
)
def test_on_postgresql_each_group_role_is_refused_what_it_may_not_do(
    team, monkeypatch, login, statement, table
):
    from sqlalchemy.exc import DBAPIError

    from sfclaims.cli.base import _denied

    as_person(monkeypatch, login)
    engine = open_database(as_login(team))
    with pytest.raises(DBAPIError) as refused, engine.begin() as connection:
        connection.execute(text(statement))
    engine.dispose()
    said = _denied(refused.value)
    assert said.startswith("The database refused your login this (") and table in said


def test_the_cover_names_people_by_their_full_names_as_they_were_when_it_was_submitted(
    team, monkeypatch, tmp_path
):
    """A full name given (by the admin, on the command line) is what the cover prints, not the
    account; an account with none is named by its account; a submitted run keeps the names it
    was submitted with, whoever is renamed since."""
    as_person(monkeypatch, "root")
    named = sfclaims(team, "user", "full-name", "ada", "  Ada   Lovelace ")
    assert named.exit_code == 0 and "is named Ada Lovelace." in named.output
    listed = sfclaims(team, "user", "list").stdout
    assert "ada\tauditor\tactive\tno password\tAda Lovelace" in listed.splitlines()
    run = make_run(team, monkeypatch)
    the_quarter(team, monkeypatch, run)
    as_person(monkeypatch, "root")  # carl is named between the verdicts and the submission
    assert sfclaims(team, "user", "full-name", "carl", "Carl Jung").exit_code == 0
    as_person(monkeypatch, "carl")
    assert sfclaims(team, "claim", "submit", run, "--yes").exit_code == 0

    def cover() -> dict:
        as_person(monkeypatch, "carl")
        exported = sfclaims(team, "claim", "export", run, "--out", str(tmp_path))
        assert exported.exit_code == 0, exported.output
        return cover_of(load_workbook(tmp_path / f"claim-{run}.xlsx"))

    first = cover()
    assert first["audited by"].startswith("Ada Lovelace (identified by ")
    assert first["prepared by"].startswith("Carl Jung (identified by ")
    assert first["submitted by"].startswith("Carl Jung (identified by ")
    as_person(monkeypatch, "root")
    assert sfclaims(team, "user", "full-name", "ada", "Ada King").exit_code == 0
    assert cover() == first
    as_person(monkeypatch, "ada")  # only an admin names people
    refused = sfclaims(team, "user", "full-name", "ada", "Countess of Lovelace")
    assert refused.exit_code == 3 and "admin" in refused.output


def test_the_log_and_the_submission_say_how_each_person_was_identified(team, monkeypatch, tmp_path):
    """On SQLite each person here is the machine's user; on PostgreSQL their database login."""
    how = "database login" if team.startswith("postgresql") else "operating-system user"
    run = make_run(team, monkeypatch)
    the_quarter(team, monkeypatch, run)
    as_person(monkeypatch, "carl")
    assert sfclaims(team, "claim", "submit", run, "--yes").exit_code == 0
    lines = [line.split("\t") for line in sfclaims(team, "log", "--run", run).stdout.splitlines()]
    assert lines and all(line[5] == how for line in lines), lines
    assert sfclaims(team, "claim", "export", run, "--out", str(tmp_path)).exit_code == 0
    book = load_workbook(tmp_path / f"claim-{run}.xlsx")
    cover = cover_of(book)
    assert cover["prepared by"].startswith(f"carl (identified by {how}), ")
    assert cover["audited by"] == f"ada (identified by {how})"
    assert cover["submitted by"].startswith(f"carl (identified by {how}), ")
    log = list(book["Log"].iter_rows(values_only=True))
    assert log[0][-1] == "identified by" and {row[-1] for row in log[1:]} == {how}
    with open_database(team).connect() as connection:  # and the chain holds over what it says
        from sfclaims.platform.activity import chain_breaks

        assert chain_breaks(connection) is None


def test_a_first_admin_on_sqlite_is_you_or_has_a_password_so_no_one_is_locked_out(
    tmp_path, monkeypatch
):
    """On a new SQLite file, naming someone else the first admin with no password would leave
    no one able to act: refused, in a sentence saying what to give; with their password (from
    a file) they are added with it, and can act."""
    from tests.test_cli import sfclaims

    url = f"sqlite:///{tmp_path / 'new.db'}"
    as_person(monkeypatch, "root")
    assert sfclaims(url, "init").exit_code == 0
    refused = sfclaims(url, "user", "add", "ana", "--role", "admin")
    assert refused.exit_code == 3
    assert "The first admin, ana, is not you (root), and has no password" in " ".join(
        refused.stderr.split()
    )
    secret = tmp_path / "ana-password"
    secret.write_text("amber kettle drifts north\n")
    secret.chmod(0o600)
    added = sfclaims(url, "user", "add", "ana", "--role", "admin", "--password-file", str(secret))
    assert added.exit_code == 0 and "and its password" in added.stderr
    monkeypatch.setenv("SFCLAIMS_USER", "ana")
    monkeypatch.setenv("SFCLAIMS_PASSWORD_FILE", str(secret))
    # root knows the password too: ana's first act is to choose her own, on either face
    first = sfclaims(url, "user", "list")
    assert first.exit_code == 3
    assert " ".join(first.stderr.split()) == (
        "Error: ana's password was set by an admin, so two people know it: ana chooses their "
        "own before doing anything else. Choose it with `sfclaims user set-password ana`."
    )
    chosen = runner_with_input(url, ["user", "set-password", "ana"], "ana's own quiet harbour")
    assert chosen.exit_code == 0, chosen.output
    secret.write_text("ana's own quiet harbour\n")
    assert sfclaims(url, "user", "list").exit_code == 0  # ana acts, with her own password


def test_an_account_for_scripts_acts_with_its_password_file_alone_and_signs_in_nowhere(
    tmp_path, monkeypatch
):
    """A script's account: added with its password (refused without one), it acts on the command
    line with SFCLAIMS_PASSWORD_FILE alone even where second factors are asked of everyone; the
    workspace refuses it in a sentence."""
    from fastapi.testclient import TestClient

    from sfclaims.web.app import create_app
    from tests.test_cli import sfclaims
    from tests.web.conftest import SECRET, token

    url = f"sqlite:///{tmp_path / 'new.db'}"
    as_person(monkeypatch, "root")
    assert sfclaims(url, "init").exit_code == 0
    assert sfclaims(url, "user", "add", "root", "--role", "admin").exit_code == 0
    secret = tmp_path / "nightly-password"
    secret.write_text("quartz ferry lantern orbit\n")
    secret.chmod(0o600)
    bare = sfclaims(url, "user", "add", "nightly", "--role", "claims", "--automation")
    assert bare.exit_code == 3 and "acts with its password alone" in bare.stderr
    added = sfclaims(
        url, "user", "add", "nightly", "--role", "claims", "--automation",
        "--password-file", str(secret),
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert sfclaims(url, "settings", "set", "--second-factor", "everyone").exit_code == 0
    monkeypatch.setenv("SFCLAIMS_USER", "nightly")
    monkeypatch.setenv("SFCLAIMS_PASSWORD_FILE", str(secret))
    acted = sfclaims(url, "claim", "list")
    assert acted.exit_code == 0, acted.stderr
    app = create_app(url, secret=SECRET)
    with TestClient(app) as browser:
        page = browser.get("/sign-in")
        answer = browser.post(
            "/sign-in",
            data={
                "csrf_token": token(page.text),
                "name": "nightly",
                "password": "quartz ferry lantern orbit",
            },
        )
    app.state.engine.dispose()
    assert answer.status_code == 400 and "an account for scripts" in answer.text
