"""Screenshots of a running Descent in headless Chromium: ``python docs/screenshot.py URL OUT.png [W H]``.

Waits for the page to render and the animation to run for a while, then saves a PNG.
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--no-first-run",
]


def main(url: str, out: str, width: int = 1400, height: int = 900, wait_ms: int = 6000) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": width, "height": height})
        messages = []
        page.on(
            "console",
            lambda m: messages.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        page.goto(url)
        page.locator(".js-plotly-plot:visible").first.wait_for(timeout=30000)
        page.wait_for_timeout(wait_ms)
        page.screenshot(path=out)
        browser.close()
    for m in messages:
        print(m)


if __name__ == "__main__":
    w, h = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1400, 900)
    main(sys.argv[1], sys.argv[2], w, h)
