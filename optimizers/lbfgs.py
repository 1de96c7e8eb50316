"""L-BFGS, as ``torch.optim.LBFGS``: one step is one torch ``.step(closure)`` call.

Within a step, up to ``max_iter`` iterations of

    d ← −H g                         (H: the inverse Hessian built from the last history_size pairs
                                      s = θₖ₊₁ − θₖ, y = gₖ₊₁ − gₖ by the two-loop recursion,
                                      scaled by sᵀy / yᵀy; d = −g at the very first iteration)
    t ← min(1, 1/‖g‖₁) γ at the very first iteration, else γ      (lr γ)
    t ← a strong-Wolfe line search along d from t (line_search_fn "strong_wolfe"), else t
    θ ← θ + t d,  and L, g evaluated there

stopping early when ‖g‖∞ ≤ tolerance_grad, when the loss or the step changes by less than
tolerance_change, when d is not a descent direction, or after max_eval evaluations. The pairs (s, y)
are kept across steps (a pair with sᵀy ≤ 10⁻¹⁰ is skipped), so the curvature it uses comes from the
whole path so far.

Every inner evaluation is a sub-step (``Trajectory.substeps``); the point after the step is where the
next step starts. Without a line search the runs go in lock step, one vectorised iteration for all
that are still iterating (each leaves when its own stopping test holds), with per-run dot products
(``np.vecdot``) that round as a run's own ``y @ s`` does, so a run gets the same path alone or in a
batch. With the strong-Wolfe search, whose branches differ from run to run, the update goes run by
run with NumPy vectors of P numbers, as torch does. Both keep their memory in ``LBFGSMemory``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import INF, Hyperparameter, Optimizer, run_value
from optimizers.common import LR

#: The fewest runs without a line search that go in lock step (one alone goes run by run: the same
#: numbers, as ``tests/test_engine_p.py`` checks a batch against its runs one by one).
LOCK_STEP_RUNS = 2
#: torch's strong-Wolfe constants.
C1, C2, MAX_LS = 1e-4, 0.9, 25


class LBFGSMemory(NamedTuple):
    """torch's per-parameter state, for K runs (history H = the largest history_size)."""

    func_evals: np.ndarray  # (K,) evaluations so far
    n_iter: np.ndarray  # (K,) iterations so far (across steps)
    started: np.ndarray  # (K,) bool: the first iteration has run (d, t and the rest are set)
    d: np.ndarray  # (K, P) the last search direction
    t: np.ndarray  # (K,) the last step length
    h_diag: np.ndarray  # (K,) sᵀy / yᵀy
    prev_flat_grad: np.ndarray  # (K, P)
    prev_loss: np.ndarray  # (K,)
    old_dirs: np.ndarray  # (K, H, P) y of the kept pairs, oldest first
    old_stps: np.ndarray  # (K, H, P) s of the kept pairs
    ro: np.ndarray  # (K, H) 1 / sᵀy
    count: np.ndarray  # (K,) how many pairs each run keeps


class LBFGSState(NamedTuple):
    direction: np.ndarray  # (K, P) d, the last search direction
    step_length: np.ndarray  # (K, P) t, the last step length along d (one number per run)
    h_diag: np.ndarray  # (K, P) sᵀy / yᵀy, the scale of the inverse Hessian (one number per run)
    memory: LBFGSMemory

    unrecorded = ("memory",)


def init(params, hp):
    k, p = params.shape
    h = int(np.max(hp["history_size"]))
    memory = LBFGSMemory(
        np.zeros(k, dtype=np.int64),
        np.zeros(k, dtype=np.int64),
        np.zeros(k, dtype=bool),
        np.zeros((k, p)),
        np.zeros(k),
        np.ones(k),
        np.zeros((k, p)),
        np.zeros(k),
        np.zeros((k, h, p)),
        np.zeros((k, h, p)),
        np.zeros((k, h)),
        np.zeros(k, dtype=np.int64),
    )
    return LBFGSState(np.zeros_like(params), np.zeros_like(params), np.ones_like(params), memory)


