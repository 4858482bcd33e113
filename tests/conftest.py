"""Fixtures shared by the tests: migrated databases on SQLite and on PostgreSQL.

Each session migrates one template database per kind (empty, or holding the sample authority)
and every test gets a copy of it: a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on
PostgreSQL, dropped afterwards. PostgreSQL tests use the server named by
SFCLAIMS_TEST_POSTGRES_URL (default: this machine's server) and are marked ``postgres``, so
``pytest -m "not postgres"`` leaves them out. Under CI=true a PostgreSQL server that cannot be
reached fails the run; elsewhere those tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from sfclaims.platform.db import make_engine, open_database, upgrade

POSTGRES_URL = os.environ.get(
    "SFCLAIMS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_AUTHORITY = FIXTURES / "sample-authority"
SAMPLE_DECISIONS = FIXTURES / "sample-authority-decisions-2025-09-30.csv"
TEMPLATE_KINDS = ("empty", "sample")  # a migrated database, and one holding the sample authority
POSTGRES_FIXTURES = {"postgres_server", "postgres_url"}


def _postgres_available() -> str | None:
    try:
        with create_engine(POSTGRES_URL).connect() as connection:
            connection.execute(text("SELECT 1"))
        return None
    except Exception as error:  # noqa: BLE001 - any failure to connect means "not available"
        return str(error).splitlines()[0]


#: Tests of a minute or so each (a county through the server, a whole quarter in Chromium, many
#: server processes): started first, so that two workers never wait on one at the end.
LONG_FIRST = ("tests/county/", "tests/web/test_whole_quarter.py", "tests/web/test_workers.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that reaches the PostgreSQL server is marked ``postgres``; the long ones run
    first (the order of the rest is kept)."""
    for item in items:
        params = getattr(item, "callspec", None)
        on_postgres = params is not None and "postgres" in params.params.values()
        if on_postgres or POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
    items.sort(key=lambda item: not item.nodeid.startswith(LONG_FIRST))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    problem = _postgres_available()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")
    return POSTGRES_URL


#: The tests' local plan: the national framework, paying by results past its last claim period
#: (the sample authority's claims are for 2025-26 quarters). Put in force in every template.
PAYING_ON = Path(__file__).parent / "fixtures" / "paying-on.toml"


def _fill(url: str, kind: str) -> None:
    """Migrate the database at the URL, put the tests' plan in force and, for the ``sample``
    kind, import the sample."""
    from sfclaims.platform.settings import change_settings

    engine = make_engine(url)
    upgrade(engine)
    if kind == "sample":
        from sfclaims.intake.importing import import_folder
        from sfclaims.platform.framework import load_framework

        import_folder(engine, SAMPLE_AUTHORITY, load_framework())
        change_settings(engine, **SAMPLE_AUTHORITY_NAMED, framework=PAYING_ON)
    else:
        change_settings(engine, framework=PAYING_ON)
    engine.dispose()


#: The sample authority's name and code, set as its admin would before the first submission.
SAMPLE_AUTHORITY_NAMED = {"authority_name": "Sample Borough Council", "authority_code": "E09999999"}


