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
next step starts. The control flow differs from run to run (how many iterations, which line-search
branch), so the update goes run by run with NumPy vectors of P numbers, as torch does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from optimizers.base import Hyperparameter, Optimizer, run_value
from optimizers.common import LR

#: torch's strong-Wolfe constants.
C1, C2, MAX_LS = 1e-4, 0.9, 25


class LBFGSState(NamedTuple):
    direction: np.ndarray  # (K, P) d, the last search direction
    step_length: np.ndarray  # (K, P) t, the last step length along d (one number per run)
    h_diag: np.ndarray  # (K, P) sᵀy / yᵀy, the scale of the inverse Hessian (one number per run)
    memory: tuple  # per run: the history of (s, y) pairs and the rest of torch's state

    unrecorded = ("memory",)


def init(params, hp):
    k = params.shape[0]
    return LBFGSState(np.zeros_like(params), np.zeros_like(params), np.ones_like(params), (None,) * k)


def update(grad, state, params, hp, step, hessian=None, *, loss, closure):
    params, direction = params.copy(), state.direction.copy()
    step_length, h_diag, memory = state.step_length.copy(), state.h_diag.copy(), list(state.memory)
    for k in range(params.shape[0]):
        if not (np.isfinite(loss[k]) and np.isfinite(grad[k]).all()):
            continue  # a run that diverged stays where it is (NaN)
        options = {h: run_value(hp[h], k) for h in hp}

        def evaluate(point, k=k):
            value, gradient = closure(point[None], np.array([k]))
            return float(value[0]), gradient[0].copy()

        params[k], mem = _step(params[k].copy(), float(loss[k]), grad[k].copy(), memory[k], options, evaluate)
        memory[k] = mem
        if mem.get("d") is not None:
            direction[k], step_length[k], h_diag[k] = mem["d"], mem["t"], mem["H_diag"]
    return params, LBFGSState(direction, step_length, h_diag, tuple(memory))


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


def _whole(name, default, help, low, ui, none=""):
    return Hyperparameter(name, default, help, label=f"{name} value", low=low, ui=ui, integer=True, none=none)


LBFGS = Optimizer(
    name="lbfgs",
    title="L-BFGS",
    description=(
        "Builds a picture of the curvature from its last steps and jumps towards the bottom, "
        "with several evaluations per step."
    ),
    hyperparameters=(
        LR(1.0),
        _whole("max_iter", 20, "Most iterations within one step.", 1, (1, 100)),
        _whole(
            "max_eval", None, "Most loss evaluations within one step.", 1, (1, 125), none="max_iter · 5 // 4"
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
