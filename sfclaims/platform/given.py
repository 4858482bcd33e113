"""Values a person gives — a form's field, a command's option — checked by the stage before they
reach the database, whichever face they came through. Each refusal is one sentence naming the
value as the stage knows it ("the note", "the seed"), never a face's option or field.
"""

from __future__ import annotations

from sfclaims.platform.errors import UsageError

#: The largest whole number every database keeps in an integer column (PostgreSQL's integer).
LARGEST_NUMBER = 2_147_483_647
LONGEST_TEXT = 4_000  # characters: a note or a name, never an essay


def checked_text(value: str, what: str, longest: int = LONGEST_TEXT) -> str:
    """Text a person typed: no control characters but line breaks and tabs (a NUL byte cannot be
    stored), at most ``longest`` characters."""
    if any(ord(c) < 32 and c not in "\n\r\t" or c == "\x7f" for c in value):
        raise UsageError(f"{what.capitalize()} holds a control character; type it again.")
    if len(value) > longest:
        raise UsageError(f"{what.capitalize()} is longer than {longest:,} characters.")
    return value


def checked_number(value: int, what: str, least: int = 0, most: int = LARGEST_NUMBER) -> int:
    """A whole number a person gave, within what the database can keep and the stage allows."""
    if not least <= value <= most:
        raise UsageError(f"{what.capitalize()} must be a whole number from {least:,} to {most:,}.")
    return value


def page_number(typed: str) -> int:
    """The page of a list a person asked for (an address's ``page``): a whole number from 1;
    anything else, or past what a database keeps, is the first page."""
    typed = typed.strip()
    return (
        int(typed)
        if typed.isdigit() and len(typed) <= 10 and 0 < int(typed) <= LARGEST_NUMBER
        else 1
    )
