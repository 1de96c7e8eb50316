"""Screenshots of Descent at every screen size, light and dark: ``python docs/screenshots.py [OUT]``.

Starts ``python -m app`` on a free port (with a throwaway classroom database), opens it in headless
Chromium at 390×844 (phone), 1024×768 (projector), 1400×900 and 1920×1080, in the light and the dark
theme (the system setting, which the page follows), and saves one PNG per view (Explore, Compare,
Maps, Networks), projector mode at 1024×768, the teacher's classroom pages (/class/, then a class
started) and a student's page on the phone, in ``OUT`` (default /tmp/shots). Each picture is taken
once the view's graphs are drawn. ``--only phone,dark`` keeps the shots whose name contains every
listed word; ``--full`` takes whole pages, not the window (always on the phone).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # chromium.py: the flags the tests use

from chromium import launch  # noqa: E402

from app.classroom import ids as class_ids  # noqa: E402
from app.networks import ids as net_ids  # noqa: E402
from app.shell import ids as shell_ids  # noqa: E402
from app.shell.views import VIEWS  # noqa: E402

SIZES = {"phone": (390, 844), "projector": (1024, 768), "laptop": (1400, 900), "desktop": (1920, 1080)}
THEMES = ("light", "dark")
CLASS_SHOTS = ("class-setup", "class-teacher", "class-student")
#: The views shot in projector mode too (the Networks view also with its step inspector in sight).
PRESENTED = ("explore", "compare", "networks")
WAIT_MS = 120_000  # two busy cores: the first frame can take a while
READY_JS = "() => !!(window.descent && window.descent.player && window.descent.player.state().ready)"
# Every visible graph has drawn its SVG (and, with ``some``, there is one).
DRAWN_JS = """(some) => {
    const shown = [...document.querySelectorAll('.js-plotly-plot')].filter((gd) => gd.offsetParent !== null);
    return (!some || shown.length > 0)
        && shown.every((gd) => gd._fullLayout && gd.querySelector('.main-svg'));
}"""
TWO_FRAMES_JS = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(folder: Path) -> tuple[subprocess.Popen, str]:
    """``python -m app`` on a free port with its own SQLite classroom database; returns it and its URL."""
    port = free_port()
    env = {**os.environ, "DESCENT_DATABASE_URL": f"sqlite:///{folder / 'class.sqlite3'}"}
    process = subprocess.Popen([sys.executable, "-m", "app", "--port", str(port)], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=5).close()
            return process, url
        except OSError:
            if process.poll() is not None:
                raise SystemExit("python -m app stopped") from None
            time.sleep(0.5)
    process.terminate()
    raise SystemExit("python -m app did not answer within 120 s")


def new_page(browser, size: str, theme: str) -> Page:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=theme)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.on("console", lambda m: m.type in ("error", "warning") and print(f"  console.{m.type}: {m.text}"))
    page.on("pageerror", lambda e: print(f"  page error: {e}"))
    return page


def settle(page: Page) -> None:
    """The app's views are ready, every shown graph is drawn, and two more frames have been painted."""
    page.wait_for_function(READY_JS, timeout=WAIT_MS)
    page.wait_for_function(DRAWN_JS, arg=True, timeout=WAIT_MS)
    page.wait_for_timeout(300)  # the ResizeObserver's redraw after a view switch
    page.evaluate(TWO_FRAMES_JS)


def trained(page: Page, mode: str) -> None:
    """The Networks view trains on its first showing: wait until its training is shown."""
    if mode == "networks":
        page.wait_for_function(
            f"() => document.getElementById('{net_ids.TIMING}').innerText.trim() !== ''", timeout=WAIT_MS
        )


def inspect_networks(page: Page, snapshot: int = 8) -> None:
    """The Networks view's step inspector in sight, at an early snapshot (the last has no step)."""
    handle = page.locator(f"#{net_ids.FRAME} [role=slider]")
    handle.focus()
    handle.press("Home")
    for _ in range(snapshot):
        handle.press("ArrowRight")
    page.wait_for_function(
        f"() => document.getElementById('{net_ids.INSPECTOR}').querySelectorAll('tbody tr').length > 0"
    )
    page.locator(f"#{net_ids.INSPECTOR}").scroll_into_view_if_needed()
    page.evaluate(TWO_FRAMES_JS)


def snap(page: Page, path: Path, full: bool) -> Path:
    """The window, or with ``full`` (and always on a phone, where the views are below the controls)
    the whole page."""
    page.mouse.move(1, 1)  # no hover tooltip
    page.screenshot(path=str(path), full_page=full or page.viewport_size["width"] < 700)
    print(path)
    return path


