"""Atomic, self-describing run folders: the only way results reach the disk.

Public as :mod:`crossings.store.atomic`; the code lives on the engine's floor (it needs
nothing but pandas, filelock and :mod:`crossings.errors`) so that ``Results.save`` can use it
without the engine importing a higher floor.

A run folder holds one table per file (``daily.parquet``, ``daily.csv``, ...) and a
``manifest.json`` that says who wrote them (scenario hash and full resolved TOML, seed,
package version) and vouches for every file (SHA-256 checksum, bytes, row count).

:func:`write_run_dir` never touches the target until the new folder is complete: it writes
every file into a temporary folder beside the target, flushes each to disk, writes the
manifest last, and then swaps the folder into place (an atomic exchange of the two folders
where the system offers one, else rename the old folder aside, rename the new one in and
remove the old). A writer holds a lock beside the target while it saves, so a second writer
waits its turn (or, after ``lock_timeout_s``, is refused with a one-line error) and two runs
never interleave. A writer killed at any moment leaves the target holding the complete old or
the complete new results; the next writer clears the leftovers.

:func:`read_run_dir` checks the folder against its manifest (files present, checksums, row
counts, no stray tables) and raises a one-line :class:`ResultsError` otherwise.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from crossings.errors import CrossingsError

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
FORMATS = ("parquet", "csv")
_TMP = ".tmp-"
_OLD = ".old-"


class ResultsError(CrossingsError):
    """A results folder cannot be written, or is not a complete, intact run folder."""

    def __init__(self, path: str | Path, problem: str):
        self.path = str(path)
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.path}: {self.problem}")


def check_name(v: str) -> str:
    """A scenario name, which is also its default output folder (``results/<name>``): one plain
    folder name, never a path. Raises ValueError (the schemas turn it into a ScenarioError)."""
    if v in (".", "..") or any(c in v for c in "/\\") or v.startswith(".") or not v.isprintable() or len(v) > 100:
        raise ValueError(
            "a plain folder name (letters, digits, spaces, '-', '_', '.'; no '/' or '\\', not starting "
            "with '.', at most 100 characters)"
        )
    return v


# ----------------------------------------------------------------------------- writing
def check_run_dir(target: str | Path, formats: tuple[str, ...] = FORMATS) -> Path:
    """Raise :class:`ResultsError` now if ``target`` could not receive results (nothing is created).

    Lets the command line refuse a bad ``--out`` before a long run rather than after it.
    """
    target = Path(target)
    if str(target).strip() == "":
        raise ResultsError("(output folder)", "an output folder name is required (got an empty path)")
    fmts = tuple(formats)
    if not fmts:
        raise ResultsError(target, "no output format given; expected parquet and/or csv")
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise ResultsError(target, f"unknown output format {', '.join(map(repr, bad))}; expected parquet and/or csv")
    absolute = Path(os.path.abspath(target))
    cwd = Path.cwd()
    if absolute == cwd or absolute in cwd.parents or absolute.parent == absolute:
        raise ResultsError(target, "the current folder (or one above it) cannot be a results folder; name a subfolder")
    if absolute.exists() or absolute.is_symlink():
        if not absolute.is_dir() or absolute.is_symlink():
            raise ResultsError(target, "exists and is not a folder; expected a results folder or a new path")
        _check_replaceable(absolute, target, ())
    ancestor = absolute.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ResultsError(target, f"'{ancestor}' is a file, so no folder can be made under it")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ResultsError(target, f"no permission to write in '{ancestor}'")
    return absolute


def _check_replaceable(absolute: Path, shown: Path, names) -> None:
    """A folder may be replaced if it is a run folder, empty, or holds only table files (an
    older save without a manifest); anything else may be someone's files: refuse."""
    entries = list(absolute.iterdir())
    if not entries or (absolute / MANIFEST).is_file():
        return
    known = set(names) | {"daily", "monthly", "yearly", "sites_daily"}
    tables = {f"{n}.{f}" for n in known for f in FORMATS}
    others = [e.name for e in entries if e.name not in tables]
    if others:
        raise ResultsError(
            shown,
            f"exists and is not a crossings results folder (it holds '{sorted(others)[0]}' and no "
            f"{MANIFEST}); refusing to replace it: choose another output folder",
        )


