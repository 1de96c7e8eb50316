"""The Networks view's components: the data set, the network and its training (a run card with one
network per learning rate) in the sidebar; the synced decision-boundary panels, the losses, the
landscape planes and the 1-D interpolation in the view, with a step slider the browser drives."""

from __future__ import annotations

from dash import dcc, html

from app.components.controls import GRAPH_CONFIG, blank_figure, export_menu, labelled, number, section
from app.components.run_card import RunCard
from app.model import RunSpec
from app.networks import ids
from app.networks.settings import DEFAULT, hidden_text, lrs_text, optimizer_choices
from app.networks.training import MODELS
from landscapes import datasets
from landscapes.network import ACTIVATIONS


def sidebar(settings: dict) -> list:
    s = DEFAULT
    return [
        *model_controls(),
        section(
            "Data set",
            class_name="networks-only net-network-only",
            children=[
                dcc.Dropdown(
                    id=ids.DATA,
                    value=s.data,
                    clearable=False,
                    searchable=False,
                    options=[
                        {"label": f"{name} — {description}", "value": name}
                        for name, (_, _, description) in datasets.GENERATORS.items()
                    ],
                ),
                html.Div(
                    className="field-row",
                    children=[
                        labelled("points", _number(ids.SIZE, s.n)),
                        labelled("noise", _number(ids.NOISE, s.noise)),
                        labelled("test %", _number(ids.TEST_SHARE, round(100 * s.test_share))),
                        labelled("seed", _number(ids.DATA_SEED, s.data_seed)),
                    ],
                ),
            ],
        ),
        section(
            "Network",
            class_name="networks-only net-network-only",
            children=[
                labelled("hidden layers", _text(ids.HIDDEN, hidden_text(s.hidden), "16, 16")),
                labelled(
                    "activation",
                    dcc.Dropdown(
                        id=ids.ACTIVATION,
                        value=s.activation,
                        clearable=False,
                        searchable=False,
                        options=[{"label": a, "value": a} for a in ACTIVATIONS],
                    ),
                ),
                html.Div(
                    "1 to 3 hidden layers of at most 32 units; a logistic output (a linear one for curve).",
                    className="hint",
                ),
            ],
        ),
        section(
            "Training",
            class_name="networks-only",
            children=[
                labelled("learning rates, one network each", _text(ids.LRS, lrs_text(s.lrs), "0.001:0.1:3")),
                html.Div(
                    className="field-row",
                    children=[
                        labelled("steps", _number(ids.STEPS, s.steps)),
                        labelled("init seed", _number(ids.INIT_SEED, s.init_seed)),
                    ],
                ),
                html.Div(id=ids.CARD_SLOT, children=run_card(RunSpec(s.optimizer))),
                html.Button("Train", id=ids.TRAIN, className="compute net-train", n_clicks=0),
                html.Div(id=ids.ERROR, className="error", role="alert"),
            ],
        ),
    ]


def model_controls() -> list:
    """The model choice and the recommender's rating matrix (shown in place of the data set and the
    network when it is chosen: assets/networks.css reads the checked choice)."""
    s = DEFAULT
    return [
        section(
            "Model",
            class_name="networks-only",
            children=[
                dcc.RadioItems(
                    id=ids.MODEL,
                    value=s.model,
                    className="net-model",
                    options=[{"label": label, "value": key} for key, label in MODELS.items()],
                )
            ],
        ),
        section(
            "Rating matrix",
            class_name="networks-only net-ratings-only",
            children=[
                html.Div(
                    className="field-row",
                    children=[
                        labelled("users", _number(ids.USERS, s.users)),
                        labelled("items", _number(ids.ITEMS, s.items)),
                        labelled("rank", _number(ids.RANK, s.rank)),
                    ],
                ),
                html.Div(
                    className="field-row",
                    children=[
                        labelled("known %", _number(ids.KNOWN, round(100 * s.known))),
                        labelled("noise", _number(ids.RATING_NOISE, s.rating_noise)),
                        labelled("L2 penalty", _number(ids.L2, s.l2)),
                    ],
                ),
                labelled("seed", _number(ids.RATING_SEED, s.rating_seed)),
                html.Div(
                    "Hidden tastes of the given rank make the ratings; the model sees only the known "
                    "share and fits U Vᵀ (users × rank times items × rank) to them.",
                    className="hint",
                ),
            ],
        ),
    ]


def run_card(spec: RunSpec) -> RunCard:
    """The view's run card, its optimizer menu without those that cannot train a network (Newton)."""
    card = RunCard(ids.CARD, spec, with_lr=False)
    head = card.children[0].children
    menu = next(c for c in head if getattr(c, "id", None) == RunCard.ids.optimizer(ids.CARD))
    allowed = set(optimizer_choices())
    menu.options = [option for option in menu.options if option["value"] in allowed]
    return card


