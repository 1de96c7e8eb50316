"""Speed of ``optimizers.maps``: a 64 × 64 map of 300-step runs on Rosenbrock, against one run at a time.

The map is one batched engine call of 4096 runs. The baseline, timed in the same process, is what a
loop over the grid costs: ``optimizers.run`` once per cell, timed on a sample of cells spread over
the grid and scaled up to all 4096. Also timed: a 60 × 60 basin map of Himmelblau (3600 runs).

    python bench/maps.py            # about 15 s
    python bench/maps.py --quick    # one repeat and a smaller baseline sample
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import optimizers  # noqa: E402
from optimizers import maps  # noqa: E402

GRID = 64
STEPS = 300
START = (-1.5, 2.0)
#: Seconds for the whole 64 × 64 × 300 map.
TARGET_SECONDS = 1.0
CASES = {
    "Adam lr × β₂": ("adam", "lr", "betas.1", np.linspace(0.5, 0.999, GRID)),
    "SGD lr × momentum": ("sgd", "lr", "momentum", None),
}


def grid(optimizer: str, y_param: str, y_values):
    xs = maps.default_grid(optimizer, "lr", GRID)
    ys = maps.default_grid(optimizer, y_param, GRID) if y_values is None else y_values
    return xs, ys


def time_map(optimizer: str, x_param: str, y_param: str, xs, ys, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        maps.hyperparameter_map("rosenbrock", optimizer, START, STEPS, x_param, xs, y_param, ys)
        best = min(best, time.perf_counter() - start)
    return best


def time_one_at_a_time(optimizer: str, x_param: str, y_param: str, xs, ys, sample: int) -> float:
    """Seconds for all GRID² cells run one by one, extrapolated from ``sample`` cells (the best of
    two passes over the sample, so a burst of load does not inflate the baseline)."""
    cells = np.linspace(0, GRID * GRID - 1, sample).astype(int)
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for cell in cells:
            hp = maps.cell_hyperparameters(optimizer, x_param, xs[cell % GRID], y_param, ys[cell // GRID])
            optimizers.run("rosenbrock", optimizer, START, STEPS, **hp)
        best = min(best, time.perf_counter() - start)
    return best / sample * GRID * GRID


def time_basins(repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        maps.basins("himmelblau", "adam", STEPS, n=60, lr=0.1)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, a smaller baseline sample")
    args = parser.parse_args()
    repeats, sample = (1, 16) if args.quick else (3, 64)

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs")
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"{GRID} × {GRID} map, {STEPS} steps per run, Rosenbrock from {START} (best of {repeats})\n")
    print(f"{'map':<20} {'batched':>9} {'one at a time':>15} {'speed-up':>9}  target ≤ {TARGET_SECONDS:g} s")
    ok = True
    for label, (optimizer, x_param, y_param, y_values) in CASES.items():
        xs, ys = grid(optimizer, y_param, y_values)
        batched = time_map(optimizer, x_param, y_param, xs, ys, repeats)
        looped = time_one_at_a_time(optimizer, x_param, y_param, xs, ys, sample)
        passed = batched <= TARGET_SECONDS
        ok &= passed
        print(
            f"{label:<20} {batched:>8.3f}s {looped:>14.2f}s {looped / batched:>8.0f}×  "
            f"{'PASS' if passed else 'FAIL'}"
        )
    print(f"\nbasins: Himmelblau, Adam lr 0.1, 60 × 60 starts × {STEPS} steps: {time_basins(repeats):.3f} s")
    print(f"(one at a time: {sample} sampled cells per map, scaled to {GRID * GRID})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
