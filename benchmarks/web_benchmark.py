"""Benchmark of the web workspace: signed-in clients at once against `sfclaims serve` on
loopback, on a large synthetic authority, hitting every kind of page that grows with it (the
dashboard, a family's page, a near-miss page, a page of a run's families, a page of the log of
500,000 changes, a page of an audit sample of 1,000 families and a page of a work list) for a
while, while a data officer's import of a whole authority runs as a job; prints each page's
median, p95 and slowest response, every error and reset connection, and how the import ended;
then times deciding every family through the workspace (the job, from the click to its end).

    uv run python benchmarks/web_benchmark.py [--families 50000] [--clients 20] [--seconds 30]
        [--workers 2] [--no-import] [--database-kind sqlite|postgres] [--log-rows 500000]

The authority is built (and kept) as the main benchmark builds it, imported and decided once by
the command line; the server is `sfclaims serve --workers N` as a process of its own; the import
during the load is the other (busy) shape of authority, zipped and uploaded through the page.
Not a timed test.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from benchmark import SFCLAIMS, build_authority  # noqa: E402

PASSWORD = "benchmark passphrase"
APP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the reader's authenticator app
AS_OF = "2025-03-31"  # the synthetic authority's: the programme's last claim period
RUN = "2025-Q1-R1"  # the claim run made, with an audit sample of SAMPLED families
SAMPLED = 1000
WORK_LISTS = ("fixable-now", "waiting", "other-work")  # a page of each, kept by `assess --out`
SESSION: dict[str, str] = {}  # the signed-in session every client uses


POSTGRES = os.environ.get(
    "SFCLAIMS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def scratch_database(kind: str, folder: Path) -> str:
    """A new, empty database of the kind: a file in the folder, or a PostgreSQL database of
    its own (dropped first if an earlier run left it), made at the latest schema."""
    if kind == "sqlite":
        return f"sqlite:///{folder / 'web.db'}"
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS sfclaims_web_bench WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE sfclaims_web_bench"))
    admin.dispose()
    url = POSTGRES.rsplit("/", 1)[0] + "/sfclaims_web_bench"
    subprocess.run([*SFCLAIMS, "--database-url", url, "init"], check=True, capture_output=True)
    return url


def a_long_log(url: str, rows: int) -> None:
    """The log grown to ``rows`` changes, as years of a team's work leave it (written in bulk:
    a benchmark's scratch database, whose chain no one verifies)."""
    from datetime import UTC, datetime, timedelta

    from sfclaims.platform.db import bulk_load, open_database
    from sfclaims.platform.models import Activity, table_of

    engine = open_database(url)
    start = datetime(2023, 4, 1, tzinfo=UTC)
    people = ("dora", "carl", "ada", "root")
    columns = ["at", "who", "action", "object", "detail"]
    with engine.begin() as connection:
        have = connection.exec_driver_sql("SELECT count(*) FROM activity_log").scalar() or 0
        bulk_load(
            connection,
            table_of(Activity),
            columns,
            (
                (start + timedelta(minutes=n), people[n % 4], "verdict pass", f"R{n % 97}", "")
                for n in range(max(rows - have, 0))
            ),
        )
    engine.dispose()


def prepare(
    families: int, folder: Path, kind: str, log_rows: int
) -> tuple[str, list[str], list[str]]:
    """The authority imported and decided in a scratch database of the kind, with the clients'
    account and a long log; the database URL, some family IDs and the reasons near misses
    have."""
    from sfclaims.people.accounts import Actor, add_account, set_password
    from sfclaims.platform.db import open_database
    from sfclaims.platform.roles import ROLES

    authority = build_authority(families, "typical")
    url = scratch_database(kind, folder)
    base = [*SFCLAIMS, "--database-url", url]
    for step in (
        ["import", str(authority), "--report-dir", str(folder / "reports")],
        ["assess", "--as-of", AS_OF, "--out", str(folder / "decisions.csv")],
        ["claim", "run", "--period", "2025-Q1", "--as-of", AS_OF],
        ["audit", "sample", RUN, "--size", str(SAMPLED), "--seed", "1"],
    ):
        started = time.perf_counter()
        subprocess.run([*base, *step], check=True, capture_output=True)
        print(f"{step[0]:<8} {time.perf_counter() - started:6.1f} s")
    engine = open_database(url)
    setup = Actor("reader", frozenset(ROLES), single_user=True)  # the first admin
    add_account(engine, setup, "reader", ["admin", "claims", "data_officer", "auditor"])
    set_password(engine, setup, "reader", PASSWORD)
    import pyotp

    from sfclaims.people.second_factor import set_up

    set_up(engine, "reader", APP_SECRET, pyotp.TOTP(APP_SECRET).now())  # admin and auditor: 2FA
    engine.dispose()
    started = time.perf_counter()
    a_long_log(url, log_rows)
    print(f"log      {time.perf_counter() - started:6.1f} s ({log_rows:,} changes)")
    return url, *prepared(url)


