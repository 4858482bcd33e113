"""What each face says a person can do next, for a stage's refusal (``SfclaimsError.remedy``).

The stage's sentence is the same for everyone; the command line names its commands and options,
the workspace its pages and buttons. A remedy a face has no words for is left unsaid there, and
a test holds both faces to every remedy a stage gives.
"""

from __future__ import annotations

#: The command line's words.
COMMAND_LINE = {
    "see why": "`sfclaims assess --as-of {as_of:%Y-%m-%d}` says why for each family.",
    "another draft": "To make a second draft beside it, add --another.",
    "run IDs": "`sfclaims claim list` shows every run.",
    "draw a sample": "Internal audit draws one with `sfclaims audit sample {run} --percent 10 "
    "--seed N` and records a verdict on every sampled family with `sfclaims audit record`.",
    "record verdicts": "`sfclaims audit record {run} FAMILY --verdict pass|fail --note TEXT` "
    "records one; `sfclaims audit import-verdicts` a filled-in sheet of them.",
    "framework again": "An admin puts it in force again with `sfclaims settings set "
    "--framework {overlay}`.",
    "add an account": "An admin adds it with `sfclaims user add {name} --role ROLE`.",
    "import first": "Import them with `sfclaims import FOLDER`.",
    "allow empty": "To import it empty, add --allow-empty {kind}.",
    "create schema": "Run `sfclaims init` first.",
    "upgrade": "Run `sfclaims upgrade`: it backs the database up, then upgrades it.",
    "no backup": "Or upgrade without one, having backed the database up yourself: "
    "`sfclaims upgrade --no-backup`.",
    "name the authority": "An admin sets them with `sfclaims settings set --authority-name NAME "
    "--authority-code CODE`.",
    "connect as yourself": "Give your own login in --database-url (or SFCLAIMS_DATABASE_URL) "
    "and leave SFCLAIMS_USER unset.",
    "choose your own password": "Choose it with `sfclaims user set-password {name}`.",
    "outcomes report": "`sfclaims report outcomes --as-of YYYY-MM-DD --out DIR` writes it.",
    "widen the sample": "Internal audit draws more with `sfclaims audit widen {run} --size N "
    "--seed N` and records a verdict on each.",
}

#: The workspace's words.
WORKSPACE = {
    "see why": "The quarter's page, decided as of {as_of:%d/%m/%Y}, shows why for each family.",
    "another draft": "To make a second draft beside it, make the run again and answer yes when "
    "asked.",
    "run IDs": "The Claim runs page lists every run.",
    "draw a sample": "Internal audit draws one and records a verdict on every sampled family on "
    "the Audit page.",
    "record verdicts": "Internal audit records them on the Audit page.",
    "framework again": "An admin puts it in force again on the Settings page.",
    "add an account": "An admin adds it on the Accounts page.",
    "import first": "A data officer imports them on the Imports page.",
    "allow empty": "To import it empty, answer yes when the import asks.",
    "create schema": "The administrator of the server creates it before the workspace can open it.",
    "upgrade": "The administrator of the server upgrades it before the workspace can open it.",
    "no backup": "The administrator of the server takes a backup first.",
    "name the authority": "An admin sets them on the Settings page.",
    "connect as yourself": "In the workspace each person signs in as themselves.",
    "choose your own password": "Choose it on the Your password page, linked beside your name.",
    "outcomes report": "Anyone makes it on the quarter's page (Make the outcomes report).",
    "widen the sample": "Internal audit widens it on the run's Audit page and records a "
    "verdict on each family added.",
}
