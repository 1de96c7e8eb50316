"""The engine on problems with P parameters (``landscapes/problem.py``): closed forms, Newton's
exact Hessian, the optimizer contract at P > 2, mini-batches and noise, and torch parity on P = 5 and
20 (``fixtures/reference_more.json``, written by ``fixtures/make_reference_more.py``)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import optimizers
from landscapes.problem import Quadratic, Rosenbrock, as_problem
from optimizers.base import validate

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "reference_more.json").read_text())
PARITY_TOLERANCE = 1e-9


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def fixture_problem(spec):
    """The problem a fixture case names, built as the fixture script builds it in torch."""
    p = spec["p"]
    if spec["name"] == "rosenbrock" and p > 2:
        return Rosenbrock(p)
    if spec["name"] == "quadratic":
        a = 2.0 * np.eye(p) - 0.5 * (np.eye(p, k=1) + np.eye(p, k=-1))
        return Quadratic(a, [((i % 5) - 2) / 2 for i in range(p)])
    return spec["name"]


def kept_steps(case):
    steps, every = case["steps"], case["every"]
    kept = list(range(0, steps + 1, every))
    return kept if kept[-1] == steps else [*kept, steps]


# ------------------------------------------------------------------------------ closed forms


@pytest.mark.parametrize("p", [3, 10, 40])
def test_gradient_descent_on_a_quadratic_is_the_matrix_power(p):
    problem = Quadratic.random(p, condition=20.0, seed=p)
    lr, start = 0.05, problem.init(1)
    points = optimizers.run(problem, "sgd", start=start, steps=30, lr=lr).points
    assert points.shape == (31, p)
    minimum = problem.minimum()
    iteration = np.eye(p) - lr * problem.a
    expected = [minimum + np.linalg.matrix_power(iteration, t) @ (start - minimum) for t in range(31)]
    np.testing.assert_allclose(points, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [2, 7, 30])
def test_newton_lands_on_a_quadratic_minimum_in_one_step(p):
    problem = Quadratic.random(p, condition=100.0, seed=p)
    starts = np.random.default_rng(p).uniform(-3, 3, (4, p))
    points = optimizers.run(problem, "newton", start=starts, steps=2).points
    np.testing.assert_allclose(points[:, 1:], np.broadcast_to(problem.minimum(), (4, 2, p)), atol=1e-10)


def test_damped_newton_on_a_quadratic_solves_the_damped_system():
    problem = Quadratic.random(6, seed=3)
    start = problem.init(0)
    points = optimizers.run(problem, "newton", start=start, steps=1, lr=0.5, damping=2.0).points
    gradient = problem.a @ start - problem.b
    np.testing.assert_allclose(points[1], start - 0.5 * np.linalg.solve(problem.a + 2 * np.eye(6), gradient))


def test_newton_on_a_singular_system_diverges():
    problem = Quadratic(np.diag([1.0, 0.0, 2.0]))
    trajectory = optimizers.run(
        problem, "newton", start=[[1.0, 1.0, 1.0], [1.0, 2.0, 3.0]], steps=3, damping=[0.0, 1.0]
    )
    assert list(trajectory.diverged_at) == [1, -1]


def test_newton_on_a_surface_gets_the_same_steps_as_through_the_protocol():
    direct = optimizers.run("rosenbrock", "newton", start=(-1.2, 1.0), steps=6, damping=1.0)
    assert direct.points.shape == (7, 2)
    problem = Rosenbrock(2)
    general = optimizers.run(problem, "newton", start=(-1.2, 1.0), steps=6, damping=1.0)
    np.testing.assert_allclose(direct.points, general.points, rtol=1e-12)


@pytest.mark.parametrize("problem", [Quadratic.random(5, seed=1), Rosenbrock(6)], ids=lambda p: p.name)
def test_problem_gradients_and_hessians_match_finite_differences(problem):
    params = np.random.default_rng(0).uniform(-1.5, 1.5, (3, problem.n_params))
    loss, gradient = problem.value_and_gradient(params)
    np.testing.assert_array_equal(problem.value(params), loss)
    h = 1e-6
    for i in range(problem.n_params):
        step = np.zeros(problem.n_params)
        step[i] = h
        up, down = problem.value_and_gradient(params + step), problem.value_and_gradient(params - step)
        np.testing.assert_allclose(gradient[:, i], (up[0] - down[0]) / (2 * h), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(
            problem.hessian(params)[:, :, i], (up[1] - down[1]) / (2 * h), rtol=1e-6, atol=1e-5
        )


# ------------------------------------------------------------------------------ the contract at P > 2


def _examples(name):
    """Per-run hyperparameters from the optimizer's own examples: one run per set, every value per run."""
    optimizer = optimizers.get(name)
    sets = [{**optimizer.defaults, **hp} for hp in optimizer.examples]
    for i, hp in enumerate(sets):
        hp["lr"] *= 1 + 0.1 * i
    return sets, {h.name: [hp[h.name] for hp in sets] for h in optimizer.hyperparameters}


