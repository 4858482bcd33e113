"""The data officer's imports: upload a quarter's extracts (several files, or one .zip), the same
one-transaction import in the background with its progress, the result per file, the set-aside
rows (paged, by file and reason), the data-quality workbook, and the history of imports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sfclaims.actions.accounts import DATA_OFFICER, Actor
from sfclaims.actions.shown import quarter_tasks
from sfclaims.actions.vocabulary import SfclaimsError, checked_text, page_number
from sfclaims.web import tables
from sfclaims.web.forms import checked_form
from sfclaims.web.pages import done, download, refused, render, said
from sfclaims.web.security import engine_of, requires
from sfclaims.web.uploads import save_upload

router = APIRouter()


def history(request: Request, page: int = 1) -> list:
    """A page of the imports, newest first, one row each (who, when, its files and rows)."""
    from sfclaims.actions.shown import IMPORTS_PAGE, imports_so_far

    skip = (page - 1) * IMPORTS_PAGE
    return tables.imports(imports_so_far(engine_of(request), IMPORTS_PAGE, skip))


@router.get("/imports")
def imports_page(
    request: Request, page: str = "1", person: Actor = requires(DATA_OFFICER)
) -> Response:
    number = page_number(page)
    return render(
        request,
        "imports.html",
        errors=[],
        rows=history(request, number),
        page=number,
        stands=quarter_tasks(engine_of(request), person),
    )


@router.post("/imports")
async def upload(
    request: Request,
    person: Actor = requires(DATA_OFFICER),  # first: no body is read for anyone else
    form: dict = Depends(checked_form),
) -> Response:
    posted = await request.form()
    files = [f for f in posted.getlist("extracts") if isinstance(f, UploadFile)]
    files = [f for f in files if f.filename]
    jobs = request.app.state.jobs
    job = await run_in_threadpool(jobs.begin, "import", person.name)
    folder = await run_in_threadpool(jobs.folder, job)  # the job's own, removed when it ends
    uploaded = folder / "upload"

    def saved() -> None:  # copying and unpacking up to the limit: never on the event loop
        uploaded.mkdir(mode=0o700)
        used = 0
        for upload_file in files:
            used += save_upload(
                upload_file.file,
                upload_file.filename or "",
                uploaded,
                request.app.state.upload_limit,
                used,
            )

    try:
        if not files:
            raise SfclaimsError("Choose the extract files (or one .zip of them) to import.")
        await run_in_threadpool(saved)
    except BaseException as error:  # no job left running, none of the upload left behind
        await run_in_threadpool(jobs.abandon, job)
        if not isinstance(error, SfclaimsError):
            raise
        await run_in_threadpool(jobs.abandon, job)
        return render(
            request,
            "imports.html",
            status_code=400,
            errors=[{"text": said(error), "href": "#extracts"}],
            rows=history(request),
        )
    from sfclaims.web.tasks import import_upload

    arguments = {"person": person, "folder": folder, "allow_empty": []}
    await run_in_threadpool(jobs.run, job, import_upload, arguments)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.post("/jobs/{job_id}/answer")
def answer(
    request: Request,
    job_id: str,
    person: Actor = requires(),
    form: dict = Depends(checked_form),
) -> Response:
    """The owner's answer to the question an import asks (a file that would empty a kind held
    now: import it as empty?): yes runs the import again on the kept files, that kind allowed
    empty; no ends it, nothing imported. The import itself checks the role again."""
    from sfclaims.web.tasks import import_upload

    jobs = request.app.state.jobs
    job = jobs.get(job_id, person.name)
    if job is None or job.status != "asking":
        return RedirectResponse(f"/jobs/{job_id}" if job else "/imports", status_code=303)
    if form.get("empty") not in ("yes", "no"):
        errors = [{"text": "Say whether to import it as empty", "href": "#empty"}]
        return render(request, "job.html", 400, job=job, words=JOB_WORDS[job.kind], errors=errors)
    if form["empty"] == "no":
        if jobs.declined(job, f"You chose not to import {job.result['file']} as empty."):
            done(request, "Nothing was imported.")
        return RedirectResponse("/imports", status_code=303)
    arguments = {
        "person": person,
        "folder": jobs.folder(job),
        "allow_empty": [*job.result.get("allowed", []), job.result["kind"]],
    }
    jobs.answered(job, import_upload, arguments)  # a second answer finds it taken: no rerun
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@dataclass(frozen=True)
class JobWords:
    """How the workspace speaks of one kind of job."""

    title: str
    running: str
    refused: str
    interrupted: str
    back: tuple[str, str]  # where to go after a refusal, and the link's words


JOB_WORDS = {
    "import": JobWords(
        "Import",
        "Importing",
        "The import was refused",
        "The import was interrupted",
        ("/imports", "Import again"),
    ),
    "decide": JobWords(
        "Deciding",
        "Deciding every family",
        "The families were not decided",
        "Deciding was interrupted",
        ("/", "Back to the quarter"),
    ),
    "claim run": JobWords(
        "Claim run",
        "Making the claim run",
        "The claim run was not made",
        "Making the claim run was interrupted",
        ("/claims", "Back to the claim runs"),
    ),
    "quarter files": JobWords(
        "The quarter's files",
        "Making the quarter's files",
        "The quarter's files were not made",
        "Making the quarter's files was interrupted",
        ("/", "Back to the quarter"),
    ),
    "outcomes report": JobWords(
        "The outcomes report",
        "Making the outcomes report",
        "The outcomes report was not made",
        "Making the outcomes report was interrupted",
        ("/", "Back to the quarter"),
    ),
    "plan preview": JobWords(
        "What the plan would change",
        "Deciding every family under the plan",
        "The plan's effect could not be worked out",
        "Working out the plan's effect was interrupted",
        ("/settings", "Back to the settings"),
    ),
    "archive": JobWords(
        "The close-out archive",
        "Making the close-out archive",
        "The close-out archive was not made",
        "Making the close-out archive was interrupted",
        ("/", "Back to the quarter"),
    ),
    "verdicts": JobWords(
        "Verdicts",
        "Recording the verdicts",
        "The verdicts were not recorded",
        "Recording the verdicts was interrupted",
        ("/audit", "Back to the audit"),
    ),
    "evidence pack": JobWords(
        "Evidence pack",
        "Making the evidence pack",
        "The evidence pack was not made",
        "Making the evidence pack was interrupted",
        ("/audit", "Back to the audit"),
    ),
}


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str, person: Actor = requires()) -> Response:
    job = request.app.state.jobs.get(job_id, person.name)
    if job is None:
        return refused(
            request, "No such work", "There is no work of yours under way with that number.", 404
        )
    if job.status == "done" and "redirect" in job.result:  # a decide, a claim run: its page
        if job.result.get("said"):
            done(request, job.result["said"])
        return RedirectResponse(job.result["redirect"], status_code=303)
    preview = job.result if job.kind == "plan preview" and job.status == "done" else {}
    return render(
        request,
        "job.html",
        job=job,
        words=JOB_WORDS[job.kind],
        errors=[],
        preview_became=tables.families_by_reason(preview.get("became_by_reason", [])),
        preview_stopped=tables.families_by_reason(preview.get("stopped_by_reason", [])),
    )


@router.get("/jobs/{job_id}/report")
def job_report(request: Request, job_id: str, person: Actor = requires()) -> Response:
    """The file a job of this person's made (an import's data-quality workbook, an evidence
    pack): only its owner's, who had the role the job needed when it began."""
    jobs = request.app.state.jobs
    job, workbook = jobs.get(job_id, person.name), jobs.report(job_id, person.name)
    if job is None or workbook is None:
        return RedirectResponse("/", status_code=303)
    name = (job.result or {}).get("file_name") or f"data-quality-report-{job_id}.xlsx"
    return download(workbook, name)


