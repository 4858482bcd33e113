"""The import stage: every extract of a folder validated and loaded in one transaction.

Each file is a full snapshot of its kind, so importing a kind replaces that kind's rows. Either
the whole folder loads or nothing changes: a refused file is found before the database is touched,
and an error or Ctrl-C half-way rolls the transaction back. Importing files already loaded (same
bytes, same header mapping) changes nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, insert, select

from sfclaims.db import bulk_load, replace_table_rows
from sfclaims.extracts.kinds import KINDS, Format
from sfclaims.extracts.reading import (
    HeaderMapping,
    file_sha256,
    find_extract_files,
    load_mapping,
    read_extract,
)
from sfclaims.extracts.schemas import References
from sfclaims.extracts.validation import RowProblem, ValidatedExtract, validate_extract
from sfclaims.framework import Framework
from sfclaims.memory import many_objects
from sfclaims.models import EXTRACT_TABLES, Family, ImportBatch, Person, SetAsideRow

#: Called as the import goes: (file name, rows done, rows in the file).
Progress = Callable[[str, int, int], None]


@dataclass
class FileImported:
    kind: str
    file_name: str
    rows_read: int
    rows_loaded: int
    rows_set_aside: int
    unknown_headers: list[str]
    problems: list[RowProblem] = field(default_factory=list)


@dataclass
class ImportResult:
    folder: Path
    unchanged: bool
    files: list[FileImported]

    @property
    def problems(self) -> list[RowProblem]:
        return [p for f in self.files for p in f.problems]


def import_folder(
    engine: Engine,
    folder: Path,
    framework: Framework,
    mapping_path: Path | None = None,
    import_date: date | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import every extract found in the folder; see the module's description."""
    today = import_date or date.today()
    report = progress or (lambda _name, _done, _total: None)
    files = find_extract_files(folder)
    mapping = load_mapping(folder, mapping_path)
    fingerprints = {kind: file_sha256(path) for kind, path in files.items()}
    if _already_loaded(engine, fingerprints, mapping):
        return ImportResult(folder, True, _current_files(engine, list(files)))

    with many_objects():
        validated = _read_and_validate(
            engine, files, mapping, fingerprints, framework, today, report
        )
        _load(engine, validated, folder, mapping, report)
    return ImportResult(folder, False, [_file_imported(v) for v in validated.values()])


def _read_and_validate(
    engine: Engine,
    files: dict[str, Path],
    mapping: HeaderMapping,
    fingerprints: dict[str, str],
    framework: Framework,
    today: date,
    report: Progress,
) -> dict[str, ValidatedExtract]:
    """Every file read (a refused one raises before the database is touched), then validated in
    import order, each against the families and people of the files before it."""
    raws = {}
    for kind, path in files.items():
        report(path.name, 0, 0)
        raws[kind] = read_extract(KINDS[kind], path, mapping, fingerprints[kind])
    validated: dict[str, ValidatedExtract] = {}
    references = _references_in_database(engine, files)
    for kind, raw in raws.items():
        validated[kind] = validate_extract(raw, framework, references, today)
        if kind == "families":
            good = validated[kind].good_column("Family ID").tolist()
            references = References(frozenset(good), references.family_of_person)
        elif kind == "people":
            people = validated[kind]
            references = References(
                references.family_ids,
                dict(
                    zip(
                        people.good_column("Person ID").tolist(),
                        people.good_column("Family ID").tolist(),
                        strict=True,
                    )
                ),
            )
    return validated


def _load(
    engine: Engine,
    validated: dict[str, ValidatedExtract],
    folder: Path,
    mapping: HeaderMapping,
    report: Progress,
) -> None:
    """In one transaction: per file, its batch, its good rows (replacing the kind's) and the
    rows it set aside."""
    imported_at = datetime.now(UTC)
    with engine.begin() as connection:
        for kind, extract in validated.items():
            batch_id = _record_batch(connection, extract, folder, mapping, imported_at)
            table = EXTRACT_TABLES[kind].__table__  # type: ignore[attr-defined]
            name, total = extract.raw.path.name, extract.rows_loaded
            replace_table_rows(
                connection,
                table,
                extract.table_frame(batch_id),
                lambda done, name=name, total=total: report(name, done, total),
            )
            report(name, total, total)
            bulk_load(
                connection,
                SetAsideRow.__table__,
                _SET_ASIDE_COLUMNS,  # type: ignore[attr-defined]
                _set_aside_rows(extract, batch_id),
            )


