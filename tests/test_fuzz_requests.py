"""No 500 for any input (Hypothesis): share links, every server callback's inputs and state (the Maps
panel's included, run cards' pattern-matching ones too) and callback requests of the wrong shape.

The contract: a value a control could never hold is answered 200 (a message next to the control) or
204; a request Dash cannot read is a 4xx with a short reason; no response holds a traceback.
"""

from __future__ import annotations

import base64
import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import ids, links
from app.explore import ids as explore_ids
from app.model import default_settings
from bench.dash_client import (
    WILDCARDS,
    DashClient,
    Page,
    callback_body,
    parse_id,
    split_outputs,
    stringify_id,
)

HUGE = 10**400  # a 401-digit integer: float() of it raises OverflowError
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([HUGE, -HUGE, 2**63, -(2**64), 0, -1, 10**6 + 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "1e400", "NaN", "-inf", "0x10", "1_000", "１", "adam", "custom", "maps"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))


def link(data) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return "?state=" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text[:500]


# --- the share-link decoder -----------------------------------------------------------------------


def refused_or_read(search) -> None:
    try:
        result = links.decode_settings(search)
    except ValueError as error:
        assert str(error) and len(str(error)) <= 500
        no_traceback(str(error))
    else:
        assert result is None or isinstance(result, dict)


@FUZZ
@given(JSON)
def test_any_json_in_a_link_is_read_or_refused_with_a_value_error(data):
    refused_or_read(link(data))


def leaf_paths(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from leaf_paths(value, (*path, key))
    elif isinstance(data, list):
        for k, value in enumerate(data):
            yield from leaf_paths(value, (*path, k))
    yield path


REAL = links.settings_to_json(default_settings())
REAL_PATHS = list(leaf_paths(REAL))


@FUZZ
@given(st.sampled_from(REAL_PATHS), JSON)
def test_a_real_link_with_any_part_replaced_is_read_or_refused(path, value):
    data = copy.deepcopy(REAL)
    if not path:
        data = value
    else:
        holder = data
        for key in path[:-1]:
            holder = holder[key]
        holder[path[-1]] = value
    refused_or_read(link(data))


@FUZZ
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(link), st.integers(0, 5000)))
def test_any_address_text_or_bytes_is_read_or_refused(text):
    refused_or_read(text if isinstance(text, str) else "?state=" + "[" * text)


@pytest.mark.parametrize("depth", [13, 100, 1500, 2900])
def test_deeply_nested_links_are_refused(depth):
    data = '{"runs":' + "[" * depth + "]" * depth + "}"
    with pytest.raises(ValueError, match=r"nested too deeply|too long"):
        links.decode_settings(link(data.encode()))


def test_a_401_digit_number_in_a_link_is_refused_with_a_message():
    for data in (
        {"steps": HUGE},
        {"start": [HUGE, 0]},
        {"runs": [{"optimizer": "adam", "hp": {"lr": HUGE}}]},
    ):
        with pytest.raises(ValueError, match=r"must be from|too large"):
            links.decode_settings(link(data))


# --- every callback's inputs ----------------------------------------------------------------------


def fuzzable(client: DashClient) -> list[tuple[dict, int, str, object, str]]:
    """``(dep, trigger index, kind, concrete id, property)`` for every server callback and each of its
    inputs and state that the first page holds (pattern-matching ones by their concrete ids; a MATCH
    callback as its first component fires it)."""
    page = client.page
    out = []
    for dep in client.deps:
        if dep.get("clientside_function"):
            continue
        dep = for_component(dep, page)
        for kind in ("inputs", "state"):
            for spec in dep.get(kind, []):
                pattern = parse_id(spec["id"])
                wild = isinstance(pattern, dict) and any(
                    isinstance(v, list) and v and v[0] in WILDCARDS for v in pattern.values()
                )
                for concrete in page.matching(pattern) if wild or stringify_id(pattern) in page.props else []:
                    out.append((dep, kind, concrete, spec["property"]))
    return out


