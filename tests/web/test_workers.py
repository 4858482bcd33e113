"""`sfclaims serve` as a council runs it, a process of its own: two server processes on one port
sharing sessions, jobs and figures through the database; a job outliving a server killed under
it; hostile uploads and a burst of wrong sign-ins while others go on working."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import text

from sfclaims.platform.db import open_database
from tests.conftest import SAMPLE_AUTHORITY
from tests.web.conftest import PASSWORD, SECOND_FACTORS, SECRET, chunked_upload, code_for, token
from tests.web.test_pages import extract_files


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    """The process's children, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    below = children(pid)
    return below + [d for child in below for d in descendants(child)]


@dataclass
class Server:
    process: subprocess.Popen
    base: str

    def client(self, cookies: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.base, cookies=cookies, timeout=60)


@contextmanager
def served(url: str, *options: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    """`sfclaims serve` on the database until the block ends, then stopped as Ctrl+C does
    (unless the test stopped it first)."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sfclaims.cli", "--database-url", url, "serve"]
        + ["--port", str(port), *options],
        env={**os.environ, "SFCLAIMS_SECRET_KEY": SECRET, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    workers = int(options[options.index("--workers") + 1]) if "--workers" in options else 0
    try:
        deadline = time.monotonic() + 60
        while True:  # bounded: until it listens (and every worker process asked for has begun)
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                listening = httpx.get(f"{base}/healthz").text == "ok"
            except httpx.TransportError:
                listening = False
            if listening and len(children(server.pid)) >= workers:
                break
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield Server(server, base)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        server.wait()
        if server.stderr:
            server.stderr.close()


def signed_in(server: Server, name: str) -> dict[str, str]:
    """The cookies of a new session of the account's, its second factor given (set up at its
    first sign-in, as the person does with their app) where its role needs one."""
    with server.client() as client:
        page = client.get("/sign-in")
        answer = client.post(
            "/sign-in",
            data={"csrf_token": token(page.text), "name": name, "password": PASSWORD, "next": "/"},
        )
        assert answer.status_code == 303, answer.text[:300]
        step = answer.headers["location"].split("?")[0]
        if step in ("/sign-in/set-up", "/sign-in/code"):
            asked = client.get(answer.headers["location"])
            if step == "/sign-in/set-up":
                key = re.search(r'id="secret-key">([A-Z2-7]+)<', asked.text)
                assert key, "the set-up page shows the key"
                SECOND_FACTORS[name] = (key.group(1), -1)
            given = client.post(
                step, data={"csrf_token": token(asked.text), "code": code_for(name), "next": "/"}
            )
            assert given.status_code in (200, 303), given.text[:300]
        return dict(client.cookies)


def posted(server: Server, cookies: dict[str, str], path: str, page: str, **sent) -> httpx.Response:
    with server.client(cookies) as client:
        csrf = token(client.get(page).text)
        return client.post(path, data={"csrf_token": csrf, **sent.pop("data", {})}, **sent)


def main_of(page: httpx.Response) -> str:
    """The page's main part, for a failure's message."""
    return page.text[page.text.find("<main") :][:3000]


def until_done(
    server: Server, cookies: dict[str, str], job: str, within: float = 120
) -> httpx.Response:
    deadline = time.monotonic() + within
    while True:  # bounded: the job's page, from whichever process answers, until it ends
        with server.client(cookies) as client:
            shown = client.get(job)
        if shown.status_code != 200 or "refreshes itself" not in shown.text:
            return shown
        assert time.monotonic() < deadline, "the job did not end"
        time.sleep(0.2)


def test_two_server_processes_share_sessions_and_jobs(accounts):
    with served(accounts, "--workers", "2") as server:
        assert len(children(server.process.pid)) >= 2  # two worker processes under uvicorn
        # many short connections: the kernel hands them to either process; every one knows the
        # session made by whichever process signed carl in
        cookies = signed_in(server, "carl")
        for _ in range(20):
            with server.client(cookies) as fresh:
                assert fresh.get("/claims").status_code == 200
        started = posted(server, cookies, "/decide", "/", data={"as_of": "30/09/2025"})
        shown = until_done(server, cookies, started.headers["location"])
        assert shown.status_code == 303 and shown.headers["location"] == "/?as_of=2025-09-30"
        with server.client(cookies) as fresh:
            assert "The quarters ahead" in fresh.get("/?as_of=2025-09-30").text


def test_a_job_killed_with_its_server_shows_as_interrupted_after_a_restart(pg_accounts):
    """An import held waiting on a table lock; the server killed with SIGKILL: the job's own
    process dies with it (nothing of the import is applied), and the server started again shows
    the job as interrupted, logged, with its uploaded files gone."""
    import psycopg

    from sfclaims.platform.job_files import work_root

    engine = open_database(pg_accounts)
    with engine.connect() as connection:
        batches = connection.execute(text("SELECT count(*) FROM import_batches")).scalar()
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with served(pg_accounts) as server, psycopg.connect(dsn) as holder:
        cookies = signed_in(server, "dora")
        with server.client(cookies) as client:
            csrf = token(client.get("/imports").text)  # the page reads the imports: before
            holder.execute("LOCK TABLE import_batches IN ACCESS EXCLUSIVE MODE")
            started = client.post("/imports", data={"csrf_token": csrf}, files=extract_files())
        job = started.headers["location"]
        job_id = job.rsplit("/", 1)[1]
        deadline = time.monotonic() + 60
        while True:  # bounded: until the job's process waits on the lock the test holds
            with engine.connect() as connection:
                waiting = connection.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
                ).scalar()
            if waiting:
                break
            assert time.monotonic() < deadline, "the import never reached the table"
            time.sleep(0.1)
        assert (work_root(engine) / job_id / "upload").is_dir()  # its files, while it runs
        working = descendants(server.process.pid)
        assert working, "the job runs in a process of its own"
        server.process.kill()  # SIGKILL: no goodbye
        server.process.wait()
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in working):  # bounded: they die too
            assert time.monotonic() < deadline, "the job's process outlived its server"
            time.sleep(0.1)
        holder.rollback()
    with served(pg_accounts) as again:
        shown = until_done(again, signed_in(again, "dora"), job)
        assert "The import was interrupted" in shown.text
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM import_batches")).scalar() == batches
        logged = connection.execute(
            text("SELECT count(*) FROM activity_log WHERE action = 'import job interrupted'")
        ).scalar()
    assert logged == 1
    assert not (work_root(engine) / job_id).exists()
    engine.dispose()


def test_hostile_uploads_fail_alone_while_the_server_answers_everyone_else(accounts, tmp_path):
    """The 1.6 KB workbook with a far cell in single quotes, an upload streamed past the limit
    with no length, and an ordinary import in a job process allowed too little memory: each is
    refused with a sentence, and the server answers another person's page all along."""
    from tests.extracts.test_limits import HEADER_ROW, crafted_xlsx

    far = crafted_xlsx(
        tmp_path / "previous_claims.xlsx",
        "A1:A2",
        HEADER_ROW + "<row r='2'><c r='XFD1048576' t='inlineStr'><is><t>x</t></is></c></row>",
    )
    assert far.stat().st_size < 2_000
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with served(accounts, "--upload-limit-mb", "2") as s:
        dora, carl = signed_in(s, "dora"), signed_in(s, "carl")
        started = posted(
            s,
            dora,
            "/imports",
            "/imports",
            files=[("extracts", (far.name, far.read_bytes(), xlsx))],
        )
        shown = until_done(s, dora, started.headers["location"])
        assert "16,384 columns wide" in shown.text, main_of(shown)
        with s.client(carl) as other:
            assert other.get("/claims").status_code == 200

        with s.client(dora) as client:
            csrf = token(client.get("/imports").text)
            try:
                refused = client.post(
                    "/imports",
                    content=chunked_upload(csrf),
                    headers={"content-type": "multipart/form-data; boundary=b"},
                )
                assert refused.status_code == 413
            except httpx.RemoteProtocolError:
                pass  # refused and closed before the whole body was sent: as good
        with s.client(carl) as other:
            assert other.get("/claims").status_code == 200

    with served(accounts, env={"SFCLAIMS_JOB_MEMORY_MB": "256"}) as s:
        dora, carl = signed_in(s, "dora"), signed_in(s, "carl")
        started = posted(s, dora, "/imports", "/imports", files=extract_files())
        shown = until_done(s, dora, started.headers["location"])
        assert "needed more memory than a job may have (256 MB)" in shown.text, main_of(shown)
        with s.client(carl) as other:
            assert other.get("/claims").status_code == 200
            assert other.get("/healthz").text == "ok"


