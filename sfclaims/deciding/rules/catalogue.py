"""The one catalogue of rules and reason codes.

Each rule module declares its reasons with :func:`reason` (code, title, plain-English message)
and each rule with :func:`rule` (a stable id, a title, the reasons it gives, and the check itself),
side by side. ``sfclaims.deciding.rules.RULES`` declares the order of the rules once; the reasons in that
order are the canonical order every output uses. A per-headline reason is written
``CODE:HEADLINE`` and repeats in headline order. Whatever reads a rule's result looks it up by the
rule's id, never by the words shown to people.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sfclaims.platform.framework import Framework

if TYPE_CHECKING:
    from sfclaims.deciding.facts import FamilyBundle
    from sfclaims.deciding.rules.findings import Finding


#: What a reason means for a family's prospects (domain.md, Forecast).
CANNOT_BE_CLAIMED = "cannot be claimed"
NEEDS_ACTION = "needs action"  # someone must do something first
WAITING = "waiting"  # time alone will clear it
PROSPECTS = (WAITING, NEEDS_ACTION, CANNOT_BE_CLAIMED)  # the worst reason gives the family's
#: What puts a reason right, for the work lists a manager hands out.
FIX_A_RECORD = "a record to put right"  # missing or incomplete in the case system
TIME_ALONE = "time alone"  # an outcome within its sustain period, an open case
REMEDIES = ("", FIX_A_RECORD, TIME_ALONE)  # "": neither (poor attendance, an audit, ...)


@dataclass(frozen=True)
class Reason:
    code: str
    title: str
    message: str
    per_headline: bool = False
    to_do: str = ""  # what someone must do, in the words a manager hands to a worker
    prospect: str = NEEDS_ACTION
    remedy: str = ""

    def __call__(self, headline: str | None = None) -> str:
        """The code as it appears in a decision (``CODE`` or ``CODE:HEADLINE``)."""
        if self.per_headline:
            if headline is None:
                raise ValueError(f"{self.code} needs a headline")
            return f"{self.code}:{headline}"
        return self.code


CATALOGUE: dict[str, Reason] = {}


def reason(
    code: str,
    title: str,
    message: str,
    *,
    per_headline: bool = False,
    to_do: str,
    prospect: str,
    remedy: str = "",
) -> Reason:
    """Declare a reason code with what to do about it and what it means for the family's
    prospects; declaring the same code twice is a defect."""
    if code in CATALOGUE:
        raise ValueError(f"the reason code {code} is declared twice")
    if prospect not in PROSPECTS:
        raise ValueError(f"{code}: {prospect!r} is not one of {PROSPECTS}")
    if remedy not in REMEDIES:
        raise ValueError(f"{code}: {remedy!r} is not one of {REMEDIES}")
    CATALOGUE[code] = Reason(code, title, message, per_headline, to_do, prospect, remedy)
    return CATALOGUE[code]


@dataclass(frozen=True)
class Rule:
    """A rule of domain.md: its stable id, what it checks in the users' words, the reasons it can
    give (canonical order), and the check, a pure function of (family, framework, as-of date)
    whose findings carry the rule's id. A per-headline rule gives a finding per headline need."""

    id: str
    title: str
    reasons: tuple[Reason, ...]
    check: Callable[[FamilyBundle, Framework, date], Finding | list[Finding]]
    per_headline: bool = False

    def __call__(
        self, family: FamilyBundle, framework: Framework, as_of: date
    ) -> Finding | list[Finding]:
        return self.check(family, framework, as_of)


RULE_IDS: set[str] = set()


def rule(
    rule_id: str, title: str, *reasons: Reason, per_headline: bool = False
) -> Callable[[Callable[..., Any]], Rule]:
    """Declare the function below as a rule; declaring the same id twice is a defect."""

    def declare(check: Callable[..., Any]) -> Rule:
        if rule_id in RULE_IDS:
            raise ValueError(f"the rule id {rule_id} is declared twice")
        RULE_IDS.add(rule_id)
        return Rule(rule_id, title, reasons, check, per_headline)

    return declare


def canonical_codes(framework: Framework, reasons: tuple[Reason, ...]) -> list[str]:
    """Every code a decision can carry, in the order of ``reasons``, per-headline codes expanded."""
    codes: list[str] = []
    for declared in reasons:
        if declared.per_headline:
            codes.extend(declared(h) for h in framework.headline_codes)
        else:
            codes.append(declared.code)
    return codes


def describe(code: str) -> Reason:
    """The catalogue entry of a decision's code (``CODE`` or ``CODE:HEADLINE``)."""
    return CATALOGUE[code.split(":", 1)[0]]


def what_to_do(code: str) -> str:
    """The catalogue's action for a decision's code, naming the headline of a per-headline one."""
    declared, _, headline = code.partition(":")
    to_do = CATALOGUE[declared].to_do
    return f"{headline}: {to_do}" if headline else to_do


def in_words(code: str) -> str:
    """A decision's code in words, naming the headline of a per-headline one: "Need without an
    evidenced outcome (FINANCE)"."""
    _declared, _, headline = code.partition(":")
    return f"{describe(code).title} ({headline})" if headline else describe(code).title


def near_miss(reasons: tuple[str, ...] | list[str]) -> bool:
    """One reason from claimable, and that reason something can put right: a record to fix, or
    time alone (a *waiting* prospect). A reason that cannot be cleared (not eligible, claimed
    already), an open case (closing it starts the time outcomes must hold) or other work (poor
    attendance, a failed audit) is no near miss. The summary, the workspace and the work lists
    all ask here."""
    if len(reasons) != 1:
        return False
    declared = describe(reasons[0])
    return declared.prospect == WAITING or declared.remedy == FIX_A_RECORD
