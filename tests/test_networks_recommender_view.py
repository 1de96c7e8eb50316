"""The recommender as a model of the Networks view: its settings and link, its training (the engine's,
on ``landscapes.recommender``), the ratings figure at each snapshot (what the browser switches to),
its exports, its planes as surfaces, the lesson's numbers, and the HTTP callback that trains it."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

import landscapes
import optimizers
from app import lessons
from app.links import settings_from_json
from app.networks import export, figures, settings
from app.networks import ids as net_ids
from app.networks import surface as plane_surface
from app.networks import training as trainer
from app.parsing import parse_run
from optimizers import budget
from tests.test_networks_view import train as train_request

VALUES = {
    **settings.values_of(settings.DEFAULT),
    "model": "recommender", "users": 6, "items": 7, "rank": 2, "known": 50, "rating_noise": 0.05,
    "l2": 0.001, "rating_seed": 3, "lrs": "0.01, 0.05", "steps": 120,
}  # fmt: skip
SPEC = parse_run("adam", {"betas.0": 0.8, "betas.1": 0.99})  # as the run card gives it


def small() -> trainer.Setup:
    return settings.setup_of(VALUES, SPEC)


def test_the_recommenders_boxes_make_its_problem_and_the_networks_keep_their_defaults():
    setup = small()
    problem = setup.network()
    assert isinstance(problem, landscapes.recommender().__class__)
    assert problem.settings == dict(users=6, items=7, rank=2, density=0.5, noise=0.05, l2=0.001, seed=3)
    assert (setup.data, setup.hidden, setup.n) == (
        settings.DEFAULT.data,
        settings.DEFAULT.hidden,
        settings.DEFAULT.n,
    )
    # A network's bad box does not block the recommender: only the chosen model's boxes are read.
    assert settings.setup_of({**VALUES, "hidden": "banana"}, SPEC) == setup


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("users", 1, "users"),
        ("items", 51, "items"),
        ("rank", 9, "rank"),
        ("known", 0, "known ratings"),
        ("l2", -1, "L2 penalty"),
        ("model", "forest", "Model"),
    ],
)
def test_a_bad_rating_matrix_box_is_refused_in_plain_words(key, value, message):
    with pytest.raises(ValueError, match=message):
        settings.setup_of({**VALUES, key: value}, SPEC)


def test_a_recommenders_link_gives_the_same_setup_and_an_old_link_a_network():
    setup = small()
    data = json.loads(json.dumps(settings.to_link(setup, 5)))
    assert settings.from_link(data) == (setup, 5)
    old = {k: v for k, v in settings.to_link(settings.DEFAULT).items() if k in ("lrs", "steps", "run")}
    assert settings.from_link(old)[0].model == "network"


def test_training_is_the_engines_run_on_the_recommender_with_its_test_loss_on_the_unknown_entries():
    setup = small()
    result = trainer.train(setup)
    problem = setup.network()
    direct = optimizers.run(
        problem, "adam", start=np.tile(problem.init(0), (2, 1)), steps=120, lr=[0.01, 0.05], betas=[0.8, 0.99]
    )
    np.testing.assert_array_equal(result.trajectory.points, direct.points)
    at = result.trajectory.points[:, result.curve_steps]
    np.testing.assert_allclose(
        result.train_loss, problem.value(at.reshape(-1, problem.n_params)).reshape(2, -1)
    )
    unknown = problem.unknown_error(at.reshape(-1, problem.n_params)).reshape(2, -1) ** 2
    np.testing.assert_allclose(result.test_loss, unknown)
    assert result.planes is not None and all(np.isfinite(p.z).all() for p in result.planes)


def test_the_ratings_figure_shows_the_known_ratings_the_tastes_and_each_u_v_at_the_snapshot():
    result = trainer.train(small())
    rec = result.network
    for frame in (0, len(result.frames) // 2, len(result.frames) - 1):
        fig = figures.boundary_figure(result, frame)
        heatmaps = [trace for trace in fig.data if trace.type == "heatmap"]
        assert len(heatmaps) == figures.RATING_PANELS + 2
        known = np.array(heatmaps[0].z, dtype=float)
        np.testing.assert_array_equal(np.isnan(known), ~rec.mask)  # unknown ratings are gaps
        np.testing.assert_allclose(known[rec.mask], rec.ratings[rec.mask], atol=5e-4)
        np.testing.assert_allclose(np.array(heatmaps[1].z, dtype=float), rec.truth, atol=5e-4)
        for i in range(2):
            step = result.frames[frame]
            drawn = np.array(fig.data[figures.RATING_TRACES * (figures.RATING_PANELS + i)].z, dtype=float)
            np.testing.assert_allclose(
                drawn, rec.reconstruction(result.trajectory.points[i, step]), atol=5e-4
            )
        marks = fig.data[1]
        assert list(marks.text) == ["?"] * int((~rec.mask).sum())


def test_the_browsers_snapshots_are_the_figures_own_on_its_colour_scale():
    result = trainer.train(small())
    data = figures.frames_data(result)
    assert data["task"] == "recommender" and data["steps"] == result.frames.tolist()
    boundary = data["boundary"]
    for f in (0, 3, len(result.frames) - 1):
        fig = figures.boundary_figure(result, f)
        for i, (trace,) in enumerate(boundary["traces"]):
            heatmap = fig.data[trace]
            lo, hi = heatmap.zmin, heatmap.zmax
            assert boundary["range"] == [lo, hi] and boundary["shape"] == [6, 7]
            decoded = figures.decode_ratings(boundary["z"][i][f], (6, 7), hi)
            # What the panel draws: the figure's value where the scale has it, in 254 steps of it.
            drawn = np.clip(np.array(heatmap.z, dtype=float), lo, hi)
            np.testing.assert_allclose(decoded, drawn, atol=(hi - lo) / 254 / 2 + 1e-3)


#: The most snapshot data the view sends: 8 models of 50 users × 50 items, each snapshot sending U Vᵀ
#: whatever the rank; rank 1 lets the work cap allow the most steps, so the most snapshots.
LARGEST = {
    "model": "recommender", "users": 50, "items": 50, "rank": 1, "known": 50,
    "lrs": ", ".join(str(0.01 * (i + 1)) for i in range(trainer.MAX_NETWORKS)),
}  # fmt: skip


def test_the_largest_recommenders_answer_is_under_a_megabyte_of_snapshots(client, page):
    setup = settings.setup_of({**VALUES, **LARGEST, "steps": 1}, SPEC)
    n_params = (setup.users + setup.items) * setup.rank
    steps = int(trainer.MAX_WORK // trainer.work(setup, n_params))  # the most the cap allows
    changes = [(getattr(net_ids, key.upper()), "value", value) for key, value in LARGEST.items()]
    response = train_request(client, page, [*changes, (net_ids.STEPS, "value", steps)])
    assert response[net_ids.ERROR]["children"] == ""
    sizes = {f"{k}.{p}": len(json.dumps(v)) for k, props in response.items() for p, v in props.items()}
    frames = response[net_ids.FRAMES]["data"]
    assert frames["steps"] == trainer.snapshot_steps(steps).tolist() and len(frames["steps"]) > 25
    assert len(frames["boundary"]["z"]) == trainer.MAX_NETWORKS
    assert sizes[f"{net_ids.FRAMES}.data"] <= 1_000_000, sizes
    assert sum(sizes.values()) <= 1_500_000, sizes


def test_exports_cover_the_recommender():
    result = trainer.train(small())
    parsed = json.loads(export.curves_json(result, 2))
    assert parsed["task"] == "recommender" and parsed["recommender"]["rank"] == 2
    ratings = np.array(parsed["recommender"]["ratings"], dtype=float)
    np.testing.assert_array_equal(np.isnan(ratings), ~result.network.mask)
    assert settings.from_link(parsed["networks"]) == (result.setup, 2) and "inspect" not in parsed["networks"]
    inspected = json.loads(export.curves_json(result, 2, inspect=1))["networks"]
    assert settings.from_link(inspected) == (result.setup, 2) and inspected["inspect"] == 1
    np.testing.assert_array_equal(parsed["runs"][1]["final_weights"], result.trajectory.points[1, -1])
    rows = export.curves_csv(result).strip().split("\n")
    assert len(rows) == 1 + 2 * 121
    assert export.filename(result, "csv") == "descent-recommender-6x7-rank2-2-learning-rates.csv"
    page = export.offline_html(result, budget.CpuBudget(limit=float("inf")))  # any machine's speed
    assert "Hidden tastes" in page and page.count("plotly-graph-div") >= 5


def test_a_recommenders_plane_is_a_surface_of_the_same_loss():
    setup = small()
    name = plane_surface.plane_name(setup, "pca")
    assert plane_surface.parse_name(name) == (replace(setup, lrs=setup.lrs[:1]), "pca", 0)
    surface = plane_surface.plane_surface(name)
    assert "recommender 6 × 7, rank 2" in surface.title
    result = trainer.train(replace(setup, lrs=setup.lrs[:1]))
    pca = result.planes[1]
    np.testing.assert_allclose(surface.value(pca.xs[3], pca.ys[5]), pca.z[5, 3], rtol=1e-9)


def test_the_recommender_lessons_numbers_are_what_the_engine_gives():
    lesson = lessons.get("recommender")
    setup, _ = settings.from_link(settings_from_json(lesson.settings)["networks"])
    assert setup.model == "recommender"
    result = trainer.train(setup)
    assert result.network.n_examples == 53 and result.network.mask.size == 120
    np.testing.assert_allclose(result.train_loss[:, -1], [0.009, 0.004, 0.003], atol=0.0006)
    np.testing.assert_allclose(result.test_loss[:, -1], [0.09, 0.04, 0.03], atol=0.006)
    np.testing.assert_allclose(result.test_loss[:, 0], 0.39, atol=0.006)
    sparse = trainer.train(replace(setup, known=0.15)).test_loss[:, -1]
    np.testing.assert_allclose(sparse, 0.13, atol=0.015)
    assert sparse.min() > result.test_loss[:, -1].max()
    for text in ("53 of the 120", "0.009, 0.004 and 0.003", "0.09, 0.04 and 0.03", "0.39", "near 0.13"):
        assert text in lesson.text + lesson.notice


def test_train_over_http_draws_the_recommender(client, page):
    shown = ("model", "users", "items", "rank", "known", "rating_seed", "lrs", "steps")
    changes = [(getattr(net_ids, key.upper()), "value", VALUES[key]) for key in shown]
    response = train_request(client, page, changes)
    assert response[net_ids.ERROR]["children"] == ""
    assert (
        "2 recommenders × 120 steps of U Vᵀ, rank 2, on 6 users × 7 items"
        in response[net_ids.TIMING]["children"]
    )
    boundary = response[net_ids.BOUNDARY]["figure"]
    assert sum(trace["type"] == "heatmap" for trace in boundary["data"]) == figures.RATING_PANELS + 2
    assert response[net_ids.FRAMES]["data"]["task"] == "recommender"
