"""Downloads: CSV and JSON hold the engine's numbers exactly; the HTML animation plays offline."""

from __future__ import annotations

import base64
import csv
import io
import json
from html.parser import HTMLParser

import numpy as np
import pytest

import landscapes
import optimizers
from app import figures_common
from app import outcome as outcomes
from app.explore import dataview
from app.explore import figures as explore_figures
from app.links import settings_to_json
from app.model import PALETTE, RunSpec, default_settings
from app.shell import export
from optimizers import budget

SGD_DIVERGES = RunSpec("sgd", {"lr": 1.1}, PALETTE[0])  # above 2/λ_max = 1 on the bowl
ADAM = RunSpec("adam", {"lr": 0.3}, PALETTE[1])


def outcome(surface="bowl", runs=(SGD_DIVERGES, ADAM), steps=30, mode="explore"):
    landscape = landscapes.get(surface)
    return outcomes.compute(landscape, landscape.start, steps, mode, list(runs), RunSpec("sgd"), "0.001, 0.5")


@pytest.fixture(scope="module")
def bowl():
    out = outcome()
    assert out.results[0].diverged_at > 0 and out.results[1].diverged_at == -1  # the case under test
    return out


# ------------------------------------------------------------------------------------------- CSV


def test_csv_has_one_row_per_valid_point_with_the_engines_exact_numbers(bowl):
    rows = list(csv.DictReader(io.StringIO(export.trajectories_csv(bowl))))
    assert len(rows) == sum(len(run.points) for run in bowl.results)
    assert len(rows) < 2 * (bowl.steps + 1)  # the diverged run stops early
    for i, run in enumerate(bowl.results):
        mine = [r for r in rows if r["run"] == str(i)]
        assert [int(r["step"]) for r in mine] == list(range(len(run.points)))
        assert {r["label"] for r in mine} == {run.label}
        assert {int(r["diverged_at"]) for r in mine} == {run.diverged_at}
        points = np.array([[float(r["x"]), float(r["y"])] for r in mine])
        losses = np.array([float(r["loss"]) for r in mine])
        np.testing.assert_array_equal(points, run.points)  # exact, not approximately
        np.testing.assert_array_equal(losses, run.losses)


def test_csv_header_names_the_columns(bowl):
    header = export.trajectories_csv(bowl).splitlines()[0]
    assert header == "run,label,step,x,y,loss,diverged_at"


# ------------------------------------------------------------------------------------------ JSON


def test_json_parses_strictly_and_holds_the_engines_points(bowl):
    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    data = json.loads(export.trajectories_json(bowl), parse_constant=no_constants)
    assert data["surface"] == "bowl"
    assert data["start"] == list(bowl.start)
    assert data["steps"] == bowl.steps
    assert data["settings"] is None
    assert len(data["runs"]) == len(bowl.results)
    for mine, run in zip(data["runs"], bowl.results, strict=True):
        assert (mine["label"], mine["color"], mine["diverged_at"]) == (run.label, run.color, run.diverged_at)
        assert mine["message"] == run.message
        np.testing.assert_array_equal(np.array(mine["points"]), run.points)
        np.testing.assert_array_equal(np.array(mine["losses"]), run.losses)
    assert "diverged" in data["runs"][0]["message"]


def test_json_carries_the_settings_and_writes_non_finite_numbers_as_null(bowl):
    run = bowl.results[1]
    broken = outcomes.Outcome(
        bowl.mode,
        bowl.landscape,
        bowl.start,
        bowl.steps,
        [type(run)(run.label, run.color, run.points, np.array([np.nan, np.inf, *run.losses[2:]]), -1, "")],
    )
    settings = default_settings()
    data = json.loads(export.trajectories_json(broken, settings))
    assert data["runs"][0]["losses"][:2] == [None, None]
    assert data["runs"][0]["losses"][2:] == run.losses[2:].tolist()
    assert data["settings"] == settings_to_json(settings)


# ------------------------------------------------------------------------------------------ HTML


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of the inline scripts."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    tags.close()
    return tags


def frames_in(page: str) -> list[dict]:
    """The frames the page hands to ``Plotly.addFrames(id, [...])``."""
    call = page.index("Plotly.addFrames(")
    start = page.index("[", call)
    frames, _ = json.JSONDecoder().raw_decode(page, start)
    return frames


