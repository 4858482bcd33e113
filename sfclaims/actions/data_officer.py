"""The data officer's actions: import the extracts, and the data-quality report of an import."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from sfclaims.actions.frameworks import framework_in_force
from sfclaims.people.accounts import Actor, allowed
from sfclaims.platform.roles import DATA_OFFICER

if TYPE_CHECKING:
    from sfclaims.intake.importing import ImportResult


# --- the data officer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    result: ImportResult
    reports: list[Path]  # the data-quality workbook and the set-aside rows' CSV


def import_extracts(
    engine: Engine,
    person: Actor,
    folder: Path,
    report_dir: Path,
    *,
    mapping: Path | None = None,
    allow_empty: Iterable[str] = (),
    framework: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Imported:
    """Import every extract in the folder (one transaction, logged in it) and write the
    data-quality report into ``report_dir``; the result carries its warnings."""
    from sfclaims.actions.telling import import_warned
    from sfclaims.intake.importing import import_folder
    from sfclaims.outputs.quality_report import write_quality_report

    allowed(person, DATA_OFFICER, "importing extracts")
    result = import_folder(
        engine,
        folder,
        framework_in_force(engine, framework),
        mapping,
        progress=progress,
        allow_empty=[kind.strip().lower() for kind in allow_empty],
        by=person.name,
    )
    reports = write_quality_report(result, report_dir)
    import_warned(engine, person, result)
    return Imported(result, reports)


def quality_report(
    engine: Engine, person: Actor, number: int | None, report_dir: Path
) -> list[Path]:
    """An earlier import's data-quality report (the latest import's when ``number`` is None),
    written into ``report_dir`` as the import wrote it."""
    from sfclaims.intake.importing import import_as_made
    from sfclaims.outputs.quality_report import write_quality_report

    allowed(person, DATA_OFFICER, "reading an import's data-quality report")
    return write_quality_report(import_as_made(engine, number), report_dir)
