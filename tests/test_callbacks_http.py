"""The app's callbacks through real HTTP requests (Flask's test client), built as dash-renderer builds
them (``bench.dash_client``): what a browser, a share link or a hand-made request can send.

The contract for a bad value: the answer is 200 with a short message in the error output next to the
control, and no figure output at all (Dash then leaves every figure as it was); never a 500.
"""

from __future__ import annotations

import base64
import copy
import json
import re

import plotly
import pytest

from app import ids, model
from app.compare import ids as compare_ids
from app.components.run_card import RunCard
from app.explore import figures as explore_figures
from app.explore import ids as explore_ids
from app.maps import ids as maps_ids
from app.model import MAX_RUNS, MAX_STEPS, PALETTE, RunSpec
from app.shell import ids as shell_ids
from bench.dash_client import PATCH_KEY, DashClient, Page, Reply, callback_body, stringify_id

COMPUTE = f"{explore_ids.SURFACE_3D}.figure"
SETTINGS = f"{shell_ids.NOTICE}.children"
#: Every output of the compute callback that draws something; a bad value must leave all of them.
FIGURE_OUTPUTS = (
    explore_ids.SURFACE_3D,
    explore_ids.CONTOUR,
    compare_ids.COMPARE,
    shell_ids.LOSS,
    shell_ids.RUNS_DATA,
    shell_ids.FRAME,
)
SETUP, COMPARE = ids.SETUP_ERROR, compare_ids.COMPARE_ERROR
RUN0, RUN1 = stringify_id(RunCard.ids.error(0)), stringify_id(RunCard.ids.error(1))
SHORT = 400  # characters: a message a student reads at a glance (a list of names fits)


def raw(literal: str) -> str:
    """A value sent as this JSON literal (e.g. ``1e400``, which JSON parsers read as infinity)."""
    return f"@raw:{literal}@"


def send(client: DashClient, output: str, changed: list, page: Page) -> Reply:
    """Fire the callback with ``output`` after ``changed``; the answer must be 200 or 204.

    (How long it took is not asserted: the work is bounded by ``optimizers.budget`` and the formula
    deadline, whose own tests check the mechanism; a slow CI machine must not fail here.)"""
    text = re.sub(r'"@raw:([^"@]*)@"', r"\1", json.dumps(client.body(output, changed, page)))
    reply = client.update(text)
    assert reply.status in (200, 204), f"{changed!r:.200} answered {reply.status}: {reply.text(2000)}"
    return reply


def message(response: dict, key: str) -> str:
    return response.get(key, {}).get("children") or ""


def assert_refused(response: dict, key: str, words: str) -> None:
    """A message containing ``words`` in output ``key``, and no figure output."""
    text = message(response, key)
    assert words.lower() in text.lower(), f"expected {words!r} in {key}, got {text!r}"
    drawn = [k for k in response if k in FIGURE_OUTPUTS or '"lr-plot"' in k]
    assert not drawn, f"a bad value still sent {drawn}"


def card_layout(specs: list[RunSpec]) -> list:
    """Run cards as layout JSON, to put more (or other) cards on the page than it opened with."""
    cards = [RunCard(i, spec) for i, spec in enumerate(specs)]
    return json.loads(json.dumps(cards, cls=plotly.utils.PlotlyJSONEncoder))


def link(data) -> str:
    raw_bytes = data if isinstance(data, bytes) else json.dumps(data).encode()
    return "?state=" + base64.urlsafe_b64encode(raw_bytes).decode().rstrip("=")


# ------------------------------------------------------------------------------ what is re-sent


def test_a_learning_rate_change_sends_only_patches_of_the_run_traces(client, page):
    response = send(client, COMPUTE, [(RunCard.ids.hp(0, "lr"), "value", 0.0015)], page).response
    for key, first_run_trace in (
        (explore_ids.SURFACE_3D, explore_figures.STATIC_3D),
        (explore_ids.CONTOUR, 1),
    ):
        figure = response[key]["figure"]
        assert PATCH_KEY in figure and "data" not in figure, f"{key} was sent whole"
        for operation in figure["operations"]:
            location, value = operation["location"], operation["params"].get("value")
            assert location[0] == "data" and location[1] >= first_run_trace, f"{key} patch touches {location}"
            assert isinstance(value, dict) and value.get("type") in ("scatter", "scatter3d")
    patches = json.dumps([response[explore_ids.SURFACE_3D], response[explore_ids.CONTOUR]])
    for heavy in ('"type": "surface"', '"type": "contour"', '"images"', '"layout"'):
        assert heavy not in patches, f"a runs-only update re-sent {heavy}"
    assert response[shell_ids.FRAME]["max"] == page.value(ids.STEPS, "value")[1]
    assert not message(response, SETUP) and not message(response, RUN0)


