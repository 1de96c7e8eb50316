"""Figure builders as pure functions: settings and runs in, figures out; no browser."""

from __future__ import annotations

import json
import math
import struct
import zlib
from dataclasses import replace

import numpy as np
import plotly.io as pio
import plotly.utils
import pytest
from dash import Patch

import landscapes
from app import figures_common, images
from app import outcome as outcomes
from app.compare import figures as compare_figures
from app.explore import figures as explore_figures
from app.model import MAX_RUNS, PALETTE, RunSpec
from app.runs import divergence_message, simulate, simulate_learning_rates
from app.shell import figures as shell_figures


def outcome(surface="bowl", runs=None, mode="explore", lrs="0.1, 0.5, 1.1", steps=30):
    landscape = landscapes.get(surface)
    runs = runs or [RunSpec("sgd", {"lr": 0.1}, PALETTE[0]), RunSpec("adam", {"lr": 0.3}, PALETTE[1])]
    return outcomes.compute(landscape, landscape.start, steps, mode, runs, RunSpec("sgd"), lrs)


def decode_png(data: bytes) -> np.ndarray:
    """Enough of a PNG reader for our own files (8-bit RGB, filter 0): (rows, cols, 3)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    cols, rows, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(rows, cols * 3 + 1)
    assert not raw[:, 0].any()
    return raw[:, 1:].reshape(rows, cols, 3)


def test_surface_figure_has_the_surface_minima_and_a_slot_per_run():
    out = outcome("himmelblau", runs=[RunSpec("sgd", {"lr": 0.01}, PALETTE[0]), RunSpec("adam", {"lr": 0.1})])
    fig = explore_figures.surface_figure(out.landscape, out.results)
    assert fig.data[0].type == "surface"
    assert len(fig.data[1].x) == 4
    assert len(fig.data) == explore_figures.STATIC_3D + 3 * MAX_RUNS
    ghost = fig.data[explore_figures.STATIC_3D]
    assert len(ghost.x) == out.steps + 1
    assert ghost.line.color == PALETTE[0]
    # Heights follow the loss (log scale for Himmelblau) and sit above the surface.
    expected = figures_common.display_height(out.landscape, out.results[0].losses)
    assert np.all(
        np.array(ghost.z, dtype=float) >= np.minimum(expected, fig.layout.scene.zaxis.range[1]) - 1e-4
    )


def test_contour_figure_uses_the_cached_image_and_marks_start_and_minima():
    out = outcome("rosenbrock", steps=10)
    fig = explore_figures.contour_figure(out.landscape, (-1.5, 2.0), out.results)
    image = fig.layout.images[0]
    assert image.source == "/surface-image/rosenbrock.png"
    assert (image.x, image.y, image.sizex, image.sizey) == (-2.0, 3.0, 4.0, 4.0)
    assert list(fig.data[0].x) == [1.0] and list(fig.data[0].y) == [1.0]
    assert list(fig.data[1].x) == [-1.5]
    *drawn, hover = fig.data
    assert all(t.type == "scatter" for t in drawn)  # nothing that Plotly recomputes per frame
    # The hover: a transparent heatmap whose value at each grid point is the loss there.
    assert hover.type == "heatmap" and hover.opacity == 0 and "loss %{z" in hover.hovertemplate
    x, y, z = np.array(hover.x), np.array(hover.y), np.array(hover.z, dtype=float)
    assert (x[0], x[-1], y[0], y[-1]) == (-2.0, 2.0, -1.0, 3.0)
    i, j = 17, 40
    assert z[i, j] == pytest.approx((1 - x[j]) ** 2 + 100 * (y[i] - x[j] ** 2) ** 2, rel=1e-5)


def test_runs_patch_replaces_only_run_traces():
    out = outcome()
    patch_3d, patch_contour = explore_figures.runs_patch(out.start, out.landscape, out.results)
    locations_3d = [op["location"] for op in patch_3d.to_plotly_json()["operations"]]
    locations_2d = [op["location"] for op in patch_contour.to_plotly_json()["operations"]]
    assert ["data", 0] not in locations_3d and ["data", 1] not in locations_3d  # surface and minima stay
    assert locations_3d[0] == ["data", explore_figures.STATIC_3D]
    assert len(locations_3d) == 3 * MAX_RUNS
    assert ["data", 0] not in locations_2d
    substeps = [["data", explore_figures.SUBSTEPS_CONTOUR + i] for i in range(MAX_RUNS)]
    assert len(locations_2d) == 1 + 3 * MAX_RUNS + MAX_RUNS and all(s in locations_2d for s in substeps)


def figure_data(figure) -> list[dict]:
    return json.loads(pio.to_json(figure))["data"]


def patched_data(data: list[dict], patch) -> list[dict]:
    """``data`` with a runs patch's assignments applied, as dash-renderer applies them."""
    data = list(data)
    sent = json.loads(json.dumps(patch.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder))
    for op in sent["operations"]:
        assert op["operation"] == "Assign" and op["location"][0] == "data", op
        data[op["location"][1]] = op["params"]["value"]
    return data


