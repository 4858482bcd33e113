"""Where the workspace keeps a job's files while it runs (an upload's extracts, the reports the
import writes): a folder only the service's own user can read, under ``SFCLAIMS_WORK_DIR`` (else
``~/.local/state/sfclaims/work``), one per database (named by its identity and where it is) and
one per job.

The files are removed when the job ends, when the server stops, at the next start for a job
whose process died, and by purge: personal data is never left behind in a temporary folder."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sqlalchemy import Connection, Engine, select
from sqlmodel import col

from sfclaims.platform.db import sqlite_file
from sfclaims.platform.models import Workspace


def identity(connection: Connection) -> str:
    """This database's own identity (migration 0021)."""
    return connection.execute(select(col(Workspace.identity))).scalar_one()


def _private(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def work_root(engine: Engine) -> Path:
    """This database's folder of job files: by its identity and where it is (its file, or its
    server and name), so that a server on a copy of the database — which has the same
    identity — keeps its files apart and never removes the live server's."""
    base = os.environ.get("SFCLAIMS_WORK_DIR") or Path.home() / ".local/state/sfclaims/work"
    with engine.connect() as connection:
        return _private(Path(base) / identity(connection) / _where(engine))


def _where(engine: Engine) -> str:
    """A short name for where the database is: a hash of its file's path, or of its URL without
    the password."""
    file = sqlite_file(engine)
    place = str(file) if file is not None else engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(place.encode()).hexdigest()[:16]


def job_folder(engine: Engine, job_id: str) -> Path:
    """A new, empty folder for one job's files."""
    return _private(work_root(engine) / job_id)


def remove_job_files(engine: Engine, job_id: str) -> None:
    shutil.rmtree(work_root(engine) / job_id, ignore_errors=True)


def remove_left_behind(engine: Engine, running: set[str]) -> int:
    """Remove the files of every job that is not running; how many jobs' files went."""
    removed = 0
    for folder in work_root(engine).iterdir():
        if folder.name not in running:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def outcome_plans(engine: Engine) -> Path:
    """Where the workspace keeps the local outcome plans an admin uploads (readable by the
    service alone), beside the jobs' folder: ``SFCLAIMS_PLANS_DIR``, else
    ``~/.local/state/sfclaims/outcome-plans``, one folder per database. The settings name the
    file and its hash, and every decision checks the hash, so a plan changed on disk is
    refused, never used."""
    base = (
        os.environ.get("SFCLAIMS_PLANS_DIR") or Path.home() / ".local/state/sfclaims/outcome-plans"
    )
    with engine.connect() as connection:
        return _private(Path(base) / identity(connection))