class _Templates:
    """The session's template databases, each made the first time a test asks for it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite: dict[str, Path] = {}
        self.postgres: dict[str, str] = {}
        self.admin: Engine | None = None

    def sqlite_copy(self, kind: str, to: Path) -> str:
        if kind not in self.sqlite:
            path = self.folder / f"template-{kind}.db"
            _fill(f"sqlite:///{path}", kind)  # closed: every page is in the file, none in the WAL
            self.sqlite[kind] = path
        shutil.copyfile(self.sqlite[kind], to)
        return f"sqlite:///{to}"

    def postgres_copy(self, server: str, kind: str) -> str:
        if self.admin is None:
            self.admin = create_engine(server, isolation_level="AUTOCOMMIT")
        if kind not in self.postgres:
            name = f"sfclaims_template_{kind}_{uuid.uuid4().hex[:8]}"
            self._run(f"CREATE DATABASE {name}")
            _fill(_database(server, name), kind)
            self.postgres[kind] = name
        copy = f"sfclaims_test_{uuid.uuid4().hex[:12]}"
        self._run(f"CREATE DATABASE {copy} TEMPLATE {self.postgres[kind]}")
        return copy

    def drop(self, name: str) -> None:
        """The database, and the group roles ``init --grant`` made for it (roles outlive the
        databases they were granted on)."""
        from sfclaims.people.grants import group, roles_of_groups

        self._run(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        for role in roles_of_groups():
            self._run(f"DROP ROLE IF EXISTS {group(role, name)}")

    def _run(self, sql: str) -> None:
        assert self.admin is not None
        with self.admin.connect() as connection:
            connection.execute(text(sql))

    def close(self) -> None:
        for name in self.postgres.values():
            self.drop(name)
        if self.admin is not None:
            self.admin.dispose()


def _database(server: str, name: str) -> str:
    return make_url(server).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(autouse=True, scope="session")
def _session_key_of_the_tests(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`init` and `demo` make the web sessions' key file, a submission the seal key's, and the
    workspace's jobs keep their files: in the tests, never in the home folder."""
    keys = tmp_path_factory.mktemp("key")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SFCLAIMS_SECRET_KEY_FILE", str(keys / "secret-key"))
        patch.setenv("SFCLAIMS_SEAL_KEY_FILE", str(keys / "seal-key"))
        patch.setenv("SFCLAIMS_WORK_DIR", str(keys / "work"))
        from sfclaims.claims.sealing import ensure_seal_key

        ensure_seal_key()  # the installation's, as `sfclaims init` made it
        yield


@pytest.fixture(autouse=True)
def _no_one_identified_yet() -> None:
    """Each test starts with no one identified in its context (a command's, an action's)."""
    from sfclaims.platform.activity import forget_who_is_identified

    forget_who_is_identified()


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Templates]:
    made = _Templates(tmp_path_factory.mktemp("templates"))
    yield made
    made.close()


def _copy(request: pytest.FixtureRequest, templates: _Templates, kind: str) -> Iterator[str]:
    checked = request.node.get_closest_marker("raw_changes") is None
    if request.param == "sqlite":
        url = templates.sqlite_copy(kind, request.getfixturevalue("tmp_path") / "sfclaims.db")
        yield url
        if checked:
            every_change_logged(url)
        return
    server = request.getfixturevalue("postgres_server")
    name = templates.postgres_copy(server, kind)
    yield _database(server, name)
    if checked:
        every_change_logged(_database(server, name))
    templates.drop(name)


def every_change_logged(url: str) -> None:
    """What the test left in the database agrees with the activity log, one row per change:
    every import's batches, claim run made, discarded, submitted, verdict and account. (A test
    that changes tables over a raw connection, as an insider would, is marked raw_changes.)"""
    engine = open_database(url)
    try:
        with engine.connect() as connection:

            def one(sql: str) -> int:
                return int(connection.execute(text(sql)).scalar_one() or 0)

            def logged(action: str) -> list[tuple[str, str]]:
                rows = connection.execute(
                    text("SELECT object, detail FROM activity_log WHERE action = :a"),
                    {"a": action},
                )
                return [(o, d) for o, d in rows]

            batches = sum(len(o.removeprefix("batches ").split(", ")) for o, _ in logged("import"))
            assert batches == one("SELECT count(*) FROM import_batches"), "imports not logged"
            made = logged("claim run made")
            discarded = logged("claim run discarded") + logged("claim run purged")
            assert len(made) - len(discarded) == one("SELECT count(*) FROM claim_runs"), "runs"
            submitted = one("SELECT count(*) FROM claim_runs WHERE submitted_at IS NOT NULL")
            assert len(logged("claim run submitted")) == submitted, "submissions not logged"
            verdicts = len(logged("verdict pass")) + len(logged("verdict fail"))
            gone = sum(int(d.split(", ")[1].split()[0]) for _, d in discarded)
            assert verdicts - gone == one("SELECT count(*) FROM audit_verdicts"), "verdicts"
            assert len(logged("account added")) == one("SELECT count(*) FROM accounts")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, templates: _Templates) -> Iterator[str]:
    """The URL of an empty sfclaims database, once on SQLite and once on PostgreSQL."""
    yield from _copy(request, templates, "empty")


