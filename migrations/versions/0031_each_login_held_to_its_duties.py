"""each login held to its duties by the database; every submitted run sealed

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 19:10:00

Tried as insiders with their own PostgreSQL logins, the grants let every login past the
workflow: any login read the secrets and set another's password, wrote the log in another's
name at a time of its choosing, recorded verdicts as another auditor, and a run's maker removed
its sample. The grants (``sfclaims init --grant``) now give each group only its own writes; what
a grant cannot say, this says in the database itself, on PostgreSQL:

- ``sfclaims_trusted()``: the owner, a superuser, or the web server's group (which acts for the
  person signed in). Anyone else is held to their own login's name.
- a log row, a verdict, a run made: refused unless it names its writer's login; a log row's and
  a verdict's time is the database's clock.
- a run's maker may not draw, add to or remove its sample, nor check it; a verdict stays while
  its run does (checked at commit, so discarding a draft takes its sample and verdicts with it);
  no family joins a run once its sample is drawn, and none withdrawn is put back.
- passwords are set through ``sfclaims_set_password`` (it runs as the owner and checks its
  caller: an admin, or a person setting their own), which ends the account's sessions.
- the settings, the data's state and the workspace's row: no TRUNCATE or DELETE, by anyone.

On both databases, ``account_standing`` says whether each account has a password and a second
factor without showing either. Every run submitted before seals existed is sealed now, with the
seal key (refused without it), and the log says so; from now on a submitted run with no seal is
tampering.
"""

import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STANDING = """
CREATE VIEW account_standing AS
SELECT name, password_hash IS NOT NULL AS has_password,
       totp_secret IS NOT NULL AS has_second_factor
FROM accounts
"""