def prepared(url: str) -> tuple[list[str], list[str]]:
    """Some family IDs and the reasons near misses have, from a prepared database."""
    from sqlalchemy import text

    from sfclaims.platform.db import open_database

    engine = open_database(url)
    with engine.connect() as connection:
        ids = (
            connection.execute(
                text("SELECT family_id FROM decisions WHERE as_of = :d"), {"d": AS_OF}
            )
            .scalars()
            .all()
        )
        reasons = (
            connection.execute(
                text("SELECT DISTINCT reasons FROM decisions WHERE reasons NOT LIKE '%;%'")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return random.Random(7).sample(list(ids), 500), [r for r in reasons if r]


def serve(url: str, workers: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "SFCLAIMS_SECRET_KEY": "benchmark key " * 4}
    server = subprocess.Popen(
        [*SFCLAIMS, "--database-url", url, "serve", "--port", str(port)]
        + ["--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    address = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{address}/sign-in").status_code == 200:
                return server, address
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def signed_in(address: str) -> httpx.Client:
    client = httpx.Client(base_url=address, timeout=30)
    page = client.get("/sign-in").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/sign-in", data={"csrf_token": token, "name": "reader", "password": PASSWORD, "next": "/"}
    )
    assert done.status_code in (200, 303), done.status_code
    if "/sign-in/code" in done.headers.get("location", ""):  # the app's code, as a person gives
        import pyotp

        # a code is good once and a wrong one counts toward the lockout: give the next step's
        # code, never one the set-up (or an earlier run) may have used
        time.sleep(30 - time.time() % 30 + 1)
        page = client.get("/sign-in/code").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        sent = client.post(
            "/sign-in/code",
            data={"csrf_token": token, "code": pyotp.TOTP(APP_SECRET).now(), "next": "/"},
        )
        if sent.status_code == 303:
            return client
        raise SystemExit("the benchmark's account could not give its second factor")
    return client


def client_loop(
    address: str, ids: list[str], reasons: list[str], until: float, seed: int, found: dict
) -> None:
    """One person's browser: signed in once, then page after page on one kept-alive connection
    (plain http.client, so the load generator's own work stays small beside the server's)."""
    cookie = SESSION["cookie"]  # one signed-in session (a code is good once), every client
    host, port = address.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Cookie": f"sfclaims_session={cookie}"}
    chance = random.Random(seed)
    pages = {
        "dashboard": lambda: f"/?as_of={AS_OF}",
        "family page": lambda: f"/families/{chance.choice(ids)}?as_of={AS_OF}",
        "near-miss page": lambda: f"/near-misses?as_of={AS_OF}&reason={chance.choice(reasons)}",
        "audit sample": lambda: f"/audit/{RUN}?page={chance.randint(1, SAMPLED // 100)}",
        "work list": lambda: (
            f"/work-lists?as_of={AS_OF}&list={chance.choice(WORK_LISTS)}"
            f"&page={chance.randint(1, 5)}"
        ),
        "run's page": lambda: f"/claims/{RUN}?page={chance.randint(1, 50)}",
        "log": lambda: chance.choice(
            [
                "/log",
                "/log?user=carl",
                f"/log?run={RUN}",
                f"/log?before={chance.randint(2, 400_000)}",
            ]
        ),
    }
    while time.perf_counter() < until:
        kind = chance.choice(list(pages))
        started = time.perf_counter()
        try:
            connection.request("GET", pages[kind](), headers=headers)
            response = connection.getresponse()
            response.read()
        except (ConnectionError, http.client.HTTPException) as error:  # a reset: counted
            found.setdefault("resets", []).append((kind, repr(error)))
            connection.close()
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            continue
        taken = time.perf_counter() - started
        found.setdefault(kind, []).append(taken)
        if response.status != 200:
            found.setdefault("errors", []).append((kind, response.status))
        fresh = response.getheader("set-cookie", "")
        if fresh.startswith("sfclaims_session="):  # the session is signed again on each page
            headers["Cookie"] = fresh.split(";", 1)[0]
    connection.close()


def zipped_authority(families: int, folder: Path) -> Path:
    """The busy shape of authority as one .zip, as a data officer would upload it."""
    authority = build_authority(families, "busy")
    archive = folder / f"busy-{families}.zip"
    if not archive.exists():
        folder.mkdir(parents=True, exist_ok=True)  # a fresh machine has none yet
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
            for file in sorted(authority.glob("*.csv")):
                packed.write(file, file.name)
    return archive


def import_during(address: str, archive: Path, found: dict) -> None:
    """Upload the zip on the Imports page and follow the job's page until it ends."""
    client = httpx.Client(base_url=address, timeout=600)
    client.cookies.set("sfclaims_session", SESSION["cookie"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/imports").text)
    began = time.perf_counter()
    with archive.open("rb") as handle:
        started = client.post(
            "/imports",
            data={"csrf_token": token.group(1)},  # type: ignore[union-attr]
            files={"extracts": (archive.name, handle, "application/zip")},
        )
    found["import uploaded"] = time.perf_counter() - began
    job = started.headers["location"]  # the job's page
    while True:
        page = client.get(job)
        if "refreshes itself" not in page.text:
            break
        time.sleep(1)
    found["import took"] = time.perf_counter() - began
    found["import ended"] = (
        "imported" if "import-result" in page.text else re.sub(r"\s+", " ", page.text)[-600:]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2, help="serve --workers N")
    parser.add_argument("--no-import", action="store_true", help="No import job during it.")
    parser.add_argument("--database", help="Reuse a database an earlier run prepared.")
    parser.add_argument("--database-kind", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--log-rows", type=int, default=500_000, help="The log's length.")
    parser.add_argument("--no-decide", action="store_true", help="No decide through the page.")
    args = parser.parse_args()
    if args.database:  # a database an earlier run prepared (its path is printed)
        url, ids, reasons = args.database, *prepared(args.database)
    else:
        folder = Path(tempfile.mkdtemp(prefix="sfclaims-web-benchmark-"))
        url, ids, reasons = prepare(args.families, folder, args.database_kind, args.log_rows)
    print(f"database: {url}")
    archive = (
        None
        if args.no_import
        else zipped_authority(args.families, Path(tempfile.gettempdir()) / "sfclaims-web-bench")
    )
    server, address = serve(url, args.workers)
    try:
        person = signed_in(address)
        SESSION["cookie"] = person.cookies.get("sfclaims_session")
        SESSION["known"] = person.cookies.get("sfclaims_known") or ""
        for _ in range(args.workers * 3):  # the first looks fill each process's cache
            person.get(f"/?as_of={AS_OF}")
        found: dict = {}
        until = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(target=client_loop, args=(address, ids, reasons, until, seed, found))
            for seed in range(args.clients)
        ]
        if archive is not None:  # started with the clients, and waited for after them
            threads.append(threading.Thread(target=import_during, args=(address, archive, found)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if not args.no_decide:
            decide_through_the_page(address, found)
        sign_in_during_a_flood(address, addresses=50)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"\n{args.clients} signed-in clients for {args.seconds:.0f} s, {args.families:,} "
        f"families, {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}, "
        f"{args.workers} server processes, server and clients on {os.cpu_count()} cores"
        + ("" if archive is None else ", while a whole authority is imported through the page")
        + ":"
    )
    kinds = ("dashboard", "family page", "near-miss page", "run's page", "log", "audit sample")
    for kind in (*kinds, "work list"):
        times = sorted(found.get(kind, []))
        if not times:
            continue
        p95 = times[int(len(times) * 0.95) - 1]
        print(
            f"  {kind:<15} {len(times):>6} requests  median {statistics.median(times) * 1000:6.0f} "
            f"ms  p95 {p95 * 1000:6.0f} ms  slowest {times[-1] * 1000:6.0f} ms"
        )
    every = sorted(t for kind in (*kinds, "work list") for t in found.get(kind, []))
    if every:
        print(
            f"  every page      p95 {every[int(len(every) * 0.95) - 1] * 1000:6.0f} ms (goal 300)"
        )
    errors = found.get("errors", [])
    print(f"  errors: {len(errors)}" + (f" ({', '.join(map(str, errors[:5]))})" if errors else ""))
    resets = found.get("resets", [])
    print(f"  connections reset: {len(resets)}" + (f" ({resets[0]})" if resets else ""))
    if archive is not None:
        print(
            f"  the import: uploaded in {found.get('import uploaded', 0):.1f} s, ended after "
            f"{found.get('import took', 0):.1f} s: {found.get('import ended', 'not ended')}"
        )


def sign_in_during_a_flood(address: str, addresses: int) -> None:
    """A real sign-in (the reader's password, from the browser it signed in from before) timed
    five times while ``addresses`` loopback addresses send the reader's name with wrong
    passwords as fast as they are answered; beside the same sign-in with no flood."""

    def sign_in_once() -> float:
        with httpx.Client(base_url=address, timeout=120) as client:
            client.cookies.set("sfclaims_known", SESSION["known"])
            page = client.get("/sign-in").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            began = time.perf_counter()
            answer = client.post(
                "/sign-in",
                data={"csrf_token": token, "name": "reader", "password": PASSWORD, "next": "/"},
            )
            taken = time.perf_counter() - began
            assert answer.status_code == 303, answer.status_code  # on to its second factor
            return taken

    quiet = [sign_in_once() for _ in range(3)]
    stop = threading.Event()
    tries: list[int] = []

    def flood(n: int) -> None:
        transport = httpx.HTTPTransport(local_address=f"127.0.1.{n}")
        with httpx.Client(base_url=address, transport=transport, timeout=120) as client:
            while not stop.is_set():
                page = client.get("/sign-in").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
                answer = client.post(
                    "/sign-in", data={"csrf_token": token, "name": "reader", "password": "x"}
                )
                tries.append(answer.status_code)

    floods = [threading.Thread(target=flood, args=(n,)) for n in range(1, addresses + 1)]
    for each in floods:
        each.start()
    time.sleep(2)  # the flood under way
    during = [sign_in_once() for _ in range(5)]
    stop.set()
    for each in floods:
        each.join()
    print(
        f"  a real sign-in (password step), from its known browser: "
        f"{statistics.median(quiet) * 1000:.0f} ms with no flood; during a flood from "
        f"{addresses} addresses ({len(tries):,} wrong tries, {tries.count(429):,} made to wait): "
        f"median {statistics.median(during) * 1000:.0f} ms, slowest {max(during) * 1000:.0f} ms "
        "(goal: under a second more)"
    )


def decide_through_the_page(address: str, found: dict) -> None:
    """Decide every family through the workspace as a claims officer would: from the click to
    the job's end (its page followed), with no one else working."""
    client = httpx.Client(base_url=address, timeout=600)
    client.cookies.set("sfclaims_session", SESSION["cookie"])
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text)
    began = time.perf_counter()
    started = client.post(
        "/decide",
        data={"csrf_token": token.group(1), "as_of": AS_OF},  # type: ignore[union-attr]
    )
    job = started.headers["location"]
    while True:
        page = client.get(job)
        if page.status_code != 200 or "refreshes itself" not in page.text:
            break
        time.sleep(0.5)
    print(
        f"  deciding every family through the workspace: {time.perf_counter() - began:.1f} s, "
        + ("done" if page.status_code == 303 else re.sub(r"\s+", " ", page.text)[-400:])
    )


if __name__ == "__main__":
    main()