def test_runs_patch_leaves_out_the_unchanged_slots_and_still_draws_the_new_runs():
    before = outcome(runs=[RunSpec("sgd", {"lr": 0.1}, PALETTE[0]), RunSpec("adam", {"lr": 0.3}, PALETTE[1])])
    after = outcome(runs=[RunSpec("sgd", {"lr": 0.2}, PALETTE[0]), RunSpec("adam", {"lr": 0.3}, PALETTE[1])])
    shown = explore_figures.slot_fingerprints(before.landscape, before.results)
    new = explore_figures.slot_fingerprints(after.landscape, after.results)
    assert shown[0] != new[0] and shown[1] == new[1] and shown[2:] == new[2:] == [""] * (MAX_RUNS - 2)
    unchanged = frozenset(i for i in range(MAX_RUNS) if shown[i] == new[i])
    assert unchanged == frozenset(range(1, MAX_RUNS))
    patch_3d, patch_contour = explore_figures.runs_patch(
        after.start, after.landscape, after.results, unchanged
    )
    written = {op["location"][1] for op in patch_3d.to_plotly_json()["operations"]}
    assert written == {explore_figures.STATIC_3D + k for k in range(3)}  # run 0's ghost, path and ball only
    old_3d = figure_data(explore_figures.surface_figure(before.landscape, before.results))
    new_3d = figure_data(explore_figures.surface_figure(after.landscape, after.results))
    assert old_3d != new_3d and patched_data(old_3d, patch_3d) == new_3d
    old_2d = figure_data(explore_figures.contour_figure(before.landscape, before.start, before.results))
    new_2d = figure_data(explore_figures.contour_figure(after.landscape, after.start, after.results))
    assert old_2d != new_2d and patched_data(old_2d, patch_contour) == new_2d


def test_loss_patch_leaves_out_the_unchanged_runs_and_still_draws_the_new_ones():
    before = outcome(runs=[RunSpec("sgd", {"lr": 0.1}, PALETTE[0]), RunSpec("adam", {"lr": 0.3}, PALETTE[1])])
    after = outcome(runs=[RunSpec("sgd", {"lr": 0.2}, PALETTE[0]), RunSpec("adam", {"lr": 0.3}, PALETTE[1])])
    for log in (False, True):
        patch = shell_figures.loss_patch(after.landscape, after.results, log, frozenset({1}))
        operations = patch.to_plotly_json()["operations"]
        assert [op["location"] for op in operations if op["location"][0] == "data"] == [
            ["data", 0],
            ["data", 1],
        ]
        assigned = Patch()
        for op in operations:
            if op["location"][0] == "data":
                assigned["data"][op["location"][1]] = op["params"]["value"]
        old = figure_data(shell_figures.loss_figure(before.landscape, before.results, log))
        new = figure_data(shell_figures.loss_figure(after.landscape, after.results, log))
        assert old != new and patched_data(old, assigned) == new
    whole = shell_figures.loss_patch(after.landscape, after.results, False).to_plotly_json()["operations"]
    assert whole[0]["location"] == ["data"]  # nothing unchanged: the whole list