def update(grad, state, params, hp, step, hessian=None, *, loss, closure):
    k = params.shape[0]
    active = np.isfinite(loss) & np.isfinite(grad).all(axis=1)  # a run that diverged stays (NaN)
    searched = np.array([run_value(hp["line_search_fn"], i) is not None for i in range(k)])
    params, memory = params.copy(), _copied(state.memory)
    lock_step = active & ~searched
    if lock_step.sum() < LOCK_STEP_RUNS:
        searched = searched | lock_step  # one run alone: run by run costs fewer NumPy calls, same numbers
    elif lock_step.any():
        _steps_in_lock_step(params, np.asarray(loss, dtype=np.float64), grad, memory, hp, closure, lock_step)
    for i in np.flatnonzero(active & searched).tolist():  # run by run
        options = {h: run_value(hp[h], i) for h in hp}

        def evaluate(point, i=i):
            value, gradient = closure(point[None], np.array([i]))
            return float(value[0]), gradient[0].copy()

        params[i], mem = _step(
            params[i].copy(), float(loss[i]), grad[i].copy(), _row(memory, i), options, evaluate
        )
        _set_row(memory, i, mem)
    shape = params.shape
    return params, LBFGSState(
        np.where(memory.started[:, None], memory.d, state.direction),
        np.where(memory.started[:, None], np.broadcast_to(memory.t[:, None], shape), state.step_length),
        np.where(memory.started[:, None], np.broadcast_to(memory.h_diag[:, None], shape), state.h_diag),
        memory,
    )


def _copied(memory: LBFGSMemory) -> LBFGSMemory:
    return LBFGSMemory(*(v.copy() for v in memory))


def _row(memory: LBFGSMemory, i: int) -> dict:
    """Run i's memory as ``_step`` takes it (torch's state dict; lists of the kept pairs)."""
    mem = {"func_evals": int(memory.func_evals[i]), "n_iter": int(memory.n_iter[i])}
    if memory.started[i]:
        n = int(memory.count[i])
        mem.update(
            d=memory.d[i].copy(),
            t=float(memory.t[i]),
            H_diag=float(memory.h_diag[i]),
            prev_flat_grad=memory.prev_flat_grad[i].copy(),
            prev_loss=float(memory.prev_loss[i]),
            old_dirs=list(memory.old_dirs[i, :n].copy()),
            old_stps=list(memory.old_stps[i, :n].copy()),
            ro=[float(v) for v in memory.ro[i, :n]],
        )
    return mem


def _set_row(memory: LBFGSMemory, i: int, mem: dict) -> None:
    """Write ``_step``'s new memory of run i back into the (fresh) arrays of ``memory``."""
    memory.func_evals[i], memory.n_iter[i] = mem["func_evals"], mem["n_iter"]
    if mem.get("d") is None:
        return
    n = len(mem["old_dirs"])
    memory.started[i], memory.count[i] = True, n
    memory.d[i], memory.t[i], memory.h_diag[i] = mem["d"], mem["t"], mem["H_diag"]
    memory.prev_flat_grad[i], memory.prev_loss[i] = mem["prev_flat_grad"], mem["prev_loss"]
    if n:
        memory.old_dirs[i, :n], memory.old_stps[i, :n], memory.ro[i, :n] = (
            mem["old_dirs"],
            mem["old_stps"],
            mem["ro"],
        )


def _column(value, k: int, dtype=np.float64) -> np.ndarray:
    """A hyperparameter as ``(K,)`` (a scalar broadcast, a ``(K, 1)`` column flattened)."""
    return np.broadcast_to(np.asarray(value, dtype=dtype).reshape(-1), (k,))


