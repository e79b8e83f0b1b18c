"""Atomic, self-describing run folders (the store's writer and reader).

``write_run_dir`` writes a run's tables into a temporary folder beside the target with a
``manifest.json`` (scenario hash and full resolved TOML, seed, package version, formats, files
with SHA-256 checksums and row counts), under a lock, and swaps the folder into place in one
step; ``read_run_dir`` checks a folder against its manifest and raises a one-line
``ResultsError`` otherwise. The implementation is :mod:`crossings.engine.rundir` (on the
engine's floor, so that ``Results.save`` can use it); this module is where the store and its
users import it from.
"""

from crossings.engine.rundir import (
    FORMAT_VERSION,
    FORMATS,
    MANIFEST,
    ResultsError,
    check_run_dir,
    read_run_dir,
    write_run_dir,
)

__all__ = ["write_run_dir", "read_run_dir", "check_run_dir", "ResultsError", "MANIFEST", "FORMATS", "FORMAT_VERSION"]
