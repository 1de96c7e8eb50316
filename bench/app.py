"""App speed and weight, through the real Flask test client of ``app.main.create_app()``.

(a) Server time from a control change to the new figures: POST /_dash-update-component with the
    JSON the browser sends (built from /_dash-dependencies and the layout, as dash-renderer does),
    p50 and p95, next to a trivial Dash callback round-trip and the bare engine + figure calls.
(b) The first page as sent over the wire (with a browser's Accept-Encoding: br, gzip): GET /,
    /_dash-layout, /_dash-dependencies, the callbacks a browser fires on load, the images the figures
    point to (the contour PNG), the app's assets and Dash's JS bundles; target ≤ 2.5 MB in all.
(c) The response bytes of a runs-only update (learning rate) and of a surface change.

Timings are medians and 95th percentiles of wall time in one process on a shared machine: read them
next to the baselines of the same run, not as absolute figures.

    python bench/app.py               # about 30 s
    python bench/app.py --requests 10 # a quick look
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

importlib.import_module("app")  # before NumPy: its BLAS on one thread, as the server has it

import dash  # noqa: E402
import numpy as np  # noqa: E402
from dash import Input, Output, dcc, html  # noqa: E402

import landscapes  # noqa: E402
from app import (  # noqa: E402
    figures_common,
    ids,
    model,
)
from app import outcome as outcomes  # noqa: E402
from app.components.run_card import RunCard  # noqa: E402
from app.explore import figures as explore_figures  # noqa: E402
from app.explore import ids as explore_ids  # noqa: E402
from app.main import create_app  # noqa: E402
from app.shell import figures as shell_figures  # noqa: E402
from app.shell import ids as shell_ids  # noqa: E402
from bench import dash_client  # noqa: E402
from bench.dash_client import (  # noqa: E402
    UPDATE_URL,
    DashClient,
    Page,
    Reply,
    answer,
    callback_body,
    image_sources,
    split_outputs,
    stringify_id,
)

TARGET_P50_S = 0.100
TARGET_FIRST_PAGE = 2_500_000  # bytes as sent, JavaScript included
TARGET_RUNS_UPDATE = 100_000
WARMUP = 3


class Client:
    """The Flask test client, timing each request and stopping the bench on any non-200 answer."""

    def __init__(self, app: dash.Dash):
        self.client = DashClient(app)

    def get(self, url: str) -> tuple[bytes, float]:
        return self._checked("GET", url, self.client.get(url))

    def get_sent(self, url: str) -> tuple[bytes, int]:
        """The body (decoded) and its size as sent (compressed)."""
        reply = self.client.get(url)
        data, _ = self._checked("GET", url, reply)
        return data, reply.wire

    def post_sent(self, body: dict) -> tuple[bytes, int]:
        reply = self.client.update(body)
        data, _ = self._checked("POST", f"{UPDATE_URL} ({body['output'][:60]}…)", reply)
        return data, reply.wire

    def post(self, body: dict) -> tuple[bytes, float]:
        return self._checked("POST", f"{UPDATE_URL} ({body['output'][:60]}…)", self.client.update(body))

    @staticmethod
    def _checked(method: str, url: str, reply: Reply) -> tuple[bytes, float]:
        if reply.status != 200:
            print(f"{method} {url} answered {reply.status}:\n{reply.text()}")
            raise SystemExit(1)
        return reply.data, reply.seconds


def find_callback(deps: list[dict], output_part: str) -> dict:
    try:
        return dash_client.find_callback(deps, output_part)
    except LookupError as error:
        raise SystemExit(str(error)) from None


# ------------------------------------------------------------------------------------- statistics


def percentiles(seconds: list[float]) -> tuple[float, float]:
    return float(np.percentile(seconds, 50)), float(np.percentile(seconds, 95))


def timed_together(fns: list[Callable[[int], float | None]], n: int) -> list[list[float]]:
    """``n`` timings of each ``fn(i)``, taken in turns so that a burst of load from other processes
    hits every row alike, after ``WARMUP`` untimed calls each. ``fn`` returns its own seconds, or
    ``None`` to be timed here."""
    for fn in fns:
        for i in range(WARMUP):
            fn(i)
    out: list[list[float]] = [[] for _ in fns]
    for i in range(WARMUP, WARMUP + n):
        for fn, times in zip(fns, out, strict=True):
            start = time.perf_counter()
            own = fn(i)
            times.append(own if own is not None else time.perf_counter() - start)
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.1f}"


def size(n: int) -> str:
    return f"{n / 1e3:9.1f} KB"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ------------------------------------------------------------------------------------ (b) first page


def first_page(client: Client) -> tuple[Page, list[dict]]:
    """Print (b); return the page and the callback map for the updates."""
    html_bytes, html_sent = client.get_sent("/")
    layout_bytes, layout_sent = client.get_sent("/_dash-layout")
    deps_bytes, deps_sent = client.get_sent("/_dash-dependencies")
    layout, deps = json.loads(layout_bytes), json.loads(deps_bytes)
    page = Page(layout)
    rows = [
        ("GET /", html_bytes, html_sent),
        ("GET /_dash-layout", layout_bytes, layout_sent),
        ("GET /_dash-dependencies", deps_bytes, deps_sent),
    ]
    config = re.search(rb'<script id="_dash-config" type="application/json">(.*?)</script>', html_bytes, re.S)
    embedded = len(json.dumps(json.loads(config[1])["validation_layout"])) if config else 0

    on_load = [d for d in deps if not d.get("clientside_function") and not d.get("prevent_initial_call")]
    for dep in on_load:
        data, sent = client.post_sent(callback_body(dep, page))
        first_output = stringify_id(split_outputs(dep["output"])[0][0])
        rows.append((f"POST on load: callback with output {first_output}, …", data, sent))
    for source in sorted(image_sources(layout)):
        data, sent = client.get_sent(source)
        rows.append((f"GET {source}", data, sent))

    static = [m.decode() for m in re.findall(rb'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html_bytes)]
    for url in static:
        data, sent = client.get_sent(url)
        name = re.sub(r"\.v[0-9a-z_]+m\d+", "", url.split("?")[0].replace("/_dash-component-suites/", "JS "))
        rows.append((f"GET {name}", data, sent))

    print(f"\n(b) first page, bytes as sent (Accept-Encoding: {dash_client.HEADERS['Accept-Encoding']})")
    print(f"  {'':58} {'sent':>9} {'decoded':>9}")
    for label, data, sent in rows:
        print(f"  {label[:58]:58} {size(sent)} {size(len(data))}")
    total = sum(sent for _, _, sent in rows)
    print(f"  {'total as sent':58} {size(total)} {size(sum(len(d) for _, d, _ in rows))}")
    print(f"    of which the layout embedded in GET / as validation_layout: {size(embedded)} (decoded)")
    print(f"  target ≤ {TARGET_FIRST_PAGE / 1e6:g} MB as sent: {verdict(total <= TARGET_FIRST_PAGE)}")
    return page, deps


# ------------------------------------------------------------------------------- (a) and (c) updates


def trivial_app() -> tuple[Client, dict, Page]:
    """The baseline: one Dash callback that echoes its input, on an app configured alike."""
    app = dash.Dash(__name__, serve_locally=True, update_title=None)
    app.layout = html.Div([dcc.Input(id="a", value=0), html.Div(id="b")])

    @app.callback(Output("b", "children"), Input("a", "value"))
    def echo(value):
        return value

    client = Client(app)
    deps = json.loads(client.get("/_dash-dependencies")[0])
    page = Page(json.loads(client.get("/_dash-layout")[0]))
    return client, deps[0], page


class Updates:
    """The updates a person makes, as the browser requests them, and the same work in-process."""

    def __init__(self, client: Client, page: Page, deps: list[dict], n: int):
        self.client, self.page = client, page
        self.compute = find_callback(deps, f"{explore_ids.SURFACE_3D}.figure")
        self.new_start = find_callback(deps, f"{ids.START_X}.value")  # a new surface's start point
        self.settings = model.default_settings()
        self.landscape = landscapes.get(self.settings["surface"])
        self.runs = list(self.settings["runs"])
        self.lr_id = RunCard.ids.hp(0, "lr")
        self.surfaces = [s for s in landscapes.names() if s != self.settings["surface"]]
        # New values near the defaults at which no run diverges, so every update sends full paths
        # (a diverged run is cut short: a smaller, faster answer). SGD at the default learning rate
        # is near its stability limit, so candidates are checked with the engine first.
        rng = np.random.default_rng(0)
        default_lr = page.value(self.lr_id, "value", {})[1]
        default_x, y = (page.value(i, "value", {})[1] for i in (ids.START_X, ids.START_Y))
        lrs = np.round(default_lr * rng.uniform(0.5, 1.0, 4 * (n + WARMUP)), 6).tolist()
        xs = np.round(default_x + rng.uniform(-0.05, 0.05, 4 * (n + WARMUP)), 4).tolist()
        self.lrs = self._full_length(n, [((default_x, y), self._with_lr(lr)) for lr in lrs], "learning rates")
        self.xs = self._full_length(n, [((x, y), self.runs) for x in xs], "start points")
        self.echo = trivial_app()
        self.sizes: dict[str, list[int]] = {}
        self.lr_parts: dict[str, int] = {}  # bytes per output of the last learning-rate change

    def _with_lr(self, lr: float) -> list[model.RunSpec]:
        first = self.runs[0]
        return [
            model.RunSpec(first.optimizer, {**first.hyperparameters, "lr": lr}, first.color),
            *self.runs[1:],
        ]

    def _full_length(self, n: int, setups: list, what: str) -> list[float]:
        """The changed values (learning rate or start x) of the first ``n + WARMUP`` setups in which
        no run diverges."""
        s = self.settings
        kept = []
        for start, runs in setups:
            outcome = outcomes.compute(self.landscape, start, s["steps"], "explore", runs, s["compare"], "")
            if all(r.diverged_at < 0 for r in outcome.results):
                kept.append(runs[0].hyperparameters["lr"] if what == "learning rates" else start[0])
        if len(kept) < n + WARMUP:
            raise SystemExit(f"only {len(kept)} {what} near the defaults keep every run from diverging")
        return kept[: n + WARMUP]

    def _post(self, kind: str, dep: dict, changed: list) -> tuple[dict, float]:
        data, seconds = self.client.post(callback_body(dep, self.page, changed))
        self.sizes.setdefault(kind, []).append(len(data))
        return answer(data), seconds

    # Through the test client: each returns the server time of its request(s).

    def page_html(self, i: int) -> float:
        return self.client.get("/")[1]

    def page_layout(self, i: int) -> float:
        return self.client.get("/_dash-layout")[1]

    def trivial(self, i: int) -> float:
        client, dep, page = self.echo
        data, seconds = client.post(callback_body(dep, page, [("a", "value", i)]))
        if answer(data)["b"]["children"] != i:
            raise SystemExit(f"the echo callback answered {data!r}")
        return seconds

    def learning_rate(self, i: int) -> float:
        response, seconds = self._post("learning rate", self.compute, [(self.lr_id, "value", self.lrs[i])])
        self.lr_parts = {
            f"{key}.{prop}": len(json.dumps(value))
            for key, props in response.items()
            for prop, value in props.items()
        }
        check_runs_update(response, self.settings["steps"], f"learning rate {self.lrs[i]}")
        return seconds

    def start_x(self, i: int) -> float:
        response, seconds = self._post("start x", self.compute, [(ids.START_X, "value", self.xs[i])])
        check_runs_update(response, self.settings["steps"], f"start x {self.xs[i]}")
        return seconds

    def surface(self, i: int) -> float:
        """The renderer's chain: the callback that sets a new surface's start point first; the
        compute callback waits for it and then fires once, triggered by all three props."""
        name = self.surfaces[i % len(self.surfaces)]
        start, s1 = self._post("new start", self.new_start, [(ids.SURFACE, "value", name)])
        changed = [
            (ids.SURFACE, "value", name),
            (ids.START_X, "value", start[ids.START_X]["value"]),
            (ids.START_Y, "value", start[ids.START_Y]["value"]),
        ]
        response, s2 = self._post(f"surface {name}", self.compute, changed)
        if "data" not in response[explore_ids.SURFACE_3D]["figure"]:
            raise SystemExit(f"a change to {name} did not send the whole 3D figure")
        return s1 + s2

    def contour_png(self, i: int) -> float:
        data, seconds = self.client.get(
            figures_common.image_url(landscapes.get(self.surfaces[i % len(self.surfaces)]))
        )
        self.sizes.setdefault("png", []).append(len(data))
        return seconds

    # In-process: the engine and figure calls the callback makes, without Dash.

    def _outcome(self, i: int) -> outcomes.Outcome:
        s, runs = self.settings, self._with_lr(self.lrs[i])
        return outcomes.compute(self.landscape, s["start"], s["steps"], "explore", runs, s["compare"], "")

    def engine(self, i: int) -> None:
        self._outcome(i)

    def engine_and_run_figures(self, i: int) -> None:
        outcome = self._outcome(i)
        explore_figures.runs_patch(outcome.start, outcome.landscape, outcome.results)
        shell_figures.loss_patch(outcome.landscape, outcome.results, self.settings["loss_log"])
        shell_figures.runs_data(outcome)

    def engine_and_whole_figures(self, i: int) -> None:
        other = landscapes.get(self.surfaces[i % len(self.surfaces)])
        s = self.settings
        outcome = outcomes.compute(other, other.start, s["steps"], "explore", self.runs, s["compare"], "")
        shell_figures.full_figures(outcome, s["loss_log"])
        shell_figures.runs_data(outcome)


def server_times(updates: Updates, n: int) -> None:
    rows = [
        ("baseline: trivial Dash callback round-trip", updates.trivial),
        ("baseline: engine only (in-process)", updates.engine),
        ("baseline: engine + run figures (in-process)", updates.engine_and_run_figures),
        ("learning rate of run 0 → run traces (POST)", updates.learning_rate),
        ("start x → run traces (POST)", updates.start_x),
        ("baseline: engine + whole figures (in-process)", updates.engine_and_whole_figures),
        ("surface → start point, then whole figures (2 POSTs)", updates.surface),
        ("contour PNG of the new surface (GET)", updates.contour_png),
        ("first page: GET / (embeds the layout)", updates.page_html),
        ("first page: GET /_dash-layout (runs the defaults)", updates.page_layout),
    ]
    s = updates.settings
    print(f"\n(a) server time in ms, {n} requests each (taken in turns) after {WARMUP} warm-up")
    print(f"    (defaults: {len(updates.runs)} runs × {s['steps']} steps on {s['surface']};")
    print(f"    surface changes cycle through {len(updates.surfaces)} surfaces)")
    print(f"  {'':52} {'p50':>8} {'p95':>8}")
    times = timed_together([fn for _, fn in rows], n)
    for (label, _), seconds in zip(rows, times, strict=True):
        p50, p95 = percentiles(seconds)
        print(f"  {label:52} {ms(p50)} {ms(p95)}")
    lr_p50 = percentiles(times[[fn for _, fn in rows].index(updates.learning_rate)])[0]
    ok = lr_p50 <= TARGET_P50_S
    print(f"  target: learning-rate change p50 ≤ {TARGET_P50_S * 1e3:g} ms: {verdict(ok)}")


def payloads(updates: Updates) -> None:
    sizes = updates.sizes
    print("\n(c) response bytes, median (max) over the requests above")

    def row(label: str, values: list[int]) -> None:
        print(f"  {label:44} {size(int(np.median(values)))} ({size(max(values)).strip()})")

    row("learning-rate change (runs only)", sizes["learning rate"])
    parts = sorted(updates.lr_parts.items(), key=lambda kv: -kv[1])
    print("    by output: " + ", ".join(f"{name} {n / 1e3:.1f} KB" for name, n in parts[:5]))
    row("start x change (runs only)", sizes["start x"])
    row("surface change: the new start point", sizes["new start"])
    surface = [v for k, vs in sizes.items() if k.startswith("surface ") for v in vs]
    row("surface change: the whole figures", surface)
    row("contour PNG", sizes["png"])
    biggest = sorted(((max(v), k[8:]) for k, v in sizes.items() if k.startswith("surface ")), reverse=True)
    print("    largest surface changes: " + ", ".join(f"{k} {v / 1e3:.0f} KB" for v, k in biggest[:3]))
    ok = max(sizes["learning rate"]) <= TARGET_RUNS_UPDATE
    print(f"  target: runs-only update ≤ {TARGET_RUNS_UPDATE / 1e3:g} KB (largest): {verdict(ok)}")


def loss_traces(figure: dict) -> list[dict]:
    """The loss chart's traces, from a whole figure or from the ``Patch`` that replaces its data."""
    if "__dash_patch_update" not in figure:
        return figure["data"]
    replaced = [op["params"]["value"] for op in figure["operations"] if op["location"] == ["data"]]
    if not replaced:
        raise SystemExit("the loss chart's patch does not replace its traces")
    return replaced[-1]