def _steps_in_lock_step(x, loss, g, memory, hp, closure, running):
    """``_step`` without a line search for the runs ``running`` at once, in place on ``x`` and
    ``memory`` (fresh copies): every iteration is one NumPy pass over the runs still iterating."""
    k = x.shape[0]
    lr, tolerance_grad = _column(hp["lr"], k), _column(hp["tolerance_grad"], k)
    tolerance_change, max_iter = _column(hp["tolerance_change"], k), _column(hp["max_iter"], k)
    history_size = _column(hp["history_size"], k)
    default_eval = max_iter * 5 // 4
    given = np.broadcast_to(np.asarray(hp["max_eval"], dtype=object).reshape(-1), (k,))
    max_eval = np.array(
        [d if v is None else v for v, d in zip(given, default_eval, strict=True)], dtype=float
    )
    loss, g = loss.copy(), g.copy()
    m = memory
    current_evals = np.ones(k)
    m.func_evals[running] += 1
    running = running & ~(np.abs(g).max(axis=1) <= tolerance_grad)
    n_iter = 0
    with np.errstate(all="ignore"):  # rows of runs not iterating may hold anything
        while running.any():
            n_iter += 1
            m.n_iter[running] += 1
            m.started[running] = True
            first = running & (m.n_iter == 1)
            rest = running & ~first
            m.d[first], m.count[first], m.h_diag[first] = -g[first], 0, 1.0
            if rest.any():
                _remember(m, g, rest, history_size)
                m.d[rest] = _two_loop_rows(-g, m)[rest]
            m.prev_flat_grad[running], m.prev_loss[running] = g[running], loss[running]
            scale = 1.0 / np.abs(g).sum(axis=1)
            t = np.where(first, np.where(scale < 1.0, scale, 1.0) * lr, lr)
            m.t[running] = t[running]
            gtd = np.vecdot(g, m.d)
            running = running & ~(gtd > -tolerance_change)
            x[running] = x[running] + m.t[running, None] * m.d[running]
            evaluated = running & (n_iter != max_iter)
            optimal = np.zeros(k, dtype=bool)
            if evaluated.any():
                rows = np.flatnonzero(evaluated)
                value, gradient = closure(x[rows], rows)
                loss[rows], g[rows] = value, gradient
                optimal[rows] = np.abs(g[rows]).max(axis=1) <= tolerance_grad[rows]
                current_evals[rows] += 1
                m.func_evals[rows] += 1
            running = running & ~((n_iter == max_iter) | (current_evals >= max_eval) | optimal)
            small_step = np.abs(m.d * m.t[:, None]).max(axis=1) <= tolerance_change
            running = running & ~(small_step | (np.abs(loss - m.prev_loss) < tolerance_change))


def _remember(m, g, rows, history_size):
    """Keep the pair (s, y) of the last iteration for ``rows`` where sᵀy > 10⁻¹⁰, dropping the oldest
    pair of a run whose history is full; update H_diag there."""
    y = g - m.prev_flat_grad
    s = m.d * m.t[:, None]
    ys = np.vecdot(y, s)
    kept = rows & (ys > 1e-10)
    if not kept.any():
        return
    full = kept & (m.count == history_size)
    for size in np.unique(history_size[full]).tolist():
        at, n = full & (history_size == size), int(size)
        for field in (m.old_dirs, m.old_stps, m.ro):
            field[at, : n - 1] = field[at, 1:n]
        m.count[at] -= 1
    rows_kept = np.flatnonzero(kept)
    slots = m.count[rows_kept]
    m.old_dirs[rows_kept, slots], m.old_stps[rows_kept, slots] = y[rows_kept], s[rows_kept]
    m.ro[rows_kept, slots] = 1.0 / ys[rows_kept]
    m.count[rows_kept] += 1
    m.h_diag[kept] = ys[kept] / np.vecdot(y, y)[kept]