def test_forty_wrong_sign_ins_at_once_are_refused_while_another_persons_pages_are_answered(
    accounts,
):
    """40 clients send wrong passwords at the same moment (each an Argon2 check); every one is
    refused and none locks the server up: a signed-in person's pages are answered all the
    while. How long those pages take is measured by benchmarks/web_benchmark.py, not here."""
    with served(accounts) as server:
        carl = signed_in(server, "carl")
        ready = threading.Barrier(41)
        guessing = threading.Event()
        left = [40]
        lock = threading.Lock()
        answers: list[int] = []

        def guess(n: int) -> None:
            with server.client() as client:
                csrf = token(client.get("/sign-in").text)
                ready.wait()
                guessing.set()
                answer = client.post(
                    "/sign-in",
                    data={"csrf_token": csrf, "name": f"guess{n}", "password": "wrong " * 3},
                )
            with lock:
                answers.append(answer.status_code)
                left[0] -= 1

        guessers = [threading.Thread(target=guess, args=(n,)) for n in range(40)]
        for guesser in guessers:
            guesser.start()
        ready.wait()
        guessing.wait()
        still_guessing = []  # after each of the person's pages: guesses not yet answered
        with server.client(carl) as client:
            while True:  # bounded: until the 40 answers are in
                with lock:
                    if not left[0]:
                        break
                assert client.get("/claims").status_code == 200
                with lock:
                    still_guessing.append(left[0])
        for guesser in guessers:
            guesser.join()
        assert sorted(set(answers)) == [400]  # every guess refused, none of them locked out
        assert still_guessing, "the person's page was asked for while the guesses were answered"
        assert still_guessing[0] > 0, "a page came back while guesses were still waiting"


