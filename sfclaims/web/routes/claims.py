"""Claim runs (the claims team): make one (period, as-of, cap), see it, download the submission
workbook and CSV, submit it behind a page that states what will be locked, discard a draft."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from sfclaims.errors import SfclaimsError
from sfclaims.people import CLAIMS, Actor
from sfclaims.web.pages import refused, render, said
from sfclaims.web.security import checked_form, engine_of, requires

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def claims_page(request: Request, person: Actor, errors: list, typed: dict, status: int = 200):
    from sfclaims.claim_runs import list_runs

    return render(
        request,
        "claims.html",
        status_code=status,
        runs=list_runs(engine_of(request)),
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
    from sfclaims.claim_runs import allocation_left, create_run
    from sfclaims.dates import parse_date
    from sfclaims.settings import framework_in_force

    errors = []
    period = form.get("period", "").strip()
    cap = form.get("cap", "").strip()
    if not period:
        errors.append({"text": "Enter the quarter claimed for, like 2026-Q3", "href": "#period"})
    try:
        day = parse_date(form.get("as_of", ""), "the as-of date")
    except SfclaimsError as error:
        errors.append({"text": said(error), "href": "#as_of"})
    if cap and not cap.isdigit():
        errors.append({"text": "The cap must be a whole number of families", "href": "#cap"})
    if not errors:
        engine = engine_of(request)
        try:
            limit = int(cap) if cap else allocation_left(engine)
            made = create_run(
                engine,
                framework_in_force(engine),
                period,
                day,
                limit,
                another=form.get("another") == "yes",
                by=person.name,
            )
            return RedirectResponse(f"/claims/{made.run_id}", status_code=303)
        except SfclaimsError as error:
            errors.append({"text": said(error), "href": "#period"})
    return claims_page(request, person, errors, form, status=400)


@router.get("/claims/{run_id}")
def run_page(request: Request, run_id: str, person: Actor = requires()) -> Response:
    from sfclaims.claim_runs import run_contents

    contents = run_contents(engine_of(request), run_id, evidence=False, records=False)
    return render(request, "run.html", contents=contents, may_claim=person.may(CLAIMS), errors=[])


@router.get("/claims/{run_id}/submission.{kind}")
def submission(request: Request, run_id: str, kind: str, person: Actor = requires(CLAIMS)):
    from sfclaims.activity import record_now
    from sfclaims.claim_runs import run_contents
    from sfclaims.exports.submission import write_submission
    from sfclaims.settings import framework_in_force, read_settings

    if kind not in ("xlsx", "csv"):
        return RedirectResponse(f"/claims/{run_id}", status_code=303)
    engine = engine_of(request)
    contents = run_contents(engine, run_id, evidence=False, records=False)
    settings = read_settings(engine)
    folder = Path(tempfile.mkdtemp(prefix="sfclaims-export-"))
    workbook, table = write_submission(
        contents,
        framework_in_force(engine),
        folder,
        (settings.authority_name, settings.authority_code),
        settings.quarters,
    )
    record_now(engine, person.name, "submission exported", contents.run.run_id, kind)
    chosen = workbook if kind == "xlsx" else table
    return FileResponse(
        chosen,
        filename=chosen.name,
        media_type=XLSX if kind == "xlsx" else "text/csv",
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/claims/{run_id}/submit")
def confirm_submit(request: Request, run_id: str, person: Actor = requires(CLAIMS)) -> Response:
    from sfclaims.claim_runs import submission_preview

    about = submission_preview(engine_of(request), run_id)
    return render(request, "submit.html", about=about, errors=[])


@router.post("/claims/{run_id}/submit")
def submit(
    request: Request,
    run_id: str,
    form: dict = Depends(checked_form),
    person: Actor = requires(CLAIMS),
) -> Response:
    from sfclaims.claim_runs import submission_preview, submit_run

    engine = engine_of(request)
    try:
        submit_run(engine, run_id, person.name)
    except SfclaimsError as error:
        try:
            about = submission_preview(engine, run_id)
        except SfclaimsError:
            return refused(request, "Submit", said(error), 400)
        return render(
            request,
            "submit.html",
            status_code=400,
            about=about,
            errors=[{"text": said(error), "href": "#confirm-submit"}],
        )
    return RedirectResponse(f"/claims/{run_id.upper()}?submitted=1", status_code=303)


@router.post("/claims/{run_id}/discard")
def discard(
    request: Request,
    run_id: str,
    form: dict = Depends(checked_form),
    person: Actor = requires(CLAIMS),
) -> Response:
    from sfclaims.claim_runs import discard_run

    discard_run(engine_of(request), run_id, person.name)  # a refusal: the handler's page
    return RedirectResponse("/claims", status_code=303)
