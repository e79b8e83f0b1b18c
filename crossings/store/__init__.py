"""Where results live on disk.

* :mod:`crossings.store.atomic`: a run's tables written into a temporary folder beside the
  target, with a manifest (scenario, seed, version, checksums, row counts), and swapped into
  place in one step (``write_run_dir``); the reader (``read_run_dir``) refuses any folder the
  manifest does not vouch for.
* :mod:`crossings.store.keys`: what identifies a run (hash of resolved scenario, seed, code version);
* :mod:`crossings.store.catalogue`: the results store (run folders + a DuckDB catalogue).
"""

from crossings.store.catalogue import Store, StoreError, default_store_path

__all__ = ["Store", "StoreError", "default_store_path"]
