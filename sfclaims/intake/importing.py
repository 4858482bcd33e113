"""The import stage: every extract of a folder validated, staged, and swapped in by one short
transaction.

Each file is a full snapshot of its kind, so importing a kind replaces that kind's rows. Either
the whole folder loads or nothing changes: the files are read and validated one ahead of the
staging, in a thread of their own, their rows staged (``db.Staging``) while everyone else goes
on working — on SQLite beside the database, moved into the tables in one short transaction at
the end; on PostgreSQL straight into the tables by the import's one transaction, which no reader
waits on — so a refused file, an error or Ctrl-C half-way leaves the tables as they were. Importing files already loaded
(same bytes, same header mapping) changes nothing and says so.
"""

from __future__ import annotations

import collections
import functools
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Connection, Engine, Table, func, insert, select
from sqlmodel import col

from sfclaims.intake.data_state import data_changed
from sfclaims.intake.kinds import KINDS, Format
from sfclaims.intake.reading import (
    HeaderMapping,
    file_sha256,
    load_mapping,
    read_extract,
    survey_folder,
)
from sfclaims.intake.schemas import References
from sfclaims.intake.validation import RowProblem, ValidatedExtract, validate_extract
from sfclaims.intake.values import visible
from sfclaims.platform.activity import record_activity
from sfclaims.platform.db import Staging, bulk_load, python_rows
from sfclaims.platform.errors import NotFoundError, RefusedError, UsageError
from sfclaims.platform.framework import Framework
from sfclaims.platform.memory import arrow_memory_from_the_system, many_objects
from sfclaims.platform.models import (
    EXTRACT_TABLES,
    Family,
    ImportBatch,
    KeptWarning,
    Person,
    PreviousClaim,
    SetAsideRow,
    table_of,
)

#: Called as the import goes: (file name, rows done, rows in the file); (name, 0, 0) as a file
#: is read, from the thread that reads and validates the files.
Progress = Callable[[str, int, int], None]
T = TypeVar("T")


@dataclass
class FileImported:
    kind: str
    file_name: str
    rows_read: int
    rows_loaded: int
    rows_set_aside: int
    unknown_headers: list[str]
    problems: list[RowProblem] = field(default_factory=list)
    batch_id: int = 0  # the import batch that holds it
    imported_at: datetime | None = None
    missing_headers: list[str] = field(default_factory=list)  # optional columns of ours absent


@dataclass(frozen=True)
class ImportWarning:
    """One thing an import did that the data officer must know: what (a short code), the extract
    kind it is about ("" for none) and the sentence to show, in no face's words."""

    about: str
    kind: str
    text: str


#: A kind whose rows fall by more than this share from its last snapshot gets a warning.
SHRINK_WARNING = 0.25


