"""A family's evidence as a PDF, for the auditor's working papers and the department's spot
checks: the page the auditor sees in the workspace (one template, ``evidence.html``), printed on
A4 with the authority, the run and page numbers on every page."""

from __future__ import annotations

from pathlib import Path

from sfclaims.claim_runs import RunContents
from sfclaims.exports.html import environment, write_pdf


def family_page(contents: RunContents, family_id: str, authority: str) -> str:
    """The family's evidence page, as HTML to print."""
    (family,) = [f for f in contents.families if f.family_id == family_id]
    return (
        environment()
        .get_template("evidence_print.html")
        .render(
            contents=contents,
            family=family,
            findings=contents.evidence(family),
            verdicts=contents.verdicts.get(family.family_id, []),
            authority=authority,
        )
    )


def pdf_name(run_id: str, family_id: str) -> str:
    return f"evidence-{run_id}-{family_id}.pdf"


def write_family_pdfs(contents: RunContents, out: Path, authority: str) -> list[Path]:
    """One PDF per family of the contents, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        write_pdf(
            family_page(contents, f.family_id, authority),
            out / pdf_name(contents.run.run_id, f.family_id),
        )
        for f in contents.families
    ]
