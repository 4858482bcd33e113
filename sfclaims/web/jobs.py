"""Long work in the background (an import of a quarter's extracts, deciding every family): the
page that started it shows its progress and then its result.

Each job is a row of the database (``models.StoredJob``), so any server process shows it, a
restart forgets nothing, and a job whose process died is shown as *interrupted* (the stage's own
transaction rolled back: nothing half-applied). It runs in a thread of the process that started
it, outside the request; its end is logged, a failure with its reason in the server's log.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Engine, insert, select, update
from sqlmodel import col

from sfclaims.activity import record_activity
from sfclaims.db import is_sqlite
from sfclaims.models import StoredJob

log = logging.getLogger("sfclaims.jobs")
RUNNER = f"{socket.gethostname()}:{os.getpid()}"
PROGRESS_EVERY = 0.5  # seconds between two writes of a job's progress


@dataclass
class Job:
    """A job as a page shows it."""

    id: str
    kind: str
    owner: str
    started: datetime
    status: str = "running"  # running, done, refused, interrupted
    progress: dict[str, tuple[int, int]] = field(default_factory=dict)  # file -> (done, total)
    result: Any = None  # JSON: what the job's page shows
    error: str = ""
    has_report: bool = False


class Running:
    """What the work hears while it runs: its progress, kept in this process and, on
    PostgreSQL, in the database now and then for every server process to show. (SQLite has one
    writer, the stage itself while it imports: there the progress stays in this process.)"""

    def __init__(self, engine: Engine, job_id: str) -> None:
        self.engine, self.id = engine, job_id
        self.progress: dict[str, tuple[int, int]] = {}
        self._written = 0.0

    def report(self, name: str, done: int, total: int) -> None:
        self.progress[name] = (done, total)
        now = time.monotonic()
        if is_sqlite(self.engine):
            return
        if now - self._written >= PROGRESS_EVERY or done == total:
            self._written = now
            with self.engine.begin() as connection:
                connection.execute(
                    update(StoredJob)
                    .where(col(StoredJob.id) == self.id)
                    .values(progress=orjson.dumps(self.progress).decode())
                )


#: What a job's work gives back: what its page shows (JSON), and a file to keep with it.
Outcome = tuple[Any, bytes | None]


class Jobs:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ended: dict[str, threading.Event] = {}  # this process's jobs, for a wait
        self._running: dict[str, Running] = {}  # this process's jobs, for their progress
        self.interrupt_the_dead()

    def start(self, kind: str, owner: str, work: Callable[[Running], Outcome]) -> Job:
        job_id = secrets.token_urlsafe(12)
        started = datetime.now(UTC)
        with self.engine.begin() as connection:
            connection.execute(
                insert(StoredJob).values(
                    id=job_id,
                    kind=kind,
                    owner=owner,
                    state="running",
                    started_at=started,
                    runner=RUNNER,
                    progress="{}",
                )
            )
        ended = self._ended[job_id] = threading.Event()
        running = self._running[job_id] = Running(self.engine, job_id)

        def run() -> None:
            from sfclaims.errors import SfclaimsError
            from sfclaims.web.pages import said

            values: dict[str, Any]
            try:
                shown, report = work(running)
                values = {"state": "done", "result": orjson.dumps(shown).decode(), "report": report}
            except SfclaimsError as error:
                values = {"state": "refused", "error": said(error)}
            except Exception:  # noqa: BLE001 - a sentence for the page, the reason for the log
                log.exception("job %s (%s) stopped", job_id, kind)
                what = "The import" if kind == "import" else "Deciding the families"
                values = {
                    "state": "refused",
                    "error": f"{what} stopped on a fault of sfclaims, which the server's log "
                    f"describes (job {job_id}). Nothing was changed.",
                }
            try:
                self._end(job_id, kind, owner, **values)
            finally:
                self._running.pop(job_id, None)
                ended.set()

        threading.Thread(target=run, name=f"sfclaims-{kind}", daemon=True).start()
        return Job(job_id, kind, owner, started)

    def _end(self, job_id: str, kind: str, owner: str, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(StoredJob)
                .where(col(StoredJob.id) == job_id)
                .values(ended_at=datetime.now(UTC), **values)
            )
            record_activity(connection, owner, f"{kind} job {values['state']}", job_id)

    def wait(self, job_id: str, seconds: float) -> bool:
        """Whether this process's job ended within the time (for tests and the command line)."""
        return self._ended[job_id].wait(seconds)

    def get(self, job_id: str, owner: str) -> Job | None:
        """The owner's job, from any server process; None for anyone else's."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(*StoredJob.__table__.c).where(  # type: ignore[attr-defined]
                    col(StoredJob.id) == job_id, col(StoredJob.owner) == owner
                )
            ).first()
        if row is None:
            return None
        progress = {k: tuple(v) for k, v in orjson.loads(row.progress or "{}").items()}
        here = self._running.get(job_id)
        if row.state == "running" and here is not None:
            progress = dict(here.progress)
        return Job(
            row.id,
            row.kind,
            row.owner,
            row.started_at,
            row.state,
            progress,
            orjson.loads(row.result) if row.result else None,
            row.error or "",
            row.report is not None,
        )

    def report(self, job_id: str, owner: str) -> bytes | None:
        with self.engine.connect() as connection:
            return connection.execute(
                select(col(StoredJob.report)).where(
                    col(StoredJob.id) == job_id,
                    col(StoredJob.owner) == owner,
                    col(StoredJob.state) == "done",
                )
            ).scalar()

    def latest_result(self, kind: str, where: Callable[[Any], bool]) -> Any:
        """The newest finished job's result of the kind that ``where`` accepts."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(col(StoredJob.result))
                .where(col(StoredJob.kind) == kind, col(StoredJob.state) == "done")
                .order_by(col(StoredJob.started_at).desc())
                .limit(20)
            ).scalars()
            for text in rows:
                shown = orjson.loads(text) if text else None
                if shown is not None and where(shown):
                    return shown
        return None

    def interrupt_the_dead(self) -> None:
        """Jobs left running by a process of this machine that is gone (stopped, killed): shown
        as interrupted, and logged. Their stage's transaction never committed."""
        host = socket.gethostname()
        with self.engine.begin() as connection:
            running = connection.execute(
                select(
                    col(StoredJob.id),
                    col(StoredJob.kind),
                    col(StoredJob.owner),
                    col(StoredJob.runner),
                ).where(col(StoredJob.state) == "running")
            ).all()
            for job_id, kind, owner, runner in running:
                where, _, pid = runner.rpartition(":")
                if where != host or not pid.isdigit() or _alive(int(pid)):
                    continue
                connection.execute(
                    update(StoredJob)
                    .where(col(StoredJob.id) == job_id)
                    .values(
                        state="interrupted",
                        ended_at=datetime.now(UTC),
                        error="The server stopped while this ran, so it was not finished; "
                        "nothing of it was kept. Start it again.",
                    )
                )
                record_activity(connection, owner, f"{kind} job interrupted", job_id)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