@dataclass
class ImportResult:
    folder: Path
    unchanged: bool
    files: list[FileImported]
    not_recognised: list[str] = field(default_factory=list)  # files that are no extract kind
    absent: dict[str, datetime | None] = field(default_factory=dict)  # kind -> last imported
    shrunk: dict[str, tuple[int, int]] = field(default_factory=dict)  # kind -> (before, now)
    kept: list[ImportWarning] | None = None  # an earlier import's warnings, as it kept them

    @property
    def problems(self) -> list[RowProblem]:
        return [p for f in self.files for p in f.problems]

    @property
    def number(self) -> int:
        """The import's number: its first batch's (0 for an import that loaded nothing)."""
        return min((f.batch_id for f in self.files), default=0)

    @property
    def warnings(self) -> list[ImportWarning]:
        """What the data officer must know before reading the table (both faces show them):
        files not used, kinds not in the folder, kinds that shrank, columns of ours a file does
        not have and what the rules lose without them, headers we do not know. An earlier
        import's are those it kept when it was made."""
        if self.kept is not None:
            return self.kept
        found: list[ImportWarning] = []
        if self.not_recognised:
            expected = ", ".join(f"{kind}.csv" for kind in KINDS)
            found.append(
                ImportWarning(
                    "not recognised",
                    "",
                    f"Not recognised, so not imported: {', '.join(self.not_recognised)} (the "
                    f"files expected are {expected}, or .xlsx).",
                )
            )
        for kind, when in self.absent.items():
            found.append(
                ImportWarning(
                    "kind absent",
                    kind,
                    f"No {kind} file was given: "
                    + (
                        f"the {kind} imported on {when:%d/%m/%Y} stay."
                        if when
                        else f"no {kind} have ever been imported, so every family is decided "
                        f"as if it had none."
                    ),
                )
            )
        for kind, (before, now) in self.shrunk.items():
            found.append(
                ImportWarning(
                    "kind shrunk",
                    kind,
                    f"{kind}: {now:,} rows loaded where the last import loaded {before:,} "
                    f"({1 - now / before:.0%} fewer); check the export is complete.",
                )
            )
        for f in self.files:
            for header in f.missing_headers:
                without = KINDS[f.kind].column(header).without
                if without:
                    found.append(
                        ImportWarning(
                            "column missing",
                            f.kind,
                            f"{f.file_name} has no {header} column: {without}. If the file "
                            f"holds it under another name, rename it in mapping.toml.",
                        )
                    )
            if f.unknown_headers:
                found.append(
                    ImportWarning(
                        "headers not known",
                        f.kind,
                        f"{f.file_name}: headers not known, so not loaded: "
                        f"{', '.join(f.unknown_headers)}.",
                    )
                )
        return found


def import_folder(
    engine: Engine,
    folder: Path,
    framework: Framework,
    mapping_path: Path | None = None,
    import_date: date | None = None,
    progress: Progress | None = None,
    allow_empty: Iterable[str] = (),
    by: str | None = None,
) -> ImportResult:
    """Import every extract found in the folder; see the module's description. A file that
    would leave a kind with no rows where it holds some refuses the whole import, unless its
    kind is in ``allow_empty``."""
    allowed_empty = frozenset(allow_empty)
    unknown = sorted(allowed_empty - set(KINDS))
    if unknown:
        raise UsageError(
            f"A kind that may be left empty is one of {', '.join(KINDS)}, not {', '.join(unknown)}."
        )
    today = import_date or date.today()
    report = progress or (lambda _name, _done, _total: None)
    files, not_recognised = survey_folder(folder)
    mapping = load_mapping(folder, mapping_path)
    fingerprints = {kind: file_sha256(path) for kind, path in files.items()}
    before = _current_batches(engine, list(KINDS))
    absent = {
        kind: before[kind].imported_at if kind in before else None
        for kind in KINDS
        if kind not in files
    }
    if _already_loaded(engine, fingerprints, mapping):
        current = _current_files(engine, list(files))
        return ImportResult(folder, True, current, not_recognised, absent)

    arrow_memory_from_the_system()
    with many_objects():
        references = _references_in_database(engine, files)
        checked = _read_and_validate(
            _reading_order(files), mapping, fingerprints, framework, references, today, report
        )
        return _load(
            engine,
            _ahead(checked, weight=lambda checked: len(checked[1]), most=ROWS_READ_AHEAD),
            ImportResult(folder, False, [], not_recognised, absent),
            before,
            mapping,
            report,
            allowed_empty,
            by,
        )


def _shrunk(
    files: list[FileImported], before: dict[str, ImportBatch]
) -> dict[str, tuple[int, int]]:
    """The kinds whose rows fell by more than ``SHRINK_WARNING`` from their last snapshot."""
    return {
        f.kind: (before[f.kind].rows_loaded, f.rows_loaded)
        for f in files
        if f.kind in before and f.rows_loaded < before[f.kind].rows_loaded * (1 - SHRINK_WARNING)
    }


#: Rows read and validated ahead of the load, waiting for it: about a county's attendance, so
#: the database writes the largest file while the others are read, and memory stays bounded.
ROWS_READ_AHEAD = 1_500_000


