import re
from datetime import UTC, datetime

from typer.testing import CliRunner

from sfclaims.cli import app


def imported_on(outputs) -> str:  # type: ignore[no-untyped-def]
    """The day the import's reports are named by: one of the days the demo ran on."""
    (report,) = outputs.glob("data-quality-report-*-import-1.xlsx")
    return report.name.removeprefix("data-quality-report-").removesuffix("-import-1.xlsx")


def test_the_demo_runs_the_whole_quarter_and_says_where_each_output_is(sqlite_url, tmp_path):
    began = datetime.now(UTC).date()
    out = tmp_path / "authority"
    result = CliRunner().invoke(
        app,
        ["--database-url", sqlite_url, "demo", "--out", str(out), "--families", "120"],
        catch_exceptions=False,
    )
    configured = tmp_path / "sfclaims.db"  # the team's database that --database-url names
    assert not configured.exists(), "the demo never writes into a configured database"
    assert (out / "sfclaims-demo.db").exists()
    assert result.exit_code == 0, result.output
    outputs = out / "outputs"
    sampled = int(re.search(r"Sampled (\d+) families", result.stderr)[1])
    today = imported_on(outputs)  # the import's day, as the database kept it
    assert today in {began.isoformat(), datetime.now(UTC).date().isoformat()}
    expected = [
        "claim-2025-Q1-R1.csv",
        "claim-2025-Q1-R1.xlsx",
        f"data-quality-report-{today}-import-1.xlsx",
        f"data-quality-set-aside-rows-{today}-import-1.csv",
        "decisions-2025-03-31.csv",
        "decisions-2025-03-31.xlsx",  # the work lists, beside the decisions as assess --out writes them
        "evidence-pack-2025-Q1-R1.xlsx",
        f"evidence-pack-2025-Q1-R1-{sampled}-families.xlsx",
        "progress-2025-03-31.xlsx",
        "outcomes-2025-03-31.xlsx",
    ]
    assert sorted(p.name for p in outputs.iterdir()) == sorted(expected)
    for name in expected:
        assert str(outputs / name) in result.stderr.replace("\n", "")
    assert "claim submit 2025-Q1-R1" in result.stderr
    assert f"--database-url sqlite:///{out / 'sfclaims-demo.db'}" in result.stderr.replace("\n", "")