@pytest.mark.parametrize("name", optimizers.names())
def test_a_batch_on_p_parameters_equals_its_runs_one_by_one(name):
    problem = Rosenbrock(7)
    sets, per_run = _examples(name)
    starts = 1.0 + np.random.default_rng(0).uniform(-0.3, 0.3, (len(sets), 7))
    batch = optimizers.run(problem, name, start=starts, steps=15, record_state=True, **per_run)
    assert batch.points.shape == (len(sets), 16, 7) and batch.gradients.shape == (len(sets), 16, 7)
    for i, hp in enumerate(sets):
        single = optimizers.run(problem, name, start=starts[i], steps=15, record_state=True, **hp)
        np.testing.assert_array_equal(batch.points[i], single.points)
        for field, values in single.states.items():
            assert values.shape == (16, 7), field
            np.testing.assert_array_equal(batch.states[field][i], values, err_msg=field)


@pytest.mark.parametrize("name", optimizers.names())
def test_the_state_kept_at_a_few_steps_is_the_full_record_there(name):
    """``record_state`` as a list of steps keeps only those points' states, the same numbers as
    the full record, at the points ``state_steps`` says; a run that diverges at once has NaN
    states in both."""
    problem = Rosenbrock(5)
    sets, per_run = _examples(name)
    starts = 1.0 + np.random.default_rng(1).uniform(-0.3, 0.3, (len(sets), 5))
    starts[0] = 1e160  # past the valid region at once: diverged from step 0
    kept = [0, 1, 4, 9, 12]
    full = optimizers.run(problem, name, start=starts, steps=12, record_state=True, **per_run)
    few = optimizers.run(problem, name, start=starts, steps=12, record_state=kept, **per_run)
    assert full.diverged_at[0] == few.diverged_at[0] == 0
    np.testing.assert_array_equal(few.points, full.points)
    assert few.states.keys() == full.states.keys()
    np.testing.assert_array_equal(few.state_steps, kept)
    np.testing.assert_array_equal(full.state_steps, np.arange(13))
    for field, values in few.states.items():
        assert values.shape == (len(sets), len(kept), 5), field
        np.testing.assert_array_equal(values, full.states[field][:, kept], err_msg=field)


def test_a_run_that_diverges_between_kept_steps_has_nan_states_from_there_on():
    """SGD with momentum on a bowl at a rate that multiplies the distance by ~1e10 a step: from
    1e100 the loss overflows at step 6, between the kept points 4 and 9; the other run is finite."""
    problem = Quadratic(np.eye(3), [0.0, 0.0, 0.0])
    kept = [0, 1, 4, 9, 12]
    starts = [[1e100] * 3, [1.0] * 3]
    run = optimizers.run(problem, "sgd", start=starts, steps=12, lr=1e10, momentum=0.5, record_state=kept)
    full = optimizers.run(problem, "sgd", start=starts, steps=12, lr=1e10, momentum=0.5, record_state=True)
    assert 4 < run.diverged_at[0] < 9 and run.diverged_at[1] == -1
    buffer = run.states["momentum_buffer"]
    assert np.isfinite(buffer[0, :3]).all() and np.isnan(buffer[0, 3:]).all()
    assert np.isfinite(buffer[1]).all()
    np.testing.assert_array_equal(buffer, full.states["momentum_buffer"][:, kept])


