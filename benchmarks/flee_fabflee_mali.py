"""Mali 2012 imported from a FabFlee config folder with its own simsetting.yml, against the
shipped built-in scenario: the ARD over seeds for each.

    python benchmarks/flee_fabflee_mali.py --seeds 10

The script lays the shipped Flee files out as FabFlee keeps them
(``config_files/mali2012/input_csv/``, ``source_data/``, ``simsetting.yml``) in a temporary
folder, imports it with ``crossings import-flee`` (the command line, as a user would), and
runs the imported scenario and the shipped ``mali2012`` with the same seeds.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crossings.flee.schema import load_flee_scenario  # noqa: E402
from crossings.flee.sim import FleeSim  # noqa: E402

MALI = ROOT / "crossings" / "scenario" / "builtin" / "mali2012"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 for both")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "config_files" / "mali2012"
        shutil.copytree(MALI / "input", folder / "input_csv")
        shutil.copytree(MALI / "validation", folder / "source_data")
        shutil.copy(MALI / "simsetting.yml", folder / "simsetting.yml")
        out = Path(tmp) / "mali_fabflee.toml"
        cmd = [sys.executable, "-m", "crossings.cli", "import-flee", str(folder), "-o", str(out)]
        print("$ crossings import-flee config_files/mali2012 -o mali_fabflee.toml")
        r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        print(r.stderr.strip().replace(tmp, "<tmp>"))
        if r.returncode != 0:
            return 1
        imported = load_flee_scenario(out)
    shipped = load_flee_scenario(MALI / "scenario.toml")
    rows = {}
    for label, sc in (("shipped mali2012", shipped), ("FabFlee import", imported)):
        ards = [FleeSim(sc, seed=s).run().ard() for s in range(args.seeds)]
        rows[label] = ards
        a = np.array(ards)
        print(f"{label:18s} ARD over seeds 0-{args.seeds - 1}: mean {a.mean():.4f}  "
              f"min {a.min():.4f}  max {a.max():.4f}")
    same = rows["shipped mali2012"] == rows["FabFlee import"]
    print(f"identical ARD seed by seed: {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