FUNCTIONS = r"""
CREATE FUNCTION sfclaims_group(role text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT 'sfclaims_'
        || left(regexp_replace(lower(current_database()), '[^a-z0-9_]', '_', 'g'), 40)
        || '_' || role
$$;

CREATE FUNCTION sfclaims_in_group(role text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = sfclaims_group(role))
        THEN pg_has_role(session_user, sfclaims_group(role), 'MEMBER') ELSE false END
$$;

CREATE FUNCTION sfclaims_person() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT lower(session_user::text)
$$;

CREATE FUNCTION sfclaims_trusted() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = session_user), false)
        OR pg_has_role(session_user,
            (SELECT relowner FROM pg_class WHERE oid = '{schema}.activity_log'::regclass),
            'MEMBER')
        OR sfclaims_in_group('web')
$$;

CREATE FUNCTION sfclaims_refuse(said text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', said USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION sfclaims_log_row_stamped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT sfclaims_trusted() THEN
        IF NEW.who IS DISTINCT FROM sfclaims_person() THEN
            PERFORM sfclaims_refuse(format(
                'a log row is written in its writer''s name: %s cannot write one as %s',
                sfclaims_person(), NEW.who));
        END IF;
        IF NEW.identified_by IS NOT NULL AND NEW.identified_by <> 'database login' THEN
            PERFORM sfclaims_refuse('a login''s log row says it was identified by its login');
        END IF;
        NEW.at := current_timestamp;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION sfclaims_run_made_by_its_maker() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT sfclaims_trusted() AND NEW.created_by IS DISTINCT FROM sfclaims_person() THEN
        PERFORM sfclaims_refuse(format(
            'a claim run is made in its maker''s name: %s cannot make one as %s',
            sfclaims_person(), NEW.created_by));
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION sfclaims_maker_of(run text) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT created_by FROM claim_runs WHERE run_id = run
$$;

CREATE FUNCTION sfclaims_verdict_stamped() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT sfclaims_trusted() THEN
        IF NEW.recorded_by IS DISTINCT FROM sfclaims_person() THEN
            PERFORM sfclaims_refuse(format(
                'a verdict is recorded in its auditor''s name: %s cannot record one as %s',
                sfclaims_person(), NEW.recorded_by));
        END IF;
        IF sfclaims_maker_of(NEW.run_id) = sfclaims_person() THEN
            PERFORM sfclaims_refuse(format(
                '%s made claim run %s, so cannot audit it', sfclaims_person(), NEW.run_id));
        END IF;
        NEW.recorded_at := current_timestamp;
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION sfclaims_sample_drawn_by_another() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT sfclaims_trusted() AND sfclaims_maker_of(NEW.run_id) = sfclaims_person() THEN
        PERFORM sfclaims_refuse(format(
            '%s made claim run %s, so cannot draw its sample', sfclaims_person(), NEW.run_id));
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION sfclaims_audit_rows_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- at commit: a run discarded (or purged) in the same transaction takes these rows with it
    IF sfclaims_trusted() OR NOT EXISTS (SELECT 1 FROM claim_runs WHERE run_id = OLD.run_id) THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'audit_verdicts' THEN
        PERFORM sfclaims_refuse(format(
            'a verdict stays while its claim run (%s) does', OLD.run_id));
    ELSIF sfclaims_maker_of(OLD.run_id) = sfclaims_person() THEN
        PERFORM sfclaims_refuse(format(
            '%s made claim run %s, so cannot remove its sample', sfclaims_person(), OLD.run_id));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION sfclaims_family_rows_held() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sfclaims_trusted() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND EXISTS (
        SELECT 1 FROM claim_runs WHERE run_id = NEW.run_id AND sample_seed IS NOT NULL
    ) THEN
        PERFORM sfclaims_refuse(format(
            'claim run %s has its audit sample drawn: no family joins it now', NEW.run_id));
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.withdrawn AND NOT NEW.withdrawn THEN
        PERFORM sfclaims_refuse(format(
            'family %s was withdrawn from claim run %s by its verdict, and stays withdrawn',
            OLD.family_id, OLD.run_id));
    END IF;
    RETURN NEW;
END $$;

CREATE FUNCTION sfclaims_single_row_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% holds one row, which sfclaims needs: it cannot be removed', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE FUNCTION sfclaims_set_password(account text, hashed text, must_change boolean)
RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
    IF NOT (sfclaims_trusted() OR sfclaims_in_group('admin')
            OR (account = sfclaims_person() AND NOT must_change)) THEN
        PERFORM sfclaims_refuse(format(
            'only an admin sets another person''s password: %s cannot set %s''s',
            sfclaims_person(), account));
    END IF;
    UPDATE accounts SET password_hash = hashed, password_must_change = must_change
        WHERE name = account;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    UPDATE web_sessions SET ended_at = now()
        WHERE web_sessions.account = sfclaims_set_password.account AND ended_at IS NULL;
    RETURN true;
END $$;
REVOKE EXECUTE ON FUNCTION sfclaims_set_password(text, text, boolean) FROM PUBLIC;
"""

TRIGGERS = """
CREATE TRIGGER activity_log_stamped BEFORE INSERT ON activity_log
    FOR EACH ROW EXECUTE FUNCTION sfclaims_log_row_stamped();
CREATE TRIGGER claim_runs_made_by_maker BEFORE INSERT ON claim_runs
    FOR EACH ROW EXECUTE FUNCTION sfclaims_run_made_by_its_maker();
CREATE TRIGGER audit_verdicts_stamped BEFORE INSERT ON audit_verdicts
    FOR EACH ROW EXECUTE FUNCTION sfclaims_verdict_stamped();
CREATE TRIGGER audit_samples_drawn_by_another BEFORE INSERT ON audit_samples
    FOR EACH ROW EXECUTE FUNCTION sfclaims_sample_drawn_by_another();
CREATE CONSTRAINT TRIGGER audit_samples_kept AFTER DELETE ON audit_samples
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sfclaims_audit_rows_kept();
CREATE CONSTRAINT TRIGGER audit_verdicts_kept AFTER DELETE ON audit_verdicts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sfclaims_audit_rows_kept();
CREATE TRIGGER claimed_families_held BEFORE INSERT OR UPDATE ON claimed_families
    FOR EACH ROW EXECUTE FUNCTION sfclaims_family_rows_held();
"""

