"""The classroom's two pages, a small Dash app of its own at ``/class/`` on the same server:
``/class/`` for the teacher (start a class, the projector view: every attempt on the contour map,
a leaderboard, hide names / lock / reveal / end / remove / CSV) and ``/class/join?code=…`` for the
students (name, optimizer, learning rate, submit; their own results).

Minimal by design: reach-the-target challenges only; the other kinds have the JSON API. The
callbacks call the same store and challenge functions as the API; the teacher key stays in the
teacher's browser memory and is checked on every teacher action. Dash renders names as text, so a
name is never markup.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import dash
import flask
import numpy as np
import plotly.graph_objects as go
import segno
from dash import Input, Output, State, dcc, html

import landscapes
import optimizers
from app.classroom import api, challenges
from app.classroom.store import ClassroomError

PREFIX = "/class/"
REFRESH_MS = 1500  # the projector view follows within 2 s
GRID = 80
COLORS = {"reached": "#1a9850", "missed": "#f46d43", "diverged": "#7f7f7f"}


def create(server) -> dash.Dash:
    pages = dash.Dash(
        "descent_classroom",
        server=server,
        url_base_pathname=PREFIX,
        assets_folder=str(Path(__file__).parent / "assets"),  # none: not the main app's scripts
        serve_locally=True,
        title="Descent — class",
        update_title=None,
    )
    pages.layout = html.Div(
        [dcc.Location(id="where"), html.Div(id="page")], style={"fontFamily": "sans-serif"}
    )
    pages.validation_layout = html.Div(
        [dcc.Location(id="where"), html.Div(id="page"), teacher_page(), student_page("")]
    )
    _callbacks(pages)
    return pages


def store():
    return api.store()


# ------------------------------------------------------------------------------------- layouts


def teacher_page() -> html.Div:
    field = {"style": {"width": "7em", "marginRight": "1em"}}
    return html.Div(
        [
            html.H2("Start a class: reach the target"),
            html.Div(
                [
                    html.Label("Surface "),
                    dcc.Dropdown(
                        landscapes.names(),
                        "rosenbrock",
                        id="t-surface",
                        clearable=False,
                        style={"width": "14em", "display": "inline-block"},
                    ),
                    html.Label(" steps "),
                    dcc.Input(id="t-steps", type="number", value=200, **field),
                    html.Label("target loss "),
                    dcc.Input(id="t-target", type="number", value=0.01, **field),
                    html.Button("Start class", id="t-start"),
                ]
            ),
            html.Div(id="t-error", role="alert", style={"color": "#b2182b"}),
            dcc.Store(id="t-key"),
            dcc.Store(id="t-code"),
            dcc.Store(id="t-version", data=0),
            dcc.Interval(id="t-tick", interval=REFRESH_MS, disabled=True),
            html.Div(
                [
                    html.Div(
                        id="t-code-text",
                        style={"fontSize": "64px", "fontWeight": "bold", "letterSpacing": "0.1em"},
                    ),
                    html.Div(id="t-link", style={"fontSize": "24px"}),
                    html.Img(id="t-qr", alt="QR code of the join link", style={"width": "240px"}),
                    html.Div(
                        [
                            html.Button("Hide names", id="t-names"),
                            html.Button("Lock submissions", id="t-lock"),
                            html.Button("Reveal to students", id="t-reveal"),
                            html.Button("End class", id="t-end"),
                            html.Button("Download CSV", id="t-csv"),
                            dcc.Input(
                                id="t-remove-id",
                                type="number",
                                placeholder="attempt #",
                                style={"width": "7em"},
                            ),
                            html.Button("Remove", id="t-remove"),
                        ],
                        style={"display": "flex", "gap": "0.5em", "margin": "0.5em 0"},
                    ),
                    dcc.Download(id="t-download"),
                    html.Div(id="t-status"),
                    html.Div(
                        [
                            dcc.Graph(id="t-map", style={"height": "520px", "flex": "3"}),
                            dcc.Graph(id="t-lrs", style={"height": "520px", "flex": "2"}),
                        ],
                        style={"display": "flex"},
                    ),
                    html.Table(id="t-board"),
                ],
                id="t-class",
                hidden=True,
            ),
        ],
        style={"padding": "1em"},
    )


def student_page(search: str) -> html.Div:
    code = (parse_qs((search or "").lstrip("?")).get("code") or [""])[0][:16]
    return html.Div(
        [
            html.H2("Join the class"),
            html.Div([html.Label("Join code "), dcc.Input(id="s-code", value=code, maxLength=16)]),
            html.Div([html.Label("Your name "), dcc.Input(id="s-name", maxLength=challenges.MAX_NAME)]),
            html.Div(
                [
                    html.Label("Optimizer "),
                    dcc.Dropdown(
                        optimizers.names(),
                        "sgd",
                        id="s-optimizer",
                        clearable=False,
                        style={"width": "10em", "display": "inline-block"},
                    ),
                ]
            ),
            html.Div([html.Label("Learning rate "), dcc.Input(id="s-lr", type="number", value=0.001)]),
            html.Button("Submit", id="s-submit"),
            html.Div(id="s-message", role="status"),
            html.Ol(id="s-mine"),
            dcc.Store(id="s-token", storage_type="session"),
        ],
        style={"padding": "1em", "maxWidth": "28em", "fontSize": "18px"},
    )


# ------------------------------------------------------------------------------------- figures


def map_figure(found, attempts: list[dict]) -> go.Figure:
    """The challenge's contour map with every attempt's path, coloured by its outcome."""
    land = landscapes.get(found.challenge["surface"])
    (x0, x1), (y0, y1) = land.bounds
    xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        z = np.log10(
            np.asarray(land.value(gx, gy), dtype=float) - float(np.nanmin(land.value(gx, gy))) + 1e-3
        )
    figure = go.Figure(go.Contour(x=xs, y=ys, z=z, showscale=False, colorscale="Blues", reversescale=True))
    start = found.challenge["start"]
    figure.add_scatter(
        x=[start[0]], y=[start[1]], mode="markers", marker={"size": 12, "color": "black"}, name="start"
    )
    for a in attempts:
        outcome = _outcome(a["result"])
        path = a["result"]["path"]
        figure.add_scatter(
            x=[p[0] for p in path],
            y=[p[1] for p in path],
            mode="lines",
            line={"color": COLORS[outcome], "width": 2},
            name=f"#{a['id']} {_shown_name(found, a)}",
        )
    figure.update_layout(
        margin={"l": 30, "r": 10, "t": 10, "b": 30},
        xaxis={"range": [x0, x1]},
        yaxis={"range": [y0, y1]},
        uirevision=found.code,
    )
    return figure


def lr_figure(found, attempts: list[dict]) -> go.Figure:
    """The spread of the chosen learning rates (log scale), one dot per attempt coloured by its
    outcome, against the stable limit 2/λ_max of plain gradient descent at the start."""
    figure = go.Figure()
    for outcome, color in COLORS.items():
        chosen = [a for a in attempts if _outcome(a["result"]) == outcome]
        figure.add_scatter(
            x=[a["answer"]["hyperparameters"]["lr"] for a in chosen],
            y=[a["answer"]["optimizer"] for a in chosen],
            mode="markers",
            marker={"color": color, "size": 12, "opacity": 0.8},
            name=outcome,
        )
    limit = found.challenge.get("lr_limit")
    if limit is not None:
        figure.add_vline(x=limit, line_dash="dash", annotation_text=f"2/λ_max = {limit:.3g}")
    figure.update_layout(
        xaxis={"type": "log", "title": "learning rate"},
        margin={"l": 60, "r": 10, "t": 30, "b": 40},
        uirevision=found.code,
    )
    return figure


def join_link(code: str) -> str:
    """The students' link, on the address the teacher opened the page with (on a classroom network
    that is the one students can reach)."""
    return f"{flask.request.host_url.rstrip('/')}{PREFIX}join?code={code}"


def qr_code(text: str) -> str:
    """A QR code of ``text`` as an SVG data URI, big enough to scan from the back of the room."""
    return segno.make(text, error="m").svg_data_uri(scale=10, border=2)


def board(found, attempts: list[dict]) -> list:
    """The leaderboard: reached first (fewest steps), then by final loss; diverged last."""

    def key(a):
        r = a["result"]
        return (
            not r["reached"],
            r["steps_to_target"] or 0,
            r["final_loss"] if r["final_loss"] is not None else np.inf,
        )

    head = html.Tr(
        [html.Th(t) for t in ("#", "name", "optimizer", "learning rate", "steps to target", "final loss")]
    )
    rows = [
        html.Tr(
            [
                html.Td(a["id"]),
                html.Td(_shown_name(found, a)),
                html.Td(a["answer"]["optimizer"]),
                html.Td(f"{a['answer']['hyperparameters']['lr']:.4g}"),
                html.Td("—" if a["result"]["steps_to_target"] is None else a["result"]["steps_to_target"]),
                html.Td("diverged" if a["result"]["diverged"] else f"{a['result']['final_loss']:.4g}"),
            ],
            className=f"attempt {_outcome(a['result'])}",
        )
        for a in sorted(attempts, key=key)
    ]
    return [head, *rows]


def _outcome(result: dict) -> str:
    return "diverged" if result["diverged"] else "reached" if result["reached"] else "missed"


def _shown_name(found, a) -> str:
    return "(hidden)" if found.names_hidden else a["name"] or "anonymous"


# ------------------------------------------------------------------------------------- callbacks


def _callbacks(pages: dash.Dash) -> None:
    @pages.callback(Output("page", "children"), Input("where", "pathname"), State("where", "search"))
    def route(pathname, search):
        return student_page(search) if (pathname or "").rstrip("/").endswith("/join") else teacher_page()

    @pages.callback(
        Output("t-key", "data"),
        Output("t-code", "data"),
        Output("t-code-text", "children"),
        Output("t-link", "children"),
        Output("t-qr", "src"),
        Output("t-tick", "disabled"),
        Output("t-class", "hidden"),
        Output("t-error", "children"),
        Input("t-start", "n_clicks"),
        State("t-surface", "value"),
        State("t-steps", "value"),
        State("t-target", "value"),
        prevent_initial_call=True,
    )
    def start(_, surface, steps, target):
        try:
            challenge = challenges.parse_challenge(
                {"kind": "target", "surface": surface, "steps": steps, "target_loss": target}
            )
            found, key = store().create_class(challenge)
        except (ValueError, ClassroomError) as error:
            return (dash.no_update,) * 7 + (str(error),)
        link = join_link(found.code)
        return key, found.code, found.code, f"Students: open {link}", qr_code(link), False, False, ""

    @pages.callback(
        Output("t-version", "data"),
        Output("t-status", "children", allow_duplicate=True),
        Input("t-names", "n_clicks"),
        Input("t-lock", "n_clicks"),
        Input("t-reveal", "n_clicks"),
        Input("t-end", "n_clicks"),
        Input("t-remove", "n_clicks"),
        State("t-remove-id", "value"),
        State("t-key", "data"),
        State("t-code", "data"),
        State("t-version", "data"),
        prevent_initial_call=True,
    )
    def act(_names, _lock, _reveal, _end, _remove, remove_id, key, code, version):
        try:
            found = _teacher_class(code, key)
            button = dash.ctx.triggered_id
            if button == "t-names":
                store().set_flags(found.id, names_hidden=not found.names_hidden)
            elif button == "t-lock":
                store().set_flags(found.id, locked=not found.locked)
            elif button == "t-reveal":
                store().set_flags(found.id, revealed=not found.revealed)
            elif button == "t-end":
                store().set_flags(found.id, ended=True, locked=True)
            elif button == "t-remove":
                if not isinstance(remove_id, int) or not store().remove_attempt(found, remove_id):
                    raise ClassroomError("no such attempt in this class")
        except (ValueError, ClassroomError) as error:
            return dash.no_update, str(error)
        return (version or 0) + 1, dash.no_update

    @pages.callback(
        Output("t-map", "figure"),
        Output("t-lrs", "figure"),
        Output("t-board", "children"),
        Output("t-status", "children"),
        Output("t-names", "children"),
        Output("t-lock", "children"),
        Output("t-reveal", "children"),
        Input("t-tick", "n_intervals"),
        Input("t-version", "data"),
        State("t-key", "data"),
        State("t-code", "data"),
        prevent_initial_call=True,
    )
    def refresh(_tick, _version, key, code):
        try:
            found = _teacher_class(code, key)
        except ClassroomError as error:
            return (dash.no_update,) * 3 + (str(error),) + (dash.no_update,) * 3
        every = store().attempts(found)
        reached = sum(a["result"]["reached"] for a in every)
        state = "ended" if found.ended else "locked" if found.locked else "open"
        status = f"{len(every)} attempts, {reached} reached the target; the class is {state}"
        return (
            map_figure(found, every),
            lr_figure(found, every),
            board(found, every),
            status,
            "Show names" if found.names_hidden else "Hide names",
            "Unlock submissions" if found.locked else "Lock submissions",
            "Hide from students" if found.revealed else "Reveal to students",
        )

    @pages.callback(
        Output("t-download", "data"),
        Input("t-csv", "n_clicks"),
        State("t-key", "data"),
        State("t-code", "data"),
        prevent_initial_call=True,
    )
    def download(_, key, code):
        try:
            found = _teacher_class(code, key)
        except ClassroomError:
            return dash.no_update
        return dcc.send_string(
            api.csv_text(found, store().attempts(found)), f"descent-class-{found.code}.csv"
        )

    @pages.callback(
        Output("s-token", "data"),
        Output("s-message", "children"),
        Output("s-mine", "children"),
        Input("s-submit", "n_clicks"),
        State("s-code", "value"),
        State("s-name", "value"),
        State("s-optimizer", "value"),
        State("s-lr", "value"),
        State("s-token", "data"),
        prevent_initial_call=True,
    )
    def submit(_, code, name, optimizer, lr, token):
        try:
            found = store().get_class(code.strip() if isinstance(code, str) else code)
            token = token if isinstance(token, dict) and token.get("code") == found.code else {}
            token = token.get("token") if isinstance(token.get("token"), str) else None
            answer = challenges.parse_attempt(
                found.challenge, {"optimizer": optimizer, "hyperparameters": {"lr": lr}}
            )
            result = challenges.result(found.challenge, answer)
            name = challenges.display_name(name)
            attempt, secret, _ = store().submit(found, token, name, answer, result)
        except (ValueError, ClassroomError) as error:
            return dash.no_update, str(error), dash.no_update
        mine = [
            html.Li(_said(a["result"], a["answer"]))
            for a in store().attempts(found, _student_id(found, secret))
        ]
        return (
            {"code": found.code, "token": secret},
            f"Attempt #{attempt['id']}: {_said(result, answer)}",
            mine,
        )


def _teacher_class(code, key):
    found = store().get_class(code)
    if not found.teacher(key):
        raise ClassroomError("not this class's teacher", 403)
    return found


def _student_id(found, token):
    return store().student(found, token)


def _said(result: dict, answer: dict) -> str:
    lr = f"{answer['optimizer']}, lr {answer['hyperparameters']['lr']:.4g}: "
    if result["diverged"]:
        return lr + f"diverged at step {result['diverged_at']}"
    if result["reached"]:
        steps, loss = result["steps_to_target"], result["final_loss"]
        return lr + f"reached the target in {steps} steps (final loss {loss:.4g})"
    return lr + f"final loss {result['final_loss']:.4g}, the target was not reached"