def plot_layout(page: str) -> dict:
    """The layout the page hands to ``Plotly.newPlot(id, data, layout, config)``."""
    return new_plot(page)[2]


def plot_data(page: str) -> list:
    """The traces the page hands to ``Plotly.newPlot(id, data, layout, config)``."""
    return new_plot(page)[1]


def new_plot(page: str) -> list:
    """The id, data and layout the page hands to ``Plotly.newPlot``."""
    decoder = json.JSONDecoder()
    pos = page.index("Plotly.newPlot(") + len("Plotly.newPlot(")
    values = []
    for _ in range(3):
        while page[pos] in " \n,":
            pos += 1
        value, pos = decoder.raw_decode(page, pos)
        values.append(value)
    return values


def animation_figure(out: outcomes.Outcome) -> dict:
    """The export's figure without its CPU limit: what is drawn, on any machine (the limit is tested
    in test_export_budget.py)."""
    return export.animation_figure(out, budget.CpuBudget(limit=float("inf")))


def animation_html(out: outcomes.Outcome) -> str:
    return export.animation_html(out, budget.CpuBudget(limit=float("inf")))


def balls(frame: dict, count: int) -> list[tuple[float, float]]:
    """The contour balls of a frame: per run, path then ball."""
    return [(frame["data"][2 * i + 1]["x"][0], frame["data"][2 * i + 1]["y"][0]) for i in range(count)]


@pytest.fixture(scope="module")
def bowl_page(bowl):
    return animation_html(bowl)


def test_html_inlines_plotly_and_loads_nothing_from_outside(bowl_page):
    tags = parse(bowl_page)
    assert len(bowl_page) > 3_000_000  # plotly.js itself is several MB
    assert any("Plotly" in s and len(s) > 3_000_000 for s in tags.scripts)  # the bundle, inline
    for tag, attrs in tags.tags:
        assert not (tag == "script" and attrs.get("src")), f"external script {attrs}"
        assert not (tag == "link" and attrs.get("href")), f"external link {attrs}"
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not value.startswith(("http:", "https:", "//")), f"<{tag} {name}={value}>"
    assert "<title>Descent — Bowl: SGD (lr 1.1), Adam (lr 0.3)</title>" in bowl_page


def test_html_map_is_the_embedded_contour_image(bowl, bowl_page):
    (image,) = plot_layout(bowl_page)["images"]
    head, _, encoded = image["source"].partition(",")
    assert head == "data:image/png;base64"
    assert base64.b64decode(encoded) == figures_common.contour_png(bowl.landscape)
    assert (image["xref"], image["yref"]) == ("x", "y")


def test_html_has_one_frame_per_step_and_the_balls_follow_the_runs(bowl, bowl_page):
    frames = frames_in(bowl_page)
    assert [f["name"] for f in frames] == [str(s) for s in range(bowl.steps + 1)]
    first = [tuple(run.points[0]) for run in bowl.results]
    last = [tuple(run.points[-1]) for run in bowl.results]
    assert balls(frames[0], 2) == first
    assert balls(frames[-1], 2) == last
    # The diverged run's ball stops at its last valid point, the other keeps moving.
    diverged = bowl.results[0]
    assert balls(frames[diverged.diverged_at], 2)[0] == last[0]
    assert balls(frames[diverged.diverged_at - 2], 2)[0] == tuple(diverged.points[-2])
    # The path so far grows with the step (up to where the run stops).
    assert [len(f["data"][2]["x"]) for f in frames[:5]] == [1, 2, 3, 4, 5]


