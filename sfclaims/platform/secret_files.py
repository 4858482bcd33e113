"""Secrets kept in files for automation and servers (a password, a client secret, the keys that
sign sessions and seal claims): read only from a file its owner alone can read, as ssh refuses a
key others can read, and made readable by their owner alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sfclaims.platform.errors import RefusedError, UsageError


def secret_from_file(path: Path, what: str) -> str:
    """The file's first line, once the file is its owner's and no one else's to read."""
    try:
        status = path.stat()
        if status.st_uid != os.getuid() or status.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise RefusedError(
                f"The {what} {path} can be read by others: make it readable by its owner "
                f"alone (chmod 600)."
            )
        with path.open(encoding="utf-8") as handle:
            return handle.readline().rstrip("\r\n")
    except OSError as error:
        raise UsageError(
            f"The {what} {path} could not be read ({error.strerror or error})."
        ) from None


def make_secret_file(path: Path, content: str) -> bool:
    """The file made with ``content``, readable by its owner alone (in a folder only they can
    enter, made if needed), unless it is there already; whether it was made now. Never
    overwritten: a key in use stays the key."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(content)
    return True
