"""The classroom's two pages, a small Dash app of its own at ``/class/`` on the same server.

``/class/`` is the teacher's: start a class (reach the target, or predict then reveal: which
learning rate diverges, which optimizer is first, where the ball stops), then the projector view at
``/class/?teach=CODE``: the join code, short link and QR code; every attempt on the contour map, the
spread of learning rates or of the answers, the board; hide names, lock, reveal, end, remove, CSV.
``/class/CODE`` (or ``/class/join?code=CODE``) is the students' page, laid out for a phone.

The callbacks call the same store and challenge functions as the JSON API. The teacher key is kept in
this browser's localStorage (keyed by class code, dropped after the class's 24 h), never in an
address, so a reload keeps the class and nothing on the projector shows it; it is checked on every
teacher action. Dash renders names as text, so a name is never markup.
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from urllib.parse import parse_qs

import dash
import flask
import segno
from dash import ALL, Input, Output, Patch, State, dcc, html

import landscapes
import optimizers
from app.classroom import api, challenges, figures, ids
from app.classroom.store import CODE_ALPHABET, CODE_LENGTH, ClassroomError, refuse_attempts
from app.components.controls import blank_figure
from app.components.run_card import RunCard, hyperparameter_controls
from app.model import RunSpec
from app.parsing import parse_run
from optimizers.maps import stable_learning_rate

PREFIX = "/class/"
CARD = "class"  # the aio_id of the run card's hyperparameter controls on the students' page
REFRESH_MS = 1500  # the projector view follows within 2 s
STUDENT_REFRESH_MS = 4000  # a student's page learns of the reveal
CODE_PATH = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
KINDS = {
    "target": "Reach the target",
    "diverges": "Predict: which learning rate diverges?",
    "first": "Predict: which optimizer reaches the minimum first?",
    "stops": "Predict: where will the ball stop?",
}
QUESTIONS = {
    "diverges": "Which learning rate diverges?",
    "first": "Which optimizer reaches the minimum first?",
    "stops": "Where will the ball stop? Tap the map.",
}
FIELDS = {  # which setup fields each kind uses
    "target": ("target",),
    "diverges": ("question", "optimizer", "lrs"),
    "first": ("question", "target", "runs"),
    "stops": ("question", "optimizer", "lrs"),
}
DEFAULT_RUNS = "sgd 0.002, adam 0.1, rmsprop 0.01"
GRAPH_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def create(server) -> dash.Dash:
    pages = dash.Dash(
        "descent_classroom",
        server=server,
        url_base_pathname=PREFIX,
        assets_folder=str(Path(__file__).parent / "assets"),  # classroom_style.css only
        serve_locally=True,
        title="Descent — class",
        update_title=None,
    )
    base = [dcc.Location(id=ids.WHERE, refresh=False)]
    pages.layout = html.Div([*base, html.Div(id=ids.PAGE)], className="classroom")
    pages.validation_layout = html.Div([*base, html.Div(id=ids.PAGE), teacher_page(""), student_page("")])
    _teacher_callbacks(pages)
    _student_callbacks(pages)
    return pages


def store():
    return api.store()


# ------------------------------------------------------------------------------------- layouts


def teacher_page(code: str) -> html.Div:
    """The start form (no ``code``) or the projector view of class ``code``."""
    return html.Div(
        [
            # In the page, not beside it: when a page arrives, Dash runs every callback with an
            # input in it and an output outside it, prevent_initial_call or not; with the keys (or
            # the address) as an output of Start, each visit to /class/ started a class.
            dcc.Store(id=ids.KEYS, storage_type="local"),
            _setup(hidden=bool(code)),
            html.Div(id=ids.ERROR, role="alert", className="error"),
            dcc.Store(id=ids.CODE, data=code or None),
            dcc.Store(id=ids.SEEN),
            dcc.Store(id=ids.VERSION, data=0),
            dcc.Interval(id=ids.TICK, interval=REFRESH_MS, disabled=True),
            dcc.Download(id=ids.DOWNLOAD),
            html.Div(_projector(), id=ids.CLASS, hidden=True),
        ],
        className="teacher",
    )


def _setup(hidden: bool) -> html.Div:
    def field(name, label, component):
        return html.Label([html.Span(label), component], id={"type": ids.FIELDS, "field": name})

    return html.Div(
        [
            html.H1("Start a class"),
            dcc.RadioItems(
                [{"label": label, "value": kind} for kind, label in KINDS.items()],
                "target",
                id=ids.KIND,
                className="kinds",
            ),
            html.Div(
                [
                    html.Label(
                        [
                            html.Span("Surface"),
                            dcc.Dropdown(landscapes.names(), "rosenbrock", id=ids.SURFACE, clearable=False),
                        ],
                        className="wide",
                    ),
                    html.Label([html.Span("Steps"), dcc.Input(id=ids.STEPS, type="number", value=300)]),
                    field("target", "Target loss", dcc.Input(id=ids.TARGET, type="number", value=0.05)),
                    field(
                        "question", "Question", dcc.Input(id=ids.QUESTION, maxLength=challenges.MAX_QUESTION)
                    ),
                    field(
                        "optimizer",
                        "Optimizer",
                        dcc.Dropdown(optimizers.names(), "sgd", id=ids.OPTIMIZER, clearable=False),
                    ),
                    field("lrs", "Learning rates (the choices; the first is the run)", dcc.Input(id=ids.LRS)),
                    field(
                        "runs", "Optimizers and learning rates", dcc.Input(id=ids.RUNS, value=DEFAULT_RUNS)
                    ),
                ],
                className="fields",
            ),
            html.Button("Start class", id=ids.START, className="primary"),
        ],
        id=ids.SETUP,
        hidden=hidden,
        className="setup",
    )


def _projector() -> list:
    button = {"className": "control"}
    return [
        html.Div([_banner(), _controls(button), _graphs()], className="screen"),  # the window, exactly
        html.Table(id=ids.BOARD, className="board"),
    ]


def _banner() -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Div("Join at", className="join-at"),
                    html.Div(id=ids.LINK, className="link"),
                    html.Div(["code ", html.Span(id=ids.CODE_TEXT, className="code")], className="code-line"),
                    html.Div(id=ids.QUESTION_TEXT, className="question"),
                ],
                className="join",
            ),
            html.Img(id=ids.QR, alt="QR code of the join link", className="qr"),
        ],
        className="banner",
    )


def _controls(button: dict) -> html.Div:
    return html.Div(
        [
            html.Button("Hide names", id=ids.NAMES, **button),
            html.Button("Lock submissions", id=ids.LOCK, **button),
            html.Button("Reveal", id=ids.REVEAL, **button),
            html.Button("End class", id=ids.END, **button),
            html.Button("Download CSV", id=ids.CSV, **button),
            html.A("New class", href=PREFIX, className="control new"),
            html.Div(id=ids.STATUS, role="status", className="status"),
        ],
        className="controls",
    )


def _graphs() -> html.Div:
    return html.Div(
        [
            dcc.Graph(id=ids.MAP, className="map", config=GRAPH_CONFIG),
            dcc.Graph(id=ids.SIDE, className="side", config=GRAPH_CONFIG),
        ],
        className="graphs",
    )


def student_page(code: str) -> html.Div:
    return html.Div(
        [
            html.H1("Join the class"),
            html.Label(
                [html.Span("Join code"), dcc.Input(id=ids.S_CODE, value=code, maxLength=16, debounce=True)]
            ),
            html.Label(
                [html.Span("Your name (optional)"), dcc.Input(id=ids.S_NAME, maxLength=challenges.MAX_NAME)]
            ),
            html.Div(id=ids.S_QUESTION, className="question"),
            html.Div(
                [
                    html.Label(
                        [
                            html.Span("Optimizer"),
                            dcc.Dropdown(optimizers.names(), "sgd", id=ids.S_OPTIMIZER, clearable=False),
                        ]
                    ),
                    html.Label(
                        [html.Span("Learning rate"), dcc.Input(id=ids.S_LR, type="number", value=0.001)]
                    ),
                    html.Details(  # the run card's own controls, from the optimizer's spec
                        [
                            html.Summary("More settings"),
                            html.Div(hyperparameter_controls(CARD, RunSpec("sgd")), id=ids.S_MORE),
                        ],
                        className="more",
                    ),
                ],
                id=ids.S_TARGET,
                hidden=True,
            ),
            dcc.RadioItems([], id=ids.S_CHOICE, className="choices"),
            html.Div(
                [
                    dcc.Graph(id=ids.S_POINT_MAP, config={"displayModeBar": False}, className="point-map"),
                    dcc.Store(id=ids.S_POINT),
                ],
                id=ids.S_POINT_FIELDS,
                hidden=True,
            ),
            html.Button("Submit", id=ids.S_SUBMIT, className="primary", disabled=True),
            html.Div(id=ids.S_STATE, className="state"),
            html.Div(id=ids.S_MESSAGE, role="status", className="message"),
            html.Div(id=ids.S_REVEAL, className="reveal"),
            html.Div(
                dcc.Graph(id=ids.S_OVERLAY, config={"displayModeBar": False}, className="overlay"),
                id=ids.S_OVERLAY_BOX,
                hidden=True,
            ),
            html.Ol(id=ids.S_MINE, className="mine"),
            dcc.Store(id=ids.S_TOKEN, storage_type="session"),
            dcc.Store(id=ids.S_SEEN),
            dcc.Interval(id=ids.S_TICK, interval=STUDENT_REFRESH_MS, disabled=True),
        ],
        className="student",
    )


def route(pathname: str | None, search: str | None) -> html.Div:
    """The page for an address: ``/class/`` and ``/class/?teach=CODE`` the teacher's,
    ``/class/CODE`` and ``/class/join?code=CODE`` a student's."""
    search, pathname = _text(search), _text(pathname)  # a page only sends text: anything else is ""
    query = parse_qs(search.lstrip("?"))
    rest = pathname[len(PREFIX) :].strip("/") if pathname.startswith(PREFIX) else ""
    if rest == "join":
        return student_page((query.get("code") or [""])[0][:16])
    if CODE_PATH.match(rest.upper()):
        return student_page(rest.upper())
    teach = (query.get("teach") or [""])[0].upper()
    return teacher_page(teach if CODE_PATH.match(teach) else "")


