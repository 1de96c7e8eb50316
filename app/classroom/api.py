"""The classroom's JSON API, a Flask blueprint (documented in the README).

Who may do what: the teacher key (``Authorization: Bearer <teacher_key>``) for every teacher action;
the join code alone to submit, and a student token (returned with the first attempt, or by
``/join``) to read one's own attempts and, once revealed, the class overlay. Every answer is JSON
(the CSV download aside); bad input gets a 4xx with a short reason.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime
from typing import Any

import flask
from sqlalchemy.exc import SQLAlchemyError

from app.classroom import challenges
from app.classroom.store import Class, ClassroomError, Store, default_store, refuse_attempts

STORE_KEY = "DESCENT_CLASSROOM_STORE"
MAX_BODY = 16 * 1024  # bytes: a challenge or an attempt is far smaller
MAX_REQUEST_ID = 64
FLAGS = ("names_hidden", "locked", "revealed")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

blueprint = flask.Blueprint("classroom_api", __name__, url_prefix="/api/classes")
log = logging.getLogger(__name__)


def store() -> Store:
    return flask.current_app.config.get(STORE_KEY) or default_store()


# ------------------------------------------------------------------------------------- teacher


@blueprint.post("")
def create_class():
    body = _body()
    found, key = store().create_class(challenges.parse_challenge(body), client=client_address())
    return _json({**_class_view(found, teacher=True), "teacher_key": key}, 201)


@blueprint.get("/<code>")
def show_class(code: str):
    found = store().get_class(code)
    return _json(_class_view(found, teacher=found.teacher(_bearer())))


@blueprint.patch("/<code>")
def set_flags(code: str):
    found = _as_teacher(code)
    body = _body()
    flags = {}
    for name, value in body.items():
        if name not in FLAGS:
            raise ClassroomError(f"unknown setting {name[:40]!r}; settings: {', '.join(FLAGS)}")
        if not isinstance(value, bool):
            raise ClassroomError(f"{name} must be true or false")
        flags[name] = value
    if found.ended and flags:
        raise ClassroomError("this class has ended", 409)
    if flags:
        store().set_flags(found.id, **flags)
    return _json(_class_view(store().get_class(code), teacher=True))


@blueprint.post("/<code>/close")
def close_class(code: str):
    found = _as_teacher(code)
    store().set_flags(found.id, ended=True, locked=True)
    return _json(_class_view(store().get_class(code), teacher=True))


@blueprint.delete("/<code>/attempts/<int:attempt_id>")
def remove_attempt(code: str, attempt_id: int):
    found = _as_teacher(code)
    if not store().remove_attempt(found, attempt_id):
        raise ClassroomError("no such attempt in this class", 404)
    return flask.Response(status=204)


@blueprint.get("/<code>/attempts.csv")
def attempts_csv(code: str):
    found = _as_teacher(code)
    response = flask.Response(csv_text(found, store().attempts(found)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="descent-class-{found.code}.csv"'
    return response


# ------------------------------------------------------------------------------------- students


@blueprint.post("/<code>/join")
def join(code: str):
    found = store().get_class(code)
    if found.ended:  # a locked or revealed class is still joined: to see the overlay once revealed
        raise ClassroomError("this class has ended", 409)
    _, token = store().join(found, client=client_address())
    return _json({"code": found.code, "student_token": token}, 201)


@blueprint.post("/<code>/attempts")
def add_attempt(code: str):
    body = _body()
    found = store().get_class(code)
    request_id = body.get("request_id")
    if request_id is not None and not _request_id(request_id):
        raise ClassroomError(f"request_id must be 1 to {MAX_REQUEST_ID} letters, digits, - or _")
    if found.locked or found.ended or found.revealed:
        # A retry of an attempt accepted before the lock gets that attempt, not a refusal.
        stored = store().stored_attempt(found, _bearer(), request_id)
        if stored is None:
            refuse_attempts(found)
        view = _attempt_view(found, stored, teacher=False, own=True)
        return _json({**view, "student_token": _bearer()}, 200)
    name = challenges.display_name(body.get("name"))
    answer = challenges.parse_attempt(found.challenge, body)
    client = client_address()
    store().refuse_early(found, _bearer(), request_id, client)  # before the run is computed
    result = challenges.result(found.challenge, answer)
    attempt, token, created = store().submit(
        found, _bearer(), name, answer, result, request_id, client=client
    )
    view = {**_attempt_view(found, attempt, teacher=False, own=True), "student_token": token}
    return _json(view, 201 if created else 200)


@blueprint.get("/<code>/attempts")
def list_attempts(code: str):
    found = store().get_class(code)
    token = _bearer()
    if token is None:
        raise ClassroomError("send Authorization: Bearer <teacher key or student token>", 401)
    if found.teacher(token):
        every = store().attempts(found)
        return _json(
            {**_class_view(found, teacher=True), "attempts": [_attempt_view(found, a, True) for a in every]}
        )
    student_id = store().student(found, token)
    if student_id is None:
        raise ClassroomError("that key is neither this class's teacher key nor one of its students'", 403)
    own = [_attempt_view(found, a, teacher=False, own=True) for a in store().attempts(found, student_id)]
    overlay = None
    if found.revealed:
        overlay = [_attempt_view(found, a, teacher=False) for a in store().attempts(found)]
    return _json({**_class_view(found, teacher=False), "attempts": own, "overlay": overlay})


# ------------------------------------------------------------------------------------- views


def _class_view(found: Class, teacher: bool) -> dict:
    challenge = found.challenge if teacher else challenges.public(found.challenge, found.revealed)
    return {"code": found.code, "challenge": challenge, **found.flags(), "expires_at": found.expires_at}


def _attempt_view(found: Class, attempt: dict, teacher: bool, own: bool = False) -> dict:
    """An attempt as the teacher, its own student, or (revealed overlay) the class sees it."""
    hidden = found.names_hidden and not (teacher or own)
    view = {
        "id": attempt["id"],
        "name": None if hidden else attempt["name"],
        **attempt["answer"],
        "result": attempt["result"],
        "created_at": attempt["created_at"],
    }
    if teacher or found.revealed:
        view["score"] = challenges.score(found.challenge, attempt["answer"])
    if own:
        view["mine"] = True
    return view


CSV_COLUMNS = (
    "id", "time_utc", "name", "optimizer", "lr", "hyperparameters", "final_loss", "steps_to_target",
    "reached", "diverged_at", "choice", "point_x", "point_y", "correct", "distance",
)  # fmt: skip


def csv_text(found: Class, attempts: list[dict]) -> str:
    """The class's attempts as CSV, one row each, names kept as text (``_cell``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for a in attempts:
        writer.writerow([_cell(v) for v in _csv_row(found, a)])
    return out.getvalue()