def test_a_slot_fingerprint_follows_everything_its_traces_show():
    base = outcome()
    prints = explore_figures.slot_fingerprints(base.landscape, base.results)
    assert prints == explore_figures.slot_fingerprints(base.landscape, outcome().results)  # the same runs
    assert all(len(p) == 16 for p in prints[:2]) and prints[2:] == [""] * (MAX_RUNS - 2)
    recoloured = [RunSpec("sgd", {"lr": 0.1}, PALETTE[3]), RunSpec("adam", {"lr": 0.3}, PALETTE[1])]
    other = outcome(runs=recoloured)
    assert explore_figures.slot_fingerprints(other.landscape, other.results)[0] != prints[0]
    longer = outcome(steps=31)
    assert explore_figures.slot_fingerprints(longer.landscape, longer.results)[1] != prints[1]
    wider = base.landscape.with_bounds(((-5.0, 5.0), (-5.0, 5.0)))  # the 3D traces hide points outside it
    assert explore_figures.slot_fingerprints(wider, base.results)[:2] != prints[:2]
    lbfgs = outcome(runs=[RunSpec("lbfgs", {"lr": 1.0}, PALETTE[0])], surface="rosenbrock")
    without = [replace(r, substeps=None, substep_losses=None) for r in lbfgs.results]
    assert (
        explore_figures.slot_fingerprints(lbfgs.landscape, lbfgs.results)[0]
        != explore_figures.slot_fingerprints(lbfgs.landscape, without)[0]
    )


def test_views_index_points_at_ghost_path_and_ball_traces():
    out = outcome()
    index = shell_figures.views_index("explore", out.results)
    fig = explore_figures.contour_figure(out.landscape, out.start, out.results)
    for run, (ghost, path, ball) in zip(out.results, index["contour"], strict=True):
        assert fig.data[ghost].name == run.label and fig.data[ghost].mode == "lines+markers"
        assert fig.data[path].mode == "lines" and fig.data[ball].mode == "markers"
    compare = outcomes.compute(out.landscape, out.start, 20, "compare", [], RunSpec("sgd"), "0.1, 0.2")
    fig = compare_figures.compare_figure(compare.landscape, compare.start, compare.results)
    panel_index = shell_figures.views_index("compare", compare.results)["compare"]
    assert [fig.data[g].name for g, _, _ in panel_index] == [r.label for r in compare.results]


def test_loss_figure_log_scale_shows_loss_above_the_minimum():
    out = outcome("goldstein_price", runs=[RunSpec("adam", {"lr": 0.05})], steps=50)
    fig = shell_figures.loss_figure(out.landscape, out.results, log=True)
    assert fig.layout.yaxis.type == "log"
    np.testing.assert_allclose(fig.data[0].y, out.results[0].losses - 3.0, rtol=1e-5, atol=1e-12)
    linear = shell_figures.loss_figure(out.landscape, out.results, log=False)
    assert linear.layout.yaxis.type == "linear"
    np.testing.assert_allclose(linear.data[0].y, out.results[0].losses, rtol=1e-5)


def test_loss_figure_on_a_surface_without_minimum_stays_linear_and_says_why():
    out = outcome("saddle", runs=[RunSpec("sgd", {"lr": 0.1})])
    fig = shell_figures.loss_figure(out.landscape, out.results, log=True)
    assert fig.layout.yaxis.type == "linear"
    assert "no known minimum" in fig.layout.yaxis.title.text


def test_a_diverged_run_is_cut_and_marked_with_a_cross():
    out = outcome("bowl", runs=[RunSpec("sgd", {"lr": 1.1}), RunSpec("sgd", {"lr": 0.1})], steps=60)
    diverged, fine = out.results
    assert diverged.diverged_at > 0 and len(diverged.points) == diverged.diverged_at
    assert np.all(np.isfinite(diverged.points))
    assert fine.diverged_at == -1 and len(fine.points) == 61
    fig = explore_figures.contour_figure(out.landscape, out.start, out.results)
    ghost = fig.data[explore_figures.STATIC_CONTOUR]
    assert ghost.marker.size[-1] > 0 and not any(ghost.marker.size[:-1])
    assert out.messages == [diverged.message]
    assert "learning rate 1.1 is above 2/λ_max = 1 " in diverged.message


