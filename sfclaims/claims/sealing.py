"""The seal of a submitted run: an HMAC of its digest under a key kept outside the database.

A writer who can switch the database's guards off could change a run and recompute its plain
digest with sfclaims's own function; without the key, not its seal. The key is the file
``sfclaims init`` makes on a new installation (``~/.config/sfclaims/seal-key``, mode 0600, or
the file ``SFCLAIMS_SEAL_KEY_FILE`` names): keep it with the backups, and give the same file to
every machine that submits or checks runs; a submission without it is refused. A run keeps the ID of the key that sealed it (a hash of the
key, never the key), so a check with another key says so rather than cry tampering.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from sfclaims.platform.errors import RefusedError
from sfclaims.platform.secret_files import make_secret_file

#: A key shorter than this is refused: the key ``sfclaims init`` makes is 64 hex characters.
SHORTEST_KEY = 32


def seal_key_path() -> Path:
    return Path(
        os.environ.get("SFCLAIMS_SEAL_KEY_FILE")
        or Path.home() / ".config" / "sfclaims" / "seal-key"
    )


def seal_key() -> bytes | None:
    """The seal key, None when there is no file; refused when it is empty or short (a seal
    under such a key proves nothing)."""
    path = seal_key_path()
    if not path.exists():
        return None
    key = path.read_text().strip().encode()
    if len(key) < SHORTEST_KEY:
        raise RefusedError(
            f"The seal key file {path} holds {'nothing' if not key else 'too short a key'} "
            f"(at least {SHORTEST_KEY} characters): restore the council's seal key from its "
            f"backup; nothing was sealed or checked."
        )
    return key


def required_seal_key() -> bytes:
    """The seal key a submission is sealed with: refused in a sentence when this machine has
    none (a new key is never made quietly: a run sealed with it could be checked nowhere else)."""
    key = seal_key()
    if key is None:
        raise RefusedError(
            f"There is no seal key at {seal_key_path()}, and a submitted run is sealed with "
            f"it: copy the council's seal key file there (or name it with "
            f"SFCLAIMS_SEAL_KEY_FILE) and try again; nothing was submitted. Only a new "
            f"installation makes a key (sfclaims init)."
        )
    return key


def ensure_seal_key() -> tuple[bytes, bool]:
    """``sfclaims init``: the seal key, made (readable by its owner only) if there is none yet;
    and whether it was made now."""
    made = make_secret_file(seal_key_path(), secrets.token_hex(32))
    key = seal_key()
    assert key is not None
    return key, made


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"sfclaims seal key\n" + key).hexdigest()[:16]


def seal(
    key: bytes,
    run_id: str,
    version: int,
    digest: str,
    log_head: str | None = None,
    submitted_by: str | None = None,
) -> str:
    """The run's seal: its digest and, for a run submitted since the log was chained, the log
    chain's head at its submission (a chain recomputed by hand no longer reaches that head);
    since digest version 3, who submitted it."""
    message = f"{run_id}\n{version}\n{digest}" + (f"\n{log_head}" if log_head else "")
    message += f"\nsubmitted by {submitted_by}" if submitted_by is not None else ""
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def seal_holds(
    key: bytes,
    run_id: str,
    version: int,
    digest: str,
    kept: str,
    log_head: str | None = None,
    submitted_by: str | None = None,
) -> bool:
    return hmac.compare_digest(seal(key, run_id, version, digest, log_head, submitted_by), kept)
