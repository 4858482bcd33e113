"""The evidence pack an auditor works from: per family, every rule, pass or fail, what it found
and the records it relied on with their source file and row, and every verdict recorded on the
family. A pack of chosen families (the audit sample, say) adds each family's records as the run
kept them, field by field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import orjson

from sfclaims.claim_runs import RunContents
from sfclaims.exports.submission import (
    headlines_evidenced,
    headlines_identified,
    run_notes,
    when,
    write_log,
)
from sfclaims.exports.workbook import new_workbook, write_notes, write_table
from sfclaims.facts import FACT_LISTS

RECORDS_SEPARATOR = "\n"  # one record a line in the cell


def pack_path(folder: Path, run_id: str, families: Sequence[str]) -> Path:
    if not families:
        return folder / f"evidence-pack-{run_id}.xlsx"
    if len(families) == 1:
        return folder / f"evidence-pack-{run_id}-{families[0]}.xlsx"
    return folder / f"evidence-pack-{run_id}-{len(families)}-families.xlsx"


def write_evidence_pack(contents: RunContents, folder: Path) -> Path:
    """The pack of the whole run, or of the families the contents were chosen for, with their
    records in full."""
    families = contents.chosen
    folder.mkdir(parents=True, exist_ok=True)
    path = pack_path(folder, contents.run.run_id, families)
    workbook = new_workbook(path, f"Evidence pack for claim run {contents.run.run_id}")
    summary: list[tuple] = []
    rules: list[tuple] = []
    facts: list[tuple] = []
    verdicts: list[tuple] = []
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
                RECORDS_SEPARATOR.join(map(str, finding.records)),
            )
            for finding in contents.evidence(family)
        )
        if families:
            facts.extend(_fact_rows(family.family_id, orjson.loads(family.facts)))
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
        wrapped=(4, 5),
    )
    if families:
        write_table(
            workbook,
            "Family records",
            ("family ID", "record", "ID", "details", "source file", "source row"),
            facts,
        )
    write_table(
        workbook,
        "Verdicts",
        ("family ID", "claim run", "verdict", "note", "recorded", "recorded by"),
        verdicts,
    )
    write_notes(workbook, "Run", run_notes(contents))
    write_log(workbook, contents)
    workbook.close()
    return path


def _fact_rows(family_id: str, facts: dict) -> list[tuple]:
    """Each record the run kept for the family, its fields as ``name: value``."""
    rows = [
        (
            family_id,
            "family",
            family_id,
            f"episode start: {facts['episode_start']}; episode end: {facts['episode_end'] or ''}",
            *facts["source"],
        )
    ]
    lists = [(name, facts[name]) for name in FACT_LISTS]
    lists.append(
        ("attendance", [r for upn in sorted(facts["attendance"]) for r in facts["attendance"][upn]])
    )
    for name, items in lists:
        for item in items:
            fields = dict(item)
            file, row = fields.pop("source")
            first_key = next(iter(fields))
            record_id = str(fields.pop(first_key))
            details = "; ".join(f"{k.replace('_', ' ')}: {_text(v)}" for k, v in fields.items())
            rows.append((family_id, name.replace("_", " "), record_id, details, file, row))
    return rows


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
