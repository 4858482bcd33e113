"""A county's size through the real path: `sfclaims serve --workers 2` started as a process, its
jobs run as production runs them (nothing here patches the process a job runs in), on an
authority large enough that every pool, batch and paging path is taken.

What makes each path run (sizes the tier's authority passes):
- deciding splits the families over a pool of processes from ``assessing.PARALLEL_FROM`` (4,000
  families whose episode started by the date) on a machine of more than one core;
- a run's page and the log are paged from their first page (``RUN_FAMILIES_PAGE``,
  ``LOG_PAGE`` rows), and the import writes its rows in batches of ``db.CHUNK``.
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

from sfclaims.assessing import PARALLEL_FROM
from sfclaims.db import open_database
from tests.web.conftest import with_accounts
from tests.web.test_workers import posted, served, signed_in, until_done

pytestmark = pytest.mark.county

FAMILIES = 4_500  # past PARALLEL_FROM however the synthetic authority's episodes fall
AS_OF = "2026-09-30"
CLI = [sys.executable, "-m", "sfclaims.cli"]


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county's extracts imported by the command line into a SQLite file (copied per test),
    with an account per role."""
    from sfclaims.synthetic import write_authority

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
        shown = until_done(server, cookies, started.headers["location"])
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
        shown = until_done(server, cookies, started.headers["location"])
        assert shown.status_code == 303, shown.text[shown.text.find("<main") :][:2000]
        web_run = shown.headers["location"].rsplit("/", 1)[1]
    assert run_families(county_url, web_run) == run_families(by_hand, cli_run)


def run_families(url: str, run: str) -> list[str]:
    engine = open_database(url)
    with engine.connect() as connection:
        found = list(
            connection.execute(
                text("SELECT family_id FROM claimed_families WHERE run_id = :run ORDER BY 1"),
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
        shown = until_done(server, cookies, job)
        assert "quarter-files" in shown.text, shown.text[shown.text.find("<main") :][:2000]
        with server.client(cookies) as client:
            zipped = client.get(f"{job}/report")
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as files:
        web = {name: files.read(name) for name in files.namelist()}
    assert web[f"decisions-{AS_OF}.csv"] == (tmp_path / "cli" / "decisions.csv").read_bytes()
    forecast = f"forecast-{AS_OF}.csv"
    assert web[forecast] == (tmp_path / "cli" / forecast).read_bytes()
