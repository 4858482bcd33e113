"""A family's records as one fingerprint: every column the extracts define, of every record of
the family (its own row, its people, needs, assessments, plans, lead practitioners, outcomes,
its pupils' attendance, its referrals and earlier claims), compared value by value, ignoring the
file and row each came from and the order they come in. A failed audit stands while the
fingerprint a claim run kept is the family's fingerprint today (domain.md, AUDIT_FAILED)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

import orjson
from sqlalchemy import Connection, Table

from sfclaims.models import EXTRACT_TABLES, table_of

NOT_RECORDS = {"batch_id", "source_row", "id"}  # where a row came from, not what it says
CHUNK = 500  # family IDs per query


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.c if c.name not in NOT_RECORDS]


def _plain(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    return value.isoformat() if isinstance(value, date) else value


def records_fingerprints(connection: Connection, family_ids: Iterable[str]) -> dict[str, str]:
    """Each family's fingerprint (SHA-256), for the families asked for."""
    wanted = sorted(set(family_ids))
    rows: dict[str, list[tuple]] = defaultdict(list)
    driver = connection.connection.driver_connection
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        marks = ", ".join(mark for _ in chunk)
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            for kind, model in EXTRACT_TABLES.items():
                table = table_of(model)
                columns = _columns(table)
                if kind == "attendance":
                    sql = (
                        f"SELECT p.family_id, {', '.join('a.' + c for c in columns)} "
                        f"FROM attendance a JOIN people p ON p.upn = a.upn "
                        f"WHERE p.family_id IN ({marks})"
                    )
                elif kind == "referrals":
                    sql = (
                        f"SELECT COALESCE(r.family_id, p.family_id), "
                        f"{', '.join('r.' + c for c in columns)} FROM referrals r "
                        f"LEFT JOIN people p ON p.person_id = r.person_id "
                        f"WHERE r.family_id IN ({marks}) OR p.family_id IN ({marks})"
                    )
                else:
                    sql = (
                        f"SELECT family_id, {', '.join(columns)} FROM {table.name} "
                        f"WHERE family_id IN ({marks})"
                    )
                params = tuple(chunk) * (2 if kind == "referrals" else 1)
                cursor.execute(sql, params)
                for owner, *values in cursor.fetchall():
                    rows[owner].append((kind, *map(_plain, values)))
        finally:
            cursor.close()
    return {
        family: hashlib.sha256(
            orjson.dumps(sorted(rows.get(family, []), key=orjson.dumps))
        ).hexdigest()
        for family in wanted
    }