@pytest.mark.parametrize("bad", [[3, 1], [0, 13], [-1, 2], [], [0.5], "all", [[1, 2]]])
def test_record_state_steps_must_be_increasing_whole_numbers_within_the_run(bad):
    wanted = "record_state must be True, False or increasing whole numbers within 0..12"
    with pytest.raises(ValueError, match=wanted):
        optimizers.run(Rosenbrock(3), "adam", start=np.zeros(3), steps=12, record_state=bad)


def test_starts_of_the_wrong_size_are_refused():
    problem = Quadratic.random(4)
    with pytest.raises(
        ValueError, match=r"start must be 4 numbers or a list of them, one per run, got shape \(2,\)"
    ):
        optimizers.run(problem, "adam", start=(1.0, 2.0))
    with pytest.raises(ValueError, match="start must be"):
        optimizers.run(problem, "adam", start=np.zeros((3, 5)))


def test_a_problem_without_a_start_uses_init_of_each_seed():
    problem = Quadratic.random(4)
    one = optimizers.run(problem, "sgd", steps=0)
    np.testing.assert_array_equal(one.points[0], problem.init(0))
    two = optimizers.run(problem, "sgd", steps=0, seed=[3, 4])
    np.testing.assert_array_equal(two.points[:, 0], [problem.init(3), problem.init(4)])


class _NoHessian:
    """A quadratic without its Hessian: the protocol's required members only."""

    name, title, n_params = "bare", "a bare quadratic", 3

    def value(self, params):
        return 0.5 * (params**2).sum(axis=1)

    def value_and_gradient(self, params):
        return self.value(params), params.copy()


@pytest.mark.parametrize("name", optimizers.names())
def test_an_optimizer_runs_exactly_where_it_says_it_is_supported(name):
    problem = _NoHessian()
    if optimizers.supports(name, problem):
        assert optimizers.unsupported(name, problem) is None
        assert np.isfinite(optimizers.run(problem, name, np.ones(3), 3).losses).all()
        return
    with pytest.raises(optimizers.UnsupportedProblemError) as caught:
        optimizers.run(problem, name, np.ones(3), 3)
    message = str(caught.value)
    assert message == optimizers.unsupported(name, problem)
    assert optimizers.get(name).title in message and "a bare quadratic" in message
    assert caught.value.missing == list(optimizers.get(name).requires)


def test_newton_is_refused_on_a_network_with_the_missing_hessian_named():
    from landscapes.network import network

    net = network(hidden=(4,), n=20)
    assert not optimizers.supports("newton", net)
    assert optimizers.supports("newton", Quadratic(np.eye(3))) and optimizers.supports("newton", "saddle")
    with pytest.raises(ValueError, match=r"^Newton needs the exact Hessian .* choose another optimizer$"):
        optimizers.run(net, "newton", steps=2)
    assert [n for n in optimizers.names() if not optimizers.supports(n, net)] == ["newton"]


def test_something_that_is_not_a_problem_is_refused():
    with pytest.raises(ValueError, match="lacks n_params, value, value_and_gradient"):
        optimizers.run(object.__new__(type("Thing", (), {"name": "thing"})), "sgd")


def test_a_run_diverges_when_its_loss_stops_being_finite():
    problem = Quadratic(-np.eye(3))  # unbounded below: gradient ascent on ‖θ‖² runs away
    trajectory = optimizers.run(problem, "sgd", start=[[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]], steps=2000, lr=0.5)
    stop = trajectory.diverged_at[0]
    assert stop > 0 and trajectory.diverged_at[1] == -1
    assert np.isnan(trajectory.points[0, stop:]).all() and np.isfinite(trajectory.points[0, :stop]).all()


def test_the_surface_adapter_gives_the_surfaces_numbers():
    problem = as_problem("himmelblau")
    params = np.array([[0.5, -1.0], [2.0, 3.0]])
    loss, gradient = problem.value_and_gradient(params)
    surface = problem.landscape
    np.testing.assert_array_equal(loss, surface.value(params[:, 0], params[:, 1]))
    np.testing.assert_array_equal(gradient.T, surface.gradient(params[:, 0], params[:, 1]))
    hxx, hxy, hyy = surface.hessian(params[:, 0], params[:, 1])
    np.testing.assert_array_equal(
        problem.hessian(params), np.stack([[hxx, hxy], [hxy, hyy]]).transpose(2, 0, 1)
    )


