"""Frames in the browser: ``python bench/frames.py`` (about a minute).

Serves the app on a free local port and opens it in headless Chromium (software WebGL: the 3D view is
far slower here than on a laptop's GPU), at 1400×900, the default Explore view with the 3D view
visible. In the same run and browser it measures, for ``SECONDS`` each:

- three plain pages, the baselines: an empty page counting ``requestAnimationFrame`` callbacks; an
  SVG circle moved every frame; a Plotly scatter whose 8 paths and 8 balls are ``Plotly.restyle``d
  every frame (the old player's way of drawing);
- the app playing at 1× (the speed menu's default): distinct 2D frames per second (frames in which
  the player drew its 2D views at a new position, ``descent.player.stats()``), the time each such
  frame's 2D drawing took (``performance.now()`` around it, the 3D redraw not counted), the page's
  animation frames per second meanwhile, and how often the 3D view was redrawn.

Targets (issue 10): ≥ 24 distinct 2D frames/s at 1×, per-frame 2D work ≤ 10 ms (p95). The script
prints PASS or FAIL for each and exits non-zero only when something is broken (the page never plays).
The machine's load average is printed before and after: other work on the cores shows up in every row.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import threading
from pathlib import Path

import plotly
from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the app package, not bench/app.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "browser"))  # chromium.py
from chromium import launch  # the flags the browser tests use

from app.main import create_app

VIEWPORT = {"width": 1400, "height": 900}
SECONDS = 5
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
TARGET_FPS = 24
TARGET_WORK_MS = 10

# Each baseline page defines window.frameWork(): the work of one frame, timed by the common loop.
LOOP_JS = """async (seconds) => {
    const work = [];
    let frames = 0;
    const t0 = performance.now();
    await new Promise((done) => {
        function tick(now) {
            const began = performance.now();
            window.frameWork(frames);
            work.push(performance.now() - began);
            frames += 1;
            if (now - t0 < seconds * 1000) { requestAnimationFrame(tick); } else { done(); }
        }
        requestAnimationFrame(tick);
    });
    return {frames: frames / ((performance.now() - t0) / 1000), work: work};
}"""

EMPTY_PAGE = "<html><body><script>window.frameWork = () => undefined;</script></body></html>"

SVG_PAGE = """<html><body>
<svg width="800" height="600"><circle id="c" r="6" cx="10" cy="10" fill="red"/></svg>
<script>
const circle = document.getElementById("c");
window.frameWork = (i) => {
    circle.setAttribute("cx", 400 + 300 * Math.cos(i / 20));
    circle.setAttribute("cy", 300 + 200 * Math.sin(i / 20));
};
</script></body></html>"""

# 8 runs of 200 steps: each frame restyles every path (grown by one point) and every ball.
RESTYLE_SETUP_JS = """() => {
    const gd = document.getElementById("plot");
    const runs = 8, steps = 200;
    const paths = [];
    for (let r = 0; r < runs; r++) {
        const xs = [], ys = [];
        for (let k = 0; k <= steps; k++) {
            xs.push(Math.cos(k / 30 + r) * (1 - k / 250));
            ys.push(Math.sin(k / 30 + r) * (1 - k / 250));
        }
        paths.push([xs, ys]);
    }
    const traces = [];
    for (let r = 0; r < runs; r++) { traces.push({x: [], y: [], mode: "lines"}); }
    for (let r = 0; r < runs; r++) { traces.push({x: [], y: [], mode: "markers", marker: {size: 12}}); }
    Plotly.newPlot(gd, traces, {width: 800, height: 600, showlegend: false,
        xaxis: {range: [-1.2, 1.2]}, yaxis: {range: [-1.2, 1.2]}});
    const indices = [...Array(2 * runs).keys()];
    window.frameWork = (i) => {
        const k = i % (steps + 1);
        const x = [], y = [];
        for (const [xs, ys] of paths) { x.push(xs.slice(0, k + 1)); y.push(ys.slice(0, k + 1)); }
        for (const [xs, ys] of paths) { x.push([xs[k]]); y.push([ys[k]]); }
        Plotly.restyle(gd, {x: x, y: y}, indices);
    };
}"""

# The app: count animation frames and 3D redraws while the player plays at 1× for `seconds`.
APP_JS = """async (seconds) => {
    const player = window.descent.player;
    const surface = window.descent.surface;
    player.stats(true);
    let frames = 0, draws3d = 0, shown3d = surface.drawnStep();
    document.getElementById(window.descent.config().ids.play).click();
    const t0 = performance.now();
    await new Promise((done) => {
        function tick(now) {
            frames += 1;
            if (surface.drawnStep() !== shown3d) { draws3d += 1; shown3d = surface.drawnStep(); }
            if (now - t0 < seconds * 1000 && player.state().playing) { requestAnimationFrame(tick); }
            else { done(); }
        }
        requestAnimationFrame(tick);
    });
    const elapsed = (performance.now() - t0) / 1000;
    const stats = player.stats(true);
    return {distinct: stats.frames / elapsed, work: stats.work, frames: frames / elapsed,
            draws3d: draws3d / elapsed, elapsed: elapsed, speed: player.state().speed};
}"""


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def row(name: str, fps: float, work: list[float], extra: str = "") -> None:
    p50, p95 = percentiles(work)
    print(f"  {name:<44} {fps:5.1f} frames/s   work p50 {p50:6.2f} ms  p95 {p95:6.2f} ms{extra}")


def baselines(browser) -> None:
    page = browser.new_page(viewport=VIEWPORT)
    for name, html, setup in (
        ("empty page (rAF only)", EMPTY_PAGE, None),
        ("SVG circle moved per frame", SVG_PAGE, None),
        (
            "Plotly.restyle 8 paths + 8 balls per frame",
            '<html><body><div id="plot"></div></body></html>',
            True,
        ),
    ):
        page.set_content(html)
        if setup:
            page.add_script_tag(path=str(PLOTLY_JS))
            page.evaluate(RESTYLE_SETUP_JS)
        result = page.evaluate(LOOP_JS, SECONDS)
        row(name, result["frames"], result["work"])
    page.close()


def app_playing(browser, port: int) -> dict:
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(f"http://127.0.0.1:{port}/")
    # The first runs play from the start when the page opens: wait for them to end, then reset.
    page.wait_for_function("() => window.descent?.player?.state().ready", timeout=120_000)
    page.wait_for_function("() => !window.descent.player.state().playing", timeout=120_000)
    page.evaluate("() => document.getElementById(window.descent.config().ids.reset).click()")
    page.wait_for_function("() => window.descent.player.state().step === 0", timeout=60_000)
    result = page.evaluate(APP_JS, SECONDS)
    state = page.evaluate("() => window.descent.player.state()")
    page.close()
    if result["distinct"] == 0:
        raise SystemExit("the app's player drew no frame: broken")
    result["last"] = state["last"]
    return result


def load() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    port = free_port()
    server = make_server("127.0.0.1", port, create_app().server, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"load average (1 / 5 / 15 min) before: {load()}   ({os.cpu_count()} CPUs)")
    try:
        with sync_playwright() as p:
            browser = launch(p)
            size = f"{VIEWPORT['width']}×{VIEWPORT['height']}"
            print(f"Headless Chromium {browser.version}, software WebGL, {size}")
            print(f"Plain pages, {SECONDS} s each (work: the frame's JavaScript, performance.now()):")
            baselines(browser)
            result = app_playing(browser, port)
            print(
                f"The app, default Explore view (3D view visible), playing at 1× "
                f"({result['speed']:g} steps/s) for {result['elapsed']:.1f} s:"
            )
            row(
                "distinct 2D frames (work: 2D drawing)",
                result["distinct"],
                result["work"],
                f"   (page {result['frames']:.1f} frames/s, 3D redrawn {result['draws3d']:.1f}/s)",
            )
            browser.close()
    finally:
        server.shutdown()
    p95 = percentiles(result["work"])[1]
    print(f"load average after: {load()}")
    fps_ok = "PASS" if result["distinct"] >= TARGET_FPS else "FAIL"
    work_ok = "PASS" if p95 <= TARGET_WORK_MS else "FAIL"
    print(
        f"target ≥ {TARGET_FPS} distinct 2D frames/s: {fps_ok};"
        f" per-frame 2D work p95 ≤ {TARGET_WORK_MS} ms: {work_ok}"
    )


if __name__ == "__main__":
    main()
