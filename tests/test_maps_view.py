"""The Maps panel without a browser: its components, and the pure helpers its callbacks use."""

from __future__ import annotations

import pytest
from dash import State, html

import landscapes
import optimizers
from app import ids, links, model, parsing
from app import outcome as outcomes
from app.components import run_card
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.maps import figures as maps_figures
from app.maps import ids as maps_ids
from app.maps import layout as maps_layout
from app.maps import settings as maps_settings
from app.shell import compute
from app.shell import figures as shell_figures
from app.shell import layout as shell_layout
from optimizers import maps


def walk(node):
    """Every component of a tree (children lists, single children, strings skipped)."""
    if isinstance(node, (list, tuple)):
        for child in node:
            yield from walk(child)
        return
    if not hasattr(node, "to_plotly_json"):
        return
    yield node
    yield from walk(getattr(node, "children", None))


def component_ids(tree) -> list:
    return [c.id for c in walk(tree) if getattr(c, "id", None) is not None]


# ------------------------------------------------------------------------------------ the panel


def test_the_panel_builds_with_every_id_once():
    found = component_ids(maps_layout.tabs())
    assert len(found) == len(set(map(str, found)))
    for name in (
        "PANEL", "TAB", "MAP_OPTIMIZER", "MAP_X", "MAP_Y", "MAP_GRID", "MAP_METRIC", "MAP_COMPUTE",
        "MAP_ERROR", "MAP_GRAPH", "MAP_TIMING", "MAP_META", "BASIN_OPTIMIZER", "BASIN_LR",
        "BASIN_GRID", "BASIN_COMPUTE", "BASIN_ERROR", "BASIN_GRAPH", "BASIN_COUNTS", "RACE_OPTIMIZERS",
        "RACE_TOL", "RACE_COMPUTE", "RACE_ERROR", "RACE_GRAPH", "RACE_TABLE",
    ):  # fmt: skip
        assert getattr(maps_ids, name) in found, name


def test_the_panel_has_three_tabs_and_sgd_lr_by_momentum_first():
    by_id = {c.id: c for c in walk(maps_layout.tabs()) if getattr(c, "id", None) is not None}
    assert [o["label"] for o in by_id[maps_ids.TAB].options] == [
        "Hyperparameter map",
        "Basins",
        "Fair comparison",
    ]
    assert by_id[maps_ids.MAP_OPTIMIZER].value == "sgd"
    assert (by_id[maps_ids.MAP_X].value, by_id[maps_ids.MAP_Y].value) == ("lr", "momentum")
    assert by_id[maps_ids.MAP_GRID].value == 40
    assert (maps_settings.MAP_GRID_RANGE, maps_settings.BASIN_GRID_RANGE) == ((8, 64), (20, 80))
    for box in (maps_ids.MAP_GRID, maps_ids.BASIN_GRID, maps_ids.BASIN_LR, maps_ids.BASIN_MOMENTUM):
        assert by_id[box].type == "text", "a number box sends the text typed, so its message can say why"
    assert by_id[maps_ids.RACE_OPTIMIZERS].value == ["sgd", "adam", "rmsprop"]
    assert float(by_id[maps_ids.RACE_TOL].value) == 1e-6


def test_the_page_has_the_maps_mode_view_and_a_hint_under_each_learning_rate():
    settings = model.default_settings()
    page = shell_layout.page(settings, {}, {})
    found = component_ids(page)
    assert "maps-view" in found
    assert [RunCard.ids.lr_hint(i) for i in range(len(settings["runs"]))] == [
        i for i in found if isinstance(i, dict) and i.get("subcomponent") == "lr-hint"
    ]
    mode = next(c for c in walk(page) if getattr(c, "id", None) == ids.MODE)
    assert "maps" in [o["value"] for o in mode.options]


# ------------------------------------------------------------------------------------- the axes


