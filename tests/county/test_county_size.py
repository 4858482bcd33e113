"""A county's size through the real path: `sfclaims serve --workers 2` started as a process, its
jobs run as production runs them (nothing here patches the process a job runs in), on an
authority large enough that every pool, batch and paging path is taken.

What makes each path run (sizes the tier's authority passes):
- deciding splits the families over a pool of processes from ``assessing.PARALLEL_FROM`` (4,000
  families whose episode started by the date) on a machine of more than one core;
- a run's page and the log are paged from their first page (``RUN_PAGE`` families,
  ``activity.LOG_PAGE`` changes), and an import stages its rows in chunks of ``db.CHUNK``
  (50,000: the busy county's attendance and outcomes pass it).
Each web result is held against the command line's for the same database and date.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfclaims.claims import RUN_PAGE
from sfclaims.deciding.assessing import PARALLEL_FROM
from sfclaims.platform.db import CHUNK, open_database
from tests.web.conftest import with_accounts
from tests.web.test_workers import posted, served, signed_in, until_done

pytestmark = pytest.mark.county

FAMILIES = 4_500  # past PARALLEL_FROM however the synthetic authority's episodes fall
BUSY_FAMILIES = 2_500  # the county imported while people read: its attendance passes db.CHUNK
AS_OF = "2026-09-30"
THINKING = 0.1  # seconds a person takes between one page and the next: a brisk one
CLI = [sys.executable, "-m", "sfclaims.cli"]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county's extracts imported by the command line into a SQLite file (copied per test),
    with an account per role."""
    from sfclaims.intake.synthetic import write_authority

    folder = tmp_path_factory.mktemp("county")
    write_authority(folder / "extracts", families=FAMILIES, bad_rows=False, xlsx_kinds=())
    database = folder / "county.db"
    with_accounts(f"sqlite:///{database}")
    cli(
        f"sqlite:///{database}",
        *("import", str(folder / "extracts"), "--report-dir", str(folder)),
        by="dora",
    )
    engine = open_database(f"sqlite:///{database}")
    with engine.connect() as connection:
        started = connection.execute(
            text("SELECT count(*) FROM families WHERE episode_start <= :day"), {"day": AS_OF}
        ).scalar()
    engine.dispose()
    assert started >= PARALLEL_FROM, "the tier's authority must take the decide's pool"
    return database


@pytest.fixture
def county_url(county: Path, tmp_path: Path) -> Iterator[str]:
    copy = tmp_path / "county.db"
    shutil.copyfile(county, copy)
    yield f"sqlite:///{copy}"


