"""Running the service: the database opened, the web's jobs and their files, the log's writer
for who is acting, the seal key, upgrades' steps, and the synthetic authority the demo writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfclaims.platform.lazily import names_from

if TYPE_CHECKING:  # the names, typed; at run time each is imported when first asked for
    from sfclaims.claims.sealing import ensure_seal_key, seal_key_path
    from sfclaims.intake.synthetic import write_authority
    from sfclaims.platform.activity import forget_who_is_identified, operating_system_user
    from sfclaims.platform.db import database_url, is_busy, make_engine, open_database
    from sfclaims.platform.job_files import identity, work_root
    from sfclaims.platform.jobs import Jobs, Outcome
    from sfclaims.upkeep.upgrading import Step, Upgraded

#: Where each name lives: a command imports only what it uses, so it starts quickly.
_WHERE = {
    "Jobs": ("sfclaims.platform.jobs", "Jobs"),
    "Outcome": ("sfclaims.platform.jobs", "Outcome"),
    "Step": ("sfclaims.upkeep.upgrading", "Step"),
    "Upgraded": ("sfclaims.upkeep.upgrading", "Upgraded"),
    "database_url": ("sfclaims.platform.db", "database_url"),
    "ensure_seal_key": ("sfclaims.claims.sealing", "ensure_seal_key"),
    "forget_who_is_identified": ("sfclaims.platform.activity", "forget_who_is_identified"),
    "identity": ("sfclaims.platform.job_files", "identity"),
    "is_busy": ("sfclaims.platform.db", "is_busy"),
    "make_engine": ("sfclaims.platform.db", "make_engine"),
    "open_database": ("sfclaims.platform.db", "open_database"),
    "operating_system_user": ("sfclaims.platform.activity", "operating_system_user"),
    "seal_key_path": ("sfclaims.claims.sealing", "seal_key_path"),
    "work_root": ("sfclaims.platform.job_files", "work_root"),
    "write_authority": ("sfclaims.intake.synthetic", "write_authority"),
}

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


__getattr__ = names_from(__name__, _WHERE)
