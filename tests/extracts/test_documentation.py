from pathlib import Path

from sfclaims.intake.documentation import extracts_markdown
from sfclaims.intake.kinds import KINDS

DOCUMENT = Path(__file__).parents[2] / "docs" / "extracts.md"


def test_the_extracts_document_is_what_the_import_definitions_say():
    assert DOCUMENT.read_text(encoding="utf-8") == extracts_markdown(), (
        "docs/extracts.md is out of date: run python -m sfclaims.intake.documentation"
    )


def test_the_document_names_every_kind_and_column_and_which_are_required():
    text = extracts_markdown()
    for kind in KINDS.values():
        assert f"## `{kind.name}`" in text
        for column in kind.columns:
            assert f"| {column.header} | {'yes' if column.required else ''} |" in text