def shoot_app(browser, url: str, out: Path, size: str, theme: str, keep, full: bool) -> None:
    page = new_page(browser, size, theme)
    page.goto(url)
    settle(page)
    for view in VIEWS:
        name = f"{size}-{theme}-{view.MODE}"
        if keep(name):
            page.locator(".mode-switch label", has_text=view.TITLE).click()
            page.wait_for_function(
                f"() => document.getElementById('{shell_ids.ROOT}').classList.contains('mode-{view.MODE}')"
            )
            trained(page, view.MODE)
            settle(page)
            snap(page, out / f"{name}.png", full)
    if size == "projector":
        for view in [v for v in VIEWS if v.MODE in PRESENTED]:
            name = f"{size}-{theme}-present-{view.MODE}"
            if keep(name):
                page.locator(".mode-switch label", has_text=view.TITLE).click()
                if not page.locator(f"#{shell_ids.PRESENT} input").is_checked():
                    page.locator(f"#{shell_ids.PRESENT} label").click()
                page.wait_for_function(
                    f"() => document.getElementById('{shell_ids.ROOT}').classList.contains('present')"
                )
                trained(page, view.MODE)
                settle(page)
                snap(page, out / f"{name}.png", full)
                if view.MODE == "networks":
                    inspect_networks(page)
                    snap(page, out / f"{name}-inspector.png", full)
    page.context.close()


def shoot_classroom(browser, url: str, out: Path, theme: str, keep, full: bool) -> None:
    teacher = new_page(browser, "projector", theme)
    teacher.goto(f"{url}/class/")
    teacher.wait_for_selector(f"#{class_ids.START}")
    teacher.wait_for_function("() => document.getElementById('t-lrs-typed')?.value !== ''")
    if keep(f"projector-{theme}-class-setup"):
        snap(teacher, out / f"projector-{theme}-class-setup.png", full)
    teacher.click(f"#{class_ids.START}")
    teacher.wait_for_function("() => /^[A-Z0-9]{6}$/.test(document.getElementById('t-code-text')?.innerText)")
    code = teacher.locator("#t-code-text").inner_text()
    student = new_page(browser, "phone", theme)
    student.goto(f"{url}/class/{code}")
    student.wait_for_function(f"() => document.getElementById('s-code')?.value === '{code}'")
    student.fill("#s-name", "Ann")
    student.fill("#s-lr", "0.001")
    student.click("#s-submit")
    student.wait_for_function("() => document.getElementById('s-message')?.innerText.includes('Sent')")
    student.wait_for_function(DRAWN_JS, arg=False)
    if keep(f"phone-{theme}-class-student"):
        snap(student, out / f"phone-{theme}-class-student.png", full)
    teacher.wait_for_function("() => document.querySelectorAll('#t-board tr.attempt').length > 0")
    for size in SIZES:
        if keep(f"{size}-{theme}-class-teacher"):
            width, height = SIZES[size]
            teacher.set_viewport_size({"width": width, "height": height})
            teacher.wait_for_function(DRAWN_JS, arg=False)
            teacher.wait_for_timeout(500)  # the graphs' redraw at the new size
            snap(teacher, out / f"{size}-{theme}-class-teacher.png", full)
    student.context.close()
    teacher.context.close()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="/tmp/shots")
    parser.add_argument("--only", default="", help="comma-separated words every shot's name must contain")
    parser.add_argument("--full", action="store_true", help="whole pages, not the window")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    words = [w for w in args.only.split(",") if w]

    def keep(name: str) -> bool:
        return all(w in name for w in words)

    presented = [f"present-{mode}" for mode in PRESENTED] + ["present-networks-inspector"]
    shots = [m.MODE for m in VIEWS] + presented
    app_names = [f"{s}-{t}-{v}" for s in SIZES for t in THEMES for v in shots]
    with tempfile.TemporaryDirectory() as folder:
        process, url = start_app(Path(folder))
        try:
            with sync_playwright() as p:
                browser = launch(p)
                for theme in THEMES:
                    for size in SIZES:
                        if any(keep(n) for n in app_names if n.startswith(f"{size}-{theme}-")):
                            shoot_app(browser, url, out, size, theme, keep, args.full)
                    if any(keep(f"{s}-{theme}-{c}") for s in SIZES for c in CLASS_SHOTS):
                        shoot_classroom(browser, url, out, theme, keep, args.full)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