def test_frames_update_the_path_and_ball_traces_of_each_run(bowl):
    figure = animation_figure(bowl)
    data, frame = figure["data"], figure["frames"][3]
    n = len(bowl.results)
    # Per run: contour path and ball, loss ball, 3D ball.
    assert len(frame["traces"]) == len(frame["data"]) == 4 * n
    kinds = ["scatter"] * (3 * n) + ["scatter3d"] * n
    for index, update, kind in zip(frame["traces"], frame["data"], kinds, strict=True):
        assert data[index]["type"] == update["type"] == kind
    names = [data[i].get("name") for i in frame["traces"]]
    per_run = [r.label for r in bowl.results for _ in (0, 1)]
    assert names == per_run + [r.label for r in bowl.results] * 2
    # The figure opens at step 0: the balls at the start.
    assert (data[frame["traces"][1]]["x"], data[frame["traces"][1]]["y"]) == (
        [bowl.start[0]],
        [bowl.start[1]],
    )
    # The loss ball sits on its run's loss curve.
    loss_ball = frame["data"][2 * len(bowl.results)]
    assert loss_ball["x"] == [3]
    assert loss_ball["y"][0] == pytest.approx(bowl.results[0].losses[3] - bowl.landscape.min_value, rel=1e-5)


def test_long_runs_are_subsampled_but_keep_their_first_and_last_step():
    long = outcome("rosenbrock", [RunSpec("adam", {"lr": 0.05}, PALETTE[3])], steps=700)
    frames = animation_figure(long)["frames"]
    steps = [int(f["name"]) for f in frames]
    assert len(frames) == export.MAX_FRAMES
    assert steps[0] == 0 and steps[-1] == 700 and steps == sorted(set(steps))
    run = long.results[0]
    assert balls(frames[0], 1) == [tuple(run.points[0])]
    assert balls(frames[-1], 1) == [tuple(run.points[-1])]
    slider = animation_figure(long)["layout"]["sliders"][0]
    assert [s["args"][0] for s in slider["steps"]] == [[f["name"]] for f in frames]


@pytest.mark.parametrize(("steps", "count"), [(1, 2), (199, 200), (200, 200), (1000, 200)])
def test_frames_cover_every_step_up_to_the_limit(steps, count):
    shown = export.frame_steps(steps)
    assert len(shown) == count == min(steps + 1, export.MAX_FRAMES)
    assert shown[0] == 0 and shown[-1] == steps and shown == sorted(set(shown))
    if steps + 1 <= export.MAX_FRAMES:
        assert shown == list(range(steps + 1))


def test_compare_mode_animates_every_learning_rate():
    compare = outcome("bowl", mode="compare", steps=20)
    frames = animation_figure(compare)["frames"]
    assert len(frames) == 21
    assert balls(frames[-1], 2) == [tuple(run.points[-1]) for run in compare.results]


def test_the_animation_has_the_3d_view_and_its_balls_follow_the_runs(bowl):
    figure = animation_figure(bowl)
    surfaces = [t for t in figure["data"] if t["type"] == "surface"]
    assert len(surfaces) == 1 and surfaces[0].get("scene", "scene") == "scene"
    assert "camera" in figure["layout"]["scene"] and figure["layout"]["scene"]["domain"]["x"][0] > 0.4
    n = len(bowl.results)
    height = figures_common.display_height
    for frame in figure["frames"][:12]:
        step = int(frame["name"])
        for i, run in enumerate(bowl.results):
            ball = frame["data"][3 * n + i]
            end = min(step, len(run.points) - 1)
            x, y = run.points[end]
            inside = abs(x) <= 3 and abs(y) <= 3  # the bowl's window: outside it the 3D view shows nothing
            assert ball["x"][0] == (pytest.approx(x, rel=1e-5) if inside else None)
            if inside:
                assert ball["z"][0] >= float(height(bowl.landscape, run.losses[end]))  # lifted above it
    assert all(b["args"][1]["frame"]["redraw"] for b in figure["layout"]["updatemenus"][0]["buttons"][:1])


def test_play_and_pause_buttons_animate_the_frames(bowl):
    (menu,) = animation_figure(bowl)["layout"]["updatemenus"]
    play, pause = menu["buttons"]
    assert play["method"] == pause["method"] == "animate"
    assert play["args"][0] is None and play["args"][1]["fromcurrent"]
    assert pause["args"][0] == [None]


# -------------------------------------------------------------------------------------- filename


@pytest.mark.parametrize("ext", ["csv", ".json", "HTML", "../x y"])
def test_filename_is_safe_and_descriptive(bowl, ext):
    name = export.filename(bowl, ext)
    assert name.startswith("descent-bowl-2-runs.")
    assert not set(name) & set('/\\ :*?"<>|') and ".." not in name
    assert name == name.lower()