def _text(value) -> str:
    """``value`` if it is text, else ``""``: the pages' inputs are text, a forged request may hold
    anything (a number, a list, ``None``)."""
    return value if isinstance(value, str) else ""


# ------------------------------------------------------------------------------------- teacher


def challenge_from_form(kind, surface, steps, target, question, optimizer, lrs, runs) -> dict:
    """The challenge the start form describes, as the API takes it (``challenges.parse_challenge``
    checks it). Raises ``ValueError`` with what to fix."""
    common = {"surface": surface, "steps": steps}
    if kind == "target":
        return {**common, "kind": "target", "target_loss": target}
    if not isinstance(kind, str):
        raise ValueError("choose a kind of class")
    question = _text(question).strip() or QUESTIONS.get(kind, "")
    if kind == "first":
        pairs = parse_runs(runs)
        choices = [{"label": f"{o} (lr {lr:g})", "run": _run(o, lr)} for o, lr in pairs]
        return {
            **common,
            "kind": "choice",
            "question": question,
            "choices": choices,
            "answer": "first",
            "target_loss": target,
        }
    rates = parse_rates(lrs)
    if kind == "stops":
        return {**common, "kind": "point", "question": question, "run": _run(optimizer, rates[0])}
    if kind == "diverges":
        choices = [{"label": f"lr {lr:g}", "run": _run(optimizer, lr)} for lr in rates]
        return {**common, "kind": "choice", "question": question, "choices": choices, "answer": "diverged"}
    raise ValueError(f"unknown kind of class {kind!r}")


