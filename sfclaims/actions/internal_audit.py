"""Internal audit's actions: a run's sample drawn and widened, verdicts recorded, evidence packs
and PDFs."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sfclaims.outputs.files import ready_folder
from sfclaims.people.accounts import Actor, allowed
from sfclaims.platform.roles import AUDITOR

if TYPE_CHECKING:
    from sfclaims.claims.audit import VerdictGiven


# --- internal audit -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """Families drawn into a run's sample, sorted, and the seed that drew them: the one given,
    or one drawn for the auditor when none was (kept with the sample and in the log, so the
    same draw can be made again)."""

    families: list[str]
    seed: int


def _seed(given: int | None) -> int:
    return secrets.randbelow(SEEDS) if given is None else given


SEEDS = 1_000_000  # a drawn seed is below this: short enough to read out and type again


def draw_sample(
    engine: Engine,
    person: Actor,
    run: str,
    *,
    size: int | None = None,
    percent: float | None = None,
    seed: int | None = None,
) -> Drawn:
    """Draw and keep the run's audit sample (never by the run's maker)."""
    from sfclaims.claims.audit import sample_run

    allowed(person, AUDITOR, "drawing an audit sample")
    chosen = _seed(seed)
    return Drawn(sample_run(engine, run, size, percent, chosen, person.name), chosen)


def widen_sample(
    engine: Engine, person: Actor, run: str, size: int, seed: int | None = None
) -> Drawn:
    """Draw more families into the run's sample, its verdicts kept (never by the run's maker):
    the families added."""
    from sfclaims.claims.audit import widen_sample as widen

    allowed(person, AUDITOR, "widening an audit sample")
    chosen = _seed(seed)
    return Drawn(widen(engine, run, size, chosen, person.name), chosen)


def record_verdicts(
    engine: Engine, person: Actor, run: str, given: list[VerdictGiven]
) -> tuple[str, list[str]]:
    """Keep every verdict with the auditor's name, or none (never by the run's maker)."""
    from sfclaims.actions.telling import left_to_check, sample_checked
    from sfclaims.claims.audit import record_verdicts as record

    allowed(person, AUDITOR, "recording audit verdicts")
    left = left_to_check(engine, run)
    run_id, families = record(engine, run, given, person.name)
    sample_checked(engine, person, run_id, left)
    return run_id, families


@dataclass(frozen=True)
class SheetRecorded:
    run_id: str
    recorded: int  # new verdicts kept
    failed: int  # of them, fails: withdrawn from the run
    already: int  # rows showing a verdict recorded before: nothing new


def record_verdict_sheet(engine: Engine, person: Actor, run: str, sheet: Path) -> SheetRecorded:
    """The verdicts filled in on the sample pack's sheet, recorded all or none (both faces)."""
    from sfclaims.claims.audit import read_verdict_sheet

    allowed(person, AUDITOR, "recording audit verdicts")
    given = read_verdict_sheet(sheet)
    run_id, families = record_verdicts(engine, person, run, given)
    kept = {f.upper() for f in families}
    failed = sum(v.verdict == "fail" and v.family_id.upper() in kept for v in given)
    return SheetRecorded(run_id, len(families), failed, len(given) - len(families))


def write_pack(
    engine: Engine,
    person: Actor,
    run: str,
    out: Path,
    *,
    families: Iterable[str] = (),
    sample: bool = False,
) -> Path:
    """The evidence pack workbook (with the sample: its families in full and the verdicts to
    record), written into ``out`` and logged."""
    from sfclaims.claims import run_contents
    from sfclaims.outputs.evidence_pack import write_evidence_pack
    from sfclaims.platform.activity import record_now

    chosen = _pack_families(engine, person, run, out, families, sample)
    contents = run_contents(engine, run, chosen)
    path = write_evidence_pack(contents, out, verdict_sheet=sample)
    record_now(engine, person.name, "evidence pack written", contents.run.run_id, path.name)
    return path


def _pack_families(
    engine: Engine, person: Actor, run: str, out: Path, families: Iterable[str], sample: bool
) -> list[str]:
    """An evidence pack's families (those asked for, then the sample's; none: the whole run),
    once the person may write one into the folder."""
    from sfclaims.claims import sampled_families

    allowed(person, AUDITOR, "writing an evidence pack")
    ready_folder(out, "The folder")
    chosen = list(families)
    if sample:
        chosen += [f for f in sampled_families(engine, run) if f not in chosen]
    return chosen


def write_evidence_pdfs(
    engine: Engine,
    person: Actor,
    run: str,
    out: Path,
    *,
    families: Iterable[str] = (),
    sample: bool = False,
) -> list[Path]:
    """One PDF per family (those asked for, the sample's, or the whole run's): the family's
    evidence page as the auditor sees it, written into ``out`` and logged."""
    from sfclaims.claims import run_contents
    from sfclaims.outputs.evidence_pdf import write_family_pdfs
    from sfclaims.platform.activity import record_now

    chosen = _pack_families(engine, person, run, out, families, sample)
    contents = run_contents(engine, run, chosen, records=False)
    paths = write_family_pdfs(contents, out, authority_of(engine))
    record_now(
        engine,
        person.name,
        "evidence PDFs written",
        contents.run.run_id,
        f"{len(paths)} families",
    )
    return paths


def evidence_pdf(engine: Engine, person: Actor, run: str, family: str) -> tuple[str, bytes]:
    """One family's evidence PDF for the browser: its file name and bytes (logged)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="sfclaims-pdf-") as folder:
        (path,) = write_evidence_pdfs(engine, person, run, Path(folder), families=[family])
        return path.name, path.read_bytes()


def authority_of(engine: Engine) -> str:
    from sfclaims.platform.settings import read_settings

    settings = read_settings(engine)
    named = " ".join(p for p in (settings.authority_name, settings.authority_code) if p)
    return named or "authority not set"
