"""The close-out archive (contract.md, `archive`, `verify --archive`): every submitted run with
its submission, an evidence PDF per claimed family, its sample, verdicts and seal, the ledger
and the log with its chain head, and a manifest `sha256sum -c` checks with no sfclaims; any
file changed, removed or slipped in is named, and a manifest written again breaks its seal."""

from __future__ import annotations

import csv
import json
import subprocess

import pytest

from sfclaims.claims import create_run, run_contents
from sfclaims.claims.audit import record_verdict
from tests.test_claims import AS_OF, FRAMEWORK, audited_and_submitted
from tests.test_cli import sfclaims


@pytest.fixture
def archived(sample_url, tmp_path):  # type: ignore[no-untyped-def]
    from sfclaims.platform.db import open_database

    engine = open_database(sample_url)
    run = create_run(engine, FRAMEWORK, "2025-Q3", AS_OF, max_families=4).run_id
    families = [f.family_id for f in run_contents(engine, run).claimed]
    record_verdict(engine, run, families[0], "pass", "checked")
    audited_and_submitted(engine, run)
    engine.dispose()
    out = tmp_path / "archive"
    made = sfclaims(sample_url, "archive", "--out", str(out))
    assert made.exit_code == 0, made.output
    return out, run


def test_the_archive_holds_every_submitted_run_the_ledger_and_the_log(archived):
    out, run = archived
    folder = out / "runs" / run
    assert (folder / f"claim-{run}.xlsx").is_file() and (folder / f"claim-{run}.csv").is_file()
    with (folder / f"claim-{run}.csv").open(encoding="utf-8-sig") as handle:
        claimed = [row["family ID"] for row in csv.DictReader(handle)]
    assert sorted(p.name for p in (folder / "evidence").iterdir()) == sorted(
        f"evidence-{run}-{family}.pdf" for family in claimed
    )
    sealed = json.loads((folder / "seal.json").read_text(encoding="utf-8"))
    assert sealed["run_id"] == run and sealed["seal"] and sealed["log_head"]
    with (folder / "sample-and-verdicts.csv").open(encoding="utf-8-sig") as handle:
        assert any(row["verdict"] == "pass" for row in csv.DictReader(handle))
    with (out / "activity-log.csv").open(encoding="utf-8-sig") as handle:
        log = list(csv.DictReader(handle))
    assert any(r["action"] == "claim run submitted" and r["object"] == run for r in log)
    position, head = (out / "chain-head.txt").read_text(encoding="utf-8").split()
    assert log[-1]["position"] == position and log[-1]["link"] == head
    assert (out / "previous-claims.csv").is_file() and (out / "README.txt").is_file()
    # checked with no sfclaims at all
    checked = subprocess.run(
        ["sha256sum", "--check", "--quiet", "MANIFEST.sha256"], cwd=out, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


def test_verify_names_a_changed_missing_or_added_file_and_a_manifest_written_again(
    archived, sample_url
):
    out, run = archived
    held = sfclaims(sample_url, "verify", "--archive", str(out))
    assert held.exit_code == 0 and "The archive holds" in held.stderr
    pdf = next((out / "runs" / run / "evidence").iterdir())
    data = bytearray(pdf.read_bytes())
    data[-10] ^= 1  # one byte
    pdf.write_bytes(bytes(data))
    (out / "runs" / run / "seal.json").unlink()
    (out / "extra.txt").write_text("slipped in", encoding="utf-8")
    changed = sfclaims(sample_url, "verify", "--archive", str(out))
    assert changed.exit_code == 3
    said = " ".join(changed.stderr.split())
    name = pdf.relative_to(out).as_posix()
    assert f"{name} has changed since the archive was made." in said
    assert f"runs/{run}/seal.json is missing." in said
    assert "extra.txt is not in the manifest." in said
    # the manifest made again to match: its seal (the council's key) no longer does
    (out / "extra.txt").unlink()
    import hashlib

    lines = []
    for line in (out / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines():
        digest, _, listed = line.partition("  ")
        path = out / listed
        if path.is_file():
            lines.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {listed}\n")
    (out / "MANIFEST.sha256").write_text("".join(lines), encoding="utf-8")
    rewritten = sfclaims(sample_url, "verify", "--archive", str(out))
    assert rewritten.exit_code == 3
    assert "MANIFEST.sha256 itself was changed" in " ".join(rewritten.stderr.split())


def test_an_archive_is_written_only_into_an_empty_folder(sample_url, tmp_path):
    (tmp_path / "kept.txt").write_text("mine", encoding="utf-8")
    refused = sfclaims(sample_url, "archive", "--out", str(tmp_path))
    assert refused.exit_code == 2 and "is not empty" in " ".join(refused.stderr.split())