def _reading_order(files: dict[str, Path]) -> dict[str, Path]:
    """The files in the order they are read and loaded: the families and the people first, as
    every other kind's rows are checked against them; then the CSV files smallest first, the
    XLSX files last. The database's writing bounds the import (on PostgreSQL it goes on while
    the next file is read): small files first keep it busy from the start, and the largest is
    read while it writes the others; a workbook is slow to read for the few rows it holds. The
    import's results and batches keep the kinds' own order."""
    first = [kind for kind in ("families", "people") if kind in files]
    rest = sorted(
        (kind for kind in files if kind not in first),
        key=lambda kind: (files[kind].suffix.lower() == ".xlsx", files[kind].stat().st_size),
    )
    return {kind: files[kind] for kind in [*first, *rest]}


def _read_and_validate(
    files: dict[str, Path],
    mapping: HeaderMapping,
    fingerprints: dict[str, str],
    framework: Framework,
    references: References,
    today: date,
    report: Progress,
) -> Iterator[tuple[ValidatedExtract, pd.DataFrame]]:
    """Each file read (a refused one raises) and validated in import order, against the
    families and people of the files before it (or of the database), with its good rows typed
    for its table."""
    for kind, path in files.items():
        report(path.name, 0, 0)
        extract = validate_extract(
            read_extract(KINDS[kind], path, mapping, fingerprints[kind]),
            framework,
            references,
            today,
        )
        if kind == "families":
            good = extract.good_column("Family ID").tolist()
            references = References(frozenset(good), references.family_of_person)
        elif kind == "people":
            references = References(
                references.family_ids,
                dict(
                    zip(
                        extract.good_column("Person ID").tolist(),
                        extract.good_column("Family ID").tolist(),
                        strict=True,
                    )
                ),
            )
        yield extract, extract.table_frame()


def _ahead(
    items: Iterator[T], weight: Callable[[T], int] = lambda _item: 1, most: int = 1
) -> Iterator[T]:
    """The items, made in a thread of their own while the caller works on earlier ones: the
    next files are read and validated while the database loads the last one, which is mostly
    waiting on the database. The items made and waiting weigh at most ``most`` together (one
    alone may weigh more), so a folder of large files is never all in memory at once. The
    caller alone touches the database, so Ctrl-C and errors roll back as before; an error in
    the thread is raised to the caller after the items made before it."""
    ready: collections.deque[tuple[T, int]] = collections.deque()
    waiting = [0]  # the weight of the items in ready
    ended: list[BaseException | None] = []  # [None] once every item is made, or [the error]
    stopped = threading.Event()
    changed = threading.Condition()

    def room_for(heavy: int) -> bool:
        return stopped.is_set() or not ready or waiting[0] + heavy <= most

    def make() -> None:
        outcome: BaseException | None = None
        try:
            for item in items:
                heavy = weight(item)
                with changed:
                    changed.wait_for(functools.partial(room_for, heavy))
                    if stopped.is_set():
                        return
                    ready.append((item, heavy))
                    waiting[0] += heavy
                    changed.notify_all()
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            outcome = error
        with changed:
            ended.append(outcome)
            changed.notify_all()

    threading.Thread(target=make, name="read and validate extracts", daemon=True).start()
    try:
        while True:
            with changed:
                changed.wait_for(lambda: bool(ready or ended))
                if not ready:
                    if ended[0] is not None:
                        raise ended[0]
                    return
                item, heavy = ready.popleft()
                waiting[0] -= heavy
                changed.notify_all()
            yield item
    finally:
        with changed:  # the caller stopped early: make no more, and free a maker waiting
            stopped.set()
            ready.clear()
            changed.notify_all()


_KIND_ORDER = {kind: place for place, kind in enumerate(KINDS)}


@dataclass
class _Staged:
    """A file validated and its rows staged: what the swap still needs of it (its rows are in
    the staging area, so the file's frames can go)."""

    file: FileImported  # its batch ID once recorded
    sha256: str
    ledger: pd.DataFrame | None  # previous_claims: its rows, added to the ledger at the swap


