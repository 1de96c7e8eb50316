"""The optimizers added with the P-parameter engine against their references: torch 2.13's Rprop,
ASGD, Adafactor and LBFGS, schedulefree's SGDScheduleFree and AdamWScheduleFree, prodigyopt's Prodigy.

``fixtures/reference_more.json`` (written by ``fixtures/make_reference_more.py`` in a side
virtualenv; this suite never imports torch or those packages) holds their trajectories over the
configurations of their own test suites, the state they keep, L-BFGS's inner evaluations, their
keyword defaults and what their constructors reject. Which optimizers are checked comes from the
fixture and each spec's ``reference``, so no test here names an optimizer.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from test_engine_p import fixture_problem, kept_steps

import optimizers

REFERENCE = json.loads((Path(__file__).parent / "fixtures" / "reference_more.json").read_text())
NEWER = list(REFERENCE["defaults"])
CASES = REFERENCE["cases"]
PARITY_TOLERANCE = 1e-9
STATE_EVERY = 10


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def from_json(value):
    if isinstance(value, list):
        return tuple(from_json(v) for v in value)
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    return value


def case_id(case):
    hp = ",".join(f"{k}={v}" for k, v in case["hyperparameters"].items())
    return f"{case['optimizer']}-{case['problem']['name']}{case['problem']['p']}-{hp}"


def run_case(case, **extra):
    hp = {k: from_json(v) for k, v in case["hyperparameters"].items()}
    return optimizers.run(
        fixture_problem(case["problem"]),
        case["optimizer"],
        start=case["start"],
        steps=case["steps"],
        **hp,
        **extra,
    )


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_trajectory_and_state_match_the_reference(case):
    trajectory = run_case(case, record_state=True)
    assert trajectory.diverged_at == -1
    expected = np.array(case["points"])
    deviation = np.max(np.abs(trajectory.points[kept_steps(case)] - expected))
    assert deviation <= PARITY_TOLERANCE, f"max deviation from the reference {deviation:.3g}"
    for field, values in case.get("states", {}).items():
        ours = trajectory.states[field][STATE_EVERY::STATE_EVERY]
        scale = max(1.0, float(np.max(np.abs(values))))
        np.testing.assert_allclose(ours, values, rtol=0, atol=PARITY_TOLERANCE * scale, err_msg=field)
    if "substeps" in case:
        check_inner_evaluations(case, trajectory)
    else:
        assert trajectory.substeps is None


def check_inner_evaluations(case, trajectory):
    """L-BFGS's sub-steps: every inner evaluation of every step, in order, and the loss there."""
    for step, evaluations in enumerate(case["substeps"]):
        ours = trajectory.substeps[step]
        count = int(np.isfinite(ours[:, 0]).sum())
        assert count == len(evaluations), (
            f"step {step}: {count} evaluations, the reference has {len(evaluations)}"
        )
        if evaluations:
            np.testing.assert_allclose(
                ours[:count], evaluations, rtol=PARITY_TOLERANCE, atol=PARITY_TOLERANCE
            )
        np.testing.assert_array_equal(np.isnan(ours[count:]), True)
    # The loss at each sub-step is the problem's there.
    problem = fixture_problem(case["problem"])
    found = np.isfinite(trajectory.substep_losses)
    if found.any():
        surface = optimizers.run(problem, "sgd", start=trajectory.substeps[found], steps=0, lr=0.0)
        # The same loss, batched otherwise: SIMD paths may differ by an ulp between machines.
        np.testing.assert_allclose(trajectory.substep_losses[found], surface.losses[:, 0], rtol=1e-12, atol=0)


def test_every_optimizer_of_the_reference_is_registered_and_every_registered_one_is_checked():
    names = optimizers.names()
    assert set(NEWER) <= set(names)
    for name in names:
        if optimizers.get(name).reference.split(".")[0] in ("schedulefree", "prodigyopt"):
            assert name in NEWER, name


@pytest.mark.parametrize("name", NEWER)
def test_hyperparameters_and_defaults_are_the_references(name):
    ours = [(h.name, h.default) for h in optimizers.get(name).hyperparameters]
    theirs = [(key, from_json(value)) for key, value in REFERENCE["defaults"][name].items()]
    assert ours == theirs
    for (_, mine), (_, reference) in zip(ours, theirs, strict=True):
        assert isinstance(mine, bool) == isinstance(reference, bool)


@pytest.mark.parametrize("name", NEWER)
def test_every_example_is_in_the_reference(name):
    """Each example is recorded, on every problem (the script halves lr until the run is well
    conditioned, so only lr may differ)."""

    def without_lr(hp):
        return {k: tuple(v) if isinstance(v, list) else v for k, v in hp.items() if k != "lr"}

    recorded = [without_lr(c["hyperparameters"]) for c in CASES if c["optimizer"] == name]
    for example in optimizers.get(name).examples:
        assert without_lr(example) in recorded, example
    assert optimizers.get(name).reference.split(".")[0] in ("torch", "schedulefree", "prodigyopt")


ERRORS = REFERENCE["errors"]


@pytest.mark.parametrize("error", ERRORS, ids=[f"{e['optimizer']}-{e['message']}" for e in ERRORS])
def test_what_the_reference_rejects_is_rejected(error):
    hp = {k: from_json(v) for k, v in error["hyperparameters"].items()}
    with pytest.raises(ValueError) as raised:
        optimizers.run("bowl", error["optimizer"], steps=1, **hp)
    ours = str(raised.value)
    values = [v for value in hp.values() for v in (value if isinstance(value, tuple) else (value,))]
    bad = [v for v in values if (isinstance(v, float) and f"{v:g}" in ours) or str(v) in ours]
    assert bad, f"{ours!r} does not show the rejected value (the reference says {error['message']!r})"
    name = next(iter(hp))
    spec = optimizers.get(error["optimizer"]).spec(name)
    assert name in ours or spec.label in ours or spec.name.replace("_", " ") in ours.lower(), ours