def run_slots_sent(response: dict) -> set[int]:
    """The run slots whose traces a runs-only answer re-sends on the 3D surface."""
    figure = response[explore_ids.SURFACE_3D]["figure"]
    return {(op["location"][1] - explore_figures.STATIC_3D) // 3 for op in figure["operations"]}


def loss_traces_sent(response: dict):
    """The loss chart's trace indices a runs-only answer assigns, or "all" if it replaces them all."""
    operations = response[shell_ids.LOSS]["figure"]["operations"]
    data = [op["location"] for op in operations if op["location"][0] == "data"]
    return "all" if ["data"] in data else {location[1] for location in data}


def test_a_runs_only_answer_leaves_out_the_runs_the_browser_already_draws(client, page):
    def change(component, value) -> dict:
        changed = [(component, "value", value)]
        response = send(client, COMPUTE, changed, page).response
        page.set(changed)
        page.apply(response)  # the browser now holds the new key (and its figures the patched runs)
        return response

    first = change(RunCard.ids.hp(0, "lr"), 0.0015)
    assert run_slots_sent(first) == set(range(MAX_RUNS))  # the page's first key names no slots: all sent
    assert loss_traces_sent(first) == "all"
    again = change(RunCard.ids.hp(0, "lr"), 0.0012)
    assert run_slots_sent(again) == {0}  # run 1 and the empty slots are as drawn
    assert loss_traces_sent(again) == {0, 1}  # run 0's line and ball
    log = change(shell_ids.LOSS_LOG, [] if page.value(shell_ids.LOSS_LOG, "value")[1] else ["log"])
    assert run_slots_sent(log) == set() and loss_traces_sent(log) == "all"  # the same runs on a new scale
    other = change(RunCard.ids.hp(1, "lr"), 0.02)
    assert run_slots_sent(other) == {1}
    assert other[shell_ids.RUNS_KEY]["data"]["slots"][0] == again[shell_ids.RUNS_KEY]["data"]["slots"][0]
    forged = {**other[shell_ids.RUNS_KEY]["data"], "slots": "not a list"}
    page.set([(shell_ids.RUNS_KEY, "data", forged)])
    reply = change(RunCard.ids.hp(0, "lr"), 0.0011)
    assert run_slots_sent(reply) == set(range(MAX_RUNS))  # a key it cannot read: everything is sent


def test_a_surface_change_sends_whole_figures(client, page):
    response = send(client, COMPUTE, [(ids.SURFACE, "value", "himmelblau")], page).response
    surface = response[explore_ids.SURFACE_3D]["figure"]
    assert PATCH_KEY not in surface
    assert surface["data"][0]["type"] == "surface"
    contour = response[explore_ids.CONTOUR]["figure"]
    assert PATCH_KEY not in contour
    assert "himmelblau" in contour["layout"]["images"][0]["source"]
    assert (
        response[shell_ids.RUNS_DATA]["data"]["window"]
        != page.value(shell_ids.RUNS_DATA, "data")[1]["window"]
    )


def test_after_a_bad_value_the_next_good_one_draws_again(client, page):
    bad = send(client, COMPUTE, [(ids.STEPS, "value", 5000)], page).response
    assert_refused(bad, SETUP, "steps")
    page.set([(ids.STEPS, "value", 5000)])
    good = send(client, COMPUTE, [(ids.STEPS, "value", 50)], page).response
    assert message(good, SETUP) == ""  # the old message is cleared
    assert good[shell_ids.FRAME]["max"] == 50


# ------------------------------------------------------------------------------------ bad values

LR, X = RunCard.ids.hp(0, "lr"), ids.START_X
BAD_VALUES = [
    # (control, value, error output, words the message must contain)
    (LR, "abc", RUN0, "lr must be a number"),
    (LR, -1, RUN0, "Invalid learning rate: -1"),
    (LR, "NaN", RUN0, "learning rate"),
    (LR, float("nan"), RUN0, "learning rate"),  # the JSON literal NaN
    (LR, "1e400", RUN0, "learning rate"),
    (LR, raw("1e400"), RUN0, "learning rate"),
    (LR, float("-inf"), RUN0, "learning rate"),
    (LR, "", RUN0, "lr"),
    (LR, "  ", RUN0, "lr"),
    (LR, [0.1], RUN0, "lr must be a number"),
    (LR, {"value": 0.1}, RUN0, "lr must be a number"),
    (LR, True, RUN0, "lr must be a number"),
    (ids.STEPS, MAX_STEPS * 5, SETUP, f"steps must be from 1 to {MAX_STEPS}"),
    (ids.STEPS, 0, SETUP, "steps must be from 1"),
    (ids.STEPS, -1, SETUP, "steps must be from 1"),
    (ids.STEPS, 2.5, SETUP, "whole number"),
    (ids.STEPS, "abc", SETUP, "steps must be a number"),
    (ids.STEPS, None, SETUP, "steps is empty"),
    (ids.STEPS, "", SETUP, "steps is empty"),
    (ids.STEPS, "NaN", SETUP, "steps"),
    (ids.STEPS, raw("1e400"), SETUP, "steps"),
    (ids.STEPS, [], SETUP, "steps must be a number"),
    (ids.STEPS, {}, SETUP, "steps must be a number"),
    (X, "1e999", SETUP, "start x must be from"),
    (X, "NaN", SETUP, "start x"),
    (X, 1e7, SETUP, "start x must be from"),
    (X, raw("-1e400"), SETUP, "start x"),
    (X, None, SETUP, "start x is empty"),
    (X, "", SETUP, "start x is empty"),
    (X, [1, 2], SETUP, "start x must be a number"),
    (X, {"x": 1}, SETUP, "start x must be a number"),
    (ids.START_Y, "abc", SETUP, "start y must be a number"),
    (ids.SURFACE, "nope", SETUP, "Unknown landscape"),
    (ids.SURFACE, None, SETUP, "Unknown surface"),
    (ids.SURFACE, 3, SETUP, "Unknown surface"),
    (ids.SURFACE, ["bowl"], SETUP, "Unknown surface"),
    (ids.SURFACE, {"name": "bowl"}, SETUP, "Unknown surface"),
    (RunCard.ids.optimizer(0), "nope", RUN0, "Unknown optimizer"),
    (RunCard.ids.optimizer(0), None, RUN0, "Choose an optimizer"),
    (RunCard.ids.optimizer(0), 3, RUN0, "Choose an optimizer"),
    (RunCard.ids.optimizer(0), ["sgd"], RUN0, "Choose an optimizer"),
    (RunCard.ids.optimizer(0), {"name": "sgd"}, RUN0, "Choose an optimizer"),
    (RunCard.ids.hp(0, "momentum"), -1, RUN0, "momentum"),
    (RunCard.ids.hp(0, "momentum"), "abc", RUN0, "momentum must be a number"),
    (RunCard.ids.hp(0, "dampening"), 2, RUN0, "dampening"),
    (RunCard.ids.hp(0, "nesterov"), "yes", RUN0, "on or off"),
    (RunCard.ids.hp(1, "betas.0"), 1.5, RUN1, "beta"),
    (RunCard.ids.hp(1, "betas.1"), "NaN", RUN1, "beta"),
    (RunCard.ids.hp(1, "eps"), -1, RUN1, "eps"),
    (RunCard.ids.option(0, "batch_size"), 0, RUN0, "batch size must be from 1"),
    (RunCard.ids.option(0, "batch_size"), 2.5, RUN0, "whole number"),
    (RunCard.ids.option(0, "batch_size"), 1e12, RUN0, "batch size"),
    (RunCard.ids.option(0, "noise"), -1, RUN0, "noise"),
    (RunCard.ids.option(0, "noise"), "NaN", RUN0, "noise"),
    (RunCard.ids.option(0, "seed"), -1, RUN0, "seed"),
    (RunCard.ids.option(0, "seed"), 2**40, RUN0, "seed"),
    (RunCard.ids.option(0, "scheduler"), "nope", RUN0, "Unknown schedule"),
    (RunCard.ids.option(0, "scheduler"), 3, RUN0, "Unknown schedule"),
]


@pytest.mark.parametrize(("control", "value", "output", "words"), BAD_VALUES)
def test_a_bad_value_gets_a_message_and_leaves_the_figures(client, page, control, value, output, words):
    reply = send(client, COMPUTE, [(control, "value", value)], page)
    assert reply.status == 200
    assert_refused(reply.response, output, words)
    assert len(message(reply.response, output)) <= SHORT


COMPARE_LRS = [
    ("", "Enter learning rates"),
    (None, "Enter learning rates"),
    (["0.1"], "Enter learning rates"),
    ("abc", "learning rate must be a number"),
    ("0:1:4", "learning rate must be from"),
    ("0.001:1:100", "a range needs 2 to 8 values"),
    (", ".join(["0.1"] * 9), "at most 8 learning rates"),
    ("0.1, -1", "learning rate must be from"),
    ("1e400, 0.1", "learning rate must be from"),
]


@pytest.mark.parametrize(("text", "words"), COMPARE_LRS)
def test_bad_learning_rates_to_compare_get_a_message(client, page, text, words):
    changed = [(ids.MODE, "value", "compare"), (compare_ids.COMPARE_LRS, "value", text)]
    assert_refused(send(client, COMPUTE, changed, page).response, COMPARE, words)


@pytest.mark.parametrize(
    ("formula", "words"),
    [
        ("", "Type a formula"),
        (None, "Type a formula"),
        (["x"], "Type a formula"),
        ("9^9^9", "exponent"),
        ("__import__('os')", ""),
        ("x" * 5000, ""),
        ("sin(" * 40 + "x" + ")" * 40, ""),
    ],
)
def test_a_bad_custom_formula_gets_a_message(client, page, formula, words):
    """Under the formula box, once: the compute draws nothing and leaves the setup message empty."""
    changed = [(ids.SURFACE, "value", model.CUSTOM), (ids.FORMULA, "value", formula)]
    shown = message(send(client, SETTINGS, changed, page).response, ids.FORMULA_ERROR)
    assert words.lower() in shown.lower() and 0 < len(shown) <= SHORT, shown
    computed = send(client, COMPUTE, changed, page).response
    assert message(computed, SETUP) == ""
    assert all(computed.get(key, {}).get("figure") is None for key in FIGURE_OUTPUTS), "nothing drawn"


# ------------------------------------------------------------------- the engine's own checks and caps


ENGINE_REFUSALS = [
    # (changes, error output, words): settings each valid alone that the engine refuses together
    ([(RunCard.ids.option(0, "batch_size"), "value", 5)], RUN0, "batch_size needs a loss over a data set"),
    (
        [(ids.SURFACE, "value", "logistic_regression"), (RunCard.ids.option(0, "batch_size"), "value", 41)],
        RUN0,
        "1 ≤ batch_size ≤ 40",
    ),
    ([(RunCard.ids.option(0, "scheduler"), "value", "steplr")], RUN0, "step_size"),
    (
        [
            (RunCard.ids.optimizer(0), "value", "adagrad"),
            (RunCard.ids.option(0, "scheduler"), "value", "onecyclelr"),
        ],
        RUN0,
        "cycle_momentum",
    ),
]


@pytest.mark.parametrize(("changed", "output", "words"), ENGINE_REFUSALS)
def test_the_engines_refusals_reach_the_run_card(client, page, changed, output, words):
    assert_refused(send(client, COMPUTE, changed, page).response, output, words)


def test_the_largest_allowed_setup_answers_in_time(client, page):
    """MAX_RUNS runs of the costliest update rule (Newton: a Hessian per step) × MAX_STEPS steps."""
    specs = [RunSpec("newton", {"lr": 0.5}, PALETTE[i % len(PALETTE)]) for i in range(MAX_RUNS)]
    page.apply({explore_ids.RUNS: {"children": card_layout(specs)}})
    response = send(client, COMPUTE, [(ids.STEPS, "value", MAX_STEPS)], page).response
    assert response[shell_ids.FRAME]["max"] == MAX_STEPS


def test_more_run_cards_than_max_runs_are_refused(client, page):
    specs = [RunSpec("sgd", {"lr": 0.001}, PALETTE[i % len(PALETTE)]) for i in range(3 * MAX_RUNS)]
    page.apply({explore_ids.RUNS: {"children": card_layout(specs)}})
    response = send(client, COMPUTE, [(ids.STEPS, "value", MAX_STEPS)], page).response
    told = [key for key, props in response.items() if str(MAX_RUNS) in str(props.get("children") or "")]
    assert told, "no message names the cap"
    assert_refused(response, told[0], str(MAX_RUNS))


# ---------------------------------------------------------------------------- messages stay short

HUGE_VALUES = [
    pytest.param(ids.SURFACE, "x" * 10_000, SETUP, id="surface name"),
    pytest.param(RunCard.ids.optimizer(0), "x" * 10_000, RUN0, id="optimizer name"),
    pytest.param(LR, [0.1] * 2000, RUN0, id="lr as a long list"),
    pytest.param(LR, "9" * 5000, RUN0, id="lr as a long number"),
    pytest.param(X, "9" * 5000, SETUP, id="start x as a long number"),
    pytest.param(ids.STEPS, "1" * 5000, SETUP, id="steps as a long number"),
    pytest.param(RunCard.ids.option(0, "batch_size"), "9" * 5000, RUN0, id="batch size as a long number"),
    pytest.param(RunCard.ids.option(0, "scheduler"), "x" * 10_000, RUN0, id="schedule name"),
    pytest.param(RunCard.ids.hp(0, "nesterov"), "x" * 10_000, RUN0, id="switch given text"),
    pytest.param(ids.FORMULA, "x+" * 5000, ids.FORMULA_ERROR, id="formula"),
]


@pytest.mark.parametrize(("control", "value", "output"), HUGE_VALUES)
def test_a_huge_value_gets_a_short_message(client, page, control, value, output):
    changed = [(control, "value", value)]
    if control == ids.FORMULA:
        changed.append((ids.SURFACE, "value", model.CUSTOM))
    response = send(client, SETTINGS if control == ids.FORMULA else COMPUTE, changed, page).response
    assert 0 < len(message(response, output)) <= SHORT, message(response, output)[:200]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("abc", "steps must be a number, got 'abc'"),
        ("1e309", "got '1e309', too large"),
        ("2.5", "steps must be a whole number from 1 to 1000, got '2.5'"),
        ("nan", "got 'nan', which is not a number"),
    ],
)
def test_a_number_box_says_what_is_wrong_with_its_text(client, page, text, words):
    """The number boxes are text boxes: the browser sends what was typed, not null as for
    ``type="number"``, so the message is about the value, not "is empty"."""
    assert page.props[ids.STEPS][1]["type"] == "text"
    response = send(client, COMPUTE, [(ids.STEPS, "value", text)], page).response
    assert words in message(response, SETUP)


