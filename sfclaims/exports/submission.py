"""The claim submission for the department: the claimed families and their totals.

Written from what the run kept when it was made, so the same run exports the same bytes every
time, whatever was imported since.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import orjson
from xlsxwriter.workbook import Workbook

from sfclaims.activity import LOG_HEADERS, log_rows
from sfclaims.claim_runs import RunContents
from sfclaims.exports.files import write_csv
from sfclaims.exports.workbook import (
    new_workbook,
    print_on_one_page,
    write_notes,
    write_table,
)
from sfclaims.extracts.kinds import LIST_SEPARATOR
from sfclaims.framework import Framework
from sfclaims.models import ClaimRun
from sfclaims.people import SINGLE_USER_NOTE
from sfclaims.quarters import quarter_of

FAMILY_HEADERS = (
    "family ID",
    "episode start",
    "episode end",
    "headlines identified",
    "headlines evidenced (how)",
    "assessment completed",
    "plan started",
    "lead practitioner from",
    "school attendance check",
    "re-referral check",
)


def headlines_identified(needs: str) -> str:
    """The stored headline list as people read it: ``HEALTH; HOUSING``."""
    return needs.replace(LIST_SEPARATOR, "; ")


def headlines_evidenced(evidenced: str) -> str:
    """The stored headlines evidenced (JSON: headline -> how) as people read them:
    ``EDUCATION (attendance); HOUSING (outcome)``."""
    return "; ".join(f"{h} ({' and '.join(how)})" for h, how in orjson.loads(evidenced).items())


def family_rows(contents: RunContents) -> list[tuple]:
    return [
        (
            f.family_id,
            f.episode_start,
            f.episode_end,
            headlines_identified(f.needs),
            headlines_evidenced(f.evidenced),
            f.assessment_completed,
            f.plan_start,
            f.lead_practitioner_start,
            f.attendance_check,
            f.rereferral_check,
        )
        for f in contents.claimed
    ]


def when(moment: datetime | None) -> str:
    return f"{moment:%d/%m/%Y %H:%M} UTC" if moment else ""


def run_notes(contents: RunContents) -> list[tuple[str, object]]:
    run = contents.run
    return [
        ("claim run", run.run_id),
        ("period", run.period),
        ("as of", run.as_of),
        ("status", contents.status),
        ("created", when(run.created_at)),
        ("made by", run.created_by or ""),
        ("submitted", when(run.submitted_at)),
        ("submitted by", run.submitted_by or ""),
        ("audited by", ", ".join(auditors(contents)) or "no verdicts yet"),
        *((("accounts", SINGLE_USER_NOTE),) if not contents.separate_accounts else ()),
        ("families claimed", contents.run_claims),
        ("cap on families", run.max_families if run.max_families is not None else "none"),
        ("outcome framework", run.framework),
        ("framework sha256", run.framework_sha256),
        ("engine version", f"sfclaims {run.engine_version}"),
        ("activity log chain head", log_head_note(run)),
    ]


def log_head_note(run: ClaimRun) -> str:
    """The log's chain head the run was sealed with (sfclaims verify checks the log reaches it)."""
    if run.submitted_at is None:
        return "sealed at submission"
    return run.log_head or "not kept (submitted before the log was chained)"


def auditors(contents: RunContents) -> list[str]:
    """Who recorded the run's verdicts."""
    return sorted(
        {
            v.recorded_by or "not recorded"
            for history in contents.verdicts.values()
            for v in history
            if v.run_id == contents.run.run_id
        }
    )


def write_log(workbook: Workbook, contents: RunContents) -> None:
    """The run's activity log: who did what to it, and when."""
    write_table(workbook, "Log", LOG_HEADERS, log_rows(list(contents.log)))


DECLARATION = (
    "I confirm that the families in this claim meet the Supporting Families payment-by-results "
    "criteria of the outcome framework named here; that the evidence for each is held by the "
    "authority and available for audit; that internal audit has checked the sample recorded "
    "with this claim; and that no family in it has been claimed before."
)
TOTAL_HEADERS = ("headline", "name", "families with the need", "families evidenced")


