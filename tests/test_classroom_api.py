"""The classroom's JSON API and its store, over real HTTP requests (Flask's test client), against
SQLite and against a real PostgreSQL server (a throwaway cluster started here; without PostgreSQL
installed these tests fail, they never skip)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import urllib.error
import urllib.request

import flask
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizers
from app import classroom
from app.classroom import challenges
from app.classroom import store as store_module
from app.classroom.store import Store, migrate, schema_version
from app.classroom.throwaway_postgres import ThrowawayPostgres

BOWL = {"kind": "target", "surface": "bowl", "start": [2.0, 1.0], "steps": 60, "target_loss": 1e-3}
SGD = {"optimizer": "sgd", "hyperparameters": {"lr": 0.1}}


@pytest.fixture(scope="module")
def postgres():
    try:
        server = ThrowawayPostgres()
        server.start()
    except RuntimeError as error:
        pytest.fail(f"PostgreSQL tests cannot run: {error}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'descent.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def store(database_url) -> Store:
    s = Store(database_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def client(store):
    server = flask.Flask("classroom-test")
    classroom.register(server, store)
    return server.test_client()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def new_class(client, challenge=BOWL) -> tuple[str, str]:
    response = client.post("/api/classes", json=challenge)
    assert response.status_code == 201, response.json
    return response.json["code"], response.json["teacher_key"]


def attempt(client, code, body=SGD, token=None, name="Ann", status=201):
    headers = bearer(token) if token else {}
    response = client.post(f"/api/classes/{code}/attempts", json={"name": name, **body}, headers=headers)
    assert response.status_code == status, response.json
    return response.json


def teacher_attempts(client, code, key) -> list[dict]:
    response = client.get(f"/api/classes/{code}/attempts", headers=bearer(key))
    assert response.status_code == 200, response.json
    return response.json["attempts"]


def later():
    """Let the per-student rate limit of a second pass."""
    time.sleep(1.05)


def test_create_a_class_and_submit_an_attempt_computed_by_the_engine(client):
    code, key = new_class(client)
    assert len(code) == 6 and len(key) >= 40
    answer = attempt(client, code, {"optimizer": "adam", "hyperparameters": {"lr": 0.05}})
    engine = optimizers.run("bowl", "adam", (2.0, 1.0), 60, lr=0.05)
    assert answer["result"]["final_loss"] == engine.losses[-1]
    assert answer["result"]["diverged"] is False
    assert isinstance(answer["id"], int) and answer["student_token"]
    (stored,) = teacher_attempts(client, code, key)
    assert stored["id"] == answer["id"] and stored["name"] == "Ann" and stored["optimizer"] == "adam"
    assert stored["result"] == answer["result"]


def test_reading_attempts_needs_the_teacher_key_or_a_student_token(client):
    code, key = new_class(client)
    ann = attempt(client, code, name="Ann")["student_token"]
    bob = attempt(client, code, name="Bob")["student_token"]
    assert client.get(f"/api/classes/{code}/attempts").status_code == 401
    assert client.get(f"/api/classes/{code}/attempts", headers=bearer("guess")).status_code == 403
    assert [a["name"] for a in teacher_attempts(client, code, key)] == ["Ann", "Bob"]
    mine = client.get(f"/api/classes/{code}/attempts", headers=bearer(bob)).json
    assert [a["name"] for a in mine["attempts"]] == ["Bob"] and mine["overlay"] is None
    later()
    assert attempt(client, code, token=ann, status=201)["student_token"] == ann  # known student
    assert client.post(f"/api/classes/{code}/close", headers=bearer(ann)).status_code == 403
    assert client.post(f"/api/classes/{code}/close").status_code == 401


def test_no_class_can_read_or_change_another(client):
    code_a, key_a = new_class(client)
    code_b, key_b = new_class(client)
    a_attempt = attempt(client, code_a)
    student_b = attempt(client, code_b)["student_token"]
    assert client.get(f"/api/classes/{code_a}/attempts", headers=bearer(key_b)).status_code == 403
    assert client.get(f"/api/classes/{code_a}/attempts", headers=bearer(student_b)).status_code == 403
    # a student token of class B cannot submit as a student of class A
    attempt(client, code_a, token=student_b, status=403)
    removed = client.delete(f"/api/classes/{code_b}/attempts/{a_attempt['id']}", headers=bearer(key_b))
    assert removed.status_code == 404
    assert len(teacher_attempts(client, code_a, key_a)) == 1
    for path in ("close", "attempts.csv"):
        method = client.post if path == "close" else client.get
        assert method(f"/api/classes/{code_a}/{path}", headers=bearer(key_b)).status_code == 403
    assert (
        client.patch(f"/api/classes/{code_a}", json={"locked": True}, headers=bearer(key_b)).status_code
        == 403
    )


def test_closed_and_locked_classes_refuse_attempts(client):
    code, key = new_class(client)
    patch = client.patch(f"/api/classes/{code}", json={"locked": True}, headers=bearer(key))
    assert patch.status_code == 200 and patch.json["locked"] is True
    assert "locked" in attempt(client, code, status=423)["error"]
    client.patch(f"/api/classes/{code}", json={"locked": False}, headers=bearer(key))
    attempt(client, code, status=201)
    closed = client.post(f"/api/classes/{code}/close", headers=bearer(key))
    assert closed.status_code == 200 and closed.json["ended"] is True
    assert "ended" in attempt(client, code, status=409)["error"]
    assert client.post(f"/api/classes/{code}/join").status_code == 409
    assert len(teacher_attempts(client, code, key)) == 1  # the class is kept for the teacher


def test_a_revealed_class_takes_no_attempts_until_the_teacher_hides_it_again(client, store):
    """Once the class's attempts are shown, a new one would be made after seeing them: refused, by
    the API and by the store's own transaction (a worker that read the class before the reveal)."""
    code, key = new_class(client)
    found = store.get_class(code)
    client.patch(f"/api/classes/{code}", json={"revealed": True}, headers=bearer(key))
    assert "revealed" in attempt(client, code, status=423)["error"]
    challenge = found.challenge
    answer = challenges.parse_attempt(challenge, SGD)
    with pytest.raises(store_module.ClassroomError) as refused:
        store.submit(found, None, "Ann", answer, challenges.result(challenge, answer))  # found: unrevealed
    assert refused.value.status == 423
    # The join code alone still shows the revealed class (a newcomer joins to read the overlay).
    joined = client.post(f"/api/classes/{code}/join")
    assert joined.status_code == 201, joined.json
    seen = client.get(f"/api/classes/{code}/attempts", headers=bearer(joined.json["student_token"])).json
    assert seen["attempts"] == [] and seen["overlay"] == []
    client.patch(f"/api/classes/{code}", json={"revealed": False}, headers=bearer(key))
    attempt(client, code, status=201)
    assert len(teacher_attempts(client, code, key)) == 1