def cli(url: str, *arguments: str, by: str = "carl") -> subprocess.CompletedProcess:
    """The command as the person runs it, logged in to the machine as themselves."""
    done = subprocess.run(
        [*CLI, "--database-url", url, *arguments],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LOGNAME": by, "SFCLAIMS_USER": ""},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def cli_copy(url: str, to: Path) -> str:
    """A copy of the database for the command line's own answer, as it stands now."""
    shutil.copyfile(url.removeprefix("sqlite:///"), to)
    return f"sqlite:///{to}"


def test_deciding_a_county_in_the_workspace_gives_the_command_lines_decisions(
    county_url: str, tmp_path: Path
) -> None:
    by_hand = cli_copy(county_url, tmp_path / "by-hand.db")
    cli(by_hand, "assess", "--as-of", AS_OF, "--out", str(tmp_path / "cli.csv"))
    with served(county_url, "--workers", "2") as server:
        cookies = signed_in(server, "carl")
        started = posted(server, cookies, "/decide", "/", data={"as_of": AS_OF})
        shown = until_done(server, cookies, started.headers["location"], within=600)
        assert shown.status_code == 303, shown.text[shown.text.find("<main") :][:2000]
    engine = open_database(county_url)
    with engine.connect() as connection:
        stored = dict(
            connection.execute(
                text("SELECT family_id, reasons FROM decisions WHERE as_of = :day"),
                {"day": AS_OF},
            ).all()
        )
    engine.dispose()
    with (tmp_path / "cli.csv").open(encoding="utf-8") as f:
        expected = {row["family_id"]: row["reasons"] for row in csv.DictReader(f)}
    assert len(expected) >= PARALLEL_FROM
    assert {k: v or "" for k, v in stored.items()} == expected


def test_a_claim_run_made_in_the_workspace_holds_the_command_lines_families(
    county_url: str, tmp_path: Path
) -> None:
    by_hand = cli_copy(county_url, tmp_path / "by-hand.db")
    made = cli(by_hand, "claim", "run", "--period", "2025-Q1", "--as-of", AS_OF)
    cli_run = made.stdout.strip().splitlines()[-1]
    with served(county_url, "--workers", "2") as server:
        cookies = signed_in(server, "carl")
        started = posted(
            server,
            cookies,
            "/claims",
            "/claims",
            data={"period": "2025-Q1", "as_of": AS_OF},
        )
        shown = until_done(server, cookies, started.headers["location"], within=600)
        assert shown.status_code == 303, shown.text[shown.text.find("<main") :][:2000]
        web_run = shown.headers["location"].rsplit("/", 1)[1]
        with server.client(cookies) as client:  # the run's page: a page of its families
            first, last = (
                client.get(f"/claims/{web_run}"),
                client.get(f"/claims/{web_run}?page=999"),
            )
    assert run_families(county_url, web_run) == run_families(by_hand, cli_run)
    every = run_families(county_url, web_run, "position")
    assert len(every) > RUN_PAGE and 'id="next-page"' in first.text
    assert (
        f"/families/{every[0]}?" in first.text and f"/families/{every[RUN_PAGE]}?" not in first.text
    )
    assert f"/families/{every[-1]}?" in last.text


def run_families(url: str, run: str, order: str = "family_id") -> list[str]:
    engine = open_database(url)
    with engine.connect() as connection:
        found = list(
            connection.execute(
                text(
                    f"SELECT family_id FROM claimed_families WHERE run_id = :run ORDER BY {order}"
                ),
                {"run": run},
            ).scalars()
        )
    engine.dispose()
    assert found, f"run {run} holds families"
    return found


def test_the_quarters_files_from_the_workspace_are_the_command_lines(
    county_url: str, tmp_path: Path
) -> None:
    by_hand = cli_copy(county_url, tmp_path / "by-hand.db")
    cli(by_hand, "assess", "--as-of", AS_OF, "--out", str(tmp_path / "cli" / "decisions.csv"))
    cli(by_hand, "forecast", "--as-of", AS_OF, "--out", str(tmp_path / "cli"))
    with served(county_url, "--workers", "2") as server:
        cookies = signed_in(server, "carl")
        started = posted(server, cookies, "/quarter-files", "/", data={"as_of": AS_OF})
        job = started.headers["location"]
        shown = until_done(server, cookies, job, within=600)
        assert "quarter-files" in shown.text, shown.text[shown.text.find("<main") :][:2000]
        with server.client(cookies) as client:
            zipped = client.get(f"{job}/report")
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as files:
        web = {name: files.read(name) for name in files.namelist()}
    assert web[f"decisions-{AS_OF}.csv"] == (tmp_path / "cli" / "decisions.csv").read_bytes()
    # the command line's forecast reads the decisions its assess kept; the workspace's is made
    # from the decide it has just run: the same files
    for forecast in (f"forecast-{AS_OF}.csv", f"forecast-{AS_OF}.xlsx"):
        assert web[forecast] == (tmp_path / "cli" / forecast).read_bytes(), forecast


#: What the readers ask for while the import runs: every page kind that grows with a county.
def pages_to_read(run: str, family: str) -> list[str]:
    return [
        f"/?as_of={AS_OF}",
        f"/families/{family}?as_of={AS_OF}",
        f"/near-misses?as_of={AS_OF}",
        f"/claims/{run}",
        "/log",
        f"/work-lists?as_of={AS_OF}&list=waiting",
        "/imports",
    ]


def test_twenty_people_read_and_sign_in_while_a_county_is_imported_with_no_fault(
    county_url: str, tmp_path: Path
) -> None:
    """An import of another county-size folder uploaded through the page and run by the job
    runner while 16 people read every kind of page and 4 sign in again and again (each a write
    of a session): every answer is a page (2xx or 3xx), none a fault, no connection is reset,
    and the import ends imported.

    Each person pauses between clicks (``THINKING``) as people do: with none, twenty loops on
    two cores starve the import's job (it runs at nice 10 so that pages come first) and on a
    busy machine it did not end in minutes. The pause paces the load; it orders nothing (the
    reader that meets an import mid-swap is proven in tests/web/test_busy.py by events)."""
    import threading

    import httpx

    from sfclaims.intake.synthetic import write_authority

    cli(county_url, "assess", "--as-of", AS_OF)
    made = cli(county_url, "claim", "run", "--period", "2025-Q1", "--as-of", AS_OF)
    run = made.stdout.strip().splitlines()[-1]
    family = run_families(county_url, run)[0]
    other = write_authority(tmp_path / "busy", families=BUSY_FAMILIES, shape="busy", xlsx_kinds=())
    with (other.folder / "attendance.csv").open(encoding="utf-8") as rows:
        assert sum(1 for _ in rows) > CHUNK + 1, "the import must stage in more than one chunk"
    archive = tmp_path / "busy.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
        for file in sorted(other.folder.glob("*.csv")):
            packed.write(file, file.name)
    answers: list[tuple[str, int]] = []
    faults: list[str] = []
    importing = threading.Event()
    finished = threading.Event()

    with served(county_url, "--workers", "2") as server:
        officer = signed_in(server, "dora")
        carl = signed_in(server, "carl")  # one session, read from by four people at once
        readers = [carl] * 4

        def read(cookies: dict[str, str], seed: int) -> None:
            paths = pages_to_read(run, family)
            with server.client(cookies) as client:
                turn = seed
                while not finished.is_set():  # bounded: the import's end (itself bounded)
                    path = paths[turn % len(paths)]
                    turn += 1
                    try:
                        answer = client.get(path)
                    except httpx.TransportError as error:
                        faults.append(f"{path}: {error!r}")
                        continue
                    if importing.is_set():
                        answers.append((path, answer.status_code))
                    finished.wait(THINKING)

        def sign_in_again() -> None:
            while not finished.is_set():  # bounded, as above
                try:
                    cookies = signed_in(server, "dora")  # a password alone: as often as asked
                except (AssertionError, httpx.TransportError) as error:
                    faults.append(f"sign-in: {error!r}"[:300])
                    continue
                if importing.is_set():
                    answers.append(("/sign-in", 303 if cookies else 0))
                finished.wait(
                    THINKING * 4
                )  # a sign-in's password check is a page's work many times over

        people = [
            threading.Thread(target=read, args=(readers[n % len(readers)], n)) for n in range(16)
        ] + [threading.Thread(target=sign_in_again) for _ in range(4)]
        for person in people:
            person.start()
        try:
            with server.client(officer) as client, archive.open("rb") as handle:
                from tests.web.conftest import token

                csrf = token(client.get("/imports").text)
                started = client.post(
                    "/imports",
                    data={"csrf_token": csrf},
                    files={"extracts": (archive.name, handle, "application/zip")},
                )
            importing.set()
            ended = until_done(server, officer, started.headers["location"], within=600)
        finally:
            finished.set()
            for person in people:
                person.join(120)
    assert "import-result" in ended.text, ended.text[ended.text.find("<main") :][:2000]
    assert not faults, faults[:5]
    assert answers, "people were answered while the import ran"
    assert [a for a in answers if a[1] >= 500 or a[1] == 0] == []
