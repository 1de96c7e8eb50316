"""No 500 for any input to the classroom's pages (the Dash app at /class/), fuzzed with Hypothesis as
the main app's callbacks are (``test_fuzz_requests``): every server callback of the teacher's and the
students' pages gets any value, of any type, in each of its inputs and state, and answers 200 (a
message, or outputs left as they were) or 204, never a traceback.

The values include real join codes, real teacher keys (in the shape the page keeps them) and real
student tokens, so a fuzzed request also reaches the store and the challenge functions behind a
correct code, not only the first check.
"""

from __future__ import annotations

import copy
import json
import time

import flask
import plotly
import pytest
from dash import dcc, html
from hypothesis import given
from hypothesis import strategies as st
from test_fuzz_requests import FUZZ, HUGE, JSON, fire, fuzzable, no_traceback

from app import classroom
from app.classroom import ids, pages
from app.classroom.store import Store
from bench.dash_client import DashClient, Page

TARGET = {"kind": "target", "surface": "bowl", "start": [2.0, 1.5], "steps": 30, "target_loss": 0.01}
CHALLENGES = [
    TARGET,
    {**TARGET, "kind": "choice", "question": "Which one diverges?", "choices": ["lr 0.1", "lr 1.2"]},
    {**TARGET, "kind": "point", "question": "Where will the ball stop?", "run": {"optimizer": "sgd"}},
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The classroom's pages on a fresh SQLite store, a class of each kind with one attempt, and
    what a browser of theirs would hold: codes, teacher keys, a student token."""
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('pages') / 'descent.sqlite3'}")
    server = flask.Flask("classroom-pages-fuzz")
    classroom.register(server, store)
    pages.create(server)
    api = server.test_client()
    codes, keys, tokens = [], {}, []
    for challenge in CHALLENGES:
        made = api.post("/api/classes", json=challenge)
        assert made.status_code == 201, made.json
        code = made.json["code"]
        codes.append(code)
        keys[code] = {"key": made.json["teacher_key"], "expires_at": time.time() + 3600}
        body = {
            "name": "Ann",
            "optimizer": "sgd",
            "hyperparameters": {"lr": 0.1},
            "choice": 0,
            "point": [0, 0],
        }
        sent = api.post(f"/api/classes/{code}/attempts", json=body)
        assert sent.status_code == 201, sent.json
        tokens.append({"code": code, "token": sent.json["student_token"]})
    client = DashClient(server, prefix=pages.PREFIX)
    # Every component of both pages at once (as ``validation_layout``), the teacher's on a real class.
    both = [pages.teacher_page(codes[0]), pages.student_page(codes[2])]
    layout = html.Div([dcc.Location(id=ids.WHERE, refresh=False), html.Div(both, id=ids.PAGE)])
    client.page = Page(json.loads(json.dumps(layout, cls=plotly.utils.PlotlyJSONEncoder)))
    # As the browsers hold them once the teacher started the class and a student answered the point
    # class: a fuzzed value then meets real ones in the other inputs, and reaches the store.
    client.page.set(
        [
            (ids.KEYS, "data", keys),
            (ids.CODE, "data", codes[0]),
            (ids.S_CODE, "value", codes[2]),
            (ids.S_TOKEN, "data", tokens[2]),
            (ids.S_POINT, "data", [0.5, 0.5]),
        ]
    )
    yield client, codes, keys, tokens
    store.engine.dispose()


def values(codes, keys, tokens):
    """Garbage of every type, and the real values (or parts of them) a page holds."""
    real = st.sampled_from(
        [
            *codes,
            *(c.lower() + " " for c in codes),
            keys,
            {codes[0]: {"key": "wrong", "expires_at": 1e400}},
            {codes[0]: {"key": keys[codes[0]]["key"], "expires_at": HUGE}},
            *tokens,
            {"code": codes[0], "token": 5},
            {"points": [{"x": HUGE, "y": float("nan")}]},
            {"points": "x"},
            {"type": ids.REMOVE, "index": HUGE},
            "ZZZZZZ",
            "/class/",
            "?teach=" + codes[0],
            "?join=" + codes[1],
        ]
    )
    return st.one_of(JSON, real)


@pytest.fixture(scope="module")
def targets(world):
    client, *_ = world
    found = fuzzable(client)
    outputs = {dep["output"] for dep, *_ in found}
    # Every server callback of both pages, each through at least one of its inputs or state.
    callbacks = [d for d in client.deps if not d.get("clientside_function")]
    assert len(outputs) == len(callbacks) >= 12, sorted(outputs)
    assert any(ids.S_MINE in o for o in outputs) and any(ids.BOARD in o for o in outputs)
    return found


@FUZZ
@given(data=st.data())
def test_any_value_in_any_classroom_callback_is_never_a_500(world, targets, data):
    client, codes, keys, tokens = world
    dep, kind, concrete, prop = data.draw(st.sampled_from(targets), label="target")
    value = data.draw(values(codes, keys, tokens), label="value")
    status, text = fire(client, dep, kind, concrete, prop, value)
    assert status in (200, 204), (
        f"{dep['output'][:80]} {kind} {concrete}.{prop} = {value!r:.80}: {status} {text}"
    )
    no_traceback(text)


@pytest.mark.parametrize("value", [None, HUGE, "NaN", float("nan"), [[{"a": []}]], {"x": {"y": 1}}, "ZZZZZZ"])
def test_each_classroom_callback_input_with_one_bad_value_answers(world, targets, value):
    client, *_ = world
    failures = []
    for dep, kind, concrete, prop in targets:
        status, text = fire(client, dep, kind, concrete, prop, value)
        if status not in (200, 204) or "Traceback" in text:
            failures.append(f"{concrete}.{prop} ({kind}): {status} {text[:200]}")
    assert not failures, "\n".join(failures)


def test_the_fuzzed_page_holds_real_classes_so_values_reach_the_store(world):
    """The page the fuzzing starts from is a working one: its submit stores an attempt, its teacher's
    board is drawn (so a fuzzed value in one input meets real ones in the others)."""
    client, *_ = world
    page = Page(copy.deepcopy(client.page.layout))
    page.set([(ids.S_TOKEN, "data", None)])  # a new student (the fixture's one answered just now)
    sent = client.call(f"{ids.S_TOKEN}.data", [(ids.S_SUBMIT, "n_clicks", 1)], page).response
    assert sent[ids.S_MESSAGE]["children"].startswith("Sent (#"), sent
    board = client.call(f"{ids.SEEN}.data", [(ids.TICK, "n_intervals", 1)]).response
    assert ids.BOARD in board and " attempt" in board[ids.STATUS]["children"], board