def _load(
    engine: Engine,
    validated: Iterable[tuple[ValidatedExtract, pd.DataFrame]],
    survey: ImportResult,
    before: dict[str, ImportBatch],
    mapping: HeaderMapping,
    report: Progress,
    allowed_empty: frozenset[str],
    by: str | None,
) -> ImportResult:
    """Each file's good rows and the rows it set aside staged (``Staging``: on SQLite beside the
    database while others go on working, then swapped in by one short transaction; on
    PostgreSQL straight into the tables by the import's one transaction, while the next file is
    read). Per file: its batch, its good rows (replacing the kind's, but for the ledger of
    earlier claims, which keeps every family it holds) and the rows it set aside; last, the
    import's warnings kept with it and its log row. ``survey`` is what was found of the folder
    before reading it."""
    imported_at = datetime.now(UTC)
    with Staging(engine) as staging:
        staged: list[_Staged] = []
        numbers = (  # PostgreSQL: the batches numbered in the kinds' order, whatever is read first
            _batch_numbers(staging.connection, [k for k in KINDS if k not in survey.absent])
            if staging.as_read
            else {}
        )
        for extract, rows in validated:
            staged.append(file := _stage(staging, extract, rows, report, imported_at))
            if staging.as_read:  # it moves in while the thread reads the next file
                file.file.batch_id = numbers[file.file.kind]
                _swap_in(staging.connection, staging, file, survey.folder, mapping, allowed_empty)
            report(file.file.file_name, file.file.rows_loaded, file.file.rows_loaded)
        staged.sort(key=lambda file: _KIND_ORDER[file.file.kind])  # as the kinds come
        with staging.swapping() as connection:
            for file in [] if staging.as_read else staged:
                _swap_in(connection, staging, file, survey.folder, mapping, allowed_empty)
            imported = [file.file for file in staged]
            result = replace(survey, files=imported, shrunk=_shrunk(imported, before))
            warnings = result.warnings
            _keep_warnings(connection, result.number, warnings)
            # decisions made before this commits are not current; last, for the row it locks
            # (PostgreSQL) holds up a verdict or a submission only until the commit
            data_changed(connection)
            record_activity(
                connection,
                by,
                "import",
                "batches " + ", ".join(str(f.batch_id) for f in imported),
                f"{len(imported)} files ({', '.join(f.file_name for f in imported)}): "
                f"{sum(f.rows_loaded for f in imported):,} rows loaded, "
                f"{sum(f.rows_set_aside for f in imported):,} set aside"
                + (
                    f"; {len(warnings)} warning{'s' if len(warnings) != 1 else ''}: "
                    + "; ".join(w.about + (f" ({w.kind})" if w.kind else "") for w in warnings)
                    if warnings
                    else ""
                ),
            )
    return result


def _keep_warnings(connection: Connection, number: int, warnings: list[ImportWarning]) -> None:
    if warnings and number:
        connection.execute(
            insert(KeptWarning),
            [
                {"import_number": number, "about": w.about, "kind": w.kind, "text": w.text}
                for w in warnings
            ],
        )


def kept_warnings(connection: Connection, numbers: Iterable[int]) -> dict[int, list[ImportWarning]]:
    """The warnings each import kept, by its number, in the order they were said."""
    found: dict[int, list[ImportWarning]] = {}
    rows = connection.execute(
        select(
            col(KeptWarning.import_number),
            col(KeptWarning.about),
            col(KeptWarning.kind),
            col(KeptWarning.text),
        )
        .where(col(KeptWarning.import_number).in_(list(numbers)))
        .order_by(col(KeptWarning.id))
    )
    for number, about, kind, text in rows:
        found.setdefault(number, []).append(ImportWarning(about, kind, text))
    return found


def _stage(
    staging: Staging,
    extract: ValidatedExtract,
    rows: pd.DataFrame,
    report: Progress,
    imported_at: datetime,
) -> _Staged:
    kind = extract.kind.name
    table = table_of(EXTRACT_TABLES[kind])
    name, total = extract.raw.path.name, extract.rows_loaded
    ledger = rows if kind == "previous_claims" else None
    if ledger is None:
        staging.put(
            f"rows_{kind}", table, rows, functools.partial(_report_loaded, report, name, total)
        )
    staging.put_rows(
        f"set_aside_{kind}",
        table_of(SetAsideRow),
        _SET_ASIDE_COLUMNS[1:],
        _set_aside_rows(extract),
    )
    return _Staged(_file_imported(extract, 0, imported_at), extract.raw.sha256, ledger)


