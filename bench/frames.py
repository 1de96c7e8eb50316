"""Frame cost in the browser: ``python bench/frames.py``.

Serves the app on a free local port and opens it in headless Chromium (software WebGL here, so the
3D view is far slower than on a laptop's GPU). Two measurements, each next to a baseline in the
same page:

1. **Stepping**: paused, press "step forward" and time with ``performance.now()`` until the step
   label shows the new step and the page has painted: the playback callback, the Plotly updates of
   the contour map and the loss chart, the step inspector, and (throttled, see assets/playback.js)
   the 3D view. Baseline: the same with the 3D view's redraw switched off (2D only).
2. **Playing**: press play at 4× speed for a few seconds and count how many frames the step label
   showed and how many times the 3D view was redrawn, per second.
"""

from __future__ import annotations

import socket
import statistics
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the app package, not bench/app.py
from app.main import create_app

ARGS = [
    "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader", "--disable-background-networking", "--no-first-run",
]  # fmt: skip
FRAMES = 40
PLAY_SECONDS = 5

FRAME_JS = """async (frames) => {
    const label = document.getElementById('step-label');
    const forward = document.getElementById('step-forward');
    const times = [];
    for (let i = 0; i < frames; i++) {
        const before = label.innerText;
        const t0 = performance.now();
        forward.click();
        while (label.innerText === before) { await new Promise(r => requestAnimationFrame(r)); }
        await new Promise(r => requestAnimationFrame(r));  // and painted
        times.push(performance.now() - t0);
    }
    return times;
}"""

# Counts the 3D view's redraws; with `skip`, does not redraw it at all (the 2D-only baseline).
COUNT_3D_JS = """(skip) => {
    const original = window.__restyle || Plotly.restyle;
    window.__restyle = original;
    window.__draws3d = 0;
    Plotly.restyle = function (gd, ...args) {
        if (gd.closest && gd.closest('#surface-3d')) {
            window.__draws3d += 1;
            if (skip) { return Promise.resolve(); }
        }
        return original.call(this, gd, ...args);
    };
}"""

PLAY_JS = """async (seconds) => {
    const label = document.getElementById('step-label');
    let shown = 0, before = label.innerText;
    window.__draws3d = 0;
    document.getElementById('play').click();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
        await new Promise(r => requestAnimationFrame(r));
        if (label.innerText !== before) { shown += 1; before = label.innerText; }
    }
    document.getElementById('play').click();
    const elapsed = (performance.now() - t0) / 1000;
    return [shown / elapsed, window.__draws3d / elapsed];
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reset(page) -> None:
    page.click("#reset")
    page.wait_for_function("() => document.getElementById('step-label').innerText.startsWith('step 0 ')")


def stepping(page, skip_3d: bool) -> list[float]:
    reset(page)
    page.evaluate(COUNT_3D_JS, skip_3d)
    return page.evaluate(FRAME_JS, FRAMES)


def playing(page, skip_3d: bool) -> tuple[float, float]:
    reset(page)
    page.evaluate(COUNT_3D_JS, skip_3d)
    return page.evaluate(PLAY_JS, PLAY_SECONDS)


def report(name: str, times: list[float]) -> None:
    p50 = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"  {name:<38} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ≈ {1000 / p50:5.1f} frames/s")


def main() -> None:
    port = free_port()
    server = make_server("127.0.0.1", port, create_app().server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function("() => document.getElementById('play')?.innerText.includes('Pause')")
            page.click("#play")
            page.wait_for_function("() => document.getElementById('play').innerText.includes('Play')")
            print("Default view (Rosenbrock, 2 runs, 200 steps), 1400×900, software WebGL.")
            print(f"(1) stepping: {FRAMES} single steps")
            report("3D + contour + loss + inspector", stepping(page, skip_3d=False))
            report("baseline: 2D only (no 3D redraw)", stepping(page, skip_3d=True))
            print(f"(2) playing for {PLAY_SECONDS} s at the default speed (30 steps/s asked)")
            for name, skip in (("3D + 2D", False), ("baseline: 2D only", True)):
                shown, draws = playing(page, skip)
                extra = f", 3D view redrawn {draws:4.1f}/s" if not skip else ""
                print(f"  {name:<38} {shown:5.1f} frames/s shown{extra}")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
