"""The database: engine, schema migrations and the bulk paths that load extract rows.

SQLite by default (a file in the current folder), PostgreSQL for a team server. Extract rows
move in through ``Staging``: on SQLite staged beside the database with ``executemany`` of plain
tuples, then swapped into their tables in one short transaction; on PostgreSQL written by
``COPY`` into their tables as each file is read, in the import's one transaction.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from sfclaims.platform.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd
    from alembic.config import Config

DEFAULT_DATABASE_URL = "sqlite:///sfclaims.db"
DATABASE_URL_VARIABLE = "SFCLAIMS_DATABASE_URL"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = PROJECT_ROOT / "migrations"
#: The newest migration (a test holds it to Alembic's head): every command checks the database
#: against it, and reading Alembic's scripts for it would cost each command a tenth of a second.
SCHEMA_REVISION = "0039"


def database_url(given: str | None = None) -> str:
    """The URL the user chose: ``--database-url``, else the environment, else the default."""
    url = given or os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: How long a write waits for SQLite's one writer (an import's swap, another's write) before it
#: gives up: longer than the longest swap of a county's import (6.6 s at 50,000 families).
SQLITE_BUSY_SECONDS = 30


#: Every engine this process has made, for a process that ends at once (``close_every_engine``)
_MADE: weakref.WeakSet[Engine] = weakref.WeakSet()


def close_every_engine() -> None:
    """Every engine's pooled connections closed, as Python's own ending would close them:
    PostgreSQL hears each connection end, and SQLite, its last connection closed, folds its
    write-ahead log into the database file (a copy of that file alone then has every row)."""
    for engine in list(_MADE):
        engine.dispose()


def make_engine(url: str, statement_timeout: float | None = None) -> Engine:
    """An engine for the URL; SQLite gets WAL, foreign keys, real transactional DDL and a
    writer that waits its turn (``SQLITE_BUSY_SECONDS``). ``statement_timeout`` (seconds,
    PostgreSQL) ends any statement that runs longer: a page's, never a job's."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"The database URL {url!r} is not a database URL.") from None
    # an error's message never carries the values of its statement: they are families' data
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, hide_parameters=True)
        _make_sqlite_transactional(engine)
    elif parsed.get_backend_name() == "postgresql":
        limited = (
            {"options": f"-c statement_timeout={int(statement_timeout * 1000)}"}
            if statement_timeout
            else {}
        )
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=limited)
    else:
        raise UsageError(f"The database URL {url!r} is neither SQLite nor PostgreSQL.")
    _MADE.add(engine)
    return engine


def _make_sqlite_transactional(engine: Engine) -> None:
    # pysqlite's own transaction handling does not cover every statement; take it over so one
    # import (DDL included) commits or rolls back as a whole.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
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