@pytest.mark.parametrize(
    "optimizer, axes",
    [
        ("sgd", ("lr", "momentum")),
        ("rmsprop", ("lr", "momentum")),
        ("adam", ("lr", "betas.1")),
        ("adamw", ("lr", "betas.1")),
        ("lion", ("lr", "betas.1")),
        ("adagrad", ("lr", "lr_decay")),
        ("newton", ("lr", "damping")),
    ],
)
def test_default_axes(optimizer, axes):
    assert maps_settings.default_axes(optimizer) == axes


def test_axes_are_kept_when_the_new_optimizer_has_them():
    assert maps_settings.axes_for("rmsprop", "momentum", "lr") == ("momentum", "lr")
    assert maps_settings.axes_for("adam", "lr", "momentum") == ("lr", "betas.1")
    assert maps_settings.axes_for("sgd", "lr", "lr") == ("lr", "momentum")


def test_axis_options_are_the_mappable_hyperparameters():
    options = maps_settings.axis_options("adam")
    assert [o["value"] for o in options] == maps.mappable("adam")
    assert options[0]["label"] == "learning rate"


def test_grid_values_are_rounded_and_span_the_ui_range():
    values = maps_settings.grid_values("sgd", "lr", 12)
    assert len(values) == 12 == len(set(values))
    assert values[0] == 1e-4 and values[-1] == 10.0
    assert all(float(f"{v:.3g}") == v for v in values)  # short enough for a run card's lr box
    assert maps_settings.grid_values("sgd", "momentum", 8)[-1] == 0.99


@pytest.mark.parametrize("optimizer", optimizers.names())
def test_rounded_grids_keep_every_value_distinct_at_the_largest_grid(optimizer):
    for param in maps.mappable(optimizer):
        assert len(set(maps_settings.grid_values(optimizer, param, maps_settings.MAP_GRID_RANGE[1]))) == 64


# ---------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "args, words",
    [
        (("nope", "lr", "momentum", 40, "final"), "Unknown optimizer"),
        ((None, "lr", "momentum", 40, "final"), "Choose an optimizer"),
        (("sgd", "lr", "betas.1", 40, "final"), "y axis"),
        (("sgd", "lr", "lr", 40, "final"), "two different"),
        (("sgd", "lr", "momentum", 40, "median"), "colour"),
        (("sgd", "lr", "momentum", 65, "final"), "grid must be from 8 to 64"),
        (("sgd", "lr", "momentum", 7, "final"), "grid must be from 8 to 64"),
        (("sgd", "lr", "momentum", None, "final"), "grid must be a whole number from 8 to 64"),
        (("sgd", "lr", "momentum", 12.5, "final"), "whole number"),
    ],
)
def test_a_bad_map_request_is_refused_in_plain_words(args, words):
    with pytest.raises(ValueError, match=words):
        maps_settings.parse_map_request(*args)


@pytest.mark.parametrize("value", [None, "", "x", float("inf")])
def test_a_box_that_is_not_a_number_is_refused(value):
    with pytest.raises(ValueError, match="tol must be"):
        maps_settings.parse_value(value, "tol")


def test_a_number_out_of_the_engines_range_passes_to_the_engine():
    """-1 is a number: the engine refuses it with its own message (``Invalid tol: -1.0 ...``)."""
    assert maps_settings.parse_value("-1", "tol") == -1.0


def test_a_good_map_request():
    assert maps_settings.parse_map_request("adam", "lr", "betas.1", 12, "best") == {
        "optimizer": "adam",
        "x_param": "lr",
        "y_param": "betas.1",
        "n": 12,
        "metric": "best",
    }


def test_a_bad_sidebar_says_where_to_fix_it():
    with pytest.raises(ValueError, match=r"sidebar.*steps"):
        maps_settings.parse_setup("bowl", None, 0, 0, 5000)
    with pytest.raises(ValueError, match=r"sidebar.*formula"):
        maps_settings.parse_setup(model.CUSTOM, "", 0, 0, 50)
    landscape, start, steps = maps_settings.parse_setup("bowl", None, "1", 2, 30)
    assert (landscape.name, start, steps) == ("bowl", (1.0, 2.0), 30)


