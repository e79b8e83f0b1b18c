"""Cross-check crossings' reading of the Mali 2012 validation series against Flee 3.1's own reader.

    pip install ".[bench]" && python benchmarks/flee_reader_check.py

Needs Flee 3.1 (the bench extra, which needs MPI), so it lives here rather than in the tests.
Prints one line per camp and exits non-zero on any difference.
"""

from __future__ import annotations

import sys
from pathlib import Path

from crossings.flee import ard
from crossings.flee.schema import load_flee_scenario

MALI = Path(__file__).resolve().parent.parent / "crossings" / "scenario" / "builtin" / "mali2012"


def main() -> int:
    from flee.datamanager import handle_refugee_data

    sc = load_flee_scenario(MALI / "scenario.toml")
    names, obs = ard.observed_camps(sc.validation, sc.start_date, sc.days)
    d = handle_refugee_data.RefugeeTable(csvformat="generic", data_directory=str(MALI / "validation"),
                                         start_date=str(sc.start_date), data_layout="data_layout.csv")
    d.ReadL1Corrections(str(MALI / "input" / "registration_corrections.csv"))
    bad = 0
    for j, name in enumerate(names):
        same = obs[:, j].tolist() == [d.get_field(name, t) for t in range(sc.days)]
        bad += not same
        print(f"{name}: {'identical' if same else 'DIFFERENT'}")
    total = ard.observed_total(sc.validation, sc.start_date, sc.days)
    same = total.tolist() == [d.get_field("total", t) for t in range(sc.days)]
    bad += not same
    print(f"total: {'identical' if same else 'DIFFERENT'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