def test_a_server_on_a_copy_of_the_database_leaves_the_originals_job_files_alone(
    accounts, tmp_path
):
    """A copy made before the live server's import (as a backup restored for a look): its
    server starts, tidies its own jobs' files, and the live import's kept files are still there
    for its answer, which imports them."""
    import shutil

    from sfclaims.platform.job_files import work_root

    copy = tmp_path / "copy.db"
    shutil.copyfile(accounts.removeprefix("sqlite:///"), copy)
    header = (SAMPLE_AUTHORITY / "referrals.csv").read_text(encoding="utf-8").splitlines()[0]
    files = [f for f in extract_files() if f[1][0] != "referrals.csv"]
    files.append(("extracts", ("referrals.csv", (header + "\n").encode(), "text/csv")))
    engine = open_database(accounts)
    with served(accounts) as live:
        dora = signed_in(live, "dora")
        started = posted(live, dora, "/imports", "/imports", files=files)
        job = started.headers["location"]
        asking = until_done(live, dora, job)
        assert "import it as empty?" in asking.text, main_of(asking)
        kept = work_root(engine) / job.rsplit("/", 1)[1]
        assert (kept / "upload" / "families.csv").is_file()
        with served(f"sqlite:///{copy}") as other:  # started, and so tidied, on the copy
            assert signed_in(other, "dora")
        assert (kept / "upload" / "families.csv").is_file()
        answered = posted(live, dora, f"{job}/answer", job, data={"empty": "yes"})
        shown = until_done(live, dora, answered.headers["location"])
        assert "import-result" in shown.text, main_of(shown)
    engine.dispose()