def for_component(dep: dict, page: Page) -> dict:
    """``dep`` with its MATCH wildcard replaced by the value of the first component it matches, as
    that component's change fires it (``dep`` itself if it has none)."""
    text = json.dumps(dep)
    if '[\\"MATCH\\"]' not in text:
        return dep
    pattern = next(parse_id(s["id"]) for s in dep["inputs"] if "MATCH" in s["id"])
    key = next(k for k, v in pattern.items() if v == ["MATCH"])
    found = page.matching({k: ["ALL"] if v == ["MATCH"] else v for k, v in pattern.items()})
    value = json.dumps(json.dumps(found[0][key]))[1:-1]  # the value as it reads inside an id string
    return {**json.loads(text.replace('[\\"MATCH\\"]', value)), "original": dep}


def _matched(component_id) -> bool:
    """A MATCH pattern (no ALL): dash-renderer sends its one component, not a list."""
    values = parse_id(component_id).values() if component_id.startswith("{") else []
    return ["MATCH"] in values and not any(v in (["ALL"], ["ALLSMALLER"]) for v in values)


def request_body(dep: dict, page: Page, changed, values=()) -> dict:
    """``callback_body`` of a dependency, also of one from ``for_component``: that request names the
    callback by its registered pattern, and sends each MATCH item as one object."""
    body = callback_body(dep, page, changed, values)
    original = dep.get("original")
    if original is None:
        return body
    body["output"] = original["output"]
    for key in ("inputs", "state"):
        for i, spec in enumerate(original.get(key, [])):
            body[key][i] = body[key][i][0] if _matched(spec["id"]) else body[key][i]
    outputs = [stringify_id(i) for i, _ in split_outputs(original["output"])]
    if len(outputs) == 1:
        body["outputs"] = body["outputs"][0] if _matched(outputs[0]) else body["outputs"]
    else:
        body["outputs"] = [o[0] if _matched(i) else o for i, o in zip(outputs, body["outputs"], strict=True)]
    return body


def fire(client: DashClient, dep: dict, kind: str, concrete, prop: str, value) -> tuple[int, str]:
    page = Page(copy.deepcopy(client.page.layout))
    first = dep["inputs"][0]
    if kind == "inputs":
        changed, values = [(concrete, prop, value)], []
    else:
        trigger = page.matching(parse_id(first["id"]))
        if not trigger:
            return 204, ""
        _, current = page.value(trigger[0], first["property"])
        changed = [(trigger[0], first["property"], 1 if first["property"] == "n_clicks" else current)]
        values = [(concrete, prop, value)]
    try:
        body = request_body(dep, page, changed, values)
    except ValueError:  # a MATCH output: only its own component can fire it
        return 204, ""
    reply = client.update(json.dumps(body, allow_nan=True))
    return reply.status, reply.text(4000)


@pytest.fixture(scope="module")
def targets(client):
    found = fuzzable(client)
    outputs = {dep["output"] for dep, *_ in found}
    assert any("map-graph" in o for o in outputs) and any("basin-graph" in o for o in outputs), (
        "Maps included"
    )
    assert any("race-graph" in o for o in outputs)
    assert any("net-boundary" in o for o in outputs), "the Networks view included"
    assert any("schedule-options" in o for o in outputs), "MATCH callbacks included (run cards)"
    return found


@FUZZ
@given(data=st.data())
def test_any_value_in_any_callback_input_or_state_is_never_a_500(client, targets, data):
    dep, kind, concrete, prop = data.draw(st.sampled_from(targets), label="target")
    value = data.draw(JSON, label="value")
    status, text = fire(client, dep, kind, concrete, prop, value)
    assert status in (200, 204), (
        f"{dep['output'][:60]} {kind} {concrete}.{prop} = {value!r:.80}: {status} {text[:300]}"
    )
    no_traceback(text)


@pytest.mark.parametrize("value", [HUGE, -HUGE, str(HUGE), float("inf"), 1e308])
def test_a_401_digit_integer_in_every_numeric_field_gets_a_message_not_a_500(client, targets, value):
    failures = []
    for dep, kind, concrete, prop in targets:
        if prop != "value":
            continue
        status, text = fire(client, dep, kind, concrete, prop, value)
        if status not in (200, 204) or "Traceback" in text:
            failures.append(f"{dep['output'][:50]} {concrete}: {status}")
    assert not failures, "\n".join(failures)


