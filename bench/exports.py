"""CPU seconds of every export at the app's caps, next to a plain baseline in the same process.

    python bench/exports.py          # ~30 s

Explore: 8 runs × 1000 steps of Adam on logistic regression (the animation has the Model view too);
Networks: 8 networks × 500 steps of the default 2-16-16-1 network on 200 points. The baseline is
``json.dumps`` of the same numbers as plain lists (what any export must at least write). CPU is the
calling thread's (``time.thread_time``), as ``optimizers.budget`` counts it; the target is well
under ``budget.LIMIT_SECONDS`` (2 s) for each export, the training it repeats included.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from dataclasses import replace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

importlib.import_module("app")  # before NumPy: its BLAS on one thread, as the server has it

import landscapes  # noqa: E402
from app import outcome as outcomes  # noqa: E402
from app.model import MAX_RUNS, MAX_STEPS, PALETTE, RunSpec  # noqa: E402
from app.networks import export as networks_export  # noqa: E402
from app.networks import training as trainer  # noqa: E402
from app.shell import export  # noqa: E402
from optimizers import budget  # noqa: E402


def cpu(fn) -> tuple[float, object]:
    began = time.thread_time()
    out = fn()
    return time.thread_time() - began, out


def main() -> None:
    land = landscapes.get("logistic_regression")
    runs = [RunSpec("adam", {"lr": 0.005 * (i + 1)}, PALETTE[i % len(PALETTE)]) for i in range(MAX_RUNS)]
    seconds, out = cpu(
        lambda: outcomes.compute(land, land.start, MAX_STEPS, "explore", runs, RunSpec("sgd"), "0.01")
    )
    print(f"load average {os.getloadavg()[0]:.2f}; limit {budget.LIMIT_SECONDS:g} s")
    print(f"explore compute (8 × 1000)      {seconds:6.3f} s")
    plain, _ = cpu(lambda: json.dumps([r.points.tolist() for r in out.results]))
    print(f"  baseline json.dumps of paths  {plain:6.3f} s")
    for name, fn in (
        ("csv", lambda: export.trajectories_csv(out)),
        ("json", lambda: export.trajectories_json(out)),
        ("html animation", lambda: export.animation_html(out)),
        ("png picture's figure", lambda: export.composed_figure(out, None, MAX_STEPS // 2).to_plotly_json()),
    ):
        seconds, text = cpu(fn)
        size = f"{len(text) / 1e6:5.1f} MB" if isinstance(text, str) else ""
        print(f"  explore {name:<22}{seconds:6.3f} s {size}")
    setup = replace(trainer.Setup(), lrs=tuple(0.002 * (i + 1) for i in range(8)), steps=500)
    seconds, training = cpu(lambda: trainer.train(setup))
    print(f"networks training (8 × 500)     {seconds:6.3f} s (every export repeats it)")
    for name, fn in (
        ("csv", lambda: networks_export.curves_csv(training)),
        ("json", lambda: networks_export.curves_json(training)),
        ("html page", lambda: networks_export.offline_html(training)),
    ):
        seconds, text = cpu(fn)
        print(f"  networks {name:<21}{seconds:6.3f} s {len(text) / 1e6:5.1f} MB")


if __name__ == "__main__":
    main()
