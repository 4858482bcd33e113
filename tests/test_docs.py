"""The README and docs/ as a newcomer reads them: every command they give is one the command line
takes (its group, command, options and arguments, parsed by the command line's own parser), every
link reaches a file of the project, and each role and running it has a page. The README's quarter
and docs/running.md's backups and upgrades are run as written in tests/test_readme.py."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from typer._click.exceptions import UsageError  # typer carries its own click

from sfclaims.cli import app

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
ENVIRONMENT = re.compile(r"^(?:[A-Z_]+=\S+\s+)+")  # `SFCLAIMS_USER=x sfclaims ...`


def documented_commands(text: str) -> list[str]:
    """Every sfclaims command a page gives: each line of a code block that runs `sfclaims` (a
    line ending in a backslash goes on), and each inline `uv run sfclaims ...`."""
    found = []
    for block in re.findall(r"```(?:sh|text)\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            line = ENVIRONMENT.sub("", line.strip())
            if line.startswith(("uv run sfclaims ", "sfclaims ")):
                found.append(line.removeprefix("uv run "))
    for span in re.findall(r"`(uv run sfclaims [^`]+)`", text):
        found.append(" ".join(span.split()).removeprefix("uv run "))
    return found


def parse(words: list[str]) -> list[str]:
    """The command the words name, parsed as `sfclaims` parses them (exits 2 on a bad option or
    argument, as a person would see); the names of the commands it went through."""
    command = typer.main.get_command(app)
    context = command.make_context("sfclaims", list(words))
    path = ["sfclaims"]
    while hasattr(command, "resolve_command"):  # a group: its command is in what it left
        rest = [*context._protected_args, *context.args]  # what the group leaves to its command
        name, sub, args = command.resolve_command(context, rest)
        assert sub is not None, f"sfclaims has no command {rest[:1]}"
        command, context = sub, sub.make_context(name or "", args, parent=context)
        path.append(name or "")
    return path


def all_commands() -> list[tuple[str, str]]:
    return [
        (page.name, line)
        for page in PAGES
        for line in documented_commands(page.read_text(encoding="utf-8"))
    ]


def test_the_pages_give_commands_to_check():
    assert len(all_commands()) > 40
    assert {page for page, _ in all_commands()} >= {
        "README.md",
        "admin.md",
        "auditor.md",
        "business-development.md",
        "data-officer.md",
        "running.md",
    }


@pytest.mark.parametrize(("page", "line"), all_commands())
def test_every_documented_command_is_one_the_command_line_takes(
    page: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsed in an empty folder: a file the command must read (a verdict sheet, say) is made
    there empty first, as the reader's own would be."""
    monkeypatch.chdir(tmp_path)
    words = shlex.split(line.removeprefix("sfclaims "), comments=True)
    for _ in range(3):
        try:
            path = parse(words)
            break
        except typer.Exit:  # --help: shown, and nothing else asked
            return
        except UsageError as error:
            missing = re.search(r"file '([^']+)' does not exist", error.format_message())
            if missing is None:
                pytest.fail(f"{page}: `{line}` is refused: {error.format_message()}")
            made = tmp_path / missing[1]
            made.parent.mkdir(parents=True, exist_ok=True)
            made.touch()
    assert len(path) >= 2, f"{page}: `{line}` names no command"


def test_a_command_the_command_line_does_not_take_is_caught():
    with pytest.raises(UsageError):
        parse(["claim", "run", "--period", "2025-Q1", "--no-such-option"])
    with pytest.raises(UsageError):
        parse(["audit", "record"])  # its run and family missing


def test_every_link_reaches_a_file_of_the_project():
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        targets = re.findall(r"\]\(([^)#]+)\)", text) + re.findall(r'src="([^"]+)"', text)
        for target in targets:
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            assert (page.parent / target).exists(), f"{page.name} links to {target}"


def test_the_readme_is_a_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 260
    for role_page in ("data-officer", "business-development", "auditor", "admin", "running"):
        assert f"(docs/{role_page}.md)" in text
