"""Long work in the background (an import of a quarter's extracts, deciding every family): the
page that started it shows its progress and then its result.

Each job is a row of the database (``models.StoredJob``), so any server process shows it, a
restart forgets nothing, and a job whose process died is shown as *interrupted* (the stage's own
transaction rolled back: nothing half-applied). Its work runs in a process of its own, outside
the request and the server, with a memory limit (``RLIMIT_AS``): a reader that runs out of memory
or dies fails that job alone, with a sentence, and the server keeps answering. A thread of the
server watches it: its progress, its end (logged; a failure's reason in the server's log), its
files (``job_files``) removed when it ends, when the server stops, or at the next start.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, delete, insert, select, update
from sqlmodel import col

from sfclaims.platform.activity import record_activity
from sfclaims.platform.db import is_sqlite
from sfclaims.platform.job_files import job_folder, remove_job_files, remove_left_behind
from sfclaims.platform.models import StoredJob
from sfclaims.platform.processes import die_with_parent, end_with

log = logging.getLogger("sfclaims.jobs")
RUNNER = f"{socket.gethostname()}:{os.getpid()}"
PROGRESS_EVERY = 0.5  # seconds between two writes of a job's progress
JOB_NICENESS = 10  # a job's process (and its pool) yields the processor to the pages
JOB_MEMORY_MB = 4096  # a job's process may take this much address space (SFCLAIMS_JOB_MEMORY_MB)
INTERRUPTED = (
    "The server stopped while this ran, so it was not finished; nothing of it was kept. "
    "Start it again."
)


#: How a failure's sentence names each kind of job.
SUBJECTS = {
    "import": "The import",
    "decide": "Deciding the families",
    "claim run": "Making the claim run",
    "evidence pack": "Making the evidence pack",
}


def job_memory_mb() -> int:
    typed = os.environ.get("SFCLAIMS_JOB_MEMORY_MB", "")
    return int(typed) if typed.isdigit() and int(typed) > 0 else JOB_MEMORY_MB


@dataclass
class Job:
    """A job as a page shows it."""

    id: str
    kind: str
    owner: str
    started: datetime
    status: str = "running"  # running, asking, done, refused, interrupted
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


#: A stage's refusals (``SfclaimsError.remedy``) that the job's page turns into a question: the
#: job waits, its files kept, for its owner's yes (run again, the answer given) or no (ended).
QUESTIONS = frozenset({"allow empty"})


#: What a job's work gives back: what its page shows (JSON), and a file to keep with it.
Outcome = tuple[Any, bytes | None]
#: A job's work: a function of a module (its process imports it), given the database, the
#: job's arguments (its files' folder among them) and where to report progress.
Task = Callable[[Engine, dict[str, Any], Callable[[str, int, int], None]], Outcome]


class Jobs:
    def __init__(self, engine: Engine, memory_mb: int | None = None) -> None:
        self.engine = engine
        self.memory_mb = memory_mb or job_memory_mb()
        self._ended: dict[str, threading.Event] = {}  # this process's jobs, for a wait
        self._running: dict[str, Running] = {}  # this process's jobs, for their progress
        self._processes: dict[str, Any] = {}  # this process's jobs' own processes
        self._stopping = False
        self.interrupt_the_dead()

    def begin(self, kind: str, owner: str) -> Job:
        """A job row, running from now (its files may be put in ``folder`` before ``run``)."""
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
        return Job(job_id, kind, owner, started)

    def folder(self, job: Job) -> Path:
        """The job's own folder for its files (readable by the service alone; made empty, or
        the one kept while the job asks its question)."""
        return job_folder(self.engine, job.id)

    def abandon(self, job: Job) -> None:
        """A job that never ran (its upload was refused): no row, no files."""
        remove_job_files(self.engine, job.id)
        with self.engine.begin() as connection:
            connection.execute(delete(StoredJob).where(col(StoredJob.id) == job.id))

    def start(self, kind: str, owner: str, task: Task, arguments: dict[str, Any]) -> Job:
        job = self.begin(kind, owner)
        self.run(job, task, arguments)
        return job

    def run(self, job: Job, task: Task, arguments: dict[str, Any]) -> None:
        """Run the task in a process of its own, watched by a thread of this one."""
        ended = self._ended[job.id] = threading.Event()
        running = self._running[job.id] = Running(self.engine, job.id)
        url = self.engine.url.render_as_string(hide_password=False)
        context = job_processes()
        receiving, sending = context.Pipe(duplex=False)
        server_alive, alive_here = context.Pipe(duplex=False)  # this end is never written to
        process = context.Process(
            target=_work,
            args=(url, task, arguments, self.memory_mb, os.getpid(), sending, server_alive),
            name=f"sfclaims-{job.kind}-job",
            # not a daemon: the engine's own path may start a pool of processes in it (deciding
            # a county), which a daemon may not. It still dies with the server (PDEATHSIG in
            # ``_work``), and ``stop`` ends it when the server stops.
            daemon=False,
        )

        def watch() -> None:
            message: tuple[Any, ...] = ("died",)
            try:
                process.start()
                sending.close()  # the process has its own end: an EOF now means it ended
                server_alive.close()
                self._processes[job.id] = process
                while True:
                    try:
                        got = receiving.recv()
                    except EOFError:
                        break
                    if got[0] == "progress":
                        running.report(*got[1:])
                    else:
                        message = got
                process.join()
            except Exception:  # noqa: BLE001 - a process that would not start is a fault
                log.exception("job %s (%s) could not start", job.id, job.kind)
                message = ("fault",)
            finally:
                receiving.close()
                alive_here.close()
            ending = {"state": "refused"}
            try:
                ending = self._ending(job, message, process.exitcode)
                self._end(job, **ending)
            finally:
                if ending["state"] != "asking":  # a question keeps the files for the answer
                    remove_job_files(self.engine, job.id)
                if self._running.get(job.id) is running:  # not a run begun on the answer since
                    self._running.pop(job.id, None)
                if self._processes.get(job.id) is process:
                    self._processes.pop(job.id, None)
                ended.set()

        threading.Thread(target=watch, name=f"sfclaims-{job.kind}", daemon=True).start()

    def _ending(self, job: Job, message: tuple[Any, ...], exitcode: int | None) -> dict[str, Any]:
        """What the job's row keeps of how its process ended."""
        what = SUBJECTS.get(job.kind, "The work")
        if message[0] == "done":
            return {
                "state": "done",
                "result": orjson.dumps(message[1]).decode(),
                "report": message[2],
            }
        if message[0] == "refused":
            remedy, about = message[2], message[3]
            if remedy in QUESTIONS and not self._stopping:
                asked = {"remedy": remedy, **about}
                return {
                    "state": "asking",
                    "error": message[1],
                    "result": orjson.dumps(asked).decode(),
                }
            return {"state": "refused", "error": message[1]}
        if self._stopping:
            return {"state": "interrupted", "error": INTERRUPTED}
        if message[0] == "fault":
            return {
                "state": "refused",
                "error": f"{what} stopped on a fault of sfclaims, which the server's log "
                f"describes (job {job.id}). Nothing was changed.",
            }
        log.warning(
            "job %s (%s) ran out of memory or its process ended (exit code %s)",
            job.id,
            job.kind,
            exitcode,
        )
        return {
            "state": "refused",
            "error": f"{what} needed more memory than a job may have "
            f"({self.memory_mb:,} MB), or its process was stopped, so it was not finished; "
            "nothing of it was kept. The server goes on.",
        }

    def stop(self, seconds: float = 10) -> None:
        """The server is stopping: end this process's jobs, shown as interrupted, their files
        removed."""
        self._stopping = True
        for process in list(self._processes.values()):
            if process.is_alive():
                process.terminate()
        for ended in list(self._ended.values()):
            ended.wait(seconds)

    def _end(self, job: Job, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(StoredJob)
                .where(col(StoredJob.id) == job.id)
                .values(ended_at=datetime.now(UTC), **values)
            )
            record_activity(connection, job.owner, f"{job.kind} job {values['state']}", job.id)

    def answered(self, job: Job, task: Task, arguments: dict[str, Any]) -> bool:
        """The owner said yes to the job's question: the job runs again, here, on its kept files
        (``arguments`` carry the answer). False when it was answered already (a second click,
        another tab): the question is taken by one answer alone."""
        running = {"state": "running", "runner": RUNNER, "error": None, "result": None}
        if not self._take_answer(job, **running, ended_at=None):
            return False
        self.run(job, task, arguments)
        return True

    def declined(self, job: Job, sentence: str) -> bool:
        """The owner said no to the job's question: it ends refused, in their words, and its
        files go (False when it was answered already)."""
        if not self._take_answer(job, state="refused", error=sentence, ended_at=datetime.now(UTC)):
            return False
        with self.engine.begin() as connection:
            record_activity(connection, job.owner, f"{job.kind} job refused", job.id)
        remove_job_files(self.engine, job.id)
        return True

    def _take_answer(self, job: Job, **values: Any) -> bool:
        """The job leaves its question for the state given, if no other answer took it first."""
        with self.engine.begin() as connection:
            taken = connection.execute(
                update(StoredJob)
                .where(col(StoredJob.id) == job.id, col(StoredJob.state) == "asking")
                .values(**values)
            ).rowcount
        return taken == 1

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

    def interrupt_the_dead(self) -> None:
        """Jobs left running (or asking a question) by a process of this machine that is gone
        (stopped, killed): shown as interrupted, and logged. Their stage's transaction never committed; their files, and
        any other job's that is over, are removed."""
        host = socket.gethostname()
        with self.engine.begin() as connection:
            running = connection.execute(
                select(
                    col(StoredJob.id),
                    col(StoredJob.kind),
                    col(StoredJob.owner),
                    col(StoredJob.runner),
                ).where(col(StoredJob.state).in_(("running", "asking")))
            ).all()
            still = set()
            for job_id, kind, owner, runner in running:
                where, _, pid = runner.rpartition(":")
                if where != host or not pid.isdigit() or _alive(int(pid)):
                    still.add(job_id)
                    continue
                connection.execute(
                    update(StoredJob)
                    .where(col(StoredJob.id) == job_id)
                    .values(
                        state="interrupted",
                        ended_at=datetime.now(UTC),
                        error=INTERRUPTED,
                    )
                )
                record_activity(connection, owner, f"{kind} job interrupted", job_id)
        remove_left_behind(self.engine, still)  # the files of every job that is over