def _swap_in(
    connection: Connection,
    staging: Staging,
    staged: _Staged,
    folder: Path,
    mapping: HeaderMapping,
    allowed_empty: frozenset[str],
) -> None:
    file = staged.file
    table = table_of(EXTRACT_TABLES[file.kind])
    if file.rows_loaded == 0 and file.kind not in allowed_empty:
        _refuse_emptying(connection, table, file)
    file.batch_id = batch = _record_batch(connection, staged, folder, mapping, file.batch_id)
    if staged.ledger is not None:  # a ledger: rows added, none removed
        added = _new_to_the_ledger(connection, staged.ledger.assign(batch_id=batch))
        bulk_load(connection, table, list(added.columns), python_rows(added))
    else:
        staging.replace(connection, f"rows_{file.kind}", table, {"batch_id": batch})
    staging.append(connection, f"set_aside_{file.kind}", table_of(SetAsideRow), {"batch_id": batch})


def _refuse_emptying(connection: Connection, table: Table, file: FileImported) -> None:
    """A file with no row to load may not empty a kind that holds rows: far more often a broken
    report than an authority with nothing in it."""
    held = connection.execute(select(func.count()).select_from(table)).scalar_one()
    if held:
        kind = file.kind
        why = "has no rows" if file.rows_read == 0 else "has every row set aside"
        raise RefusedError(
            f"{file.file_name} {why}, so it would leave {kind} with none of the "
            f"{held:,} held now; nothing was imported. Check the export, or, if the authority "
            f"really has no {kind}, say so when importing it.",
            remedy="allow empty",
            kind=kind,
            file=file.file_name,
            why=why,
            held=held,
        )


def _new_to_the_ledger(connection: Connection, rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of a previous_claims file the ledger does not hold yet (a family, period and
    date not seen before: a new claim, or a correction), numbered after the ledger's last row.
    A family the file leaves out stays claimed: the ledger removes nothing (the database
    refuses it, migration 0022)."""
    held = {
        (family, period, _day(day))
        for family, period, day in connection.execute(
            select(
                col(PreviousClaim.family_id),
                col(PreviousClaim.claim_period),
                col(PreviousClaim.claim_date),
            )
        )
    }
    seen = [
        (family, period, _day(day)) in held
        for family, period, day in zip(
            rows["family_id"], rows["claim_period"], rows["claim_date"], strict=True
        )
    ]
    added = rows[[not s for s in seen]].drop_duplicates(
        subset=["family_id", "claim_period", "claim_date"]
    )
    last = connection.execute(select(func.max(col(PreviousClaim.id)))).scalar() or 0
    return added.assign(id=range(last + 1, last + 1 + len(added)))


def _day(day: object) -> str | None:
    """A date as ISO text, however the database or the frame holds it (None when blank)."""
    if day is None or (not isinstance(day, str) and pd.isna(day)):
        return None
    if isinstance(day, datetime):
        return day.date().isoformat()
    return day.isoformat() if isinstance(day, date) else str(day)[:10]


def _report_loaded(report: Progress, name: str, total: int, done: int) -> None:
    report(name, done, total)


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
    newest = select(func.max(col(ImportBatch.id))).group_by(col(ImportBatch.kind)).scalar_subquery()
    columns = table_of(ImportBatch).c
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).where(columns.id.in_(newest))).all()
    batches = [ImportBatch(**row._mapping) for row in rows]
    return {b.kind: b for b in batches if b.kind in kinds}


def _current_files(engine: Engine, kinds: list[str]) -> list[FileImported]:
    """What the newest batch of each kind loaded, with its set-aside rows."""
    batches = _current_batches(engine, kinds)
    return files_of(engine, [batch for kind in kinds if (batch := batches.get(kind)) is not None])


def files_of(engine: Engine, batches: list[ImportBatch]) -> list[FileImported]:
    """What each batch loaded, with the rows it set aside (each row's record ID read from the
    row kept whole), in the batches' order."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(*table_of(SetAsideRow).c).where(
                col(SetAsideRow.batch_id).in_([b.id for b in batches])
            )
        ).all()
    problems: dict[int, list[RowProblem]] = {}
    kind_of = {batch.id: KINDS[batch.kind] for batch in batches}
    for row in rows:
        record = json.loads(row.raw_row).get(kind_of[row.batch_id].record_header, "")
        problems.setdefault(row.batch_id, []).append(
            RowProblem(
                row.file_name,
                row.row_number,
                row.column_name,
                row.value,
                row.reason,
                visible(record),
            )
        )
    return [
        FileImported(
            batch.kind,
            batch.file_name,
            batch.rows_read,
            batch.rows_loaded,
            batch.rows_set_aside,
            [h for h in batch.unknown_headers.split("\n") if h],
            sorted(problems.get(batch.id or 0, []), key=lambda p: (p.row_number, p.column)),
            batch.id or 0,
            batch.imported_at,
        )
        for batch in batches
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
            family_ids = frozenset(connection.execute(select(col(Family.family_id))).scalars())
        if needs_people:
            family_of_person = {
                person_id: family_id
                for person_id, family_id in connection.execute(
                    select(col(Person.person_id), col(Person.family_id))
                )
            }
    return References(family_ids, family_of_person)


def _batch_numbers(connection: Connection, kinds: list[str]) -> dict[str, int]:
    """PostgreSQL: a batch number for each kind, taken from the batches' own sequence now, in
    the kinds' order, for the batches recorded as the files are read."""
    numbers = connection.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence('import_batches', 'id')) "
        "FROM generate_series(1, %(kinds)s)",
        {"kinds": len(kinds)},
    ).scalars()
    return dict(zip(kinds, sorted(numbers), strict=True))