def check_runs_update(response: dict, steps: int, change: str) -> None:
    """A runs-only update: a Patch of the 3D figure (not the whole figure), no error, full paths."""
    figure = response[explore_ids.SURFACE_3D]["figure"]
    if "__dash_patch_update" not in figure:
        raise SystemExit(f"{change}: the whole 3D figure was sent, not a patch: {list(figure)[:5]}")
    error = response.get(ids.SETUP_ERROR, {}).get("children")
    if error:
        raise SystemExit(f"{change}: the app answered with an error: {error}")
    lengths = {
        len(trace["x"]) for trace in loss_traces(response[shell_ids.LOSS]["figure"]) if len(trace["x"]) > 1
    }
    if lengths != {steps + 1}:
        raise SystemExit(
            f"{change}: expected paths of {steps + 1} points, the loss chart has {lengths}; "
            f"status: {response.get(shell_ids.STATUS, {}).get('children')}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per kind (default 50)")
    args = parser.parse_args()

    print(f"Python {platform.python_version()}, NumPy {np.__version__}, Dash {dash.__version__}, ", end="")
    print(f"{os.cpu_count()} CPUs, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    start = time.perf_counter()
    app = create_app()
    print(f"create_app(): {ms(time.perf_counter() - start)} ms")
    client = Client(app)
    page, deps = first_page(client)
    updates = Updates(client, page, deps, args.requests)
    server_times(updates, args.requests)
    payloads(updates)
    print(f"\nload average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
