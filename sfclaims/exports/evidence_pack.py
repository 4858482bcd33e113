"""The evidence pack an auditor works from: per family, every rule, pass or fail, the records it
relied on with their source file and row, the family's records as the run kept them, and every
verdict recorded on the family."""

from __future__ import annotations

import json
from pathlib import Path

from sfclaims.bundle import FACT_LISTS
from sfclaims.claims import RunContents
from sfclaims.exports.submission import run_notes, when
from sfclaims.exports.workbook import new_workbook, write_notes, write_table


def write_evidence_pack(contents: RunContents, folder: Path, family_id: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"-{family_id}" if family_id else ""
    path = folder / f"evidence-pack-{contents.run.run_id}{suffix}.xlsx"
    workbook = new_workbook(path, f"Evidence pack for claim run {contents.run.run_id}")
    families, rules, records, facts, verdicts = [], [], [], [], []
    for family in contents.families:
        history = contents.verdicts.get(family.family_id, [])
        families.append(
            (
                family.family_id,
                "withdrawn after audit" if family.withdrawn else "claimed",
                history[-1].verdict if history else "",
                family.needs.replace(";", "; "),
                family.evidenced.replace(";", "; "),
            )
        )
        for finding in contents.evidence(family):
            rules.append(
                (
                    family.family_id,
                    finding.rule,
                    "PASS" if finding.passed else "FAIL",
                    "; ".join(finding.reasons),
                    finding.says,
                )
            )
            records.extend(
                (
                    family.family_id,
                    finding.rule,
                    r.kind,
                    r.record_id,
                    r.note,
                    r.source.file,
                    r.source.row,
                )
                for r in finding.records
            )
        facts.extend(_fact_rows(family.family_id, json.loads(family.facts)))
        verdicts.extend(
            (family.family_id, v.run_id, v.verdict, v.note, when(v.recorded_at)) for v in history
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
        families,
    )
    write_table(
        workbook, "Rules", ("family ID", "rule", "result", "reason codes", "what it found"), rules
    )
    write_table(
        workbook,
        "Records relied on",
        ("family ID", "rule", "record", "ID", "note", "source file", "source row"),
        records,
    )
    write_table(
        workbook,
        "Family records",
        ("family ID", "record", "ID", "details", "source file", "source row"),
        facts,
    )
    write_table(
        workbook, "Verdicts", ("family ID", "claim run", "verdict", "note", "recorded"), verdicts
    )
    write_notes(workbook, "Run", run_notes(contents))
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
