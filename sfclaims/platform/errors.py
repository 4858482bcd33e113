"""The few things that can go wrong for a user, each with the contract's exit code.

Stages raise these, worded in no face's language: the sentence says what was refused and why,
and ``remedy`` names (as a key, with ``about`` its values) what the person can do next, which
each face words itself — the command line names its options, the workspace its buttons
(``cli.words`` and ``web.words``). Anything else is a defect in the engine.
"""

import errno
from collections.abc import Callable
from typing import Any

#: What an operating system says when a disk (or a person's quota on it) is full.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


class SfclaimsError(Exception):
    """A problem a user can act on: the message is one sentence, the exit code is the contract's."""

    exit_code = 3

    def __init__(
        self, message: str, exit_code: int | None = None, *, remedy: str = "", **about: Any
    ) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
        self.remedy = remedy
        self.about = about

    def worded(self, remedies: dict[str, str]) -> str:
        """The sentence, and the remedy in a face's words where the face has them."""
        remedy = remedies.get(self.remedy, "")
        return f"{self} {remedy.format(**self.about)}".strip() if remedy else str(self)


class UsageError(SfclaimsError):
    """The command was used wrongly: a bad option, an unknown run, a date that is not a date."""

    exit_code = 2


class RefusedError(SfclaimsError):
    """The input was refused and nothing was changed."""

    exit_code = 3


class FrameworkError(SfclaimsError):
    """An outcome framework file is missing or does not have the expected shape."""

    exit_code = 3


class NotFoundError(UsageError):
    """What was asked for (a claim run, a family) does not exist."""


def every_problem_at_once(**checks: Callable[[], Any]) -> dict[str, Any]:
    """Each check's answer, by field; refused, every check's problem at once, by field
    (``about["problems"]``, which a form shows together), the first as the sentence."""
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field, check in checks.items():
        try:
            answers[field] = check()
        except SfclaimsError as problem:
            problems[field] = str(problem)
    if problems:
        raise UsageError(next(iter(problems.values())), problems=problems)
    return answers