def _number(component_id: str, value) -> dcc.Input:
    # No debounce: nothing trains until Train is pressed, and a value typed just before must count.
    return number(component_id, value, debounce=False)


def _text(component_id: str, value: str, placeholder: str) -> dcc.Input:
    return dcc.Input(
        id=component_id, type="text", value=value, className="text-input", placeholder=placeholder
    )


def panel(figures: dict, runs_data: dict) -> html.Div:
    """The view; its figures come from the first training (on the first visit) or Train."""
    return html.Div(
        id=ids.VIEW,
        className="networks-view networks-only",
        children=[
            _player(),
            html.Div(id=ids.EXPORT_ERROR, className="error net-export-error", role="alert"),
            html.Div(id=ids.TIMING, className="net-timing", role="status"),
            dcc.Loading(
                _graph(ids.BOUNDARY, None, "net-panels"),  # as tall as networks.css says
                type="circle",
                delay_show=300,
                overlay_style={"visibility": "visible", "opacity": 0.6},
            ),
            _inspector(),
            html.Div(
                className="net-row",
                children=[
                    _graph(ids.LOSS, 270),
                    _graph(ids.INTERPOLATION, 270),
                ],
            ),
            html.Div(  # each plane with its button under it (side by side, or stacked on a phone)
                className="net-row",
                children=[
                    html.Div(
                        className="net-plane",
                        children=[
                            _graph(ids.RANDOM_PLANE, 340),
                            _explore_button(ids.EXPLORE_RANDOM, "the random plane"),
                        ],
                    ),
                    html.Div(
                        className="net-plane",
                        children=[
                            _graph(ids.PCA_PLANE, 340),
                            _explore_button(ids.EXPLORE_PCA, "the PCA plane"),
                        ],
                    ),
                ],
            ),
            html.Div(id=ids.PLANE_ERROR, className="error", role="alert"),
            html.P(id=ids.NOTE, className="hint net-note"),
            dcc.Store(id=ids.FRAMES, data=None),
            dcc.Store(id=ids.DONE, data=None),
            dcc.Store(id=ids.TRAINED, data=None),
            dcc.Store(id=ids.LINKED, data=None),
            dcc.Store(id=ids.PENDING, data=None),
            dcc.Interval(id=ids.TICKER, interval=120, disabled=True),
        ],
    )


def _inspector() -> html.Div:
    """The step inspector: the chosen network's update at the slider's step, in numbers (every
    network's come with the training: app.networks.inspector)."""
    return html.Div(
        className="inspector-panel net-inspector-panel",
        children=[
            html.Div(
                className="inspector-head",
                children=[
                    html.H2("Step inspector"),
                    dcc.Dropdown(
                        id=ids.INSPECT_RUN,
                        className="inspect-run",
                        value=0,
                        clearable=False,
                        searchable=False,
                        options=[],
                        placeholder="train first",
                    ),
                ],
            ),
            html.Div(id=ids.INSPECTOR, className="inspector net-inspector"),
            dcc.Store(id=ids.INSPECT_DATA, data=None),
        ],
    )


def _explore_button(component_id: str, which: str) -> html.Button:
    return html.Button(
        "Explore this plane",
        id=component_id,
        n_clicks=0,
        className="net-explore-button",
        title=f"Open {which} of the first network in Explore, as a surface: run any optimizer on it",
    )


def _graph(component_id: str, height: int | None, extra_class: str = "") -> dcc.Graph:
    # An inline height: a responsive dcc.Graph sets its own ``height: 100%``, which a class beats only
    # with ``!important`` (the boundaries' height, None here, is the panels' own: assets/networks.css)
    return dcc.Graph(
        id=component_id,
        figure=blank_figure(),
        config=GRAPH_CONFIG,
        className=f"net-graph {extra_class}".strip(),
        style={} if height is None else {"height": f"{height}px"},
    )


def _player() -> html.Div:
    return html.Div(
        className="net-player",
        children=[
            html.Button("▶ Play", id=ids.PLAY, className="play", n_clicks=0, title="Play the training"),
            html.Div(
                className="scrubber",
                # allow_direct_input: no number box; it would show a snapshot's index, the label the step
                children=dcc.Slider(
                    id=ids.FRAME,
                    min=0,
                    max=1,
                    step=1,
                    value=1,
                    marks=None,
                    updatemode="drag",
                    allow_direct_input=False,
                ),
            ),
            html.Span("step 0", id=ids.STEP_LABEL, className="step-label"),
            export_menu(
                [
                    ("Losses (CSV)", ids.EXPORT_CSV),
                    ("Networks (JSON)", ids.EXPORT_JSON),
                    ("The view (HTML, plays offline)", ids.EXPORT_HTML),
                ],
                class_name="net-export",
            ),
        ],
    )


def bottom(runs_data: dict) -> list:
    """Nothing beside the shell's loss chart (hidden in this view: it has its own)."""
    return []