def _two_loop_rows(q, m):
    """``_two_loop`` for every run at once over its own ``count`` pairs (``q`` starts as −g)."""
    most = int(m.count.max(initial=0))
    al = np.zeros((q.shape[0], most))
    for i in range(most - 1, -1, -1):
        used = (i < m.count)[:, None]
        al[:, i] = np.vecdot(m.old_stps[:, i], q) * m.ro[:, i]
        q = np.where(used, q - al[:, i, None] * m.old_dirs[:, i], q)
    r = q * m.h_diag[:, None]
    for i in range(most):
        used = (i < m.count)[:, None]
        be_i = np.vecdot(m.old_dirs[:, i], r) * m.ro[:, i]
        r = np.where(used, r + (al[:, i] - be_i)[:, None] * m.old_stps[:, i], r)
    return r


def _step(x, loss, flat_grad, memory, hp, evaluate):
    """One torch ``LBFGS.step`` for one run: ``(new x, new memory)``; ``memory`` is not modified."""
    lr, max_iter, tolerance_grad = hp["lr"], hp["max_iter"], hp["tolerance_grad"]
    tolerance_change, history_size = hp["tolerance_change"], hp["history_size"]
    max_eval = max_iter * 5 // 4 if hp["max_eval"] is None else hp["max_eval"]
    mem = {"func_evals": 0, "n_iter": 0} if memory is None else dict(memory)
    for key in ("old_dirs", "old_stps", "ro"):
        if mem.get(key) is not None:
            mem[key] = list(mem[key])
    current_evals = 1
    mem["func_evals"] += 1
    if np.abs(flat_grad).max() <= tolerance_grad:
        return x, mem
    d, t, h_diag = mem.get("d"), mem.get("t"), mem.get("H_diag")
    old_dirs, old_stps, ro = mem.get("old_dirs"), mem.get("old_stps"), mem.get("ro")
    prev_flat_grad, prev_loss = mem.get("prev_flat_grad"), mem.get("prev_loss")
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        mem["n_iter"] += 1
        if mem["n_iter"] == 1:
            d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1.0
        else:
            y = flat_grad - prev_flat_grad
            s = d * t
            ys = float(y @ s)
            if ys > 1e-10:
                if len(old_dirs) == history_size:
                    old_dirs.pop(0)
                    old_stps.pop(0)
                    ro.pop(0)
                old_dirs.append(y)
                old_stps.append(s)
                ro.append(1.0 / ys)
                h_diag = ys / float(y @ y)
            d = _two_loop(-flat_grad, old_dirs, old_stps, ro, h_diag)
        prev_flat_grad, prev_loss = flat_grad.copy(), loss
        t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if mem["n_iter"] == 1 else lr
        gtd = float(flat_grad @ d)
        if gtd > -tolerance_change:
            break
        ls_func_evals = 0
        if hp["line_search_fn"] == "strong_wolfe":
            loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                lambda t, x=x, d=d: evaluate(x + t * d),
                t,
                d,
                loss,
                flat_grad,
                gtd,
                tolerance_change,
                max_eval - current_evals,
            )
            x = x + t * d
            opt_cond = np.abs(flat_grad).max() <= tolerance_grad
        else:
            x = x + t * d
            if n_iter != max_iter:
                loss, flat_grad = evaluate(x)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                ls_func_evals = 1
        current_evals += ls_func_evals
        mem["func_evals"] += ls_func_evals
        if n_iter == max_iter or current_evals >= max_eval or opt_cond:
            break
        if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
            break
    mem.update(
        d=d,
        t=t,
        old_dirs=old_dirs,
        old_stps=old_stps,
        ro=ro,
        H_diag=h_diag,
        prev_flat_grad=prev_flat_grad,
        prev_loss=prev_loss,
    )
    return x, mem


