"""The database: engine, schema migrations and the bulk paths that load extract rows.

SQLite by default (a file in the current folder), PostgreSQL for a team server. Extract rows
are loaded with ``executemany`` of plain tuples on SQLite and ``COPY`` on PostgreSQL, inside the
caller's transaction, with the table's secondary indexes dropped during the load and rebuilt after.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from sfclaims.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_DATABASE_URL = "sqlite:///sfclaims.db"
DATABASE_URL_VARIABLE = "SFCLAIMS_DATABASE_URL"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = PROJECT_ROOT / "migrations"
#: The newest migration (a test holds it to Alembic's head): every command checks the database
#: against it, and reading Alembic's scripts for it would cost each command a tenth of a second.
SCHEMA_REVISION = "0027"


def database_url(given: str | None = None) -> str:
    """The URL the user chose: ``--database-url``, else the environment, else the default."""
    url = given or os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys and real transactional DDL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"The database URL {url!r} is not a database URL.") from None
    # an error's message never carries the values of its statement: they are families' data
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, hide_parameters=True)
        _make_sqlite_transactional(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    raise UsageError(f"The database URL {url!r} is neither SQLite nor PostgreSQL.")


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite's own transaction handling does not cover every statement; take it over so one
    # import (DDL included) commits or rolls back as a whole.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # a writing transaction (see writing) takes SQLite's write lock at once: another waits
        connection.exec_driver_sql(connection.get_execution_options().get(_SQLITE_BEGIN, "BEGIN"))


_SQLITE_BEGIN = "sfclaims_sqlite_begin"


@contextlib.contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write what it reads: on SQLite it holds the write lock from its
    first statement (BEGIN IMMEDIATE), so two such transactions run one after the other instead
    of both reading the same state; on PostgreSQL the caller locks the rows it reads (FOR
    UPDATE)."""
    with engine.connect() as connection:
        connection.execution_options(**{_SQLITE_BEGIN: "BEGIN IMMEDIATE"})
        with connection.begin():
            yield connection


@contextlib.contextmanager
def one_snapshot(engine: Engine) -> Iterator[Connection]:
    """A transaction whose reads all see one state of the database (PostgreSQL: REPEATABLE
    READ; SQLite: any transaction in WAL mode), however many statements it takes."""
    with engine.connect() as connection:
        if not is_sqlite(connection):
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def is_sqlite(engine_or_connection: Engine | Connection) -> bool:
    return engine_or_connection.dialect.name == "sqlite"


def alembic_config(url: str):
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the latest migration."""
    from alembic import command

    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(url: str | None = None, create: bool = True) -> Engine:
    """The engine for the user's database, at the latest schema.

    A new SQLite file is created at the latest schema when ``create`` allows it (import, demo);
    a PostgreSQL server's schema is created only by ``sfclaims init``. A database whose schema is
    behind is refused: upgrading is a step of its own, after a backup (``sfclaims upgrade``).
    Without ``create`` (a command that only reads) a SQLite file that does not exist is refused
    rather than made empty: the user is in the wrong folder or forgot --database-url.
    """
    resolved = database_url(url)
    engine = make_engine(resolved)
    missing = sqlite_file(engine)
    if not create and missing is not None and not missing.exists():
        raise UsageError(
            f"There is no sfclaims database at {missing}; import extracts first or give "
            f"--database-url."
        )
    revision = schema_revision(engine)
    if revision == SCHEMA_REVISION:
        return engine
    if revision is None and is_sqlite(engine) and create:
        upgrade(engine)  # a new database, made at the latest schema
        return engine
    if revision is None:
        raise UsageError(
            "The database has no sfclaims schema yet; create it first.", remedy="create schema"
        )
    raise UsageError(
        f"The database is at schema revision {revision}, behind this sfclaims "
        f"({SCHEMA_REVISION}); it must be backed up and upgraded first.",
        remedy="upgrade",
    )


def sqlite_file(engine: Engine) -> Path | None:
    """The file of a SQLite database (None for PostgreSQL or an in-memory database)."""
    name = engine.url.database
    if not is_sqlite(engine) or not name or name == ":memory:":
        return None
    return Path(name).resolve()


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def bulk_load(
    connection: Connection, table: Table, columns: Sequence[str], rows: Iterable[tuple]
) -> None:
    """Append rows (plain tuples in ``columns`` order) to a table in the caller's transaction."""
    driver = connection.connection.driver_connection
    column_list = ", ".join(columns)
    if is_sqlite(connection):
        placeholders = ", ".join("?" for _ in columns)
        cursor = driver.cursor()  # type: ignore[union-attr]
        cursor.executemany(
            f"INSERT INTO {table.name} ({column_list}) VALUES ({placeholders})", rows
        )
        cursor.close()
        return
    copy_sql = f"COPY {table.name} ({column_list}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


