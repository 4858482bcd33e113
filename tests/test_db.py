"""The bulk paths keep every value exactly, on SQLite (executemany) and PostgreSQL (COPY)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import select

from sfclaims.platform import db
from sfclaims.platform.db import Staging, bulk_load, open_database
from sfclaims.platform.models import Assessment, StoredDecision, table_of

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
    table = table_of(StoredDecision)
    columns = [c.name for c in table.c]
    decided = datetime(2026, 11, 30, 9, 15, 2, 123456, tzinfo=UTC)
    wanted = []
    for number, text in enumerate(AWKWARD_TEXT * 17):  # whole statements of rows, and a few
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
            "data_version": number,
            "episode_start": None if number == 1 else date(2025, 1, number % 28 + 1),
            "facts": text,
            "work_list": None if number % 2 else text,
            "forecast_date": None if number % 2 else date(2027, 1, number % 28 + 1),
            "reasons_before": None if number % 2 else text,
            "before_as_of": None if number % 2 else date(2026, 6, 30),
            "before_decided_at": None,
            "forecast_status": None if number % 2 else text,
            "forecast_actions": None if number % 3 else text,
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


def test_replacing_a_table_keeps_awkward_text_blanks_flags_and_dates_and_reports_progress(
    engine, monkeypatch
):
    monkeypatch.setattr(db, "CHUNK", 3)  # several chunks from a few rows
    monkeypatch.setattr(db, "ROWS_A_STATEMENT", 2)  # statements of several rows, and one left
    table = table_of(Assessment)
    count = len(AWKWARD_TEXT)
    frame = pd.DataFrame(  # typed as the import's table_frame types them
        {
            "batch_id": [1] * count,
            "source_row": range(2, count + 2),
            "assessment_id": pd.array([f"A{n:03d}" for n in range(count)], dtype="str"),
            "family_id": pd.array(["0042"] * count, dtype="str"),
            "assessment_type": pd.array(AWKWARD_TEXT, dtype="str"),
            "start_date": pd.array(
                [None if n % 3 == 0 else f"2025-01-{n + 1:02d}" for n in range(count)], dtype="str"
            ),
            "completed_date": pd.array([None] * count, dtype="str"),
            "whole_family": pd.array([n % 2 == 0 for n in range(count)], dtype="boolean"),
            "members_covered": pd.array(["P1;P2"] * count, dtype="str"),
            "voice_of_child_recorded": pd.array(
                [None if n % 3 == 1 else n % 2 == 1 for n in range(count)], dtype="boolean"
            ),
        }
    )
    heard = []
    with Staging(engine) as staging:
        staging.put("rows_assessments", table, frame.drop(columns="batch_id"), heard.append)
        with staging.swapping() as connection:
            staging.replace(connection, "rows_assessments", table, {"batch_id": 1})
    with engine.connect() as connection:
        stored = connection.execute(select(*table.c).order_by(table.c.source_row)).all()
    assert [row.assessment_type for row in stored] == AWKWARD_TEXT
    assert [row.family_id for row in stored] == ["0042"] * count
    assert [row.start_date for row in stored] == [
        None if n % 3 == 0 else date(2025, 1, n + 1) for n in range(count)
    ]
    assert {row.completed_date for row in stored} == {None}
    assert [row.whole_family for row in stored] == [n % 2 == 0 for n in range(count)]
    assert [row.voice_of_child_recorded for row in stored] == [
        None if n % 3 == 1 else n % 2 == 1 for n in range(count)
    ]
    assert heard[-1] == count and heard == sorted(heard) and len(heard) == -(-count // 3)


@pytest.mark.parametrize("rows", [0, 1])
def test_replacing_a_table_removes_its_earlier_rows(engine, rows):
    table = table_of(Assessment)
    columns = [c.name for c in table.c]
    earlier = (1, 2, "A1", "F1", "whole family", None, None, True, "P1", None)
    with engine.begin() as connection:
        bulk_load(connection, table, columns, [earlier])
    frame = pd.DataFrame([(2, 2, "A2", "F1", "whole family", None, None, False, "P1", None)])
    frame.columns = columns
    with Staging(engine) as staging:
        staging.put("rows_assessments", table, frame.iloc[:rows].drop(columns="batch_id"))
        with staging.swapping() as connection:
            staging.replace(connection, "rows_assessments", table, {"batch_id": 2})
    with engine.connect() as connection:
        stored = connection.execute(select(table.c.assessment_id)).scalars().all()
    assert stored == ["A2"][:rows]


def test_the_schema_revision_every_command_checks_is_alembics_head():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(db.MIGRATIONS)).get_current_head() == db.SCHEMA_REVISION


def test_an_imports_scratch_file_left_by_a_killed_import_is_removed_by_the_next(tmp_path):
    """A killed import cannot remove its scratch file (the rows are personal data): the next
    import on that database removes any older than a day, and its own when it ends."""
    import os
    import time

    from sfclaims.platform.db import SCRATCH_KEPT_FOR, SCRATCH_PREFIX

    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    stale, fresh = tmp_path / f"{SCRATCH_PREFIX}killed.db", tmp_path / f"{SCRATCH_PREFIX}now.db"
    for left in (stale, fresh):
        left.write_bytes(b"rows")
    long_ago = time.time() - SCRATCH_KEPT_FOR - 60
    os.utime(stale, (long_ago, long_ago))
    with Staging(engine):
        pass
    assert sorted(p.name for p in tmp_path.glob(f"{SCRATCH_PREFIX}*")) == [fresh.name]
    engine.dispose()


def test_a_page_number_is_a_whole_number_a_database_keeps_else_the_first():
    from sfclaims.platform.given import page_number

    assert [page_number(t) for t in ("3", " 7 ", "0", "-2", "x", "9" * 25, "0" * 12 + "5")] == [
        3, 7, 1, 1, 1, 1, 1,
    ]  # fmt: skip
