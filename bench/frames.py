"""Frame cost in the browser: ``python bench/frames.py``.

Serves the app on a free local port, opens it in headless Chromium (software WebGL here, so the 3D
view is far slower than on a laptop's GPU), pauses, then measures in the page with
``performance.now()`` how long one animation frame takes: the time from "step forward" to the step
label showing the new step, which covers the playback callback, the Plotly updates of the 3D view,
the contour map and the loss chart, and the step inspector. Baseline in the same run: the same frame
loop with the 3D view hidden (2D figures only).
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(page, hide_3d: bool) -> list[float]:
    page.click("#reset")
    page.wait_for_function("() => document.getElementById('step-label').innerText.startsWith('step 0 ')")
    if hide_3d:
        page.evaluate("() => { document.getElementById('surface-3d').style.display = 'none'; }")
    return page.evaluate(FRAME_JS, FRAMES)


def report(name: str, times: list[float]) -> float:
    p50 = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"{name:<34} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ≈ {1000 / p50:5.1f} frames/s")
    return p50


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
            print(f"{FRAMES} frames each, default view (Rosenbrock, 2 runs, 200 steps), 1400×900:")
            full = report("3D + contour + loss + inspector", measure(page, hide_3d=False))
            flat = report("baseline: without the 3D view", measure(page, hide_3d=True))
            print(f"the 3D view costs {full - flat:.1f} ms of each frame (software WebGL on this machine)")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