def test_a_401_digit_steps_shows_its_message(client):
    reply = client.call(f"{explore_ids.SURFACE_3D}.figure", [(ids.STEPS, "value", HUGE)])
    assert reply.status == 200
    assert "steps must be from 1 to" in reply.response[ids.SETUP_ERROR]["children"]


# --- requests of the wrong shape ------------------------------------------------------------------

WRONG_IDS = st.one_of(
    st.integers(),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.floats(),
    st.booleans(),
    st.dictionaries(st.text(max_size=5), SCALARS, max_size=3),
    st.text(max_size=20),
)


def mutate(body: dict, data) -> object:
    kind = data.draw(
        st.sampled_from(
            [
                "drop key",
                "extra output",
                "missing output",
                "output id",
                "input id",
                "state id",
                "property",
                "short inputs",
                "extra inputs",
                "changed",
                "replace part",
                "nest",
            ]
        ),
        label="mutation",
    )
    body = copy.deepcopy(body)
    if kind == "drop key":
        body.pop(data.draw(st.sampled_from(sorted(body))), None)
    elif kind in ("extra output", "missing output"):
        outputs = body["outputs"] if isinstance(body["outputs"], list) else [body["outputs"]]
        if kind == "extra output":
            outputs = [*outputs, {"id": data.draw(WRONG_IDS | st.just("nope")), "property": "children"}]
        else:
            outputs = outputs[:-1]
        body["outputs"] = outputs
    elif kind in ("output id", "input id", "state id"):
        key = {"output id": "outputs", "input id": "inputs", "state id": "state"}[kind]
        items = body.get(key)
        items = items if isinstance(items, list) else [items]
        flat = [i for i in items if isinstance(i, dict)] + [
            j for i in items if isinstance(i, list) for j in i
        ]
        if flat:
            data.draw(st.sampled_from(flat))["id"] = data.draw(WRONG_IDS)
    elif kind == "property":
        first = body["inputs"][0]
        for item in first if isinstance(first, list) else [first]:  # a pattern input is a list
            item["property"] = data.draw(WRONG_IDS)
    elif kind == "short inputs":
        body["inputs"] = body["inputs"][:-1]
    elif kind == "extra inputs":
        body["inputs"] = [*body["inputs"], {"id": "nope", "property": "value", "value": 1}]
    elif kind == "changed":
        body["changedPropIds"] = data.draw(JSON)
    elif kind == "replace part":
        body[data.draw(st.sampled_from(sorted(body)))] = data.draw(JSON)
    else:
        body = {"output": body["output"], "inputs": [[[[[[body]]]]]]}
    return body


@FUZZ
@given(data=st.data())
def test_callback_requests_of_the_wrong_shape_are_4xx_or_answered_never_500(client, targets, data):
    dep, *_ = data.draw(st.sampled_from(targets), label="callback")
    page = Page(copy.deepcopy(client.page.layout))
    first = dep["inputs"][0]
    trigger = page.matching(parse_id(first["id"]))
    changed = [(trigger[0], first["property"], 1)] if trigger else []
    try:
        body = request_body(dep, page, changed)
    except ValueError:
        return
    broken = mutate(body, data)
    reply = client.update(json.dumps(broken, allow_nan=True))
    text = reply.text(4000)
    assert reply.status < 500, f"{dep['output'][:60]}: {reply.status} {text[:300]}"
    no_traceback(text)
    if reply.status >= 400:
        assert len(text) < 300


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"output": ' + "[" * 50_000 + "]" * 50_000 + "}",
        "not json{",
        "",
        "[1, 2]",
        json.dumps({"output": "nope.children", "inputs": []}),
        json.dumps({"output": 3}),
    ],
    ids=["nested list", "nested output", "not JSON", "empty", "a list", "unknown output", "output a number"],
)
def test_unreadable_callback_bodies_are_400_with_a_short_reason(client, text):
    reply = client.update(text)
    assert 400 <= reply.status < 500
    assert len(reply.text()) < 300
    no_traceback(reply.text())
