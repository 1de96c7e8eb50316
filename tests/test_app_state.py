"""Validation of every value the browser sends: pure functions, no server."""

from __future__ import annotations

import math

import pytest

import optimizers
from app import model, parsing


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "empty"),
        ("", "empty"),
        ("abc", "must be a number"),
        (True, "empty"),
        (float("nan"), "must be from"),
        (float("inf"), "must be from"),
        (1e300, "must be from"),
        ("1e7", "must be from"),
    ],
)
def test_parse_start_rejects_bad_values_with_a_message(value, message):
    with pytest.raises(ValueError, match=message):
        parsing.parse_start(value, 0.0)


def test_parse_start_accepts_numbers_and_numeric_strings():
    assert parsing.parse_start("1.5", -2) == (1.5, -2.0)


@pytest.mark.parametrize("steps", [0, -1, 2.5, model.MAX_STEPS + 1, "ten", None])
def test_parse_steps_rejects(steps):
    with pytest.raises(ValueError, match="steps"):
        parsing.parse_steps(steps)


def test_parse_steps_accepts_whole_numbers_in_range():
    assert parsing.parse_steps(200) == 200
    assert parsing.parse_steps(7.0) == 7
    assert parsing.parse_steps(model.MAX_STEPS) == model.MAX_STEPS


@pytest.mark.parametrize("name", [None, 3, "nope", ["bowl"]])
def test_parse_surface_rejects_unknown_names_listing_the_valid_ones(name):
    with pytest.raises(ValueError, match="bowl"):
        parsing.parse_surface(name)


def test_parse_run_fills_torch_defaults_and_reads_pairs_and_switches():
    spec = parsing.parse_run(
        "adam", {"lr": 0.01, "betas.0": 0.8, "betas.1": 0.99, "amsgrad": ["on"]}, model.PALETTE[2]
    )
    assert spec.optimizer == "adam"
    assert spec.hyperparameters["lr"] == 0.01
    assert spec.hyperparameters["betas"] == [0.8, 0.99]
    assert spec.hyperparameters["amsgrad"] is True
    assert spec.hyperparameters["eps"] == optimizers.get("adam").defaults["eps"]
    assert spec.color == model.PALETTE[2]
    assert spec.label() == "Adam (lr 0.01, betas (0.8, 0.99), amsgrad)"


@pytest.mark.parametrize(
    "optimizer, values, message",
    [
        ("sgd", {"lr": -1}, "Invalid learning rate: -1"),
        ("sgd", {"lr": "fast"}, "lr must be a number"),
        ("sgd", {"lr": float("nan")}, "Invalid learning rate"),
        ("sgd", {"momentum": -0.5}, "Invalid momentum value"),
        ("sgd", {"lr": 0.1, "nesterov": ["on"]}, "Nesterov momentum requires"),
        ("adam", {"betas.0": 1.0, "betas.1": 0.9}, "beta parameter at index 0"),
        ("adam", {"betas.0": "", "betas.1": 0.9}, "betas"),
        ("nope", {}, "Unknown optimizer 'nope'"),
        (None, {}, "Choose an optimizer"),
    ],
)
def test_parse_run_rejects_bad_settings_with_torchs_words(optimizer, values, message):
    with pytest.raises(ValueError, match=message):
        parsing.parse_run(optimizer, values)


def test_parse_run_ignores_an_unknown_colour():
    assert parsing.parse_run("sgd", {}, "javascript:alert(1)").color == model.PALETTE[0]


def test_parse_lr_list_reads_lists_and_log_ranges():
    assert parsing.parse_lr_list("0.001, 0.01 0.1;0.5") == [0.001, 0.01, 0.1, 0.5]
    values = parsing.parse_lr_list("0.001:1:4")
    assert values == pytest.approx([0.001, 0.01, 0.1, 1.0])
    assert all(math.isfinite(v) for v in values)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Enter learning rates"),
        (None, "Enter learning rates"),
        ("0.1, x", "must be a number"),
        ("0.1, -1", "must be from"),
        ("0, 0.1", "must be from"),
        (", ".join(["0.1"] * (model.MAX_PANELS + 1)), "at most"),
        ("0.001:1:1", "2 to"),
        ("0.001:1:50", "2 to"),
    ],
)
def test_parse_lr_list_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parsing.parse_lr_list(text)


def test_default_settings_are_valid_and_every_run_parses():
    settings = model.default_settings()
    parsing.parse_surface(settings["surface"])
    parsing.parse_start(*settings["start"])
    parsing.parse_steps(settings["steps"])
    for spec in settings["runs"]:
        parsed = parsing.parse_run(spec.optimizer, spec.hyperparameters, spec.color)
        assert parsed.hyperparameters | spec.hyperparameters == parsed.hyperparameters
    parsing.parse_lr_list(settings["compare_lrs"])


@pytest.mark.parametrize("name", optimizers.names())
def test_every_optimizer_survives_a_share_link_and_builds_its_card(name):
    """Each registry entry, its spec's kinds included (int, choice, None, inf), reaches a link and a card."""
    import json

    import plotly.io

    from app import links
    from app.components import run_card

    spec = parsing.parse_run(name, {})
    choices = [h for h in optimizers.get(name).hyperparameters if h.kind == "choice"]
    if choices:  # a non-default choice, so the link must carry it
        h = choices[0]
        other = next(c for c in h.choices if c != spec.hyperparameters[h.name])
        spec = parsing.parse_run(name, {h.name: parsing.NONE_CHOICE if other is None else other})
    settings = {**model.default_settings(), "runs": [spec]}
    back = links.decode_settings(links.encode_settings(settings))
    assert back["runs"][0].optimizer == name
    assert back["runs"][0].hyperparameters == spec.hyperparameters
    controls = run_card.hyperparameter_controls("r0", spec)
    text = plotly.io.json.to_json_plotly([c.to_plotly_json() for c in controls])
    assert "Infinity" not in text and "NaN" not in text
    json.loads(text)


def test_the_learning_rate_slider_marks_powers_of_ten_in_short_labels():
    from app.components import run_card

    plain = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    for exponent in range(-12, 13):
        label = run_card.power_of_ten(exponent)
        assert len(label) <= 5, label  # "10⁻¹²" at most: marks 2 decades apart fit a narrow slider
        value = 10.0 ** int(label[2:].translate(plain)) if label.startswith("10") and len(label) > 2 else None
        assert (value if value is not None else float(label)) == pytest.approx(10.0**exponent)
    slider = run_card.lr_control(0, 0.01).children[1].children
    assert [m["label"] for m in slider.marks.values()] == ["10⁻⁵", "10⁻³", "0.1", "10"]
