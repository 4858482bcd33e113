"""Internal audit: draw a run's sample, work through it family by family on the evidence the run
kept with a verdict form, see what is left to check, download the packs."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from sfclaims.actions.accounts import AUDITOR, Actor
from sfclaims.actions.vocabulary import RefusedError, SfclaimsError, page_number
from sfclaims.web import tables
from sfclaims.web.forms import Form, checked_form
from sfclaims.web.pages import done, download, render, said
from sfclaims.web.security import engine_of, requires

router = APIRouter()


@router.get("/audit")
def audit_list(request: Request, person: Actor = requires(AUDITOR)) -> Response:
    from sfclaims.actions.shown import list_runs

    return render(request, "audit.html", rows=tables.audit_runs(list_runs(engine_of(request))))


PER_PAGE = 100
SHOWN = {"all": "All", "to-check": "To check", "checked": "Checked"}


def sample_page(
    request: Request,
    run_id: str,
    errors: list,
    status: int = 200,
    show: str = "all",
    page: int = 1,
    typed: dict | None = None,
) -> Response:
    """The sample a page of families at a time, filtered by checked or not: two queries,
    whatever the sample's size."""
    from sfclaims.actions.shown import audit_conclusion, get_run, sample_status, widen_above

    with engine_of(request).connect() as connection:
        run = get_run(connection, run_id)
        sample = sample_status(connection, run)
        conclusion = audit_conclusion(connection, run, widen_above(connection))
    show = show if show in SHOWN else "all"
    chosen = [
        (f, v) for f, v in sample.families if show == "all" or (v is None) == (show == "to-check")
    ]
    pages = max(1, -(-len(chosen) // PER_PAGE))
    page = min(max(page, 1), pages)
    return render(
        request,
        "audit_run.html",
        status_code=status,
        run=run,
        sample=sample,
        conclusion=conclusion,
        rows=tables.sample(
            chosen[(page - 1) * PER_PAGE : page * PER_PAGE], f"/audit/{quote(run.run_id)}"
        ),
        show=show,
        filters=SHOWN,
        page=page,
        pages=pages,
        errors=errors,
        typed=typed or {},
    )


@router.get("/audit/{run_id}")
def audit_run(
    request: Request,
    run_id: str,
    show: str = "all",
    page: str = "1",
    person: Actor = requires(AUDITOR),
) -> Response:
    return sample_page(request, run_id, [], show=show, page=page_number(page))


def seed_typed(form: Form, field: str, problem: str) -> int | None:
    """The seed typed in the field, or None when none was (the action draws one)."""
    typed = form[field]
    if typed and not typed.isdigit():
        form.problem(field, problem)
    return int(typed) if typed.isdigit() else None


class Sample(Form):
    """The sample to draw: a number of families, or else a share of the run (typed with or
    without "%"), and a seed (none typed: one is drawn for the auditor, shown and kept)."""

    fields = ("size", "percent", "seed")
    first = "percent"

    def check(self) -> None:
        self.by_number = bool(self["size"])  # a number of families given, else the share
        self.share: float | None = None
        if self.by_number and not self["size"].isdigit():
            self.problem("size", "Enter how many families to check, like 100")
        elif not self.by_number:
            try:
                self.share = float(self["percent"].removesuffix("%").strip())  # "10" or "10%"
            except ValueError:
                self.problem("percent", "Enter the share of the run to sample, like 10")
        self.seed = seed_typed(self, "seed", "Enter a seed: a whole number, kept with the sample")
        self.first = "size" if self.by_number else "percent"


@router.post("/audit/{run_id}/sample")
def draw_sample(
    request: Request,
    run_id: str,
    person: Actor = requires(AUDITOR),
    form: Sample = Depends(Sample.posted),
) -> Response:
    from sfclaims.actions import draw_sample as draw

    if form.ok:
        try:
            drawn = draw(
                engine_of(request),
                person,
                run_id,
                percent=form.share,
                size=int(form["size"]) if form.by_number else None,
                seed=form.seed,
            )
            done(
                request,
                f"The audit sample is drawn with seed {drawn.seed}: {len(drawn.families):,} "
                "families to check.",
            )
            return RedirectResponse(f"/audit/{run_id}", status_code=303)
        except SfclaimsError as error:
            form.refused(error)
    return sample_page(request, run_id, form.errors, status=400, typed=form.typed)


@router.post("/archive")
def make_archive(
    request: Request, form: dict = Depends(checked_form), person: Actor = requires()
) -> Response:
    """The close-out archive as a job (the action allows an admin or an auditor)."""
    from sfclaims.web.tasks import the_archive

    jobs = request.app.state.jobs
    job = jobs.begin("archive", person.name)
    jobs.run(job, the_archive, {"person": person, "folder": jobs.folder(job)})
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


class Widen(Form):
    """Families to add to the sample, and a seed (none typed: one is drawn, shown and kept in
    the log)."""

    fields = ("more", "more_seed")
    first = "more"

    def check(self) -> None:
        if not self["more"].isdigit() or int(self["more"]) < 1:
            self.problem("more", "Enter how many families to add, like 10")
        self.seed = seed_typed(self, "more_seed", "Enter a seed: a whole number, kept in the log")


@router.post("/audit/{run_id}/widen")
def widen(
    request: Request,
    run_id: str,
    person: Actor = requires(AUDITOR),
    form: Widen = Depends(Widen.posted),
) -> Response:
    from sfclaims.actions import widen_sample

    if form.ok:
        try:
            added = widen_sample(engine_of(request), person, run_id, int(form["more"]), form.seed)
            done(
                request,
                f"The audit sample is widened with seed {added.seed}: {len(added.families):,} "
                "families added to check.",
            )
            return RedirectResponse(f"/audit/{run_id}", status_code=303)
        except SfclaimsError as error:
            form.refused(error)
    return sample_page(request, run_id, form.errors, status=400, typed=form.typed)


def evidence_page(
    request: Request,
    run_id: str,
    family_id: str,
    errors: list,
    status: int = 200,
    typed: dict[str, str] | None = None,
) -> Response:
    from sfclaims.actions.shown import run_contents

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
        typed=typed or {},
    )


@router.get("/audit/{run_id}/families/{family_id}.pdf")
def audit_family_pdf(
    request: Request, run_id: str, family_id: str, person: Actor = requires(AUDITOR)
) -> Response:
    """The family's evidence page as a PDF: the same page, on A4."""
    from sfclaims.actions import evidence_pdf

    name, made = evidence_pdf(engine_of(request), person, run_id, family_id)
    return download(made, name)


@router.get("/audit/{run_id}/families/{family_id}")
def audit_family(
    request: Request, run_id: str, family_id: str, person: Actor = requires(AUDITOR)
) -> Response:
    return evidence_page(request, run_id, family_id, [])


class Verdict(Form):
    """An auditor's verdict on a sampled family: pass or fail, and what they checked."""

    fields = ("verdict", "note")
    first = "verdict"

    def check(self) -> None:
        if self["verdict"] not in ("pass", "fail"):
            self.problem("verdict", "Choose pass or fail")
        if not self["note"]:
            self.problem("note", "Say what you checked in the note")


@router.post("/audit/{run_id}/families/{family_id}")
def record(
    request: Request,
    run_id: str,
    family_id: str,
    person: Actor = requires(AUDITOR),
    form: Verdict = Depends(Verdict.posted),
) -> Response:
    from sfclaims.actions import record_verdicts
    from sfclaims.actions.shown import VerdictGiven

    verdict = form["verdict"]
    if form.ok:
        try:
            given = [VerdictGiven(family_id, verdict, form["note"])]
            run, _families = record_verdicts(engine_of(request), person, run_id, given)
            following = next_to_check(request, run, family_id)
            done(
                request,
                f"Your verdict on family {family_id} is recorded ({verdict})."
                + (
                    f" Next to check: family {following}."
                    if following
                    else " The sample is checked."
                ),
            )
            if following:
                return RedirectResponse(
                    f"/audit/{quote(run)}/families/{quote(following)}", status_code=303
                )
            return RedirectResponse(f"/audit/{quote(run)}", status_code=303)
        except SfclaimsError as error:
            form.refused(error)
    return evidence_page(request, run_id, family_id, form.errors, status=400, typed=form.typed)


@router.post("/audit/{run_id}/verdicts")
async def upload_verdicts(
    request: Request,
    run_id: str,
    person: Actor = requires(AUDITOR),  # first: no body is read for anyone else
    form: dict = Depends(checked_form),
) -> Response:
    """The sample pack's "Verdicts to record" sheet, uploaded: read and recorded as a job (in a
    process of its own, with its memory limit: an uploaded workbook is hostile until read)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.datastructures import UploadFile

    from sfclaims.web.tasks import record_verdict_sheet
    from sfclaims.web.uploads import save_upload

    posted = await request.form()
    sheet = posted.get("verdicts")
    jobs = request.app.state.jobs
    job = await run_in_threadpool(jobs.begin, "verdicts", person.name)
    folder = await run_in_threadpool(jobs.folder, job)

    def saved() -> str:
        if not isinstance(sheet, UploadFile) or not (sheet.filename or "").lower().endswith(
            ".xlsx"
        ):
            raise RefusedError("Choose the sample pack's workbook (.xlsx) to upload.")
        limit = request.app.state.upload_limit
        save_upload(sheet.file, sheet.filename or "", folder, limit, 0, "nothing was recorded")
        return sheet.filename or ""

    try:
        name = await run_in_threadpool(saved)
    except BaseException as error:  # no job left running, none of the upload left behind
        await run_in_threadpool(jobs.abandon, job)
        if not isinstance(error, SfclaimsError):
            raise
        errors = [{"text": said(error), "href": "#verdicts"}]
        return await run_in_threadpool(sample_page, request, run_id, errors, 400)
    from sfclaims.web.uploads import plain_name

    arguments = {"person": person, "run_id": run_id, "sheet": folder / plain_name(name)}
    await run_in_threadpool(jobs.run, job, record_verdict_sheet, arguments)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def next_to_check(request: Request, run_id: str, after: str) -> str | None:
    from sfclaims.actions.shown import get_run, sample_status

    with engine_of(request).connect() as connection:
        return sample_status(connection, get_run(connection, run_id)).next_after(after)


@router.post("/audit/{run_id}/pack")
def pack(
    request: Request, run_id: str, form: dict = Depends(checked_form), person=requires(AUDITOR)
) -> Response:
    """Make the sample's or the whole run's evidence pack as a job (a large run's takes a
    while); its page offers the workbook when it is made."""
    from sfclaims.actions.shown import get_run
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
