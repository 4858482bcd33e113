"""Upgrades that keep every claim: migrations that import nothing of the package, databases made by
each earlier revision's own code upgraded with their data (every submitted run still verifies and
exports what the old code exported), a failed step that changes nothing, a database that is behind
refused by every other command, and a backup taken while an import runs."""

from __future__ import annotations

import ast
import gzip
import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from sfclaims.people.accounts import Actor
from sfclaims.platform.db import MIGRATIONS, SCHEMA_REVISION, make_engine, schema_revision
from sfclaims.platform.roles import ROLES
from tests.conftest import PAYING_ON, SAMPLE_AUTHORITY, SAMPLE_AUTHORITY_NAMED
from tests.test_cli import sfclaims

REVISIONS = Path(__file__).parent / "fixtures" / "revisions"
BUILT = sorted(p.name.split(".")[0] for p in REVISIONS.glob("*.json"))
ALONE = Actor("upgrader", frozenset(ROLES), single_user=True)


def test_no_migration_imports_the_package():
    """A migration is history: it carries a frozen copy of anything it computes, so the
    package's code moving on never changes what an old step does."""
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n == "sfclaims" or n.startswith("sfclaims.") for n in names), (
                f"{script.name} imports {names}"
            )


def test_a_database_is_kept_from_every_revision_that_can_hold_a_run():
    assert [f"{n:04d}" for n in range(3, 14)] == BUILT


def restored_sqlite(revision: str, folder: Path) -> str:
    database = folder / f"at-{revision}.db"
    with gzip.open(REVISIONS / f"{revision}.db.gz", "rb") as packed, database.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return f"sqlite:///{database}"


def restored_postgres(revision: str, server: str, name: str) -> str:
    admin = make_engine(f"{server}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    sql = gzip.decompress((REVISIONS / f"{revision}.sql.gz").read_bytes())
    libpq = f"{server}/{name}".replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", libpq],
        input=sql,
        check=True,
        capture_output=True,
    )
    return f"{server}/{name}"


def as_the_admins_login(url: str) -> str:
    """On PostgreSQL the acting account is the login's: the old databases' admin is root, who
    upgrades them connected as root (a superuser, as the database's owner may be)."""
    admin = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text(
                "DO $$ BEGIN CREATE ROLE root LOGIN SUPERUSER; "
                "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
            )
        )
    admin.dispose()
    return make_url(url).set(username="root").render_as_string(hide_password=False)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
