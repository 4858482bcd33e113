"""The sfclaims command line, a module per group of commands (``base`` holds the application, its
options and the one way errors are worded). Each command asks one action of ``sfclaims.actions``
(or a stage, to read) and words the answer in the terminal's language."""

from sfclaims.cli import admin, audit, claims, database, quarter, workspace  # noqa: F401 - they register
from sfclaims.cli.base import app, main

__all__ = ["app", "main"]