def test_an_empty_learning_rate_box_is_refused_not_replaced_by_the_default(client, page):
    """dcc.Input(type="number") sends null when the box is emptied."""
    response = send(client, COMPUTE, [(LR, "value", None)], page).response
    assert_refused(response, RUN0, "learning rate")


# -------------------------------------------------------------------------------- hand-made requests


def _with_run_ids(body: dict, run) -> dict:
    """Every pattern-matching id of the request (inputs and outputs) with ``run`` as its run."""
    body = copy.deepcopy(body)
    for group in (body["inputs"], body["outputs"]):
        for spec in group:
            for item in spec if isinstance(spec, list) else [spec]:
                if isinstance(item["id"], dict):
                    item["id"]["aio_id"] = run
    return body


def test_a_run_id_that_is_not_a_name_or_number_is_not_a_500(client, page):
    body = _with_run_ids(client.body(COMPUTE, [(ids.STEPS, "value", 10)], page), [0, 1])
    assert client.update(body).status in (200, 204)


def test_unknown_hyperparameter_and_option_names_are_ignored(client, page):
    body = client.body(COMPUTE, [(ids.STEPS, "value", 10)], page)
    for spec in body["inputs"]:
        if isinstance(spec, list) and spec and spec[0]["id"]["subcomponent"] in ("hp", "run-option"):
            spec.append({"id": {**spec[0]["id"], "name": "bogus"}, "property": "value", "value": "x"})
    reply = client.update(body)
    assert reply.status == 200, reply.text()
    assert reply.response[shell_ids.FRAME]["max"] == 10