def replace_table_rows(
    connection: Connection,
    table: Table,
    rows: pd.DataFrame,
    loaded: Callable[[int], None] = lambda _done: None,
) -> None:
    """Replace every row of an extract table with the frame's (columns named as the table's):
    indexes off, old rows out, the new rows in, indexes on. ``loaded`` hears the number of rows
    loaded so far after each chunk. On PostgreSQL the rows travel as CSV that Arrow writes,
    without a Python object per value, and the table gets fresh planner statistics (without them
    it guesses a table of a few rows and, for one, reads attendance five times slower)."""
    owner = is_sqlite(connection) or _owns(connection, table)
    if owner:  # a login that is not the owner (a data officer's, sfclaims.grants) keeps them
        for index in table.indexes:
            index.drop(connection, checkfirst=True)
    if is_sqlite(connection):
        connection.exec_driver_sql(f"DELETE FROM {table.name}")
        for start in range(0, len(rows), CHUNK):
            chunk = rows.iloc[start : start + CHUNK]
            bulk_load(connection, table, list(rows.columns), python_rows(chunk))
            loaded(start + len(chunk))
    else:
        connection.exec_driver_sql(f"{'TRUNCATE' if owner else 'DELETE FROM'} {table.name}")
        _copy_csv(connection, table, rows, loaded)
    if owner:
        for index in table.indexes:
            index.create(connection)
        if not is_sqlite(connection):
            connection.exec_driver_sql(f"ANALYZE {table.name}")


def _owns(connection: Connection, table: Table) -> bool:
    """Whether the login owns the table (PostgreSQL): only an owner drops and makes indexes."""
    return bool(
        connection.exec_driver_sql(
            "SELECT pg_has_role(tableowner, 'USAGE') FROM pg_tables "
            "WHERE tablename = %(name)s AND schemaname = current_schema()",
            {"name": table.name},
        ).scalar()
    )


CHUNK = 50_000  # rows loaded between two reports of progress


def python_rows(frame: pd.DataFrame) -> Iterator[tuple]:
    """The frame's rows as tuples of Python values, None where blank: a column at a time."""
    columns = [frame[c].to_numpy(dtype=object, na_value=None).tolist() for c in frame.columns]
    return zip(*columns, strict=True)


def _copy_csv(
    connection: Connection, table: Table, rows: pd.DataFrame, loaded: Callable[[int], None]
) -> None:
    import pyarrow
    from pyarrow import csv as arrow_csv

    arrow = pyarrow.Table.from_pandas(rows, preserve_index=False)
    # "needed": Arrow quotes every text value and leaves a blank unquoted, which COPY reads as NULL
    options = arrow_csv.WriteOptions(include_header=False, quoting_style="needed")
    copy_sql = (
        f"COPY {table.name} ({', '.join(rows.columns)}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')"
    )
    driver = connection.connection.driver_connection
    done = 0
    with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
        for batch in arrow.to_batches(max_chunksize=CHUNK):
            text = pyarrow.BufferOutputStream()
            arrow_csv.write_csv(batch, text, write_options=options)
            copy.write(text.getvalue())
            done += batch.num_rows
            loaded(done)
