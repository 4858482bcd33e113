"""`sfclaims audit`: the sample, the evidence pack and the verdicts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from sfclaims.cli.base import (
    OutDirOption,
    RunArgument,
    audit_app,
    messages,
    open_database,
    person,
    plain_errors,
)

SEED_HELP = "The same seed draws the same families again; none given: one is drawn, and said."


@audit_app.command("sample")
@plain_errors
def audit_sample(
    run: RunArgument,
    seed: Annotated[int | None, typer.Option(help=SEED_HELP)] = None,
    size: Annotated[int | None, typer.Option(help="How many families.")] = None,
    percent: Annotated[float | None, typer.Option(help="What share of the run's families.")] = None,
) -> None:
    """A reproducible sample of the run's families: their IDs on standard output, sorted."""
    from sfclaims.actions import draw_sample

    engine = open_database()
    drawn = draw_sample(engine, person(engine), run, size=size, percent=percent, seed=seed)
    _say_seed(drawn.seed, seed)
    for family_id in drawn.families:
        print(family_id)


@audit_app.command("widen")
@plain_errors
def audit_widen(
    run: RunArgument,
    size: Annotated[int, typer.Option(help="How many families to add to the sample.")],
    seed: Annotated[int | None, typer.Option(help=SEED_HELP)] = None,
) -> None:
    """Widen the run's audit sample (when it fails more than the council accepts): more of its
    families drawn, the verdicts kept; the families added on standard output, sorted."""
    from sfclaims.actions import widen_sample

    engine = open_database()
    drawn = widen_sample(engine, person(engine), run, size, seed)
    _say_seed(drawn.seed, seed)
    for family_id in drawn.families:
        print(family_id)


def _say_seed(used: int, given: int | None) -> None:
    """A seed drawn for the auditor, said on standard error (the IDs stay alone on output)."""
    if given is None:
        messages.print(
            f"Drawn with seed {used} (kept with the sample; --seed {used} draws the same)."
        )


@audit_app.command("pack")
@plain_errors
def audit_pack(
    run: RunArgument,
    out: OutDirOption,
    family: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID",
            help="Only this family, with its records in full; give it again for more.",
        ),
    ] = None,
    sample: Annotated[
        bool,
        typer.Option(
            "--sample",
            help="The run's audit sample, with its records in full and a Verdicts to record "
            "sheet to fill in and read back with `sfclaims audit import-verdicts`.",
        ),
    ] = False,
    pdf: Annotated[
        bool,
        typer.Option(
            "--pdf",
            help="One PDF per family (those given with --family, the sample's with --sample, "
            "else the whole run's) in place of the workbook: the page the workspace shows, on "
            "A4, for the working papers.",
        ),
    ] = False,
) -> None:
    """The evidence pack: per family every rule, pass or fail, what it found and the records it
    relied on with their source file and row, and every audit verdict. With `--family`, each
    chosen family's records as the run kept them, too."""
    from sfclaims.actions import write_evidence_pdfs, write_pack

    engine = open_database()
    if pdf:
        paths = write_evidence_pdfs(
            engine, person(engine), run, out, families=family or (), sample=sample
        )
        messages.print(f"Written: {len(paths)} PDFs in {escape(str(out))}")
        return
    path = write_pack(engine, person(engine), run, out, families=family or (), sample=sample)
    messages.print(f"Written: {escape(str(path))}")


@audit_app.command("record")
@plain_errors
def audit_record(
    run: RunArgument,
    family: Annotated[str, typer.Argument(help="The family's ID.")],
    verdict: Annotated[str, typer.Option(help="pass or fail.")],
    note: Annotated[str, typer.Option(help="What the auditor found.")],
) -> None:
    """Record an auditor's verdict; a family that fails is withdrawn from the draft run."""
    from sfclaims.actions import record_verdicts
    from sfclaims.actions.shown import VerdictGiven

    engine = open_database()
    given = [VerdictGiven(family, verdict.lower(), note)]
    run, (family,) = record_verdicts(engine, person(engine), run, given)
    withdrawn = " and withdrawn from the run" if verdict.lower() == "fail" else ""
    messages.print(
        f"Verdict {verdict.lower()} recorded for {escape(family)} in {escape(run)}{withdrawn}."
    )


@audit_app.command("import-verdicts")
@plain_errors
def audit_import_verdicts(
    run: RunArgument,
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            help="The sample pack with its Verdicts to record filled in.",
        ),
    ],
) -> None:
    """Record every verdict filled in on the sample pack's Verdicts to record sheet, with your
    name; any row that is not a family of the run, pass or fail and a note refuses the whole
    sheet (naming the row and column), and nothing is recorded."""
    from sfclaims.actions import record_verdict_sheet

    engine = open_database()
    by = person(engine)
    done = record_verdict_sheet(engine, by, run, file)
    messages.print(
        f"{done.recorded:,} verdicts recorded in {done.run_id} by {by.name} ({done.failed:,} "
        f"fail, withdrawn from the run)"
        + (
            f"; {done.already:,} row{'s' if done.already != 1 else ''} showed a verdict already "
            f"recorded, so nothing new."
            if done.already
            else "."
        ),
        markup=False,
    )