def test_a_stale_or_forged_runs_store_only_makes_the_figures_whole(client, page):
    body = client.body(COMPUTE, [(LR, "value", 0.0015)], page)
    body["state"][0]["value"] = {"window": "garbage"}
    reply = client.update(body)
    assert reply.status == 200, reply.text()
    assert PATCH_KEY not in reply.response[explore_ids.SURFACE_3D]["figure"]


MALFORMED = [
    pytest.param("not json{", id="not JSON"),
    pytest.param("", id="empty body"),
    pytest.param([1, 2], id="a list"),
    pytest.param("no inputs", id="no inputs"),
    pytest.param("unknown output", id="unknown output"),
]


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_request_is_a_client_error(client, page, kind):
    """Broken request bodies are answered 4xx (Dash itself raises on some: app/main.py could answer
    them with an error handler for /_dash-update-component)."""
    body = client.body(COMPUTE, [(ids.STEPS, "value", 10)], page)
    if kind == "no inputs":
        body = {k: v for k, v in body.items() if k != "inputs"}
    elif kind == "unknown output":
        body = {**body, "output": "nope.children"}
    else:
        body = kind
    assert 400 <= client.update(body).status < 500


# ------------------------------------------------------------------------------------ share links

CONTROL_OUTPUTS = (ids.SURFACE, ids.START_X, ids.STEPS, explore_ids.RUNS, ids.MODE)
DAMAGED_LINKS = [
    pytest.param("?state=garbage", "damaged", id="garbage"),
    pytest.param("?state=", "damaged", id="empty state"),
    pytest.param("?state=%%%", "damaged", id="percent signs"),
    pytest.param(link(b"\xff\xfe\x00"), "damaged", id="not UTF-8"),
    pytest.param(link(b"{not json"), "damaged", id="not JSON"),
    pytest.param(link([1, 2]), "JSON object", id="a list"),
    pytest.param(link("text"), "JSON object", id="a string"),
    pytest.param(link(None), "JSON object", id="null"),
    pytest.param(link(3), "JSON object", id="a number"),
    pytest.param("?state=" + "A" * 9000, "too long", id="huge"),
    pytest.param(link({"steps": 5000}), "steps", id="too many steps"),
    pytest.param(link({"start": [1e999, 0]}), "start x", id="infinite start"),
    pytest.param(link({"surface": "nope"}), "Unknown landscape", id="unknown surface"),
    pytest.param(link({"runs": []}), "runs", id="no runs"),
    pytest.param(link({"runs": [{"optimizer": "sgd"}] * (MAX_RUNS + 1)}), "runs", id="too many runs"),
    pytest.param(link({"runs": [{"optimizer": "nope"}]}), "Unknown optimizer", id="unknown optimizer"),
    pytest.param(link({"runs": [{"optimizer": "adam", "hp": {"lr": -1}}]}), "learning rate", id="bad lr"),
    pytest.param(link({"runs": [{"optimizer": "adam", "hp": {"bogus": 1}}]}), "bogus", id="unknown hp"),
    pytest.param(link({"runs": [{"optimizer": "adam", "hp": []}]}), "JSON object", id="hp a list"),
    pytest.param(link({"runs": [7]}), "JSON object", id="run a number"),
    pytest.param(link({"compare_lrs": "1:2:1000"}), "2 to 8", id="too many panels"),
    pytest.param(link({"mode": "x"}), "mode", id="unknown mode"),
    pytest.param(link({"step": 10**9}), "step", id="step out of range"),
    pytest.param(link({"loss_log": "yes"}), "loss_log", id="flag a string"),
    pytest.param(link({"surface": "custom", "formula": "9^9^9"}), "exponent", id="formula too big"),
]


