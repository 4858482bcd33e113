"""The quarter at a glance (everyone): families, eligible, claimable, claimed and the allocation
left as of a date; the reasons as a chart; near misses by reason and team; each family's page;
and deciding the families as of a date (the claims team)."""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response

from sfclaims.actions.accounts import CLAIMS, DATA_OFFICER, Actor
from sfclaims.actions.shown import (
    WAITING,
    decided_dates,
    describe,
    family_history,
    glance,
    in_words,
    near_miss,
    near_misses,
    quarter_tasks,
    states,
    team_and_locality,
    what_to_do,
)
from sfclaims.actions.vocabulary import NotFoundError, SfclaimsError, checked_text, page_number
from sfclaims.web import tables
from sfclaims.web.forms import checked_form
from sfclaims.web.pages import QuarterNames, refused, render, said
from sfclaims.web.security import engine_of, requires

if TYPE_CHECKING:
    from sfclaims.actions.shown import Explained, FamilyBundle

router = APIRouter()
CHART_WIDTH = 480  # the longest bar, in SVG units
CACHE_LOCK = threading.Lock()
NEAR_MISSES_PAGE = 50
WORK_LIST_PAGE = 50


def state_of(request: Request) -> tuple[int, int]:
    """The state of the data and the number of stores of decisions: a decide moves the second,
    an import, a verdict or a submission the first."""
    with engine_of(request).connect() as connection:
        return states(connection)


def cached(request: Request, key: tuple, make):
    """What ``make`` gives, kept while the data stay in the state they are in (every import,
    submission, verdict and discard moves it on), no family is decided again and the settings
    are unchanged."""
    from sfclaims.actions.shown import read_settings

    store: dict = request.app.state.__dict__.setdefault("cache", {})
    stamp = getattr(request.state, "cache_stamp", None)  # read once a request, however many
    if stamp is None:  # figures it shows
        stamp = request.state.cache_stamp = (
            state_of(request),
            read_settings(engine_of(request)).changed_at,
        )
    full = (key, *stamp)
    if full in store:
        return store[full]
    with CACHE_LOCK:  # many people opening the same page at once make it once
        if full not in store:
            if len(store) > 256:
                store.clear()
            store[full] = make()
        return store[full]


def chosen_date(request: Request, typed: str | None) -> tuple[date | None, list[dict]]:
    from sfclaims.actions.vocabulary import parse_date

    if typed:
        try:
            return parse_date(typed, "the as-of date"), []
        except SfclaimsError as error:
            return None, [{"text": said(error), "href": "#as_of"}]
    days = cached(request, ("dates",), lambda: decided_dates(engine_of(request)))
    return (days[0] if days else None), []


def reason_bars(reasons: list[tuple[str, int]]) -> list[dict]:
    """The reasons chart, drawn on the server: a bar per reason, longest first."""
    most = max((count for _code, count in reasons), default=1)
    return [
        {
            "code": code,
            "words": in_words(code),  # what the bar says; the code is in its table beside it
            "title": describe(code).title,
            "count": count,
            "width": max(round(CHART_WIDTH * count / most), 1),
            "y": 28 * i,
        }
        for i, (code, count) in enumerate(reasons)
    ]


def dashboard_page(
    request: Request,
    person: Actor,
    day: date | None,
    typed: str,
    errors: list[dict],
    status_code: int = 200,
) -> Response:
    """The quarter as of the day: its figures (kept while the data stand), the reasons chart, and
    the quarters ahead once a decide has worked them out."""
    seen = (
        cached(request, ("glance", day), lambda: glance(engine_of(request), day)) if day else None
    )
    ahead = seen.ahead if seen else None
    since = seen.since if seen else None
    return render(
        request,
        "dashboard.html",
        status_code=status_code,
        day=day,
        typed=typed,
        errors=errors,
        glance=seen,
        bars=reason_bars(seen.reasons) if seen else [],
        reason_rows=tables.families_by_reason(seen.reasons) if seen else [],
        became_rows=tables.families_by_reason(since.became_by_reason) if since else [],
        stopped_rows=tables.families_by_reason(since.stopped_by_reason) if since else [],
        chart_height=28 * len(seen.reasons) if seen else 0,
        later=ahead[1] if ahead else 0,
        ahead_rows=tables.quarters_ahead(ahead[0], seen.allocation_left) if seen and ahead else [],
        may_decide=person.may(CLAIMS),
        stands=quarter_tasks(engine_of(request), person),
    )


