"""A family's records as one fingerprint: every column the extracts define, of every record of
the family (its own row, its people, needs, assessments, plans, lead practitioners, outcomes,
its pupils' attendance, its referrals and earlier claims), compared value by value, ignoring the
file and row each came from and the order they come in. A failed audit stands while the
fingerprint a claim run kept is the family's fingerprint today (domain.md, AUDIT_FAILED)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable

import orjson
from sqlalchemy import Connection, Table

from sfclaims.platform.models import EXTRACT_TABLES, table_of

NOT_RECORDS = {"batch_id", "source_row", "id"}  # where a row came from, not what it says
CHUNK = 20_000  # family IDs per query (SQLite takes 32,766 parameters)


def _columns(table: Table) -> list[str]:
    return [c.name for c in table.c if c.name not in NOT_RECORDS]


def records_fingerprints(connection: Connection, family_ids: Iterable[str]) -> dict[str, str]:
    """Each family's fingerprint (SHA-256), for the families asked for."""
    wanted = sorted(set(family_ids))
    rows: dict[str, list[bytes]] = defaultdict(list)  # each record as JSON, by family
    driver = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        # PostgreSQL takes the IDs as one array; SQLite as a list of parameters
        marks = ", ".join("?" for _ in chunk) if sqlite else "SELECT unnest(%s::text[])"
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
                one = tuple(chunk) if sqlite else (list(chunk),)
                params = one * (2 if kind == "referrals" else 1)
                cursor.execute(sql, params)
                label = kind.encode() + b":"
                for row in cursor.fetchall():  # (dates are ISO text as JSON on both databases)
                    if kind == "attendance" and row[-1] is None:
                        row = row[:-1]  # a column added later counts where it holds a value
                    rows[row[0]].append(label + orjson.dumps(row))
        finally:
            cursor.close()
    return {
        family: hashlib.sha256(b"\n".join(sorted(rows.get(family, [])))).hexdigest()
        for family in wanted
    }