SINGLE_ROW_TABLES = ("settings", "data_state", "workspace")
GENESIS = "0" * 64
CHAIN_LOCK = 0x5FC1A135


# Frozen copies of what sealing a run took when this step was written (claim_runs/sealing.py,
# claim_runs/digest.py, activity.py): the package moving on never changes what this step does.


def _seal_key() -> bytes | None:
    path = Path(
        os.environ.get("SFCLAIMS_SEAL_KEY_FILE")
        or Path.home() / ".config" / "sfclaims" / "seal-key"
    )
    if not path.exists():
        return None
    key = path.read_text().strip().encode()
    if len(key) < 32:
        raise RuntimeError(f"the seal key file {path} holds nothing or too short a key")
    return key


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _digest(connection: sa.Connection, run_id: str, covers: dict[str, list[str]]) -> str:
    """The run's digest as the version that sealed it made it (its tables read with their
    declared types, as the models read them: a boolean is a boolean on SQLite too)."""
    order = {"claim_runs": "run_id", "claimed_families": "position", "audit_verdicts": "id"}
    digest = hashlib.sha256()
    for name in ("claim_runs", "claimed_families", "audit_verdicts"):
        table = sa.Table(name, sa.MetaData(), autoload_with=connection)
        query = (
            sa.select(*(table.c[c] for c in covers[name]))
            .where(table.c.run_id == run_id)
            .order_by(table.c[order[name]])
        )
        for row in connection.execute(query):
            values = [_plain(v) for v in row]
            digest.update(
                json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
            )
    return digest.hexdigest()