def test_filename_names_the_surface_and_the_count():
    assert export.filename(outcome("rosenbrock", [ADAM]), "csv") == "descent-rosenbrock-1-run.csv"
    assert export.filename(outcome(mode="compare"), "html") == "descent-bowl-2-learning-rates.html"
    assert export.filename(outcome(), "") == "descent-bowl-2-runs"


# --------------------------------------------------------------------------- the composed picture


@pytest.mark.parametrize("step", [0, 4, 12, 30, 999])
def test_the_composed_picture_shows_the_step_with_title_legend_and_settings(bowl, step):
    settings = {**default_settings(), "surface": "bowl", "runs": [SGD_DIVERGES, ADAM]}
    fig = export.composed_figure(bowl, settings, step)
    shown = min(step, bowl.steps)
    assert f"step {shown} of {bowl.steps}" in fig.layout.title.text and "Bowl" in fig.layout.title.text
    assert (fig.layout.width, fig.layout.height) == export.COMPOSED_SIZE
    (words,) = [a.text for a in fig.layout.annotations]
    assert "start (2.5, 2), 30 steps" in words
    for i, run in enumerate(bowl.results):
        assert f"Run {i + 1}: {run.label}" in words
    assert bowl.results[0].message.split(" — ")[0] in words  # what the status says about the runs
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == [run.label for run in bowl.results] and fig.layout.legend.x >= 1
    first = explore_figures.STATIC_CONTOUR
    for i, run in enumerate(bowl.results):
        end = min(shown, len(run.points) - 1)
        path, ball = fig.data[first + 3 * i + 1], fig.data[first + 3 * i + 2]
        assert len(path.x) == end + 1 and (ball.x[0], ball.y[0]) == tuple(run.points[end])
    loss_balls = [t for t in fig.data if t.xaxis == "x2" and t.mode == "markers"]
    assert [b.x[0] for b in loss_balls] == [min(shown, len(r.points) - 1) for r in bowl.results]
    (image,) = fig.layout.images
    assert image.source.startswith("data:image/png;base64,"), "self-contained: nothing to fetch"


def test_the_composed_picture_of_compare_names_the_optimizer_and_its_rates():
    compare = outcome(mode="compare", steps=20)
    settings = {
        **default_settings(),
        "mode": "compare",
        "compare": RunSpec("sgd", {"momentum": 0.5}),
        "compare_lrs": "0.001, 0.5",
    }
    words = export.composed_figure(compare, settings, 5).layout.annotations[0].text
    assert "SGD (momentum 0.5) at learning rates 0.001, 0.5." in words


# ------------------------------------------------------------------- the Model view in the exports

LINE_RUNS = [
    RunSpec("sgd", {"lr": 0.1}, PALETTE[0], options={"batch_size": 8, "seed": 1}),
    RunSpec("adam", {"lr": 0.3}, PALETTE[1]),
]
LOGISTIC_RUNS = [RunSpec("sgd", {"lr": 2.0}, PALETTE[0]), RunSpec("adam", {"lr": 0.1}, PALETTE[1])]
DATA_CASES = [("linear_regression", LINE_RUNS), ("logistic_regression", LOGISTIC_RUNS)]


def check_model_at(out: outcomes.Outcome, step: int, moving: list[dict], cells: int) -> None:
    """``moving``: the Model view's moving traces at ``step`` (the shading first for logistic
    regression, then one line per run), checked against the pure builder and the models' maths."""
    land, results = out.landscape, out.results
    built = dataview.model_figure(land, results, step=step, cells=cells).data[-len(results) :]
    lines = moving[-len(results) :]
    for line, reference, run in zip(lines, built, results, strict=True):
        w = run.points[min(step, len(run.points) - 1)]
        x, y = np.array(line["x"], dtype=float), np.array(line["y"], dtype=float)
        np.testing.assert_allclose(x, reference.x, rtol=1e-5)
        np.testing.assert_allclose(y, reference.y, rtol=1e-5, atol=1e-9)
        if dataview.model_kind(land) == "line":
            np.testing.assert_allclose(y, w[0] * x + w[1], rtol=1e-5, atol=1e-9)  # t = w·a + b
        else:
            np.testing.assert_allclose(np.column_stack([x, y]) @ w, 0.0, atol=1e-4)  # w·a = 0
    if dataview.model_kind(land) == "boundary":
        xs, ys = dataview.shading_grid(land, cells)
        w = results[0].points[min(step, len(results[0].points) - 1)]
        np.testing.assert_allclose(np.array(moving[0]["z"]), dataview.probabilities(*w, xs, ys), atol=6e-4)