def test_a_custom_surface_maps_too():
    landscape, start, steps = maps_settings.parse_setup(model.CUSTOM, "x^2 + 3*y^2", 1, 1, 50)
    assert run_card.stability_hint(landscape, start) == "Plain GD stable for lr < 2/λ_max = 0.333"
    b = maps.basins(landscape, "sgd", steps, 20, lr=0.1)
    items = [c for c in walk(maps_layout.basin_counts(b)) if isinstance(c, html.Li)]
    # No listed (global) minimum, but the search finds the bowl's bottom: a local minimum, as far as
    # anyone can tell from a formula; then not converged and diverged.
    assert [item.children[1].children for item in items] == [
        "local minimum (0, 0)",
        "not converged",
        "diverged",
    ]
    assert b.counts()[0] == 400


@pytest.mark.parametrize("names", [[], None, "sgd", ["sgd", "nope"]])
def test_bad_racers_are_refused(names):
    with pytest.raises(ValueError, match="optimizer"):
        maps_settings.parse_racers(names)


def test_racers_are_kept_in_order_once_each():
    assert maps_settings.parse_racers(["adam", "sgd", "adam"]) == ["adam", "sgd"]


# ------------------------------------------------------------------------ a click becomes a run


def small_map(optimizer="sgd", x_param="lr", y_param="momentum", n=8, surface="bowl"):
    xs, ys = (maps_settings.grid_values(optimizer, p, n) for p in (x_param, y_param))
    return maps.hyperparameter_map(surface, optimizer, (2.5, 2.0), 40, x_param, xs, y_param, ys)


def test_every_cell_clicked_anywhere_inside_becomes_the_run_of_that_cell():
    """A heatmap click reports the middle of the cell's edges; it snaps to the cell's grid value."""
    m = small_map()
    trace = maps_figures.hyperparameter_map_figure(m).data[0]
    x_edges, y_edges = list(trace.x), list(trace.y)
    meta = maps_settings.map_meta(m)
    for j, lr in enumerate(m.x_values):
        for i, momentum in enumerate(m.y_values):
            for t in (0.1, 0.5, 0.9):  # anywhere between the edges
                click = {
                    "x": x_edges[j] + t * (x_edges[j + 1] - x_edges[j]),
                    "y": y_edges[i] + t * (y_edges[i + 1] - y_edges[i]),
                }
                spec = maps_settings.run_from_cell(meta, click, model.PALETTE[3])
                assert spec.hyperparameters["lr"] == lr
                assert spec.hyperparameters["momentum"] == momentum
    assert spec.optimizer == "sgd" and spec.color == model.PALETTE[3]
    assert spec.hyperparameters["dampening"] == 0.0  # the rest: torch's defaults


def test_a_clicked_pair_entry_keeps_the_other_entry_of_the_pair():
    m = small_map("adam", "lr", "betas.1")
    click = {"x": float(m.x_values[2]), "y": float(m.y_values[5]), "z": 0.3}
    spec = maps_settings.run_from_cell(maps_settings.map_meta(m), click, model.PALETTE[0])
    assert spec.hyperparameters["lr"] == m.x_values[2]
    assert spec.hyperparameters["betas"] == [0.9, m.y_values[5]]


def test_the_run_of_a_cell_reproduces_the_map():
    m = small_map()
    click = {"x": float(m.x_values[3]), "y": float(m.y_values[5])}
    spec = maps_settings.run_from_cell(maps_settings.map_meta(m), click, model.PALETTE[0])
    hp = {"lr": [spec.hyperparameters["lr"]], "momentum": [spec.hyperparameters["momentum"]]}
    one = maps.hyperparameter_map("bowl", "sgd", (2.5, 2.0), 40, "lr", hp["lr"], "momentum", hp["momentum"])
    assert one.loss[0, 0] == m.loss[5, 3]


def test_snap_on_a_log_axis_compares_orders_of_magnitude():
    assert maps_settings.snap(0.0009, [1e-4, 1e-3, 1e-2], True, "x") == 1e-3
    assert maps_settings.snap(0.0009, [1e-4, 1e-3, 1e-2], False, "x") == 1e-3
    assert maps_settings.snap(0.004, [1e-4, 1e-3, 1e-2], True, "x") == 1e-2  # log: 0.004 is nearer 0.01
    assert maps_settings.snap(0.004, [1e-4, 1e-3, 1e-2], False, "x") == 1e-3