def _when(at: object) -> str:
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if not isinstance(at, datetime):
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _logged(connection: sa.Connection, who: str, action: str, object_: str, detail: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    written = connection.execute(
        sa.text(
            "INSERT INTO activity_log (who, action, object, detail) "
            "VALUES (:who, :action, :object, :detail) RETURNING id, at"
        ),
        {"who": who, "action": action, "object": object_, "detail": detail},
    ).one()
    last = connection.execute(
        sa.text("SELECT position, hash FROM log_chain ORDER BY position DESC LIMIT 1")
    ).first()
    position, previous = (last[0], last[1]) if last is not None else (0, GENESIS)
    words = "\n".join([previous, str(written[0]), _when(written[1]), who, action, object_])
    connection.execute(
        sa.text("INSERT INTO log_chain (position, activity_id, hash) VALUES (:p, :a, :h)"),
        {
            "p": position + 1,
            "a": written[0],
            "h": hashlib.sha256((words + "\n" + detail).encode()).hexdigest(),
        },
    )


def _who() -> str:
    import getpass

    return (os.environ.get("SFCLAIMS_USER") or getpass.getuser()).strip().lower()


@contextmanager
def _submitted_runs_unlocked(connection: sa.Connection) -> Iterator[None]:
    """The trigger that refuses any change to a submitted run, off for this step's update."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "ALTER TABLE claim_runs DISABLE TRIGGER claim_runs_submitted_locked"
        )
        yield
        connection.exec_driver_sql(
            "ALTER TABLE claim_runs ENABLE TRIGGER claim_runs_submitted_locked"
        )
        return
    made = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
        "AND name = 'claim_runs_submitted_locked_update'"
    ).scalar_one()
    connection.exec_driver_sql("DROP TRIGGER claim_runs_submitted_locked_update")
    yield
    connection.exec_driver_sql(made)


def _seal_unsealed_runs(connection: sa.Connection) -> None:
    """Every run submitted before seals existed is sealed with the seal key, if its digest
    still holds (one that does not is left for `verify` to name), and logged; refused without
    the key."""
    unsealed = connection.execute(
        sa.text(
            "SELECT run_id, digest, digest_version, digest_covers, log_head FROM claim_runs "
            "WHERE submitted_at IS NOT NULL AND seal IS NULL ORDER BY submitted_at"
        )
    ).all()
    if not unsealed:
        return
    key = _seal_key()
    if key is None:
        raise RuntimeError(
            f"{len(unsealed)} submitted claim runs are to be sealed with the seal key, and this "
            f"machine has none: copy the council's seal key file to where SFCLAIMS_SEAL_KEY_FILE "
            f"names (or ~/.config/sfclaims/seal-key) and upgrade again"
        )
    key_id = hashlib.sha256(b"sfclaims seal key\n" + key).hexdigest()[:16]
    sealed = []
    with _submitted_runs_unlocked(connection):
        for run_id, digest, version, covers, log_head in unsealed:
            if not covers or _digest(connection, run_id, json.loads(covers)) != digest:
                continue
            message = f"{run_id}\n{version or 0}\n{digest}" + (f"\n{log_head}" if log_head else "")
            connection.execute(
                sa.text("UPDATE claim_runs SET seal = :s, seal_key_id = :k WHERE run_id = :r"),
                {
                    "s": hmac.new(key, message.encode(), hashlib.sha256).hexdigest(),
                    "k": key_id,
                    "r": run_id,
                },
            )
            sealed.append(run_id)
    for run_id in sealed:
        _logged(connection, _who(), "claim run sealed", run_id, "submitted before seals existed")


def upgrade() -> None:
    connection = op.get_bind()
    connection.exec_driver_sql(STANDING)
    if connection.dialect.name == "postgresql":
        schema = connection.exec_driver_sql("SELECT current_schema()").scalar_one()
        connection.exec_driver_sql(FUNCTIONS.replace("{schema}", schema).replace("%", "%%"))
        connection.exec_driver_sql(TRIGGERS)
        for table in SINGLE_ROW_TABLES:
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_kept BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION sfclaims_single_row_kept()"
            )
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_row_kept BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION sfclaims_single_row_kept()"
            )
    _seal_unsealed_runs(connection)


def downgrade() -> None:
    connection = op.get_bind()
    connection.exec_driver_sql("DROP VIEW account_standing")
    if connection.dialect.name != "postgresql":
        return
    for table in SINGLE_ROW_TABLES:
        connection.exec_driver_sql(f"DROP TRIGGER {table}_kept ON {table}")
        connection.exec_driver_sql(f"DROP TRIGGER {table}_row_kept ON {table}")
    for trigger, table in (
        ("activity_log_stamped", "activity_log"),
        ("claim_runs_made_by_maker", "claim_runs"),
        ("audit_verdicts_stamped", "audit_verdicts"),
        ("audit_samples_drawn_by_another", "audit_samples"),
        ("audit_samples_kept", "audit_samples"),
        ("audit_verdicts_kept", "audit_verdicts"),
        ("claimed_families_held", "claimed_families"),
    ):
        connection.exec_driver_sql(f"DROP TRIGGER {trigger} ON {table}")
    for function in (
        "sfclaims_set_password(text, text, boolean)",
        "sfclaims_single_row_kept()",
        "sfclaims_family_rows_held()",
        "sfclaims_audit_rows_kept()",
        "sfclaims_sample_drawn_by_another()",
        "sfclaims_verdict_stamped()",
        "sfclaims_maker_of(text)",
        "sfclaims_run_made_by_its_maker()",
        "sfclaims_log_row_stamped()",
        "sfclaims_refuse(text)",
        "sfclaims_trusted()",
        "sfclaims_person()",
        "sfclaims_in_group(text)",
        "sfclaims_group(text)",
    ):
        connection.exec_driver_sql(f"DROP FUNCTION {function}")