def _csv_row(found: Class, a: dict) -> list:
    answer, result = a["answer"], a["result"]
    score = challenges.score(found.challenge, answer)
    hp = answer.get("hyperparameters")
    point = answer.get("point") or [None, None]
    when = datetime.fromtimestamp(a["created_at"], UTC).isoformat(timespec="seconds")
    return [
        a["id"], when, a["name"], answer.get("optimizer"), (hp or {}).get("lr"),
        None if hp is None else json.dumps(hp, sort_keys=True), result.get("final_loss"),
        result.get("steps_to_target"), result.get("reached"), result.get("diverged_at"),
        answer.get("choice"), point[0], point[1], score.get("correct"), score.get("distance"),
    ]  # fmt: skip


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a string that a spreadsheet would read as a formula
    (``=``, ``+``, ``-``, ``@``, tab, CR first) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


# ------------------------------------------------------------------------------------- plumbing


def _request_id(value) -> bool:
    return (
        isinstance(value, str)
        and 1 <= len(value) <= MAX_REQUEST_ID
        and value.isascii()
        and value.replace("-", "").replace("_", "").isalnum()
    )


def _as_teacher(code: str) -> Class:
    found = store().get_class(code)
    token = _bearer()
    if token is None:
        raise ClassroomError("send Authorization: Bearer <teacher key>", 401)
    if not found.teacher(token):
        raise ClassroomError("that is not this class's teacher key", 403)
    return found


def client_address() -> str:
    """The requesting client's address: the direct peer's, or with ``DESCENT_TRUSTED_PROXIES=n``
    the one the n-th proxy from us saw (``classroom.register`` sets werkzeug's ``ProxyFix``), so a
    client cannot choose it by sending an ``X-Forwarded-For`` header."""
    return flask.request.remote_addr or "unknown"


def _bearer() -> str | None:
    header = flask.request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _body() -> dict:
    data = flask.request.stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise ClassroomError(f"the body is larger than {MAX_BODY // 1024} KiB", 413)
    try:
        body = json.loads(data or b"{}", parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ClassroomError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise ClassroomError("the body must be a JSON object")
    return body


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number")


def _json(data: Any, status: int = 200) -> flask.Response:
    return flask.Response(json.dumps(data, allow_nan=False), status, mimetype="application/json")


@blueprint.after_request
def _headers(response: flask.Response) -> flask.Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blueprint.errorhandler(ClassroomError)
def _refused(error: ClassroomError):
    response = _json({"error": str(error)}, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if error.status in (429, 503):
        response.headers["Retry-After"] = str(error.retry_after or 1)
    return response


@blueprint.errorhandler(ValueError)
def _bad_value(error: ValueError):
    message = str(error)
    return _json({"error": message if len(message) <= 300 else message[:297] + "..."}, 400)


@blueprint.errorhandler(SQLAlchemyError)
def _database_down(error: SQLAlchemyError):
    log.warning("classroom database error: %s", error)
    response = _json({"error": "the class database is busy or unreachable: try again"}, 503)
    response.headers["Retry-After"] = "1"
    return response