GOOD_META = {"optimizer": "sgd", "x_param": "lr", "y_param": "momentum", "x_values": [0.01, 0.1],
             "y_values": [0.0, 0.9], "x_log": True, "y_log": False}  # fmt: skip


@pytest.mark.parametrize(
    "meta, point, words",
    [
        (None, {"x": 0.1, "y": 0.5}, "Compute a map first"),
        (GOOD_META, {"z": 1}, "Click a cell"),
        (GOOD_META, {"x": "a", "y": 1}, "x must be a number"),
        ({**GOOD_META, "x_values": "0.1"}, {"x": 0.1, "y": 0.5}, "Compute a map first"),
        ({**GOOD_META, "x_values": [-1.0]}, {"x": 0.1, "y": 0.5}, "Compute a map first"),
        ({**GOOD_META, "x_values": [-1.0], "x_log": False}, {"x": 0.1, "y": 0.5}, "Invalid learning rate"),
        ({**GOOD_META, "optimizer": "nope"}, {"x": 0.1, "y": 0.5}, "Unknown optimizer"),
        ({**GOOD_META, "x_param": "eps"}, {"x": 0.1, "y": 0.5}, "eps"),
    ],
)
def test_a_bad_click_or_a_forged_meta_is_refused(meta, point, words):
    with pytest.raises(ValueError, match=words):
        maps_settings.run_from_cell(meta, point, model.PALETTE[0])


def test_next_run_takes_the_next_index_and_an_unused_colour():
    card_ids = [RunCard.ids.card(0), RunCard.ids.card(3), RunCard.ids.card("compare")]
    assert maps_settings.next_run(card_ids, list(model.PALETTE[:2])) == (4, model.PALETTE[2])
    assert maps_settings.next_run([], []) == (0, model.PALETTE[0])


def test_next_run_refuses_more_than_max_runs():
    card_ids = [RunCard.ids.card(i) for i in range(model.MAX_RUNS)]
    with pytest.raises(ValueError, match=f"{model.MAX_RUNS} runs"):
        maps_settings.next_run(card_ids, list(model.PALETTE))


# ------------------------------------------------------------------------------ what is shown


def test_the_stability_hint_on_the_bowl_is_one():
    assert run_card.stability_hint(landscapes.get("bowl"), (2.5, 2.0)) == (
        "Plain GD stable for lr < 2/λ_max = 1"
    )


def test_the_stability_hint_where_the_surface_curves_down():
    assert "no lr limit" in run_card.stability_hint(landscapes.get("himmelblau"), (0.0, 0.0))


def test_the_stability_hint_on_rosenbrock_matches_the_engine():
    limit = maps.stable_learning_rate("rosenbrock", (-1.5, 2.0))
    assert f"{limit:.3g}" in run_card.stability_hint(landscapes.get("rosenbrock"), (-1.5, 2.0))


def test_timing_and_where():
    rosenbrock = landscapes.get("rosenbrock")
    assert maps_settings.timing_text(4096, 300, 0.2149) == "4,096 runs × 300 steps in 0.21 s"
    assert maps_settings.where_text(rosenbrock, (-1.5, 2.0)) == "Rosenbrock valley from (-1.5, 2)"
    assert maps_settings.timing_text(4, 3, 1, "Bowl").endswith("in 1.00 s · Bowl")


def test_basin_counts_list_every_minimum_and_both_failures():
    himmelblau = landscapes.get("himmelblau")
    b = maps.basins(himmelblau, "sgd", 200, 20, lr=0.01)
    items = [c for c in walk(maps_layout.basin_counts(b)) if isinstance(c, html.Li)]
    assert len(items) == 4 + 2
    numbers = [int(item.children[2].children.replace(",", "")) for item in items]
    assert sum(numbers) == 400
    assert all(n > 0 for n in numbers[:4])


