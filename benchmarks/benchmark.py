"""Benchmark: large synthetic authorities through every stage, with per-stage times.

    uv run python benchmarks/benchmark.py [--families 50000] [--databases sqlite,postgres]
                                          [--shapes typical,busy]

For each shape of authority (``typical``: attendance-heavy, three years for every pupil;
``busy``: the same families with several needs per headline, outcome histories and many
referrals) and each database:

* per extract kind, the import time (the real path: read, rename, validate, bulk load) beside a
  raw baseline measured in the same run on the same file (a plain csv / calamine read and a plain
  executemany on SQLite or COPY on PostgreSQL into a table of text columns); the whole folder
  imported at once, and the later stages, in one worker process so its peak memory is its own;
* what a user waits for: ``sfclaims import`` and ``sfclaims assess`` each run as a process (its
  start-up included) on a fresh database, beside the raw baselines run as processes too, each
  taken before and after them (the mean): every file read and bulk inserted (the goal's
  baseline: each command within 2× it), and every row assess reads fetched (a stricter floor).

Then the small commands a user types all day (a sample, a verdict, one family explained, a
refused date) as processes on the demo's database, beside the cost of starting Python with the
libraries every command needs. Not a test: it asserts nothing, it measures.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUTPUT = ROOT / "benchmarks" / "output"
POSTGRES = os.environ.get(
    "SFCLAIMS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SEED = 2022
SFCLAIMS = [sys.executable, "-m", "sfclaims.cli"]


def build_authority(families: int, shape: str) -> Path:
    from sfclaims.intake.synthetic import write_authority

    folder = OUTPUT / f"authority-{families}-seed{SEED}-{shape}"
    marker = folder / ".complete"
    if not marker.exists():
        result = write_authority(folder, families, SEED, shape=shape)
        marker.write_text(json.dumps(result.rows))
    rows = json.loads(marker.read_text())
    print(
        f"\n#### a {families:,}-family {shape} authority: "
        + ", ".join(f"{k} {v:,}" for k, v in rows.items())
    )
    return folder


GNU_TIME = Path("/usr/bin/time")


def timed_process(command: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Run a command as a process: its wall time, its peak memory in MB (of it or the largest
    process it forked, as GNU time reports it; 0 where GNU time is missing), and its standard
    output. GNU time starts the command from a small process, so the figure is not the
    benchmark's own size inherited at fork."""
    measured = [str(GNU_TIME), "-f", "%M", *command] if GNU_TIME.exists() else command
    started = time.perf_counter()
    done = subprocess.run(measured, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: {done.stderr}")
    peak = int(done.stderr.strip().splitlines()[-1]) / 1024 if GNU_TIME.exists() else 0.0
    return took, peak, done.stdout


# --- the worker: one database, in its own process ----------------------------------------------


def raw_rows(path: Path) -> list[tuple]:
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        return [tuple(str(c) for c in row) for row in sheet[1:]]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [tuple(row) for row in reader]


def baseline(engine, kind: str, path: Path) -> float:  # type: ignore[no-untyped-def]
    """A plain read and a plain bulk insert of the same rows into a table of text columns."""
    from sfclaims.platform.db import is_sqlite

    started = time.perf_counter()
    rows = raw_rows(path)
    width = len(rows[0]) if rows else 1
    table = f"baseline_{kind}"
    columns = ", ".join(f"c{i} TEXT" for i in range(width))
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} ({columns})")
        if is_sqlite(engine):
            cursor.execute("BEGIN")  # one transaction, as the import uses
            marks = ", ".join("?" for _ in range(width))
            cursor.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
        else:
            with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
        elapsed = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {table}")
        raw.commit()
    finally:
        raw.close()
    return elapsed


