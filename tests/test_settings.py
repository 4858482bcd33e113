"""The authority's settings: set once per database, and the framework in force used by every
command, a differing --framework refused."""

from __future__ import annotations

from openpyxl import load_workbook
from typer.testing import CliRunner

from sfclaims.cli import app
from sfclaims.platform.db import open_database
from sfclaims.platform.framework import FRAMEWORK_ROOT, load_framework
from tests.conftest import PAYING_ON

OVERLAY = FRAMEWORK_ROOT / "local-overlay-example.toml"
runner = CliRunner()


def sfclaims(url: str, *args: str, **kwargs):
    return runner.invoke(app, ["--database-url", url, *args], catch_exceptions=False, **kwargs)


def stored_decisions(url: str) -> int:
    with open_database(url).connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM decisions").scalar_one()


def test_a_new_database_has_the_national_framework_in_force(tmp_path):
    new = f"sqlite:///{tmp_path / 'new.db'}"  # not a template: the tests' put a plan in force
    assert sfclaims(new, "init").exit_code == 0
    shown = sfclaims(new, "settings", "show")
    assert shown.exit_code == 0
    text = " ".join(shown.stderr.split())
    assert f"outcome framework the national framework ({load_framework().label()})" in text
    assert "quarters financial" in text and "authority not set" in text


def test_settings_are_set_and_the_rest_stay(sample_url):
    set_ = sfclaims(
        sample_url, "settings", "set", "--authority-name", "Cheshire East", "--allocation", "450"
    )
    assert set_.exit_code == 0
    again = sfclaims(sample_url, "settings", "set", "--authority-code", "E06000049")
    text = " ".join(again.stderr.split())
    assert "authority Cheshire East" in text and "authority code E06000049" in text
    assert "allocation 450" in text


def test_a_framework_other_than_the_one_in_force_is_refused_naming_both(sample_url):
    result = sfclaims(sample_url, "assess", "--as-of", "2025-09-30", "--framework", str(OVERLAY))
    assert result.exit_code == 3
    national = load_framework().label()
    local = load_framework(OVERLAY).label()
    assert result.stderr.strip() == (  # the tests' plan: the national one, paying on
        f"Error: The outcome framework in force is the local plan {PAYING_ON.name} ({national}), "
        f"but "
        f"--framework gives {OVERLAY} ({local}); to decide under it, put it in force first with "
        f"`sfclaims settings set --framework {OVERLAY}`."
    )
    assert stored_decisions(sample_url) == 0
    refused_run = sfclaims(
        sample_url,
        "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30", "--framework", str(OVERLAY),
    )  # fmt: skip
    assert refused_run.exit_code == 3


def test_once_a_local_plan_is_in_force_every_command_decides_under_it(sample_url):
    national = sfclaims(sample_url, "assess", "--as-of", "2025-09-30").stdout
    assert sfclaims(sample_url, "settings", "set", "--framework", str(OVERLAY)).exit_code == 0
    local = sfclaims(sample_url, "assess", "--as-of", "2025-09-30")
    assert local.exit_code == 0 and local.stdout != national
    same = sfclaims(sample_url, "assess", "--as-of", "2025-09-30", "--framework", str(OVERLAY))
    assert same.exit_code == 0 and same.stdout == local.stdout
    back = sfclaims(sample_url, "settings", "set", "--framework", "national")
    assert back.exit_code == 0
    assert sfclaims(sample_url, "assess", "--as-of", "2025-09-30").stdout == national


def test_a_local_plan_changed_on_disk_after_it_was_put_in_force_is_refused(sample_url, tmp_path):
    plan = tmp_path / "local.toml"
    plan.write_text(OVERLAY.read_text(encoding="utf-8"), encoding="utf-8")
    sfclaims(sample_url, "settings", "set", "--framework", str(plan))
    edited = plan.read_text(encoding="utf-8").replace("sustain_months = 12", "sustain_months = 9")
    plan.write_text(edited, encoding="utf-8")
    refused = sfclaims(sample_url, "assess", "--as-of", "2025-09-30")
    assert refused.exit_code == 3
    assert refused.stderr.strip() == (
        f"Error: The outcome framework in force ({plan}) has changed since it was put in force. "
        f"An admin puts it in force again with `sfclaims settings set --framework {plan}`."
    )


def test_init_takes_the_settings_and_the_progress_report_uses_the_quarters(sample_url, tmp_path):
    init = sfclaims(sample_url, "init", "--authority-name", "Anytown", "--quarters", "calendar")
    assert init.exit_code == 0 and "Anytown" in init.stderr
    report = sfclaims(
        sample_url, "report", "progress", "--as-of", "2025-09-30", "--out", str(tmp_path)
    )
    assert report.exit_code == 0
    sheet = load_workbook(tmp_path / "progress-2025-09-30.xlsx")["Progress"]
    header, first, *_ = list(sheet.values)
    assert header[0] == "quarter (calendar)" and first[0][4:6] == "-Q"


def test_a_claim_run_takes_no_more_than_the_allocation_left(sample_url):
    sfclaims(sample_url, "settings", "set", "--allocation", "7")  # 5 families claimed before
    made = sfclaims(sample_url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    assert made.exit_code == 0
    assert "families as of 30/09/2025 (capped at 2 of" in made.stderr.replace("\n", " ")
