"""The Networks view's callbacks through real HTTP requests (Flask's test client, ``bench.dash_client``),
as dash-renderer sends them: the first visit trains, Train retrains with the controls' values (the run
card's too), and a bad or too big setting gets a message next to the controls and no figure at all."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import landscapes
import optimizers
from app import ids
from app.components.run_card import RunCard
from app.main import create_app
from app.networks import figures
from app.networks import ids as net_ids
from bench.dash_client import DashClient, Page, stringify_id

TRAIN = f"{net_ids.BOUNDARY}.figure"
DRAWN = (net_ids.BOUNDARY, net_ids.LOSS, net_ids.RANDOM_PLANE, net_ids.PCA_PLANE, net_ids.FRAMES)
SMALL = [(net_ids.STEPS, "value", 60), (net_ids.SIZE, "value", 80), (net_ids.HIDDEN, "value", "8")]


@pytest.fixture(scope="module")
def client() -> DashClient:
    return DashClient(create_app())


@pytest.fixture
def page(client) -> Page:
    return Page(copy.deepcopy(client.page.layout))


def train(client, page, changes=(), trigger=(net_ids.TRAIN, "n_clicks", 1)) -> dict:
    page.set(list(changes))
    reply = client.call(TRAIN, [trigger], page)
    assert reply.status in (200, 204), reply.text(1000)
    return reply.response if reply.status == 200 else {}


def test_the_first_visit_trains_and_a_second_does_not(client, page):
    response = train(client, page, SMALL, trigger=(ids.MODE, "value", "networks"))
    assert response[net_ids.ERROR]["children"] == ""
    boundary = response[net_ids.BOUNDARY]["figure"]
    assert len(boundary["data"]) == figures.CLASS_TRACES * 3  # three learning rates by default
    frames = response[net_ids.FRAMES]["data"]
    assert frames["steps"][0] == 0 and frames["steps"][-1] == 60
    assert response[net_ids.FRAME]["max"] == len(frames["steps"]) - 1 == response[net_ids.FRAME]["value"]
    assert "3 networks × 60 steps of a 2-8-1 tanh MLP" in response[net_ids.TIMING]["children"]
    page.apply(response)
    again = train(client, page, trigger=(ids.MODE, "value", "networks"))
    assert not any(key in again for key in DRAWN)


def test_switching_to_another_view_does_not_train(client, page):
    response = train(client, page, SMALL, trigger=(ids.MODE, "value", "maps"))
    assert not any(key in response for key in DRAWN)


def test_train_uses_the_run_cards_hyperparameters(client, page):
    beta = stringify_id(RunCard.ids.hp(net_ids.CARD, "betas.0"))
    assert beta in page.props  # the card shows Adam's betas
    changes = [
        *SMALL,
        (net_ids.LRS, "value", "0.02"),
        (RunCard.ids.hp(net_ids.CARD, "betas.0"), "value", 0.5),
    ]
    response = train(client, page, changes)
    loss = response[net_ids.LOSS]["figure"]["data"][0]
    net = landscapes.network(
        data="moons", hidden=(8,), activation="tanh", n=80, noise=0.15, seed=0, n_test=27
    )
    run = optimizers.run(net, "adam", start=net.init(0), steps=60, lr=0.02, betas=(0.5, 0.999))
    np.testing.assert_allclose(loss["y"], run.losses[np.array(loss["x"])], rtol=1e-5)
    other = optimizers.run(net, "adam", start=net.init(0), steps=60, lr=0.02)
    assert not np.allclose(loss["y"], other.losses[np.array(loss["x"])], rtol=1e-5)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ([(net_ids.HIDDEN, "value", "16, 64")], "each width must be 1 to 32"),
        ([(net_ids.HIDDEN, "value", "8, 8, 8, 8")], "1 to 3 widths"),
        ([(net_ids.LRS, "value", "fast")], "learning rate"),
        ([(net_ids.SIZE, "value", None)], "training points"),
        ([(net_ids.DATA, "value", "nope")], "choose one of"),
        ([(net_ids.ACTIVATION, "value", "gelu")], "choose one of: tanh, relu, sigmoid"),
        ([(RunCard.ids.hp(net_ids.CARD, "eps"), "value", -1)], "eps"),
        (
            [
                (net_ids.SIZE, "value", 2000),
                (net_ids.HIDDEN, "value", "32, 32, 32"),
                (net_ids.STEPS, "value", 2000),
                (net_ids.LRS, "value", "0.001:0.1:8"),
            ],
            "at most",
        ),
    ],
)
def test_a_bad_setting_gets_a_message_and_no_figure(client, page, changes, words):
    response = train(client, page, [*SMALL, *changes])
    assert words.lower() in response[net_ids.ERROR]["children"].lower()
    assert not any(key in response for key in DRAWN), "a refused setting still drew"


def test_the_curve_data_set_draws_a_fitted_curve_per_network(client, page):
    response = train(
        client, page, [*SMALL, (net_ids.DATA, "value", "curve"), (net_ids.LRS, "value", "0.01, 0.1")]
    )
    boundary = response[net_ids.BOUNDARY]["figure"]
    assert len(boundary["data"]) == figures.CURVE_TRACES * 2
    assert response[net_ids.FRAMES]["data"]["task"] == "regression"


def test_the_mode_switch_offers_the_networks_view(client):
    options = client.page.props[ids.MODE][1]["options"]
    assert {"label": "Networks", "value": "networks"} in options
