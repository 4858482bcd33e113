"""Draw the README's printed cover again: a quarter of the worked example run on the command line
by a team with their full names (an admin, a data officer, the claims team, an auditor), its
claim audited and submitted, and the submission's first printed page (its cover) as LibreOffice
prints it, saved as ``docs/images/submission-cover.png``.

    uv run --with pypdfium2 python docs/images/printed.py

Needs LibreOffice (``soffice``: .ci/run installs it), which prints the workbook to PDF, and
pypdfium2 (fetched for this run alone by ``--with``), which draws its first page. Each person acts as the operating-system
user of their account's name, as on a council's server where each signs in as themselves.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTRACTS = HERE.parents[2] / "shared" / "examples" / "sample-authority"
TEAM = (
    ("jo.smith", "admin", "Jo Smith"),
    ("dee.patel", "data_officer", "Dee Patel"),
    ("sam.okoro", "claims", "Sam Okoro"),
    ("ade.ahmed", "auditor", "Ade Ahmed"),
)


def sfclaims(database: str, person: str, *args: str) -> str:
    """One command, as the person; its standard output (stopped with its error if it fails)."""
    env = {**os.environ, "LOGNAME": person, "USER": person}
    env.pop("SFCLAIMS_USER", None)
    done = subprocess.run(
        [sys.executable, "-m", "sfclaims.cli", "--database-url", database, *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"sfclaims {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def main() -> None:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed to print the cover.")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        database = f"sqlite:///{work / 'sfclaims.db'}"
        admin = TEAM[0][0]
        sfclaims(
            database,
            admin,
            "init",
            "--authority-name",
            "Example County Council",
            "--authority-code",
            "E1000001",
        )
        for name, role, full_name in TEAM:
            sfclaims(database, admin, "user", "add", name, "--role", role, "--full-name", full_name)
        sfclaims(database, "dee.patel", "import", str(EXTRACTS))
        made = sfclaims(
            database, "sam.okoro", "claim", "run", "--period", "2025-Q1", "--as-of", "2025-03-31"
        )
        run = made.strip().splitlines()[-1]
        drawn = sfclaims(
            database, "ade.ahmed", "audit", "sample", run, "--size", "5", "--seed", "7"
        )
        for family in drawn.split():
            sfclaims(
                database,
                "ade.ahmed",
                *("audit", "record", run, family, "--verdict", "pass"),
                *("--note", "Plan, outcomes and attendance checked against the case record"),
            )
        sfclaims(database, "sam.okoro", "claim", "submit", run, "--yes")
        sfclaims(database, "sam.okoro", "claim", "export", run, "--out", str(work))
        workbook = work / f"claim-{run}.xlsx"
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{work / 'profile'}", "--headless"]
            + ["--convert-to", "pdf", "--outdir", str(work), str(workbook)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        import pypdfium2

        printed = pypdfium2.PdfDocument(workbook.with_suffix(".pdf"))
        cover = printed[0].render(scale=1.5).to_pil()  # 108 dots an inch
        cover.save(HERE / "submission-cover.png", optimize=True)
    print(f"Drew {HERE / 'submission-cover.png'}")


if __name__ == "__main__":
    main()
