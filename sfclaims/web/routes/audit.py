"""Internal audit: draw a run's sample, work through it family by family on the evidence the run
kept with a verdict form, see what is left to check, download the packs."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from sfclaims.errors import SfclaimsError
from sfclaims.people import AUDITOR, Actor
from sfclaims.web.pages import done, render, said
from sfclaims.web.security import checked_form, engine_of, requires

router = APIRouter()


@router.get("/audit")
def audit_list(request: Request, person: Actor = requires(AUDITOR)) -> Response:
    from sfclaims.claim_runs import list_runs

    return render(request, "audit.html", runs=list_runs(engine_of(request)))


def sample_page(request: Request, run_id: str, errors: list, status: int = 200) -> Response:
    from sfclaims.claim_runs import get_run, run_contents, sampled

    engine = engine_of(request)
    with engine.connect() as connection:
        run = get_run(connection, run_id)
        drawn = sampled(connection, run.run_id)
    contents = (
        run_contents(engine, run.run_id, drawn, evidence=False, records=False) if drawn else None
    )
    latest = {
        f: [v for v in history if v.run_id == run.run_id][-1:]
        for f, history in (contents.verdicts.items() if contents else [])
    }
    return render(
        request,
        "audit_run.html",
        status_code=status,
        run=run,
        drawn=drawn,
        latest=latest,
        left=[f for f in drawn if not latest.get(f)],
        errors=errors,
    )


@router.get("/audit/{run_id}")
def audit_run(request: Request, run_id: str, person: Actor = requires(AUDITOR)) -> Response:
    return sample_page(request, run_id, [])


@router.post("/audit/{run_id}/sample")
def draw_sample(
    request: Request,
    run_id: str,
    form: dict = Depends(checked_form),
    person: Actor = requires(AUDITOR),
) -> Response:
    from sfclaims.actions import draw_sample as draw

    errors = []
    percent, seed = form.get("percent", "").strip(), form.get("seed", "").strip()
    try:
        share = float(percent)
    except ValueError:
        errors.append({"text": "Enter the share of the run to sample, like 10", "href": "#percent"})
    if not seed.isdigit():
        errors.append(
            {"text": "Enter a seed: a whole number, kept with the sample", "href": "#seed"}
        )
    if not errors:
        try:
            drawn = draw(engine_of(request), person, run_id, percent=share, seed=int(seed))
            done(request, f"The audit sample is drawn: {len(drawn):,} families to check.")
            return RedirectResponse(f"/audit/{run_id}", status_code=303)
        except SfclaimsError as error:
            errors.append({"text": said(error), "href": "#percent"})
    return sample_page(request, run_id, errors, status=400)


def evidence_page(
    request: Request, run_id: str, family_id: str, errors: list, status: int = 200
) -> Response:
    from sfclaims.claim_runs import run_contents

    contents = run_contents(engine_of(request), run_id, [family_id])
    (family,) = contents.families
    return render(
        request,
        "audit_family.html",
        status_code=status,
        contents=contents,
        family=family,
        findings=contents.evidence(family),
        verdicts=contents.verdicts.get(family.family_id, []),
        errors=errors,
    )


@router.get("/audit/{run_id}/families/{family_id}.pdf")
def audit_family_pdf(
    request: Request, run_id: str, family_id: str, person: Actor = requires(AUDITOR)
) -> Response:
    """The family's evidence page as a PDF: the same page, on A4."""
    from sfclaims.actions import evidence_pdf

    name, made = evidence_pdf(engine_of(request), person, run_id, family_id)
    return Response(
        made,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/audit/{run_id}/families/{family_id}")
def audit_family(
    request: Request, run_id: str, family_id: str, person: Actor = requires(AUDITOR)
) -> Response:
    return evidence_page(request, run_id, family_id, [])


@router.post("/audit/{run_id}/families/{family_id}")
def record(
    request: Request,
    run_id: str,
    family_id: str,
    form: dict = Depends(checked_form),
    person: Actor = requires(AUDITOR),
) -> Response:
    from sfclaims.actions import record_verdicts
    from sfclaims.audit import VerdictGiven

    verdict, note = form.get("verdict", ""), form.get("note", "").strip()
    errors = []
    if verdict not in ("pass", "fail"):
        errors.append({"text": "Choose pass or fail", "href": "#verdict"})
    if not note:
        errors.append({"text": "Say what you checked in the note", "href": "#note"})
    if not errors:
        try:
            given = [VerdictGiven(family_id, verdict, note)]
            run, _families = record_verdicts(engine_of(request), person, run_id, given)
            done(request, f"Your verdict on family {family_id} is recorded ({verdict}).")
            return RedirectResponse(f"/audit/{run}", status_code=303)
        except SfclaimsError as error:
            errors.append({"text": said(error), "href": "#verdict"})
    return evidence_page(request, run_id, family_id, errors, status=400)


@router.post("/audit/{run_id}/pack")
def pack(
    request: Request, run_id: str, form: dict = Depends(checked_form), person=requires(AUDITOR)
) -> Response:
    """Make the sample's or the whole run's evidence pack as a job (a large run's takes a
    while); its page offers the workbook when it is made."""
    from sfclaims.claim_runs import get_run
    from sfclaims.web.tasks import evidence_pack

    with engine_of(request).connect() as connection:
        run_id = get_run(connection, run_id).run_id  # a run that does not exist: 404
    jobs = request.app.state.jobs
    job = jobs.begin("evidence pack", person.name)
    arguments = {
        "person": person,
        "run_id": run_id,
        "folder": jobs.folder(job),
        "sample": form.get("sample") == "yes",
    }
    jobs.run(job, evidence_pack, arguments)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)
