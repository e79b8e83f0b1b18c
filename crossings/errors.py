"""Errors a user can cause, each rendered as one line by the command line.

``ScenarioError`` always names the file, the field (a dotted path such as
``sites[3].capacity``) and what was expected, so that the CLI can print one clear
line and exit non-zero without a traceback.
"""

from __future__ import annotations


class CrossingsError(Exception):
    """Base class of errors caused by user input (printed as one line by the CLI)."""


class ScenarioError(CrossingsError):
    """A scenario (or input file) is unreadable or invalid."""

    def __init__(self, file: str, field: str, expected: str):
        self.file = str(file)
        self.field = str(field)
        self.expected = " ".join(str(expected).split())
        super().__init__(f"{self.file}: {self.field}: {self.expected}")
