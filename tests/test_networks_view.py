"""The Networks view's callbacks through real HTTP requests (Flask's test client, ``bench.dash_client``),
as dash-renderer sends them: the first visit trains, Train retrains with the controls' values (the run
card's too), and a bad or too big setting gets a message next to the controls and no figure at all."""

from __future__ import annotations

import json

import numpy as np
import pytest
from plotly.utils import PlotlyJSONEncoder

import landscapes
import optimizers
from app import ids
from app.components.run_card import RunCard
from app.model import RunSpec
from app.networks import figures
from app.networks import ids as net_ids
from app.networks.layout import run_card
from app.shell import ids as shell_ids
from bench.dash_client import callback_body, stringify_id

TRAIN = f"{net_ids.BOUNDARY}.figure"
DRAWN = (net_ids.BOUNDARY, net_ids.LOSS, net_ids.RANDOM_PLANE, net_ids.PCA_PLANE, net_ids.FRAMES)
SMALL = [(net_ids.STEPS, "value", 60), (net_ids.SIZE, "value", 80), (net_ids.HIDDEN, "value", "8")]


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


def test_newton_is_not_offered_and_a_forged_request_gets_a_message(client, page):
    menu = client.page.props[stringify_id(RunCard.ids.optimizer(net_ids.CARD))][1]["options"]
    offered = {option["value"] for option in menu}
    assert "newton" not in offered and {"adam", "sgd", "lbfgs"} <= offered
    response = train(client, page, [*SMALL, (RunCard.ids.optimizer(net_ids.CARD), "value", "newton")])
    assert "exact hessian" in response[net_ids.ERROR]["children"].lower()
    assert not any(key in response for key in DRAWN)


