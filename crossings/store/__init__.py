"""Where results live on disk.

* :mod:`crossings.store.atomic`: a run's tables written into a temporary folder beside the
  target, with a manifest (scenario, seed, version, checksums, row counts), and swapped into
  place in one step (``write_run_dir``); the reader (``read_run_dir``) refuses any folder the
  manifest does not vouch for.
"""
