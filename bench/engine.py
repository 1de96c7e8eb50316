"""Engine speed: ns per step-run of ``optimizers.run("rosenbrock", "adam", ...)`` against a plain loop.

A *step-run* is one update of one run: a call with K runs and S steps does K·S of them. The baseline,
timed in the same process, is the textbook NumPy Adam loop on Rosenbrock (same maths, ``(K, 2)``
arrays, no loss, no recording, no divergence checks). torch.optim.Adam at K=1 is a reference point
when torch is importable (``/opt/torchenv/bin/python bench/engine.py``).

    python bench/engine.py            # about 40 s; up to two minutes on a saturated machine
    python bench/engine.py --quick    # fewer repeats and shorter measurements, for a smoke test

With P parameters (``landscapes/problem.py``): Adam with K = 64 runs × P = 500 parameters × 1000 steps
on a diagonal quadratic against the same plain loop on ``(K, P)`` arrays (target ≤ 1.5×), and
L-BFGS (torch's algorithm, no line search) on Rosenbrock against a plain NumPy L-BFGS loop: one run,
and ``LBFGS_RUNS`` runs in one call (the engine's lock step) against the plain loop run by run.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import optimizers  # noqa: E402
from landscapes.problem import Rosenbrock  # noqa: E402

RUN_COUNTS = (1, 16, 256, 4096, 65536)
LR = 0.01
BETAS = (0.9, 0.999)
EPS = 1e-8
#: Targets: ns per step-run at K=4096, and the engine's cost at K=1 relative to the plain loop.
TARGET_NS_4096 = 40.0
TARGET_RATIO_K1 = 2.0
#: The engine keeps points, gradients and losses for every step: cap K·steps to bound memory (~0.2 GB).
MAX_STEP_RUNS = 5_000_000
#: The app's step limit (``app.model.MAX_STEPS``): K=1 is timed as repeated calls of this length.
MAX_STEPS_PER_CALL = 1000
LONG_RUN_STEPS = 8000
README = Path(__file__).resolve().parent / "README.md"
#: README rows such as ``| torch.optim.Adam, K=1, autograd loop | 300,000 ns per step | ...``.
TORCH_RECORD = re.compile(r"^\|\s*torch\.optim\.Adam, K=1, ([^|]+?)\s*\|\s*([\d,.]+) ns", re.MULTILINE)


def starts(k: int) -> np.ndarray:
    """``(k, 2)`` start points spread over Rosenbrock's window (Adam at lr 0.01 never diverges here)."""
    rng = np.random.default_rng(k)
    return np.column_stack([rng.uniform(-1.8, 1.8, k), rng.uniform(-0.8, 2.8, k)])


def plain_adam(params: np.ndarray, steps: int, lr: float = LR) -> np.ndarray:
    """The textbook loop: Rosenbrock's gradient, then Adam with bias-corrected moments."""
    beta1, beta2 = BETAS
    m = np.zeros_like(params)
    v = np.zeros_like(params)
    grad = np.empty_like(params)
    for t in range(1, steps + 1):
        x, y = params[:, 0], params[:, 1]
        d = y - x * x
        grad[:, 0] = -2.0 * (1.0 - x) - 400.0 * x * d
        grad[:, 1] = 200.0 * d
        m = beta1 * m + (1.0 - beta1) * grad
        v = beta2 * v + (1.0 - beta2) * grad * grad
        m_hat = m / (1.0 - beta1**t)
        v_hat = v / (1.0 - beta2**t)
        params = params - lr * m_hat / (np.sqrt(v_hat) + EPS)
    return params


def engine(params: np.ndarray, steps: int, lr: float = LR) -> np.ndarray:
    return optimizers.run("rosenbrock", "adam", params, steps, lr=lr).points[:, -1]