@pytest.fixture(params=["sqlite", "postgres"])
def sample_url(request: pytest.FixtureRequest, templates: _Templates) -> Iterator[str]:
    """The URL of a database holding the sample authority, once on each database."""
    yield from _copy(request, templates, "sample")


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections use a schema of their own with no tables, dropped after."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{separator}options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sfclaims.db'}"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = open_database(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sample_engine(sample_url: str) -> Iterator[Engine]:
    """An engine on a database holding the sample authority, once on each database."""
    engine = open_database(sample_url)
    yield engine
    engine.dispose()


#: The people the tests act as, and the sfclaims roles their PostgreSQL logins are granted.
TEST_LOGINS = {
    "root": ("admin",),  # on this kind of machine also a superuser, whom no grant holds
    "adam": ("admin",),
    "dora": ("data_officer",),
    "carl": ("claims",),
    "ada": ("auditor",),
    "ade": ("auditor",),
    "cass": ("claims", "auditor"),
    "eve": ("claims",),
    "wes": ("web",),  # the web server's login
    "stranger": (),
}


def each_person_logs_in(url: str) -> None:
    """On PostgreSQL, give the database its group roles (``sfclaims init --grant``, as its owner)
    and each test person a login of their own in their role's group, as a council's database
    administrator would; the tests then connect as the person acting (``as_login``)."""
    from sfclaims.people.grants import grant_roles

    engine = open_database(url)
    try:
        groups = {role: name for name, role in grant_roles(engine)}
        with engine.begin() as connection:
            for name, roles in TEST_LOGINS.items():
                connection.execute(
                    text(
                        f"DO $$ BEGIN CREATE ROLE {name} LOGIN; "
                        f"EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                    )
                )
                for role in roles:
                    connection.execute(text(f"GRANT {groups[role]} TO {name}"))
    finally:
        engine.dispose()


def as_login(url: str) -> str:
    """The URL as the person acting connects: on PostgreSQL, once ``each_person_logs_in``, with
    their own login (SFCLAIMS_TEST_LOGIN, set by ``tests.test_people.as_person``)."""
    login = os.environ.get("SFCLAIMS_TEST_LOGIN")
    if not url.startswith("postgresql") or not login or not os.environ.get("SFCLAIMS_TEST_LOGINS"):
        return url
    return make_url(url).set(username=login).render_as_string(hide_password=False)


class KeptMail:
    """A real SMTP server's inbox (aiosmtpd), each message parsed as it arrived."""

    def __init__(self) -> None:
        import threading

        self.messages: list[tuple[list[str], Any]] = []
        self.arrived = threading.Condition()
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.arrived:
            self.messages.append((list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 OK"

    def to(self, address: str) -> list[Any]:
        return [m for rcpt, m in self.messages if address in rcpt]

    def wait_for(self, count: int, timeout: float = 60) -> None:
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.messages) >= count, timeout), (
                f"{len(self.messages)} of {count} emails arrived"
            )


@pytest.fixture
def mail_server() -> Iterator[KeptMail]:
    """An SMTP server on loopback, started by the test: what sfclaims sends, as it arrives."""
    from aiosmtpd.controller import Controller

    from tests.web.browsing import free_port

    kept = KeptMail()
    kept.port = free_port()
    controller = Controller(kept, hostname="127.0.0.1", port=kept.port)
    controller.start()
    yield kept
    controller.stop()