def test_the_race_table_has_a_row_per_optimizer():
    result = maps.fair_comparison("bowl", ["sgd", "adam", "rmsprop"], None, 50)
    table = maps_layout.race_table(result.race)
    rows = [c for c in walk(table) if isinstance(c, html.Tr)]
    assert len(rows) == 1 + 3
    assert rows[1].children[0].children == "SGD"


def test_the_placeholder_is_an_empty_figure_with_a_line_of_text():
    fig = maps_figures.placeholder_figure("Press Compute.")
    assert not fig.data and fig.layout.annotations[0].text == "Press Compute."


# ---------------------------------------------------------------- the explore runs in maps mode


def _grouping(settings: dict) -> dict:
    """``ctx.args_grouping`` of ``callbacks._controls`` for a page showing ``settings`` (controls this
    test does not know about are left empty, as a fresh page leaves them)."""
    runs = settings["runs"]
    item = lambda component_id, value: {"id": component_id, "value": value}  # noqa: E731
    values = {
        "surface": settings["surface"], "x": settings["start"][0], "y": settings["start"][1],
        "steps": settings["steps"], "mode": settings["mode"], "loss_log": ["log"],
        "compare_lrs": settings["compare_lrs"],
    }  # fmt: skip
    cards = {
        "run-optimizer": [item(RunCard.ids.optimizer(i), spec.optimizer) for i, spec in enumerate(runs)],
        "run-color": [item(RunCard.ids.color(i), spec.color) for i, spec in enumerate(runs)],
        "hp": [
            item(RunCard.ids.hp(i, k), v)
            for i, spec in enumerate(runs)
            for k, v in spec.hyperparameters.items()
        ],
    }
    grouping = {}
    for key, dependency in compute.controls(State).items():
        component = dependency.component_id
        if isinstance(component, dict):
            grouping[key] = cards.get(component["subcomponent"], [])
        else:
            grouping[key] = item(component, values.get(key))
    return grouping


def test_in_maps_mode_the_explore_runs_still_compute():
    """Maps mode keeps the explore figures up to date, so switching back shows the current runs."""
    settings, errors = compute.settings_from_controls(_grouping({**model.default_settings(), "mode": "maps"}))
    assert not errors and settings["mode"] == "maps"
    outcome = outcomes.compute(
        parsing.parse_surface(settings["surface"]), settings["start"], settings["steps"], settings["mode"],
        settings["runs"], settings["compare"], settings["compare_lrs"],
    )  # fmt: skip
    assert len(outcome.results) == 2
    figures = shell_figures.full_figures(outcome, True)
    assert {"surface", "contour", "loss"} <= set(figures)
    assert set(shell_figures.runs_data(outcome)["views"]) >= {"surface", "contour"}


def test_a_maps_mode_link_round_trips():
    settings = {**model.default_settings(), "mode": "maps"}
    assert links.decode_settings(links.encode_settings(settings))["mode"] == "maps"


def test_the_app_registers_the_maps_callbacks():
    from app.main import create_app

    outputs = " ".join(create_app().callback_map)
    for output in (
        f"{maps_ids.MAP_GRAPH}.figure", f"{maps_ids.BASIN_GRAPH}.figure", f"{maps_ids.RACE_GRAPH}.figure",
        '"subcomponent":"lr-hint"', f"{explore_ids.RUNS}.children@", f"{maps_ids.MAP_X}.options",
    ):  # fmt: skip
        assert output in outputs, output


# ------------------------------------------------------------------------------------ time limit


def test_work_far_over_the_time_limit_is_refused_before_it_starts():
    """16384 runs × 2000 steps of a 40-example data loss: tens of seconds on any machine we know."""
    logistic = landscapes.get("logistic_regression")
    with pytest.raises(ValueError, match=r"limit is 2 s\): at most \d+ steps fit"):
        maps_settings.check_time(logistic, [("adam", maps.MAX_RUNS)], maps.MAX_STEPS)


def test_a_default_sized_map_is_within_the_time_limit():
    maps_settings.check_time(landscapes.get("rosenbrock"), [("sgd", 40 * 40)], 200)


