"""A family's evidence PDF: the page the auditor sees, printed; read back as text."""

from __future__ import annotations

import re

from pypdf import PdfReader

from tests.test_cli import sfclaims


def test_a_familys_pdf_holds_its_rules_records_sources_and_verdicts(
    sample_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("SFCLAIMS_USER", "carl")
    made = sfclaims(sample_url, "claim", "run", "--period", "2025-Q3", "--as-of", "2025-09-30")
    run = made.stdout.strip().splitlines()[-1]
    family = sfclaims(sample_url, "audit", "sample", run, "--size", "1", "--seed", "4")
    family = family.stdout.split()[0]
    noted = "outcome evidence checked against the school's report"
    sfclaims(sample_url, "audit", "record", run, family, "--verdict", "pass", "--note", noted)
    out = tmp_path / "pdfs"
    written = sfclaims(sample_url, "audit", "pack", run, "--out", str(out), "--sample", "--pdf")
    assert written.exit_code == 0, written.output
    (pdf,) = out.glob("*.pdf")
    assert pdf.name == f"evidence-{run}-{family}.pdf"
    pages = PdfReader(pdf).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    assert f"Family {family}" in text and f"claim run {run}" in text
    for rule in (
        "At least 3 headline needs",
        "A whole-family assessment completed",
        "A family action plan covering the whole family",
        "A lead practitioner the family recognises",
    ):
        assert rule in text, rule
    assert "PASS" in text
    assert "needs.csv row" in text and "import" in text  # a record, its source file and row
    assert noted in text  # the verdict
    # the dates the rules read, beside each need and outcome, and a box for the sign-off
    assert "identified: " in text and re.search(r"achieved: \d\d/\d\d/\d{4}", text), text
    assert "Auditor's sign-off" in text and "Signature" in text
    assert f"Page 1 of {len(pages)}" in text and len(pages) <= 6
