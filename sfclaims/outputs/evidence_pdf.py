"""A family's evidence as a PDF, for the auditor's working papers and the department's spot
checks: the page the auditor sees in the workspace (one template, ``evidence.html``), printed on
A4 with the authority, the run and page numbers on every page."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Template

from sfclaims.claims.contents import FamilyRow, RunContents
from sfclaims.outputs.html import environment, write_pdf


def family_page(page: Template, contents: RunContents, family: FamilyRow, authority: str) -> str:
    """The family's evidence page, as HTML to print."""
    return page.render(
        contents=contents,
        family=family,
        findings=contents.evidence(family),
        verdicts=contents.verdicts.get(family.family_id, []),
        authority=authority,
    )


def pdf_name(run_id: str, family_id: str) -> str:
    return f"evidence-{run_id}-{family_id}.pdf"


def write_family_pdfs(contents: RunContents, out: Path, authority: str) -> list[Path]:
    """One PDF per family of the contents, in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    page = environment().get_template("evidence_print.html")  # made once for every family
    return [
        write_pdf(
            family_page(page, contents, f, authority),
            out / pdf_name(contents.run.run_id, f.family_id),
        )
        for f in contents.families
    ]
