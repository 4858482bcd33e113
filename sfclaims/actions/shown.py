"""What the faces show: reads of the engine's state that change nothing and log nothing — claim
runs and their pages, the audit's standing, a family explained, the dashboard's overview, the
imports so far and rows set aside, the log's pages, the settings, the programme's quarters — and
the checks a form runs before it offers a change (a period, a second draft).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfclaims.platform.lazily import names_from

if TYPE_CHECKING:  # the names, typed; at run time each is imported when first asked for
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
    from sfclaims.deciding.decisions import SinceBefore
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

#: Where each name lives: a command imports only what it uses, so it starts quickly.
_WHERE = {
    "AssessSummary": ("sfclaims.deciding.assessing", "AssessSummary"),
    "Decision": ("sfclaims.deciding.rules", "Decision"),
    "Explained": ("sfclaims.deciding.assessing", "Explained"),
    "FamilyBundle": ("sfclaims.deciding.facts", "FamilyBundle"),
    "IMPORTS_PAGE": ("sfclaims.intake.importing", "IMPORTS_PAGE"),
    "ImportResult": ("sfclaims.intake.importing", "ImportResult"),
    "LOG_HEADERS": ("sfclaims.platform.activity", "LOG_HEADERS"),
    "NATIONAL": ("sfclaims.platform.settings", "NATIONAL"),
    "Pipeline": ("sfclaims.deciding.forecasting", "Pipeline"),
    "Progress": ("sfclaims.intake.importing", "Progress"),
    "QuarterAhead": ("sfclaims.deciding.forecasting", "QuarterAhead"),
    "SinceBefore": ("sfclaims.deciding.decisions", "SinceBefore"),
    "VerdictGiven": ("sfclaims.claims.audit", "VerdictGiven"),
    "WAITING": ("sfclaims.deciding.rules.catalogue", "WAITING"),
    "audit_conclusion": ("sfclaims.claims", "audit_conclusion"),
    "check_period": ("sfclaims.claims", "check_period"),
    "decided_dates": ("sfclaims.outputs.overview", "decided_dates"),
    "describe": ("sfclaims.deciding.rules.catalogue", "describe"),
    "family_history": ("sfclaims.outputs.overview", "family_history"),
    "framework_in_force": ("sfclaims.platform.settings", "framework_in_force"),
    "get_run": ("sfclaims.claims", "get_run"),
    "glance": ("sfclaims.outputs.overview", "glance"),
    "imports_so_far": ("sfclaims.intake.importing", "imports_so_far"),
    "in_words": ("sfclaims.deciding.rules.catalogue", "in_words"),
    "list_runs": ("sfclaims.claims", "list_runs"),
    "log_rows": ("sfclaims.platform.activity", "log_rows"),
    "near_miss": ("sfclaims.deciding.rules.catalogue", "near_miss"),
    "near_misses": ("sfclaims.outputs.overview", "near_misses"),
    "period_months": ("sfclaims.platform.quarters", "period_months"),
    "period_named": ("sfclaims.platform.quarters", "period_named"),
    "quarter_convention": ("sfclaims.platform.settings", "quarter_convention"),
    "quarter_tasks": ("sfclaims.outputs.tasks", "quarter_tasks"),
    "read_log": ("sfclaims.platform.activity", "read_log"),
    "read_log_page": ("sfclaims.platform.activity", "read_log_page"),
    "read_settings": ("sfclaims.platform.settings", "read_settings"),
    "refuse_second_draft": ("sfclaims.claims", "refuse_second_draft"),
    "run_contents": ("sfclaims.claims", "run_contents"),
    "run_page": ("sfclaims.claims", "run_page"),
    "sample_status": ("sfclaims.claims", "sample_status"),
    "set_aside_page": ("sfclaims.intake.importing", "set_aside_page"),
    "settings_lines": ("sfclaims.platform.settings", "settings_lines"),
    "states": ("sfclaims.intake.data_state", "states"),
    "team_and_locality": ("sfclaims.outputs.overview", "team_and_locality"),
    "what_to_do": ("sfclaims.deciding.rules.catalogue", "what_to_do"),
    "widen_above": ("sfclaims.claims", "widen_above"),
    "work_lists": ("sfclaims.outputs.overview", "work_lists"),
}

__all__ = [
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
    "SinceBefore",
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
    "quarter_tasks",
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


__getattr__ = names_from(__name__, _WHERE)
