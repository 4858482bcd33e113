"""The assess stage: every family decided as of a date, the decisions file, and the summary."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Engine, func, select
from sqlmodel import col

from sfclaims.deciding.bundle import load_bundles, load_bundles_at_state
from sfclaims.deciding.decisions import Assessed, Decided, store_decisions
from sfclaims.deciding.facts import FamilyBundle, as_stored, bundle_to_json
from sfclaims.deciding.rules import Decider, Decision, canonical_codes, read_for_reasons
from sfclaims.deciding.rules.attendance import terms_needed
from sfclaims.deciding.rules.catalogue import near_miss
from sfclaims.deciding.rules.forecast import Forecast, forecast
from sfclaims.intake.data_state import NOTHING_IMPORTED, anything_imported, data_version
from sfclaims.platform.dates import check_as_of
from sfclaims.platform.db import make_engine, one_snapshot
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.framework import Framework
from sfclaims.platform.memory import many_objects
from sfclaims.platform.models import Family
from sfclaims.platform.processes import die_with_parent, may_fork


def assess(engine: Engine, framework: Framework, as_of: date) -> list[Decision]:
    """Decide every family whose episode started on or before the date, sorted by family ID."""
    return [a.decision for a in assess_families(engine, framework, as_of)]


class Explained(NamedTuple):
    """One family as its page shows it: the decision, the facts it rests on, and (when it is
    not claimable) its forecast."""

    decision: Decision
    family: FamilyBundle
    forecast: Forecast | None


def explain(engine: Engine, framework: Framework, as_of: date, family_id: str) -> Decision | None:
    """One family's decision with every rule's finding and the records it relied on (its ID
    matched as typed, in any case)."""
    found = explained(engine, framework, as_of, family_id)
    return found.decision if found is not None else None


def explained(
    engine: Engine, framework: Framework, as_of: date, family_id: str
) -> Explained | None:
    """The family's decision, its facts and its forecast (ID matched as ``explain`` does)."""
    check_as_of(as_of)
    with engine.connect() as connection:
        exact = connection.execute(  # the ID as stored: one look in the index
            select(col(Family.family_id)).where(col(Family.family_id) == family_id.strip())
        ).scalar()
        like = (
            connection.execute(
                select(col(Family.family_id)).where(
                    func.lower(col(Family.family_id)) == family_id.strip().lower()
                )
            ).scalars()
            if exact is None
            else [exact]
        )
        stored = as_stored(family_id, like)
    if stored is None:
        return None
    bundles = load_bundles(engine, as_of, stored, terms_needed(framework, as_of))
    if not bundles:
        return None
    decision = Decider(framework).decide(bundles[0], as_of)
    ahead = None if decision.claimable else forecast(bundles[0], decision, framework, as_of)
    return Explained(decision, bundles[0], ahead)


PARALLEL_FROM = 4_000  # families; below this, starting a second process costs more than it saves


def assess_families(
    engine: Engine,
    framework: Framework,
    as_of: date,
    keep_claim_evidence: bool = False,
) -> list[Assessed]:
    """Decide the families, sorted by family ID (see ``assess_at_state``)."""
    return assess_at_state(engine, framework, as_of, keep_claim_evidence)[0]


def assess_at_state(
    engine: Engine,
    framework: Framework,
    as_of: date,
    keep_claim_evidence: bool = False,
    with_forecast: bool = False,
    while_deciding: Callable[[], object] | None = None,
) -> tuple[list[Assessed], int]:
    """Decide the families, sorted by family ID, all from one state of the data, and that
    state's number. A large authority is split into ranges of family IDs, and each core loads
    and decides its own range in a snapshot of its own: the rules are pure and a family's facts
    never cross a range. Should an import or a submission commit while they read, their states
    differ and the families are decided again, once; then the command is refused. (The state is
    read once more when they are decided: on PostgreSQL a table an import replaced looks empty
    to a snapshot taken before it committed.) ``with_forecast`` adds each unclaimable family's
    forecast, made from the same facts. ``while_deciding`` is done by this process while the
    cores decide (what it reads is of the same state: it ends before the state is read again).
    Refused on a database nothing was imported into, and as of a date in the future."""
    check_as_of(as_of)
    with engine.connect() as connection:
        if not anything_imported(connection):
            raise RefusedError(NOTHING_IMPORTED, remedy="import first")
    for _attempt in range(2):
        assessed, states = _assess_once(
            engine, framework, as_of, keep_claim_evidence, with_forecast, while_deciding
        )
        with one_snapshot(engine) as connection:
            states.add(data_version(connection))
        if len(states) == 1:
            return assessed, states.pop()
    raise RefusedError(
        "The data changed while the families were being decided (an import or a submission "
        "finished meanwhile), twice; nothing was stored — run the command again."
    )


