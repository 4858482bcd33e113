"""The README's quarter, followed as a new user would: its commands, in its order; and
docs/running.md's backups and upgrades, as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

from sfclaims.cli import app
from sfclaims.intake.synthetic import write_authority
from sfclaims.platform.db import open_database

README = Path(__file__).parents[1] / "README.md"


def quarter_commands() -> list[list[str]]:
    """Every `uv run sfclaims ...` line of the README's "Your quarter, by role", in order."""
    text = README.read_text(encoding="utf-8")
    quarter = text[text.index("## Your quarter, by role") :]
    quarter = quarter[: quarter.index("\n## ", 1)]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", quarter, flags=re.DOTALL):
        for line in block.splitlines():
            if line.startswith("uv run sfclaims "):
                words = shlex.split(line.removeprefix("uv run sfclaims "), comments=True)
                commands.append(words)
    return commands


def with_sampled(words: list[str], sampled: list[str]) -> list[list[str]]:
    """The README's placeholder FAMILY as each sampled family: a verdict for every one, a pack
    of them all."""
    if "FAMILY" not in words:
        return [words]
    if words[:2] == ["audit", "record"]:
        return [[family if w == "FAMILY" else w for w in words] for family in sampled]
    plain = [w for w in words if w not in ("--family", "FAMILY")]
    return [plain + [part for family in sampled for part in ("--family", family)]]


def test_the_readme_gives_the_quarter_in_the_order_the_rails_require():
    order = [c[0] if c[0] in ("import", "assess") else " ".join(c[:2]) for c in quarter_commands()]
    firsts = [order.index(step) for step in ("import", "assess", "claim run", "audit sample")]
    firsts += [
        order.index("audit record"),
        order.index("claim export"),
        order.index("claim submit"),
    ]
    assert firsts == sorted(firsts)


def test_following_the_readme_ends_with_a_submitted_audited_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SFCLAIMS_DATABASE_URL", raising=False)
    write_authority(tmp_path / "imports" / "2025-Q1", families=200, seed=3)
    runner = CliRunner()
    sampled: list[str] = []
    for words in quarter_commands():
        for args in with_sampled(words, sampled):
            answer = "y\n" if args[:2] == ["claim", "submit"] else None
            result = runner.invoke(app, args, input=answer, catch_exceptions=False)
            assert result.exit_code == 0, (args, result.output)
            if args[:2] == ["audit", "sample"]:
                sampled = result.stdout.split()
    assert sampled, "the README's quarter draws an audit sample"
    with open_database(f"sqlite:///{tmp_path / 'sfclaims.db'}").connect() as connection:
        submitted, verdicts = connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM claim_runs WHERE submitted_at IS NOT NULL), "
            "(SELECT count(*) FROM audit_verdicts)"
        ).one()
    assert submitted == 1 and verdicts == len(sampled)


RUNNING = README.parent / "docs" / "running.md"


def section_commands(heading: str, page: Path = README) -> list[list[str]]:
    """Every `uv run sfclaims ...` line of a page's section, in order."""
    text = page.read_text(encoding="utf-8")
    part = text[text.index(f"## {heading}") :]
    part = part[: part.index("\n## ", 1)]
    return [
        shlex.split(line.removeprefix("uv run sfclaims "), comments=True)
        for block in re.findall(r"```sh\n(.*?)```", part, flags=re.DOTALL)
        for line in block.splitlines()
        if line.startswith("uv run sfclaims ")
    ]


def test_backups_and_upgrades_as_the_docs_give_them(tmp_path, monkeypatch):
    """On a database an earlier revision made (0013, the last landed before upgrades):
    docs/running.md's backup, then its upgrade, a command and verify after it, as written; the backup restores
    (copied over, as the page says) to a database that is behind again, and upgrades again."""
    import gzip
    import os
    import shutil
    import subprocess
    import sys

    from sfclaims.platform.db import schema_revision

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SFCLAIMS_DATABASE_URL", raising=False)
    packed = Path(__file__).parent / "fixtures" / "revisions" / "0013.db.gz"
    with gzip.open(packed, "rb") as old, (tmp_path / "sfclaims.db").open("wb") as out:
        shutil.copyfileobj(old, out)
    commands = section_commands("Backups and upgrades", RUNNING)
    assert [c[0] for c in commands] == ["backup", "upgrade", "claim", "verify"]
    for args in commands:  # each a process, as a person runs them: it ends before the restore
        result = subprocess.run(
            [sys.executable, "-m", "sfclaims.cli", *args],
            cwd=tmp_path,
            env={**os.environ, "SFCLAIMS_USER": "root"},
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, (args, result.stderr)
    (backup,) = (tmp_path / "backups").iterdir()
    assert list(tmp_path.glob("sfclaims.before-upgrade-0013-*.db"))
    for journal in ("sfclaims.db-wal", "sfclaims.db-shm"):  # the page's restore
        (tmp_path / journal).unlink(missing_ok=True)
    shutil.copy(backup, tmp_path / "sfclaims.db")
    assert schema_revision(open_engine(tmp_path / "sfclaims.db")) == "0013"


def open_engine(path: Path):  # type: ignore[no-untyped-def]
    from sfclaims.platform.db import make_engine

    return make_engine(f"sqlite:///{path}")
