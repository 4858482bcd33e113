"""`sfclaims serve` (the workspace in the browser) and `sfclaims demo`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from sfclaims.actions.vocabulary import UsageError, long_running, ready_folder
from sfclaims.cli.base import (
    Settings,
    app,
    messages,
    open_database,
    plain_errors,
)


@app.command()
@plain_errors
def serve(
    host: Annotated[str, typer.Option(help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to listen on.")] = 8000,
    upload_limit_mb: Annotated[
        int, typer.Option("--upload-limit-mb", help="The largest upload, in megabytes.")
    ] = 500,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="How many server processes answer on the port; they share jobs, sessions and "
            "figures through the database.",
        ),
    ] = 1,
    behind_proxy: Annotated[
        bool,
        typer.Option(
            "--behind-proxy",
            help="Behind the council's TLS proxy on this machine: trust its X-Forwarded-* "
            "headers (from 127.0.0.1 only) and send cookies over HTTPS alone (Secure).",
        ),
    ] = False,
    job_memory_mb: Annotated[
        int,
        typer.Option(
            "--job-memory-mb",
            min=256,
            envvar="SFCLAIMS_JOB_MEMORY_MB",
            help="The memory each import or decide may take, in megabytes: each runs in a "
            "process of its own, and one past this fails alone with a sentence.",
        ),
    ] = 4096,
) -> None:
    """The team's workspace in the browser, on this database: sign in with an account of
    `sfclaims user` that has a password. Sessions are signed with SFCLAIMS_SECRET_KEY or the
    key file `sfclaims init` makes (at least 32 bytes, readable by its owner alone)."""
    import uvicorn

    from sfclaims.actions.accounts import secret_key, secret_key_path, usable_key
    from sfclaims.actions.service import database_url

    key = secret_key()
    if key is None:
        raise UsageError(
            f"There is no key to sign sessions with: run `sfclaims init` (it makes "
            f"{secret_key_path()}) or set SFCLAIMS_SECRET_KEY."
        )
    usable_key(key)
    open_database()  # a database that does not exist yet, or is behind, is refused here
    limit = upload_limit_mb * 1024 * 1024
    os.environ["SFCLAIMS_JOB_MEMORY_MB"] = str(job_memory_mb)  # read by every server process
    scheme = "https" if behind_proxy else "http"
    messages.print(
        f"The workspace is at {scheme}://{host}:{port}/ with {workers} server "
        f"process{'es' if workers > 1 else ''} (stop it with Ctrl+C)."
    )
    served = {"host": host, "port": port, "log_level": "warning", "proxy_headers": behind_proxy}
    # every server process builds the same app from these (the same user's environment): the
    # command line starts the workspace by its name and imports nothing of it
    os.environ.update(
        SFCLAIMS_DATABASE_URL=database_url(Settings.database_url),
        SFCLAIMS_SECRET_KEY=key,
        SFCLAIMS_UPLOAD_LIMIT=str(limit),
        SFCLAIMS_BEHIND_PROXY="1" if behind_proxy else "",
    )
    long_running()  # a server with one process serves from this one, for days
    uvicorn.run(
        "sfclaims.web.app:from_environment",
        factory=True,
        workers=workers,
        **served,  # type: ignore[arg-type]
    )


@app.command()
@plain_errors
def demo(
    out: Annotated[
        Path, typer.Option(help="Where the synthetic authority's extracts are written.")
    ] = Path("demo-authority"),
    families: Annotated[int, typer.Option(min=1, help="How many families to invent.")] = 500,
    seed: Annotated[
        int, typer.Option(help="The seed: the same seed writes the same files.")
    ] = 2022,
) -> None:
    """Write a realistic synthetic authority's extracts into OUT, then run the whole quarter on
    a database of its own in that folder (never the one --database-url or SFCLAIMS_DATABASE_URL
    names): import, assess, a draft claim run and its export, an audit sample and evidence pack,
    and the progress report; print where each output is."""
    from sfclaims.actions.service import open_database as _open
    from sfclaims.cli.demo import DEMO_DATABASE, run_demo

    ready_folder(out)
    database = (out / DEMO_DATABASE).resolve()
    for leftover in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)  # the demo's own database, from an earlier demo
    from sfclaims.actions.accounts import ensure_secret_key
    from sfclaims.actions.service import ensure_seal_key

    ensure_secret_key()  # for `sfclaims serve` on the demo's database
    ensure_seal_key()  # a new installation's: its claim runs can be submitted
    run_demo(_open(f"sqlite:///{database}", create=True), out, families, seed, messages)