@pytest.mark.parametrize(("search", "words"), DAMAGED_LINKS)
def test_a_damaged_share_link_shows_a_notice_and_keeps_the_controls(client, page, search, words):
    response = send(client, SETTINGS, [(ids.URL, "search", search)], page).response
    notice = message(response, shell_ids.NOTICE)
    assert "could not be opened" in notice and words.lower() in notice.lower(), notice
    assert len(notice) <= SHORT
    assert not [k for k in response if k in CONTROL_OUTPUTS]


@pytest.mark.parametrize("search", ["", "?", "?foo=bar", None, 123, ["?state=x"], {"state": "x"}])
def test_an_address_without_settings_changes_nothing(client, page, search):
    reply = send(client, SETTINGS, [(ids.URL, "search", search)], page)
    assert not [k for k in reply.response if k in CONTROL_OUTPUTS]


def test_a_good_share_link_sets_every_control(client, page):
    search = link({"surface": "himmelblau", "steps": 77, "runs": [{"optimizer": "adam", "hp": {"lr": 0.05}}]})
    response = send(client, SETTINGS, [(ids.URL, "search", search)], page).response
    assert message(response, shell_ids.NOTICE) == ""
    assert response[ids.SURFACE]["value"] == "himmelblau" and response[ids.STEPS]["value"] == 77
    page.apply(response)
    assert page.value(RunCard.ids.optimizer(0), "value") == (True, "adam")
    assert "compare" in [c["aio_id"] for c in page.matching(RunCard.ids.optimizer(["ALL"]))]