def is_busy(error: BaseException) -> bool:
    """Whether the database could not answer in time, for others' work (SQLite's writer still
    taken after ``SQLITE_BUSY_SECONDS``; a PostgreSQL statement past its timeout or a lock not
    had): a moment later it will, so it is a sentence and a retry, never a fault."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(error, OperationalError):
        return False
    if "database is locked" in str(error.orig) or "database is busy" in str(error.orig):
        return True
    return getattr(error.orig, "sqlstate", None) in {"57014", "55P03"}


def try_briefly(engine: Engine, write: Callable[[Connection], object]) -> bool:
    """Make a write that may wait for a better moment (a session's "last seen"): on SQLite it
    waits a tenth of a second at most for the writer, and False says it was not made now."""
    with engine.connect() as connection:
        sqlite = is_sqlite(connection)
        driver: Any = connection.connection.driver_connection
        if sqlite:  # on the driver: a statement through SQLAlchemy would begin a transaction
            driver.execute("PRAGMA busy_timeout = 100")
        try:
            with connection.begin():
                write(connection)
            return True
        except Exception as error:
            if is_busy(error):
                return False
            raise
        finally:
            if sqlite:
                driver.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_SECONDS * 1000)}")


def alembic_config(url: str) -> Config:
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


def open_database(
    url: str | None = None, create: bool = True, statement_timeout: float | None = None
) -> Engine:
    """The engine for the user's database, at the latest schema.

    A new SQLite file is created at the latest schema when ``create`` allows it (import, demo);
    a PostgreSQL server's schema is created only by ``sfclaims init``. A database whose schema is
    behind is refused: upgrading is a step of its own, after a backup (``sfclaims upgrade``).
    Without ``create`` (a command that only reads) a SQLite file that does not exist is refused
    rather than made empty: the user is in the wrong folder or forgot --database-url.
    """
    resolved = database_url(url)
    engine = make_engine(resolved, statement_timeout)
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
    connection: Connection,
    table: Table | str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """Append rows (plain tuples in ``columns`` order) to a table (or one named) in the
    caller's transaction."""
    driver = connection.connection.driver_connection
    column_list = ", ".join(columns)
    name = table if isinstance(table, str) else table.name
    if is_sqlite(connection):
        cursor = driver.cursor()  # type: ignore[union-attr]
        insert_many(cursor, name, columns, rows)
        cursor.close()
        return
    copy_sql = f"COPY {name} ({column_list}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


#: Rows put in by one INSERT on SQLite: one statement of many rows costs SQLite a third less
#: than as many statements of one row (the bound values stay well under its limit of 32,766).
ROWS_A_STATEMENT = 64


def insert_many(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """The rows inserted into a SQLite table, ``ROWS_A_STATEMENT`` to a statement (and the
    last few one by one)."""
    one = f"({', '.join('?' for _ in columns)})"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    at_once = max(1, min(ROWS_A_STATEMENT, 30_000 // max(len(columns), 1)))
    left: list[tuple[Any, ...]] = []

    def batches() -> Iterator[tuple[Any, ...]]:
        rows_in = iter(rows)
        while batch := list(itertools.islice(rows_in, at_once)):
            if len(batch) < at_once:
                left.extend(batch)
                return
            yield tuple(itertools.chain.from_iterable(batch))

    cursor.executemany(head + ", ".join([one] * at_once), batches())
    if left:
        cursor.executemany(head + one, left)


SCRATCH_PREFIX = ".sfclaims-import-"
SCRATCH_KEPT_FOR = 24 * 60 * 60  # seconds: no import runs longer; older is a killed one's


def _remove_stale_scratch(folder: Path) -> None:
    """The scratch files of imports killed before they could remove their own (SIGKILL, a
    power cut): personal data never stays beside the database."""
    import time

    for stale in folder.glob(f"{SCRATCH_PREFIX}*.db"):
        with contextlib.suppress(OSError):  # another import's, removed meanwhile
            if time.time() - stale.stat().st_mtime > SCRATCH_KEPT_FOR:
                stale.unlink()


#: The statistics target of the import's ANALYZE (PostgreSQL's default is 100: 30,000 rows sampled)
IMPORT_STATISTICS_TARGET = 25


#: PostgreSQL's advisory lock key held by an import's transaction: one import writes at a time,
#: so a second one's deletions see the first one's rows (it waits, then replaces them whole).
IMPORT_LOCK = 0x5FC11A9D


class Staging:
    """An import's rows set down and moved into the database's tables so that a failure before
    the commit changes nothing, and no reader ever waits on the import or sees it half done.

    SQLite has one writer: its rows are staged in a scratch file of their own beside the
    database (readable by its owner alone, removed at the end) while others go on working, and
    only the swap, one short transaction at the end, takes the write lock (BEGIN IMMEDIATE),
    with the file attached. PostgreSQL's readers do not wait on writers (each reads the
    snapshot it began with), so there each file moves in as soon as it is read (``as_read``),
    in the import's one transaction: ``put`` holds the file's rows and ``replace`` or
    ``append`` writes them by ``COPY`` straight into the table, while the next file is read
    (deletes and inserts: never TRUNCATE, never an index dropped, which would stop every
    reader of the table until the import commits)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.as_read = not is_sqlite(engine)
        self._scratch: Path | None = None
        self._scratch_connection: Any = None
        self._connection: Connection | None = None  # PostgreSQL: the import's one transaction
        self._transaction: Any = None
        self._held: dict[str, Callable[[Connection, Table, dict[str, object]], None]] = {}

    def __enter__(self) -> Staging:
        if self.as_read:
            self._connection = self.engine.connect()
            self._transaction = self._connection.begin()
            self._connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({IMPORT_LOCK})")
            return self
        import sqlite3
        import tempfile

        beside = sqlite_file(self.engine)
        folder = beside.parent if beside else Path(tempfile.gettempdir())
        _remove_stale_scratch(folder)
        handle, name = tempfile.mkstemp(  # mode 0600: the rows are personal data
            prefix=SCRATCH_PREFIX, suffix=".db", dir=folder
        )
        os.close(handle)
        self._scratch = Path(name)
        self._scratch_connection = sqlite3.connect(name, isolation_level=None)
        self._scratch_connection.execute("PRAGMA journal_mode=OFF")
        self._scratch_connection.execute("PRAGMA synchronous=OFF")
        return self

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self._held.clear()
        if self._scratch_connection is not None:
            self._scratch_connection.close()
        if self._scratch is not None:
            self._scratch.unlink(missing_ok=True)
        if self._connection is not None:
            if self._transaction.is_active:
                self._transaction.rollback()
            self._connection.close()

    def put(
        self,
        name: str,
        table: Table,
        rows: pd.DataFrame,
        loaded: Callable[[int], None] = lambda _done: None,
    ) -> None:
        """Stage the frame's rows (its columns named as the table's) under the name; ``loaded``
        hears the rows staged so far after each chunk (PostgreSQL: as they are written)."""
        columns = list(rows.columns)
        if self.as_read:
            self._held[name] = lambda connection, into, fixed: _copy_csv(
                connection, into.name, rows, loaded, fixed
            )
            return
        self._scratch_table(name, columns)
        for start in range(0, len(rows), CHUNK):
            chunk = rows.iloc[start : start + CHUNK]
            self._scratch_rows(name, columns, python_rows(chunk))
            loaded(start + len(chunk))

    def put_rows(
        self, name: str, table: Table, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        """Stage plain tuples in ``columns`` order under the name."""
        if self.as_read:
            self._held[name] = lambda connection, into, fixed: bulk_load(
                connection,
                into,
                [*fixed, *columns],
                ((*fixed.values(), *row) for row in rows),
            )
            return
        self._scratch_table(name, columns)
        self._scratch_rows(name, columns, rows)

    @contextlib.contextmanager
    def swapping(self) -> Iterator[Connection]:
        """The transaction that moves the staged rows in: it commits when the block ends, and
        rolls back (changing nothing) when it raises. On PostgreSQL it is the import's own,
        begun with it, so the rows may move in before the block (``as_read``)."""
        if self._connection is not None:
            yield self._connection
            self._transaction.commit()
            return
        assert self._scratch is not None
        with self.engine.connect() as connection:
            driver: Any = connection.connection.driver_connection
            driver.execute("ATTACH DATABASE ? AS staged", (str(self._scratch),))
            try:
                connection.execution_options(**{_SQLITE_BEGIN: "BEGIN IMMEDIATE"})
                with connection.begin():
                    yield connection
            finally:
                driver.execute("DETACH DATABASE staged")

    @property
    def connection(self) -> Connection:
        """PostgreSQL: the import's one transaction, which moves each file in as it is read."""
        assert self._connection is not None
        return self._connection

    def replace(
        self, connection: Connection, name: str, table: Table, fixed: dict[str, object]
    ) -> None:
        """Every row of the table replaced by the staged rows (with ``fixed`` values in the
        columns they name): on SQLite with the table's indexes off while the rows go in."""
        sqlite = is_sqlite(connection)
        if sqlite:
            for index in table.indexes:
                index.drop(connection, checkfirst=True)
        connection.exec_driver_sql(f"DELETE FROM {table.name}")
        self.append(connection, name, table, fixed)
        if sqlite:
            for index in table.indexes:
                index.create(connection)
        elif _owns(connection, table):  # fresh planner statistics: without them PostgreSQL
            # guesses a table of a few rows; from a sample a quarter of its usual, which does
            # for the IDs and codes the queries pick rows by (autovacuum's later look refines
            # them): a tenth of a county's import was spent sampling (0.75 s -> 0.2 s)
            connection.exec_driver_sql(
                f"SET LOCAL default_statistics_target = {IMPORT_STATISTICS_TARGET}"
            )
            connection.exec_driver_sql(f"ANALYZE {table.name}")

    def append(
        self, connection: Connection, name: str, table: Table, fixed: dict[str, object]
    ) -> None:
        """The staged rows added to the table, with ``fixed`` values in the columns they name."""
        if self.as_read:
            self._held.pop(name)(connection, table, fixed)
            return
        from sqlalchemy import text

        staged = [row[1] for row in connection.exec_driver_sql(f"PRAGMA staged.table_info({name})")]
        listed = ", ".join([*fixed, *staged])
        values = ", ".join([*(f":{key}" for key in fixed), *staged])
        connection.execute(
            text(f"INSERT INTO {table.name} ({listed}) SELECT {values} FROM staged.{name}"), fixed
        )

    def _scratch_table(self, name: str, columns: Sequence[str]) -> None:
        self._scratch_connection.execute(f"DROP TABLE IF EXISTS {name}")
        self._scratch_connection.execute(f"CREATE TABLE {name} ({', '.join(columns)})")

    def _scratch_rows(
        self, name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> None:
        scratch = self._scratch_connection
        scratch.execute("BEGIN")
        insert_many(scratch, name, columns, rows)
        scratch.execute("COMMIT")


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


def python_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The frame's rows as tuples of Python values, None where blank: a column at a time."""
    columns = [frame[c].to_numpy(dtype=object, na_value=None).tolist() for c in frame.columns]
    return zip(*columns, strict=True)


def _copy_csv(
    connection: Connection,
    name: str,
    rows: pd.DataFrame,
    loaded: Callable[[int], None],
    fixed: dict[str, object] | None = None,
) -> None:
    """The frame's rows written to the table by ``COPY`` as CSV (Arrow writes it), with
    ``fixed`` values in the columns they name."""
    import pyarrow
    from pyarrow import csv as arrow_csv

    arrow = pyarrow.Table.from_pandas(rows, preserve_index=False)
    for column, value in (fixed or {}).items():
        arrow = arrow.append_column(column, pyarrow.repeat(value, len(arrow)))
    # "needed": Arrow quotes every text value and leaves a blank unquoted, which COPY reads as NULL
    options = arrow_csv.WriteOptions(include_header=False, quoting_style="needed")
    columns = ", ".join(arrow.column_names)
    copy_sql = f"COPY {name} ({columns}) FROM STDIN (FORMAT csv, ENCODING 'UTF8')"
    driver = connection.connection.driver_connection
    done = 0
    with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
        for batch in arrow.to_batches(max_chunksize=CHUNK):
            text = pyarrow.BufferOutputStream()
            arrow_csv.write_csv(batch, text, write_options=options)
            copy.write(text.getvalue())
            done += batch.num_rows
            loaded(done)
