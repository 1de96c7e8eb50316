"""A classroom at once: simulated students against a real gunicorn server, bounded in count and time.

Starts ``gunicorn app:server -w 2`` with the production worker model (``GUNICORN_OPTIONS``) on
127.0.0.1 at a free port, waits until it answers, and always stops it at the end. Then, over real
HTTP on 127.0.0.1 only:

1. baseline: one student sends ten requests, one after the other;
2. open: every student opens the page at once (GET /, /_dash-layout, /_dash-dependencies);
3. class: every student (a thread) changes a setting every 1–2 s (uniformly at random) for
   ``--seconds`` (60);
4. class + heavy: the same while ``--heavy`` (2) more users send the heaviest requests they can
   make, back to back: a new formula that SymPy takes ~30 s to differentiate (refused at the 2 s
   deadline), then the largest hyperparameter map that the 2 s budget lets through (calibrated
   from the refusal's "at most N steps fit"). Only the students' requests are counted.

A student's request is what the browser sends after a change of the learning rate box and the
steps: the compute callback (``bench.dash_client``), built once per student as the browser holds
its page, with the two values changed per request. Each student has its own number of steps
(150 + index: around the page's default of 200) and each request its own learning rate, so every
answer can be checked to be that request's own: the scrubber's max and the runs data's steps must be
the student's steps, and the loss chart's legend must name the request's learning rate. Anything
else counts as cross-talk; an answer without runs (a refusal) counts as an error, with its message.

Targets: p95 ≤ 300 ms in the class, p95 ≤ 500 ms with the heavy users, 0 errors, 0 cross-talk. The
script prints PASS or FAIL per target and exits 1 only when something is broken (an error or
cross-talk), as the other benchmarks do: latency on a shared machine is reported, not enforced.

    python bench/load.py                                # 100 students, 2 × 60 s, about 2.5 min
    python bench/load.py --students 10 --seconds 10     # a quick look
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import ids  # noqa: E402
from app.components.run_card import RunCard  # noqa: E402
from app.explore import ids as explore_ids  # noqa: E402
from app.maps.ids import MAP_COMPUTE, MAP_ERROR, MAP_GRAPH, MAP_GRID, TAB  # noqa: E402
from app.model import (  # noqa: E402
    CUSTOM,
    MAX_STEPS,
    format_number,
)
from app.shell import ids as shell_ids  # noqa: E402
from bench.dash_client import DashClient, stringify_id  # noqa: E402

TARGET_P95_S = 0.300  # the class
TARGET_HEAVY_P95_S = 0.500  # the class while two users send the heaviest requests
HOST = "127.0.0.1"
WORKERS = 2
COMPUTE = f"{explore_ids.SURFACE_3D}.figure"
LR = RunCard.ids.hp(0, "lr")
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
PAUSE_S = (1.0, 2.0)
FIRST_STEPS = 150  # student i computes 150 + i steps: unique, and around the default 200 for a class
SETTINGS = f"{shell_ids.NOTICE}.children"
SLOW_FORMULA = "cosh(sinh(sqrt((tanh(exp(tanh(x^x))))^(-1)))^(1/2)) + {k}"


# ------------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


#: The production worker model (README, "Serve a classroom"): threads, so a request that waits for
#: a formula's worker process or computes its 2 s does not hold a whole worker; every request's
#: work is bounded (``optimizers.budget``, the formula deadline), so 30 s is only a backstop. Idle
#: connections are kept 5 s (gunicorn's default is 2 s, shorter than a student's pause).
GUNICORN_OPTIONS = [
    "-k", "gthread", "--threads", "8", "--keep-alive", "5", "--timeout", "30", "--graceful-timeout", "10"
]  # fmt: skip


class Server:
    """``gunicorn app:server`` on a free local port, in its own process group; ``stop()`` ends it."""

    def __init__(self, workers: int, options: list[str] = GUNICORN_OPTIONS):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log = tempfile.NamedTemporaryFile("w+", prefix="descent-gunicorn-", suffix=".log")
        command = [
            sys.executable, "-m", "gunicorn", "app:server", "-w", str(workers), "--no-control-socket",
            "-b", f"{HOST}:{self.port}", *options,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self) -> float:
        """Seconds until ``GET /`` answers 200 (the workers have built the app)."""
        start = time.perf_counter()
        while time.perf_counter() - start < START_TIMEOUT_S:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                client = DashClient(self.url, timeout=5)
                if client.get("/").status == 200:
                    client.close()
                    return time.perf_counter() - start
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S:g} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the master (it stops its workers), then SIGKILL to our own group if it lingers."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of the master and its live workers so far, from /proc."""
        pids = [self.process.pid]
        try:
            pids += [
                int(p)
                for p in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
                .read_text()
                .split()
            ]
        except OSError:
            return float("nan")
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "".join(Path(self.log.name).read_text(errors="replace").splitlines(True)[-lines:])