def _assess_once(
    engine: Engine,
    framework: Framework,
    as_of: date,
    keep_claim_evidence: bool,
    with_forecast: bool,
    while_deciding: Callable[[], object] | None = None,
) -> tuple[list[Assessed], set[int]]:
    work = _Work(
        engine.url.render_as_string(hide_password=False),
        framework,
        as_of,
        terms_needed(framework, as_of),
        keep_claim_evidence,
        with_forecast,
    )
    workers = min(os.cpu_count() or 1, 8)
    ranges = _family_ranges(engine, as_of, workers) if workers > 1 else []
    if len(ranges) < 2:
        assessed, state = work.assess(engine)
        if while_deciding is not None:
            while_deciding()
        return assessed, {state}
    # The work goes to each pool's own processes as they start (never through a module global
    # that a second decide at the same moment would overwrite). Forking copies the parent's
    # memory at once, but only a single-threaded process (the command line) may fork safely: a
    # process with other threads (the web workspace) starts clean processes instead.
    context = mp.get_context(_start_method())
    # the decisions coming back are many small objects too
    with many_objects(), context.Pool(workers, _take_work, (work,)) as pool:
        deciding = pool.map_async(_assess_range, ranges)
        if while_deciding is not None:  # this process would only wait meanwhile
            while_deciding()
        parts = deciding.get()
        assessed = [_from_plain(plain, as_of) for _state, part in parts for plain in part]
    assessed.sort(key=lambda a: a.decision.family_id)  # the database's order may differ
    return assessed, {state for state, _part in parts}


def _start_method() -> str:
    """``fork`` where it is safe (one thread but a job's watcher, which holds no lock, and the
    platform has it), else ``forkserver`` or ``spawn``: a forked copy of a threaded process can
    inherit a lock another thread held."""
    if may_fork():
        return "fork"
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


@dataclass(frozen=True)
class _Work:
    url: str
    framework: Framework
    as_of: date
    terms: list[tuple[str, str]]
    keep_claim_evidence: bool
    with_forecast: bool = False

    def assess(
        self,
        engine: Engine,
        family_range: tuple[str, str | None] | None = None,
        keep_alive: list[Any] | None = None,
    ) -> tuple[list[Assessed], int]:
        """The range's families decided, and the state of the data they were read in.
        ``keep_alive`` receives the bundles, for a process about to end: freeing a million
        small objects one by one takes it most of a second for nothing."""
        with many_objects():
            whole = self.keep_claim_evidence  # a claim keeps evidence: it cites
            bundles, state = load_bundles_at_state(
                engine,
                self.as_of,
                None,
                self.terms,
                family_range,
                cited=whole,
                reads=None if whole else read_for_reasons(self.framework, self.as_of),
            )
            decider = Decider(self.framework)
            assessed = []
            for bundle in bundles:
                decision = decider.decide(bundle, self.as_of, cite=False)  # the reasons alone
                evidence: str | None = None
                facts: str | None = None
                if self.keep_claim_evidence and decision.claimable:  # what a claim keeps
                    cited = decider.decide(bundle, self.as_of)
                    evidence, facts = cited.evidence, bundle_to_json(bundle)
                prospects = None
                if self.with_forecast and not decision.claimable:
                    prospects = forecast(bundle, decision, self.framework, self.as_of)
                verdict = replace(decision, findings=())
                assessed.append(Assessed(verdict, bundle.episode_start, evidence, facts, prospects))
            if keep_alive is not None:
                keep_alive.append(bundles)
            return assessed, state


_WORK: _Work | None = None  # in a pool's worker process: the work its pool was started with
_KEPT_UNTIL_EXIT: list[Any] = []  # in a worker process: its bundles, freed with the process


def _take_work(work: _Work | None) -> None:
    """A pool worker's initializer: the work of the pool that started this process, which it
    never outlives (a web job's process may be ended under it)."""
    global _WORK
    die_with_parent()
    _WORK = work


def _assess_range(family_range: tuple[str, str | None]) -> tuple[int, list[tuple[Any, ...]]]:
    """One range's state of the data and decisions as plain tuples: they travel back to the
    parent far faster than dataclasses."""
    assert _WORK is not None, "a pool worker is always started with its work"
    gc.disable()  # for the rest of this short-lived process: see many_objects
    engine = make_engine(_WORK.url)  # a connection of its own, never the parent's
    try:
        assessed, state = _WORK.assess(engine, family_range, keep_alive=_KEPT_UNTIL_EXIT)
        return state, [
            (d.family_id, d.needs, d.reasons, a.episode_start, a.evidence, a.facts, a.forecast)
            for a in assessed
            for d in (a.decision,)
        ]
    finally:
        engine.dispose()


