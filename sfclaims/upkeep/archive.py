"""The close-out archive (contract.md, `archive`): what a council must be able to show years
after the programme ended, readable with no sfclaims and no database.

Every submitted run — its submission workbook and CSV, an evidence PDF per claimed family, its
sample and verdicts, its seal — the ledger of previous claims, and the activity log with each
row's link in its chain and the chain's head; a README saying what each file is; and
``MANIFEST.sha256``, every file's SHA-256 in the form ``sha256sum -c`` reads. ``MANIFEST.seal``
holds an HMAC of the manifest under the seal key, so a manifest written again after a file was
changed is caught too (``verify --archive``, with the key).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlmodel import col

from sfclaims.claims import list_runs, run_contents
from sfclaims.claims.sealing import key_id, required_seal_key, seal_key
from sfclaims.platform.activity import chain_head, log_columns
from sfclaims.platform.db import one_snapshot
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.framework import Framework
from sfclaims.platform.models import Activity, AuditSample, AuditVerdict, LogChain, PreviousClaim

MANIFEST = "MANIFEST.sha256"
MANIFEST_SEAL = "MANIFEST.seal"
README = """sfclaims close-out archive
==========================

Made {made} from the database of {authority}, by sfclaims. Every file here opens without
sfclaims: the workbooks in Excel or LibreOffice, the PDFs in any reader, the CSV files in any
spreadsheet or text editor (UTF-8).

