"""The demo: the whole quarter on a synthetic authority, on the default database."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from sqlalchemy import Engine

from sfclaims.assessing import assess, store_decisions, summarise, write_decisions
from sfclaims.console import import_progress, print_assess_summary, print_import_summary
from sfclaims.exports.quality_report import write_quality_report
from sfclaims.framework import load_framework
from sfclaims.importing import import_folder
from sfclaims.synthetic import write_authority


def run_demo(engine: Engine, out: Path, families: int, seed: int, console: Console) -> None:
    framework = load_framework()
    authority = write_authority(out, families, seed)
    as_of = authority.as_of
    console.print(
        f"[bold]1. Extracts[/]: a synthetic authority of {families:,} families "
        f"written to {out}/ (seed {seed})."
    )

    console.print("[bold]2. Import[/] (the data officer's step)")
    with import_progress(console) as progress:
        result = import_folder(engine, out, framework, progress=progress)
    report = write_quality_report(result, out / "report")
    print_import_summary(console, result, report)

    console.print(
        f"[bold]3. Assess[/] every family as of {as_of:%d/%m/%Y} "
        f"(the business development team's step)"
    )
    decisions = assess(engine, framework, as_of)
    store_decisions(engine, decisions, framework, as_of)
    decisions_file = out / "report" / f"decisions-{as_of.isoformat()}.csv"
    with decisions_file.open("w", newline="", encoding="utf-8") as handle:
        write_decisions(decisions, handle)
    print_assess_summary(console, summarise(decisions, framework), as_of, framework.label())
    console.print(f"Decisions file: {decisions_file}")
