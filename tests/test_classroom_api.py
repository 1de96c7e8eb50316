"""The classroom's JSON API and its store, over real HTTP requests (Flask's test client), against
SQLite and against a real PostgreSQL server (a throwaway cluster started here; without PostgreSQL
installed these tests fail, they never skip)."""

from __future__ import annotations

import csv
import io
import json
import threading
import time

import flask
import pytest
import sqlalchemy as sa

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