# ------------------------------------------------------------------------------------- the users


@dataclass
class User:
    """A student: their own steps, and a learning rate per request (unique at 4 digits, as shown)."""

    index: int
    requests: int
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mixed: list[str] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return FIRST_STEPS + self.index

    def lr(self, j: int) -> float:
        return round(1e-3 * (1 + (self.index * self.requests + j) / 1000), 9)

    def changes(self, j: int) -> list:
        return [(LR, "value", self.lr(j)), (ids.STEPS, "value", self.steps)]


def refusal(response: dict) -> str | None:
    """The messages of an answer that computed nothing (a refused request), else ``None``."""
    if shell_ids.FRAME in response:
        return None
    messages = [p.get("children") for p in response.values() if isinstance(p, dict) and p.get("children")]
    return "no runs in the answer: " + "; ".join(map(str, messages))[:200]


def check(user: User, j: int, response: dict) -> str | None:
    """Why this answer is not this request's own (``None`` if it is)."""
    frame = response.get(shell_ids.FRAME, {}).get("max")
    data_steps = response.get(shell_ids.RUNS_DATA, {}).get("data", {}).get("steps")
    if frame != user.steps or data_steps != user.steps:
        return f"user {user.index} ({user.steps} steps) got frame max {frame}, runs data steps {data_steps}"
    legend = json.dumps(response.get(shell_ids.LOSS, {}).get("figure", {}))
    if not re.search(rf"lr {re.escape(format_number(user.lr(j)))}[,)]", legend):
        return f"user {user.index} request {j}: the loss chart does not name lr {format_number(user.lr(j))}"
    return None


class Request:
    """A student's compute request, built once (as the page holds it); ``body(j)`` sets request
    ``j``'s learning rate and the steps in place, without rebuilding it from the whole layout."""

    def __init__(self, client: DashClient, user: User):
        self.user = user
        self.template = client.body(COMPUTE, user.changes(0))
        self.items = {}
        for group in self.template["inputs"]:
            for item in group if isinstance(group, list) else [group]:
                for component, prop, _ in user.changes(0):
                    if item["id"] == component and item["property"] == prop:
                        self.items[stringify_id(component), prop] = item
        assert len(self.items) == len(user.changes(0)), "every changed prop is an input of the compute"

    def body(self, j: int) -> dict:
        for component, prop, value in self.user.changes(j):
            self.items[stringify_id(component), prop]["value"] = value
        return self.template

    def keep(self, response: dict) -> None:
        """Hold the answer's runs key, as the page does: the next answer leaves out the runs it
        already draws (``app.shell.compute._figures``)."""
        key = response.get(shell_ids.RUNS_KEY, {}).get("data")
        for item in self.template.get("state", []):
            if isinstance(item, dict) and item.get("id") == shell_ids.RUNS_KEY and key is not None:
                item["value"] = key


def send(client: DashClient, user: User, j: int, deadline: float, request: Request | None = None) -> None:
    if time.perf_counter() > deadline:
        user.errors.append("not sent: the time limit was reached")
        return
    try:
        reply = client.update(request.body(j)) if request else client.call(COMPUTE, user.changes(j))
    except (OSError, ValueError) as error:  # refused, reset, timed out, or an unreadable answer
        user.errors.append(f"{type(error).__name__}: {error}")
        client.close()
        return
    user.times.append(reply.seconds)
    if reply.status != 200:
        user.errors.append(f"HTTP {reply.status}: {reply.text(200)}")
        return
    refused = refusal(reply.response)
    if refused:
        user.errors.append(f"user {user.index} request {j}: {refused}")
        return
    problem = check(user, j, reply.response)
    if problem:
        user.mixed.append(problem)
    elif request:
        request.keep(reply.response)


def run_user(
    user: User, url: str, page: tuple, deadline: float, pause: bool, until: float = math.inf
) -> None:
    """One browser with the page already loaded (``page``: its layout and callback map, shared
    read-only): its own connection, its requests in order (until ``until``), with pauses if ``pause``."""
    rng = np.random.default_rng(user.index)
    client = DashClient(url, timeout=REQUEST_TIMEOUT_S)
    client.page, client.deps = page
    request = Request(client, user)
    try:
        if pause:
            time.sleep(rng.uniform(0, PAUSE_S[1]))  # students do not all start in the same instant
        for j in range(user.requests):
            if time.perf_counter() >= until:
                break
            if pause and j:
                time.sleep(rng.uniform(*PAUSE_S))
            send(client, user, j, deadline, request)
    finally:
        client.close()


