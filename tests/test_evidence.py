"""Evidence an auditor can act on: the extract's evidence columns and the import of every record
a rule relied on, the sample pack's verdict sheet read back, and personal data purged."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from sfclaims.platform.db import open_database
from tests.conftest import SAMPLE_AUTHORITY
from tests.test_cli import sfclaims
from tests.test_people import as_person, log_count


def made_run(url: str) -> str:
    made = sfclaims(url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert made.exit_code == 0, made.output
    return made.stdout.strip().splitlines()[-1]


def outcome_evidence(url: str) -> dict[str, tuple]:
    with open_database(url).connect() as connection:
        rows = connection.execute(
            text(
                "SELECT outcome_id, evidence_source, evidence_reference, recorded_by, "
                "outcome_measure FROM outcomes"
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def test_the_pack_shows_the_evidence_of_every_outcome_relied_on(sample_url, tmp_path):
    run = made_run(sample_url)
    assert sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path)).exit_code == 0
    rules = list(load_workbook(tmp_path / f"evidence-pack-{run}.xlsx")["Rules"].values)[1:]
    evidence = outcome_evidence(sample_url)
    cited = 0
    for row in rules:
        for line in (row[5] or "").split("\n"):
            found = re.match(r"outcome (\S+) ", line)
            if not found:
                continue
            cited += 1
            source, reference, recorded_by, measure = evidence[found.group(1)]
            for label, value in (
                ("evidence", source),
                ("reference", reference),
                ("recorded by", recorded_by),
                ("measure", measure),
            ):
                if value:
                    assert f"{label}: {value}" in line
            assert re.search(r"\[outcomes\.csv row \d+, import \d+ of \d\d/\d\d/\d{4}\]$", line)
    assert cited > 20


def test_the_sample_pack_has_a_verdict_sheet_and_counts_the_whole_run(sample_url, tmp_path):
    run = made_run(sample_url)
    sampled = sfclaims(sample_url, "audit", "sample", run, "--size", "3", "--seed", "5")
    assert (
        sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path), "--sample").exit_code
        == 0
    )
    (path,) = tmp_path.glob("evidence-pack-*.xlsx")
    book = load_workbook(path)
    sheet = book["Verdicts to record"]
    rows = list(sheet.values)
    assert rows[0] == ("family ID", "verdict", "note", "already recorded")
    assert [r[0] for r in rows[1:]] == sampled.stdout.split()
    (validation,) = sheet.data_validations.dataValidation
    assert validation.formula1 == '"pass,fail"' and str(validation.sqref) == "B2:B4"
    notes = dict(book["Run"].values)
    families = len(list(book["Families"].values)) - 1
    assert families == 3 and notes["families claimed"] > families


def fill_in(path, verdicts: list[tuple[str, str]]) -> None:
    book = load_workbook(path)
    sheet = book["Verdicts to record"]
    for row, (verdict, note) in enumerate(verdicts, start=2):
        sheet.cell(row, 2, verdict)
        sheet.cell(row, 3, note)
    book.save(path)


def test_a_filled_in_verdict_sheet_is_recorded_with_its_author(sample_url, tmp_path, monkeypatch):
    run = made_run(sample_url)
    sampled = sfclaims(sample_url, "audit", "sample", run, "--size", "3", "--seed", "5")
    sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path), "--sample")
    (path,) = tmp_path.glob("evidence-pack-*.xlsx")
    fill_in(
        path, [("pass", "plan and outcomes checked"), ("FAIL", "no evidence on file"), ("", "")]
    )
    as_person(monkeypatch, "ade")
    result = sfclaims(sample_url, "audit", "import-verdicts", run, str(path))
    assert result.exit_code == 0, result.output
    assert "2 verdicts recorded" in result.stderr
    with open_database(sample_url).connect() as connection:
        kept = connection.execute(
            text("SELECT family_id, verdict, note, recorded_by FROM audit_verdicts ORDER BY id")
        ).all()
    first, second, _third = sampled.stdout.split()
    assert [tuple(r) for r in kept] == [
        (first, "pass", "plan and outcomes checked", "ade"),
        (second, "fail", "no evidence on file", "ade"),
    ]


def test_a_pack_made_after_some_verdicts_lists_them_and_leaves_the_rest_to_fill(
    sample_url, tmp_path, monkeypatch
):
    """One family checked before the pack is made: it comes last, with its verdict, note and
    author; read back untouched it records nothing again, and the rows filled in are recorded."""
    run = made_run(sample_url)
    first, second, third = sfclaims(
        sample_url, "audit", "sample", run, "--size", "3", "--seed", "5"
    ).stdout.split()
    as_person(monkeypatch, "ade")
    sfclaims(sample_url, "audit", "record", run, second, "--verdict", "fail", "--note", "none")
    sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path), "--sample")
    (path,) = tmp_path.glob("evidence-pack-*.xlsx")
    rows = list(load_workbook(path)["Verdicts to record"].values)[1:]
    assert [r[:3] for r in rows] == [
        (first, None, None),
        (third, None, None),
        (second, "fail", "none"),
    ]
    assert rows[2][3].startswith("recorded by ade on ")
    fill_in(path, [("pass", "checked"), ("pass", "checked too")])
    result = sfclaims(sample_url, "audit", "import-verdicts", run, str(path))
    assert result.exit_code == 0, result.output
    assert "2 verdicts recorded" in result.stderr and "1 row showed a verdict already" in (
        " ".join(result.stderr.split())
    )
    with open_database(sample_url).connect() as connection:
        kept = connection.execute(
            text("SELECT family_id, verdict FROM audit_verdicts ORDER BY id")
        ).all()
    assert [tuple(r) for r in kept] == [(second, "fail"), (first, "pass"), (third, "pass")]


@pytest.mark.parametrize(
    ("filled", "said"),
    [
        (
            [("pass", "ok"), ("maybe", "unsure")],
            "row 3, column B (verdict): 'maybe' is not pass or fail",
        ),
        ([("pass", "ok"), ("fail", "")], "row 3, column C (note) is empty"),
    ],
)
def test_one_bad_row_refuses_the_whole_sheet(sample_url, tmp_path, filled, said):
    run = made_run(sample_url)
    sfclaims(sample_url, "audit", "sample", run, "--size", "3", "--seed", "5")
    sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path), "--sample")
    (path,) = tmp_path.glob("evidence-pack-*.xlsx")
    fill_in(path, filled)
    before = log_count(sample_url)
    result = sfclaims(sample_url, "audit", "import-verdicts", run, str(path))
    assert result.exit_code == 3
    assert said in result.stderr.replace("\n", " ") and "nothing was recorded" in result.stderr
    assert log_count(sample_url) == before


def test_a_family_outside_the_run_refuses_the_sheet(sample_url, tmp_path):
    run = made_run(sample_url)
    sfclaims(sample_url, "audit", "sample", run, "--size", "1", "--seed", "5")
    sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path), "--sample")
    (path,) = tmp_path.glob("evidence-pack-*.xlsx")
    book = load_workbook(path)
    book["Verdicts to record"].cell(2, 1, "F000001")  # not claimable: not in the run
    book["Verdicts to record"].cell(2, 2, "pass")
    book["Verdicts to record"].cell(2, 3, "ok")
    book.save(path)
    result = sfclaims(sample_url, "audit", "import-verdicts", run, str(path))
    assert result.exit_code == 3
    assert "row 2, column A (family ID): F000001 is not in claim run" in result.stderr.replace(
        "\n", " "
    )


def test_a_upn_is_shown_only_where_a_rule_used_it(sample_url, tmp_path):
    run = made_run(sample_url)
    with open_database(sample_url).connect() as connection:
        family = connection.execute(
            text("SELECT family_id FROM claimed_families ORDER BY position LIMIT 1")
        ).scalar_one()
    sfclaims(sample_url, "audit", "pack", run, "--out", str(tmp_path), "--family", family)
    (path,) = tmp_path.glob("evidence-pack-*.xlsx")
    records = list(load_workbook(path)["Family records"].values)[1:]
    people = [r for r in records if r[1] == "people"]
    assert people and all(r[6].startswith("import ") for r in records)
    attended = {r[2] for r in records if r[1] == "attendance"}
    for person in people:
        upn = re.search(r"upn: ([^;]*)", person[3]).group(1)
        assert upn in attended or upn in ("", "(held; no rule used it)")


def made_long_ago(url: str, years: int) -> None:
    """Every import, decision, draft, job and session of the database moved ``years`` back, as
    if the quarter's work had been done then (the purge's retention period counts from today)."""
    from datetime import UTC, datetime, timedelta

    moment = datetime.now(UTC) - timedelta(days=366 * years)
    with open_database(url).begin() as connection:
        for table, column in (
            ("import_batches", "imported_at"),
            ("decisions", "decided_at"),
            ("jobs", "started_at"),
            ("web_sessions", "seen_at"),
        ):
            connection.execute(text(f"UPDATE {table} SET {column} = :at"), {"at": moment})
        connection.execute(
            text("UPDATE claim_runs SET created_at = :at WHERE submitted_at IS NULL"),
            {"at": moment},
        )


def test_purge_removes_old_set_aside_rows_decisions_and_drafts_but_never_a_claim(
    sample_url, tmp_path
):
    folder = tmp_path / "extracts"
    shutil.copytree(SAMPLE_AUTHORITY, folder)
    with (folder / "needs.csv").open("a", encoding="utf-8") as needs:  # a row to set aside
        needs.write("N9999999,F000001,F000001-C1,Wellbeing,x,2025-07-03,Identified,Alex Taylor\n")
    report = tmp_path / "report"
    assert sfclaims(sample_url, "import", str(folder), "--report-dir", str(report)).exit_code == 0
    run = made_run(sample_url)
    for family in sfclaims(
        sample_url, "audit", "sample", run, "--size", "1", "--seed", "1"
    ).stdout.split():
        sfclaims(sample_url, "audit", "record", run, family, "--verdict", "pass", "--note", "ok")
    assert sfclaims(sample_url, "claim", "submit", run, "--yes").exit_code == 0
    draft = sfclaims(sample_url, "claim", "run", "--period", "2025-Q4", "--as-of", "2025-12-31")
    assert draft.exit_code == 0, draft.output  # never submitted: its records go with it
    assert "1 families" in draft.output or "1 family" in draft.output, draft.output

    def counts() -> tuple[int, int, int]:
        with open_database(sample_url).connect() as connection:
            return tuple(
                connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("set_aside_rows", "decisions", "claimed_families")
            )

    from datetime import UTC, datetime

    with open_database(sample_url).begin() as connection:  # the workspace's own records
        now = datetime.now(UTC)
        for job, state in (("done-job", "done"), ("running-job", "running")):
            connection.execute(
                text(
                    "INSERT INTO jobs (id, kind, owner, state, started_at, runner, progress, "
                    "report) VALUES (:id, 'import', 'dora', :state, :at, 'h:1', '{}', :report)"
                ),
                {"id": job, "state": state, "at": now, "report": b"PK workbook"},
            )
        connection.execute(
            text(
                "INSERT INTO web_sessions (id_sha256, account, started_at, seen_at) "
                "VALUES ('x', 'dora', :at, :at)"
            ),
            {"at": now},
        )

    from sfclaims.platform.job_files import work_root

    files = work_root(open_database(sample_url))
    for job in ("done-job", "running-job", "gone-job"):  # left behind by a server that died
        (files / job).mkdir()
        (files / job / "families.csv").write_text("Family ID\nF1\n")

    def workspace_rows() -> tuple[list[str], int]:
        with open_database(sample_url).connect() as connection:
            jobs = list(connection.execute(text("SELECT id FROM jobs ORDER BY id")).scalars())
            return jobs, connection.execute(text("SELECT count(*) FROM web_sessions")).scalar_one()

    set_aside, decisions, claimed = counts()
    assert set_aside and decisions and claimed
    kept = sfclaims(sample_url, "purge", "--before", "2020-01-01", "--yes")  # nothing that old
    assert kept.exit_code == 0 and counts() == (set_aside, decisions, claimed)
    later = sfclaims(sample_url, "purge", "--before", date.today().isoformat(), "--yes")
    assert later.exit_code == 3 and "Nothing was removed" in later.stderr  # retention keeps it
    assert counts() == (set_aside, decisions, claimed)
    made_long_ago(sample_url, years=3)  # as if the quarter's work were three years old
    start = date.fromordinal(date.today().toordinal() - 2 * 366).isoformat()  # 24 months kept
    asked = sfclaims(sample_url, "purge", "--before", start)  # no terminal to answer: nothing
    assert asked.exit_code == 1 and "1 draft claim runs" in " ".join(asked.stderr.split())
    assert counts() == (set_aside, decisions, claimed)
    purged = sfclaims(sample_url, "purge", "--before", start, "--yes")
    assert purged.exit_code == 0
    assert (
        f"{set_aside:,} set-aside rows, {decisions:,} stored decisions and 1 draft claim run."
        in " ".join(purged.stderr.split())
    )
    assert counts() == (0, 0, claimed - 1)  # the draft's one family went with it
    assert workspace_rows() == (["running-job"], 0)  # a job still running is never removed
    assert sorted(f.name for f in files.iterdir()) == ["running-job"]  # nor its files
    with open_database(sample_url).connect() as connection:
        assert connection.execute(text("SELECT run_id FROM claim_runs")).scalars().all() == [run]
    assert sfclaims(sample_url, "claim", "export", run, "--out", str(tmp_path)).exit_code == 0
    log = sfclaims(sample_url, "log").stdout.strip().splitlines()
    assert log[-2].split("\t")[2:4] == ["purge", "personal data"]