@pytest.mark.parametrize("surface, runs", DATA_CASES)
def test_the_html_of_a_data_surface_animates_the_model_view(surface, runs):
    out = outcome(surface, runs, steps=25)
    page = animation_html(out)
    data, frames = plot_data(page), frames_in(page)
    shown = [t for t in data if t.get("xaxis") == "x3"]
    static = dataview.model_figure(out.landscape, out.results, cells=export.HTML_SHADING_CELLS)
    assert [t["type"] for t in shown] == [t.type for t in static.data]  # the data, then one line a run
    for ref in static.data[: dataview.MODEL_FIRST_RUN[dataview.model_kind(out.landscape)]]:
        if ref.type == "scatter":  # the examples (by class), as the app draws them
            mine = next(t for t in shown if t.get("name") == ref.name)
            assert (mine["x"], mine["y"]) == (list(ref.x), list(ref.y))
    assert not any(t.get("showlegend") for t in shown)  # the legend names the runs once
    first = data.index(shown[0])
    for frame in frames[::6] + frames[-1:]:
        moving = [u for i, u in zip(frame["traces"], frame["data"], strict=True) if i >= first]
        assert len(moving) == len(runs) + (dataview.model_kind(out.landscape) == "boundary")
        check_model_at(out, int(frame["name"]), moving, export.HTML_SHADING_CELLS)
    # The page opens at step 0: the Model view too.
    moving = [t for t in shown if t["type"] == "heatmap"] + shown[-len(runs) :]
    check_model_at(out, 0, moving, export.HTML_SHADING_CELLS)


def test_the_html_of_a_surface_without_data_has_no_model_view(bowl_page):
    assert not [t for t in plot_data(bowl_page) if t.get("xaxis") == "x3"]


def test_compare_mode_on_a_data_surface_has_no_model_view():
    out = outcome("linear_regression", LINE_RUNS, steps=10, mode="compare")
    assert not [t for t in animation_figure(out)["data"] if t.get("xaxis") == "x3"]


@pytest.mark.parametrize("surface, runs", DATA_CASES)
@pytest.mark.parametrize("step", [0, 7, 25])
def test_the_composed_picture_of_a_data_surface_shows_the_model_at_the_step(surface, runs, step):
    out = outcome(surface, runs, steps=25)
    settings = {**default_settings(), "surface": surface, "runs": runs}
    fig = export.composed_figure(out, settings, step).to_plotly_json()
    shown = [t for t in fig["data"] if t.get("xaxis") == "x2"]
    heat = [t for t in shown if t["type"] == "heatmap"]
    check_model_at(out, step, heat + shown[-len(runs) :], dataview.SHADING_CELLS)
    loss_balls = [t for t in fig["data"] if t.get("xaxis") == "x3" and t.get("mode") == "markers"]
    assert [b["x"][0] for b in loss_balls] == [min(step, len(r.points) - 1) for r in out.results]
    assert fig["layout"]["legend"]["x"] >= 1 and fig["layout"]["xaxis3"]["title"]["text"] == "step"
    if surface == "linear_regression":  # the ringed examples: the batch the step's gradient used
        ring = shown[1]
        inputs, targets = out.landscape.examples
        members = [
            int(np.argmin(np.abs(inputs - x) + np.abs(targets - y)))
            for x, y in zip(ring["x"], ring["y"], strict=True)
        ]
        t = optimizers.run(
            out.landscape, "sgd", start=out.landscape.start, steps=25, lr=0.1, batch_size=8, seed=1
        )
        w, b = t.points[step]
        gx, gy = out.landscape.batch_gradient(np.array([w]), np.array([b]), np.array([members]))
        np.testing.assert_allclose(t.gradients[step], [gx[0], gy[0]], rtol=1e-12)
