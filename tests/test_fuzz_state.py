"""Property tests of everything that turns outside data into settings: share links, JSON settings,
form fields (``app.parsing``, ``app.links``), and the compute callback over HTTP.

The contract: a value is either accepted, and then it is a valid setting that survives a round trip
through a share link unchanged, or refused with a ``ValueError`` (a message for the user). No other
exception, and over HTTP never a 500 and never a slow answer.
"""

from __future__ import annotations

import base64
import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import landscapes
import optimizers
from app import ids, lessons, links, model, parsing
from app.compare import ids as compare_ids
from app.components.run_card import RunCard
from app.explore import ids as explore_ids
from app.model import MAX_COORDINATE, MAX_PANELS, MAX_RUNS, MAX_STEPS, MODES, PALETTE, RunSpec
from app.shell import ids as shell_ids
from bench.dash_client import DashClient, stringify_id
from optimizers import schedules
from optimizers.base import validate

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HTTP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ------------------------------------------------------------------------------------- strategies

ANY_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)
#: What a JSON parser can produce (NaN and ±inf included: Python's and Flask's parsers accept them).
JSON_ISH = st.recursive(
    ANY_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
#: A value for a control: the form-field kinds of the brief, one level deep.
ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.lists(ANY_SCALAR, max_size=4),
    st.dictionaries(st.text(max_size=8), ANY_SCALAR, max_size=3),
)
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["1e400", "-1e999", "NaN", "inf", "-Infinity", " 3 ", "0x10", "1_000", "½", "٣", "1e-400"]
    ),
)
FORMULAS = ["x^2 + y^2", "(1 - x)^2 + 100 (y - x^2)^2", "sin(x) * y", "abs(x) + abs(y)"]
HP_NAMES = sorted({h.name for n in optimizers.names() for h in optimizers.get(n).hyperparameters})
OPTION_NAMES = sorted({o.name for n in schedules.names() for o in schedules.get(n).options})