def import_by_kind(url: str, folder: Path) -> list[dict]:
    from sfclaims.intake.importing import import_folder
    from sfclaims.intake.reading import find_extract_files
    from sfclaims.platform.db import open_database
    from sfclaims.platform.framework import load_framework

    engine = open_database(url)
    framework = load_framework()
    _load_import_modules()
    results = []
    for kind, path in find_extract_files(folder).items():
        with tempfile.TemporaryDirectory() as single:
            (Path(single) / path.name).symlink_to(path)
            (Path(single) / "mapping.toml").symlink_to(folder / "mapping.toml")
            started = time.perf_counter()
            outcome = import_folder(engine, Path(single), framework)
            took = time.perf_counter() - started
        results.append(
            {
                "kind": kind,
                "rows": outcome.files[0].rows_read,
                "import": took,
                "baseline": baseline(engine, kind, path),
            }
        )
    engine.dispose()
    return results


def _load_import_modules() -> None:
    """Load the libraries the import uses before any clock starts: a command loads them once
    (seconds on a machine that keeps no compiled bytecode), and the first kind would carry it."""
    import pandera.pandas  # noqa: F401
    import pyarrow.csv  # noqa: F401
    import python_calamine  # noqa: F401


def worker(url: str, folder: Path, as_of: str, stages: list[str]) -> dict:

    report: dict = {"stages": {}}
    report["kinds"] = import_by_kind(url, folder)
    # the whole folder into a database of its own (the ledger of previous claims removes
    # nothing, so the kinds' database cannot be emptied again)
    with scratch_database("sqlite" if url.startswith("sqlite") else "postgres") as fresh:
        return _whole_folder(report, fresh, folder, as_of, stages)