def test_divergence_message_on_a_surface_without_minimum():
    saddle = landscapes.get("saddle")
    assert "no minimum" in divergence_message(saddle, (1, 0.1), "SGD", 0.1, 30)


def test_compare_figure_has_one_panel_per_learning_rate_on_shared_axes():
    out = outcome("bowl", mode="compare", lrs="0.01, 0.1, 0.5, 0.9, 1.1")
    fig = compare_figures.compare_figure(out.landscape, out.start, out.results)
    assert len(fig.layout.images) == 5
    assert [img.xref for img in fig.layout.images] == ["x", "x2", "x3", "x4", "x5"]
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0].startswith("<b>lr 0.01</b>")
    assert "diverged at step" in titles[-1]
    # The first panel keeps the map's aspect against its own x axis and the others match its axes
    # (anchoring every y axis to the first panel's x axis squeezed the other panels to slivers in the
    # browser); Plotly ignores, with a console warning, a scale anchor on a matching axis, or a
    # self-match, so there are none.
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.xaxis.matches is None
    for i in range(1, 5):
        x, y = fig.layout[f"xaxis{i + 1}"], fig.layout[f"yaxis{i + 1}"]
        assert (x.matches, y.matches, y.scaleanchor) == ("x", "y", None)
        assert x.visible is not False
    for i in (6, 7, 8):  # a 2 × 4 grid's three unused cells draw no empty frames (nor over panels)
        assert fig.layout[f"xaxis{i}"].visible is False and fig.layout[f"yaxis{i}"].visible is False


def test_each_compare_panel_hovers_x_y_and_the_loss_on_its_own_axes():
    out = outcome("bowl", mode="compare", lrs="0.01, 0.1, 0.5")
    fig = compare_figures.compare_figure(out.landscape, out.start, out.results)
    panels = 3 * compare_figures.PANEL_TRACES
    assert all(t.type == "scatter" for t in fig.data[:panels])  # the player's traces come first
    hovers = fig.data[panels:]
    assert [(h.type, h.xaxis, h.yaxis) for h in hovers] == [("heatmap", "x", "y"), ("heatmap", "x2", "y2"),
                                                           ("heatmap", "x3", "y3")]  # fmt: skip
    for hover in hovers:
        assert hover.opacity == 0 and "x %{x" in hover.hovertemplate and "loss %{z" in hover.hovertemplate
        x, y, z = np.array(hover.x), np.array(hover.y), np.array(hover.z, dtype=float)
        i, j = 9, 50
        assert z[i, j] == pytest.approx(x[j] ** 2 + y[i] ** 2, rel=1e-5)  # the bowl: x² + y²


def test_loss_patch_carries_the_same_traces_and_axis_as_the_whole_figure():
    out = outcome("goldstein_price", runs=[RunSpec("adam", {"lr": 0.05}), RunSpec("sgd", {"lr": 1e-4})])
    for log in (True, False):
        whole = shell_figures.loss_figure(out.landscape, out.results, log).to_plotly_json()
        operations = shell_figures.loss_patch(out.landscape, out.results, log).to_plotly_json()["operations"]
        by_location = {tuple(op["location"]): op for op in operations}
        assert by_location[("data",)]["params"]["value"] == whole["data"]
        axis = by_location[("layout", "yaxis")]["params"]["value"]
        assert axis["type"] == whole["layout"]["yaxis"]["type"]
        assert axis["title"]["text"] == whole["layout"]["yaxis"]["title"]["text"]
        assert axis["range"] == whole["layout"]["yaxis"]["range"]
        assert (
            by_location[("layout", "xaxis")]["params"]["value"]["range"] == whole["layout"]["xaxis"]["range"]
        )