def _two_loop(q, old_dirs, old_stps, ro, h_diag):
    """−H g by the two-loop recursion over the kept pairs, oldest first (``q`` starts as −g)."""
    al = [0.0] * len(old_dirs)
    for i in range(len(old_dirs) - 1, -1, -1):
        al[i] = float(old_stps[i] @ q) * ro[i]
        q = q - al[i] * old_dirs[i]
    r = q * h_diag
    for i in range(len(old_dirs)):
        be_i = float(old_dirs[i] @ r) * ro[i]
        r = r + (al[i] - be_i) * old_stps[i]
    return r


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to ``bounds``.

    In NumPy scalars, as torch computes it in tensors: a search that runs off to infinity (on a
    surface with no bottom) overflows to inf and NaN, which the run reports as divergence, where
    Python floats would raise ``OverflowError`` or ``ZeroDivisionError``.
    """
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    x1, f1, g1, x2, f2, g2 = (np.float64(v) for v in (x1, f1, g1, x2, f2, g2))
    with np.errstate(all="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1**2 - g1 * g2
        if not d2_square >= 0:
            return float((xmin_bound + xmax_bound) / 2.0)
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return float(min(max(min_pos, xmin_bound), xmax_bound))


def _strong_wolfe(obj, t, d, f, g, gtd, tolerance_change, max_ls):
    """torch's ``_strong_wolfe``: ``(loss, gradient, t, evaluations)`` at the accepted step length."""
    d_norm = float(np.abs(d).max())
    f_new, g_new = obj(t)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + C1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -C2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj(t)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = (
                    max(bracket) - eps
                    if abs(t - max(bracket)) < abs(t - min(bracket))
                    else min(bracket) + eps
                )
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj(t)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + C1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -C2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


#: The most inner iterations one step may take (torch has no limit; see max_iter below).
MAX_ITER = 1000


def _whole(name, default, help, low, ui, high=INF, none=""):
    return Hyperparameter(
        name, default, help, label=f"{name} value", low=low, high=high, ui=ui, integer=True, none=none
    )


LBFGS = Optimizer(
    name="lbfgs",
    title="L-BFGS",
    description=(
        "Builds a picture of the curvature from its last steps and jumps towards the bottom, "
        "with several evaluations per step."
    ),
    hyperparameters=(
        LR(1.0),
        # torch sets no upper end; here one step's work must stay bounded (a request has 2 s, and
        # even the cost probe runs whole steps), so at most MAX_ITER iterations and 5/4 of it evaluations.
        _whole("max_iter", 20, "Most iterations within one step.", 1, (1, 100), high=MAX_ITER),
        _whole(
            "max_eval",
            None,
            "Most loss evaluations within one step.",
            1,
            (1, 125),
            high=MAX_ITER * 5 // 4,
            none="max_iter · 5 // 4",
        ),
        Hyperparameter(
            "tolerance_grad",
            1e-7,
            "Stop a step once every slope is this small.",
            label="tolerance_grad value",
            low=0.0,
            log=True,
            ui=(1e-12, 1.0),
        ),
        Hyperparameter(
            "tolerance_change",
            1e-9,
            "Stop a step once the loss or the parameters change less than this.",
            label="tolerance_change value",
            low=0.0,
            log=True,
            ui=(1e-14, 1.0),
        ),
        _whole("history_size", 100, "How many past steps shape the curvature estimate.", 1, (1, 200)),
        Hyperparameter(
            "line_search_fn",
            None,
            "None: fixed step lengths; strong_wolfe: search along each direction.",
            choices=(None, "strong_wolfe"),
        ),
    ),
    init=init,
    update=update,
    needs_closure=True,
    reference="torch.optim.LBFGS",
    examples=(
        {},
        {"lr": 0.01},
        {"tolerance_grad": 1e-6},
        {"line_search_fn": "strong_wolfe"},
        {"max_iter": 4, "history_size": 3, "max_eval": 6},
        {"line_search_fn": "strong_wolfe", "max_iter": 5, "history_size": 2, "tolerance_change": 1e-5},
    ),
)