@dataclass
class Heavy:
    """A user who sends the heaviest requests there are, back to back (not counted in the p95)."""

    index: int
    formulas: list[float] = field(default_factory=list)
    maps: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_heavy(heavy: Heavy, url: str, page: tuple, until: float) -> None:
    client = DashClient(url, timeout=REQUEST_TIMEOUT_S)
    client.page, client.deps = page
    steps, k = MAX_STEPS, 0
    try:
        while time.perf_counter() < until:
            k += 1
            text = SLOW_FORMULA.format(k=1000 * heavy.index + k)  # new text: never cached
            reply = client.call(SETTINGS, [(ids.SURFACE, "value", CUSTOM), (ids.FORMULA, "value", text)])
            message = (
                reply.response.get(ids.FORMULA_ERROR, {}).get("children", "") if reply.status == 200 else ""
            )
            if "takes too long" not in message and "too busy" not in message:  # either deadline
                heavy.errors.append(f"slow formula: HTTP {reply.status} {message or reply.text(100)}")
            heavy.formulas.append(reply.seconds)
            changes = [(MAP_COMPUTE, "n_clicks", k), (ids.MODE, "value", "maps")]
            values = [(TAB, "value", "map"), (MAP_GRID, "value", 64), (ids.STEPS, "value", steps)]
            reply = client.call(f"{MAP_GRAPH}.figure", changes, values=values)
            error = reply.response.get(MAP_ERROR, {}).get("children", "") if reply.status == 200 else ""
            fit = re.search(r"at most (\d+) steps fit", error or "")
            if fit:  # refused before it started: next time, the most that fits
                steps = max(1, int(fit.group(1)))
            elif reply.status != 200 or error:
                heavy.errors.append(f"map: HTTP {reply.status} {error or reply.text(100)}")
            heavy.maps.append(reply.seconds)
    except (OSError, ValueError) as error:
        heavy.errors.append(f"{type(error).__name__}: {error}")
    finally:
        client.close()


def open_page(user: User, url: str) -> None:
    client = DashClient(url, timeout=REQUEST_TIMEOUT_S)
    try:
        for path in ("/", "/_dash-layout", "/_dash-dependencies"):
            reply = client.get(path)
            user.times.append(reply.seconds)
            if reply.status != 200:
                user.errors.append(f"GET {path}: HTTP {reply.status}")
    except OSError as error:
        user.errors.append(f"GET: {type(error).__name__}: {error}")
    finally:
        client.close()


def together(target, users: list[User], deadline: float, *args) -> None:
    """Run ``target(user, ...)`` for every user in its own thread, all at once."""
    threads = [threading.Thread(target=target, args=(u, *args), daemon=True) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.perf_counter()) + REQUEST_TIMEOUT_S)


# ----------------------------------------------------------------------------------------- report


def machine() -> str:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return f"{os.cpu_count()} CPUs ({model or platform.processor()}), load average {load}"


class Phase:
    """Wall time and CPU time (server processes, and this client process) of one phase."""

    def __init__(self, server: Server):
        self.server = server

    def __enter__(self) -> Phase:
        self.start = (time.perf_counter(), self.server.cpu_seconds(), time.process_time())
        return self

    def __exit__(self, *_) -> None:
        wall, server, client = self.start
        self.seconds = time.perf_counter() - wall
        self.server_cpu = self.server.cpu_seconds() - server
        self.client_cpu = time.process_time() - client


def row(label: str, users: list[User], phase: Phase) -> tuple[float, int, int]:
    times = [t for u in users for t in u.times]
    errors = sum(len(u.errors) for u in users)
    mixed = sum(len(u.mixed) for u in users)
    p50, p95 = (float(np.percentile(times, q)) * 1e3 for q in (50, 95)) if times else (float("nan"),) * 2
    n = max(len(times), 1)
    rate = len(times) / phase.seconds
    cpu = f"{phase.server_cpu / n * 1e3:6.1f} {phase.client_cpu / n * 1e3:6.1f}"
    print(f"  {label:44} {len(times):5} {p50:8.1f} {p95:8.1f} {rate:7.1f} {cpu} {errors:6} {mixed:6}")
    return p95 / 1e3, errors, mixed


def details(users: list[User]) -> None:
    for problem in [p for u in users for p in u.mixed][:3] + [p for u in users for p in u.errors][:3]:
        print(f"    {problem[:150]}")