@pytest.mark.parametrize("revision", BUILT)
def test_a_database_made_by_an_earlier_revision_upgrades_with_its_claims(
    revision, database, tmp_path, request
):
    from sfclaims.actions import export_submission, upgrade, verify
    from sfclaims.claims import list_runs, run_contents
    from sfclaims.platform.db import open_database
    from sfclaims.platform.errors import RefusedError
    from sfclaims.platform.settings import change_settings

    facts = json.loads((REVISIONS / f"{revision}.json").read_text(encoding="utf-8"))
    if database == "sqlite":
        url = restored_sqlite(revision, tmp_path)
    else:
        server = request.getfixturevalue("postgres_server").rsplit("/", 1)[0]
        url = as_the_admins_login(
            restored_postgres(revision, server, f"sfclaims_upgrade_{revision}")
        )
    engine = make_engine(url)
    try:
        assert schema_revision(engine) == revision
        refused = sfclaims(url, "claim", "list")
        assert refused.exit_code == 2 and "sfclaims upgrade" in refused.stderr
        done = upgrade(engine, backup=database == "sqlite")
        assert done.before == revision and done.after == SCHEMA_REVISION
        assert done.backup is None or done.backup.exists()
        engine = open_database(url, create=False)
        runs = {r.run_id: r for r in list_runs(engine)}
        assert runs[facts["submitted"]].status == "submitted"
        # every run submitted before seals is sealed by the upgrade, and the log says so
        assert verify(engine, ALONE).problems == []
        # a record's fingerprint kept before is still the family's (columns added since, such
        # as 0033's unauthorised absence, count only where they hold a value)
        from sfclaims.intake.records import records_fingerprints

        with engine.connect() as connection:
            kept = dict(
                connection.execute(
                    text(
                        "SELECT family_id, records_sha256 FROM claimed_families "
                        "WHERE records_sha256 IS NOT NULL"
                    )
                ).all()
            )
            if kept:
                assert records_fingerprints(connection, kept) == kept
        with engine.connect() as connection:
            sealed = connection.execute(
                text("SELECT object FROM activity_log WHERE action = 'claim run sealed'")
            ).scalars()
            assert sorted(sealed) == sorted(r for r, x in runs.items() if x.submitted_at)
        with pytest.raises(RefusedError, match="its name and code are not set"):
            export_submission(engine, ALONE, facts["submitted"], tmp_path / "unnamed")
        change_settings(engine, **SAMPLE_AUTHORITY_NAMED)  # as the admin would, once upgraded
        assert runs[facts["draft"]].status == "draft"
        for run_id, families in facts["claimed"].items():
            contents = run_contents(engine, run_id, evidence=False, records=False)
            claimed = sorted(f.family_id for f in contents.claimed if not f.withdrawn)
            assert claimed == families, run_id
            written = export_submission(engine, ALONE, run_id, tmp_path / run_id)
            assert [p.suffix for p in written] == [".xlsx", ".csv"]
        again = upgrade(engine, backup=False)
        assert again.nothing_to_do
    finally:
        engine.dispose()
        if database == "postgres":
            admin = make_engine(f"{server}/postgres").execution_options(
                isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as connection:
                connection.execute(
                    text(f"DROP DATABASE IF EXISTS sfclaims_upgrade_{revision} WITH (FORCE)")
                )
            admin.dispose()


def test_a_run_tampered_with_before_the_upgrade_is_still_refused(tmp_path):
    """Finding the version that sealed a run is no amnesty: a run changed behind the guards
    matches no version and every export refuses it after the upgrade."""
    from sfclaims.actions import export_submission, upgrade
    from sfclaims.platform.db import open_database
    from sfclaims.platform.errors import RefusedError
    from sfclaims.platform.settings import change_settings

    facts = json.loads((REVISIONS / "0013.json").read_text(encoding="utf-8"))
    url = restored_sqlite("0013", tmp_path)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER claimed_families_submitted_locked_update")
        connection.execute(
            text("UPDATE claimed_families SET needs = 'FINANCE' WHERE run_id = :run"),
            {"run": facts["submitted"]},
        )
    upgrade(engine, backup=False)
    engine = open_database(url, create=False)
    change_settings(engine, **SAMPLE_AUTHORITY_NAMED)
    with pytest.raises(RefusedError, match="no longer matches what was submitted"):
        export_submission(engine, ALONE, facts["submitted"], tmp_path / "out")


def test_runs_submitted_before_seals_are_not_upgraded_without_the_seal_key(tmp_path, monkeypatch):
    """The upgrade seals them with the council's key, and never makes one quietly: without it,
    nothing is upgraded and the refusal says where the key is expected."""
    from sfclaims.actions import upgrade
    from sfclaims.platform.errors import RefusedError

    monkeypatch.setenv("SFCLAIMS_SEAL_KEY_FILE", str(tmp_path / "no-key-here"))
    engine = make_engine(restored_sqlite("0013", tmp_path))
    with pytest.raises(RefusedError) as refused:
        upgrade(engine, backup=False)
    said = str(refused.value)
    assert "submitted claim runs are to be sealed with the seal key" in said
    assert said.endswith("at revision 0013.") and schema_revision(engine) == "0013"
    assert not (tmp_path / "no-key-here").exists()
    engine.dispose()


def test_a_failing_step_leaves_the_database_as_it_was_and_names_the_step(tmp_path):
    """A step after 0015 that fails: 0015, applied before it in the same transaction, is rolled
    back too; the database stays at 0013 with its data, and the refusal names the step."""
    from sfclaims.platform.errors import RefusedError
    from sfclaims.upkeep.upgrading import migrate

    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    (migrations / "versions" / "0099_fails.py").write_text(
        '"""a step that cannot be taken\n\nRevision ID: 0099\n"""\n\n'
        f'revision = "0099"\ndown_revision = "{SCHEMA_REVISION}"\n'
        "branch_labels = None\ndepends_on = None\n\n\n"
        "def upgrade() -> None:\n"
        "    from alembic import op\n\n"
        '    op.execute("SELECT no_such_column FROM claim_runs")\n\n\n'
        "def downgrade() -> None:\n    pass\n",
        encoding="utf-8",
    )
    url = restored_sqlite("0013", tmp_path)
    engine = make_engine(url)

    def counts() -> tuple:
        with engine.connect() as connection:
            return tuple(
                connection.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("claim_runs", "claimed_families", "audit_verdicts", "activity_log")
            )

    before = counts()
    with pytest.raises(RefusedError) as refused:
        migrate(engine, migrations=migrations)
    assert str(refused.value).startswith(
        "The upgrade stopped at step 0099 (a step that cannot be taken): "
    )
    assert "the database is as it was, at revision 0013." in str(refused.value)
    assert schema_revision(engine) == "0013" and counts() == before
    with engine.connect() as connection:
        columns = {
            c["name"]
            for c in __import__("sqlalchemy").inspect(connection).get_columns("claim_runs")
        }
    assert "digest_version" not in columns  # 0015 rolled back with it


def test_every_command_but_upgrade_refuses_a_database_that_is_behind(tmp_path):
    url = restored_sqlite("0010", tmp_path)
    for args in (["assess", "--as-of", "2025-09-30"], ["claim", "list"], ["log"]):
        result = sfclaims(url, *args)
        assert result.exit_code == 2, args
        assert result.stderr.strip().replace("\n", " ") == (
            "Error: The database is at schema revision 0010, behind this sfclaims "
            f"({SCHEMA_REVISION}); it must be backed up and upgraded first. Run `sfclaims "
            "upgrade`: it backs the database up, then upgrades it."
        )
    upgraded = sfclaims(url, "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    output = " ".join(upgraded.stderr.split())
    assert f"The database is at revision 0010; this sfclaims is at revision {SCHEMA_REVISION}" in (
        output
    )
    assert "Backed up first to: " in output and f"now at revision {SCHEMA_REVISION}" in output
    (kept,) = tmp_path.glob("at-0010.before-upgrade-0010-*.db")
    assert schema_revision(make_engine(f"sqlite:///{kept}")) == "0010"
    again = sfclaims(url, "upgrade")
    assert again.exit_code == 0 and "the latest: nothing to do" in again.stderr
    assert sfclaims(url, "claim", "list").exit_code == 0


def test_a_backup_taken_during_an_import_opens_and_verifies(sample_url, tmp_path):
    """The backup is taken while an import holds its transaction open (paused by events): on
    SQLite a consistent copy of the database as it was before the import; on PostgreSQL pg_dump
    waits for the import's locks and dumps one snapshot. Either opens and verifies."""
    from sfclaims.actions import back_up, export_submission
    from sfclaims.claims import create_run
    from sfclaims.intake import importing
    from sfclaims.platform.db import Staging, open_database
    from sfclaims.platform.framework import load_framework

    engine = open_database(sample_url)
    run = create_run(
        engine, load_framework(PAYING_ON), "2025-Q3", __import__("datetime").date(2025, 9, 30)
    )
    importing_holds, backup_done = threading.Event(), threading.Event()
    loading = Staging.replace

    def paused(*args, **kwargs):
        loading(*args, **kwargs)
        importing_holds.set()
        assert backup_done.wait(60)

    errors: list[BaseException] = []

    changed = tmp_path / "changed"
    shutil.copytree(SAMPLE_AUTHORITY, changed)
    families = changed / "families.csv"
    lines = families.read_text(encoding="utf-8").splitlines()
    families.write_text(
        "\n".join([*lines, lines[-1].replace(lines[-1].split(",")[0], "F999999", 1)]) + "\n",
        encoding="utf-8",
    )

    def import_again() -> None:
        try:
            importing.import_folder(engine, changed, load_framework(), by="dora")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    Staging.replace = paused  # type: ignore[method-assign]
    try:
        worker = threading.Thread(target=import_again)
        worker.start()
        assert importing_holds.wait(60)
        if sample_url.startswith("sqlite"):  # the online backup reads what is committed
            kept = back_up(engine, tmp_path / "copy")
            backup_done.set()
        else:  # pg_dump waits for the import's locks, then dumps one snapshot
            taken: list[Path] = []
            backing_up = threading.Thread(
                target=lambda: taken.append(back_up(engine, tmp_path / "copy"))
            )
            backing_up.start()
            backup_done.set()
            backing_up.join(120)
            (kept,) = taken
        worker.join(60)
    finally:
        Staging.replace = loading  # type: ignore[method-assign]
    if sample_url.startswith("sqlite"):
        copy = open_database(f"sqlite:///{kept}", create=False)
    else:  # pg_dump's custom format, restored as the README says, into a new database
        server = sample_url.rsplit("/", 1)[0]
        copy_url = restored_dump(kept, server, "sfclaims_restored_backup")
        copy = open_database(copy_url, create=False)
    try:
        written = export_submission(copy, ALONE, run.run_id, tmp_path / "out")
        assert written and not errors
        with copy.connect() as connection:  # as it was before the import: one import's batches
            batches = connection.execute(text("SELECT count(*) FROM import_batches")).scalar()
        with engine.connect() as connection:
            now = connection.execute(text("SELECT count(*) FROM import_batches")).scalar()
        assert batches < now if sample_url.startswith("sqlite") else batches <= now
    finally:
        copy.dispose()
        if not sample_url.startswith("sqlite"):
            admin = make_engine(f"{server}/postgres").execution_options(
                isolation_level="AUTOCOMMIT"
            )
            with admin.connect() as connection:
                connection.execute(
                    text("DROP DATABASE IF EXISTS sfclaims_restored_backup WITH (FORCE)")
                )
            admin.dispose()


def restored_dump(dump: Path, server: str, name: str) -> str:
    admin = make_engine(f"{server}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    libpq = f"{server}/{name}".replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(
        ["pg_restore", "--no-owner", f"--dbname={libpq}", str(dump)],
        check=True,
        capture_output=True,
    )
    return f"{server}/{name}"


def test_backup_refuses_to_write_over_a_file(sample_url, tmp_path):
    from sfclaims.actions import back_up
    from sfclaims.platform.db import open_database
    from sfclaims.platform.errors import UsageError

    there = tmp_path / "there.db"
    there.write_text("mine")
    with pytest.raises(UsageError, match="exists already"):
        back_up(open_database(sample_url), there)
    assert there.read_text() == "mine"
