"""The bulk path keeps every value exactly, on SQLite (executemany) and PostgreSQL (COPY)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from sfclaims.db import bulk_load
from sfclaims.models import StoredDecision

AWKWARD_TEXT = [
    "back\\slash",
    "tab\there",
    "new\nline",
    "carriage\rreturn",
    "\\N",  # COPY's own NULL marker, as text
    "",
    "naïve café — £5",
    '=HYPERLINK("x")',
]


def test_bulk_load_keeps_awkward_text_nulls_flags_and_dates(engine):
    table = StoredDecision.__table__  # type: ignore[attr-defined]
    columns = [c.name for c in table.c]
    decided = datetime(2026, 11, 30, 9, 15, 2, 123456, tzinfo=UTC)
    wanted = []
    for number, text in enumerate(AWKWARD_TEXT):
        values = {
            "as_of": date(2026, 9, 30),
            "family_id": f"F{number:03d}",
            "eligible": number % 2 == 0,
            "claimable": False,
            "needs": text,
            "reasons": "",
            "framework": "national 2022-25",
            "framework_sha256": "0" * 64,
            "evidence": None if number % 3 == 0 else text,
            "decided_at": decided,
            "episode_start": None if number == 1 else date(2025, 1, number + 1),
            "facts": text,
        }
        wanted.append(values)
    with engine.begin() as connection:
        bulk_load(connection, table, columns, [tuple(v[c] for c in columns) for v in wanted])
    with engine.connect() as connection:
        stored = [
            dict(row._mapping)
            for row in connection.execute(select(*table.c).order_by(table.c.family_id))
        ]
    for row in stored:  # SQLite gives the moment back without its zone
        row["decided_at"] = row["decided_at"].replace(tzinfo=UTC)
    assert stored == wanted