#: What a job's process runs, loaded once into the process that forks every job: a job starts in
#: a tenth of a second, not the second and more that importing them anew would take.
PRELOADED = ["sfclaims.actions", "sfclaims.intake.importing", "sfclaims.deciding.assessing"]


def job_processes() -> Any:
    """Where a job's process comes from: a fork of a clean, single-threaded process (Python's
    forkserver, started once by each server process with the engine loaded, since a server's
    own process has threads a fork would copy mid-lock); ``spawn`` where there is no
    forkserver."""
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    return context


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


def _work(
    url: str,
    task: Task,
    arguments: dict[str, Any],
    memory_mb: int,
    server: int,
    sending: Connection,
    server_alive: Connection,
) -> None:
    """A job's own process: dies with the server, holds no more than its memory limit, and
    sends its progress and then how it ended."""
    import resource

    die_with_parent()  # killed at once if the process that forked it dies (spawn: the server)
    end_with(server_alive)
    if not _alive(server):
        return  # the server died before the line above
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.nice(JOB_NICENESS)  # the pages people wait on come first; a job takes what is left

    from sfclaims.platform.db import open_database
    from sfclaims.platform.errors import SfclaimsError
    from sfclaims.platform.memory import one_piece_of_work
    from sfclaims.words import WORKSPACE

    one_piece_of_work()

    engine = open_database(url)
    sent = 0.0

    def report(name: str, done: int, total: int) -> None:
        nonlocal sent
        now = time.monotonic()
        if done == total or now - sent >= 0.1:
            sent = now
            sending.send(("progress", name, done, total))

    try:
        shown, kept = task(engine, arguments, report)
        sending.send(("done", shown, kept))
    except SfclaimsError as error:
        sending.send(("refused", error.worded(WORKSPACE), error.remedy, error.about))
    except MemoryError:
        sending.send(("memory",))
    except Exception as error:  # noqa: BLE001 - the reason to the server's log, a sentence to the page
        known = known_condition(error)
        if known is not None:
            log.warning("a job's work stopped: %s", known)
            sending.send(("refused", known, None, {}))
        else:
            log.exception("a job's work stopped")
            sending.send(("memory",) if _near(limit) else ("fault",))
    finally:
        engine.dispose()
        sending.close()


def known_condition(error: BaseException) -> str | None:
    """A condition of the machine, not a fault of sfclaims, in one sentence with what to do: a
    full disk, or a database too busy to answer in time. None for anything else."""
    from sfclaims.platform.db import is_busy
    from sfclaims.platform.errors import DISK_FULL

    if isinstance(error, OSError) and error.errno in DISK_FULL or "disk is full" in str(error):
        return (
            "The server's disk is full, so the work could not be finished; nothing of it was "
            "kept and its files were removed. Tell whoever runs the server, then start it again."
        )
    if is_busy(error):
        return (
            "The database was busy with other work for too long, so this was not finished; "
            "nothing of it was kept. Start it again in a moment."
        )
    return None


def _near(limit: int) -> bool:
    """Whether this process's address space came within a tenth of its limit: a library that
    could not map or allocate memory says so in its own words (an ImportError of a shared
    object, a C++ bad_alloc), so the peak is the witness."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return False
    for line in status.splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024 >= limit * 0.9
    return False