def test_the_estimate_grows_with_runs_and_steps():
    """Measured, so only its order of magnitude is checked: 64× the work is far more than 4× the time."""
    bowl = landscapes.get("bowl")
    small = maps.estimate_seconds(bowl, "adam", 2048, 10)
    large = maps.estimate_seconds(bowl, "adam", 2048 * 8, 80)
    assert 0 < small and large > 4 * small


# ------------------------------------------------------------------------------ basins' momentum


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        ("sgd", {"lr": 0.01, "momentum": 0.7}),
        ("rmsprop", {"lr": 0.01, "momentum": 0.7}),
        ("adam", {"lr": 0.01, "betas": (0.7, 0.999)}),
        ("nadam", {"lr": 0.01, "betas": (0.7, 0.999)}),
        ("adagrad", {"lr": 0.01}),  # no momentum: the box is ignored (and disabled in the page)
    ],
)
def test_the_basins_momentum_box_sets_momentum_or_beta1(optimizer, expected):
    assert maps_settings.basin_hyperparameters(optimizer, 0.01, 0.7) == expected
    assert (maps_settings.momentum_default(optimizer) is None) == (len(expected) == 1)


def test_a_bad_basins_momentum_is_refused_with_the_engines_words():
    hp = maps_settings.basin_hyperparameters("sgd", 0.01, -0.5)  # out of range: the engine says so
    with pytest.raises(ValueError, match="momentum"):
        maps.basins("himmelblau", "sgd", 10, 20, **hp)
    with pytest.raises(ValueError, match="momentum"):
        maps_settings.basin_hyperparameters("sgd", 0.01, None)


def test_momentum_changes_where_himmelblau_starts_end():
    plain = maps.basins("himmelblau", "sgd", 200, 30, **maps_settings.basin_hyperparameters("sgd", 0.005, 0))
    heavy = maps.basins(
        "himmelblau", "sgd", 200, 30, **maps_settings.basin_hyperparameters("sgd", 0.005, 0.95)
    )
    assert (plain.labels != heavy.labels).sum() > 10


# ------------------------------------------------------------------------------ maps in a link


def test_the_default_link_settings_are_the_panels_own_values():
    by_id = {c.id: c for c in walk(maps_layout.tabs()) if getattr(c, "id", None) is not None}
    defaults = maps_settings.default_link_settings()
    for key, (component_id, prop) in maps_settings.LINK_CONTROLS.items():
        assert getattr(by_id[component_id], prop) == defaults[key], key
    assert maps_settings.link_settings(None) == maps_settings.link_settings({}) == defaults


def test_maps_settings_round_trip_through_a_link():
    maps_part = {
        **maps_settings.default_link_settings(),
        "tab": "basins", "map_optimizer": "adam", "map_x": "lr", "map_y": "betas.1", "map_grid": 24,
        "basin_optimizer": "adam", "basin_lr": 0.05, "basin_momentum": 0.5, "racers": ["adam", "sgd"],
        "tol": "1e-4",
    }  # fmt: skip
    settings = {**model.default_settings(), "mode": "maps", "maps": maps_settings.link_settings(maps_part)}
    opened = links.decode_settings(links.encode_settings(settings))
    assert maps_settings.link_settings(opened["maps"]) == maps_part


@pytest.mark.parametrize(
    ("maps_part", "words"),
    [
        ([1], "JSON object"),
        ({"nope": 1}, "unknown maps setting"),
        ({"tab": "x" * 1000}, "tab must be one of"),
        ({"tab": [1]}, "tab must be one of"),
        ({"map_optimizer": "nope"}, "Unknown optimizer"),
        ({"map_x": "momentum", "map_optimizer": "adam"}, "x axis"),
        ({"map_grid": 1000}, "grid"),
        ({"basin_lr": "abc"}, "learning rate"),
        ({"basin_momentum": None}, "momentum"),
        ({"racers": []}, "at least one"),
        ({"tol": [1]}, "tol"),
    ],
)
def test_bad_maps_settings_in_a_link_are_refused_in_plain_words(maps_part, words):
    with pytest.raises(ValueError, match=words):
        maps_settings.link_settings(maps_part)
