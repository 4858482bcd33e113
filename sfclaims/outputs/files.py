"""Where outputs go, and how they are written: checked before any work is done, written to a
temporary name and renamed when complete (a stopped command never leaves half a report), and
CSV cells safe to open in a spreadsheet."""

from __future__ import annotations

import contextlib
import csv
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from sfclaims.intake.kinds import FORMULA_STARTS
from sfclaims.platform.errors import UsageError
from sfclaims.platform.processes import alongside


def ready_folder(folder: Path, option: str = "--out") -> Path:
    """The folder, created if need be, once it is known to be a folder this user may write in."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{option} {folder} is a file, not a folder; give a folder.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"{option} {folder} cannot be created ({error.strerror}).") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {folder} is a folder you may not write in.")
    return folder


def ready_file(path: Path, option: str = "--out") -> Path:
    """The file's path, once its folder is ready and it is no folder itself (an earlier file of
    the same name is replaced)."""
    if path.is_dir():
        raise UsageError(f"{option} {path} is a folder; give the name of a file.")
    ready_folder(path.parent, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise UsageError(f"{option} {path} is a file you may not replace.")
    return path


@contextlib.contextmanager
def written_whole(path: Path) -> Iterator[Path]:
    """A temporary name beside the path to write to; renamed to the path once the writing
    ends, removed if it fails."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def written_alongside(
    paths: Sequence[Path],
    write: Callable[[Sequence[Path]], None],
    here: Sequence[Path] = (),
    write_here: Callable[[Sequence[Path]], None] | None = None,
) -> Iterator[None]:
    """The files ``write`` writes (to temporary names beside ``paths``, in that order), written
    by a copy of this process while the block runs (``processes.alongside``), and those
    ``write_here`` writes beside ``here`` by this process once the block's own work is done,
    while the copy goes on; all put in place when every part has ended well, none of them
    when any fails."""
    aside = [path.with_name(f".{path.name}.{os.getpid()}.aside") for path in [*paths, *here]]
    try:
        with alongside(lambda: write(aside[: len(paths)])):
            yield
            if write_here is not None:
                write_here(aside[len(paths) :])
        for written, path in zip(aside, [*paths, *here], strict=True):
            os.replace(written, path)
    finally:
        for written in aside:
            written.unlink(missing_ok=True)


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as the text it is: text that would start a formula gets a
    leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(
    path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = True
) -> Path:
    """A CSV for people (UTF-8 with a byte-order mark, so Excel reads it as such), written
    whole, every text cell safe."""
    with (
        written_whole(path) as partial,
        partial.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle,
    ):
        write_rows(handle, headers, rows)
    return path


def write_rows(handle: TextIO, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(handle)
    writer.writerow(headers)
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)


def write_plain_csv(handle: TextIO, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A file of contract.md, read by programs: UTF-8 without a byte-order mark, ``\n`` line
    ends, every value as it is."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