def write_run_dir(
    target: Path,
    tables: dict[str, pd.DataFrame],
    formats: tuple[str, ...],
    manifest: dict,
    lock_timeout_s: float = 120.0,
) -> Path:
    """Write ``tables`` (name -> DataFrame, written without its index) as a run folder at ``target``.

    ``manifest`` holds what the caller knows (``scenario_name``, ``scenario_toml``, ``seed``, ...);
    the writer adds the format version, the scenario hash, the package version (if absent),
    the formats and, per file, its table, SHA-256, bytes and row count. Returns the target path.
    Raises :class:`ResultsError` (one line) on a bad target, a lock held too long, or a failed
    write (disk full, permissions); the earlier results at ``target`` are then left untouched.
    """
    from filelock import FileLock, Timeout

    shown = Path(target)
    absolute = check_run_dir(shown, formats)
    if not tables:
        raise ResultsError(shown, "no tables to write")
    for name in tables:
        if not name or "/" in name or name.startswith(".") or name == Path(MANIFEST).stem:
            raise ResultsError(shown, f"invalid table name {name!r}")
    parent = absolute.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ResultsError(shown, f"cannot create the folder above it ({_reason(e)})") from None
    lock = FileLock(str(parent / f".{absolute.name}.lock"), timeout=lock_timeout_s)
    try:
        with lock:
            return _write_locked(absolute, shown, tables, tuple(formats), manifest)
    except Timeout:
        raise ResultsError(
            shown, f"another process has been saving results here for over {lock_timeout_s:g} s; "
            "try again later or choose another output folder"
        ) from None
    except OSError as e:  # the lock file itself could not be made
        raise ResultsError(shown, f"cannot lock the folder for writing ({_reason(e)})") from None


def _write_locked(absolute: Path, shown: Path, tables, formats, manifest) -> Path:
    parent = absolute.parent
    _recover(absolute)
    if absolute.exists():  # re-check under the lock: another writer may have made it meanwhile
        _check_replaceable(absolute, shown, tables)
    tmp: Path | None = None
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{absolute.name}{_TMP}", dir=parent))
        os.chmod(tmp, 0o777 & ~_umask())
        files: dict[str, dict[str, Any]] = {}
        for name, df in tables.items():
            for fmt in formats:
                data = _serialise(df, fmt)
                fname = f"{name}.{fmt}"
                _write_file(tmp / fname, data)
                files[fname] = {
                    "table": name,
                    "format": fmt,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "bytes": len(data),
                    "rows": int(len(df)),
                }
        full = dict(manifest)
        toml_text = full.get("scenario_toml")
        if isinstance(toml_text, str) and "scenario_sha256" not in full:
            full["scenario_sha256"] = hashlib.sha256(toml_text.encode("utf-8")).hexdigest()
        full.setdefault("crossings_version", _package_version())
        full["format_version"] = FORMAT_VERSION
        full["formats"] = list(formats)
        full["tables"] = list(tables)
        full["files"] = files
        text = json.dumps(full, indent=2, sort_keys=True, default=str) + "\n"
        _write_file(tmp / MANIFEST, text.encode("utf-8"))
        _fsync_dir(tmp)
        _swap_in(tmp, absolute)
        tmp = None
        _fsync_dir(parent)
    except OSError as e:
        raise ResultsError(shown, f"could not save results ({_reason(e)}); the earlier results there are unchanged") from None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return absolute


