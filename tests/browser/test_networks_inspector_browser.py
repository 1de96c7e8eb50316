"""The Networks view's step inspector in a real headless Chromium: train, play, pause, pick the second
network, and the inspector shows, at the paused step, the engine's numbers for it: the learning
rate, L, ‖∇L‖, ‖Δw‖ and the five parameters that moved most (torch names, w, ∂L/∂w, Δw and the
state the step made: Adam's exp_avg, exp_avg_sq). The console
must stay clean (conftest)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
from test_networks import open_networks, wait_for_traces

import optimizers
from app.networks import figures, inspector
from app.networks import ids as net_ids
from app.networks import training as trainer
from app.networks.settings import DEFAULT

SETUP = replace(DEFAULT, hidden=(8,), lrs=(0.02, 0.2), steps=120)

# The inspector's heading line once it shows network ``which`` (its label) at the step label's step.
AT_LABEL_JS = f"""(label) => {{
    const box = document.getElementById('{net_ids.INSPECTOR}');
    const step = document.getElementById('{net_ids.STEP_LABEL}').innerText.trim();
    const first = box && box.firstElementChild;
    return !!first && first.innerText.startsWith(label + ' ·') && first.innerText.endsWith(' ' + step)
        && box.querySelectorAll('tbody tr').length === 5;
}}"""


def shown(text: str, name: str) -> float:
    """The number after ``name =`` in the inspector's text."""
    found = re.search(re.escape(name) + r" = (\S+)", text)
    assert found, (name, text)
    return float(found.group(1))


def close(value: float, exact: float) -> bool:
    """As the inspector writes numbers: 4 decimals, or 4 significant digits below 10⁻³."""
    return abs(value - exact) <= 5.1e-5 + 5e-4 * abs(exact)


def test_the_inspector_shows_the_engines_numbers_at_the_paused_step(app_page):
    page = app_page
    open_networks(page)
    page.fill(f"#{net_ids.LRS}", "0.02, 0.2")
    page.fill(f"#{net_ids.HIDDEN}", "8")
    page.fill(f"#{net_ids.STEPS}", "120")
    page.click(f"#{net_ids.TRAIN}")
    wait_for_traces(page, figures.CLASS_TRACES * 2)
    page.wait_for_function(
        f"() => document.getElementById('{net_ids.STEP_LABEL}').innerText.trim() === 'step 120'"
    )
    page.click(f"#{net_ids.INSPECT_RUN}")
    page.get_by_role("option", name="lr 0.2", exact=True).click()
    page.wait_for_function(
        f"() => document.getElementById('{net_ids.INSPECTOR}').innerText.startsWith('lr 0.2 ·')"
    )
    page.click(f"#{net_ids.PLAY}")  # from the start: the last snapshot is shown
    page.wait_for_function(  # a few snapshots in, then pause
        f"() => ['step 0', 'step 1', 'step 120'].indexOf("
        f"document.getElementById('{net_ids.STEP_LABEL}').innerText.trim()) < 0"
    )
    page.click(f"#{net_ids.PLAY}")
    page.wait_for_function(f"() => document.getElementById('{net_ids.PLAY}').innerText.includes('Play')")
    page.wait_for_function(AT_LABEL_JS, arg="lr 0.2")
    step = int(page.inner_text(f"#{net_ids.STEP_LABEL}").split()[-1])
    assert 0 < step < 120, step
    text = page.inner_text(f"#{net_ids.INSPECTOR}")
    rows = [
        [cell.strip() for cell in row.split("\t")]
        for row in page.locator(f"#{net_ids.INSPECTOR} tbody tr").all_inner_texts()
    ]

    head = [cell.strip() for cell in page.locator(f"#{net_ids.INSPECTOR} thead tr").inner_text().split("\t")]
    assert head == ["parameter", "w", "∂L/∂w", "Δw", "exp_avg", "exp_avg_sq"]  # Adam's state, torch's names

    net, _ = trainer.run(SETUP)
    trajectory = optimizers.run(  # the engine with every step's state
        net, SETUP.optimizer, start=np.tile(net.init(SETUP.init_seed), (2, 1)), steps=SETUP.steps,
        lr=list(SETUP.lrs), record_state=True, **SETUP.options, **SETUP.hyperparameters,
    )  # fmt: skip
    points, gradients = trajectory.points[1], trajectory.gradients[1]
    made = [trajectory.states[name][1, step + 1] for name in head[4:]]  # the state the step made
    delta = points[step + 1] - points[step]
    assert close(shown(text, "α"), 0.2)
    assert close(shown(text, "L(w)"), trajectory.losses[1, step])
    assert close(shown(text, "‖∇L‖"), np.linalg.norm(gradients[step]))
    assert close(shown(text, "‖Δw‖"), np.linalg.norm(delta))
    largest = np.argsort(-np.abs(delta), kind="stable")[:5]
    assert [row[0] for row in rows] == [inspector.parameter_name(net, int(i)) for i in largest]
    for row, i in zip(rows, largest, strict=True):
        numbers = (points[step, i], gradients[step, i], delta[i], *(state[i] for state in made))
        for value, exact in zip(row[1:], numbers, strict=True):
            assert close(float(value), exact), (row, exact)
