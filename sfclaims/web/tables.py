"""The workspace's tables, row by row, built here rather than in the templates: each function
gives the rows GOV.UK's table (or summary list) macro draws, every value escaped by the macro
(``text``) or already safe markup (``html``: a link, a tag)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from markupsafe import Markup

from sfclaims.actions.shown import in_words, what_to_do
from sfclaims.actions.vocabulary import day, link, moment, number

if TYPE_CHECKING:
    from sfclaims.actions.shown import QuarterAhead

Cell = dict[str, Any]
Row = list[Cell]


def numeric(value: int | None) -> Cell:
    return {"text": number(value), "format": "numeric"}


def tag(text: str, colour: str) -> Markup:
    """A GOV.UK tag, as its macro writes it."""
    return Markup('<strong class="govuk-tag govuk-tag--{}">{}</strong>').format(colour, text)


def summary(lines: Iterable[tuple[str, str]]) -> list[dict]:
    """A summary list's rows from (key, value) pairs."""
    return [{"key": {"text": key}, "value": {"text": value}} for key, value in lines]


def accounts(listed: Iterable[Any]) -> list[Row]:
    return [
        [
            {"html": link(f"/accounts/{quote(a.name)}", a.name)},
            {"text": a.full_name or "not given"},
            {"text": a.roles.replace(";", ", ")},
            {"text": "disabled" if a.disabled else "active"},
            {"text": "set" if a.has_password else "none"},
        ]
        for a in listed
    ]


def claim_runs(runs: Iterable[Any], quarter: Callable[[str], str]) -> list[Row]:
    """The claim runs: each its link, its quarter in the authority's name, its state as a tag."""
    return [
        [
            {"html": link(f"/claims/{quote(r.run_id)}", r.run_id)},
            {"text": quarter(r.period)},
            {"text": day(r.as_of)},
            {
                "html": tag("Submitted, locked", "green")
                if r.status == "submitted"
                else tag("Draft", "yellow")
            },
            numeric(r.claimed),
            {"text": f"{r.sampled_checked} of {r.sampled}" if r.sampled else "not drawn"},
        ]
        for r in runs
    ]


def audit_runs(runs: Iterable[Any]) -> list[Row]:
    return [
        [
            {"html": link(f"/audit/{quote(r.run_id)}", r.run_id)},
            {"text": r.status},
            numeric(r.claimed),
            {
                "text": f"{r.sampled_checked} of {r.sampled} checked"
                if r.sampled
                else "no sample yet"
            },
        ]
        for r in runs
    ]


SAMPLE_TAGS = {"pass": ("PASS", "green"), "fail": ("FAIL", "red"), "": ("To check", "grey")}


def sample(shown: Iterable[tuple[str, Any]], base: str) -> list[Row]:
    """The sampled families of a page: each its link, its verdict as a tag, who gave it."""
    tags = {verdict: tag(*words) for verdict, words in SAMPLE_TAGS.items()}
    return [
        [
            {"html": link(f"{base}/families/{quote(family)}", family)},
            {"html": tags[v.verdict if v else ""]},
            {"text": (v.recorded_by or "") if v else ""},
        ]
        for family, v in shown
    ]


def log(entries: Iterable[Any], viewer: str) -> list[Row]:
    """The log's rows. A job's is about its page, never its number: a link for the person
    whose job it was (their job's page), "one of their jobs" for everyone else."""
    return [
        [
            {"text": moment(e.at)},
            {"text": e.who},
            {"text": e.action},
            _logged_object(e, viewer),
            {"text": e.detail},
            {"text": e.identified_by or ""},
        ]
        for e in entries
    ]


def _logged_object(entry: Any, viewer: str) -> Cell:
    if " job " not in f" {entry.action} " or not entry.object:
        return {"text": entry.object}
    if entry.who == viewer:
        return {"html": link(f"/jobs/{quote(entry.object)}", "Your job's page")}
    return {"text": "one of their jobs"}


def near_misses(families: Iterable[Any], as_of: str, title: Callable[[str], str]) -> list[Row]:
    return [
        [
            {"html": link(f"/families/{quote(f.family_id)}?as_of={as_of}", f.family_id)},
            {"text": f.reason},
            {"text": title(f.reason)},
            {"text": f.team or ""},
            {"text": f.locality or ""},
        ]
        for f in families
    ]


