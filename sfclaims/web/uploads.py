"""Uploaded extracts are hostile until proven otherwise: only .csv, .xlsx, .zip and a
mapping.toml, a size limit
on every file and on a zip's unpacked contents (checked before anything is unpacked), no zip
entry with an absolute path or ``..``, every name reduced to a plain file name, and the files
kept only in the import job's own folder (``job_files``), removed when the job ends."""

from __future__ import annotations

import contextlib
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from sfclaims.actions.vocabulary import DISK_FULL, RefusedError

ACCEPTED = (".csv", ".xlsx", ".zip")
IN_A_ZIP = (".csv", ".xlsx", ".toml")  # a mapping.toml may travel with the extracts
MAPPING_FILE = "mapping.toml"  # uploaded beside the extracts, or in their zip
CHUNK = 1 << 20
SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]")
IMPORTED = "nothing was imported"  # what a refusal says was not done (a verdict sheet: recorded)


def plain_name(name: str, nothing: str = IMPORTED) -> str:
    """The file's own name, without any folder, in characters safe everywhere."""
    base = PurePosixPath(name.replace("\\\\", "/")).name
    cleaned = SAFE_NAME.sub("_", base).strip(" .")
    if not cleaned:
        raise RefusedError(f"{name!r} is not a file name; {nothing}.")
    return cleaned


def save_upload(
    stream: BinaryIO, name: str, folder: Path, limit: int, used: int, nothing: str = IMPORTED
) -> int:
    """Copy one uploaded file into the folder, refused past the limit (``used`` bytes already
    taken by the other files of the upload); the bytes written. A refusal ends saying what was
    not done (``nothing``)."""
    safe = plain_name(name, nothing)
    if not (safe.lower().endswith(ACCEPTED) or safe == MAPPING_FILE):
        raise RefusedError(
            f"{safe} is not a .csv, .xlsx or .zip file, nor {MAPPING_FILE}; {nothing}."
        )
    target = folder / safe
    if target.exists():
        raise RefusedError(f"Two files are named {safe}; {nothing}.")
    written = 0
    with room_on_disk(nothing):
        with target.open("wb") as handle:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if used + written > limit:
                    raise RefusedError(
                        f"The upload is larger than the limit of {limit:,} bytes; {nothing}."
                    )
                handle.write(chunk)
        if safe.lower().endswith(".zip"):
            unpack(target, folder, limit - used - written)
            target.unlink()
    return written


@contextlib.contextmanager
def room_on_disk(nothing: str = IMPORTED) -> Iterator[None]:
    """A disk (or quota) that fills while the upload is kept is a sentence, never a fault; the
    caller removes what was written."""
    try:
        yield
    except OSError as error:
        if error.errno not in DISK_FULL:
            raise
        raise RefusedError(
            f"The server's disk is full, so the upload could not be kept; {nothing}. Tell "
            "whoever runs the server."
        ) from None


def unpack(archive: Path, folder: Path, room: int) -> list[str]:
    """The zip's extracts into the folder: refused whole, before anything is unpacked, if an
    entry has an absolute path or ``..``, is not an extract, or the unpacked size passes the
    room left under the limit."""
    try:
        with zipfile.ZipFile(archive) as opened:
            entries = [e for e in opened.infolist() if not e.is_dir()]
            check_entries(archive.name, (e.filename for e in entries))
            if sum(e.file_size for e in entries) > room:
                raise RefusedError(
                    f"{archive.name} unpacks to more than the upload limit; nothing was imported."
                )
            names: list[str] = []
            for entry in entries:
                name = plain_name(entry.filename)
                if not name.lower().endswith(IN_A_ZIP) or name.startswith("."):
                    continue  # a stray file (a Mac's __MACOSX, a readme): not an extract
                target = folder / name
                if target.exists() or name in names:
                    raise RefusedError(
                        f"{archive.name} holds two files named {name}; nothing was imported."
                    )
                with opened.open(entry) as source, target.open("wb") as handle:
                    shutil.copyfileobj(source, handle, CHUNK)
                names.append(name)
            return names
    except zipfile.BadZipFile:
        raise RefusedError(f"{archive.name} is not a zip file that can be opened.") from None


def check_entries(archive: str, names: Iterable[str]) -> None:
    for name in names:
        path = PurePosixPath(name.replace("\\\\", "/"))
        if path.is_absolute() or ".." in path.parts or re.match(r"^[A-Za-z]:", name):
            raise RefusedError(
                f"{archive} holds {name!r}, a path outside its folder; nothing was imported."
            )