def test_the_loss_chart_ranges_hold_every_run_with_a_margin():
    out = outcome("goldstein_price", runs=[RunSpec("adam", {"lr": 0.05}), RunSpec("sgd", {"lr": 1e-4})])
    for log in (True, False):
        fig = shell_figures.loss_figure(out.landscape, out.results, log)
        x0, x1 = fig.layout.xaxis.range
        assert x0 < 0 and out.steps < x1 < 1.1 * out.steps
        y0, y1 = fig.layout.yaxis.range
        ys = np.concatenate([np.array(t.y, dtype=float) for t in fig.data if t.mode == "lines+markers"])
        if log:
            ys = np.log10(ys)
        assert y0 < ys.min() and ys.max() < y1 and (y1 - y0) < 1.2 * (ys.max() - ys.min())


def test_simulate_learning_rates_equals_separate_runs():
    bowl = landscapes.get("bowl")
    spec = RunSpec("sgd", {"momentum": 0.5})
    batched = simulate_learning_rates(bowl, (1.0, 2.0), 15, spec, [0.05, 0.2], ["#000", "#111"])
    single = simulate(bowl, (1.0, 2.0), 15, [RunSpec("sgd", {"lr": 0.2, "momentum": 0.5})])
    np.testing.assert_array_equal(batched[1].points, single[0].points)


@pytest.mark.parametrize("name", landscapes.names())
def test_every_surface_makes_valid_json_figures_and_a_png(name):
    landscape = landscapes.get(name)
    out = outcomes.compute(
        landscape, landscape.start, 20, "explore", [RunSpec("adam", {"lr": 0.05})], None, ""
    )
    for fig in shell_figures.full_figures(out, loss_log=True).values():
        pio.to_json(fig, validate=True)
    pixels = decode_png(figures_common.contour_png(landscape))
    cols, rows = images.pixel_size(landscape)
    assert pixels.shape == (rows, cols, 3)
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 10  # bands, not a flat colour