@contextmanager
def a_small_disk(folder: Path, size: str) -> Iterator[Path]:
    """A real file system of the size (tmpfs), as a disk that fills; unmounted afterwards."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert mounted.returncode == 0, f"a small disk could not be mounted: {mounted.stderr}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_an_upload_that_fills_the_disk_is_a_sentence_and_leaves_nothing(accounts, tmp_path):
    with a_small_disk(tmp_path / "work", "128k") as work:
        with served(accounts, env={"SFCLAIMS_WORK_DIR": str(work)}) as server:
            dora = signed_in(server, "dora")
            answer = posted(server, dora, "/imports", "/imports", files=extract_files())
            assert answer.status_code == 400, main_of(answer)
            assert "The server&#39;s disk is full" in answer.text, main_of(answer)
            assert "nothing was imported" in answer.text
        left = [p for p in work.rglob("*") if p.is_file()]
        assert left == []
    engine = open_database(accounts)
    with engine.connect() as connection:
        states = connection.execute(text("SELECT state FROM jobs")).scalars().all()
    engine.dispose()
    assert "running" not in states


def fills_the_disk(engine, arguments, progress):  # type: ignore[no-untyped-def]
    """A job's work that meets a full disk half-way (a job's own process imports it)."""
    (arguments["folder"] / "half-written").write_bytes(b"x" * 1000)
    import errno

    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_job_that_meets_a_full_disk_ends_with_a_sentence_and_its_files_removed(accounts):
    from sfclaims.platform.job_files import work_root
    from sfclaims.platform.jobs import Jobs

    engine = open_database(accounts)
    jobs = Jobs(engine)
    job = jobs.begin("import", "dora")
    folder = jobs.folder(job)
    jobs.run(job, fills_the_disk, {"folder": folder})
    assert jobs.wait(job.id, 60)
    ended = jobs.get(job.id, "dora")
    assert ended is not None and ended.status == "refused"
    assert ended.error.startswith("The server's disk is full")
    assert not (work_root(engine) / job.id).exists()
    engine.dispose()


def test_a_flood_of_wrong_passwords_from_many_addresses_never_locks_the_owner_out(accounts):
    """Twenty addresses (loopback ones, as a server sees distinct clients) send carl's name with
    wrong passwords while carl, in the browser carl signed in from before, signs in: carl's
    sign-in goes through, in a lane of its own; a browser carl never used is made to wait."""
    with served(accounts) as server:
        known = signed_in(server, "carl")  # carl's browser, remembered from now
        assert "sfclaims_known" in known
        flooding = threading.Event()
        stop = threading.Event()
        answered: list[int] = []

        def flood(n: int) -> None:
            transport = httpx.HTTPTransport(local_address=f"127.0.0.{n}")
            with httpx.Client(base_url=server.base, transport=transport, timeout=60) as client:
                while not stop.is_set():  # bounded: until the test has signed carl in
                    page = client.get("/sign-in")
                    answer = client.post(
                        "/sign-in",
                        data={"csrf_token": token(page.text), "name": "carl", "password": "x"},
                    )
                    answered.append(answer.status_code)
                    flooding.set()

        floods = [threading.Thread(target=flood, args=(n,)) for n in range(2, 22)]
        for each in floods:
            each.start()
        try:
            assert flooding.wait(60)
            with server.client({"sfclaims_known": known["sfclaims_known"]}) as owner:
                page = owner.get("/sign-in")
                signed = owner.post(
                    "/sign-in",
                    data={
                        "csrf_token": token(page.text),
                        "name": "carl",
                        "password": PASSWORD,
                        "next": "/",
                    },
                )
            transport = httpx.HTTPTransport(local_address="127.0.0.99")
            with httpx.Client(base_url=server.base, transport=transport, timeout=60) as new:
                page = new.get("/sign-in")
                stranger = new.post(
                    "/sign-in",
                    data={"csrf_token": token(page.text), "name": "carl", "password": PASSWORD},
                )
        finally:
            stop.set()
            for each in floods:
                each.join(60)
    # the password taken at once; the code the claims team gives comes next
    assert signed.status_code == 303 and signed.headers["location"] == "/sign-in/code?next=/"
    assert 429 in answered  # the flood was slowed
    assert stranger.status_code == 429  # a browser carl never used waits
