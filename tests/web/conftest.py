"""A workspace on the sample authority with an account (and a password) per role."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from sfclaims.people.accounts import Actor, add_account, hash_password
from sfclaims.platform.db import open_database
from sfclaims.platform.models import Account, table_of
from sfclaims.platform.roles import ROLES
from sfclaims.web.app import create_app
from tests.conftest import _copy

PASSWORD = "correct horse battery"
PEOPLE = {"root": "admin", "dora": "data_officer", "carl": "claims", "ada": "auditor"}
SECRET = "a test key that signs the test sessions, long enough"


@pytest.fixture(params=["sqlite"])
def sample_url(request: pytest.FixtureRequest, templates) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The sample authority on SQLite only: the pages call the same stages, which are tested on
    both databases."""
    yield from _copy(request, templates, "sample")


@pytest.fixture(params=["postgresql"])
def pg_sample_url(request: pytest.FixtureRequest, templates) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The sample authority on PostgreSQL, for what only a server database can show."""
    yield from _copy(request, templates, "sample")


def with_accounts(url: str) -> str:
    """The database with an account per role, each with the test password."""
    engine = open_database(url)
    first = Actor("root", frozenset(ROLES), single_user=True)  # the first admin: root
    for name, role in PEOPLE.items():
        add_account(engine, first, name, [role])
    with engine.begin() as connection:  # one real Argon2 hash, made once: hashing is slow
        connection.execute(update(table_of(Account)).values(password_hash=hashed_password()))
    engine.dispose()
    return url


@pytest.fixture
def accounts(sample_url: str) -> str:
    return with_accounts(sample_url)


@pytest.fixture
def pg_accounts(pg_sample_url: str) -> str:
    return with_accounts(pg_sample_url)


@functools.cache
def hashed_password() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def workspace(accounts: str) -> Iterator[TestClient]:
    app = create_app(accounts, secret=SECRET, upload_limit=2_000_000)
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def token(page_text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page_text)
    assert found, "every form carries a CSRF token"
    return found.group(1)


#: The second factor each account set up in this test process: its secret, the last step used.
SECOND_FACTORS: dict[str, tuple[str, int]] = {}


def code_for(name: str) -> str:
    """A code of the account's app that has not been used: the step after the last one used,
    within the steps the workspace takes (this one and one either side); waits for the next
    step when both are used. The step before this one only while ten seconds of this one are
    left: a busy machine's sign-in that crossed this step's end would find it out of the
    window."""
    import pyotp

    secret, last = SECOND_FACTORS[name]
    while True:  # bounded: at most one step (30 s) of waiting
        now = time.time()
        current = int(now // 30)
        oldest = current - 1 if now - current * 30 < 20 else current
        step = max(oldest, last + 1)
        if step <= current + 1:
            break
        time.sleep((step - 1) * 30 - time.time() + 0.05)
    SECOND_FACTORS[name] = (secret, step)
    return pyotp.TOTP(secret).at(step * 30)


def second_step(client: TestClient, name: str, answer):  # type: ignore[no-untyped-def]
    """Signing in's second step, as the person with the app would: set it up (reading the key
    the page shows) or give its code."""
    if "/sign-in/set-up" in str(answer.url):
        key = re.search(r'id="secret-key">([A-Z2-7]+)<', answer.text)
        assert key, "the set-up page shows the key"
        SECOND_FACTORS[name] = (key.group(1), -1)
        return client.post(
            "/sign-in/set-up",
            data={"csrf_token": token(answer.text), "code": code_for(name), "next": "/"},
        )
    if "/sign-in/code" in str(answer.url):
        return client.post(
            "/sign-in/code",
            data={"csrf_token": token(answer.text), "code": code_for(name), "next": "/"},
        )
    return answer


def sign_in(client: TestClient, name: str, password: str = PASSWORD):
    """Signed in as the account (with its second factor where it needs one)."""
    page = client.get("/sign-in")
    answer = client.post(
        "/sign-in",
        data={"csrf_token": token(page.text), "name": name, "password": password, "next": "/"},
    )
    return second_step(client, name, answer)


def wait_for(workspace, page):  # type: ignore[no-untyped-def]
    """A job's page, followed until the job ends (bounded)."""
    for _ in range(1200):  # bounded: a minute
        if "refreshes itself" not in page.text:
            return page
        time.sleep(0.05)
        page = workspace.get(str(page.url))
    raise AssertionError("the import did not finish")


def post(client: TestClient, path: str, data: dict | None = None, files=None, page: str = "/"):
    """A form posted the way the browser does: with the token of a page of this session."""
    return client.post(
        path, data={"csrf_token": token(client.get(page).text), **(data or {})}, files=files
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """Marks a test whose call failed, for the browser fixtures to save a screenshot."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.failed_call = True


def chunked_upload(csrf: str) -> Iterator[bytes]:
    """A multipart upload of 3 MB sent in chunks with no Content-Length (boundary "b")."""
    yield (
        b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + csrf.encode()
        + b'\r\n--b\r\nContent-Disposition: form-data; name="extracts"; '
        b'filename="families.csv"\r\nContent-Type: text/csv\r\n\r\n'
    )
    for _ in range(48):
        yield b"x" * 65536
    yield b"\r\n--b--\r\n"


# --- the browser tests' fixtures (tests/web/browsing.py) ------------------------------------------


@pytest.fixture
def server(accounts: str) -> Iterator[str]:
    """The workspace on the sample authority, served by uvicorn on a free loopback port."""
    from tests.web.browsing import free_port, serving

    yield from serving(accounts, free_port())


@pytest.fixture
def browser() -> Iterator:  # type: ignore[type-arg]
    from playwright.sync_api import sync_playwright

    from tests.web.browsing import CHROMIUM

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def signing_in(browser, request, tmp_path):  # type: ignore[no-untyped-def]
    """Signs people in to a workspace, one browser context each; a screenshot of each when the
    test fails."""
    from tests.web.browsing import signed_in

    pages = []

    def person(url: str, name: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        pages.append(signed_in(browser, url, name, password))
        return pages[-1]

    yield person
    failed = getattr(request.node, "failed_call", False)
    for number, page in enumerate(pages):
        if failed:
            page.screenshot(path=str(tmp_path / f"failed-{number}.png"), full_page=True)
        page.context.close()


@pytest.fixture
def person(signing_in, server):  # type: ignore[no-untyped-def]
    """A person signed in to the workspace on the sample authority."""
    return lambda name: signing_in(server, name)
