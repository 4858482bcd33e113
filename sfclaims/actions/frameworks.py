"""The framework an action decides by: the one in force (the national framework, or the
authority's local plan), or the one a claim run was made under."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

if TYPE_CHECKING:
    from sfclaims.platform.framework import Framework


def framework_in_force(engine: Engine, given: Path | None) -> Framework:
    from sfclaims.platform.settings import framework_in_force as in_force

    return in_force(engine, given)


def framework_of_run(engine: Engine, sealed: str) -> Framework:
    """The framework a run was made under, for its totals' headline names: the one in force or
    the national one, whichever the run's hash names (else the one in force, whose names are
    the nearest there are: a run keeps its own decisions either way)."""
    from sfclaims.platform.framework import load_framework

    in_force = framework_in_force(engine, None)
    if in_force.sha256 != sealed:
        national = load_framework()
        if national.sha256 == sealed:
            return national
    return in_force