# ------------------------------------------------------------------------------ mini-batches and noise


class LeastSquares:
    """L(θ) = (1/N) Σᵢ ½ (xᵢ·θ − yᵢ)², N examples in P dimensions, with mini-batch gradients."""

    def __init__(self, n=12, p=4, seed=0):
        rng = np.random.default_rng(seed)
        self.x, self.y = rng.standard_normal((n, p)), rng.standard_normal(n)
        self.name, self.title, self.n_params, self.n_examples = "least_squares", "Least squares", p, n

    def value(self, params):
        return 0.5 * ((params @ self.x.T - self.y) ** 2).mean(axis=1)

    def value_and_gradient(self, params):
        residual = params @ self.x.T - self.y  # (K, N)
        return 0.5 * (residual**2).mean(axis=1), residual @ self.x / self.n_examples

    def batch_gradient(self, params, idx):
        x = self.x[idx]  # (K, B, P)
        residual = np.einsum("kbp,kp->kb", x, params) - self.y[idx]
        return np.einsum("kb,kbp->kp", residual, x) / idx.shape[1]


def test_one_epoch_of_single_example_gradients_averages_to_the_full_gradient():
    problem = LeastSquares()
    start = np.full(4, 0.3)
    trajectory = optimizers.run(
        problem, "sgd", start=start, steps=problem.n_examples, lr=0.0, batch_size=1, seed=5
    )
    full = problem.value_and_gradient(start[None])[1][0]
    np.testing.assert_allclose(trajectory.gradients[:-1].mean(axis=0), full, rtol=1e-12, atol=1e-14)
    assert not np.allclose(trajectory.gradients[0], full)  # each one is a single example's
    np.testing.assert_allclose(trajectory.losses, problem.value(start[None])[0], rtol=1e-15)


def test_the_full_batch_is_the_exact_gradient():
    problem = LeastSquares()
    exact = optimizers.run(problem, "adam", start=np.zeros(4), steps=20, lr=0.1)
    full = optimizers.run(problem, "adam", start=np.zeros(4), steps=20, lr=0.1, batch_size=problem.n_examples)
    np.testing.assert_array_equal(exact.points, full.points)


def test_noise_on_p_parameters_has_the_asked_spread_in_every_coordinate():
    problem = Quadratic.random(6)
    start = problem.init(0)
    trajectory = optimizers.run(problem, "sgd", start=start, steps=4000, lr=0.0, noise=0.5, seed=2)
    exact = problem.value_and_gradient(start[None])[1][0]
    spread = (trajectory.gradients - exact).std(axis=0)
    np.testing.assert_allclose(spread, 0.5, rtol=0.06)


def test_batch_size_needs_a_problem_with_examples():
    with pytest.raises(ValueError, match="batch_size needs a loss over a data set"):
        optimizers.run(Quadratic.random(3), "sgd", batch_size=2)


# ------------------------------------------------------------------------------ torch parity at P > 2

P_CASES = REFERENCE["p_cases"]


@pytest.mark.parametrize(
    "case", P_CASES, ids=[f"{c['optimizer']}-{c['problem']['name']}{c['problem']['p']}" for c in P_CASES]
)
def test_p_parameter_trajectory_matches_torch(case):
    trajectory = optimizers.run(
        fixture_problem(case["problem"]),
        case["optimizer"],
        start=case["start"],
        steps=case["steps"],
        **case["hyperparameters"],
    )
    assert trajectory.diverged_at == -1
    deviation = np.max(np.abs(trajectory.points[kept_steps(case)] - np.array(case["points"])))
    assert deviation <= PARITY_TOLERANCE, f"max deviation from torch {deviation:.3g}"


def test_p_parity_covers_every_torch_optimizer_on_every_size():
    torch_names = [n for n in optimizers.names() if optimizers.get(n).reference.startswith("torch.optim.")]
    sizes = {(c["optimizer"], c["problem"]["p"]) for c in P_CASES}
    old = {c["optimizer"] for c in P_CASES}
    assert old and old <= set(torch_names)
    assert all((name, p) in sizes for name in old for p in (5, 20))