def median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--students", type=int, default=100, help="simulated students (default 100, at most 150)"
    )
    parser.add_argument(
        "--seconds", type=float, default=60, help="length of each class phase (default 60, at most 120)"
    )
    parser.add_argument(
        "--heavy", type=int, default=2, help="users sending the heaviest requests (default 2)"
    )
    args = parser.parse_args()
    if not (1 <= args.students <= 150 and 1 <= args.seconds <= 120 and 0 <= args.heavy <= 4):
        parser.error("1 ≤ students ≤ 150, 1 ≤ seconds ≤ 120, 0 ≤ heavy ≤ 4")
    assert FIRST_STEPS + args.students - 1 <= MAX_STEPS
    requests = int(args.seconds / PAUSE_S[0]) + 2  # the most a student can send in a phase
    deadline = time.perf_counter() + 3 * args.seconds + 120  # nothing is sent after this

    print(f"Python {platform.python_version()}, {machine()}")
    print(f"gunicorn app:server -w {WORKERS} {' '.join(GUNICORN_OPTIONS)} on {HOST}")
    print(f"{args.students} students, a change every {PAUSE_S[0]:g}–{PAUSE_S[1]:g} s for {args.seconds:g} s")
    server = Server(WORKERS)
    try:
        print(f"server ready in {server.wait_ready():.1f} s at {server.url}")
        reader = DashClient(server.url, timeout=REQUEST_TIMEOUT_S)
        page = (reader.page, reader.deps)  # the page as every browser loaded it (timed in "open")
        reader.close()
        warm = User(0, 4 * WORKERS)
        run_user(warm, server.url, page, deadline, False)  # every worker computes once before timing
        if warm.errors or warm.mixed:
            print(f"warm-up failed: {(warm.errors + warm.mixed)[0]}\n{server.log_tail()}")
            return 1

        header = f"{'count':>5} {'p50':>8} {'p95':>8} {'req/s':>7} {'server':>6} {'client':>6}"
        print(f"\n  {'':44} {'':5} {'ms per request':>17} {'':7} {'CPU ms/request':>13}")
        print(f"  {'':44} {header} {'errors':>6} {'mixed':>6}")
        baseline = [User(0, 10)]
        with Phase(server) as phase:
            run_user(baseline[0], server.url, page, deadline, False)
        row("baseline: 1 student, 10 requests in turn", baseline, phase)
        opening = [User(i, 1) for i in range(args.students)]
        with Phase(server) as phase:
            together(open_page, opening, deadline, server.url)
        row(f"open: {args.students} students load the page at once", opening, phase)

        results = {}
        for label, heavy_count in (("class", 0), ("class + heavy", args.heavy)):
            students = [User(i, requests) for i in range(args.students)]
            heavies = [Heavy(i) for i in range(heavy_count)]
            until = time.perf_counter() + args.seconds
            threads = [threading.Thread(target=run_heavy, args=(h, server.url, page, until)) for h in heavies]
            with Phase(server) as phase:
                for thread in threads:
                    thread.start()
                together(run_user, students, deadline, server.url, page, deadline, True, until)
                for thread in threads:
                    thread.join(REQUEST_TIMEOUT_S + 10)
            name = f"{label}: {args.students} students" + (
                f", {heavy_count} heavy users" if heavy_count else ""
            )
            results[label] = row(name, students, phase)
            if heavies:
                formulas = [t for h in heavies for t in h.formulas]
                maps = [t for h in heavies for t in h.maps]
                print(
                    f"    heavy users: {len(formulas)} slow formulas (p50 {median(formulas):.2f} s), "
                    f"{len(maps)} largest maps (p50 {median(maps):.2f} s), "
                    f"{sum(len(h.errors) for h in heavies)} unexpected answers"
                )
                for problem in [p for h in heavies for p in h.errors][:3]:
                    print(f"    {problem[:150]}")
            details([u for u in students if u.errors or u.mixed])
        details([u for u in baseline + opening if u.errors or u.mixed])
        errors = sum(r[1] for r in results.values()) + sum(len(u.errors) for u in baseline + opening)
        mixed = sum(r[2] for r in results.values()) + sum(len(u.mixed) for u in baseline)
        p95, heavy_p95 = results["class"][0], results["class + heavy"][0]
        ok = verdict(p95 <= TARGET_P95_S)
        print(f"\n  target: class p95 ≤ {TARGET_P95_S * 1e3:g} ms: {ok} ({p95 * 1e3:.0f} ms)")
        print(
            f"  target: with heavy users p95 ≤ {TARGET_HEAVY_P95_S * 1e3:g} ms: "
            f"{verdict(heavy_p95 <= TARGET_HEAVY_P95_S)} ({heavy_p95 * 1e3:.0f} ms)"
        )
        print(f"  target: 0 errors: {verdict(errors == 0)} ({errors})")
        print(f"  target: 0 cross-talk (each answer its own request's): {verdict(mixed == 0)} ({mixed})")
        print(f"\nload average now {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        return 1 if errors or mixed else 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
