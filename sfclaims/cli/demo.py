"""The demo: the whole quarter on a synthetic authority, on the default database."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine

from sfclaims.actions import (
    change_settings,
    decide,
    draw_sample,
    export_submission,
    import_extracts,
    make_run,
    outcomes_report,
    progress_report,
    write_pack,
)
from sfclaims.actions.accounts import ROLES, Actor, add_account, set_password
from sfclaims.actions.service import operating_system_user, write_authority
from sfclaims.cli.console import import_progress, print_assess_summary, print_import_summary

DEMO_DATABASE = "sfclaims-demo.db"  # in the demo's own folder, never a configured database
DEMO_AUTHORITY = ("Demo Borough Council (synthetic)", "E09000000")  # its name and code
SAMPLE_PERCENT = 10
SAMPLE_SEED = 2022


def run_demo(engine: Engine, out: Path, families: int, seed: int, console: Console) -> None:
    """The whole quarter through the same actions both faces call, by the one person who ran the
    demo (before the demo's accounts exist, they hold every role)."""
    authority = write_authority(out, families, seed)
    as_of = authority.as_of
    period = f"{as_of.year}-Q{(as_of.month - 1) // 3 + 1}"
    outputs = out / "outputs"
    you = Actor(operating_system_user(), frozenset(ROLES), single_user=True)
    people = demo_accounts(engine, you)  # first: each step is then its role's person's
    admin, officer, claims, auditor = (Actor(name, frozenset({role})) for name, role, _ in people)
    written: list[tuple[str, Path]] = []
    console.print(
        f"[bold]1. Extracts[/]: a synthetic authority of {families:,} families "
        f"written to {out}/ (seed {seed})."
    )

    console.print("[bold]2. Import[/] (data officer)")
    with import_progress(console) as progress:
        imported = import_extracts(engine, officer, out, outputs, progress=progress)
    print_import_summary(console, imported.result, [])
    written += [
        ("data-quality report", imported.reports[0]),
        ("set-aside rows (CSV)", imported.reports[1]),
    ]

    console.print(
        f"[bold]3. Assess[/] every family as of {as_of:%d/%m/%Y} (business development team)"
    )
    decided = decide(engine, claims, as_of, out=outputs / f"decisions-{as_of.isoformat()}.csv")
    print_assess_summary(console, decided.summary, as_of, decided.framework.label())
    written += [("decisions file", decided.files[0]), ("work lists", decided.files[1])]

    change_settings(
        engine, admin, authority_name=DEMO_AUTHORITY[0], authority_code=DEMO_AUTHORITY[1]
    )
    console.print(f"[bold]4. Claim[/] for {period}: a draft run of every claimable family")
    created = make_run(engine, claims, period, as_of)
    submission = export_submission(engine, claims, created.run_id, outputs)
    console.print(f"Draft claim run {created.run_id}: {created.families:,} families.")
    written += [("submission workbook", submission[0]), ("submission CSV", submission[1])]

    console.print(
        f"[bold]5. Audit[/]: a {SAMPLE_PERCENT}% sample (seed {SAMPLE_SEED}) and its "
        f"evidence pack (internal audit)"
    )
    sampled = draw_sample(
        engine, auditor, created.run_id, percent=SAMPLE_PERCENT, seed=SAMPLE_SEED
    ).families
    console.print(
        f"Sampled {len(sampled)} families: {', '.join(sampled[:8])}"
        f"{' …' if len(sampled) > 8 else ''}"
    )
    written.append(
        ("evidence pack (whole run)", write_pack(engine, auditor, created.run_id, outputs))
    )
    if sampled:
        sample_pack = write_pack(engine, auditor, created.run_id, outputs, sample=True)
        written.append(("evidence pack (the sample)", sample_pack))

    console.print("[bold]6. Progress[/] for the department, by the authority's quarters")
    written.append(("progress report with chart", progress_report(engine, claims, as_of, outputs)))

    console.print(
        "[bold]7. Outcomes[/] without a claim: the ten headlines' needs, outcomes achieved and "
        "sustained, this quarter beside the last"
    )
    written.append(("outcomes report", outcomes_report(engine, claims, as_of, outputs)))

    database = engine.url.render_as_string()
    written.append(("the demo's own database", Path(engine.url.database or "")))
    console.print("\n[bold]Where everything is[/]")
    for label, path in written:
        console.print(f"  {label:<28} {escape(str(path))}")
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


DEMO_PEOPLE = (  # the account, its role and its made-up person, as documents name them
    ("demo-admin", "admin", "Alex Admin (demo)"),
    ("demo-data-officer", "data_officer", "Dora Data (demo)"),
    ("demo-claims", "claims", "Carl Claims (demo)"),
    ("demo-auditor", "auditor", "Ada Audit (demo)"),
)


def demo_accounts(engine: Engine, you: Actor) -> list[tuple[str, str, str]]:
    """An account per role with a new password each; the operating-system user (who ran the
    demo) becomes an admin too, so the demo's database stays theirs to use."""
    import secrets

    add_account(engine, you, you.name, list(ROLES))
    made = []
    for name, role, full_name in DEMO_PEOPLE:
        password = secrets.token_urlsafe(12)
        add_account(engine, you, name, [role], full_name=full_name)
        # set as each person's own: the demo's people are all you, so none is asked to change it
        set_password(engine, Actor(name, frozenset({role})), name, password)
        made.append((name, role, password))
    return made
