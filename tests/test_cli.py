"""The command line: exact messages and exit codes, and the same output as the library."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from sfclaims.assessing import assess, write_decisions
from sfclaims.cli import app
from sfclaims.db import open_database
from sfclaims.framework import load_framework
from tests.conftest import SAMPLE_AUTHORITY, SAMPLE_DECISIONS

runner = CliRunner()


def sfclaims(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args], catch_exceptions=False)


@pytest.fixture
def imported(database_url: str, tmp_path: Path) -> str:
    result = sfclaims(
        database_url, "import", str(SAMPLE_AUTHORITY), "--report-dir", str(tmp_path / "report")
    )
    assert result.exit_code == 0, result.output
    return database_url


def test_help_explains_every_command():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "import", "assess"):
        assert command in result.stdout


def test_import_prints_a_summary_and_writes_the_data_quality_report(database_url, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "families.csv").write_text("Family ID,Episode Start Date\nF1,01/01/2024\nF2,soon\n")
    result = sfclaims(database_url, "import", str(folder), "--report-dir", str(tmp_path / "out"))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "families.csv" in result.stderr and "1 rows were set aside" in result.stderr
    workbook = load_workbook(tmp_path / "out" / "data-quality-report.xlsx")
    assert workbook.sheetnames == ["Files", "Set-aside rows", "About"]
    rows = list(workbook["Set-aside rows"].values)
    assert rows == [
        ("file", "row", "column", "value", "reason"),
        (
            "families.csv",
            3,
            "Episode Start Date",
            "soon",
            "Episode Start Date is not a date; use DD/MM/YYYY or YYYY-MM-DD.",
        ),
    ]
    assert workbook["Set-aside rows"].freeze_panes == "A2"
    csv_text = (tmp_path / "out" / "data-quality-set-aside-rows.csv").read_text(
        encoding="utf-8-sig"
    )
    assert csv_text.splitlines()[1].startswith("families.csv,3,Episode Start Date,soon,")


def test_the_same_import_writes_the_same_report_bytes(sqlite_url, tmp_path):
    for out in ("one", "two"):
        assert (
            sfclaims(
                sqlite_url, "import", str(SAMPLE_AUTHORITY), "--report-dir", str(tmp_path / out)
            ).exit_code
            == 0
        )
    name = "data-quality-report.xlsx"
    assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_a_refused_file_exits_3_with_one_sentence_naming_the_file_and_columns(sqlite_url, tmp_path):
    folder = tmp_path / "extracts"
    folder.mkdir()
    (folder / "families.csv").write_text("Family ID,Team\nF1,North\n")
    result = sfclaims(sqlite_url, "import", str(folder))
    assert result.exit_code == 3
    assert result.stderr.replace("\n", " ").strip() == (
        "Error: families.csv is missing the required column Episode Start Date; add it to the "
        "extract or map the authority's header in mapping.toml."
    )
    assert "Traceback" not in result.output


def test_a_folder_that_does_not_exist_is_a_usage_error(sqlite_url, tmp_path):
    result = sfclaims(sqlite_url, "import", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_assess_writes_the_same_csv_to_standard_output_as_the_library(imported):
    result = sfclaims(imported, "assess", "--as-of", "2025-09-30")
    assert result.exit_code == 0
    handle = io.StringIO()
    write_decisions(assess(open_database(imported), load_framework(), date(2025, 9, 30)), handle)
    assert result.stdout == handle.getvalue() == SAMPLE_DECISIONS.read_text()
    assert "claimable" in result.stderr and "Near misses" in result.stderr


def test_assess_out_writes_the_file_and_keeps_standard_output_clean(imported, tmp_path):
    out = tmp_path / "deep" / "decisions.csv"
    result = sfclaims(imported, "assess", "--as-of", "2025-09-30", "--out", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text() == SAMPLE_DECISIONS.read_text()


def test_assess_family_explains_every_rule_with_its_records_and_sources(imported):
    result = sfclaims(imported, "assess", "--as-of", "2025-09-30", "--family", "F000006")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].startswith("F000006,Y,N,EDUCATION;HEALTH;CRIME,")
    explanation = result.stderr
    assert "PASS At least 3 headline needs" in explanation
    assert "FAIL School attendance in the most recent complete term" in explanation
    assert "(Summer 2024/25: 13 of 129 sessions missed) [attendance.csv row 74]" in explanation


def test_assess_an_unknown_family_is_a_usage_error(imported):
    result = sfclaims(imported, "assess", "--as-of", "2025-09-30", "--family", "F999")
    assert result.exit_code == 2
    assert "There is no family F999" in result.stderr


def test_a_date_that_is_not_a_date_is_a_usage_error(sqlite_url):
    result = sfclaims(sqlite_url, "assess", "--as-of", "30/09/2025")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "Error: The date '30/09/2025' given to --as-of is not a date; write it as YYYY-MM-DD."
    )


def test_a_bad_framework_overlay_exits_3_naming_the_file(imported, tmp_path):
    overlay = tmp_path / "local.toml"
    overlay.write_text("[thresholds]\nminimum_headlines = 0\n")
    result = sfclaims(imported, "assess", "--as-of", "2025-09-30", "--framework", str(overlay))
    assert result.exit_code == 3
    assert "local.toml: thresholds.minimum_headlines" in result.stderr.replace("\n", "")


def test_init_creates_the_schema_on_postgresql_and_a_second_init_is_harmless(postgres_url):
    assert sfclaims(postgres_url, "init").exit_code == 0
    assert sfclaims(postgres_url, "init").exit_code == 0
    assert sfclaims(postgres_url, "assess", "--as-of", "2025-09-30").stdout == (
        "family_id,eligible,claimable,needs,reasons\n"
    )


def test_a_postgresql_database_without_the_schema_says_to_run_init(postgres_url):
    result = sfclaims(postgres_url, "assess", "--as-of", "2025-09-30")
    assert result.exit_code == 2
    assert "run `sfclaims init`" in result.stderr
