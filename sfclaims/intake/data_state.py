"""The state of the data decisions rest on: one number the database orders.

Every change that can alter a decision (an import, a submitted claim run) adds one to it in its
own transaction. A decision keeps the number of the state it was made from, read in the same
snapshot as the facts; stored decisions are reused only while the number is unchanged, and a
claim run is stored only if the data are still in the state it was decided from. Never clock
times, which a long import or another machine's clock would make lie.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlmodel import col

from sfclaims.platform.models import DataState, ImportBatch

ONLY_ROW = 1


def data_version(connection: Connection, lock: bool = False) -> int:
    """The state now, as the caller's transaction sees it; with ``lock``, no change can commit
    until the caller's transaction ends (PostgreSQL: FOR UPDATE; SQLite: see ``db.writing``)."""
    query = select(col(DataState.version)).where(col(DataState.id) == ONLY_ROW)
    return int(connection.execute(query.with_for_update() if lock else query).scalar_one())


def data_changed(connection: Connection) -> None:
    """Record, in the caller's transaction, that the data decisions rest on have changed."""
    connection.execute(
        update(DataState)
        .where(col(DataState.id) == ONLY_ROW)
        .values(version=col(DataState.version) + 1)
    )


def states(connection: Connection) -> tuple[int, int]:
    """The state of the data and the number of stores of decisions so far: together, what
    figures made from stored decisions are kept by."""
    row = connection.execute(
        select(col(DataState.version), col(DataState.decisions_version)).where(
            col(DataState.id) == ONLY_ROW
        )
    ).one()
    return int(row[0]), int(row[1])


def decisions_stored(connection: Connection) -> None:
    """Record, in the caller's transaction, that decisions were stored."""
    connection.execute(
        update(DataState)
        .where(col(DataState.id) == ONLY_ROW)
        .values(decisions_version=col(DataState.decisions_version) + 1)
    )


def anything_imported(connection: Connection) -> bool:
    """Whether any extract was ever imported into this database."""
    return connection.execute(select(col(ImportBatch.id)).limit(1)).first() is not None


NOTHING_IMPORTED = "Nothing has been imported into this database yet; import the extracts first."


def kinds_never_imported(connection: Connection) -> list[str]:
    """The extract kinds no import has ever brought, in import order."""
    from sfclaims.intake.kinds import KINDS

    imported = set(connection.execute(select(col(ImportBatch.kind)).distinct()).scalars())
    return [kind for kind in KINDS if kind not in imported]