def near(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly plausible values (to reach deep checks), sometimes anything."""
    return st.one_of(valid, valid, valid, JSON_ISH)


HP_VALUE = st.one_of(
    st.floats(-2, 2),
    st.floats(0, 1, exclude_max=True),
    st.booleans(),
    st.lists(st.floats(0, 1, exclude_max=True), min_size=2, max_size=2),
)
RUN_JSON = st.fixed_dictionaries(
    {"optimizer": near(st.sampled_from([*optimizers.names(), "nope"]))},
    optional={
        "hp": near(st.dictionaries(st.sampled_from(HP_NAMES), near(HP_VALUE), max_size=3)),
        "color": near(st.sampled_from(PALETTE)),
        "options": near(
            st.fixed_dictionaries(
                {},
                optional={
                    "batch_size": near(st.integers(-1, 60)),
                    "noise": near(st.floats(0, 2)),
                    "seed": near(st.integers(-1, 2**32)),
                    "scheduler": near(st.sampled_from(schedules.names())),
                    "scheduler_options": near(
                        st.dictionaries(st.sampled_from(OPTION_NAMES), near(st.integers(0, 300)), max_size=3)
                    ),
                },
            )
        ),
    },
)
SETTINGS_JSON = st.fixed_dictionaries(
    {},
    optional={
        "surface": near(st.sampled_from([*landscapes.names(), "custom", "nope"])),
        "formula": near(st.sampled_from(FORMULAS)),
        "start": near(st.lists(st.floats(-5, 5), min_size=2, max_size=2)),
        "steps": near(st.integers(-1, MAX_STEPS + 1)),
        "mode": near(st.sampled_from([*MODES, "nope"])),
        "runs": near(st.lists(RUN_JSON, max_size=MAX_RUNS + 1)),
        "compare": near(RUN_JSON),
        "compare_lrs": near(st.sampled_from(["0.001, 0.01", "0.001:1:4", "1:2:100", ""])),
        "loss_log": near(st.booleans()),
        "step": near(st.integers(-1, MAX_STEPS + 1)),
        "lesson": near(st.sampled_from([*lessons.names(), None])),
        "classroom": near(st.booleans()),
        "present": near(st.booleans()),
        "inspect": near(st.booleans()),
    },
)


def link(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return "?state=" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


# ------------------------------------------------------------------------------------ share links


def assert_valid(settings_: dict) -> None:
    """Accepted settings are within every cap (a second line of defence behind the parser)."""
    assert settings_["surface"] in [*landscapes.names(), model.CUSTOM]
    assert 1 <= settings_["steps"] <= MAX_STEPS and isinstance(settings_["steps"], int)
    assert all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in settings_["start"])
    assert 1 <= len(settings_["runs"]) <= MAX_RUNS
    assert settings_["mode"] in MODES
    assert len(parsing.parse_lr_list(settings_["compare_lrs"])) <= MAX_PANELS
    for spec in [*settings_["runs"], settings_["compare"]]:
        assert isinstance(spec, RunSpec) and spec.color in PALETTE
        validate(optimizers.get(spec.optimizer), spec.hyperparameters)


def assert_round_trip(settings_: dict) -> None:
    assert_valid(settings_)
    assert links.settings_from_json(json.loads(json.dumps(links.settings_to_json(settings_)))) == settings_
    assert links.decode_settings(links.encode_settings(settings_)) == settings_


@FAST
@given(data=SETTINGS_JSON)
def test_settings_from_json_accepts_valid_settings_that_round_trip_or_raises_value_error(data):
    try:
        settings_ = links.settings_from_json(data)
    except ValueError as error:
        assert str(error)
        return
    assert_round_trip(settings_)


@FAST
@given(data=JSON_ISH)
def test_settings_from_json_of_any_json_data_is_settings_or_value_error(data):
    try:
        settings_ = links.settings_from_json(data)
    except ValueError:
        return
    assert_round_trip(settings_)


@FAST
@given(
    search=st.one_of(
        st.text(max_size=60),
        st.text(max_size=60).map(lambda t: "?state=" + t),
        st.binary(max_size=60).map(link),
        JSON_ISH.map(link),
        SETTINGS_JSON.map(link),
        ANY_VALUE,
    )
)
def test_decode_settings_of_any_address_is_none_settings_or_value_error(search):
    try:
        settings_ = links.decode_settings(search)
    except ValueError as error:
        assert str(error)
        return
    if settings_ is not None:
        assert_round_trip(settings_)


# ------------------------------------------------------------------------------------ form fields


def refused_or(check):
    """Call ``check()``; a ``ValueError`` is a refusal (fine), anything else propagates."""
    try:
        return check()
    except ValueError as error:
        assert str(error)
        return None


@FAST
@given(
    value=st.one_of(ANY_VALUE, NUMBER_TEXT),
    low=st.floats(-1e6, 0),
    high=st.floats(0, 1e6),
    whole=st.booleans(),
)
def test_parse_number_gives_a_number_in_range_or_value_error(value, low, high, whole):
    number = refused_or(lambda: parsing.parse_number(value, "field", low, high, integer=whole))
    if number is not None:
        assert low <= number <= high and math.isfinite(number)
        assert not whole or isinstance(number, int)


@FAST
@given(
    x=st.one_of(ANY_VALUE, NUMBER_TEXT),
    y=st.one_of(ANY_VALUE, NUMBER_TEXT),
    steps=st.one_of(ANY_VALUE, NUMBER_TEXT),
)
def test_parse_start_and_steps(x, y, steps):
    start = refused_or(lambda: parsing.parse_start(x, y))
    if start is not None:
        assert all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in start)
    n = refused_or(lambda: parsing.parse_steps(steps))
    if n is not None:
        assert isinstance(n, int) and 1 <= n <= MAX_STEPS


@FAST
@given(
    text=st.one_of(st.text(max_size=40), st.lists(NUMBER_TEXT, min_size=3, max_size=5).map(",".join)),
    surface=st.sampled_from(landscapes.names()),
)
def test_parse_window_of_any_query_text(text, surface):
    """The contour image's ``?window=`` (always text: a query string)."""
    window = refused_or(lambda: parsing.parse_window(text, landscapes.get(surface)))
    if window is not None:
        (x0, x1), (y0, y1) = window
        assert x0 <= x1 and y0 <= y1 and all(math.isfinite(v) for v in (x0, x1, y0, y1))


@FAST
@given(
    name=st.one_of(ANY_VALUE, st.sampled_from(landscapes.names())),
    formula=st.one_of(ANY_VALUE, st.sampled_from(FORMULAS)),
)
def test_parse_surface(name, formula):
    landscape = refused_or(lambda: parsing.parse_surface(name, formula))
    if landscape is not None:
        assert landscape.name in [*landscapes.names(), model.CUSTOM]


@FAST
@given(
    text=st.one_of(
        ANY_VALUE,
        st.lists(NUMBER_TEXT, max_size=12).map(", ".join),
        st.tuples(NUMBER_TEXT, NUMBER_TEXT, st.integers(-2, 20)).map(lambda t: f"{t[0]}:{t[1]}:{t[2]}"),
    )
)
def test_parse_lr_list_gives_at_most_max_panels_positive_rates_or_value_error(text):
    rates = refused_or(lambda: parsing.parse_lr_list(text))
    if rates is not None:
        assert 1 <= len(rates) <= MAX_PANELS
        assert all(math.isfinite(r) and r > 0 for r in rates)


@FAST
@given(
    optimizer=near(st.sampled_from(optimizers.names())),
    values=st.dictionaries(
        st.sampled_from([*HP_NAMES, "betas.0", "betas.1", "bogus"]),
        st.one_of(ANY_VALUE, NUMBER_TEXT),
        max_size=4,
    ),
    color=ANY_VALUE,
)
def test_parse_run_gives_a_valid_run_or_value_error(optimizer, values, color):
    spec = refused_or(lambda: parsing.parse_run(optimizer, values, color))
    if spec is not None:
        validate(optimizers.get(spec.optimizer), spec.hyperparameters)
        assert (
            links.run_from_json(
                links.settings_to_json({**model.default_settings(), "runs": [spec]})["runs"][0]
            )
            == spec
        )


@FAST
@given(
    values=st.dictionaries(
        st.sampled_from(["batch_size", "noise", "seed", "scheduler"]), near(ANY_VALUE), max_size=4
    ),
    schedule_values=st.dictionaries(
        st.sampled_from(OPTION_NAMES), st.one_of(ANY_VALUE, NUMBER_TEXT), max_size=4
    ),
    scheduler=st.sampled_from([None, *schedules.names()]),
)
def test_parse_options_gives_options_or_value_error(values, schedule_values, scheduler):
    if scheduler is not None:
        values = {**values, "scheduler": scheduler}
    options = refused_or(lambda: parsing.parse_options(values, schedule_values))
    if options is not None:
        assert set(options) <= {"batch_size", "noise", "seed", "scheduler", "scheduler_options"}
        assert options.get("scheduler") in (None, *schedules.names())


# ------------------------------------------------------------------------- the compute callback


COMPUTE = f"{explore_ids.SURFACE_3D}.figure"
#: Each input of the compute callback (one per kind), with plausible values that let it compute.
CONTROLS = {  # by stringified id (dict ids are not hashable)
    stringify_id(ids.SURFACE): st.sampled_from([*landscapes.names(), "custom"]),
    stringify_id(ids.FORMULA): st.sampled_from(FORMULAS),
    stringify_id(ids.START_X): st.floats(-3, 3),
    stringify_id(ids.START_Y): st.floats(-3, 3),
    stringify_id(ids.STEPS): st.integers(1, 300),
    stringify_id(ids.MODE): st.sampled_from(MODES),
    stringify_id(shell_ids.LOSS_LOG): st.sampled_from([[], ["log"]]),
    stringify_id(RunCard.ids.optimizer(0)): st.sampled_from(optimizers.names()),
    stringify_id(RunCard.ids.color(0)): st.sampled_from(PALETTE),
    stringify_id(RunCard.ids.hp(0, "lr")): st.floats(1e-5, 0.01),
    stringify_id(RunCard.ids.hp(0, "nesterov")): st.sampled_from([[], ["on"]]),
    stringify_id(RunCard.ids.hp(1, "betas.0")): st.floats(0, 0.99),
    stringify_id(compare_ids.COMPARE_LRS): st.sampled_from(["0.001, 0.01", "0.0001:0.01:4"]),
    stringify_id(RunCard.ids.option(0, "batch_size")): st.integers(1, 40),
    stringify_id(RunCard.ids.option(0, "noise")): st.floats(0, 1),
    stringify_id(RunCard.ids.option(0, "seed")): st.integers(0, 100),
    stringify_id(RunCard.ids.option(0, "scheduler")): st.sampled_from(schedules.names()),
}


def _control(key: str):
    """A control's id from its string form (dict ids are drawn as strings: hashable, printable)."""
    return json.loads(key) if key.startswith("{") else key


ERRORS = (
    ids.SETUP_ERROR,
    compare_ids.COMPARE_ERROR,
    stringify_id(RunCard.ids.error(0)),
    stringify_id(RunCard.ids.error(1)),
)


def fire(client: DashClient, changed: list) -> dict:
    reply = client.call(COMPUTE, changed)
    assert reply.status in (200, 204), f"{changed!r:.300} answered {reply.status}: {reply.text(1500)}"
    return reply.response


@pytest.mark.parametrize("control", list(CONTROLS))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_in_one_control_is_answered_without_a_500(client, control, data):
    value = data.draw(st.one_of(ANY_VALUE, NUMBER_TEXT), label="value")
    response = fire(client, [(_control(control), "value", value)])
    drew = shell_ids.FRAME in response
    told = any(response.get(key, {}).get("children") for key in ERRORS)
    assert drew or told, f"neither figures nor a message for {value!r:.100}"


@HTTP
@given(
    changes=st.dictionaries(st.sampled_from(list(CONTROLS)), st.just(None), min_size=1, max_size=4).flatmap(
        lambda keys: st.fixed_dictionaries(
            {key: st.one_of(CONTROLS[key], CONTROLS[key], ANY_VALUE) for key in keys}
        )
    )
)
def test_any_values_in_several_controls_are_answered_without_a_500(client, changes):
    """Time is bounded by the server's CPU budget (tests/test_budget.py), not asserted here."""
    fire(client, [(_control(key), "value", value) for key, value in changes.items()])


SHARE = f"{shell_ids.SHARE_QUERY}.data"


@HTTP
@given(
    changes=st.dictionaries(st.sampled_from(list(CONTROLS)), st.just(None), min_size=1, max_size=4).flatmap(
        lambda keys: st.fixed_dictionaries(
            {key: st.one_of(CONTROLS[key], CONTROLS[key], ANY_VALUE) for key in keys}
        )
    )
)
def test_share_refuses_bad_settings_or_makes_a_link_that_opens(client, changes):
    """Whatever the controls hold, Share either says what to fix or gives a link that opens as it was."""
    values = [(_control(key), "value", value) for key, value in changes.items()]
    reply = client.call(SHARE, [(shell_ids.SHARE, "n_clicks", 1)], values=values)
    assert reply.status == 200, reply.text(1500)
    query = reply.response.get(shell_ids.SHARE_QUERY, {}).get("data")
    if query is None:
        assert "Fix the settings" in reply.response[shell_ids.SHARE_LINK]["value"]
        return
    opened = client.call(f"{shell_ids.NOTICE}.children", [(ids.URL, "search", query)])
    assert opened.status == 200, opened.text(1500)
    assert opened.response[shell_ids.NOTICE]["children"] == "", (
        f"{values!r:.300} made a link that does not open"
    )
