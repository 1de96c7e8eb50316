"""How Descent's tests, screenshots and benchmarks launch Debian's headless Chromium (one place).

SwiftShader gives headless Chromium a software WebGL for Plotly's 3D surface; the rest keeps a CI
machine's Chromium quiet (no sandbox as root, no /dev/shm limits, no background traffic). Nothing is
downloaded: Playwright drives ``/usr/bin/chromium`` (``apt-get install -y chromium chromium-driver``).
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
)


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless with software WebGL; a clear error if it is not installed."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(
            f"{CHROMIUM} not found: install it with `apt-get install -y chromium chromium-driver`"
        )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=list(ARGS))