@router.get("/")
def dashboard(request: Request, as_of: str | None = None, person: Actor = requires()) -> Response:
    if person.roles == frozenset({DATA_OFFICER}) and as_of is None:  # their quarter: imports
        return RedirectResponse("/imports", status_code=303)
    day, errors = chosen_date(request, as_of)
    return dashboard_page(request, person, day, as_of or "", errors)


@router.post("/decide")
def decide(request: Request, form: dict = Depends(checked_form), person: Actor = requires(CLAIMS)):
    from sfclaims.actions.vocabulary import check_as_of, parse_date

    typed = form.get("as_of", "")
    try:
        day = check_as_of(parse_date(typed, "the as-of date"))
    except SfclaimsError as error:
        problem = [{"text": said(error), "href": "#decide_as_of"}]
        return dashboard_page(request, person, None, typed, problem, status_code=400)
    from sfclaims.web.tasks import decide_families

    job = request.app.state.jobs.start(
        "decide", person.name, decide_families, {"person": person, "day": day}
    )
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/quarter-files")
def quarter_files(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires(CLAIMS)
):
    """The quarter's files, made as a job: decided afresh, the decisions file and work lists,
    the forecast and the progress report, in one .zip its maker downloads."""
    from sfclaims.web.tasks import the_quarters_files

    return _a_days_job(request, form, person, "files_as_of", "quarter files", the_quarters_files)


@router.post("/outcomes-report")
def outcomes_report(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires()
):
    """The outcomes report, made as a job: the ten headlines' needs, outcomes achieved and
    sustained, this quarter beside the last, by headline and by team; any role may make it."""
    from sfclaims.web.tasks import the_outcomes_report

    return _a_days_job(
        request, form, person, "outcomes_as_of", "outcomes report", the_outcomes_report
    )


