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
        self.file = _printable(file)
        self.field = _printable(field)
        self.expected = " ".join(_printable(expected).split())
        super().__init__(f"{self.file}: {self.field}: {self.expected}")


def _printable(text) -> str:
    """The text on one line: control characters (e.g. a newline inside a key) shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))
