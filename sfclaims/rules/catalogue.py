"""The one catalogue of reason codes: code, title and plain-English message.

Each rule module declares its reasons with :func:`reason`, beside the rule that gives them, and
lists them in its ``REASONS``; ``sfclaims.rules.REASONS`` puts the modules in the order of
domain.md, which is the canonical order every output uses. A per-headline reason is written
``CODE:HEADLINE`` and repeats in headline order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sfclaims.framework import Framework


@dataclass(frozen=True)
class Reason:
    code: str
    title: str
    message: str
    per_headline: bool = False

    def __call__(self, headline: str | None = None) -> str:
        """The code as it appears in a decision (``CODE`` or ``CODE:HEADLINE``)."""
        if self.per_headline:
            if headline is None:
                raise ValueError(f"{self.code} needs a headline")
            return f"{self.code}:{headline}"
        return self.code


CATALOGUE: dict[str, Reason] = {}


def reason(code: str, title: str, message: str, *, per_headline: bool = False) -> Reason:
    """Declare a reason code; declaring the same code twice is a defect."""
    if code in CATALOGUE:
        raise ValueError(f"the reason code {code} is declared twice")
    CATALOGUE[code] = Reason(code, title, message, per_headline)
    return CATALOGUE[code]


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
