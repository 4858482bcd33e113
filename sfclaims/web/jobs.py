"""Long work in the background (an import of a quarter's extracts): the page that started it
shows its progress and then its result. Kept in memory by the server process."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass
class Job:
    id: str
    kind: str
    owner: str
    started: datetime
    status: str = "running"  # running, done, refused
    progress: dict[str, tuple[int, int]] = field(default_factory=dict)  # file -> (done, total)
    result: Any = None
    error: str = ""
    ended: threading.Event = field(default_factory=threading.Event)  # set when it ends

    def report(self, name: str, done: int, total: int) -> None:
        self.progress[name] = (done, total)


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def start(self, kind: str, owner: str, work: Callable[[Job], Any]) -> Job:
        job = Job(secrets.token_urlsafe(12), kind, owner, datetime.now(UTC))
        with self._lock:
            self._jobs[job.id] = job

        def run() -> None:
            from sfclaims.errors import SfclaimsError
            from sfclaims.web.pages import said

            try:
                job.result = work(job)
                job.status = "done"
            except SfclaimsError as error:
                job.error, job.status = said(error), "refused"
            except Exception as error:  # noqa: BLE001 - shown as one sentence, never a trace
                what = "The import" if kind == "import" else "Deciding the families"
                job.error = f"{what} stopped: {type(error).__name__}. Nothing was changed."
                job.status = "refused"
            finally:
                job.ended.set()

        threading.Thread(target=run, name=f"sfclaims-{kind}", daemon=True).start()
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None
