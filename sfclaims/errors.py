"""The few things that can go wrong for a user, each with the contract's exit code.

Stages raise these; ``cli.py`` turns each into one plain sentence on standard error and exits
with its code. Anything else is a defect in the engine.
"""


class SfclaimsError(Exception):
    """A problem a user can act on: the message is one sentence, the exit code is the contract's."""

    exit_code = 3

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(SfclaimsError):
    """The command was used wrongly: a bad option, an unknown run, a date that is not a date."""

    exit_code = 2


class RefusedError(SfclaimsError):
    """The input was refused and nothing was changed."""

    exit_code = 3


class FrameworkError(SfclaimsError):
    """An outcome framework file is missing or does not have the expected shape."""

    exit_code = 3