@pytest.mark.parametrize(
    "lesson",
    [
        "nope",
        3,
        [1],
        pytest.param("x" * 10_000, id="huge"),
    ],
)
def test_an_unknown_lesson_shows_a_short_notice(client, page, lesson):
    response = send(client, SETTINGS, [(shell_ids.LESSON, "value", lesson)], page).response
    notice = message(response, shell_ids.NOTICE)
    assert "Unknown lesson" in notice and len(notice) <= SHORT, notice[:300]
    assert not [k for k in response if k in CONTROL_OUTPUTS]


# ------------------------------------------------------------------------------ every callback

GARBAGE = [None, "", "abc", -1, 1e308, float("nan"), [1], {"a": 1}, True]


def _plain(specs: list, page: Page) -> list[tuple[str, str]]:
    return [(s["id"], s["property"]) for s in specs if not s["id"].startswith("{") and s["id"] in page.props]


def _sweep(client: DashClient, page: Page):
    """``(dep, changed, values)``: each server callback fired with garbage in each plain input (as the
    trigger), and in each plain state prop (fired by its first plain input: a click, or its value)."""
    for dep in client.deps:
        if dep.get("clientside_function"):
            continue
        inputs = _plain(dep["inputs"], page)
        for component_id, prop in inputs:
            for value in GARBAGE[:3] if prop == "n_clicks" else GARBAGE:
                yield dep, [(component_id, prop, value)], []
        if not inputs:
            continue
        trigger_id, trigger_prop = inputs[0]
        trigger = (trigger_id, trigger_prop, 1 if trigger_prop == "n_clicks" else page.value(*inputs[0])[1])
        for component_id, prop in _plain(dep.get("state", []), page):
            for value in GARBAGE:
                yield dep, [trigger], [(component_id, prop, value)]


