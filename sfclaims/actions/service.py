"""Running the service: the database opened, the web's jobs and their files, the log's writer
for who is acting, the seal key, upgrades' steps, and the synthetic authority the demo writes."""

from __future__ import annotations

from sfclaims.claims.sealing import ensure_seal_key, seal_key_path
from sfclaims.intake.synthetic import write_authority
from sfclaims.platform.activity import forget_who_is_identified, operating_system_user
from sfclaims.platform.db import database_url, is_busy, make_engine, open_database
from sfclaims.platform.job_files import identity, work_root
from sfclaims.platform.jobs import Jobs, Outcome
from sfclaims.upkeep.upgrading import Step, Upgraded

__all__ = [
    "Jobs",
    "Outcome",
    "Step",
    "Upgraded",
    "database_url",
    "ensure_seal_key",
    "forget_who_is_identified",
    "identity",
    "is_busy",
    "make_engine",
    "open_database",
    "operating_system_user",
    "seal_key_path",
    "work_root",
    "write_authority",
]
