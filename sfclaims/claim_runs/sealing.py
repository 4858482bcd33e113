"""The seal of a submitted run: an HMAC of its digest under a key kept outside the database.

A writer who can switch the database's guards off could change a run and recompute its plain
digest with sfclaims's own function; without the key, not its seal. The key is the file
``sfclaims init`` makes (``~/.config/sfclaims/seal-key``, mode 0600, or the file
``SFCLAIMS_SEAL_KEY_FILE`` names): keep it with the backups, and give the same file to every
machine that submits or checks runs. A run keeps the ID of the key that sealed it (a hash of the
key, never the key), so a check with another key says so rather than cry tampering.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def seal_key_path() -> Path:
    return Path(
        os.environ.get("SFCLAIMS_SEAL_KEY_FILE")
        or Path.home() / ".config" / "sfclaims" / "seal-key"
    )


def seal_key() -> bytes | None:
    path = seal_key_path()
    return path.read_text().strip().encode() if path.exists() else None


def ensure_seal_key() -> bytes:
    """The seal key, made (readable by its owner only) if there is none yet."""
    path = seal_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    key = seal_key()
    assert key is not None
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"sfclaims seal key\n" + key).hexdigest()[:16]


def seal(key: bytes, run_id: str, version: int, digest: str, log_head: str | None = None) -> str:
    """The run's seal: its digest and, for a run submitted since the log was chained, the log
    chain's head at its submission (a chain recomputed by hand no longer reaches that head)."""
    message = f"{run_id}\n{version}\n{digest}" + (f"\n{log_head}" if log_head else "")
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def seal_holds(
    key: bytes, run_id: str, version: int, digest: str, kept: str, log_head: str | None = None
) -> bool:
    return hmac.compare_digest(seal(key, run_id, version, digest, log_head), kept)