def test_contour_image_is_dark_at_the_minimum_and_bright_far_away():
    bowl = landscapes.get("bowl")
    pixels = decode_png(figures_common.contour_png(bowl)).astype(int)
    rows, cols, _ = pixels.shape
    centre = pixels[rows // 2, cols // 2].sum()
    corner = pixels[0, 0].sum()
    assert centre < corner  # Viridis: dark purple low, yellow high


def test_a_map_is_drawn_once_per_surface_and_window_and_a_wider_window_is_another_map():
    bowl = landscapes.get("bowl")
    first = figures_common.contour_png(bowl)
    assert figures_common.contour_png(landscapes.get("bowl").with_bounds(bowl.bounds)) is first
    (x0, x1), (y0, y1) = bowl.bounds
    wide = bowl.with_bounds(((2 * x0, 2 * x1), (y0, y1)))
    assert figures_common.image_url(wide) != figures_common.image_url(bowl)
    assert decode_png(figures_common.contour_png(wide)).shape != decode_png(first).shape


def test_projector_figures_have_large_type_and_normal_ones_do_not():
    for mode in ("explore", "compare"):
        out = outcome(mode=mode)
        large = shell_figures.full_figures(out, loss_log=True, present=True)
        normal = shell_figures.full_figures(out, loss_log=True)
        assert set(large) == set(normal)
        for name in large:
            assert (
                large[name].layout.font.size
                == figures_common.PRESENT_FONT["font"]
                > normal[name].layout.font.size
            )
        assert large["loss"].layout.legend.font.size == figures_common.PRESENT_FONT["legend"]


def test_light_runs_are_drawn_darker_on_the_white_loss_chart_only():
    white, red = "#ffffff", PALETTE[0]
    out = outcome(runs=[RunSpec("sgd", {"lr": 0.1}, white), RunSpec("adam", {"lr": 0.3}, red)])
    loss = shell_figures.loss_figure(out.landscape, out.results, log=True)
    lines = [t for t in loss.data if t.mode == "lines+markers"]
    assert lines[1].line.color == red
    r, g, b = (int(lines[0].line.color[i : i + 2], 16) for i in (1, 3, 5))
    assert max(r, g, b) < 180  # visible on white
    contour = explore_figures.contour_figure(out.landscape, out.start, out.results)
    assert contour.data[explore_figures.STATIC_CONTOUR].line.color == white  # the map keeps the run's colour


def test_the_loss_legend_sits_outside_the_plot_area_even_with_eight_runs():
    specs = [RunSpec("sgd", {"lr": 0.01 * (i + 1), "momentum": 0.5}, PALETTE[i]) for i in range(MAX_RUNS)]
    out = outcome("rosenbrock", runs=specs, steps=20)
    legend = shell_figures.loss_figure(out.landscape, out.results, log=True).layout.legend
    assert legend.x >= 1 and legend.xanchor == "left", "right of the plot area (x is in plot fractions)"
    assert legend.font.size <= 13 and legend.tracegroupgap == 0
    lines = [t for t in shell_figures.loss_figure(out.landscape, out.results, True).data if t.showlegend]
    assert len(lines) == MAX_RUNS, "one entry per run, the balls have none"


@pytest.mark.parametrize(("low", "high"), [(-16.0, 1.0), (-3.2, 0.4), (-2.0, 0.0), (-5.5, -3.1)])
def test_log_ticks_over_two_decades_are_powers_of_ten_only(low, high):
    ticks = figures_common.log_ticks(low, high)
    assert ticks["tickmode"] == "linear" and ticks["tick0"] == 0 and isinstance(ticks["dtick"], int)
    labelled = [
        k for k in range(math.floor(low), math.ceil(high) + 1) if low <= k <= high and k % ticks["dtick"] == 0
    ]
    assert 2 <= len(labelled) <= figures_common.MAX_LOG_TICKS


@pytest.mark.parametrize(("low", "high"), [(-1.1, 0.3), (-0.3, 0.5), (2.05, 3.9)])
def test_log_ticks_over_a_short_range_are_whole_numbers_not_bare_digits(low, high):
    ticks = figures_common.log_ticks(low, high)
    assert ticks["tickmode"] == "array"
    for value, text in zip(ticks["tickvals"], ticks["ticktext"], strict=True):
        assert low <= math.log10(value) <= high
        assert float(text) == pytest.approx(value)  # "0.2", not "2"
        assert f"{value:.1e}"[0] in "125"


def test_the_loss_chart_log_axis_uses_those_ticks_and_a_linear_one_resets_them():
    out = outcome("goldstein_price", runs=[RunSpec("adam", {"lr": 0.05})], steps=50)
    log_axis = shell_figures.loss_figure(out.landscape, out.results, log=True).layout.yaxis
    expected = figures_common.log_ticks(*log_axis.range)
    assert log_axis.tickmode == expected["tickmode"] and log_axis.dtick == expected["dtick"]
    patch = shell_figures.loss_patch(out.landscape, out.results, log=False).to_plotly_json()
    update = next(op for op in patch["operations"] if op["location"] == ["layout", "yaxis"])
    assert update["params"]["value"]["tickmode"] == "auto" and update["params"]["value"]["tickvals"] is None


def test_the_3d_axis_titles_keep_their_own_size_in_projector_type():
    """Plotly draws a 3D scene's titles in 3D: at projector type the z title met the y's."""
    from app.explore import figures as explore_figures
    from app.figures_common import PRESENT_FONT, enlarge

    fig = enlarge(explore_figures.surface_figure(landscapes.get("rosenbrock")))
    assert fig.layout.font.size == PRESENT_FONT["font"]
    for axis in (fig.layout.scene.xaxis, fig.layout.scene.yaxis, fig.layout.scene.zaxis):
        assert axis.title.font.size == explore_figures.AXIS_TITLE_3D < PRESENT_FONT["font"]
    assert fig.layout.scene.zaxis.title.text == "log₁₀(1 + L − L*)"


def test_panel_grid_rules_are_complete_for_the_browser_and_unknown_ones_are_refused():
    """assets/grid.js shrinks a title between minTitle and title: given a title size alone, it must
    not compute a font size from a missing minimum (NaN, a relayout that never settles)."""
    grid = figures_common.panel_grid(3, title=18)
    assert grid["minTitle"] == grid["title"] == 18 and grid["count"] == 3
    assert figures_common.panel_grid(3, title=18, minTitle=12)["minTitle"] == 12
    assert "minTitle" not in figures_common.panel_grid(3)
    with pytest.raises(ValueError, match="colums"):
        figures_common.panel_grid(3, colums=2)