def _record_batch(
    connection: Connection,
    staged: _Staged,
    folder: Path,
    mapping: HeaderMapping,
    number: int = 0,
) -> int:
    """The file's batch recorded: numbered ``number``, or the next number when 0."""
    file = staged.file
    result = connection.execute(
        insert(ImportBatch)
        .values(
            **({"id": number} if number else {}),
            kind=file.kind,
            file_name=file.file_name,
            folder=str(folder.resolve()),
            sha256=staged.sha256,
            mapping_sha256=mapping.sha256,
            rows_read=file.rows_read,
            rows_loaded=file.rows_loaded,
            rows_set_aside=file.rows_set_aside,
            unknown_headers="\n".join(file.unknown_headers),
            imported_at=file.imported_at,
        )
        .returning(table_of(ImportBatch).c.id)
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


def _set_aside_rows(extract: ValidatedExtract) -> Iterator[tuple[Any, ...]]:
    """The rows the file set aside, each problem with its row kept whole (all columns of the
    set-aside table but its batch)."""
    raw_rows: dict[int, str] = {}
    for problem in extract.problems:
        if problem.row_number not in raw_rows:
            raw_rows[problem.row_number] = extract.raw_row(problem.row_number)
        yield (
            problem.file_name,
            problem.row_number,
            problem.column,
            problem.value,
            problem.reason,
            raw_rows[problem.row_number],
        )


def _file_imported(extract: ValidatedExtract, batch_id: int, imported_at: datetime) -> FileImported:
    return FileImported(
        extract.kind.name,
        extract.raw.path.name,
        extract.raw.rows_read,
        extract.rows_loaded,
        extract.rows_set_aside,
        extract.raw.unknown_headers,
        extract.problems,
        batch_id,
        imported_at,
        extract.raw.missing_headers,
    )


@dataclass(frozen=True)
class ImportDone:
    """One import as the data officer made it: who, when, and each file it loaded."""

    who: str
    at: datetime | None
    batches: list[ImportBatch]
    warnings: list[ImportWarning] = field(default_factory=list)  # as it kept them

    @property
    def number(self) -> int:
        """The import's number, its first batch's (as its data-quality report is named)."""
        return min(b.id or 0 for b in self.batches)

    @property
    def rows(self) -> tuple[int, int, int]:
        """Rows read, loaded and set aside, over its files."""
        return (
            sum(b.rows_read for b in self.batches),
            sum(b.rows_loaded for b in self.batches),
            sum(b.rows_set_aside for b in self.batches),
        )


def import_as_made(engine: Engine, number: int | None = None) -> ImportResult:
    """An earlier import, numbered by its first batch (the latest when None), as its
    data-quality report needs it: its files, rows and the rows it set aside, read back from the
    database."""
    done = next(
        (i for i in imports_so_far(engine, latest=None) if number in (None, i.number)), None
    )
    if done is None:
        raise NotFoundError(
            "No import has been made yet."
            if number is None
            else f"There is no import {number}; the imports so far are numbered by their first "
            "batch, as their data-quality reports are named.",
            remedy="import first" if number is None else "",
        )
    files = files_of(engine, done.batches)
    return ImportResult(Path(done.batches[0].folder), False, files, kept=done.warnings)


IMPORTS_PAGE = 20  # imports on a page of Imports so far


def imports_so_far(
    engine: Engine, latest: int | None = IMPORTS_PAGE, skip: int = 0
) -> list[ImportDone]:
    """The latest imports, newest first (after the ``skip`` newest), each with its files: the
    log's row of each import names its batches."""
    from sfclaims.platform.models import Activity

    with engine.connect() as connection:
        logged = connection.execute(
            select(col(Activity.who), col(Activity.at), col(Activity.object))
            .where(col(Activity.action) == "import")
            .order_by(col(Activity.id).desc())
            .limit(latest)
            .offset(skip)
        ).all()  # every import's, when latest is None
        numbers = {
            row.object: [int(n) for n in row.object.removeprefix("batches ").split(", ") if n]
            for row in logged
        }
        wanted = {n for ids in numbers.values() for n in ids}
        batches = {
            row.id: ImportBatch(**row._asdict())
            for row in connection.execute(
                select(*table_of(ImportBatch).c).where(col(ImportBatch.id).in_(wanted))
            )
        }
        made = [
            ImportDone(row.who, row.at, [batches[n] for n in numbers[row.object] if n in batches])
            for row in logged
        ]
        made = [done for done in made if done.batches]  # an import whose batches were purged
        kept = kept_warnings(connection, [done.number for done in made])
    return [replace(done, warnings=kept.get(done.number, [])) for done in made]


SET_ASIDE_PAGE = 50  # rows on a page of the rows set aside


@dataclass(frozen=True)
class SetAsidePage:
    rows: list[Any]  # file, row, column, value, reason: in the order they were set aside
    total: int  # rows that match
    page: int
    pages: int
    files: list[str]  # every file that set rows aside, for the filter


def set_aside_page(
    engine: Engine,
    file: str = "",
    reason: str = "",
    batches: Iterable[int] = (),
    page: int = 1,
    size: int = SET_ASIDE_PAGE,
) -> SetAsidePage:
    """A page of the rows imports set aside: of one file, with a reason holding the words, of
    some imports' batches (any of them, when none is given)."""
    wanted = [
        col(SetAsideRow.file_name) == file if file else None,
        col(SetAsideRow.reason).contains(reason) if reason else None,
        col(SetAsideRow.batch_id).in_(list(batches)) if batches else None,
    ]
    where = [w for w in wanted if w is not None]
    with engine.connect() as connection:
        total = connection.execute(
            select(func.count()).select_from(SetAsideRow).where(*where)
        ).scalar_one()
        pages = max(-(-total // size), 1)
        page = min(max(page, 1), pages)
        rows = list(
            connection.execute(
                select(
                    col(SetAsideRow.file_name),
                    col(SetAsideRow.row_number),
                    col(SetAsideRow.column_name),
                    col(SetAsideRow.value),
                    col(SetAsideRow.reason),
                )
                .where(*where)
                .order_by(col(SetAsideRow.id))
                .offset((page - 1) * size)
                .limit(size)
            )
        )
        files = sorted(connection.execute(select(col(SetAsideRow.file_name)).distinct()).scalars())
    return SetAsidePage(rows, total, page, pages, files)