def _whole_folder(report: dict, url: str, folder: Path, as_of: str, stages: list[str]) -> dict:
    from datetime import date

    from sfclaims.intake.importing import import_folder
    from sfclaims.platform.db import open_database
    from sfclaims.platform.framework import load_framework

    engine = open_database(url)
    framework = load_framework()
    started = time.perf_counter()
    import_folder(engine, folder, framework)
    report["stages"]["import whole folder (one transaction)"] = time.perf_counter() - started

    day = date.fromisoformat(as_of)
    if "assess" in stages:
        from sfclaims.deciding.assessing import assess_at_state
        from sfclaims.deciding.decisions import Decided, store_decisions
        from sfclaims.outputs.decisions_file import write_decisions

        started = time.perf_counter()
        assessed, state = assess_at_state(engine, framework, day, keep_claim_evidence=True)
        decisions = [a.decision for a in assessed]
        report["stages"]["assess: decide every family"] = time.perf_counter() - started
        started = time.perf_counter()
        with open(os.devnull, "w") as sink:
            write_decisions(decisions, sink)
        store_decisions(engine, Decided(assessed, state), framework, day)
        report["stages"]["assess: write decisions file + store decisions"] = (
            time.perf_counter() - started
        )
        report["families"] = len(decisions)
        report["claimable"] = sum(d.claimable for d in decisions)
    if "claims" in stages:
        report["stages"].update(claims_stage(engine, framework, day))
    report["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # the largest of the processes that assess forks (one per core), each on its own range
    report["peak_worker_memory_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    engine.dispose()
    return report


def claims_stage(engine, framework, day) -> dict:  # type: ignore[no-untyped-def]
    """A claim run capped at 5,000 families, its submission export and its evidence pack."""
    from sfclaims.claims import create_run, run_contents
    from sfclaims.outputs.evidence_pack import write_evidence_pack
    from sfclaims.outputs.submission import write_submission

    times = {}
    out = Path(tempfile.mkdtemp())
    started = time.perf_counter()
    from sfclaims.platform.quarters import quarter_of

    period = quarter_of(day, "calendar")  # within the programme's years (the synthetic as-of)
    created = create_run(engine, framework, period, day, max_families=CLAIMED)
    times[f"claim run ({created.families:,} families claimed)"] = time.perf_counter() - started
    started = time.perf_counter()
    contents = run_contents(engine, created.run_id, evidence=False, records=False)
    write_submission(contents, framework, out)
    times["claim export (workbook + CSV)"] = time.perf_counter() - started
    started = time.perf_counter()
    write_evidence_pack(run_contents(engine, created.run_id), out)
    times["audit pack (every claimed family)"] = time.perf_counter() - started
    return times


CLAIMED = 5_000


# --- the runner --------------------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(name: str, migrated: bool = True) -> Iterator[str]:
    """A fresh database for one measurement: a new SQLite file (made by the first command that
    writes), or a new PostgreSQL schema (migrated, as `sfclaims init` would), dropped after."""
    from sqlalchemy import create_engine, text

    from sfclaims.platform.db import make_engine, upgrade

    if name == "sqlite":
        scratch = Path(tempfile.mkdtemp())
        yield f"sqlite:///{scratch / 'bench.db'}"
        shutil.rmtree(scratch)
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    if migrated:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run_database(name: str, folder: Path, as_of: str, stages: list[str]) -> dict:
    if not {"import", "assess", "claims"} & set(stages):  # what a user waits for, alone
        return {"kinds": [], "stages": {}, "processes": as_processes(name, folder, as_of)}
    with scratch_database(name) as url:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                url,
                "--folder",
                str(folder),
                "--as-of",
                as_of,
                "--stages",
                ",".join(stages),
            ],
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"the {name} worker failed:\n{out.stderr}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
    if "processes" in stages:
        report["processes"] = as_processes(name, folder, as_of)
    return report


REPEATS = 1  # each measurement as a process, this many times: the mean is reported (--repeat)


def as_processes(name: str, folder: Path, as_of: str) -> dict:
    """`sfclaims import`, `assess --out` and `forecast --out` (before any decide of the date,
    and after the assess has kept its decisions) as a user runs them, each a process with its
    start-up, beside the raw baselines as processes: a plain read and bulk insert of every file
    (the goal's baseline), and a plain fetch of every row assess reads (a stricter floor); each
    baseline taken before and after ours, and each measurement the mean of ``REPEATS`` runs."""
    runs = [_as_processes_once(name, folder, as_of) for _ in range(REPEATS)]
    return {
        label: (
            statistics.mean(run[label][0] for run in runs),
            max(run[label][1] for run in runs),
        )
        for label in runs[0]
    }


RAW_IMPORT = "raw import (every file read and bulk inserted; before and after, the mean)"
RAW_FETCH = "raw assess (every row assess reads, fetched; before and after, the mean)"


def _as_processes_once(name: str, folder: Path, as_of: str) -> dict:
    """One run: each raw baseline taken before ours and again after, so a machine busier at
    one moment than the other weighs on both; the baseline is their mean."""
    ours: dict = {}
    raw: dict[str, list[tuple[float, float]]] = {RAW_IMPORT: [], RAW_FETCH: []}
    scratch = Path(tempfile.mkdtemp())

    def raw_import_into(url: str) -> tuple[float, float]:
        return timed_process(
            [sys.executable, __file__, "--folder", str(folder), "--raw", "import", url]
        )[:2]

    with scratch_database(name) as url:
        raw[RAW_IMPORT].append(raw_import_into(url))
    with scratch_database(name) as url:
        base = [*SFCLAIMS, "--database-url", url]
        fetch = [sys.executable, __file__, "--raw", "assess", url]
        report = str(scratch / "report")
        ours["sfclaims import"] = timed_process(
            [*base, "import", str(folder), "--report-dir", report]
        )[:2]
        raw[RAW_FETCH].append(timed_process(fetch)[:2])
        # the forecast with no decide of its date kept (it decides every family), then after one
        ours["sfclaims forecast, nothing kept"] = timed_process(
            [*base, "forecast", "--as-of", as_of, "--out", str(scratch / "afresh")]
        )[:2]
        decisions = str(scratch / "decisions.csv")
        ours["sfclaims assess"] = timed_process(
            [*base, "assess", "--as-of", as_of, "--out", decisions]
        )[:2]
        ours["sfclaims forecast"] = timed_process(
            [*base, "forecast", "--as-of", as_of, "--out", str(scratch / "forecast")]
        )[:2]
        raw[RAW_FETCH].append(timed_process(fetch)[:2])
    with scratch_database(name) as url:
        raw[RAW_IMPORT].append(raw_import_into(url))
    shutil.rmtree(scratch)
    baselines = {
        label: (statistics.mean(t for t, _ in taken), max(peak for _, peak in taken))
        for label, taken in raw.items()
    }
    return {  # in the order printed: each baseline before what is measured against it
        RAW_IMPORT: baselines[RAW_IMPORT],
        "sfclaims import": ours.pop("sfclaims import"),
        RAW_FETCH: baselines[RAW_FETCH],
        **ours,
    }


def raw_import(url: str, folder: Path) -> None:
    from sfclaims.intake.reading import find_extract_files
    from sfclaims.platform.db import make_engine

    engine = make_engine(url)
    for kind, path in find_extract_files(folder).items():
        baseline(engine, kind, path)


def raw_assess(url: str) -> None:
    from sfclaims.platform.db import make_engine
    from sfclaims.platform.models import EXTRACT_TABLES

    raw = make_engine(url).raw_connection()
    cursor = raw.cursor()
    for model in EXTRACT_TABLES.values():
        cursor.execute(f"SELECT * FROM {model.__tablename__}")
        cursor.fetchall()
    raw.close()


def small_commands(repeats: int = 5) -> dict:
    """The commands typed all day, each as a process on the demo's database (median of
    ``repeats``), beside Python started with what every command loads."""
    scratch = Path(tempfile.mkdtemp())
    shown = subprocess.run(  # its messages on standard error: no terminal here
        [*SFCLAIMS, "demo", "--out", "demo"],
        cwd=scratch,
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    on_demo = [*SFCLAIMS, "--database-url", f"sqlite:///{scratch / 'demo' / 'sfclaims-demo.db'}"]
    # the demo's auditor (who made no run), acting with the password the demo printed
    password = next(
        line.split()[-1] for line in shown.splitlines() if line.strip().startswith("demo-auditor ")
    )
    secret = scratch / "auditor-password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    auditor = [
        "env",
        "SFCLAIMS_USER=demo-auditor",
        f"SFCLAIMS_PASSWORD_FILE={secret}",
        *on_demo,
    ]
    run = "2025-Q1-R1"  # the demo claims for the programme's last quarter
    family = timed_process(
        [*auditor, "audit", "sample", run, "--size", "3", "--seed", "1"], cwd=scratch
    )[2].split()[0]
    commands = {
        "python, nothing imported": [sys.executable, "-c", "pass"],
        "python + typer, rich, SQLAlchemy, SQLModel (the floor)": [
            sys.executable,
            "-c",
            "import typer, typer._adapters, rich.console, sqlalchemy, sqlmodel",
        ],
        "sfclaims --help": [*on_demo, "--help"],
        "uv run sfclaims --help (as the README runs it; goal: under 0.5 s)": [
            "uv",
            "run",
            "--project",
            str(ROOT),
            "sfclaims",
            "--help",
        ],
        "audit sample": [*auditor, "audit", "sample", run, "--size", "3", "--seed", "1"],
        "audit record (a verdict)": [
            *auditor,
            "audit",
            "record",
            run,
            family,
            "--verdict",
            "pass",
            "--note",
            "checked",
        ],
        "assess --family (one family explained)": [
            *on_demo,
            "assess",
            "--as-of",
            "2025-03-31",
            "--family",
            family,
        ],
        "a refused date (assess --as-of 2026-02-30)": [
            *on_demo,
            "assess",
            "--as-of",
            "2026-02-30",
        ],
    }
    medians = {}
    for label, command in commands.items():
        taken = []
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run(command, cwd=scratch, capture_output=True)
            taken.append(time.perf_counter() - started)
        medians[label] = statistics.median(taken)
    shutil.rmtree(scratch)
    return medians


def print_report(name: str, report: dict) -> None:
    print(f"\n== {name}")
    if not report["kinds"]:
        report["kinds"] = [{"kind": "(not measured)", "rows": 0, "import": 0.0, "baseline": 1.0}]
    print(f"{'kind':<20}{'rows':>11}{'import s':>10}{'baseline s':>12}{'ratio':>8}")
    total_import = total_baseline = 0.0
    for k in report["kinds"]:
        total_import += k["import"]
        total_baseline += k["baseline"]
        print(
            f"{k['kind']:<20}{k['rows']:>11,}{k['import']:>10.2f}{k['baseline']:>12.2f}"
            f"{k['import'] / k['baseline']:>8.2f}"
        )
    print(
        f"{'all kinds':<20}{'':>11}{total_import:>10.2f}{total_baseline:>12.2f}"
        f"{total_import / total_baseline:>8.2f}"
    )
    for stage, seconds in report["stages"].items():
        print(f"{stage:<52}{seconds:>8.2f} s")
    if "families" in report:
        print(f"families decided {report['families']:,}, claimable {report['claimable']:,}")
    if "peak_memory_mb" in report:
        print(
            f"peak memory {report['peak_memory_mb']:,.0f} MB"
            f" (largest assess worker {report['peak_worker_memory_mb']:,.0f} MB)"
        )
    if "processes" in report:
        print("as a user runs them (each a process, start-up included):")
        processes = report["processes"]
        for label, (seconds, peak) in processes.items():
            print(f"  {label:<80}{seconds:>8.2f} s{peak:>8,.0f} MB")
        decides = ("assess", "forecast, nothing kept", "forecast")
        for stage, raw, goal in [
            *((stage, RAW_IMPORT, "goal: within 2x") for stage in ("import", *decides)),
            *((stage, RAW_FETCH, "a stricter floor than the goal's") for stage in decides),
        ]:
            if f"sfclaims {stage}" not in processes or raw not in processes:
                continue
            ours = processes[f"sfclaims {stage}"][0]
            base = processes[raw][0]
            print(f"  sfclaims {stage} / {raw.split(' (')[0]}: {ours / base:.2f}x ({goal})")
        assessed = processes.get("sfclaims assess")
        forecast = processes.get("sfclaims forecast")
        if assessed and forecast:
            print(f"  sfclaims forecast / sfclaims assess: {forecast[0] / assessed[0]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", type=int, default=50_000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--stages", default="import,assess,claims,processes")
    parser.add_argument("--shapes", default="typical,busy")
    parser.add_argument("--raw", nargs=2, metavar=("WHAT", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default=None)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, help="Runs of each process (mean).")
    args = parser.parse_args()
    global REPEATS
    REPEATS = max(args.repeat, 1)
    stages = args.stages.split(",")
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.folder), args.as_of, stages)))
        return
    if args.raw:
        what, url = args.raw
        raw_import(url, Path(args.folder)) if what == "import" else raw_assess(url)
        return
    from sfclaims.intake.synthetic import DEFAULT_AS_OF

    as_of = args.as_of or DEFAULT_AS_OF.isoformat()
    print(f"as of {as_of}; machine: {os.cpu_count()} cores")
    for shape in args.shapes.split(","):
        folder = build_authority(args.families, shape)
        for name in args.databases.split(","):
            print_report(f"{shape}, {name}", run_database(name, folder, as_of, stages))
    if "processes" in stages:
        print("\n#### small commands as processes on the demo database (median of 5)")
        for label, seconds in small_commands().items():
            print(f"  {label:<58}{seconds:>6.2f} s")


if __name__ == "__main__":
    main()