runs/RUN/claim-RUN.xlsx, .csv   the submission as it went to the department
runs/RUN/evidence/*.pdf         each claimed family's evidence, one PDF a family
runs/RUN/sample-and-verdicts.csv  the audit sample drawn and every verdict recorded
runs/RUN/seal.json              the run's digest and seal, who made and submitted it, when,
                                and the activity log's chain head at its submission
previous-claims.csv             the ledger of families claimed before sfclaims
activity-log.csv                every change, who made it and when, each row with its place
                                and link in the log's hash chain
chain-head.txt                  the chain's last position and link when the archive was made
MANIFEST.sha256                 every file's SHA-256: check with `sha256sum -c MANIFEST.sha256`
                                (or `sfclaims verify --archive DIR`)
MANIFEST.seal                   an HMAC of the manifest under the council's seal key (key {key})
"""


@dataclass(frozen=True)
class Archived:
    folder: Path
    runs: int
    files: int


def write_archive(
    engine: Engine, out: Path, framework_of: Callable[[str], Framework], made: str
) -> Archived:
    """The archive, written into ``out`` (a new or empty folder): every submitted run (each
    checked against its seal first: a run that no longer holds is refused, nothing archived
    of it), the ledger and the log. ``framework_of`` gives the framework a run was made under,
    from its fingerprint."""
    from sfclaims.outputs.evidence_pdf import write_family_pdfs
    from sfclaims.outputs.submission import write_submission
    from sfclaims.platform.settings import read_settings

    key = required_seal_key()  # the manifest is sealed: refused before anything is written
    settings = read_settings(engine)
    authority = settings.authority_name or "the authority"
    submitted = [r.run_id for r in list_runs(engine) if r.submitted_at is not None]
    for run_id in submitted:
        contents = run_contents(engine, run_id, records=False)  # refused if it no longer holds
        folder = out / "runs" / run_id
        write_submission(
            contents,
            framework_of(contents.run.framework_sha256),
            folder,
            (settings.authority_name, settings.authority_code),
            settings.results_payment,
        )
        write_family_pdfs(contents, folder / "evidence", authority)
    with one_snapshot(engine) as connection:
        for run_id in submitted:
            _sample_and_verdicts(connection, run_id, out / "runs" / run_id)
            (out / "runs" / run_id / "seal.json").write_text(
                json.dumps(_sealed(connection, run_id), indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
            )
        _csv(
            out / "previous-claims.csv",
            ("family_id", "claim_period", "claim_date"),
            connection.execute(
                select(
                    col(PreviousClaim.family_id),
                    col(PreviousClaim.claim_period),
                    col(PreviousClaim.claim_date),
                ).order_by(col(PreviousClaim.family_id))
            ),
        )
        _csv(
            out / "activity-log.csv",
            ("id", "at", "who", "action", "object", "detail", "identified_by", "position", "link"),
            connection.execute(
                select(*log_columns(), col(LogChain.position), col(LogChain.hash))
                .join(LogChain, col(LogChain.activity_id) == col(Activity.id), isouter=True)
                .order_by(col(Activity.id))
            ),
        )
        position, head = chain_head(connection)
    (out / "chain-head.txt").write_text(f"{position}\t{head}\n", encoding="utf-8")
    (out / "README.txt").write_text(
        README.format(made=made, authority=authority, key=key_id(key)), encoding="utf-8"
    )
    files = _listed(out)
    manifest = "".join(f"{_sha256(out / name)}  {name}\n" for name in files)
    (out / MANIFEST).write_text(manifest, encoding="utf-8")
    (out / MANIFEST_SEAL).write_text(
        f"{key_id(key)}\t{_manifest_seal(key, manifest.encode())}\n", encoding="utf-8"
    )
    return Archived(out, len(submitted), len(files))


def _sealed(connection: Connection, run_id: str) -> dict[str, object]:
    """The run's row: its terms, who made and submitted it, its digest and seal (seal.json)."""
    from sfclaims.claims import get_run

    run = get_run(connection, run_id)
    return {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in run.model_dump().items()
    }


def _sample_and_verdicts(connection: Connection, run_id: str, folder: Path) -> None:
    sampled = set(
        connection.execute(
            select(col(AuditSample.family_id)).where(col(AuditSample.run_id) == run_id)
        ).scalars()
    )
    verdicts = connection.execute(
        select(
            col(AuditVerdict.family_id),
            col(AuditVerdict.verdict),
            col(AuditVerdict.note),
            col(AuditVerdict.recorded_by),
            col(AuditVerdict.recorded_at),
        )
        .where(col(AuditVerdict.run_id) == run_id)
        .order_by(col(AuditVerdict.id))
    ).all()
    with_verdict = {v.family_id for v in verdicts}
    rows = [(f, "yes", "", "", "", "") for f in sorted(sampled - with_verdict)]
    rows += [
        (v.family_id, "yes" if v.family_id in sampled else "no", v.verdict, v.note,
         v.recorded_by or "", v.recorded_at)
        for v in verdicts
    ]  # fmt: skip
    _csv(
        folder / "sample-and-verdicts.csv",
        ("family_id", "sampled", "verdict", "note", "recorded_by", "recorded_at"),
        rows,
    )


def _csv(path: Path, headers: tuple[str, ...], rows: Iterable[Any]) -> None:
    """A CSV as every export writes one (UTF-8 for Excel, every text cell safe)."""
    from sfclaims.outputs.files import write_csv

    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(
        path,
        headers,
        (
            [v.isoformat() if hasattr(v, "isoformat") else ("" if v is None else v) for v in row]
            for row in rows
        ),
    )


def _listed(folder: Path) -> list[str]:
    """Every file of the archive but the manifest and its seal, by path, sorted."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.name not in (MANIFEST, MANIFEST_SEAL)
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _manifest_seal(key: bytes, manifest: bytes) -> str:
    return hmac.new(key, b"sfclaims archive manifest\n" + manifest, hashlib.sha256).hexdigest()


def archive_problems(folder: Path) -> tuple[int, list[str]]:
    """The archive checked against its manifest (and the manifest against its seal, when this
    machine has the key): the files checked, and one sentence per file that differs, is
    missing, or is not in the manifest."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise RefusedError(f"{folder} holds no {MANIFEST}: it is not an sfclaims archive.")
    manifest = manifest_path.read_bytes()
    listed: dict[str, str] = {}
    for number, line in enumerate(manifest.decode("utf-8", "replace").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise RefusedError(f"{MANIFEST}, line {number}: not a SHA-256 and a file's name.")
        listed[name] = digest
    problems = []
    for name, digest in listed.items():
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing.")
        elif _sha256(path) != digest:
            problems.append(f"{name} has changed since the archive was made.")
    problems += [
        f"{name} is not in the manifest." for name in _listed(folder) if name not in listed
    ]
    problems += _manifest_seal_problems(folder, manifest)
    return len(listed), problems


def _manifest_seal_problems(folder: Path, manifest: bytes) -> list[str]:
    sealed = folder / MANIFEST_SEAL
    if not sealed.is_file():
        return [f"{MANIFEST_SEAL} is missing: the manifest cannot be checked against the seal."]
    kept_id, _, kept = sealed.read_text(encoding="utf-8").strip().partition("\t")
    key = seal_key()
    if key is None or key_id(key) != kept_id:
        return []  # checked against the files alone: the seal needs the council's key
    if not hmac.compare_digest(_manifest_seal(key, manifest), kept):
        return [f"{MANIFEST} itself was changed: it no longer matches its seal."]
    return []