def test_one_attempt_a_second_per_student_across_two_workers(database_url, client):
    code, key = new_class(client)
    token = attempt(client, code)["student_token"]
    body = attempt(client, code, token=token, status=429)
    assert "second" in body["error"]
    # A second process's store (another worker, its own connection pool) sees the same limit.
    other = Store(database_url)
    server = flask.Flask("other-worker")
    classroom.register(server, other)
    attempt(server.test_client(), code, token=token, status=429)
    later()
    attempt(server.test_client(), code, token=token, status=201)
    other.engine.dispose()
    assert len(teacher_attempts(client, code, key)) == 2


def test_a_repeated_request_id_is_stored_once(client, store):
    code, _ = new_class(client)
    first = attempt(client, code, {**SGD, "request_id": "r-1"})
    again = attempt(client, code, {**SGD, "request_id": "r-1"}, token=first["student_token"], status=200)
    assert again["id"] == first["id"] and again["result"] == first["result"]
    assert store.count_attempts(store.get_class(code)) == 1


def test_hidden_names_and_the_revealed_overlay(client):
    code, key = new_class(client)
    ann = attempt(client, code, name="Ann")["student_token"]
    attempt(client, code, name="Bob")
    client.patch(f"/api/classes/{code}", json={"names_hidden": True, "revealed": True}, headers=bearer(key))
    seen = client.get(f"/api/classes/{code}/attempts", headers=bearer(ann)).json
    assert [a["name"] for a in seen["attempts"]] == ["Ann"]  # one's own name stays
    assert [a["name"] for a in seen["overlay"]] == [None, None]
    assert all(a["result"]["path"] for a in seen["overlay"])
    assert [a["name"] for a in teacher_attempts(client, code, key)] == ["Ann", "Bob"]
    client.patch(f"/api/classes/{code}", json={"names_hidden": False}, headers=bearer(key))
    seen = client.get(f"/api/classes/{code}/attempts", headers=bearer(ann)).json
    assert [a["name"] for a in seen["overlay"]] == ["Ann", "Bob"]


def test_a_prediction_is_scored_only_once_revealed(client):
    challenge = {
        "kind": "choice",
        "surface": "bowl",
        "question": "Which learning rate diverges?",
        "choices": [
            {"label": "0.1", "run": {"optimizer": "sgd", "hyperparameters": {"lr": 0.1}}},
            {"label": "1.2", "run": {"optimizer": "sgd", "hyperparameters": {"lr": 1.2}}},
        ],
        "answer": 1,
    }
    code, key = new_class(client, challenge)
    student_view = client.get(f"/api/classes/{code}").json
    assert "reveal" not in student_view["challenge"] and "answer" not in json.dumps(student_view)
    token = attempt(client, code, {"choice": 0})["student_token"]
    mine = client.get(f"/api/classes/{code}/attempts", headers=bearer(token)).json["attempts"]
    assert mine[0]["choice"] == 0 and "score" not in mine[0]
    assert teacher_attempts(client, code, key)[0]["score"] == {"correct": False}
    client.patch(f"/api/classes/{code}", json={"revealed": True}, headers=bearer(key))
    revealed = client.get(f"/api/classes/{code}/attempts", headers=bearer(token)).json
    assert revealed["challenge"]["reveal"]["answer"] == 1
    assert revealed["attempts"][0]["score"] == {"correct": False}


def test_the_teacher_removes_an_attempt(client):
    code, key = new_class(client)
    first = attempt(client, code, name="Ann")
    attempt(client, code, name="Bob")
    assert client.delete(f"/api/classes/{code}/attempts/{first['id']}").status_code == 401
    assert (
        client.delete(f"/api/classes/{code}/attempts/{first['id']}", headers=bearer(key)).status_code == 204
    )
    assert [a["name"] for a in teacher_attempts(client, code, key)] == ["Bob"]
    assert (
        client.delete(f"/api/classes/{code}/attempts/{first['id']}", headers=bearer(key)).status_code == 404
    )


