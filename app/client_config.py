"""What the browser's scripts (assets/*.js) need from Python, sent once with the page.

``client_config()`` is built from the Python constants themselves (component ids, figure fonts,
colours, the player's limits), so nothing is typed twice; ``index_string`` embeds it in the page as
``<script id="descent-config" type="application/json">``, which the scripts read when first needed.
"""

from __future__ import annotations

import json
import re

from app import ids
from app.components.controls import GRAPH_CONFIG
from app.explore import dataview
from app.explore import ids as explore_ids
from app.explore.figures import UPDATE_RULES
from app.figures_common import FONT, LEGEND_SIZE, PRESENT_FONT
from app.shell import ids as shell_ids
from app.shell.views import VIEWS

CONFIG_ELEMENT = "descent-config"
#: Dash's bundles of components the page never uses (Markdown, date pickers, uploads, code
#: highlighting, LaTeX, DataTable): ~1 MB as sent, left out of the page. Should a later component
#: need one, its library fetches it on demand.
UNUSED_SCRIPTS = re.compile(
    r'<script src="[^"]*/(?:dcc/async-(?:mathjax|datepicker|markdown|highlight|upload)|dash_table/async-\w+)'
    r'\.[^"]*"></script>\s*'
)

#: Steps per second at 1× (the speed menu's values are steps per second).
STEPS_PER_SECOND = 30
#: How often, while playing, the scrubber, the step label and the inspector follow the player (Hz):
#: each update is a round through Dash, so it is kept rare; the views are drawn every frame. At 4 the
#: rounds held the 2D views to 22.5 frames/s in bench/frames.py, at 2 they ran at 25.5 (bench/README).
PUBLISH_HZ = 2
#: The 3D view redraws at most once per this many times its last draw took (2D views never wait).
SURFACE_THROTTLE = 3
#: The longest time one animation frame may advance the player (s): on a stalled page the balls
#: are late rather than jumping ahead.
MAX_FRAME_STEP_S = 0.1

#: The widest window laid out as a phone (one column, the controls above the views). assets/style.css
#: and assets/dataview.css hold it too, in their phone media queries (``max-width: 760px``, and
#: ``min-width: 761px`` for everything wider): CSS cannot read this configuration, so
#: tests/test_client_config.py checks that their numbers are this one.
PHONE_PX = 760

#: Colours of the figures per theme (light is what the figure builders draw; dark is applied in the
#: browser with Plotly.relayout).
THEMES = {
    "light": {
        "font": FONT["color"],
        "plot": "#ffffff",
        "grid": "#e6e9f0",
        "grid3d": "#c9cfdb",
        "legend": "rgba(255,255,255,0.85)",
    },
    "dark": {
        "font": "#e3e8f4",
        "plot": "#1a2030",
        "grid": "#323a50",
        "grid3d": "#4a5470",
        "legend": "rgba(24,29,44,0.85)",
    },
}


def client_config() -> dict:
    """The page's configuration for assets/*.js (plain JSON data)."""
    return {
        "ids": {
            "root": "root",
            "play": shell_ids.PLAY,
            "back": shell_ids.BACK,
            "forward": shell_ids.FORWARD,
            "reset": shell_ids.RESET,
            "frame": shell_ids.FRAME,
            "stepLabel": shell_ids.STEP_LABEL,
            "inspector": explore_ids.INSPECTOR,
            "model": explore_ids.MODEL,
            "startX": ids.START_X,
            "startY": ids.START_Y,
            "status": shell_ids.STATUS,
            "exportPng": shell_ids.EXPORT_PNG,
            "runsData": shell_ids.RUNS_DATA,
            "theme": shell_ids.THEME,
            "classroom": shell_ids.CLASSROOM,
        },
        #: the views' modes, in the mode switch's order (the page's root class is "mode-" + one)
        "modes": [view.MODE for view in VIEWS],
        #: figure name (as in runs-data "views") -> graph component id
        "graphs": dict(shell_ids.GRAPHS),
        "graphConfig": GRAPH_CONFIG,
        #: "model": the Model view's type (assets/dataview.js)
        "fonts": {
            "normal": {"font": FONT["size"], "legend": LEGEND_SIZE, "model": dataview.FONT_SIZE},
            "present": {**PRESENT_FONT, "model": PRESENT_FONT["font"]},
        },
        "themes": THEMES,
        "screens": {"phonePx": PHONE_PX},
        #: the step inspectors' update rules (Explore's and the Networks view's)
        "rules": UPDATE_RULES,
        "player": {
            "stepsPerSecond": STEPS_PER_SECOND,
            "publishHz": PUBLISH_HZ,
            "surfaceThrottle": SURFACE_THROTTLE,
            "maxFrameStep": MAX_FRAME_STEP_S,
            "labels": {"play": "▶ Play", "pause": "‖ Pause"},
        },
    }


def install(app) -> None:
    """Embed the configuration in ``app``'s page and leave out the scripts the page never uses."""
    app.index_string = index_string(app.index_string)
    interpolate = app.interpolate_index

    def lean(**parts):
        return interpolate(**{**parts, "scripts": once_each(UNUSED_SCRIPTS.sub("", parts["scripts"]))})

    app.interpolate_index = lean


SCRIPT_TAG = re.compile(r'<script src="[^"]*"></script>\s*')


def once_each(scripts: str) -> str:
    """The script tags with each source once: a second Dash app on the same server (the classroom's
    pages) makes Dash list plotly.js twice in every page, 1.3 MB more as sent."""
    seen: set[str] = set()

    def first(match: re.Match) -> str:
        tag = match.group(0).strip()
        if tag in seen:
            return ""
        seen.add(tag)
        return match.group(0)

    return SCRIPT_TAG.sub(first, scripts)


def index_string(default: str) -> str:
    """Dash's page template with the configuration embedded before the app (``</`` escaped)."""
    text = json.dumps(client_config(), ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    element = f'<script id="{CONFIG_ELEMENT}" type="application/json">{text}</script>'
    if "{%app_entry%}" not in default:
        raise ValueError("the page template has no {%app_entry%}")
    return default.replace("{%app_entry%}", element + "\n        {%app_entry%}", 1)