def test_a_schedule_draws_each_networks_learning_rate_in_the_card(client, page):
    changes = [
        *SMALL,
        (net_ids.LRS, "value", "0.01, 0.1"),
        (RunCard.ids.option(net_ids.CARD, "scheduler"), "value", "steplr"),
    ]
    # The card as the browser shows it once StepLR is picked (its options appear; step_size is required).
    card = run_card(RunSpec("adam", options={"scheduler": "steplr", "scheduler_options": {"step_size": 20}}))
    page.apply({net_ids.CARD_SLOT: {"children": json.loads(json.dumps(card, cls=PlotlyJSONEncoder))}})
    page.set(changes)
    reply = client.call(TRAIN, [(net_ids.TRAIN, "n_clicks", 1)], page)
    assert reply.status == 200, reply.text(1000)
    plot = reply.response[stringify_id(RunCard.ids.lr_plot(net_ids.CARD))]["figure"]
    steps = np.arange(60)
    for trace, lr in zip(plot["data"], (0.01, 0.1), strict=True):  # StepLR: γ = 0.1 every 20 steps
        np.testing.assert_allclose(trace["y"], lr * 0.1 ** (steps // 20), rtol=1e-3)


def test_a_link_sets_the_controls_and_its_training_opens_at_the_links_snapshot(client, page):
    from dataclasses import replace

    from app import links, model
    from app.networks import settings

    setup = replace(settings.DEFAULT, lrs=(0.02, 0.2), hidden=(8,), n=80, steps=60, init_seed=3)
    search = links.encode_settings(
        {**model.default_settings(), "mode": "networks", "networks": settings.to_link(setup, 4, inspect=1)}
    )
    reply = client.call(f"{net_ids.LRS}.value", [(ids.URL, "search", search)], page)
    assert reply.status == 200, reply.text(1000)
    opened = reply.response
    assert opened[net_ids.LRS]["value"] == "0.02, 0.2" and opened[net_ids.HIDDEN]["value"] == "8"
    assert opened[net_ids.INIT_SEED]["value"] == 3
    assert opened[net_ids.PENDING]["data"] == {"frame": 4, "inspect": 1}
    page.apply(opened)
    page.set([(ids.MODE, "value", "networks")])  # as the shell's own part of the link sets it
    trained = train(client, page, trigger=(net_ids.LINKED, "data", opened[net_ids.LINKED]["data"]))
    assert trained[net_ids.FRAME]["value"] == 4 and trained[net_ids.PENDING]["data"] is None
    assert trained[net_ids.INSPECT_RUN]["value"] == 1  # the inspector shows the link's network
    page.apply(trained)
    page.set([(net_ids.FRAME, "value", 4)])
    link = client.call(f"{shell_ids.SHARE_QUERY}.data", [(shell_ids.SHARE, "n_clicks", 1)], page)
    reopened = links.decode_settings(link.response[shell_ids.SHARE_QUERY]["data"])["networks"]
    got, frame = settings.from_link(reopened)
    assert (got.lrs, got.hidden, got.init_seed, got.steps, frame) == (setup.lrs, (8,), 3, 60, 4)
    assert reopened["inspect"] == 1  # and it reopens at the same network
    assert len(trained[net_ids.BOUNDARY]["figure"]["data"]) == figures.CLASS_TRACES * 2
    # choosing another network in the inspector is a new link (the address bar follows it)
    chosen = client.call(f"{shell_ids.SHARE_QUERY}.data", [(net_ids.INSPECT_RUN, "value", 0)], page)
    assert chosen.status == 200, chosen.text(1000)
    assert links.decode_settings(chosen.response[shell_ids.SHARE_QUERY]["data"])["networks"]["inspect"] == 0


def test_a_link_with_a_bad_networks_part_says_so(client, page):
    from app import links, model

    bad = {**model.default_settings(), "mode": "networks", "networks": {"hidden": "99"}}
    reply = client.call(f"{net_ids.LRS}.value", [(ids.URL, "search", links.encode_settings(bad))], page)
    assert "each width must be 1 to 32" in reply.response[net_ids.ERROR]["children"]
    assert net_ids.LRS not in reply.response


def test_the_csv_export_holds_every_steps_losses_as_the_engine_computes_them(client, page):
    from app.shell import ids as shell_ids

    page.set([*SMALL, (ids.MODE, "value", "networks"), (net_ids.LRS, "value", "0.01, 0.05")])
    # The view's own Export menu (the shell's is in its player bar, hidden in this view)
    (export,) = [d for d in client.deps if any(i["id"] == net_ids.EXPORT_CSV for i in d["inputs"])]
    reply = client.update(callback_body(export, page, [(net_ids.EXPORT_CSV, "n_clicks", 1)]))
    assert reply.status == 200, reply.text(1000)
    download = reply.response[shell_ids.DOWNLOAD]["data"]
    assert download["filename"] == "descent-network-moons-2-learning-rates.csv"
    rows = [line.split(",") for line in download["content"].strip().splitlines()]
    assert rows[0] == ["network", "lr", "step", "train_loss", "test_loss", "diverged_at"]
    table = np.array(rows[1:], dtype=float)
    net = landscapes.network(
        data="moons", hidden=(8,), activation="tanh", n=80, noise=0.15, seed=0, n_test=27
    )
    for k, lr in enumerate((0.01, 0.05)):
        run = optimizers.run(net, "adam", start=net.init(0), steps=60, lr=lr)
        mine = table[table[:, 0] == k]
        np.testing.assert_array_equal(mine[:, 2], np.arange(61))
        np.testing.assert_allclose(mine[:, 3], run.losses, rtol=1e-12)
        np.testing.assert_allclose(mine[:, 4], net.test_value(run.points), rtol=1e-12)


def test_a_link_gives_back_exactly_the_setup_it_was_made_of():
    from app.networks import settings

    values = {**settings.values_of(settings.DEFAULT), "lrs": "0.001:0.1:3", "hidden": "12 5", "noise": 0.3}
    card = {
        "optimizer": "adam",
        "hp": {"betas.0": 0.8, "betas.1": 0.99, "amsgrad": ["on"]},
        "options": {"scheduler": "steplr", "batch_size": 16, "seed": 4},
        "schedule": {"step_size": 30},
    }
    setup = settings.parse_setup(values, card)
    data = json.loads(json.dumps(settings.to_link(setup, 7)))  # through JSON, as in a link
    assert settings.from_link(data) == (setup, 7) and "inspect" not in data
    inspected = json.loads(json.dumps(settings.to_link(setup, 7, inspect=2)))
    assert settings.from_link(inspected) == (setup, 7) and inspected["inspect"] == 2
    for bad in (3, -1, True, "1", 1.0):  # three networks: 0, 1 or 2
        with pytest.raises(ValueError, match="inspected network must be a whole number from 0 to 2"):
            settings.from_link({**data, "inspect": bad})
    assert setup.lrs == (0.001, 0.01, 0.1) and setup.hyperparameters["betas"] == [0.8, 0.99]


def test_every_networks_lesson_opens_a_valid_setup_that_trains():
    from app import lessons
    from app.links import settings_from_json
    from app.networks import settings
    from app.networks import training as trainer

    chosen = [lesson for lesson in lessons.LESSONS if lesson.settings.get("mode") == "networks"]
    assert len(chosen) >= 4
    for lesson in chosen:
        setup, _ = settings.from_link(settings_from_json(lesson.settings)["networks"])
        trainer.check_work(setup, setup.network().n_params)  # within the work cap


def test_the_learning_rate_lessons_numbers_are_what_the_engine_gives():
    from app import lessons
    from app.links import settings_from_json
    from app.networks import settings
    from app.networks import training as trainer

    lesson = lessons.get("network-learning-rate")
    setup, _ = settings.from_link(settings_from_json(lesson.settings)["networks"])
    loss = trainer.train(setup).train_loss
    final = loss[:, -1]
    # 0.03 and 0.3 descend smoothly: their losses are the same on every machine. 3 learns in bumps
    # (its loss goes up and down by 0.1 and more), so its last value differs with the BLAS's rounding
    # (0.06 on one CI machine, 0.07 on another): the lesson says only what holds on all of them.
    np.testing.assert_allclose(final[:2], [0.30, 0.08], atol=0.005)
    assert np.all(np.diff(loss[:2]) < 0)  # every step a little lower
    assert final[2] < 0.1 and np.any(np.diff(loss[2]) > 0.05)  # "in bumps", "ends below 0.1"
    assert final[3] > 50  # "jumps to a loss of about 70"
    for text in ("0.30", "smoothly (0.08)", "bumps", "below 0.1", "about 70"):
        assert text in lesson.notice