def test_csv_download_keeps_names_as_text(client):
    code, key = new_class(client)
    names = ["=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", 'Zoë, "the" <b>', "plain"]
    for name in names:
        attempt(client, code, name=name)
    response = client.get(f"/api/classes/{code}/attempts.csv", headers=bearer(key))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    got = [r["name"] for r in rows]
    assert got == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM(A1)", 'Zoë, "the" <b>', "plain"]
    assert all(r["optimizer"] == "sgd" and float(r["lr"]) == 0.1 for r in rows)
    assert float(rows[0]["final_loss"]) == pytest.approx(5 * 0.64**60, rel=1e-9)
    assert client.get(f"/api/classes/{code}/attempts.csv").status_code == 401


def test_the_teacher_key_is_stored_only_hashed(client, store):
    code, key = new_class(client)
    token = attempt(client, code)["student_token"]
    with store.engine.connect() as c:
        dump = json.dumps(
            [
                [list(map(str, row)) for row in c.execute(sa.select(table))]
                for table in (store_module.classes, store_module.students, store_module.attempts)
            ]
        )
    assert key not in dump and token not in dump


def test_classes_expire_after_a_day(client, store):
    old, _ = store.create_class(challenges.parse_challenge(BOWL), now=time.time() - 25 * 3600)
    response = client.get(f"/api/classes/{old.code}")
    assert response.status_code == 410 and "expired" in response.json["error"]
    assert client.post(f"/api/classes/{old.code}/attempts", json=SGD).status_code == 410
    code, _ = new_class(client)  # creating a class deletes the expired ones
    assert client.get(f"/api/classes/{old.code}").status_code == 404
    assert client.get(f"/api/classes/{code}").status_code == 200


def test_the_schema_is_versioned_and_a_newer_one_refused(database_url, store):
    assert schema_version(store.engine) == store_module.VERSION
    assert migrate(store.engine) == store_module.VERSION  # a second start migrates nothing
    with store.engine.begin() as c:
        c.execute(sa.update(store_module.schema).values(version=store_module.VERSION + 1))
    with pytest.raises(RuntimeError, match="newer than this Descent"):
        Store(database_url)


def test_a_new_store_on_the_same_database_keeps_the_classes(database_url, client):
    code, key = new_class(client)
    attempt(client, code)
    restarted = Store(database_url)
    server = flask.Flask("restarted")
    classroom.register(server, restarted)
    assert len(teacher_attempts(server.test_client(), code, key)) == 1
    restarted.engine.dispose()


BAD_BODIES = [
    ("/api/classes", b"{", "JSON"),
    ("/api/classes", b"[1, 2]", "JSON object"),
    ("/api/classes", b'{"surface": "bowl", "target_loss": NaN}', "JSON"),
    ("/api/classes", b'{"surface": "bowl", "target_loss": 1e400}', "target_loss must be a number"),
    ("/api/classes", b'{"surface": "bowl", "steps": 1000000, "target_loss": 1}', "steps must be"),
    ("/api/classes", b'{"surface": {"a": 1}, "target_loss": 1}', "Unknown landscape"),
    ("/api/classes", b"[" * 100_000, "larger than"),
    ("attempts", b'{"optimizer": "sgd", "hyperparameters": {"lr": [0.1, 0.2]}}', "lr must be a number"),
    ("attempts", b'{"optimizer": "sgd", "hyperparameters": {"lr": -1}}', "Invalid learning rate"),
    ("attempts", b'{"optimizer": "sgd", "hyperparameters": {"lr": 1e999}}', "lr must be a number"),
    ("attempts", b'{"optimizer": "sgd", "name": "' + b"x" * 41 + b'"}', "at most 40"),
    ("attempts", b'{"optimizer": "sgd", "name": 5}', "name must be text"),
    ("attempts", b'{"optimizer": "sgd", "request_id": 5}', "request_id"),
    ("attempts", b'{"optimizer": "sgd", "request_id": "a\\u0000b"}', "request_id"),
    ("attempts", b'{"optimizer": "sgd", "name": "a\\u0000b"}', "control characters"),
    ("attempts", b'{"optimizer": null}', "Unknown optimizer"),
    ("attempts", b'"sgd"', "JSON object"),
    ("attempts", b"[" * 5000 + b"]" * 5000, "JSON"),
]


@pytest.mark.parametrize(("where", "body", "words"), BAD_BODIES)
def test_bad_input_gets_a_4xx_with_a_short_reason(client, where, body, words):
    path = where
    if where == "attempts":
        code, _ = new_class(client)
        path = f"/api/classes/{code}/attempts"
    response = client.post(path, data=body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert words in response.json["error"] and len(response.json["error"]) <= 300


@pytest.mark.parametrize("code", ["NOPE42", "x" * 300, "%00", "' OR 1=1 --", "%C3%A9"])
def test_unknown_codes_are_404(client, code):
    assert client.get(f"/api/classes/{code}").status_code == 404
    assert client.post(f"/api/classes/{code}/attempts", json=SGD).status_code == 404


def test_create_app_serves_the_api(monkeypatch, database_url):
    monkeypatch.setenv(store_module.DATABASE_URL_ENV, database_url)
    from app.main import create_app

    server = create_app().server
    client = server.test_client()
    code, key = new_class(client)
    attempt(client, code)
    assert len(teacher_attempts(client, code, key)) == 1
    assert client.get("/class/").status_code == 200 and client.get("/class/join?code=X").status_code == 200
    for body in (b"{", b"[]", b'{"output": "page.children", "inputs": 3}'):
        answer = client.post("/class/_dash-update-component", data=body, content_type="application/json")
        assert answer.status_code == 400, answer.get_data(as_text=True)[:200]
    store_module.store_for(database_url).engine.dispose()


def test_the_same_request_sent_twice_at_once_is_stored_once(database_url, client, store):
    """Two workers (two stores) get the same retried request at the same moment."""
    code, _ = new_class(client)
    token = attempt(client, code)["student_token"]
    later()
    workers = [Store(database_url) for _ in range(2)]
    clients = []
    for i, worker in enumerate(workers):
        server = flask.Flask(f"worker-{i}")
        classroom.register(server, worker)
        clients.append(server.test_client())
    answers = []
    go = threading.Barrier(len(clients))

    def send(c):
        go.wait()
        body = {"name": "Ann", **SGD, "request_id": "same-request"}
        answers.append(c.post(f"/api/classes/{code}/attempts", json=body, headers=bearer(token)))

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.status_code for r in answers) == [200, 201]
    assert answers[0].json["id"] == answers[1].json["id"]
    assert store.count_attempts(store.get_class(code)) == 2
    for worker in workers:
        worker.engine.dispose()


