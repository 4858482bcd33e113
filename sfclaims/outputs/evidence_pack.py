"""The evidence pack an auditor works from: per family, every rule, pass or fail, what it found
and the records it relied on with their source file and row, and every verdict recorded on the
family. A pack of chosen families (the audit sample, say) adds each family's records as the run
kept them, field by field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from xlsxwriter.workbook import Workbook

from sfclaims.claims import RunContents
from sfclaims.claims.audit import VERDICT_HEADERS, VERDICT_SHEET, VERDICTS
from sfclaims.deciding.facts import FACT_LISTS
from sfclaims.outputs.submission import (
    headlines_evidenced,
    headlines_identified,
    run_notes,
    when,
    write_log,
)
from sfclaims.platform.workbook import new_workbook, write_notes, write_table

RECORDS_SEPARATOR = "\n"  # one record a line in the cell
PRINTED_FONT_SIZE = 8  # the rules and records, a family's in about 3 pages of A4


def pack_path(folder: Path, run_id: str, families: Sequence[str]) -> Path:
    if not families:
        return folder / f"evidence-pack-{run_id}.xlsx"
    if len(families) == 1:
        return folder / f"evidence-pack-{run_id}-{families[0]}.xlsx"
    return folder / f"evidence-pack-{run_id}-{len(families)}-families.xlsx"


def write_evidence_pack(contents: RunContents, folder: Path, verdict_sheet: bool = False) -> Path:
    """The pack of the whole run, or of the families the contents were chosen for, with their
    records in full; ``verdict_sheet`` adds the sheet an auditor fills in (a row per family,
    pass or fail from a list, a note) for `audit import-verdicts` to read back."""
    families = contents.chosen
    folder.mkdir(parents=True, exist_ok=True)
    path = pack_path(folder, contents.run.run_id, families)
    workbook = new_workbook(path, f"Evidence pack for claim run {contents.run.run_id}")
    summary: list[tuple[Any, ...]] = []
    rules: list[tuple[Any, ...]] = []
    facts: list[tuple[Any, ...]] = []
    verdicts: list[tuple[Any, ...]] = []
    for family in contents.families:
        history = contents.verdicts.get(family.family_id, [])
        summary.append(
            (
                family.family_id,
                "withdrawn after audit" if family.withdrawn else "claimed",
                history[-1].verdict if history else "",
                headlines_identified(family.needs),
                headlines_evidenced(family.evidenced),
            )
        )
        rules.extend(
            (
                family.family_id,
                finding.rule,
                "PASS" if finding.passed else "FAIL",
                "; ".join(finding.reasons),
                finding.says,
                RECORDS_SEPARATOR.join(
                    # with the family's records sheet beside them, each record in brief
                    r.in_brief if families else str(r)
                    for r in finding.records
                ),
            )
            for finding in contents.evidence(family)
        )
        if families:
            used = {r.record_id for f in contents.evidence(family) for r in f.records}
            facts.extend(_fact_rows(family.family_id, orjson.loads(family.facts), used))
        verdicts.extend(
            (
                family.family_id,
                v.run_id,
                v.verdict,
                v.note,
                when(v.recorded_at),
                v.recorded_by or "",
            )
            for v in history
        )
    write_table(
        workbook,
        "Families",
        (
            "family ID",
            "in this run",
            "latest verdict",
            "headlines identified",
            "headlines evidenced (how)",
        ),
        summary,
        (10, 10, 10, 30, 40),
        wrapped=(3, 4),  # every headline printed, never cut at the column's edge
    )
    write_table(
        workbook,
        "Rules",
        (
            "family ID",
            "rule",
            "result",
            "reason codes",
            "what it found",
            "records relied on [source file and row]",
        ),
        rules,
        (8, 26, 4, 12, 36, 46),
        wrapped=(1, 3, 4, 5),
        font_size=PRINTED_FONT_SIZE,
        # a rule relying on more records than a row holds goes on over more rows, each with
        # the family, the rule and its result (a filter on the result keeps them all)
        continued=(0, 1, 2),
    )
    if families:
        write_table(
            workbook,
            "Family records",
            ("family ID", "record", "ID", "details", "source file", "source row", "import"),
            facts,
            (8, 10, 16, 56, 14, 5, 19),
            wrapped=(3,),
            font_size=PRINTED_FONT_SIZE,
        )
    write_table(
        workbook,
        "Verdicts",
        ("family ID", "claim run", "verdict", "note", "recorded", "recorded by"),
        verdicts,
        (10, 12, 7, 50, 16, 14),
        wrapped=(3,),  # the auditor's note whole
    )
    if verdict_sheet:
        latest = {
            family: [v for v in history if v.run_id == contents.run.run_id][-1:]
            for family, history in contents.verdicts.items()
        }
        _verdicts_to_record(
            workbook,
            sorted(f.family_id for f in contents.families),
            {family: found[0] for family, found in latest.items() if found},
        )
    write_notes(workbook, "Run", run_notes(contents))
    write_log(workbook, contents)
    workbook.close()
    return path


def _fact_rows(family_id: str, facts: dict[Any, Any], used: set[str]) -> list[tuple[Any, ...]]:
    """Each record the run kept for the family, its fields as ``name: value`` (a UPN only where
    a rule used it: a pupil's attendance), with its file, row and import."""
    rows = [
        (
            family_id,
            "family",
            family_id,
            f"episode start: {_text(facts['episode_start'])}; "
            f"episode end: {_text(facts['episode_end'])}",
            *_where(facts["source"]),
        )
    ]
    lists = [(name, facts[name]) for name in FACT_LISTS]
    lists.append(
        ("attendance", [r for upn in sorted(facts["attendance"]) for r in facts["attendance"][upn]])
    )
    for name, items in lists:
        for item in items:
            fields = dict(item)
            source = fields.pop("source")
            first_key = next(iter(fields))
            record_id = str(fields.pop(first_key))
            if fields.get("upn") and fields["upn"] not in used:
                fields["upn"] = "(held; no rule used it)"
            details = "; ".join(f"{k.replace('_', ' ')}: {_text(v)}" for k, v in fields.items())
            rows.append((family_id, name.replace("_", " "), record_id, details, *_where(source)))
    return rows


def _where(source: list[Any]) -> tuple[str, int, str]:
    """A kept source (``[file, row]``, or ``[file, row, batch, imported]`` since records named
    their import) as file, row and the import."""
    file, row, *loaded = source
    if len(loaded) == 2 and loaded[0] is not None:
        return file, row, f"import {loaded[0]} of {_text(loaded[1])}"
    return file, row, ""


def _text(value: object) -> str:
    """A kept value as people read it: dates dd/mm/yyyy, yes/no, lists comma-separated."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _verdicts_to_record(workbook: Workbook, families: list[str], recorded: dict[Any, Any]) -> None:
    """A row per sampled family: those still to check first, blank to fill in; then those
    checked, with the verdict that stands and who recorded it when (read back, a row left as
    it was records nothing again)."""
    to_check = [(family, "", "", "") for family in families if family not in recorded]
    checked = [
        (
            family,
            recorded[family].verdict,
            recorded[family].note,
            f"recorded by {recorded[family].recorded_by or 'not named'} on "
            f"{recorded[family].recorded_at:%d/%m/%Y %H:%M}",
        )
        for family in families
        if family in recorded
    ]
    rows = to_check + checked
    sheet = write_table(
        workbook,
        VERDICT_SHEET,
        (*VERDICT_HEADERS, "already recorded"),
        rows,
        widths=(14, 10, 70, 40),
    )
    if rows:
        sheet.data_validation(
            1,
            1,
            len(rows),
            1,
            {
                "validate": "list",
                "source": list(VERDICTS),
                "input_title": "Verdict",
                "input_message": "pass or fail",
                "error_message": "The verdict is pass or fail.",
            },
        )
    sheet.activate()