@router.get("/imports/{number}/report")
def import_report(
    request: Request, number: int, person: Actor = requires(DATA_OFFICER)
) -> Response:
    """An earlier import's data-quality workbook, written again from the database."""
    import tempfile

    from sfclaims.actions import quality_report
    from sfclaims.actions.service import work_root

    engine = engine_of(request)
    try:
        with tempfile.TemporaryDirectory(dir=work_root(engine)) as folder:
            workbook = quality_report(engine, person, number, Path(folder))[0]
            content, name = workbook.read_bytes(), workbook.name
    except SfclaimsError as error:
        return refused(request, "No such import", said(error), 404)
    return download(content, name)


@router.get("/imports/set-aside")
def set_aside(
    request: Request,
    file: str = "",
    reason: str = "",
    page: str = "1",
    batch: list[str] = Query(default=[]),  # noqa: B008 - FastAPI's way to read a repeated key
    person: Actor = requires(DATA_OFFICER),
) -> Response:
    from sfclaims.actions.shown import set_aside_page

    batches = [int(b) for b in batch if b.isdigit() and len(b) < 18]
    shown = set_aside_page(
        engine_of(request),
        checked_text(file, "the file name", 200),
        checked_text(reason, "the reason", 200),
        batches,
        page_number(page),
    )
    return render(
        request,
        "set_aside.html",
        rows=shown.rows,
        total=shown.total,
        page=shown.page,
        pages=shown.pages,
        file=file,
        reason=reason,
        files=shown.files,
        batch=batches,
        keep="".join(f"&batch={b}" for b in batches),
    )