def test_every_callback_answers_garbage_in_any_plain_input_or_state_without_a_500(client, page):
    """Every server callback (those of other panels too), with each of its plain props set to each
    garbage value in turn: 200 or 204, never a 500."""
    failures = []
    for dep, changed, values in _sweep(client, page):
        reply = client.update(callback_body(dep, page, changed, values))
        if reply.status not in (200, 204):
            what = values[0] if values else changed[0]
            failures.append(f"{dep['output'][:40]} with {what!r:.80}: {reply.status}")
    assert not failures, "\n".join(failures)


SHARE = f"{shell_ids.SHARE_QUERY}.data"


def test_share_with_nan_in_the_hidden_compare_box_is_not_a_500(client, page):
    reply = client.call(
        SHARE,
        [(shell_ids.SHARE, "n_clicks", 1)],
        page,
        values=[(compare_ids.COMPARE_LRS, "value", float("nan"))],
    )
    assert reply.status == 200, reply.text(300)


def test_a_share_link_reopens_the_same_controls(client, page):
    page.set([(ids.STEPS, "value", 123), (ids.START_X, "value", 0.5), (LR, "value", 0.0007)])
    page.set([(explore_ids.INSPECT_OPEN, "value", ["on"])])  # the step inspector open
    query = send(client, SHARE, [(shell_ids.SHARE, "n_clicks", 1)], page).response[shell_ids.SHARE_QUERY][
        "data"
    ]
    fresh = Page(copy.deepcopy(client.page.layout))
    response = send(client, SETTINGS, [(ids.URL, "search", query)], fresh).response
    assert message(response, shell_ids.NOTICE) == ""
    fresh.apply(response)
    for control, value in (
        (ids.STEPS, 123),
        (ids.START_X, 0.5),
        (LR, 0.0007),
        (explore_ids.INSPECT_OPEN, ["on"]),
    ):
        assert fresh.value(control, "value")[1] == value