def _serialise(df: pd.DataFrame, fmt: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "parquet":
        df.to_parquet(buf, index=False)
        return buf.getvalue()
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _write_file(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    if sys.platform.startswith("win"):  # pragma: no cover - directories cannot be opened there
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(new: Path, target: Path) -> None:
    """Put the complete folder ``new`` at ``target`` so that ``target`` is never partial."""
    if not target.exists():
        os.rename(new, target)
        return
    if _exchange(new, target):  # target now holds the new run; ``new`` holds the old one
        shutil.rmtree(new, ignore_errors=True)
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{target.name}{_OLD}", dir=target.parent))
    os.rmdir(aside)
    os.rename(target, aside)  # a crash here leaves the old results aside: _recover puts them back
    os.rename(new, target)
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _recover(target: Path) -> None:
    """Clear what a killed writer left beside ``target`` (caller holds the lock).

    A folder set aside by an interrupted swap holds complete earlier results: it is put back if
    the target is missing. Temporary folders never hold anything a reader may see: removed.
    """
    for p in sorted(target.parent.glob(f".{target.name}{_OLD}*")):
        if not target.exists() and (p / MANIFEST).is_file():
            os.rename(p, target)
        else:
            shutil.rmtree(p, ignore_errors=True)
    for p in target.parent.glob(f".{target.name}{_TMP}*"):
        shutil.rmtree(p, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _package_version() -> str:
    try:
        from importlib.metadata import version

        return version("crossings")
    except Exception:  # not installed (run from a source tree)
        return "unknown"


def _reason(e: OSError) -> str:
    return e.strerror or e.__class__.__name__


# ----------------------------------------------------------------------------- reading
def read_run_dir(path: Path) -> tuple[dict[str, pd.DataFrame], dict]:
    """The tables of a run folder (name -> DataFrame) and its manifest, after checking both.

    Each table is read from Parquet when the folder has it, else from CSV. Raises
    :class:`ResultsError` (one line) if the manifest is missing or unreadable, a file it lists
    is missing, altered or truncated (checksum, size or row count), or a table file is present
    that the manifest does not list.
    """
    path = Path(path)
    if not path.is_dir():
        aside = sorted(path.parent.glob(f".{path.name}{_OLD}*")) if path.parent.is_dir() else []
        hint = f" (an interrupted save left the earlier results in '{aside[0].name}'; saving again restores them)" if aside else ""
        raise ResultsError(path, f"no results folder here{hint}")
    mpath = path / MANIFEST
    if not mpath.is_file():
        raise ResultsError(path, f"not a complete crossings results folder: {MANIFEST} is missing (an interrupted or older save?)")
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ResultsError(path, f"{MANIFEST} is unreadable ({e.__class__.__name__}); the folder cannot be trusted") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ResultsError(path, f"{MANIFEST} does not list the files of the run")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ResultsError(path, f"{MANIFEST} has format version {manifest.get('format_version')!r}; expected {FORMAT_VERSION}")
    files: dict = manifest["files"]
    for e in path.iterdir():
        if e.suffix in (".csv", ".parquet") and e.name not in files:
            raise ResultsError(path, f"'{e.name}' is not listed in {MANIFEST} (a stray file from another run?)")
    chosen: dict[str, tuple[str, dict]] = {}
    for fname, info in files.items():
        if not isinstance(info, dict) or {"table", "format", "sha256", "rows"} - set(info):
            raise ResultsError(path, f"{MANIFEST}: the entry for '{fname}' is incomplete")
        fpath = path / fname
        try:
            data = fpath.read_bytes()
        except FileNotFoundError:
            raise ResultsError(path, f"'{fname}' listed in {MANIFEST} is missing") from None
        except OSError as e:
            raise ResultsError(path, f"'{fname}' is unreadable ({_reason(e)})") from None
        if "bytes" in info and len(data) != info["bytes"]:
            raise ResultsError(path, f"'{fname}' has {len(data)} bytes; {MANIFEST} says {info['bytes']} (truncated or altered)")
        if hashlib.sha256(data).hexdigest() != info["sha256"]:
            raise ResultsError(path, f"'{fname}' does not match its checksum in {MANIFEST} (altered or truncated)")
        table = info["table"]
        if table not in chosen or info["format"] == "parquet":
            chosen[table] = (fname, info)
    tables: dict[str, pd.DataFrame] = {}
    for table, (fname, info) in chosen.items():
        try:
            if info["format"] == "parquet":
                df = pd.read_parquet(path / fname)
            else:
                df = pd.read_csv(path / fname)
        except Exception as e:  # noqa: BLE001 - any parser failure means the file cannot be used
            raise ResultsError(path, f"'{fname}' cannot be read ({e.__class__.__name__})") from None
        if len(df) != info["rows"]:
            raise ResultsError(path, f"'{fname}' has {len(df)} rows; {MANIFEST} says {info['rows']}")
        tables[table] = df
    return tables, manifest