def parse_rates(text: str | None) -> list[float]:
    """``"0.001, 0.002"`` → ``[0.001, 0.002]`` (commas or spaces between)."""
    words = [w for w in re.split(r"[,\s;]+", _text(text)) if w]
    try:
        rates = [float(w) for w in words]
    except ValueError:
        raise ValueError("learning rates: numbers separated by commas, e.g. 0.001, 0.002") from None
    if not rates:
        raise ValueError("type at least one learning rate")
    return rates


def parse_runs(text: str | None) -> list[tuple[str, float]]:
    """``"sgd 0.002, adam 0.1"`` → ``[("sgd", 0.002), ("adam", 0.1)]``."""
    pairs = []
    for part in (p.strip() for p in _text(text).split(",")):
        words = part.split()
        if not part:
            continue
        try:
            if len(words) != 2:
                raise ValueError
            pairs.append((words[0].lower(), float(words[1])))
        except ValueError:
            raise ValueError(
                f"optimizers: 'name learning-rate' pairs, e.g. {DEFAULT_RUNS}; not {part!r}"
            ) from None
    return pairs


def suggested_rates(surface: str) -> str:
    """Learning rates around the stable limit 2/λ_max at the surface's start (½, 1, 2 and 3 times):
    plain gradient descent diverges past about twice it."""
    land = landscapes.get(surface)  # ValueError for a name that is not a surface
    limit = stable_learning_rate(land, tuple(land.start))
    if not math.isfinite(limit):
        return "0.01, 0.1, 1, 3"
    return ", ".join(f"{f * limit:.2g}" for f in (0.5, 1, 2, 3))