def test_fixture_hyperparameters_validate_as_given():
    # The hyperparameters a fixture case gives are accepted by the spec as they are.
    for case in P_CASES:
        validate(optimizers.get(case["optimizer"]), case["hyperparameters"])


# ------------------------------------------------------------------------------ closures (sub-steps)


def closure_optimizers():
    return [n for n in optimizers.names() if optimizers.get(n).needs_closure]


@pytest.mark.parametrize("name", closure_optimizers())
def test_sub_steps_are_evaluations_of_the_problem_padded_with_nan(name):
    problem = Rosenbrock(4)
    starts = problem.init(0) + np.array([[0.0], [0.3], [-0.2]])
    trajectory = optimizers.run(problem, name, start=starts, steps=4)
    k, steps, e, p = trajectory.substeps.shape
    assert (k, steps, p) == (3, 4, 4) and e >= 1
    found = np.isfinite(trajectory.substeps[..., 0])
    counts = found.sum(axis=2)
    assert (found == (np.arange(e) < counts[..., None])).all()  # each step's evaluations first, then NaN
    assert len(set(counts.reshape(-1).tolist())) > 1  # runs and steps take different numbers of them
    losses = problem.value(trajectory.substeps[found])
    np.testing.assert_array_equal(trajectory.substep_losses[found], losses)


@pytest.mark.parametrize("name", closure_optimizers())
def test_evaluations_within_a_step_use_the_steps_batch_and_noise(name):
    problem = LeastSquares()
    trajectory = optimizers.run(problem, name, start=np.zeros(4), steps=3, batch_size=3, noise=0.1, seed=4)
    # Sub-step i of step 0 lies on the line the step searches along, and the step's gradient is the
    # batch gradient plus noise: with the same batch and noise at every evaluation, torch's closure over
    # one batch, the first inner point is start − t · g₀ for one t.
    first = trajectory.substeps[0, 0]
    direction = first - trajectory.points[0]
    g0 = trajectory.gradients[0]
    np.testing.assert_allclose(direction / np.linalg.norm(direction), -g0 / np.linalg.norm(g0), rtol=1e-12)
    found = np.isfinite(trajectory.substep_losses)
    losses = problem.value(trajectory.substeps[found])  # a BLAS product: rows may round differently in bulk
    np.testing.assert_allclose(trajectory.substep_losses[found], losses, rtol=1e-13)
    again = optimizers.run(problem, name, start=np.zeros(4), steps=3, batch_size=3, noise=0.1, seed=4)
    np.testing.assert_array_equal(again.substeps, trajectory.substeps)  # the seed fixes them


def test_lbfgs_with_a_line_search_solves_a_quadratic_in_p_dimensions():
    problem = Quadratic.random(12, condition=50.0, seed=4)
    trajectory = optimizers.run(
        problem, "lbfgs", start=problem.init(0), steps=3, line_search_fn="strong_wolfe"
    )
    # 3 steps of up to 20 iterations: a step stops once the loss changes by < tolerance_change (1e-9).
    np.testing.assert_allclose(trajectory.points[-1], problem.minimum(), atol=1e-5)
    lowest = problem.value(problem.minimum()[None])[0]
    assert trajectory.losses[-1] - lowest < 1e-9 < trajectory.losses[0] - lowest


def test_a_line_search_that_runs_off_a_surface_with_no_bottom_is_a_divergence():
    # On the saddle the strong-Wolfe search extrapolates ×10 per trial until the numbers overflow:
    # torch's tensors turn inf and NaN there, and so must ours (Python floats raised OverflowError).
    trajectory = optimizers.run(
        "saddle", "lbfgs", start=(0.5478, -0.9209), steps=60, line_search_fn="strong_wolfe"
    )
    assert 0 < trajectory.diverged_at < 60
    assert np.isfinite(trajectory.points[: trajectory.diverged_at]).all()
    assert np.isnan(trajectory.points[trajectory.diverged_at :]).all()
