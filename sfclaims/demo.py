"""The demo: the whole quarter on a synthetic authority, on the default database."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from sfclaims.assessing import assess_and_store, summarise
from sfclaims.audit import sample_run
from sfclaims.claim_runs import create_run, run_contents
from sfclaims.console import import_progress, print_assess_summary, print_import_summary
from sfclaims.exports.decisions_file import write_decisions
from sfclaims.exports.evidence_pack import write_evidence_pack
from sfclaims.exports.progress import progress_rows, write_progress
from sfclaims.exports.quality_report import write_quality_report
from sfclaims.exports.submission import write_submission
from sfclaims.framework import load_framework
from sfclaims.importing import import_folder
from sfclaims.quarters import period_named
from sfclaims.settings import change_settings, read_settings
from sfclaims.synthetic import write_authority

DEMO_DATABASE = "sfclaims-demo.db"  # in the demo's own folder, never a configured database
DEMO_AUTHORITY = ("Demo Borough Council (synthetic)", "E09000000")  # its name and code
SAMPLE_PERCENT = 10
SAMPLE_SEED = 2022


def run_demo(engine: Engine, out: Path, families: int, seed: int, console: Console) -> None:
    framework = load_framework()
    authority = write_authority(out, families, seed)
    as_of = authority.as_of
    period = f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"
    outputs = out / "outputs"
    written: list[tuple[str, Path]] = []
    console.print(
        f"[bold]1. Extracts[/]: a synthetic authority of {families:,} families "
        f"written to {out}/ (seed {seed})."
    )

    console.print("[bold]2. Import[/] (data officer)")
    with import_progress(console) as progress:
        result = import_folder(engine, out, framework, progress=progress)
    report = write_quality_report(result, outputs)
    print_import_summary(console, result, [])
    written += [("data-quality report", report[0]), ("set-aside rows (CSV)", report[1])]

    console.print(
        f"[bold]3. Assess[/] every family as of {as_of:%d/%m/%Y} (business development team)"
    )
    assessed = assess_and_store(engine, framework, as_of).families
    decisions = [a.decision for a in assessed]
    decisions_file = outputs / f"decisions-{as_of.isoformat()}.csv"
    with decisions_file.open("w", newline="", encoding="utf-8") as handle:
        write_decisions(decisions, handle)
    print_assess_summary(console, summarise(decisions, framework), as_of, framework.label())
    written.append(("decisions file", decisions_file))

    quarter = period_named(period, read_settings(engine).quarters)
    console.print(f"[bold]4. Claim[/] for {quarter}: a draft run of every claimable family")
    created = create_run(engine, framework, period, as_of)
    contents = run_contents(engine, created.run_id, evidence=False, records=False)
    named = change_settings(
        engine, authority_name=DEMO_AUTHORITY[0], authority_code=DEMO_AUTHORITY[1]
    )
    submission = write_submission(
        contents, framework, outputs, (named.authority_name, named.authority_code)
    )
    console.print(f"Draft claim run {created.run_id}: {created.families:,} families.")
    written += [("submission workbook", submission[0]), ("submission CSV", submission[1])]

    console.print(
        f"[bold]5. Audit[/]: a {SAMPLE_PERCENT}% sample (seed {SAMPLE_SEED}) and its "
        f"evidence pack (internal audit)"
    )
    sampled = sample_run(engine, created.run_id, None, SAMPLE_PERCENT, SAMPLE_SEED)
    console.print(
        f"Sampled {len(sampled)} families: {', '.join(sampled[:8])}"
        f"{' …' if len(sampled) > 8 else ''}"
    )
    pack = write_evidence_pack(run_contents(engine, created.run_id), outputs)
    written.append(("evidence pack (whole run)", pack))
    if sampled:
        sample_pack = write_evidence_pack(run_contents(engine, created.run_id, sampled), outputs)
        written.append(("evidence pack (the sample)", sample_pack))

    console.print("[bold]6. Progress[/] for the department, by financial quarter")
    board_report = write_progress(
        progress_rows(assessed, "financial"), as_of, "financial", framework, outputs
    )
    written.append(("progress report with chart", board_report))

    console.print(
        "[bold]7. Outcomes[/] without a claim: the ten headlines' needs, outcomes achieved and "
        "sustained, this quarter beside the last"
    )
    from sfclaims.actions import outcomes_report
    from sfclaims.people import ROLES, Actor

    alone = Actor("demo", frozenset(ROLES), single_user=True)  # before the demo's accounts
    written.append(("outcomes report", outcomes_report(engine, alone, as_of, outputs)))

    database = engine.url.render_as_string()
    written.append(("the demo's own database", Path(engine.url.database or "")))
    console.print("\n[bold]Where everything is[/]")
    for label, path in written:
        console.print(f"  {label:<28} {escape(str(path))}")
    people = demo_accounts(engine)
    console.print(
        f"\n[bold]8. The workspace in the browser[/]: `sfclaims --database-url {database} "
        f"serve`, then open http://127.0.0.1:8000/ and sign in as one of these (the passwords "
        f"are shown this once and kept only hashed; the admin, the claims team and the auditor "
        f"also set up an authenticator app at their first sign-in):"
    )
    for name, role, password in people:
        console.print(f"  {name:<18} {role:<13} {escape(password)}", markup=False)
    console.print(
        f"\nOr on the command line, as the auditor (it asks for demo-auditor's password, then "
        f"the code from the authenticator app set up at their first sign-in): "
        f"`SFCLAIMS_USER=demo-auditor sfclaims --database-url {database} audit record "
        f"{created.run_id} FAMILY --verdict pass --note ...` for each sampled family, then as "
        f"the claims team `SFCLAIMS_USER=demo-claims sfclaims --database-url {database} claim "
        f"submit {created.run_id}`.",
        markup=False,
    )


DEMO_PEOPLE = (
    ("demo-admin", "admin"),
    ("demo-data-officer", "data_officer"),
    ("demo-claims", "claims"),
    ("demo-auditor", "auditor"),
)


def demo_accounts(engine: Engine) -> list[tuple[str, str, str]]:
    """An account per role with a new password each; the operating-system user (who ran the
    demo) becomes an admin too, so the demo's database stays theirs to use."""
    import secrets

    from sfclaims.activity import operating_system_user
    from sfclaims.people import ROLES, Actor, add_account, set_password

    you = Actor(operating_system_user(), frozenset(ROLES), single_user=True)
    add_account(engine, you, you.name, list(ROLES))
    made = []
    for name, role in DEMO_PEOPLE:
        password = secrets.token_urlsafe(12)
        add_account(engine, you, name, [role])
        # set as each person's own: the demo's people are all you, so none is asked to change it
        set_password(engine, Actor(name, frozenset({role})), name, password)
        made.append((name, role, password))
    return made