# ------------------------------------------------------------------ the per-address class limit


def test_one_address_starts_at_most_the_window_s_classes_then_gets_429(client, store):
    here, elsewhere = {"REMOTE_ADDR": "10.0.0.7"}, {"REMOTE_ADDR": "10.0.0.8"}
    for _ in range(store_module.CLASSES_PER_WINDOW):
        assert client.post("/api/classes", json=BOWL, environ_base=here).status_code == 201
    refused = client.post("/api/classes", json=BOWL, environ_base=here)
    assert refused.status_code == 429 and "classes an hour" in refused.json["error"]
    assert 1 <= int(refused.headers["Retry-After"]) <= store_module.CLASS_WINDOW_S
    assert client.post("/api/classes", json=BOWL, environ_base=elsewhere).status_code == 201
    with store.engine.connect() as c:
        assert c.execute(sa.select(sa.func.count()).select_from(store_module.classes)).scalar_one() == (
            store_module.CLASSES_PER_WINDOW + 1
        )  # the refused request stored no class
        counted = dict(
            c.execute(sa.select(store_module.creators.c.client_hash, store_module.creators.c.count)).all()
        )
    assert sorted(counted.values()) == [1, store_module.CLASSES_PER_WINDOW]
    assert not any("10.0.0" in h for h in counted)  # addresses are kept only hashed


def test_the_class_limit_holds_across_workers_and_resets_only_when_the_window_has_passed(database_url, store):
    challenge = challenges.parse_challenge(BOWL)
    other = Store(database_url)  # a second worker on the same database
    t0 = float(int(time.time()))  # whole seconds: t0 + window - window is exactly t0
    window, most = store_module.CLASS_WINDOW_S, store_module.CLASSES_PER_WINDOW
    for i in range(most):
        (store, other)[i % 2].create_class(challenge, client="10.1.1.1", now=t0 + i)

    def refused(worker, now):
        with pytest.raises(store_module.ClassroomError) as caught:
            worker.create_class(challenge, client="10.1.1.1", now=now)
        assert caught.value.status == 429
        return caught.value.retry_after

    assert refused(other, t0 + most) == window - most  # counted from the window's first class
    assert refused(store, t0 + window - 1) == 1  # a second before the window ends: still full
    store.create_class(challenge, client="10.1.1.1", now=t0 + window)  # the window has passed
    for i in range(most - 1):  # a fresh window, counted from its first class
        (other, store)[i % 2].create_class(challenge, client="10.1.1.1", now=t0 + window + 1 + i)
    assert refused(other, t0 + window + most) == window - most
    other.engine.dispose()


# ------------------------------------------------------------------ the per-address attempt limits


def server_for(store, name="limited"):
    server = flask.Flask(name)
    classroom.register(server, store)
    return server.test_client()


def tokenless(client, code, where, status):
    response = client.post(f"/api/classes/{code}/attempts", json={"name": "x", **SGD}, environ_base=where)
    assert response.status_code == status, response.json
    return response