def write_submission(
    contents: RunContents,
    framework: Framework,
    folder: Path,
    authority: tuple[str | None, str | None] = (None, None),
    quarters: str = "financial",
) -> list[Path]:
    """The submission workbook (a cover sheet with the declaration, the claimed families, the
    totals per headline, the run and its log) and a CSV of the family rows."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = family_rows(contents)
    totals = _totals(contents, framework)
    stem = f"claim-{contents.run.run_id}"
    workbook_path = folder / f"{stem}.xlsx"
    workbook = new_workbook(workbook_path, f"Supporting Families claim {contents.run.run_id}")
    _cover(workbook, contents, authority, quarters, totals)
    families = write_table(workbook, "Claimed families", FAMILY_HEADERS, rows)
    print_on_one_page(families, wide_only=True)
    print_on_one_page(write_table(workbook, "Totals", TOTAL_HEADERS, totals))
    write_notes(workbook, "Run", run_notes(contents))
    write_log(workbook, contents)
    workbook.close()

    csv_rows = ([_csv_cell(c) for c in row] for row in rows)
    return [workbook_path, write_csv(folder / f"{stem}.csv", FAMILY_HEADERS, csv_rows)]


def _csv_cell(value: object) -> object:
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else value


def _cover(
    workbook: Workbook,
    contents: RunContents,
    authority: tuple[str | None, str | None],
    quarters: str,
    totals: list[tuple],
) -> None:
    """What the department reads first: who claims, for when, how many, who prepared, audited
    and submitted it, and the declaration for the signing officer."""
    run = contents.run
    name, code = authority
    lines: list[tuple[str, object]] = [
        ("authority", name or "not set"),
        ("authority code", code or "not set"),
        ("claim period", run.period),
        ("families' needs met as of", run.as_of),
        (f"quarter of that date ({quarters} quarters)", quarter_of(run.as_of, quarters)),
        ("claim run", f"{run.run_id} ({contents.status})"),
        ("families claimed", len(contents.claimed)),
        *(
            (f"families with a need under {c}: {name_of}", identified)
            for c, name_of, identified, _evidenced in totals[1:]
            if identified
        ),
        ("prepared by", f"{run.created_by or 'not recorded'}, {when(run.created_at)}"),
        ("audited by", ", ".join(auditors(contents)) or "no verdicts yet"),
        (
            "submitted by",
            f"{run.submitted_by or 'not recorded'}, {when(run.submitted_at)}"
            if run.submitted_at
            else "not yet submitted",
        ),
        *((("accounts", SINGLE_USER_NOTE),) if not contents.separate_accounts else ()),
        ("declaration", DECLARATION),
        ("signed (the authority's signing officer)", ""),
        ("name", ""),
        ("role", ""),
        ("date", ""),
    ]
    sheet = write_table(workbook, "Submission", ("", "value"), lines, widths=(40, 90), wrapped=(1,))
    sheet.set_row(lines.index(("declaration", DECLARATION)) + 1, 75)
    print_on_one_page(sheet)


def _totals(contents: RunContents, framework: Framework) -> list[tuple]:
    identified = {h: 0 for h in framework.headline_codes}
    evidenced = dict(identified)
    for family in contents.claimed:
        for code in filter(None, family.needs.split(LIST_SEPARATOR)):
            identified[code] = identified.get(code, 0) + 1
        for code in orjson.loads(family.evidenced):
            evidenced[code] = evidenced.get(code, 0) + 1
    everyone = len(contents.claimed)
    rows: list[tuple] = [("all families claimed", "", everyone, everyone)]
    rows += [
        (code, _name(framework, code), identified.get(code, 0), evidenced.get(code, 0))
        for code in dict.fromkeys([*identified, *evidenced])  # the run's own, whatever is in force
    ]
    return rows


def _name(framework: Framework, code: str) -> str:
    return framework.headline(code).title if code in framework.headline_codes else ""