def seconds(fn, params: np.ndarray, steps: int, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn(params, steps)
    return time.perf_counter() - start


def plan(params: np.ndarray, budget: float) -> tuple[int, int]:
    """``(steps, calls)`` for one engine measurement of about ``budget`` seconds.

    A call runs at most ``MAX_STEPS_PER_CALL`` steps (the app's limit) and at most
    ``MAX_STEP_RUNS`` step-runs (memory); short calls are repeated to fill the budget.
    """
    k = len(params)
    trial = max(2, min(1000, 20_000 // k))
    per_step_run = min(seconds(engine, params, trial, 1) for _ in range(3)) / (trial * k)
    steps = max(10, min(MAX_STEPS_PER_CALL, MAX_STEP_RUNS // k, int(budget / (per_step_run * k))))
    calls = max(1, round(budget / (per_step_run * k * steps)))
    return steps, calls


def measure(k: int, budget: float, repeats: int) -> tuple[float, float, int, int]:
    """``(engine, plain)`` best ns per step-run, with the ``steps`` and ``calls`` of a measurement.

    Engine and plain loop alternate, so a burst of load from other processes hits both.
    """
    params = starts(k)
    steps, calls = plan(params, budget)
    best = {engine: float("inf"), plain_adam: float("inf")}
    for _ in range(repeats):
        for fn in best:
            best[fn] = min(best[fn], seconds(fn, params, steps, calls))
    scale = 1e9 / (steps * calls * k)
    return best[engine] * scale, best[plain_adam] * scale, steps, calls


def long_run_k1(steps: int, repeats: int) -> float:
    """ns per step of one K=1 call longer than the app allows (shows any cost that grows with steps)."""
    params = starts(1)
    return min(seconds(engine, params, steps, 1) for _ in range(repeats)) / steps * 1e9


def check_same_maths() -> float:
    """The two loops must compute the same trajectories (rounding aside): max |difference|."""
    params = starts(64)
    return float(np.max(np.abs(engine(params, 300) - plain_adam(params, 300))))


# --- P parameters ------------------------------------------------------------------------------

P_RUNS, P_PARAMS, P_STEPS = 64, 500, 1000
TARGET_RATIO_P = 1.5


class DiagonalQuadratic:
    """L(θ) = ½ Σᵢ aᵢ θᵢ², aᵢ log-spaced over [1, 100]: an elementwise problem, so the figure is the
    optimizer's and the engine's cost, not a matrix product's."""

    def __init__(self, p: int):
        self.name, self.title, self.n_params = f"diagonal{p}", f"Diagonal quadratic in {p}", p
        self.a = np.geomspace(1.0, 100.0, p)

    def value(self, params):
        return self.value_and_gradient(params)[0]

    def value_and_gradient(self, params):
        grad = params * self.a
        return 0.5 * np.einsum("kp,kp->k", params, grad), grad


def p_starts(k: int = P_RUNS, p: int = P_PARAMS) -> np.ndarray:
    return np.random.default_rng(p).uniform(-1.0, 1.0, (k, p))


def plain_adam_p(params: np.ndarray, steps: int, problem: DiagonalQuadratic, lr: float = LR) -> np.ndarray:
    """The textbook Adam loop on ``(K, P)`` arrays, the loss computed too (as the engine reports it)."""
    beta1, beta2 = BETAS
    m = np.zeros_like(params)
    v = np.zeros_like(params)
    for t in range(1, steps + 1):
        _, grad = problem.value_and_gradient(params)
        m = beta1 * m + (1.0 - beta1) * grad
        v = beta2 * v + (1.0 - beta2) * grad * grad
        params = params - lr * (m / (1.0 - beta1**t)) / (np.sqrt(v / (1.0 - beta2**t)) + EPS)
    return params


def engine_adam_p(params: np.ndarray, steps: int, problem: DiagonalQuadratic, lr: float = LR) -> np.ndarray:
    return optimizers.run(problem, "adam", params, steps, lr=lr).points[:, -1]


def plain_lbfgs(x: np.ndarray, steps: int, problem, lr: float = 1.0, max_iter: int = 20, history: int = 100):
    """torch's L-BFGS without line search, for one run, written plainly (lists of NumPy vectors)."""
    dirs, stps, ro, h_diag, d, t, prev_grad, n_iter = [], [], [], 1.0, None, None, None, 0
    tol_grad, tol_change, max_eval = 1e-7, 1e-9, max_iter * 5 // 4
    for _ in range(steps):
        loss, grad = (v[0] for v in problem.value_and_gradient(x[None]))
        evals = 1
        if np.abs(grad).max() <= tol_grad:
            continue
        for inner in range(1, max_iter + 1):
            n_iter += 1
            if n_iter == 1:
                d = -grad
            else:
                y, s = grad - prev_grad, d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(dirs) == history:
                        dirs.pop(0), stps.pop(0), ro.pop(0)
                    dirs.append(y), stps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                q, al = -grad, [0.0] * len(dirs)
                for i in range(len(dirs) - 1, -1, -1):
                    al[i] = float(stps[i] @ q) * ro[i]
                    q = q - al[i] * dirs[i]
                d = q * h_diag
                for i in range(len(dirs)):
                    d = d + (al[i] - float(dirs[i] @ d) * ro[i]) * stps[i]
            prev_grad, prev_loss = grad.copy(), loss
            t = min(1.0, 1.0 / float(np.abs(grad).sum())) * lr if n_iter == 1 else lr
            if float(grad @ d) > -tol_change:
                break
            x = x + t * d
            if inner == max_iter:
                break
            loss, grad = (v[0] for v in problem.value_and_gradient(x[None]))
            evals += 1
            if evals >= max_eval or np.abs(grad).max() <= tol_grad:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break
    return x


def engine_lbfgs(x: np.ndarray, steps: int, problem) -> np.ndarray:
    return optimizers.run(problem, "lbfgs", x, steps).points[..., -1, :]


LBFGS_RUNS = 64


def lbfgs_starts(k: int = LBFGS_RUNS) -> np.ndarray:
    """``(k, 2)`` starts over Rosenbrock's window (L-BFGS at lr 1 converges from each)."""
    rng = np.random.default_rng(7)
    return np.column_stack([rng.uniform(-1.8, 1.8, k), rng.uniform(-0.8, 2.8, k)])


def plain_lbfgs_runs(xs: np.ndarray, steps: int, problem) -> np.ndarray:
    return np.array([plain_lbfgs(x, steps, problem) for x in xs])


def best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def measure_p(repeats: int, steps: int) -> dict[str, float]:
    """Seconds (best of ``repeats``, engine and plain loop alternating) of the P benchmarks."""
    problem, starts = DiagonalQuadratic(P_PARAMS), p_starts()
    rosenbrock, x0 = Rosenbrock(2), np.array([-1.2, 1.0])
    lbfgs_steps = 30
    xs = lbfgs_starts()
    out = {
        "adam engine": math.inf,
        "adam plain": math.inf,
        "lbfgs engine": math.inf,
        "lbfgs plain": math.inf,
        "lbfgs batch engine": math.inf,
        "lbfgs batch plain": math.inf,
    }
    for _ in range(repeats):
        out["adam engine"] = min(
            out["adam engine"], best_of(lambda: engine_adam_p(starts, steps, problem), 1)
        )
        out["adam plain"] = min(out["adam plain"], best_of(lambda: plain_adam_p(starts, steps, problem), 1))
        out["lbfgs engine"] = min(
            out["lbfgs engine"], best_of(lambda: engine_lbfgs(x0, lbfgs_steps, rosenbrock), 1)
        )
        out["lbfgs plain"] = min(
            out["lbfgs plain"], best_of(lambda: plain_lbfgs(x0, lbfgs_steps, rosenbrock), 1)
        )
        out["lbfgs batch engine"] = min(
            out["lbfgs batch engine"], best_of(lambda: engine_lbfgs(xs, lbfgs_steps, rosenbrock), 1)
        )
        out["lbfgs batch plain"] = min(
            out["lbfgs batch plain"], best_of(lambda: plain_lbfgs_runs(xs, lbfgs_steps, rosenbrock), 1)
        )
    out["adam difference"] = float(
        np.max(np.abs(engine_adam_p(starts, 50, problem) - plain_adam_p(starts, 50, problem)))
    )
    out["lbfgs difference"] = float(
        np.max(np.abs(engine_lbfgs(x0, lbfgs_steps, rosenbrock) - plain_lbfgs(x0, lbfgs_steps, rosenbrock)))
    )
    out["lbfgs batch difference"] = float(
        np.max(
            np.abs(engine_lbfgs(xs, lbfgs_steps, rosenbrock) - plain_lbfgs_runs(xs, lbfgs_steps, rosenbrock))
        )
    )
    return out


def torch_ns_per_step(budget: float, repeats: int) -> dict[str, float] | None:
    """ns per step of a torch.optim.Adam loop on one (x, y), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def autograd_loop(steps: int) -> None:
        p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=LR)
        for _ in range(steps):
            opt.zero_grad()
            x, y = p[0], p[1]
            loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
            loss.backward()
            opt.step()

    def analytic_loop(steps: int) -> None:
        """The optimizer alone: the gradient is written into ``.grad`` without autograd."""
        p = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=LR)
        p.grad = torch.zeros_like(p)
        for _ in range(steps):
            with torch.no_grad():
                x, y = p[0], p[1]
                d = y - x * x
                p.grad[0] = -2 * (1 - x) - 400 * x * d
                p.grad[1] = 200 * d
            opt.step()

    out = {}
    for name, loop in (("autograd", autograd_loop), ("analytic gradient", analytic_loop)):
        start = time.perf_counter()
        loop(200)
        steps = max(100, int(budget / ((time.perf_counter() - start) / 200)))
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            loop(steps)
            best = min(best, time.perf_counter() - start)
        out[name] = best / steps * 1e9
    out["version"] = torch.__version__
    return out


def recorded_torch_figures() -> list[tuple[str, str]]:
    """The torch figures recorded in bench/README.md, ``[(loop, ns)]`` (for runs without torch)."""
    if not README.exists():
        return []
    return TORCH_RECORD.findall(README.read_text(encoding="utf-8"))


def blas_info() -> str:
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        name = f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # show_config's layout is not a stable API
        name = "unknown"
    env = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS") if v in os.environ}
    return f"BLAS {name}; {env or 'no OPENBLAS_* variables set'} (elementwise ops do not use BLAS)"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short measurements, 2 repeats")
    args = parser.parse_args()
    budget, repeats = (0.05, 2) if args.quick else (0.25, 7)

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} CPUs")
    print(blas_info())
    print(f"load average: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    difference = check_same_maths()
    print(f"same maths: max |engine − plain| after 300 steps, 64 runs = {difference:.1e}")
    if difference > 1e-6:
        print("the plain loop does not compute what the engine computes")
        return 1

    print(f"\nns per step-run (best of {repeats}), Adam lr {LR} on Rosenbrock")
    print(f"{'K':>6} {'steps':>6} {'calls':>6} {'engine':>10} {'plain':>10} {'engine/plain':>13}")
    results = {}
    for k in RUN_COUNTS:
        ns_engine, ns_plain, steps, calls = measure(k, budget, repeats)
        results[k] = (ns_engine, ns_plain)
        ratio = ns_engine / ns_plain
        print(f"{k:>6} {steps:>6} {calls:>6} {ns_engine:>10.1f} {ns_plain:>10.1f} {ratio:>12.2f}×")
    long_steps = LONG_RUN_STEPS // (8 if args.quick else 1)
    print(f"K=1, one call of {long_steps} steps: {long_run_k1(long_steps, repeats):.1f} ns per step")

    reference = torch_ns_per_step(budget, repeats)
    if reference is None:
        print("\ntorch.optim.Adam reference at K=1: torch not installed, skipped")
        for loop, ns in recorded_torch_figures():
            print(f"  recorded in bench/README.md: {loop:24} {ns:>10} ns per step")
    else:
        print(f"\ntorch.optim.Adam reference at K=1 (torch {reference['version']}, 1 thread):")
        print(f"  autograd loop            {reference['autograd']:>10.0f} ns per step")
        print(f"  analytic gradient loop   {reference['analytic gradient']:>10.0f} ns per step")
        print(f"  engine at K=1            {results[1][0]:>10.0f} ns per step")

    p_steps = P_STEPS // (4 if args.quick else 1)
    p = measure_p(max(2, repeats // 2), p_steps)
    print(f"\nP parameters (best of {max(2, repeats // 2)}, engine and plain loop alternating)")
    print(f"  same maths: Adam max |engine − plain| after 50 steps {p['adam difference']:.1e}; "
          f"L-BFGS after 30 steps {p['lbfgs difference']:.1e}")  # fmt: skip
    ratio_p = p["adam engine"] / p["adam plain"]
    print(f"  Adam, K={P_RUNS} × P={P_PARAMS} × {p_steps} steps on a diagonal quadratic: engine "
          f"{p['adam engine']:.3f} s, plain {p['adam plain']:.3f} s ({ratio_p:.2f}×)")  # fmt: skip
    ratio_lbfgs = p["lbfgs engine"] / p["lbfgs plain"]
    engine_ms, plain_ms = p["lbfgs engine"] * 1e3, p["lbfgs plain"] * 1e3
    print(f"  L-BFGS, Rosenbrock from (−1.2, 1), 30 steps of ≤ 20 iterations: engine "
          f"{engine_ms:.1f} ms, plain {plain_ms:.1f} ms ({ratio_lbfgs:.2f}×)")  # fmt: skip
    ratio_batch = p["lbfgs batch engine"] / p["lbfgs batch plain"]
    engine_ms, plain_ms = p["lbfgs batch engine"] * 1e3, p["lbfgs batch plain"] * 1e3
    print(f"  L-BFGS, K={LBFGS_RUNS} runs in one call, 30 steps: engine {engine_ms:.1f} ms, "
          f"plain run by run {plain_ms:.1f} ms ({ratio_batch:.2f}×; "
          f"max |engine − plain| {p['lbfgs batch difference']:.1e})")  # fmt: skip
    differences = (p["adam difference"], p["lbfgs difference"], p["lbfgs batch difference"])
    if max(differences) > 1e-9:
        print("a plain P-parameter loop does not compute what the engine computes")
        return 1

    ns_4096 = results[4096][0]
    ratio_1 = results[1][0] / results[1][1]
    ok_4096 = ns_4096 <= TARGET_NS_4096
    ok_1 = ratio_1 <= TARGET_RATIO_K1
    load = os.getloadavg()[0]
    print(f"\nload average now {load:.2f} on {os.cpu_count()} CPUs", end="")
    busy = load > (os.cpu_count() or 1) - 0.5
    print(": busy, absolute figures inflated; the ratios hold better" if busy else "")
    print("targets")
    print(f"  K=4096: {ns_4096:.1f} ns per step-run ≤ {TARGET_NS_4096:g}: {verdict(ok_4096)}")
    print(f"  K=1: engine / plain = {ratio_1:.2f}× ≤ {TARGET_RATIO_K1:g}×: {verdict(ok_1)}")
    ok_p = ratio_p <= TARGET_RATIO_P
    print(
        f"  Adam K={P_RUNS} × P={P_PARAMS}: engine / plain = {ratio_p:.2f}× ≤ {TARGET_RATIO_P:g}×: "
        f"{verdict(ok_p)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