def _a_days_job(
    request: Request, form: dict, person: Actor, field: str, kind: str, task: Any
) -> Response:
    """A job made as of the day the form gives (refused at the field ``field``), then its page."""
    from sfclaims.actions.vocabulary import check_as_of, parse_date

    typed = form.get("as_of", "")
    try:
        day = check_as_of(parse_date(typed, "the as-of date"))
    except SfclaimsError as error:
        problem = [{"text": said(error), "href": f"#{field}"}]
        return dashboard_page(request, person, None, typed, problem, status_code=400)
    jobs = request.app.state.jobs
    job = jobs.begin(kind, person.name)
    jobs.run(job, task, {"person": person, "day": day, "folder": jobs.folder(job)})
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/near-misses")
def near_miss_list(
    request: Request,
    as_of: str | None = None,
    reason: str | None = None,
    team: str | None = None,
    typed_page: str = Query("1", alias="page"),
    person: Actor = requires(),
) -> Response:
    page = page_number(typed_page)
    day, errors = chosen_date(request, as_of)
    every = (  # all of the date's near misses, made once; a reason or a team narrows them here
        cached(request, ("near", day), lambda: near_misses(engine_of(request), day)) if day else []
    )
    found = [
        f for f in every if (not reason or f.reason == reason) and (not team or f.team == team)
    ]
    seen = (
        cached(request, ("glance", day), lambda: glance(engine_of(request), day)) if day else None
    )
    return render(
        request,
        "near_misses.html",
        day=day,
        errors=errors,
        rows=tables.near_misses(
            found[(page - 1) * NEAR_MISSES_PAGE : page * NEAR_MISSES_PAGE],
            day.isoformat() if day else "",
            lambda code: describe(code).title,
        ),
        count=len(found),
        page=max(page, 1),
        pages=max(-(-len(found) // NEAR_MISSES_PAGE), 1),
        reason=reason or "",
        team=team or "",
        reasons=[  # each in words, its code beside them
            (code, f"{in_words(code)} — {code}")
            for code, _n in (seen.reasons if seen else [])
            if near_miss((code,))
        ],
        teams=seen.teams if seen else [],
        describe=describe,
    )


LISTS = {  # the address's name for each work list, and the list (decisions.WORK_LISTS)
    "fixable-now": (
        "fixable now",
        "Fixable now",
        "A record missing or incomplete that someone can put right",
    ),
    "waiting": (
        "waiting",
        "Waiting",
        "Only time stands between the family and a claim: the date is when",
    ),
    "other-work": (
        "other work",
        "Other work",
        "A child's attendance, or records an auditor failed, to put right first",
    ),
}


@router.get("/work-lists")
def work_list_page(
    request: Request,
    as_of: str | None = None,
    list_name: str = Query("fixable-now", alias="list"),
    team: str = "",
    typed_page: str = Query("1", alias="page"),
    person: Actor = requires(),
) -> Response:
    """A work list as of a date, by team, a page at a time, with each family's reasons in
    words, what to do and (waiting) the date it becomes claimable."""
    from sfclaims.actions.shown import work_lists

    page, team = page_number(typed_page), checked_text(team, "the team", 200)
    day, errors = chosen_date(request, as_of)
    chosen = list_name if list_name in LISTS else "fixable-now"
    found = (
        cached(  # kept while the data and the decisions stand, as the dashboard's figures are
            request,
            ("work list", day, chosen, team, page),
            lambda: work_lists(
                engine_of(request), day, LISTS[chosen][0], team or None, page, WORK_LIST_PAGE
            ),
        )
        if day
        else None
    )
    return render(
        request,
        "work_lists.html",
        day=day,
        errors=errors,
        found=found,
        chosen=chosen,
        lists=LISTS,
        team=team,
        page=max(page, 1),
        pages=max(-(-found.total // WORK_LIST_PAGE), 1) if found else 1,
        rows=tables.work_list(found.families, day) if found and day else [],
    )


@router.get("/families/{family_id}")
def family_page(
    request: Request, family_id: str, as_of: str | None = None, person: Actor = requires()
) -> Response:
    from sfclaims.actions import read_family

    day, errors = chosen_date(request, as_of)
    engine = engine_of(request)
    try:
        found = read_family(engine, person, day, family_id) if day else None
    except NotFoundError as error:
        return refused(request, "Family not found", said(error), 404)
    if found is None or day is None:
        return refused(
            request, "Family not found", "Choose the date to decide the family as of.", 404
        )
    decision = found.decision
    team, locality = team_and_locality(engine, decision.family_id)
    return render(
        request,
        "family.html",
        day=day,
        decision=decision,
        summary=family_summary(found),
        details=family_details(found, team, locality),
        outcomes=outcome_rows(found.family),
        history=(history := family_history(engine, decision.family_id)),
        claims_rows=tables.claim_history(history, QuarterNames(request)),
        verdict_run=None,
        back=(f"/near-misses?as_of={day.isoformat()}", "Near misses"),
    )


def on(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def family_summary(found: Explained) -> list[dict]:
    """What stands between the family and a claim, a row a reason: what it means, what to do,
    and when it is expected to clear where only time is needed (the forecast)."""
    rows = []
    ahead = found.forecast
    for code in found.decision.reasons:
        reason = describe(code)
        to_do = what_to_do(code) if reason.to_do else reason.message
        if ahead is not None and ahead.status == WAITING and ahead.forecast_date:
            to_do += f" Expected to be claimable from {on(ahead.forecast_date)}."
        rows.append({"key": {"text": f"{reason.title} ({code})"}, "value": {"text": to_do}})
    return rows


def family_details(found: Explained, team: str | None, locality: str | None) -> list[dict]:
    family = found.family
    workers = [
        f"{w.worker_name or w.worker_id} from {on(w.start_date)}"
        + (f" to {on(w.end_date)}" if w.end_date else "")
        + ("" if w.recognised_by_family else " (not recognised by the family)")
        for w in family.lead_practitioners
    ]
    return [
        {"key": {"text": "Team"}, "value": {"text": team or "not given"}},
        {"key": {"text": "Locality"}, "value": {"text": locality or "not given"}},
        {
            "key": {"text": "Episode"},
            "value": {
                "text": f"from {on(family.episode_start)}"
                + (f" to {on(family.episode_end)}" if family.episode_end else ", still open")
            },
        },
        {"key": {"text": "Lead practitioner"}, "value": {"text": "; ".join(workers) or "none"}},
    ]


def outcome_rows(family: FamilyBundle) -> list[list[dict]]:
    """Every outcome with the dates an auditor checks "held six months" by."""
    return [
        [
            {"text": o.headline},
            {"text": o.outcome_measure or ""},
            {"text": o.status},
            {"text": on(o.achieved_date)},
            {"text": on(o.sustained_until)},
            {"text": o.evidence_reference or ""},
        ]
        for o in sorted(family.outcomes, key=lambda o: (o.headline, o.outcome_id))
    ]