def _run(optimizer, lr) -> dict:
    return {"optimizer": optimizer, "hyperparameters": {"lr": lr}}


def join_link(code: str) -> str:
    """The students' short link, on the address the teacher opened the page with (on a classroom
    network that is the one students can reach)."""
    return f"{flask.request.host_url.rstrip('/')}{PREFIX}{code}"


def qr_code(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI (drawn large on the projector)."""
    return segno.make(text, error="m").svg_data_uri(scale=10, border=2)


def kept_keys(keys, now: float) -> dict:
    """This browser's teacher keys less the expired ones (and anything malformed)."""
    if not isinstance(keys, dict):
        return {}
    return {
        code: entry
        for code, entry in keys.items()
        if isinstance(entry, dict)
        and isinstance(entry.get("key"), str)
        and isinstance(entry.get("expires_at"), (int, float))
        and entry["expires_at"] > now
    }


def _teacher_class(code, keys):
    if not code or not isinstance(code, str):
        raise ClassroomError("no class yet")
    key = kept_keys(keys, time.time()).get(code, {}).get("key")
    found = store().get_class(code)
    if not found.teacher(key):
        raise ClassroomError(
            f"this browser does not hold the teacher key of class {code}: open it where you started it, "
            "or start a new class",
            403,
        )
    return found


def _teacher_callbacks(pages: dash.Dash) -> None:
    @pages.callback(Output(ids.PAGE, "children"), Input(ids.WHERE, "pathname"), State(ids.WHERE, "search"))
    def _route(pathname, search):
        return route(pathname, search)

    @pages.callback(
        Output({"type": ids.FIELDS, "field": ALL}, "hidden"),
        Output(ids.QUESTION, "value"),
        Input(ids.KIND, "value"),
        State({"type": ids.FIELDS, "field": ALL}, "id"),
    )
    def _fields(kind, _ids):
        kind = _text(kind)
        used = FIELDS.get(kind, ())
        # The fields as the outputs name them, one answer each (the ``id`` state's values are not read:
        # a forged request may put anything there).
        outputs = dash.ctx.outputs_list[0]
        shown = [o["id"].get("field") if isinstance(o.get("id"), dict) else None for o in outputs]
        return [field not in used for field in shown], QUESTIONS.get(kind, "")

    @pages.callback(Output(ids.LRS, "value"), Input(ids.SURFACE, "value"))
    def _rates(surface):
        try:
            return suggested_rates(surface)
        except ValueError:  # not a surface (the menu offers only surfaces): the box keeps its value
            return dash.no_update

    @pages.callback(
        Output(ids.KEYS, "data"),
        Output(ids.CODE, "data"),
        Output(ids.ERROR, "children"),
        Input(ids.START, "n_clicks"),
        State(ids.KIND, "value"),
        State(ids.SURFACE, "value"),
        State(ids.STEPS, "value"),
        State(ids.TARGET, "value"),
        State(ids.QUESTION, "value"),
        State(ids.OPTIMIZER, "value"),
        State(ids.LRS, "value"),
        State(ids.RUNS, "value"),
        State(ids.KEYS, "data"),
        prevent_initial_call=True,
    )
    def _start(_, kind, surface, steps, target, question, optimizer, lrs, runs, keys):
        try:
            data = challenge_from_form(kind, surface, steps, target, question, optimizer, lrs, runs)
            found, key = store().create_class(challenges.parse_challenge(data), client=api.client_address())
        except (ValueError, ClassroomError) as error:
            return dash.no_update, dash.no_update, str(error)
        keys = {**kept_keys(keys, time.time()), found.code: {"key": key, "expires_at": found.expires_at}}
        return keys, found.code, ""

    @pages.callback(
        Output(ids.CODE_TEXT, "children"),
        Output(ids.LINK, "children"),
        Output(ids.QR, "src"),
        Output(ids.QUESTION_TEXT, "children"),
        Output(ids.TICK, "disabled"),
        Output(ids.CLASS, "hidden"),
        Output(ids.SETUP, "hidden"),
        Output(ids.ERROR, "children", allow_duplicate=True),
        Output(ids.WHERE, "search"),
        Input(ids.CODE, "data"),
        State(ids.KEYS, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _open(code, keys):
        if not code:
            return (dash.no_update,) * 9
        try:
            found = _teacher_class(code, keys)
        except ClassroomError as error:
            return (dash.no_update,) * 5 + (True, False, str(error), dash.no_update)
        link = join_link(found.code)
        question = found.challenge.get("question") or _target_line(found.challenge)
        shown = (found.code, link.split("://", 1)[-1], qr_code(link), question, False, False, True, "")
        return (*shown, f"?teach={found.code}")  # the code in the address (a reload keeps it), never the key

    @pages.callback(
        Output(ids.VERSION, "data"),
        Output(ids.STATUS, "children", allow_duplicate=True),
        Input(ids.NAMES, "n_clicks"),
        Input(ids.LOCK, "n_clicks"),
        Input(ids.REVEAL, "n_clicks"),
        Input(ids.END, "n_clicks"),
        Input({"type": ids.REMOVE, "index": ALL}, "n_clicks"),
        State(ids.KEYS, "data"),
        State(ids.CODE, "data"),
        State(ids.VERSION, "data"),
        prevent_initial_call=True,
    )
    def _act(_names, _lock, _reveal, _end, _removes, keys, code, version):
        button = dash.ctx.triggered_id
        if button is None or not dash.ctx.triggered[0]["value"]:
            return dash.no_update, dash.no_update  # a board row drawn, not a click
        try:
            found = _teacher_class(code, keys)
            _do(found, button)
        except ClassroomError as error:
            return dash.no_update, str(error)
        version = version if isinstance(version, int) and 0 <= version < 2**31 else 0
        return version + 1, dash.no_update

    @pages.callback(
        Output(ids.MAP, "figure"),
        Output(ids.SIDE, "figure"),
        Output(ids.SIDE, "style"),
        Output(ids.BOARD, "children"),
        Output(ids.STATUS, "children"),
        Output(ids.NAMES, "children"),
        Output(ids.LOCK, "children"),
        Output(ids.REVEAL, "children"),
        Output(ids.SEEN, "data"),
        Input(ids.TICK, "n_intervals"),
        Input(ids.VERSION, "data"),
        State(ids.KEYS, "data"),
        State(ids.CODE, "data"),
        State(ids.SEEN, "data"),
        prevent_initial_call=True,
    )
    def _refresh(_tick, _version, keys, code, seen):
        try:
            found = _teacher_class(code, keys)
        except ClassroomError as error:
            return (dash.no_update,) * 4 + (str(error),) + (dash.no_update,) * 4
        every = store().attempts(found)
        shown = [[a["id"] for a in every], found.flags()]
        if shown == seen:
            return (dash.no_update,) * 9  # nothing new: nothing redrawn
        return (*projector(found, every), shown)

    @pages.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.CSV, "n_clicks"),
        State(ids.KEYS, "data"),
        State(ids.CODE, "data"),
        prevent_initial_call=True,
    )
    def _download(_, keys, code):
        try:
            found = _teacher_class(code, keys)
        except ClassroomError:
            return dash.no_update
        return dcc.send_string(
            api.csv_text(found, store().attempts(found)), f"descent-class-{found.code}.csv"
        )


def _do(found, button) -> None:
    """One teacher action on ``found``: the button's id says which."""
    if button == ids.NAMES:
        store().set_flags(found.id, names_hidden=not found.names_hidden)
    elif found.ended and button in (ids.LOCK, ids.REVEAL, ids.END):
        raise ClassroomError("this class has ended")
    elif button == ids.LOCK:
        store().set_flags(found.id, locked=not found.locked)
    elif button == ids.REVEAL:
        if found.challenge["kind"] != "target" and not found.revealed:
            store().set_flags(found.id, revealed=True, locked=True)  # no answers after the reveal
        else:
            store().set_flags(found.id, revealed=not found.revealed)
    elif button == ids.END:
        store().set_flags(found.id, ended=True, locked=True)
    elif isinstance(button, dict) and button.get("type") == ids.REMOVE:
        index = button.get("index")
        if not isinstance(index, int) or isinstance(index, bool) or not 0 < index < 2**63:
            raise ClassroomError("that attempt is already gone")
        if not store().remove_attempt(found, index):
            raise ClassroomError("that attempt is already gone")


def projector(found, every: list[dict]) -> tuple:
    """The projector view's map, side figure and its style, board, status and button labels."""
    kind = found.challenge["kind"]
    shown = found.revealed
    graph = figures.class_map(found, every)
    if kind == "target":
        side = figures.lr_figure(found, every)
        reached = sum(a["result"]["reached"] for a in every)
        counted = f"{counted_as(len(every), 'attempt')}, {reached} reached the target"
    else:
        side = figures.choice_figure(found, every, shown) if kind == "choice" else None
        counted = counted_as(len(every), "answer")
    state = "ended" if found.ended else "locked" if found.locked else "closed" if shown else "open"
    revealed = " · revealed" if shown else ""
    if kind == "target":
        reveal = "Hide from students" if shown else "Reveal to students"
    else:
        reveal = "Hide the answers" if shown else "Reveal the answers"
    return (
        graph,
        side or blank_figure(),
        {"display": "none"} if side is None else {},
        figures.board(found, every, shown),
        f"{counted} · {state}{revealed}",
        "Show names" if found.names_hidden else "Hide names",
        "Unlock submissions" if found.locked else "Lock submissions",
        reveal,
    )


def counted_as(count: int, noun: str) -> str:
    """``"1 attempt"``, ``"3 attempts"``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _target_line(challenge: dict) -> str:
    return f"Get the loss below {challenge['target_loss']:g} in at most {challenge['steps']} steps"


# ------------------------------------------------------------------------------------- students


def _student_callbacks(pages: dash.Dash) -> None:
    @pages.callback(
        Output(ids.S_QUESTION, "children"),
        Output(ids.S_TARGET, "hidden"),
        Output(ids.S_CHOICE, "options"),
        Output(ids.S_POINT_FIELDS, "hidden"),
        Output(ids.S_POINT_MAP, "figure"),
        Output(ids.S_TICK, "disabled"),
        Output(ids.S_MESSAGE, "children", allow_duplicate=True),
        Input(ids.S_CODE, "value"),
        prevent_initial_call="initial_duplicate",
    )
    def _load(code):
        nothing = ("", True, [], True, dash.no_update, True)
        if not _text(code).strip():
            return (*nothing, "Type the join code the teacher shows.")
        try:
            found = store().get_class(code.strip())
        except ClassroomError as error:
            return (*nothing, str(error))
        challenge = challenges.public(found.challenge, False)
        kind = challenge["kind"]
        options = [{"label": label, "value": i} for i, label in enumerate(challenge.get("choices", []))]
        point_map = figures.student_map(challenge, found.code) if kind == "point" else dash.no_update
        question = challenge.get("question") or _target_line(challenge)
        return question, kind != "target", options, kind != "point", point_map, False, ""

    @pages.callback(
        Output(ids.S_MORE, "children"),
        Input(ids.S_OPTIMIZER, "value"),
        prevent_initial_call=True,
    )
    def _more(name):
        try:
            return hyperparameter_controls(CARD, RunSpec(name))  # at torch's defaults
        except ValueError:
            return dash.no_update

    @pages.callback(
        Output(ids.S_POINT, "data"),
        Output(ids.S_POINT_MAP, "figure", allow_duplicate=True),
        Input(ids.S_POINT_MAP, "clickData"),
        prevent_initial_call=True,
    )
    def _click(click):
        points = click.get("points") if isinstance(click, dict) else None
        point = points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}
        if not all(challenges.is_number(point.get(k)) for k in ("x", "y")):  # finite, no 401 digits
            return dash.no_update, dash.no_update
        guess = Patch()
        guess["data"][2]["x"] = [point["x"]]
        guess["data"][2]["y"] = [point["y"]]
        return [point["x"], point["y"]], guess

    @pages.callback(
        Output(ids.S_TOKEN, "data"),
        Output(ids.S_MESSAGE, "children"),
        Output(ids.S_MINE, "children"),
        Input(ids.S_SUBMIT, "n_clicks"),
        State(ids.S_CODE, "value"),
        State(ids.S_NAME, "value"),
        State(ids.S_OPTIMIZER, "value"),
        State(ids.S_LR, "value"),
        State(RunCard.ids.hp(CARD, ALL), "id"),
        State(RunCard.ids.hp(CARD, ALL), "value"),
        State(ids.S_CHOICE, "value"),
        State(ids.S_POINT, "data"),
        State(ids.S_TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _submit(_, code, name, optimizer, lr, hp_ids, hp, choice, point, token):
        try:
            found = store().get_class(code.strip() if isinstance(code, str) else code)
            body = {"choice": choice, "point": point}
            if found.challenge["kind"] == "target":
                body.update(run_of_form(optimizer, lr, hp_ids, hp))
            if found.challenge["kind"] == "choice" and choice is None:
                raise ValueError("pick one of the choices first")
            if found.challenge["kind"] == "point" and point is None:
                raise ValueError("tap the map where you think the ball stops first")
            answer = challenges.parse_attempt(found.challenge, body)
            refuse_attempts(found)
            secret, client = _token(found, token), api.client_address()
            store().refuse_early(found, secret, client=client)  # before the run is computed
            result = challenges.result(found.challenge, answer)
            attempt, secret, _ = store().submit(
                found, secret, challenges.display_name(name), answer, result, client=client
            )
        except (ValueError, ClassroomError) as error:
            return dash.no_update, str(error), dash.no_update
        mine = [html.Li(said(found, a)) for a in store().attempts(found, store().student(found, secret))]
        return {"code": found.code, "token": secret}, f"Sent (#{attempt['id']}): {said(found, attempt)}", mine

    @pages.callback(
        Output(ids.S_SUBMIT, "disabled"),
        Output(ids.S_STATE, "children"),
        Output(ids.S_REVEAL, "children"),
        Output(ids.S_OVERLAY_BOX, "hidden"),
        Output(ids.S_OVERLAY, "figure"),
        Output(ids.S_SEEN, "data"),
        Input(ids.S_CODE, "value"),
        Input(ids.S_TICK, "n_intervals"),
        Input(ids.S_TOKEN, "data"),
        State(ids.S_SEEN, "data"),
    )
    def _follow(code, _tick, token, seen):
        try:
            found = store().get_class(code.strip())
        except (AttributeError, ClassroomError):
            return True, "", "", True, dash.no_update, None
        student = store().student(found, _token(found, token))
        mine = store().attempts(found, student) if student is not None else []
        every = store().attempts(found) if found.revealed else []  # nothing of others before
        shown = [found.code, found.flags(), [a["id"] for a in every], [a["id"] for a in mine]]
        if shown == seen:
            return (dash.no_update,) * 6  # nothing new: nothing redrawn
        closed = closed_reason(found)
        if not found.revealed:
            return bool(closed), closed, waiting_line(found), True, dash.no_update, shown
        overlay = figures.student_overlay(found, every, {a["id"] for a in mine})
        line = revealed_line(found, mine[-1] if mine else None)
        return bool(closed), closed, line, False, overlay, shown


def closed_reason(found) -> str:
    """Why a student cannot submit now (empty if they can): the class has ended, is locked, or its
    answers are revealed."""
    if found.ended:
        return "The class has ended: no more attempts."
    if found.revealed:
        return "The teacher has revealed the class's attempts: no more attempts."
    if found.locked:
        return "The teacher has locked submissions for now."
    return ""


def waiting_line(found) -> str:
    if found.challenge["kind"] == "target":
        return "The class's attempts show here when the teacher reveals them."
    return "The answers are shown once everybody has answered."


def run_of_form(optimizer, lr, hp_ids, hp) -> dict:
    """The attempt's run from the student's form: the optimizer, the learning rate and the "More
    settings" boxes (read as the run card's are, ``app.parsing.parse_run``), sending only what differs
    from torch's defaults; ``challenges.parse_attempt`` checks it again, as for the API."""
    values = {
        i["name"]: v
        for i, v in zip(hp_ids or [], hp or [], strict=False)
        if isinstance(i, dict) and i.get("aio_id") == CARD and i.get("name") != "lr"
    }
    spec = parse_run(optimizer, values)
    defaults = optimizers.get(spec.optimizer).defaults
    changed = {k: v for k, v in spec.hyperparameters.items() if k != "lr" and _differs(v, defaults.get(k))}
    return {"optimizer": spec.optimizer, "hyperparameters": {"lr": lr, **changed}}


def _differs(value, default) -> bool:
    return (list(default) if isinstance(default, tuple) else default) != value


def _token(found, token) -> str | None:
    token = token if isinstance(token, dict) and token.get("code") == found.code else {}
    return token.get("token") if isinstance(token.get("token"), str) else None


def said(found, attempt: dict) -> str:
    """An attempt as its student reads it."""
    answer, result = attempt["answer"], attempt["result"]
    if "choice" in answer:
        return f"you answered “{found.challenge['choices'][answer['choice']]}”"
    if "point" in answer:
        x, y = answer["point"]
        return f"you guessed ({x:.3g}, {y:.3g})"
    lr = f"{run_text(answer)}: "
    if result["diverged"]:
        return lr + f"diverged at step {result['diverged_at']}"
    if result["reached"]:
        steps, loss = result["steps_to_target"], result["final_loss"]
        return lr + f"reached the target in {steps} steps (final loss {loss:.4g})"
    return lr + f"final loss {result['final_loss']:.4g}, the target was not reached"


def run_text(run: dict) -> str:
    """``"adam, lr 0.01, betas (0.8, 0.999)"``: the optimizer, its learning rate and the settings
    that differ from torch's defaults."""
    hp, defaults = run["hyperparameters"], optimizers.get(run["optimizer"]).defaults
    words = [run["optimizer"], f"lr {hp['lr']:.4g}"]
    for name, value in hp.items():
        if name != "lr" and _differs(value, defaults.get(name)):
            shown = f"({', '.join(_word(v) for v in value)})" if isinstance(value, list) else _word(value)
            words.append(f"{name} {shown}")
    return ", ".join(words)


def _word(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def revealed_line(found, attempt: dict | None) -> str:
    """What a student reads once the teacher reveals the class's attempts or a prediction."""
    if found.challenge["kind"] == "target":
        return "Everybody's attempts are on the map" + (", yours in purple." if attempt else ".")
    reveal = found.challenge["reveal"]
    if found.challenge["kind"] == "choice":
        answer = reveal["answer"]
        truth = (
            "no single right answer"
            if answer is None
            else f"the answer: “{found.challenge['choices'][answer]}”"
        )
        if attempt is None:
            return _sentence(truth) + "."
        right = answer == attempt["answer"]["choice"]
        return f"{_sentence(truth)}; you {'got it right' if right else 'said otherwise'}."
    end = reveal["run"]["end"]
    where = "the run diverged" if end is None else f"the ball stopped at ({end[0]:.3g}, {end[1]:.3g})"
    if attempt is None:
        return _sentence(where) + "."
    distance = challenges.score(found.challenge, attempt["answer"]).get("distance")
    return _sentence(where) + ("" if distance is None else f"; your guess was {distance:.3g} away.")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
