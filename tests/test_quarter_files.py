"""The quarter's files (actions.quarter_files): one decide, at one state of the data, for the
decisions file, the work lists, the forecast and the progress report."""

import csv
from datetime import date

from sfclaims.actions import quarter_files
from sfclaims.intake.importing import import_folder
from sfclaims.people.accounts import Actor
from sfclaims.platform.roles import ROLES
from tests.test_claim_reuse import FRAMEWORK

AS_OF = date(2025, 9, 30)
CLAIMABLE = "F000005"  # claimable as of the date in the sample authority


def rows(path):
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_quarters_files_agree_when_an_import_lands_midway(sample_engine, tmp_path, monkeypatch):
    from sfclaims.deciding import assessing

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "previous_claims.csv").write_text(f"Family ID,Claim Period\n{CLAIMABLE},2025-Q1\n")
    deciding = assessing.assess_and_store

    def decided_then_imported(*args, **kwargs):
        decided = deciding(*args, **kwargs)
        import_folder(sample_engine, landing, FRAMEWORK)  # the family is claimed from now on
        return decided

    monkeypatch.setattr(assessing, "assess_and_store", decided_then_imported)
    out = tmp_path / "files"
    out.mkdir()
    alone = Actor("officer", frozenset(ROLES), single_user=True)
    written = quarter_files(sample_engine, alone, AS_OF, out)
    assert sorted(p.name for p in written) == [
        "decisions-2025-09-30.csv",
        "decisions-2025-09-30.xlsx",
        "forecast-2025-09-30.csv",
        "forecast-2025-09-30.xlsx",
        "progress-2025-09-30.xlsx",
    ]
    decisions = rows(out / "decisions-2025-09-30.csv")
    assert {"family_id": CLAIMABLE, "claimable": "Y"}.items() <= next(
        d for d in decisions if d["family_id"] == CLAIMABLE
    ).items()
    not_claimable = [d["family_id"] for d in decisions if d["claimable"] == "N"]
    assert [f["family_id"] for f in rows(out / "forecast-2025-09-30.csv")] == not_claimable
