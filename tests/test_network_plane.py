"""A network's plane as a surface of the Surface menu: the sampled plane against its own derivatives
and against the network's loss at the plane's points, its name rebuilding it (through a share link
too), its work cap, and the Networks view's "Explore this plane" and export messages over HTTP."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

import landscapes
import optimizers
from app import ids, links
from app.figures_common import IMAGE_ROUTE
from app.model import default_settings
from app.networks import ids as net_ids
from app.networks import surface as planes
from app.networks import training
from app.networks.settings import DEFAULT
from app.parsing import parse_surface
from app.shell import ids as shell_ids
from bench.dash_client import callback_body
from landscapes import slices

SMALL = replace(DEFAULT, n=80, hidden=(8,), steps=60, lrs=(0.02, 0.1))


@pytest.fixture(scope="module")
def net():
    return landscapes.network("moons", hidden=(6, 5), n=40)


@pytest.fixture(scope="module")
def sampled(net):
    w = net.init(0)
    d1, d2 = slices.random_directions(net, w, seed=2)
    return slices.SampledPlane(net, w, d1, d2, bounds=((-1.0, 1.5), (-0.8, 1.0)), n=21)


def exact(net, surface, x, y):
    """The network's loss and its gradient in the plane's coordinates at w + x d₁ + y d₂."""
    points = surface.centre + np.column_stack([x, y]) @ surface.directions
    loss, grad = net.value_and_gradient(points)
    return loss, grad @ surface.directions.T


def test_at_its_nodes_the_sampled_plane_is_the_networks_loss_and_gradient(net, sampled):
    x, y = np.meshgrid(sampled.xs[::4], sampled.ys[::3])
    x, y = x.ravel(), y.ravel()
    loss, grad = exact(net, sampled, x, y)
    np.testing.assert_allclose(sampled.value(x, y), loss, rtol=1e-13)
    gx, gy = sampled.gradient(x, y)
    np.testing.assert_allclose(gx, grad[:, 0], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(gy, grad[:, 1], rtol=1e-10, atol=1e-13)


def test_between_its_nodes_it_stays_close_to_the_network(net, sampled):
    rng = np.random.default_rng(5)
    x, y = rng.uniform(-1.0, 1.5, 300), rng.uniform(-0.8, 1.0, 300)
    loss, grad = exact(net, sampled, x, y)
    spread = np.ptp(sampled.nodes)
    assert np.max(np.abs(sampled.value(x, y) - loss)) < 1e-3 * spread
    gx, gy = sampled.gradient(x, y)
    slope = np.max(np.abs(grad))
    assert np.max(np.abs(gx - grad[:, 0])) < 2e-2 * slope
    assert np.max(np.abs(gy - grad[:, 1])) < 2e-2 * slope


@pytest.mark.parametrize("where", ["inside", "outside"])
def test_its_gradient_and_hessian_are_its_values_derivatives(sampled, where):
    rng = np.random.default_rng(1)
    if where == "inside":
        x, y = rng.uniform(-1.0, 1.5, 50), rng.uniform(-0.8, 1.0, 50)
    else:  # the border cells' patches, continued
        x, y = rng.uniform(1.6, 2.5, 50), rng.uniform(-2.0, -0.9, 50)
    f, h = sampled.value, 1e-6
    gx, gy = sampled.gradient(x, y)
    np.testing.assert_allclose(gx, (f(x + h, y) - f(x - h, y)) / (2 * h), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(gy, (f(x, y + h) - f(x, y - h)) / (2 * h), rtol=1e-5, atol=1e-8)
    hxx, hxy, hyy = sampled.hessian(x, y)
    g = sampled.gradient
    np.testing.assert_allclose(hxx, (g(x + h, y)[0] - g(x - h, y)[0]) / (2 * h), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(hxy, (g(x, y + h)[0] - g(x, y - h)[0]) / (2 * h), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(hyy, (g(x, y + h)[1] - g(x, y - h)[1]) / (2 * h), rtol=1e-4, atol=1e-6)


def test_the_sampled_plane_keeps_the_shape_and_refuses_what_is_not_a_number(sampled):
    z = sampled.value(np.zeros((3, 4)), np.ones((3, 4)))
    assert z.shape == (3, 4) and np.isfinite(z).all()
    assert np.isnan(sampled.value(np.nan, 0.0)) and np.isnan(sampled.gradient(0.0, np.inf)[0])
    with pytest.raises(ValueError, match="2 to 201 nodes"):
        slices.SampledPlane(sampled.problem, sampled.centre, *sampled.directions, bounds=sampled.bounds, n=1)


@pytest.fixture(scope="module")
def trained():
    return training.train(SMALL)


@pytest.mark.parametrize("kind, index", [("random", 0), ("pca", 1)])
def test_a_planes_name_rebuilds_the_plane_the_networks_view_draws(trained, kind, index):
    surface = parse_surface(planes.plane_name(SMALL, kind))
    shown = trained.planes[index]
    np.testing.assert_array_equal(surface.xs, shown.xs)
    np.testing.assert_array_equal(surface.ys, shown.ys)
    np.testing.assert_allclose(surface.nodes, shown.z, rtol=1e-5)  # the picture's loss is float32's
    assert surface.start == pytest.approx(tuple(shown.path[0]))  # where the first network started
    # Both planes go through the first network's final weights: there, its final loss (a node of the
    # random plane's symmetric window; between nodes of the PCA plane's)
    final = trained.trajectory.losses[0, -1]
    assert surface.value(0.0, 0.0) == pytest.approx(final, rel=1e-12 if kind == "random" else 1e-5)
    setup, named_kind, seed = planes.parse_name(surface.name)
    assert (named_kind, seed, setup.lrs, setup.hidden, setup.n) == (kind, 0, (0.02,), (8,), 80)
    assert planes.plane_name(setup, kind) == surface.name


def test_a_plane_is_a_surface_every_tool_runs_on(trained):
    surface = parse_surface(planes.plane_name(SMALL, "random", seed=3))
    t = optimizers.run(surface, "adam", start=surface.start, steps=40, lr=0.05)
    assert t.losses[-1] < t.losses[0]
    assert np.isfinite(surface.max_curvature(*surface.start))
    z = surface.grid(50)[2]
    assert z.shape == (50, 50) and np.isfinite(z).all()


def test_a_share_link_reopens_the_plane():
    name = planes.plane_name(replace(SMALL, noise=0.3, init_seed=4), "pca")
    settings = {**default_settings(), "surface": name, "start": [0.1, -0.2]}
    search = links.encode_settings(settings)
    opened = links.decode_settings(search)
    assert opened["surface"] == name and opened["start"] == [0.1, -0.2]
    again = parse_surface(opened["surface"])
    first = planes.plane_surface(name)
    planes._built.cache_clear()  # built again from the name alone, as another server would
    rebuilt = parse_surface(opened["surface"])
    assert again is first and rebuilt is not first
    np.testing.assert_array_equal(rebuilt.nodes, first.nodes)
    assert rebuilt.bounds == first.bounds and rebuilt.title == first.title


@pytest.mark.parametrize(
    "name, words",
    [
        ("net-plane:", "damaged"),
        ("net-plane:flat:0:e30", "damaged"),
        ("net-plane:pca:x:e30", "damaged"),
        ("net-plane:pca:0:%%%", "could not be read"),
        ("net-plane:pca:0:" + "A" * 4000, "not the name"),
        ("net-plane:pca:0:eyJoaWRkZW4iOiI5OTkifQ", "each width must be 1 to 32"),  # {"hidden":"999"}
    ],
)
def test_a_damaged_name_is_refused_in_plain_words(name, words):
    with pytest.raises(ValueError, match=words):
        parse_surface(name)


def test_a_plane_too_costly_to_sample_is_refused_before_any_work():
    big = replace(DEFAULT, n=2000, hidden=(32, 32, 32), steps=10, lrs=(0.01,))
    with pytest.raises(ValueError, match="too large to explore as a surface"):
        parse_surface(planes.plane_name(big, "random"))


def test_the_defaults_plane_fits_the_cap():
    setup = replace(DEFAULT, lrs=DEFAULT.lrs[:1])
    n_params = setup.network().n_params
    planes.check_work(setup, n_params)
    assert training.work(setup, n_params) + 3 * planes.NODES**2 * setup.n * n_params <= training.MAX_WORK


# --- the view's action, over HTTP --------------------------------------------------------------------


def test_explore_this_plane_opens_explore_on_it(client, page):
    page.set([(net_ids.STEPS, "value", 60), (net_ids.SIZE, "value", 80), (net_ids.HIDDEN, "value", "8")])
    reply = client.call(f"{net_ids.BOUNDARY}.figure", [(net_ids.TRAIN, "n_clicks", 1)], page)
    assert reply.status == 200
    page.apply(reply.response)
    reply = client.call(f"{net_ids.PLANE_ERROR}.children", [(net_ids.EXPLORE_PCA, "n_clicks", 1)], page)
    assert reply.status == 200, reply.text(500)
    answer = reply.response
    name = answer[ids.SURFACE]["value"]
    setup, kind, seed = planes.parse_name(name)  # the first network of what was trained
    assert (kind, seed, setup.n, setup.hidden, setup.steps) == ("pca", 0, 80, (8,), 60)
    assert setup.lrs == DEFAULT.lrs[:1]
    assert answer[ids.MODE]["value"] == "explore" and answer[net_ids.PLANE_ERROR]["children"] == ""
    options = answer[ids.SURFACE]["options"]
    assert options[-1] == {"label": parse_surface(name).title, "value": name}
    assert [o["value"] for o in options[:-1]] == [*landscapes.names(), "custom"]
    page.apply(answer)
    # Explore computes on it as on any surface: its runs, drawn over the plane's contour image
    changes = [(ids.SURFACE, "value", name), (ids.MODE, "value", "explore")]
    reply = client.call("contour.figure", changes, page)
    assert reply.status == 200, reply.text(500)
    contour = reply.response["contour"]["figure"]
    assert contour["layout"]["images"][0]["source"].startswith(f"{IMAGE_ROUTE}/{name}.png")
    image = client.get(contour["layout"]["images"][0]["source"])
    assert image.status == 200 and image.data[:4] == b"\x89PNG"


def test_explore_this_plane_before_any_training_says_to_train(client, page):
    reply = client.call(f"{net_ids.PLANE_ERROR}.children", [(net_ids.EXPLORE_RANDOM, "n_clicks", 1)], page)
    assert "Train the networks first" in reply.response[net_ids.PLANE_ERROR]["children"]
    assert ids.SURFACE not in reply.response


def test_a_link_to_a_plane_puts_it_in_the_surface_menu(client, page):
    name = planes.plane_name(SMALL, "random")
    (offer,) = [d for d in client.deps if d["output"].startswith(f"{ids.SURFACE}.options")]
    reply = client.update(callback_body(offer, page, [(ids.SURFACE, "value", name)]))
    assert reply.response[ids.SURFACE]["options"][-1]["value"] == name
    page.set([(ids.SURFACE, "options", reply.response[ids.SURFACE]["options"])])
    again = client.update(callback_body(offer, page, [(ids.SURFACE, "value", name)]))
    assert again.status in (200, 204) and again.response == {}  # already there


def test_an_export_that_fails_says_so_in_the_view(client, page):
    (export,) = [d for d in client.deps if any(i["id"] == net_ids.EXPORT_CSV for i in d["inputs"])]
    page.set([(net_ids.HIDDEN, "value", "99")])
    reply = client.update(callback_body(export, page, [(net_ids.EXPORT_CSV, "n_clicks", 1)]))
    assert reply.status == 200
    message = reply.response[net_ids.EXPORT_ERROR]["children"]
    assert "Nothing to export" in message and "each width must be 1 to 32" in message
    assert shell_ids.DOWNLOAD not in reply.response
    page.set([(net_ids.HIDDEN, "value", "4"), (net_ids.STEPS, "value", 20), (net_ids.SIZE, "value", 40)])
    reply = client.update(callback_body(export, page, [(net_ids.EXPORT_JSON, "n_clicks", 1)]))
    assert reply.response[net_ids.EXPORT_ERROR]["children"] == ""  # a good export clears the message
    download = reply.response[shell_ids.DOWNLOAD]["data"]
    assert download["filename"].endswith(".json") and json.loads(download["content"])["networks"]