def test_a_client_sending_no_token_or_made_up_ones_cannot_bypass_the_rate_limit(database_url):
    """Without a token each attempt joins a new student: the address's bucket of new students
    (the default burst, sized for a class; refilled slowly here, so the count is exact) runs out;
    a made-up token is refused and stores nothing."""
    burst, _ = store_module.JOIN_LIMIT
    store = Store(database_url, join_limit=(burst, 0.001))
    client = server_for(store)
    code, key = new_class(client)
    here, elsewhere = {"REMOTE_ADDR": "10.0.0.7"}, {"REMOTE_ADDR": "10.0.0.8"}
    for _ in range(burst):
        tokenless(client, code, here, 201)
    refused = tokenless(client, code, here, 429)
    assert "new students from one address" in refused.json["error"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert client.post(f"/api/classes/{code}/join", environ_base=here).status_code == 429  # same bucket
    for i in range(3):
        attempt(client, code, token=f"made-up-{i}", status=403)
    tokenless(client, code, elsewhere, 201)  # another address has its own bucket
    assert len(teacher_attempts(client, code, key)) == burst + 1
    other_code, _ = new_class(client)
    tokenless(client, other_code, here, 201)  # and so has another class
    with store.engine.connect() as c:
        hashes = c.execute(sa.select(store_module.clients.c.client_hash)).scalars().all()
    assert hashes and not any("10.0.0" in h for h in hashes)  # addresses are kept only hashed
    store.engine.dispose()


def test_many_tokens_from_one_address_are_held_to_its_bucket_of_attempts(database_url, client):
    limited = Store(database_url, attempt_limit=(4, 0.5))  # 4 at once, then one every 2 s
    school, other = {"REMOTE_ADDR": "10.2.0.1"}, {"REMOTE_ADDR": "10.2.0.2"}
    c = server_for(limited)
    code, key = new_class(c)
    tokens = [c.post(f"/api/classes/{code}/join", environ_base=other).json["student_token"] for _ in range(6)]
    for token in tokens[:4]:
        r = c.post(f"/api/classes/{code}/attempts", json=SGD, headers=bearer(token), environ_base=school)
        assert r.status_code == 201, r.json
    r = c.post(f"/api/classes/{code}/attempts", json=SGD, headers=bearer(tokens[4]), environ_base=school)
    assert r.status_code == 429 and "attempts from one address" in r.json["error"]
    r = c.post(f"/api/classes/{code}/attempts", json=SGD, headers=bearer(tokens[4]), environ_base=other)
    assert r.status_code == 201, r.json  # the refusal used up nothing of that student's
    time.sleep(2.1)  # one token back
    r = c.post(f"/api/classes/{code}/attempts", json=SGD, headers=bearer(tokens[5]), environ_base=school)
    assert r.status_code == 201, r.json
    assert len(teacher_attempts(c, code, key)) == 6
    limited.engine.dispose()


def test_a_class_of_sixty_behind_one_school_address_is_never_refused(client):
    """The default limits: 60 students join at once from one address and each submits four times,
    a second apart (the per-student limit's pace): every attempt is accepted."""
    code, key = new_class(client)
    school = {"REMOTE_ADDR": "192.0.2.10"}
    tokens = [tokenless(client, code, school, 201).json["student_token"] for _ in range(60)]
    for _ in range(3):
        later()
        for token in tokens:
            r = client.post(
                f"/api/classes/{code}/attempts", json=SGD, headers=bearer(token), environ_base=school
            )
            assert r.status_code == 201, r.json
    assert len(teacher_attempts(client, code, key)) == 240


def test_x_forwarded_for_is_ignored_unless_proxies_are_configured(monkeypatch, database_url):
    limited = Store(database_url, join_limit=(3, 0.001))
    code, _ = new_class(server_for(limited))

    def send(c, i):
        forwarded = {"X-Forwarded-For": f"203.0.113.{i}"}
        body = {"name": "x", **SGD}
        return c.post(
            f"/api/classes/{code}/attempts",
            json=body,
            headers=forwarded,
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        ).status_code

    direct = server_for(limited, "direct")
    assert [send(direct, i) for i in range(4)] == [201, 201, 201, 429]  # one peer, whatever it claims
    monkeypatch.setenv(classroom.TRUSTED_PROXIES_ENV, "1")
    behind_a_proxy = server_for(limited, "behind-a-proxy")
    assert [send(behind_a_proxy, i) for i in range(10, 14)] == [201] * 4  # each client its own bucket
    monkeypatch.setenv(classroom.TRUSTED_PROXIES_ENV, "many")
    with pytest.raises(ValueError, match="DESCENT_TRUSTED_PROXIES"):
        server_for(limited, "misconfigured")
    limited.engine.dispose()


def test_a_rate_limited_attempt_is_refused_before_its_run_is_measured_or_computed(client):
    code, _ = new_class(client, {**BOWL, "surface": "rastrigin", "start": [2.2, -3.1], "steps": 1000})
    token = attempt(client, code)["student_token"]
    heavy = {
        "optimizer": "lbfgs",
        "hyperparameters": {"max_iter": 1000, "tolerance_grad": 0, "tolerance_change": 0},
    }
    assert "second" in attempt(client, code, heavy, token=token, status=429)["error"]  # not the budget's 400
    later()
    assert "limit is 2 s" in attempt(client, code, heavy, token=token, status=400)["error"]


# ------------------------------------------------------------------ every status over a socket


def test_the_issue_s_statuses_over_a_real_socket(store):
    """The README's API walk, over HTTP on a loopback socket (werkzeug's threaded server)."""
    from werkzeug.serving import make_server

    server = flask.Flask("socket")
    classroom.register(server, store)
    httpd = make_server("127.0.0.1", 0, server, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}/api/classes"

    def call(method, path, body=None, key=None):
        request = urllib.request.Request(
            base + path, method=method, data=None if body is None else json.dumps(body).encode()
        )
        request.add_header("Content-Type", "application/json")
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, data = error.code, error.read()
        return status, json.loads(data) if data and data[:1] in b"{[" else data

    try:
        status, a = call("POST", "", BOWL)
        assert status == 201 and a["code"] and a["teacher_key"]
        status, b = call("POST", "", BOWL)
        code, key, other_code, other_key = a["code"], a["teacher_key"], b["code"], b["teacher_key"]
        status, sent = call("POST", f"/{code}/attempts", {"name": "Ann", **SGD})
        assert status == 201 and sent["result"]["final_loss"] >= 0 and sent["result"]["diverged"] is False
        status, _ = call("POST", f"/{other_code}/attempts", {"name": "Bea", **SGD})
        assert status == 201
        assert call("GET", f"/{code}/attempts")[0] == 401
        assert call("GET", f"/{code}/attempts", key="made-up")[0] == 403
        status, listed = call("GET", f"/{code}/attempts", key=key)
        assert status == 200 and [x["id"] for x in listed["attempts"]] == [sent["id"]]
        # the teacher key of class B opens nothing of class A, and a student's token no teacher action
        for method, path, body in [
            ("GET", "/attempts", None), ("GET", "/attempts.csv", None), ("POST", "/close", None),
            ("PATCH", "", {"locked": True}), ("DELETE", f"/attempts/{sent['id']}", None),
        ]:  # fmt: skip
            assert call(method, f"/{code}{path}", body, key=other_key)[0] == 403, (method, path)
            if path != "/attempts":
                assert call(method, f"/{code}{path}", body, key=sent["student_token"])[0] == 403
        status, flags = call("PATCH", f"/{code}", {"names_hidden": True}, key=key)
        assert status == 200 and flags["names_hidden"] is True
        status, flags = call("PATCH", f"/{code}", {"locked": True}, key=key)
        assert status == 200 and flags["locked"] is True
        assert call("POST", f"/{code}/attempts", {"name": "Bob", **SGD})[0] == 423
        call("PATCH", f"/{code}", {"locked": False}, key=key)
        status, bob = call("POST", f"/{code}/attempts", {"name": "Bob", **SGD})
        assert status == 201
        assert call("DELETE", f"/{code}/attempts/{bob['id']}", key=key)[0] == 204
        assert call("DELETE", f"/{code}/attempts/{bob['id']}", key=key)[0] == 404
        for method, path in [
            ("POST", "/attempts"),
            ("GET", "/attempts"),
            ("POST", "/close"),
            ("POST", "/join"),
        ]:
            assert call(method, f"/NOPE42{path}", {**SGD} if method == "POST" else None, key=key)[0] == 404
        status, closed = call("POST", f"/{code}/close", key=key)
        assert status == 200 and closed["ended"] is True
        assert call("POST", f"/{code}/attempts", {"name": "Cy", **SGD})[0] == 409
        status, listed = call("GET", f"/{code}/attempts", key=key)
        assert [x["name"] for x in listed["attempts"]] == ["Ann"]  # Bob removed, the class kept
    finally:
        httpd.shutdown()


# ------------------------------------------------------------------ a retry after the lock


def test_a_retry_after_the_lock_gets_the_stored_attempt_not_423_and_stores_nothing(client, store):
    code, key = new_class(client)
    first = attempt(client, code, {**SGD, "request_id": "r-1"})
    ann = first["student_token"]
    bob = attempt(client, code, {**SGD, "request_id": "r-1"}, name="Bob")["student_token"]
    client.patch(f"/api/classes/{code}", json={"locked": True}, headers=bearer(key))

    again = attempt(client, code, {**SGD, "request_id": "r-1"}, token=ann, status=200)
    assert again["id"] == first["id"] and again["result"] == first["result"]
    assert again["student_token"] == ann and again["name"] == "Ann"
    attempt(client, code, {**SGD, "request_id": "r-2"}, token=ann, status=423)  # a new attempt
    attempt(client, code, {**SGD, "request_id": "r-1"}, status=423)  # no token: not Ann's retry
    assert attempt(client, code, {**SGD, "request_id": "r-1"}, token=bob, status=200)["id"] != first["id"]

    client.post(f"/api/classes/{code}/close", headers=bearer(key))
    assert attempt(client, code, {**SGD, "request_id": "r-1"}, token=ann, status=200)["id"] == first["id"]
    attempt(client, code, {**SGD, "request_id": "r-3"}, token=ann, status=409)
    assert store.count_attempts(store.get_class(code)) == 2  # Ann's and Bob's, once each


def test_a_lock_between_reading_the_class_and_storing_still_answers_a_retry(store):
    """The worker read the class before the teacher locked it: the store's own transaction sees
    the lock, and still answers the retry of an attempt it accepted before."""
    challenge = challenges.parse_challenge(BOWL)
    found, _ = store.create_class(challenge)
    answer = challenges.parse_attempt(challenge, SGD)
    result = challenges.result(challenge, answer)
    stored, token, created = store.submit(found, None, "Ann", answer, result, request_id="r-1")
    assert created
    store.set_flags(found.id, locked=True)  # ``found`` still says open
    later = time.time() + 5  # past the per-student rate limit
    again, same_token, created = store.submit(found, token, "Ann", answer, result, "r-1", now=later)
    assert (again, same_token, created) == (stored, token, False)
    with pytest.raises(store_module.ClassroomError) as refused:
        store.submit(found, token, "Ann", answer, result, "r-2", now=later)
    assert refused.value.status == 423
    assert store.count_attempts(found) == 1


# ------------------------------------------------------------------ predict, then reveal

LRS = [0.1, 0.4, 1.2]  # on the bowl, plain SGD multiplies the point by (1 - 2 lr) each step
DIVERGES = {
    "kind": "choice",
    "surface": "bowl",
    "steps": 60,
    "question": "Which learning rate diverges?",
    "choices": [
        {"label": f"lr {lr}", "run": {"optimizer": "sgd", "hyperparameters": {"lr": lr}}} for lr in LRS
    ],
    "answer": "diverged",
}


def own_view(client, code, token) -> dict:
    response = client.get(f"/api/classes/{code}/attempts", headers=bearer(token))
    assert response.status_code == 200, response.json
    return response.json


def test_predictions_stay_hidden_until_the_reveal_then_the_right_answer_shows(client):
    (right,) = [i for i, lr in enumerate(LRS) if abs(1 - 2 * lr) > 1]  # the one that grows
    code, key = new_class(client, DIVERGES)
    before = client.get(f"/api/classes/{code}").json
    assert "reveal" not in before["challenge"] and "path" not in json.dumps(before)
    assert before["challenge"]["choices"] == [f"lr {lr}" for lr in LRS]
    ann = attempt(client, code, {"choice": right}, name="Ann")["student_token"]
    bob = attempt(client, code, {"choice": 0}, name="Bob")["student_token"]

    for token, name, choice in ((ann, "Ann", right), (bob, "Bob", 0)):
        seen = own_view(client, code, token)
        assert [(a["name"], a["choice"]) for a in seen["attempts"]] == [(name, choice)]  # only one's own
        assert seen["overlay"] is None and "score" not in seen["attempts"][0]
        assert "reveal" not in seen["challenge"]
    assert [a["score"] for a in teacher_attempts(client, code, key)] == [
        {"correct": True},
        {"correct": False},
    ]

    client.patch(f"/api/classes/{code}", json={"revealed": True}, headers=bearer(key))
    after = own_view(client, code, bob)
    assert after["challenge"]["reveal"]["answer"] == right
    assert [r["diverged"] for r in after["challenge"]["reveal"]["runs"]] == [i == right for i in range(3)]
    assert after["attempts"][0]["score"] == {"correct": False}
    assert [(a["name"], a["choice"], a["score"]["correct"]) for a in after["overlay"]] == [
        ("Ann", right, True),
        ("Bob", 0, False),
    ]


def test_hidden_names_stay_hidden_in_the_revealed_answers(client):
    code, key = new_class(client, DIVERGES)
    ann = attempt(client, code, {"choice": 1}, name="Ann")["student_token"]
    attempt(client, code, {"choice": 2}, name="Bob")
    client.patch(f"/api/classes/{code}", json={"names_hidden": True, "revealed": True}, headers=bearer(key))
    seen = own_view(client, code, ann)
    assert [a["name"] for a in seen["overlay"]] == [None, None]  # one's own too: it is the class's view
    assert [a["choice"] for a in seen["overlay"]] == [1, 2]
    assert [a["name"] for a in seen["attempts"]] == ["Ann"]
    assert [a["name"] for a in teacher_attempts(client, code, key)] == ["Ann", "Bob"]


def test_a_point_prediction_reveals_where_the_ball_stopped(client):
    challenge = {
        "kind": "point",
        "surface": "bowl",
        "start": [2.0, 1.0],
        "steps": 3,
        "question": "Where will the ball stop?",
        "run": {"optimizer": "sgd", "hyperparameters": {"lr": 0.25}},
    }
    code, key = new_class(client, challenge)
    assert "reveal" not in client.get(f"/api/classes/{code}").json["challenge"]
    token = attempt(client, code, {"point": [0.25, 3.125]})["student_token"]
    assert "score" not in own_view(client, code, token)["attempts"][0]
    client.patch(f"/api/classes/{code}", json={"revealed": True}, headers=bearer(key))
    seen = own_view(client, code, token)
    end = [2.0 * 0.5**3, 1.0 * 0.5**3]  # each step halves the point
    assert seen["challenge"]["reveal"]["run"]["end"] == pytest.approx(end)
    assert seen["attempts"][0]["score"]["distance"] == pytest.approx(3.0)


def test_the_projector_shows_no_answer_before_the_reveal(store):
    """What the class sees on the projector (the teacher's page): before the reveal only how many
    answered; after it the count of each choice, the right one marked."""
    from app.classroom import pages

    challenge = challenges.parse_challenge(DIVERGES)
    found, _ = store.create_class(challenge)
    for i, choice in enumerate([2, 2, 0]):
        answer = challenges.parse_attempt(challenge, {"choice": choice})
        store.submit(found, None, f"S{i}", answer, {}, now=time.time() + i)
    every = store.attempts(found)
    _, side, _, board, status, *_ = pages.projector(found, every)
    cells = [str(row) for row in board[1:]]
    assert not side.data and not any("lr " in c for c in cells)  # no choice named, no bars
    assert "3 answers" in status
    store.set_flags(found.id, revealed=True)
    found = store.get_class(found.code)
    _, side, _, board, _, *_ = pages.projector(found, every)
    (bars,) = side.data
    assert list(bars.y) == [1, 0, 2] and list(bars.x)[2] == "✓ lr 1.2"
    assert all("lr " in str(row) for row in board[1:])


def test_the_projector_counts_one_attempt_in_the_singular(store):
    from app.classroom import pages

    challenge = challenges.parse_challenge(BOWL)
    found, _ = store.create_class(challenge)
    assert pages.projector(found, [])[4].startswith("0 attempts, 0 reached")
    answer = challenges.parse_attempt(challenge, SGD)
    store.submit(found, None, "Ann", answer, challenges.result(challenge, answer))
    status = pages.projector(found, store.attempts(found))[4]
    assert status.startswith("1 attempt, 1 reached the target"), status


def test_names_in_the_projector_s_hover_text_are_shown_as_typed_never_as_markup(store):
    from app.classroom import figures

    challenge = challenges.parse_challenge({**BOWL, "kind": "point", "question": "q", "run": SGD})
    found, _ = store.create_class(challenge)
    names = ["<b>Bob</b>", '<a href="https://x.example">Cy</a>', "Ann & Zoë"]
    for i, name in enumerate(names):
        answer = challenges.parse_attempt(challenge, {"point": [0.5, 0.5]})
        store.submit(found, None, name, answer, {}, now=time.time() + i)
    store.set_flags(found.id, revealed=True)
    found = store.get_class(found.code)
    guesses = figures.point_map(found, store.attempts(found), True).data[2]
    assert list(guesses.text) == [
        "&lt;b&gt;Bob&lt;/b&gt;",
        "&lt;a href=&quot;https://x.example&quot;&gt;Cy&lt;/a&gt;",
        "Ann &amp; Zoë",
    ]


def test_the_learning_rate_spread_shows_every_rate_and_the_stable_limit_and_little_else(store):
    from app.classroom import figures

    challenge = challenges.parse_challenge(BOWL)  # 2/λ_max = 1 on the bowl
    found, _ = store.create_class(challenge)
    for i, lr in enumerate([0.01, 0.1, 0.0]):
        answer = challenges.parse_attempt(challenge, {"optimizer": "sgd", "hyperparameters": {"lr": lr}})
        store.submit(found, None, "S", answer, challenges.result(challenge, answer), now=time.time() + i)
    figure = figures.lr_figure(found, store.attempts(found))
    low, high = figure.layout.xaxis.range
    assert low < -2 and high > 0  # 0.01 and the limit 1 inside (an lr of 0 has no place on a log axis)
    assert high - low <= 2 + 1  # the two decades, half a decade each side
    assert figure.layout.shapes[0].x0 == challenge["lr_limit"] == pytest.approx(1.0)
    (label,) = figure.layout.annotations
    assert "2/λ_max = 1" in label.text and label.x == pytest.approx(0.0)  # at the line: log10(1)
    assert label.xanchor == "right"  # the line is near the right end: the label reaches into the plot
    # labelled as the app's log axes: whole numbers, never Plotly's bare minor digits ("4 5 6 … 2 3")
    ticks = figure.layout.xaxis
    if ticks.tickmode == "array":
        assert all(
            float(text) == pytest.approx(v) for v, text in zip(ticks.tickvals, ticks.ticktext, strict=True)
        )
    else:
        assert ticks.tickmode == "linear" and isinstance(ticks.dtick, int)


def test_one_learning_rate_is_labelled_with_whole_numbers_around_it(store):
    """One attempt: a decade in sight, labelled 1, 2 and 5 times the powers of ten."""
    from app.classroom import figures

    challenge = challenges.parse_challenge(BOWL)
    found, _ = store.create_class(challenge)
    answer = challenges.parse_attempt(challenge, {"optimizer": "sgd", "hyperparameters": {"lr": 0.3}})
    store.submit(found, None, "S", answer, challenges.result(challenge, answer), now=time.time())
    axis = figures.lr_figure(found, store.attempts(found)).layout.xaxis
    assert axis.tickmode == "array" and 0.2 in axis.tickvals and 0.5 in axis.tickvals
    assert [float(text) for text in axis.ticktext] == pytest.approx(list(axis.tickvals))
    (label,) = figures.lr_figure(found, store.attempts(found)).layout.annotations
    assert label.xanchor == "center"  # the limit (1) and the rate are close: the line is mid-axis


@pytest.mark.parametrize("name", optimizers.names())
def test_every_optimizer_with_its_defaults_is_accepted_stored_and_read_back(client, name):
    code, key = new_class(client)
    answer = attempt(client, code, {"optimizer": name})
    engine = optimizers.run("bowl", name, (2.0, 1.0), 60)
    assert answer["result"]["diverged"] is (engine.diverged_at >= 0)
    (stored,) = teacher_attempts(client, code, key)
    assert stored["optimizer"] == name and stored["result"] == answer["result"]
    csv_text = client.get(f"/api/classes/{code}/attempts.csv", headers=bearer(key)).get_data(as_text=True)
    assert f",{name}," in csv_text


HUGE = 10**400  # a 401-digit integer: float() of it raises OverflowError
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([HUGE, -HUGE, 2**63, 0, -1, 1001]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=45),
    st.sampled_from(["sgd", "adam", "lbfgs", "adafactor", "prodigy", "newton", "target", "choice", "point"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["kind", "surface", "start", "steps", "target_loss", "question", "choices", "answer", "run"]
FIELDS += ["name", "optimizer", "hyperparameters", "request_id", "choice", "point"]
HYPERPARAMETERS = ["lr", "momentum", "betas", "eps", "max_iter", "history_size", "weight_decay", "nesterov"]
BODIES = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"optimizer": st.sampled_from(optimizers.names())},
        optional={
            "hyperparameters": st.dictionaries(st.sampled_from(HYPERPARAMETERS), JSON, max_size=3),
            "name": JSON,
            "request_id": JSON,
        },
    ),
    st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=6),
)
KINDS = [
    BOWL,
    {**BOWL, "kind": "choice", "question": "q", "choices": ["a", "b"]},
    {**BOWL, "kind": "point", "question": "q", "run": SGD},
]


@pytest.fixture(scope="module")
def sqlite_client(tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'descent.sqlite3'}")
    server = flask.Flask("classroom-fuzz")
    classroom.register(server, store)
    client = server.test_client()
    yield client, [new_class(client, challenge)[0] for challenge in KINDS]
    store.engine.dispose()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(kind=st.sampled_from(range(len(KINDS))), body=BODIES, create=st.booleans())
def test_any_json_body_to_the_api_is_a_2xx_or_a_4xx_with_a_reason_never_a_500(
    sqlite_client, kind, body, create
):
    client, codes = sqlite_client
    if create:
        path = "/api/classes"
        merged = {**KINDS[kind], **body} if isinstance(body, dict) else body
    else:
        path, merged = f"/api/classes/{codes[kind]}/attempts", body
    response = client.post(path, data=json.dumps(merged), content_type="application/json")
    text = response.get_data(as_text=True)
    assert response.status_code < 500, f"{path} {merged!r:.200}: {response.status_code} {text[:300]}"
    if response.status_code >= 400:
        assert response.json["error"] and len(response.json["error"]) <= 300