def _from_plain(plain: tuple[Any, ...], as_of: date) -> Assessed:
    family_id, needs, reasons, episode_start, evidence, facts, prospects = plain
    decision = Decision(family_id, as_of, needs, reasons)
    return Assessed(decision, episode_start, evidence, facts, prospects)


def _family_ranges(engine: Engine, as_of: date, workers: int) -> list[tuple[str, str | None]]:
    """Ranges of family IDs with about the same number of families each, or none if too few."""
    with engine.connect() as connection:
        ids = (
            connection.execute(
                select(col(Family.family_id))
                .where(col(Family.episode_start) <= as_of)
                .order_by(col(Family.family_id))
            )
            .scalars()
            .all()
        )
    if len(ids) < PARALLEL_FROM:
        return []
    step = -(-len(ids) // workers)
    starts = ids[::step]
    return [(low, starts[i + 1] if i + 1 < len(starts) else None) for i, low in enumerate(starts)]


@dataclass(frozen=True)
class AssessSummary:
    families: int
    eligible: int
    claimable: int
    reasons: list[tuple[str, int]]  # canonical order, only those that apply
    near_misses: list[tuple[str, str]]  # (family ID, its one reason)


def summarise(decisions: list[Decision], framework: Framework) -> AssessSummary:
    counts = Counter(code for d in decisions for code in d.reasons)
    return AssessSummary(
        families=len(decisions),
        eligible=sum(d.eligible for d in decisions),
        claimable=sum(d.claimable for d in decisions),
        reasons=[(code, counts[code]) for code in canonical_codes(framework) if counts[code]],
        near_misses=[(d.family_id, d.reasons[0]) for d in decisions if near_miss(d.reasons)],
    )


def assess_and_store(
    engine: Engine,
    framework: Framework,
    as_of: date,
    meanwhile: Callable[[Decided], AbstractContextManager[Any]] | None = None,
    while_deciding: Callable[[], object] | None = None,
) -> Decided:
    """Decide every family (its reasons, not the records behind them) and keep the decisions
    with the state of the data they rest on, for a claim run as of the same date to reuse, and
    each other family's forecast (the dashboard's quarters ahead, the work-list pages and the
    forecast read them, whichever face decided). ``meanwhile`` gives what to do with the
    decisions while they are kept (files written alongside); ``while_deciding`` is done while
    the families are decided (see ``assess_at_state``)."""
    assessed, state = assess_at_state(
        engine, framework, as_of, with_forecast=True, while_deciding=while_deciding
    )
    decided = Decided(assessed, state)
    with meanwhile(decided) if meanwhile is not None else nullcontext():
        since = store_decisions(engine, decided, framework, as_of, with_forecast=True)
    return replace(decided, since=since)


CITED_AT_ONCE = 2_000  # families whose facts are read in one go when decided again, citing


def decided_again_citing(
    engine: Engine, framework: Framework, as_of: date, family_ids: list[str], state: int
) -> list[Assessed]:
    """The families decided afresh from their records, citing them: the evidence (every rule's
    finding with the records it relied on) and the records a claim keeps, in the order given.
    Refused when the data are no longer in the state ``state`` the families were chosen in, or
    when one of them is not claimable decided again (a stored decision is never trusted alone:
    only its facts make a claim)."""
    terms = terms_needed(framework, as_of)
    decider = Decider(framework)
    found: dict[str, Assessed] = {}
    for start in range(0, len(family_ids), CITED_AT_ONCE):
        chunk = family_ids[start : start + CITED_AT_ONCE]
        bundles, now = load_bundles_at_state(engine, as_of, None, terms, family_ids=chunk)
        if now != state:
            raise RefusedError(
                "The data changed while the claim run was being made (an import or a "
                "submission finished meanwhile); nothing was stored — run the command again."
            )
        for bundle in bundles:
            decision = decider.decide(bundle, as_of)
            found[bundle.family_id] = Assessed(
                replace(decision, findings=()),
                bundle.episode_start,
                decision.evidence,
                bundle_to_json(bundle),
            )
    wrong = [f for f in family_ids if f not in found or not found[f].decision.claimable]
    if wrong:
        raise RefusedError(
            f"{len(wrong):,} of the families chosen for the claim run "
            f"({', '.join(wrong[:5])}{', …' if len(wrong) > 5 else ''}) cannot be claimed when "
            "decided again from their records: the decisions kept for the date do not match the "
            "data (changed outside sfclaims?); nothing was stored — decide the families again."
        )
    return [found[f] for f in family_ids]