def test_a_share_link_made_while_exploring_opens_whatever_the_compare_box_holds(client, page):
    page.set([(compare_ids.COMPARE_LRS, "value", "abc")])
    reply = send(client, SHARE, [(shell_ids.SHARE, "n_clicks", 1)], page)
    query = reply.response.get(shell_ids.SHARE_QUERY, {}).get("data")
    if query is None:  # refused, with a message: also fine
        assert "Fix" in reply.response[shell_ids.SHARE_LINK]["value"]
        return
    response = send(client, SETTINGS, [(ids.URL, "search", query)], Page(copy.deepcopy(client.page.layout)))
    assert message(response.response, shell_ids.NOTICE) == ""


def test_a_share_link_made_in_maps_reopens_the_maps_panel_as_it_was(client, page):

    changes = [
        (ids.MODE, "value", "maps"),
        (maps_ids.TAB, "value", "basins"),
        (maps_ids.BASIN_OPTIMIZER, "value", "adam"),
        (maps_ids.BASIN_LR, "value", 0.02),
        (maps_ids.BASIN_MOMENTUM, "value", 0.5),
        (maps_ids.BASIN_GRID, "value", 30),
        (maps_ids.RACE_OPTIMIZERS, "value", ["sgd", "adagrad"]),
    ]
    page.set(changes)
    query = send(client, SHARE, [(shell_ids.SHARE, "n_clicks", 1)], page).response[shell_ids.SHARE_QUERY][
        "data"
    ]
    fresh = Page(copy.deepcopy(client.page.layout))
    opened = send(client, f"{maps_ids.TAB}.value", [(ids.URL, "search", query)], fresh).response
    for component_id, prop, value in changes[1:]:
        assert opened[component_id][prop] == value, component_id
    assert opened[maps_ids.BASIN_MOMENTUM_LABEL]["children"] == "β₁ (momentum)"
    # The basins' optimizer switch that the new optimizer fires keeps the link's lr and β₁.
    fresh.apply(opened)
    kept = send(client, f"{maps_ids.BASIN_LR}.value...", [(maps_ids.BASIN_OPTIMIZER, "value", "adam")], fresh)
    assert kept.response[maps_ids.BASIN_LR]["value"] == 0.02
    assert kept.response[maps_ids.BASIN_MOMENTUM]["value"] == 0.5
    # A user's later switch brings the optimizer's own defaults again.
    fresh.apply(kept.response)
    later = send(client, f"{maps_ids.BASIN_LR}.value...", [(maps_ids.BASIN_OPTIMIZER, "value", "sgd")], fresh)
    assert later.response[maps_ids.BASIN_LR]["value"] == 0.001


def test_a_link_with_bad_maps_settings_opens_the_rest_and_says_so(client, page):

    search = link({"mode": "maps", "steps": 77, "maps": {"tab": "nope"}})
    settings = send(client, SETTINGS, [(ids.URL, "search", search)], page).response
    assert message(settings, shell_ids.NOTICE) == "" and settings[ids.STEPS]["value"] == 77
    opened = send(client, f"{maps_ids.TAB}.value", [(ids.URL, "search", search)], page).response
    assert "tab must be one of" in message(opened, maps_ids.MAP_ERROR)
    assert maps_ids.TAB not in opened


def test_the_composed_picture_is_of_the_step_shown(client, page):
    changed = [(shell_ids.EXPORT_COMPOSED, "n_clicks", 1), (shell_ids.FRAME, "value", 17)]
    data = send(client, f"{shell_ids.COMPOSED}.data", changed, page).response[shell_ids.COMPOSED]["data"]
    assert data["filename"] == "descent-rosenbrock-2-runs.png"
    assert (data["width"], data["height"]) == (1600, 900)
    assert "step 17 of 200" in data["figure"]["layout"]["title"]["text"]
    bad = send(client, f"{shell_ids.COMPOSED}.data", [*changed, (ids.STEPS, "value", "abc")], page).response
    assert shell_ids.COMPOSED not in bad and "Fix the settings" in message(bad, shell_ids.STATUS)
