"""Claim runs (the claims team): make one (period, as-of, cap), see it, download the submission
workbook and CSV, submit it behind a page that states what will be locked, discard a draft."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from sfclaims.actions.accounts import CLAIMS, Actor
from sfclaims.actions.vocabulary import SfclaimsError
from sfclaims.web import tables
from sfclaims.web.forms import checked_form
from sfclaims.web.pages import QuarterNames, done, download, refused, render, said
from sfclaims.web.security import engine_of, requires

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def claims_page(request: Request, person: Actor, errors: list, typed: dict, status: int = 200):
    from sfclaims.actions.shown import list_runs

    return render(
        request,
        "claims.html",
        status_code=status,
        rows=tables.claim_runs(list_runs(engine_of(request)), QuarterNames(request)),
        errors=errors,
        typed=typed,
        may_claim=person.may(CLAIMS),
    )


@router.get("/claims")
def claims_list(request: Request, person: Actor = requires()) -> Response:
    return claims_page(request, person, [], {})


@router.post("/claims")
def make_run(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires(CLAIMS)
) -> Response:
    from sfclaims.actions.shown import check_period
    from sfclaims.actions.vocabulary import parse_date
    from sfclaims.web.tasks import make_claim_run

    errors = []
    period = form.get("period", "").strip()
    cap = form.get("cap", "").strip()
    if not period:
        errors.append({"text": "Enter the quarter claimed for", "href": "#period"})
    else:
        try:
            period = check_period(period)
        except SfclaimsError as error:
            errors.append({"text": said(error), "href": "#period"})
    try:
        day = parse_date(form.get("as_of", ""), "the as-of date")
    except SfclaimsError as error:
        errors.append({"text": said(error), "href": "#as_of"})
    if cap and not cap.isdigit():
        errors.append({"text": "The cap must be a whole number of families", "href": "#cap"})
    if errors:
        return claims_page(request, person, errors, form, status=400)
    if form.get("another") == "no":
        return RedirectResponse("/claims", status_code=303)
    if form.get("another") != "yes":  # a draft for the period already: ask, plainly
        from sfclaims.actions.shown import refuse_second_draft

        try:
            with engine_of(request).connect() as connection:
                refuse_second_draft(connection, period, another=False)
        except SfclaimsError as error:
            return render(
                request,
                "another_draft.html",
                said=str(error),
                typed=form,
                period=period,
                errors=[],
            )
    arguments = {
        "person": person,
        "period": period,
        "day": day,
        "cap": int(cap) if cap else None,
        "another": form.get("another") == "yes",
    }
    job = request.app.state.jobs.start("claim run", person.name, make_claim_run, arguments)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/claims/{run_id}")
def run_page(
    request: Request, run_id: str, page: str = "1", person: Actor = requires()
) -> Response:
    """The run, and a page of its families."""
    from sfclaims.actions.shown import run_page as read_page

    shown = read_page(
        engine_of(request), run_id, int(page) if page.isdigit() and len(page) < 9 else 1
    )
    return render(
        request,
        "run.html",
        contents=shown.contents,
        may_claim=person.may(CLAIMS),
        errors=[],
        audited=shown.audited,
        page=shown.page,
        pages=shown.pages,
        families=tables.run_families(shown.contents, shown.sampled),
    )


@router.get("/claims/{run_id}/submission.{kind}")
def submission(request: Request, run_id: str, kind: str, person: Actor = requires(CLAIMS)):
    from sfclaims.actions import export_submission

    if kind not in ("xlsx", "csv"):
        return RedirectResponse(f"/claims/{run_id}", status_code=303)
    with tempfile.TemporaryDirectory(prefix="sfclaims-export-") as folder:
        workbook, table = export_submission(engine_of(request), person, run_id, Path(folder))
        chosen = workbook if kind == "xlsx" else table
        return download(chosen.read_bytes(), chosen.name)


@router.get("/claims/{run_id}/submit")
def confirm_submit(request: Request, run_id: str, person: Actor = requires(CLAIMS)) -> Response:
    from sfclaims.actions import submission_preview

    about = submission_preview(engine_of(request), person, run_id)
    return render(request, "submit.html", about=about, errors=[])


@router.post("/claims/{run_id}/submit")
def submit(
    request: Request,
    run_id: str,
    form: dict = Depends(checked_form),
    person: Actor = requires(CLAIMS),
) -> Response:
    from sfclaims.actions import submission_preview, submit

    engine = engine_of(request)
    try:
        submit(engine, person, run_id)
    except SfclaimsError as error:
        try:
            about = submission_preview(engine, person, run_id)
        except SfclaimsError:
            return refused(request, "Submit", said(error), 400)
        return render(
            request,
            "submit.html",
            status_code=400,
            about=about,
            errors=[{"text": said(error), "href": "#confirm-submit"}],
        )
    done(request, f"Claim run {run_id.upper()} is submitted and locked.")
    return RedirectResponse(f"/claims/{run_id.upper()}", status_code=303)


@router.post("/claims/{run_id}/discard")
def discard(
    request: Request,
    run_id: str,
    form: dict = Depends(checked_form),
    person: Actor = requires(CLAIMS),
) -> Response:
    from sfclaims.actions import discard

    gone, families, verdicts = discard(engine_of(request), person, run_id)  # a refusal: 400
    done(
        request,
        f"Claim run {gone} is discarded, with its {families:,} families and {verdicts:,} verdicts.",
    )
    return RedirectResponse("/claims", status_code=303)


@router.get("/claims/{run_id}/discard")
def confirm_discard(request: Request, run_id: str, person: Actor = requires(CLAIMS)) -> Response:
    """The question before a draft is discarded, saying what goes with it."""
    from sfclaims.actions.shown import run_contents

    contents = run_contents(engine_of(request), run_id, evidence=False, records=False)
    return render(request, "discard.html", contents=contents)
