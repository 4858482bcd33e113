"""The claim submission for the department: the claimed families and their totals.

Written from what the run kept when it was made, so the same run exports the same bytes every
time, whatever was imported since.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from sfclaims.claims import SUBMITTED_ACTION, RunContents
from sfclaims.intake.kinds import LIST_SEPARATOR
from sfclaims.outputs.files import write_csv
from sfclaims.people.accounts import SINGLE_USER_NOTE
from sfclaims.platform.activity import LOG_HEADERS, log_rows
from sfclaims.platform.framework import Framework
from sfclaims.platform.models import ClaimRun
from sfclaims.platform.workbook import (
    new_workbook,
    print_on_one_page,
    write_table,
)

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


def family_rows(contents: RunContents) -> list[tuple[Any, ...]]:
    """A row per claimed family, each data check with what it found (the CSV's rows)."""
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


PRINTED_HEADERS = (
    "family ID",
    "episode start",
    "episode end",
    "assessment completed",
    "plan started",
    "lead practitioner from",
    "headlines met (how evidenced)",
    "school attendance check",
    "re-referral check",
)
PRINTED_WIDTHS = (8, 8, 8, 8, 8, 8, 72, 9, 9)  # characters at 8 pt: A4 landscape, ~40 a page


def in_brief(contents: RunContents) -> list[tuple[Any, ...]]:
    """The claimed families as the workbook prints them, a family to a line: the headlines met
    grouped by how they were evidenced (a claimed family's every headline is), and each data
    check's result without what it found, which the CSV and the family's evidence give in full."""
    return [
        (
            f.family_id,
            f.episode_start,
            f.episode_end,
            f.assessment_completed,
            f.plan_start,
            f.lead_practitioner_start,
            headlines_by_how(f.evidenced),
            f.attendance_check.split(":", 1)[0],
            f.rereferral_check.split(":", 1)[0],
        )
        for f in contents.claimed
    ]


def headlines_by_how(evidenced: str) -> str:
    """The stored headlines evidenced, grouped by how:
    ``HEALTH, HOUSING (outcome); EDUCATION (attendance)``."""
    grouped: dict[str, list[str]] = {}
    for headline, how in orjson.loads(evidenced).items():
        grouped.setdefault(" and ".join(how), []).append(headline)
    return "; ".join(f"{', '.join(headlines)} ({how})" for how, headlines in grouped.items())


def when(moment: datetime | None) -> str:
    return f"{moment:%d/%m/%Y %H:%M} UTC" if moment else ""


def run_notes(contents: RunContents) -> list[tuple[str, object]]:
    run = contents.run
    return [
        ("claim run", run.run_id),
        ("quarter", contents.period),
        ("as of", run.as_of),
        ("status", contents.status),
        ("created", when(run.created_at)),
        ("made by", run.created_by or ""),
        ("submitted", when(run.submitted_at)),
        ("submitted by", run.submitted_by or ""),
        ("audited by", ", ".join(auditors(contents)) or "no verdicts yet"),
        ("internal audit found", contents.conclusion.sentence() if contents.conclusion else ""),
        *((("accounts", SINGLE_USER_NOTE),) if not contents.separate_accounts else ()),
        ("families claimed", contents.run_claims),
        *made_with(run),
    ]


def made_with(run: ClaimRun) -> list[tuple[str, object]]:
    """What the run was made under: the most families it could claim, the framework (and its
    file's fingerprint), the engine, and the activity log's fingerprint when it was sealed."""
    return [
        (
            "most families it could claim",
            run.max_families if run.max_families is not None else "no limit",
        ),
        ("outcome framework", run.framework),
        ("the framework file's fingerprint (SHA-256)", run.framework_sha256),
        ("engine version", f"sfclaims {run.engine_version}"),
        ("the activity log's fingerprint when submitted", log_head_note(run)),
    ]


def log_head_note(run: ClaimRun) -> str:
    """The log's chain head the run was sealed with (sfclaims verify checks the log reaches it)."""
    if run.submitted_at is None:
        return "sealed at submission"
    return run.log_head or "not kept (submitted before the log was chained)"


def auditors(contents: RunContents, how: bool = False) -> list[str]:
    """Who recorded the run's verdicts (``how``: and how each was identified)."""
    names = {
        v.recorded_by or "not recorded"
        for history in contents.verdicts.values()
        for v in history
        if v.run_id == contents.run.run_id
    }
    if not how:
        return sorted(names)
    return sorted(named(contents, name, VERDICT_ACTIONS) for name in names)


MADE = "claim run made"
VERDICT_ACTIONS = ("verdict pass", "verdict fail")


def named(contents: RunContents, name: str | None, actions: str | tuple[str, ...]) -> str:
    """The person by their full name (their account's, when it has none), with how they were
    identified when they did it, as the run's log says: ``Carl Jung (identified by database
    login)``."""
    if not name:
        return "not recorded"
    chosen = (actions,) if isinstance(actions, str) else actions
    hows = sorted(
        {
            e.identified_by
            for e in contents.log
            if e.who == name and e.action in chosen and e.identified_by
        }
    )
    person = contents.people.get(name, name)
    return f"{person} (identified by {' and '.join(hows)})" if hows else person


def write_log(workbook: Workbook, contents: RunContents) -> None:
    """The run's activity log: who did what to it, and when."""
    write_table(workbook, "Log", LOG_HEADERS, log_rows(list(contents.log)))


DECLARATION = (
    "I confirm that the families in this claim meet the Supporting Families payment-by-results "
    "criteria of the outcome framework named here; that the evidence for each is held by the "
    "authority and available for audit; that internal audit has checked the sample recorded "
    "with this claim; and that no family in it has been claimed before."
)


def write_submission(
    contents: RunContents,
    framework: Framework,
    folder: Path,
    authority: tuple[str | None, str | None] = (None, None),
    results_payment: int = 800,
) -> list[Path]:
    """The submission workbook and a CSV of the family rows. Printed, the workbook is a cover
    page (the authority, the totals by headline, who made, audited and submitted the run, what
    it was made under, the declaration and its signature block), the families at about 40 a
    page, and the run's log."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = family_rows(contents)
    totals = _totals(contents, framework)
    stem = f"claim-{contents.run.run_id}"
    workbook_path = folder / f"{stem}.xlsx"
    workbook = new_workbook(workbook_path, f"Supporting Families claim {contents.run.run_id}")
    department = framework.programme.department_for(contents.run.period)
    _cover(workbook, contents, authority, totals, (department, results_payment))
    families = write_table(
        workbook, "Claimed families", PRINTED_HEADERS, in_brief(contents), PRINTED_WIDTHS, (6,), 8
    )
    print_on_one_page(families, wide_only=True)
    families.hide_gridlines(0)  # printed as a table: each family's cells ruled off
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
    totals: list[tuple[Any, ...]],
    paid: tuple[str | None, int],
) -> None:
    """What the department reads first, on one A4 page: who claims from whom (the department
    the period's claims went to, by the programme's calendar), for when, how many and for how
    much (by headline, with the headline's full name), who prepared, audited and submitted it,
    and the declaration with a block for the signing officer to sign."""
    run = contents.run
    name, code = authority
    department, payment = paid
    claimed = len(contents.claimed)
    about: list[tuple[str, object]] = [
        ("authority", name or "not set"),
        ("authority code", code or "not set"),
        ("claimed from", department or "the department the programme names"),
        ("quarter claimed for", contents.period),
        ("families' needs met as of", run.as_of),
        ("claim run", f"{run.run_id} ({contents.status})"),
        ("families claimed", claimed),
        ("results payment", f"£{payment:,} a family: £{payment * claimed:,} claimed"),
    ]
    people: list[tuple[str, object]] = [
        (
            "prepared by",
            f"{named(contents, run.created_by, MADE)}, {when(run.created_at)}",
        ),
        ("audited by", ", ".join(auditors(contents, how=True)) or "no verdicts yet"),
        ("internal audit found", contents.conclusion.sentence() if contents.conclusion else ""),
        (
            "submitted by",
            f"{named(contents, run.submitted_by, SUBMITTED_ACTION)}, {when(run.submitted_at)}"
            if run.submitted_at
            else "not yet submitted",
        ),
        *((("accounts", SINGLE_USER_NOTE),) if not contents.separate_accounts else ()),
    ]
    sheet = workbook.add_worksheet("Submission")
    style = _CoverStyle(workbook)
    sheet.set_column(0, 0, 42, style.label)
    sheet.set_column(1, 2, 24, style.value)
    sheet.write_string(0, 0, "Supporting Families payment-by-results claim", style.title)
    sheet.set_row(0, 24)
    row = 2
    for label, value in about:
        row = _cover_line(sheet, style, row, label, value)
    row += 1
    sheet.write_row(
        row, 0, ("headline", "families with the need", "families evidenced"), style.head
    )
    for code_, name_of, identified, evidenced in totals:
        if identified or evidenced:
            row += 1
            headline = f"{name_of} ({code_})" if name_of else code_
            sheet.write_string(row, 0, headline, style.label)
            sheet.set_row(row, 15 * -(-len(headline) // 44))  # the full name, wrapped
            sheet.write_number(row, 1, identified, style.number)
            sheet.write_number(row, 2, evidenced, style.number)
    row += 2
    for label, value in [*people, *made_with(run)]:
        row = _cover_line(sheet, style, row, label, value)
    row += 1
    sheet.write_string(row, 0, "declaration", style.label)
    sheet.merge_range(row, 1, row, 2, DECLARATION, style.value)
    sheet.set_row(row, 105)
    row += 2
    sheet.write_string(row, 0, "for the authority's signing officer", style.label)
    for label, height in SIGNATURE_BLOCK:
        row += 1
        sheet.write_string(row, 0, label, style.label)
        sheet.merge_range(row, 1, row, 2, "", style.to_fill)
        sheet.set_row(row, height)
    sheet.print_area(0, 0, row, 2)
    sheet.fit_to_pages(1, 1)
    sheet.repeat_rows(0)


SIGNATURE_BLOCK = (("signature", 45), ("name", 24), ("role", 24), ("date", 24))


class _CoverStyle:
    """The cover's formats: labels and values at the top of their rows and wrapped, counts as
    numbers, a box for each thing the signing officer fills in."""

    def __init__(self, workbook: Workbook) -> None:
        top = {"valign": "top", "text_wrap": True}
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.label = workbook.add_format({**top, "bold": True})
        self.value = workbook.add_format({**top, "align": "left"})
        self.number = workbook.add_format({**top, "num_format": "#,##0", "align": "left"})
        self.date = workbook.add_format({**top, "num_format": "dd/mm/yyyy", "align": "left"})
        self.head = workbook.add_format({**top, "bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.to_fill = workbook.add_format({**top, "border": 1})


def _cover_line(sheet: Worksheet, style: _CoverStyle, row: int, label: str, value: object) -> int:
    """A label and its value (text across the value columns; a number or date as itself)."""
    sheet.write_string(row, 0, label, style.label)
    if isinstance(value, str):
        sheet.merge_range(row, 1, row, 2, value, style.value)
        if len(value) > 48:
            sheet.set_row(row, 15 * -(-len(value) // 48))
    elif isinstance(value, date):
        sheet.write_datetime(row, 1, datetime(value.year, value.month, value.day), style.date)
    else:
        sheet.write_number(row, 1, value, style.number)
    return row + 1


def _totals(contents: RunContents, framework: Framework) -> list[tuple[Any, ...]]:
    """Per headline: its code, its name, the claimed families with the need and evidenced."""
    identified = {h: 0 for h in framework.headline_codes}
    evidenced = dict(identified)
    for family in contents.claimed:
        for code in filter(None, family.needs.split(LIST_SEPARATOR)):
            identified[code] = identified.get(code, 0) + 1
        for code in orjson.loads(family.evidenced):
            evidenced[code] = evidenced.get(code, 0) + 1
    return [
        (code, _name(framework, code), identified.get(code, 0), evidenced.get(code, 0))
        for code in dict.fromkeys([*identified, *evidenced])  # the run's own, whatever is in force
    ]


def _name(framework: Framework, code: str) -> str:
    return framework.headline(code).title if code in framework.headline_codes else ""