def imports(done: Iterable[Any]) -> list[Row]:
    """Imports so far, one row each: its number, when, who, its files with their kinds in words,
    its rows, a link to the rows it set aside, what it warned of and its data-quality workbook."""
    rows = []
    for made in done:
        read, loaded, aside = made.rows
        files = ", ".join(f"{b.file_name} ({b.kind.replace('_', ' ')})" for b in made.batches)
        batches = urlencode([("batch", b.id) for b in made.batches])
        rows.append(
            [
                numeric(made.number),
                {"text": moment(made.at)},
                {"text": made.who},
                {"text": files},
                numeric(read),
                numeric(loaded),
                {
                    "html": link(f"/imports/set-aside?{batches}", number(aside)) if aside else "0",
                    "format": "numeric",
                },
                warnings_cell(made.warnings),
                {
                    "html": link(
                        f"/imports/{made.number}/report",
                        "Workbook",
                        hidden=f", the data-quality report of import {made.number}",
                    )
                },
            ]
        )
    return rows


def families_by_reason(counted: Iterable[tuple[str, int]]) -> list[Row]:
    """Families counted by reason: the reason in words with its code beside it, and the count
    (the reasons chart's table, and what moved since the decide before)."""
    return [
        [
            {"html": Markup("{}<br><span class='govuk-hint'>{}</span>").format(in_words(c), c)},
            numeric(n),
        ]
        for c, n in counted
    ]


def warnings_cell(warnings: Sequence[Any]) -> Cell:
    """What an import warned of, as it was said when it was made ("None" for nothing)."""
    if not warnings:
        return {"text": "None"}
    items = Markup("").join(Markup("<li>{}</li>").format(w.text) for w in warnings)
    return {"html": Markup('<ul class="govuk-list govuk-list--bullet">{}</ul>').format(items)}


def claim_history(history: Iterable[Any], quarter: Callable[[str], str]) -> list[Row]:
    """A family's claims: each run, its quarter, its state, and every verdict given in it."""
    return [
        [
            {"html": link(f"/claims/{quote(h.run_id)}", h.run_id)},
            {"text": quarter(h.period)},
            {"text": h.status + (" (withdrawn)" if h.withdrawn else "")},
            {
                "text": "; ".join(
                    f"{v} by {by or 'not recorded'}, {moment(at)}: {note}"
                    for v, note, by, at in h.verdicts
                )
            },
        ]
        for h in history
    ]


def quarters_ahead(quarters: Sequence[QuarterAhead], allocation_left: int | None) -> list[Row]:
    """The forecast's quarters (from the decisions a decide kept): new, cumulative, the
    allocation."""
    return [
        [
            {"text": q.quarter.label},
            numeric(q.new),
            numeric(q.cumulative),
            numeric(allocation_left),
        ]
        for q in quarters
    ]


def run_families(contents: Any, sampled: frozenset[str]) -> list[Row]:
    """A page of a run's families: each a link to its page as of the run's date, whether it is
    claimed or withdrawn, and whether it is in the audit sample."""
    return [
        [
            {
                "html": link(
                    f"/families/{quote(f.family_id)}?as_of={contents.run.as_of}", f.family_id
                )
            },
            {"text": "withdrawn" if f.withdrawn else "claimed"},
            {"text": "sampled" if f.family_id in sampled else ""},
        ]
        for f in contents.families
    ]


def work_list(families: Iterable[Any], as_of: date) -> list[Row]:
    """A page of a work list: each family's link, team, locality, every reason in words with
    its headline, what to do, and (waiting) the date it becomes claimable."""
    return [
        [
            {"html": link(f"/families/{quote(f.family_id)}?as_of={as_of}", f.family_id)},
            {"text": f.team or ""},
            {"text": f.locality or ""},
            {"text": "; ".join(in_words(code) for code in f.reasons)},
            {"text": "; ".join(dict.fromkeys(what_to_do(code) for code in f.reasons))},
            {"text": day(f.forecast_date)},
        ]
        for f in families
    ]
