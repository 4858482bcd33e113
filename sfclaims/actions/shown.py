"""What the faces show: reads of the engine's state that change nothing and log nothing — claim
runs and their pages, the audit's standing, a family explained, the dashboard's overview, the
imports so far and rows set aside, the log's pages, the settings, the programme's quarters — and
the checks a form runs before it offers a change (a period, a second draft)."""

from __future__ import annotations

from sfclaims.claims import (
    audit_conclusion,
    check_period,
    get_run,
    list_runs,
    refuse_second_draft,
    run_contents,
    run_page,
    sample_status,
    widen_above,
)
from sfclaims.claims.audit import VerdictGiven
from sfclaims.deciding.assessing import AssessSummary, Explained
from sfclaims.deciding.facts import FamilyBundle
from sfclaims.deciding.forecasting import Pipeline, QuarterAhead
from sfclaims.deciding.rules import Decision
from sfclaims.deciding.rules.catalogue import WAITING, describe, in_words, near_miss, what_to_do
from sfclaims.intake.data_state import states
from sfclaims.intake.importing import (
    IMPORTS_PAGE,
    ImportResult,
    Progress,
    imports_so_far,
    set_aside_page,
)
from sfclaims.outputs.overview import (
    decided_dates,
    family_history,
    glance,
    near_misses,
    team_and_locality,
    work_lists,
)
from sfclaims.outputs.tasks import quarter_tasks
from sfclaims.platform.activity import LOG_HEADERS, log_rows, read_log, read_log_page
from sfclaims.platform.quarters import period_months, period_named
from sfclaims.platform.settings import (
    NATIONAL,
    framework_in_force,
    quarter_convention,
    read_settings,
    settings_lines,
)

__all__ = [
    "quarter_tasks",
    "AssessSummary",
    "Decision",
    "Explained",
    "FamilyBundle",
    "IMPORTS_PAGE",
    "ImportResult",
    "LOG_HEADERS",
    "NATIONAL",
    "Pipeline",
    "Progress",
    "QuarterAhead",
    "VerdictGiven",
    "WAITING",
    "audit_conclusion",
    "check_period",
    "decided_dates",
    "describe",
    "family_history",
    "framework_in_force",
    "get_run",
    "glance",
    "imports_so_far",
    "in_words",
    "list_runs",
    "log_rows",
    "near_miss",
    "near_misses",
    "period_months",
    "period_named",
    "quarter_convention",
    "read_log",
    "read_log_page",
    "read_settings",
    "refuse_second_draft",
    "run_contents",
    "run_page",
    "sample_status",
    "set_aside_page",
    "settings_lines",
    "states",
    "team_and_locality",
    "what_to_do",
    "widen_above",
    "work_lists",
]
