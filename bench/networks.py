"""Network speed: training 8 networks together and a 41 × 41 loss plane, against plain NumPy loops.

Two cases, each timed against a plain batched NumPy loop written for that one case alone (fixed
2-16-16-1 tanh shapes, separate weight arrays, no validation, no recording), in the same process:

- *training*: 8 networks 2-16-16-1 (tanh, BCEWithLogits) on 200 two-moons points, 1000 full-batch
  Adam steps (lr 0.01), all 8 at once. Ours is ``optimizers.run(landscapes.network(), "adam", ...)``
  when ``run`` takes P-parameter problems, else (``--direct``, or a run that refuses problems) a
  loop of ``problem.value_and_gradient`` with ``optimizers.get("adam")``'s own update.
- *plane*: the training loss on a 41 × 41 grid of a filter-normalised random plane through trained
  weights (1681 networks on 200 points): ``landscapes.slices.plane`` against a plain loop over the
  same chunks; then the same plane with the float32 loss the Networks view draws with
  (``Network.drawn_value``) against the same float64 loop: its speed-up and how close it is.

Each figure is the best of ``--repeats`` timings; both sides compute the same numbers, and the
script checks that they agree (exit 2 if not). Target: ours ≤ 1.2× the plain loop in CPU time (PASS /
FAIL; wall time is printed too).

    python bench/networks.py            # about 30 s on a quiet 2-core machine
    python bench/networks.py --quick    # 100 training steps, 2 repeats: a smoke test
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import landscapes  # noqa: E402
import optimizers  # noqa: E402
from landscapes import slices  # noqa: E402
from optimizers.base import validate  # noqa: E402

K, STEPS, LR, BETAS, EPS = 8, 1000, 0.01, (0.9, 0.999), 1e-8
GRID = 41
TARGET = 1.2


def plain_forward(w1, b1, w2, b2, w3, b3, x):
    """2-16-16-1 tanh for K networks: weights (K, out, in), biases (K, out), x (N, 2).

    Written as fast as we know: contiguous transposed weights (so matmul uses BLAS) and in-place
    bias additions, the same tricks the engine uses, so the ratio measures only its generality.
    """
    t = np.ascontiguousarray
    h1 = np.matmul(x, t(w1.transpose(0, 2, 1)))
    h1 += b1[:, None, :]
    a1 = np.tanh(h1)
    h2 = np.matmul(a1, t(w2.transpose(0, 2, 1)))
    h2 += b2[:, None, :]
    a2 = np.tanh(h2)
    z = np.matmul(a2, t(w3.transpose(0, 2, 1)))[..., 0]
    z += b3
    return a1, a2, z


def plain_bce(z, t):
    return np.mean(np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z))), axis=-1)


def plain_train(params, x, t, steps):
    """Textbook full-batch Adam on K 2-16-16-1 networks, weights kept as six separate arrays."""
    k, n = params.shape[0], t.shape[0]
    shapes = [(16, 2), (16,), (16, 16), (16,), (1, 16), (1,)]
    split = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
    ws = [p.reshape(k, *s).copy() for p, s in zip(np.split(params, split, axis=1), shapes, strict=True)]
    ms = [np.zeros_like(w) for w in ws]
    vs = [np.zeros_like(w) for w in ws]
    ones = np.ones(n)
    for step in range(1, steps + 1):
        w1, b1, w2, b2, w3, b3 = ws
        a1, a2, z = plain_forward(w1, b1, w2, b2, w3, b3, x)
        dz = (1.0 / (1.0 + np.exp(-z)) - t) / n
        d3 = dz[:, :, None]
        d2 = d3 * w3
        slope = a2 * a2
        np.subtract(1.0, slope, out=slope)
        d2 *= slope
        d1 = np.matmul(d2, w2)
        np.multiply(a1, a1, out=slope)
        np.subtract(1.0, slope, out=slope)
        d1 *= slope
        grads = [
            np.matmul(d1.transpose(0, 2, 1), x),
            np.matmul(ones, d1),
            np.matmul(d2.transpose(0, 2, 1), a1),
            np.matmul(ones, d2),
            np.matmul(d3.transpose(0, 2, 1), a2),
            dz.sum(axis=1)[:, None],
        ]
        c1, c2 = 1.0 - BETAS[0] ** step, 1.0 - BETAS[1] ** step
        for w, m, v, g in zip(ws, ms, vs, grads, strict=True):
            m *= BETAS[0]
            m += (1.0 - BETAS[0]) * g
            v *= BETAS[1]
            v += (1.0 - BETAS[1]) * g * g
            w -= (LR / c1) * m / (np.sqrt(v) / np.sqrt(c2) + EPS)
    return np.concatenate([w.reshape(k, -1) for w in ws], axis=1)


def ours_train(problem, params, steps, direct):
    if not direct:
        return optimizers.run(problem, "adam", start=params, steps=steps, lr=LR).points[:, -1]
    adam = optimizers.get("adam")
    hp, _ = validate(adam, {"lr": LR})
    state = adam.init(params, hp)
    for step in range(1, steps + 1):
        _, grad = problem.value_and_gradient(params)
        params, state = adam.update(grad, state, params, hp, step, None)
    return params


def plain_plane(centre, d1, d2, alphas, betas, x, t, chunk):
    a, b = np.meshgrid(alphas, betas)
    coords = np.column_stack([a.ravel(), b.ravel()])
    shapes = [(16, 2), (16,), (16, 16), (16,), (1, 16), (1,)]
    split = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]
    out = np.empty(coords.shape[0])
    for lo in range(0, coords.shape[0], chunk):
        params = centre + coords[lo : lo + chunk] @ np.stack([d1, d2])
        k = params.shape[0]
        ws = [p.reshape(k, *s) for p, s in zip(np.split(params, split, axis=1), shapes, strict=True)]
        out[lo : lo + chunk] = plain_bce(plain_forward(*ws, x)[2], t)
    return out.reshape(betas.size, alphas.size)


def best(ours, plain, repeats):
    """Best-of-``repeats`` times of each, taken in turns: ``(ours, plain, ours_result, plain_result)``
    with ``ours`` and ``plain`` each ``(cpu seconds, wall seconds)``.

    The verdict uses CPU time (``time.process_time``, every thread of the process): on a machine
    shared with other jobs, wall time also counts the time the process waits for a core.
    """
    times = {ours: [], plain: []}
    results = {}
    for _ in range(repeats):
        for fn in (plain, ours):
            cpu, wall = time.process_time(), time.perf_counter()
            results[fn] = fn()
            times[fn].append((time.process_time() - cpu, time.perf_counter() - wall))
    return min(times[ours]), min(times[plain]), results[ours], results[plain]


def run_supports_problems() -> bool:
    problem = landscapes.network(hidden=(2,), n=10)
    try:
        optimizers.run(problem, "adam", start=problem.init(0), steps=1, lr=LR)
    except Exception:  # an engine without P support fails in many ways
        return False
    return True


def report(name, ours, plain):
    ratio = ours[0] / plain[0]
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(
        f"{name:<46} ours {ours[0] * 1e3:7.0f} ms CPU ({ours[1] * 1e3:.0f} wall)   "
        f"plain {plain[0] * 1e3:7.0f} ms CPU ({plain[1] * 1e3:.0f} wall)   "
        f"{ratio:4.2f}× (≤ {TARGET}×: {verdict})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--direct", action="store_true", help="time value_and_gradient + adam.update")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    steps, repeats = (100, min(2, args.repeats)) if args.quick else (STEPS, args.repeats)
    direct = args.direct or not run_supports_problems()
    problem = landscapes.network("moons", hidden=(16, 16), activation="tanh", n=200, noise=0.1, seed=0)
    x, t = problem.inputs, problem.targets
    starts = np.stack([problem.init(s) for s in range(K)])
    how = "value_and_gradient + adam.update" if direct else "optimizers.run"
    print(f"{K} networks 2-16-16-1 tanh, {problem.n_params} parameters each, N = {problem.n_examples}")

    ours_time, plain_time, ours_final, plain_final = best(
        lambda: ours_train(problem, starts, steps, direct), lambda: plain_train(starts, x, t, steps), repeats
    )
    if not np.allclose(ours_final, plain_final, rtol=1e-8, atol=1e-10):
        print("training: ours and the plain loop disagree", np.abs(ours_final - plain_final).max())
        return 2
    report(f"train {steps} Adam steps ({how})", ours_time, plain_time)

    centre = ours_final[0]
    d1, d2 = slices.random_directions(problem, centre, seed=0)
    alphas = betas = np.linspace(-1.0, 1.0, GRID)
    chunk = slices.default_chunk(problem)
    ours_time, plain_time, ours_z, plain_z = best(
        lambda: slices.plane(problem, centre, d1, d2, alphas, betas),
        lambda: plain_plane(centre, d1, d2, alphas, betas, x, t, chunk),
        repeats,
    )
    if not np.allclose(ours_z, plain_z, rtol=1e-12):
        print("plane: ours and the plain loop disagree", np.abs(ours_z - plain_z).max())
        return 2
    report(f"plane {GRID} × {GRID} = {GRID * GRID} networks (chunks of {chunk})", ours_time, plain_time)
    # The Networks view draws its planes with the float32 loss (Network.drawn_value): the same plain
    # float64 loop is the baseline, so the ratio is the speed-up (no ≤ 1.2× target for it).
    drawn_time, plain_time, drawn_z, _ = best(
        lambda: slices.plane(problem, centre, d1, d2, alphas, betas, value=problem.drawn_value),
        lambda: plain_plane(centre, d1, d2, alphas, betas, x, t, chunk),
        repeats,
    )
    if not np.allclose(drawn_z, plain_z, rtol=1e-5):
        print("drawn plane: float32 and float64 disagree", np.abs(drawn_z - plain_z).max())
        return 2
    print(
        f"{'drawn plane (float32 loss), same grid':<46} ours {drawn_time[0] * 1e3:7.0f} ms CPU "
        f"({drawn_time[1] * 1e3:.0f} wall)   plain float64 {plain_time[0] * 1e3:7.0f} ms CPU   "
        f"{plain_time[0] / drawn_time[0]:4.2f}× faster, within {np.max(np.abs(drawn_z / plain_z - 1)):.1e}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