def _already_loaded(engine: Engine, fingerprints: dict[str, str], mapping: HeaderMapping) -> bool:
    current = _current_batches(engine, list(fingerprints))
    return all(
        kind in current
        and current[kind].sha256 == sha
        and current[kind].mapping_sha256 == mapping.sha256
        for kind, sha in fingerprints.items()
    )


def _current_batches(engine: Engine, kinds: list[str]) -> dict[str, ImportBatch]:
    """The newest batch of each of these kinds."""
    newest = select(func.max(ImportBatch.id)).group_by(ImportBatch.kind).scalar_subquery()
    columns = ImportBatch.__table__.c  # type: ignore[attr-defined]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).where(columns.id.in_(newest))).all()
    batches = [ImportBatch(**row._mapping) for row in rows]
    return {b.kind: b for b in batches if b.kind in kinds}


def _current_files(engine: Engine, kinds: list[str]) -> list[FileImported]:
    """What the newest batch of each kind loaded, with its set-aside rows."""
    batches = _current_batches(engine, kinds)
    with engine.connect() as connection:
        rows = connection.execute(
            select(*SetAsideRow.__table__.c).where(  # type: ignore[attr-defined]
                SetAsideRow.batch_id.in_([b.id for b in batches.values()])  # type: ignore[union-attr]
            )
        ).all()
    problems: dict[int, list[RowProblem]] = {}
    for row in rows:
        problems.setdefault(row.batch_id, []).append(
            RowProblem(row.file_name, row.row_number, row.column_name, row.value, row.reason)
        )
    return [
        FileImported(
            kind,
            batch.file_name,
            batch.rows_read,
            batch.rows_loaded,
            batch.rows_set_aside,
            [h for h in batch.unknown_headers.split("\n") if h],
            sorted(problems.get(batch.id or 0, []), key=lambda p: (p.row_number, p.column)),
        )
        for kind in kinds
        if (batch := batches.get(kind)) is not None
    ]


def _references_in_database(engine: Engine, files: dict[str, Path]) -> References:
    """Families and people already loaded, for kinds this import brings that refer to them."""
    kinds = [KINDS[kind] for kind in files]
    needs_families = any(k.belongs_to_family for k in kinds) and "families" not in files
    needs_people = "people" not in files and any(
        k.person_of_family or any(c.format is Format.PEOPLE for c in k.columns) for k in kinds
    )
    with engine.connect() as connection:
        family_ids: frozenset[str] = frozenset()
        family_of_person: dict[str, str] = {}
        if needs_families:
            family_ids = frozenset(connection.execute(select(Family.family_id)).scalars())
        if needs_people:
            family_of_person = {
                person_id: family_id
                for person_id, family_id in connection.execute(
                    select(Person.person_id, Person.family_id)
                )
            }
    return References(family_ids, family_of_person)


def _record_batch(
    connection: Connection,
    extract: ValidatedExtract,
    folder: Path,
    mapping: HeaderMapping,
    imported_at: datetime,
) -> int:
    result = connection.execute(
        insert(ImportBatch)
        .values(
            kind=extract.kind.name,
            file_name=extract.raw.path.name,
            folder=str(folder.resolve()),
            sha256=extract.raw.sha256,
            mapping_sha256=mapping.sha256,
            rows_read=extract.raw.rows_read,
            rows_loaded=extract.rows_loaded,
            rows_set_aside=extract.rows_set_aside,
            unknown_headers="\n".join(extract.raw.unknown_headers),
            imported_at=imported_at,
        )
        .returning(ImportBatch.id)
    )
    return int(result.scalar_one())


_SET_ASIDE_COLUMNS = (
    "batch_id",
    "file_name",
    "row_number",
    "column_name",
    "value",
    "reason",
    "raw_row",
)


def _set_aside_rows(extract: ValidatedExtract, batch_id: int) -> Iterator[tuple]:
    raw_rows: dict[int, str] = {}
    for problem in extract.problems:
        if problem.row_number not in raw_rows:
            raw_rows[problem.row_number] = extract.raw_row(problem.row_number)
        yield (
            batch_id,
            problem.file_name,
            problem.row_number,
            problem.column,
            problem.value,
            problem.reason,
            raw_rows[problem.row_number],
        )


def _file_imported(extract: ValidatedExtract) -> FileImported:
    return FileImported(
        extract.kind.name,
        extract.raw.path.name,
        extract.raw.rows_read,
        extract.rows_loaded,
        extract.rows_set_aside,
        extract.raw.unknown_headers,
        extract.problems,
    )
