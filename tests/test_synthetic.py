from sfclaims.deciding.rules import REASONS
from sfclaims.intake.synthetic import write_authority


def test_the_same_seed_writes_the_same_files_and_another_seed_does_not(tmp_path):
    one = write_authority(tmp_path / "one", families=40, seed=7)
    two = write_authority(tmp_path / "two", families=40, seed=7)
    write_authority(tmp_path / "three", families=40, seed=8)
    assert one.rows == two.rows
    for name in ("families.csv", "needs.csv", "attendance.csv", "mapping.toml"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert (tmp_path / "one" / "needs.csv").read_bytes() != (
        tmp_path / "three" / "needs.csv"
    ).read_bytes()


def test_the_folder_has_every_kind_some_as_xlsx_and_a_mapping(tmp_path):
    write_authority(tmp_path, families=30)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "lead_practitioners.xlsx" in names and "previous_claims.xlsx" in names
    assert "families.csv" in names and "mapping.toml" in names
    assert "Pupil UPN" in (tmp_path / "people.csv").read_text(encoding="utf-8-sig").splitlines()[0]


def test_the_synthetic_authority_imports_and_has_families_for_every_outcome(tmp_path, engine):
    from sfclaims.deciding.assessing import assess
    from sfclaims.intake.importing import import_folder
    from sfclaims.platform.framework import load_framework

    authority = write_authority(tmp_path / "authority", families=400, seed=11)
    framework = load_framework()
    result = import_folder(engine, authority.folder, framework)
    assert result.problems, "the synthetic bad rows are set aside"
    decisions = assess(engine, framework, authority.as_of)
    assert any(d.claimable for d in decisions)
    found = {code.split(":")[0] for d in decisions for code in d.reasons}
    # every reason occurs but a failed audit, which needs an audit history (tests/test_audit.py)
    assert found == {reason.code for reason in REASONS} - {"AUDIT_FAILED"}


def test_a_busy_authority_has_the_same_families_with_many_more_records(tmp_path, sqlite_url):
    from sfclaims.intake.importing import import_folder
    from sfclaims.platform.db import open_database
    from sfclaims.platform.framework import load_framework

    typical = write_authority(tmp_path / "typical", families=60, seed=5, bad_rows=False)
    busy = write_authority(tmp_path / "busy", families=60, seed=5, bad_rows=False, shape="busy")
    for kind in ("families", "people", "attendance"):
        assert (tmp_path / "typical" / f"{kind}.csv").read_bytes() == (
            tmp_path / "busy" / f"{kind}.csv"
        ).read_bytes()
    for kind in ("needs", "outcomes", "referrals"):
        assert busy.rows[kind] > 2 * typical.rows[kind]
    result = import_folder(open_database(sqlite_url), busy.folder, load_framework())
    assert result.problems == [], "every extra record is a valid one"
