"""A live class against a real server: students join and submit attempts through the classroom API
of ``gunicorn app:server -w 2`` on 127.0.0.1, a worker is SIGKILLed mid-session, then the server is
restarted. Bounded in students, attempts and time.

1. A teacher creates a class (reach the target on Rosenbrock, 300 steps).
2. Each student (a thread) starts at a random moment within the first half of the window, submits
   ``--attempts`` attempts (its own learning rate each, so every stored attempt is traceable to its
   request) a little over a second apart, as a phone would: one connection per request. Each attempt
   carries a request id; a request that gets no answer (its worker was killed) is sent again with the
   same id, at most ``RETRIES`` times, so the server stores it once.
3. Halfway through, one worker gets SIGKILL; gunicorn starts another and the class goes on.
4. Exactly once: the attempts in the database (counted with SQL, and listed with the teacher key) must
   be exactly the accepted ones: same count, same ids, one per accepted request.
5. The server is stopped and started again on the same database: the class and its attempts are
   still there, and a new attempt is accepted.

Targets: p95 ≤ 300 ms per request, every accepted attempt stored exactly once, nothing lost to the
kill, the class kept across a restart. Exit 1 only when something is broken (lost or doubled attempts,
a refused request, the class gone); latency on a shared machine is reported, not enforced.

    python bench/classroom.py                            # 60 students × 2 attempts within 30 s, SQLite
    python bench/classroom.py --postgres                 # the same against a throwaway PostgreSQL
    python bench/classroom.py --students 10 --window 8   # a quick look
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"  # loopback only
START_TIMEOUT_S = 60.0
REQUEST_TIMEOUT_S = 30.0
RETRIES = 6
#: How long after the window a student may still be sending (a busy machine, a worker booting): a bound.
SLACK_S = 90.0
P95_TARGET_MS = 300.0
CHALLENGE = {
    "kind": "target",
    "surface": "rosenbrock",
    "start": [-1.5, 2.0],
    "steps": 300,
    "target_loss": 0.05,
}


# ------------------------------------------------------------------------------------ the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """``gunicorn app:server -w N`` on a free loopback port with ``DESCENT_DATABASE_URL`` set."""

    def __init__(self, database_url: str, workers: int = 2, preload: bool = False):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile("w+", prefix="descent-classroom-", suffix=".log")
        command = [
            sys.executable, "-m", "gunicorn", "app:server", "-w", str(workers), "--no-control-socket",
            "-b", f"{HOST}:{self.port}", "--timeout", "30", "--graceful-timeout", "5",
        ]  # fmt: skip
        if preload:  # workers fork from a loaded master: a replacement starts at once
            command.append("--preload")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DESCENT_DATABASE_URL": database_url}
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.workers = workers

    def wait_ready(self) -> None:
        """Until every worker is up and the API answers (an unknown class: 404)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if (
                    len(self.worker_pids()) == self.workers
                    and request(self.port, "GET", "/api/classes/NONE")[0] == 404
                ):
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT_S:g} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        pid = self.process.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def kill_a_worker(self) -> int:
        victim = self.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        return "".join(Path(self.log.name).read_text(errors="replace").splitlines(True)[-lines:])


def request(port: int, method: str, path: str, body=None, token=None) -> tuple[int, dict | str]:
    """One request on a new connection: ``(status, JSON or text)``; ``OSError`` if no answer."""
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        connection.request(method, path, None if body is None else json.dumps(body), headers)
        response = connection.getresponse()
        text = response.read().decode()
        kind = response.getheader("Content-Type", "")
        return response.status, json.loads(text) if kind.startswith("application/json") else text
    except http.client.HTTPException as error:
        raise OSError(str(error)) from error
    finally:
        connection.close()


# ------------------------------------------------------------------------------------- students


@dataclass
class Student:
    index: int
    attempts: int
    token: str | None = None
    accepted: dict[str, int] = field(default_factory=dict)  # request id -> attempt id
    latencies_ms: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # time.monotonic() of each answered request
    retries: int = 0
    refused: list[str] = field(default_factory=list)

    def lr(self, j: int) -> float:
        return round(1e-4 * (1 + self.index) * (1 + 0.01 * j), 10)  # one per (student, attempt)

    def run(self, port_of, code: str, start_at: float, deadline: float) -> None:
        time.sleep(max(0.0, start_at - time.monotonic()))
        for j in range(self.attempts):
            request_id = uuid.uuid4().hex
            body = {
                "name": f"student {self.index}",
                "optimizer": "sgd",
                "hyperparameters": {"lr": self.lr(j), "momentum": 0.9},
                "request_id": request_id,
            }
            for _ in range(RETRIES + 1):
                if time.monotonic() > deadline:
                    self.refused.append("deadline")
                    return
                began = time.perf_counter()
                try:
                    status, answer = request(
                        port_of(), "POST", f"/api/classes/{code}/attempts", body, self.token
                    )
                except OSError:
                    self.retries += 1  # no answer: the worker died; send the same request again
                    time.sleep(0.3)
                    continue
                self.latencies_ms.append(1000 * (time.perf_counter() - began))
                self.sent_at.append(time.monotonic())
                if status in (200, 201):
                    self.token = answer["student_token"]
                    self.accepted[request_id] = answer["id"]
                    break
                if status in (429, 503):
                    self.retries += 1
                    time.sleep(1.0)
                    continue
                self.refused.append(f"{status}: {answer}")
                break
            else:
                self.refused.append("no answer after retries")
            time.sleep(1.1 + random.random())  # the rate limit: about one attempt a second


# ----------------------------------------------------------------------------------------- session


@dataclass
class Outcome:
    students: int
    accepted: int
    stored_sql: int
    stored_api: int
    ids_match: bool
    duplicates: int
    refused: list[str]
    retries: int
    killed: int | None
    latencies_ms: list[float]
    after_kill_ms: list[float]  # the requests in the 10 s after the kill (a worker boots meanwhile)
    after_restart: int
    accepted_after_restart: bool
    seconds: float

    @property
    def exactly_once(self) -> bool:
        return self.accepted == self.stored_sql == self.stored_api and self.ids_match and not self.duplicates

    def p(self, q: float, values: list[float] | None = None) -> float:
        values = sorted(self.latencies_ms if values is None else values)
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    @property
    def broken(self) -> list[str]:
        problems = []
        if not self.exactly_once:
            problems.append(
                f"accepted {self.accepted}, in the database {self.stored_sql} (SQL) / "
                f"{self.stored_api} (API), ids match: {self.ids_match}, duplicates: {self.duplicates}"
            )
        if self.refused:
            problems.append(f"{len(self.refused)} refused: {self.refused[:3]}")
        if self.after_restart != self.accepted:
            problems.append(
                f"after the restart the class has {self.after_restart} attempts, not {self.accepted}"
            )
        if not self.accepted_after_restart:
            problems.append("no attempt accepted after the restart")
        return problems


def count_in_database(url: str, code: str) -> tuple[int, int]:
    """(attempts of the class, distinct request ids among them), counted with SQL."""
    import sqlalchemy as sa

    from app.classroom import store

    engine = store._engine(url)
    try:
        with engine.connect() as c:
            class_id = c.execute(
                sa.select(store.classes.c.id).where(store.classes.c.code == code)
            ).scalar_one()
            rows = c.execute(
                sa.select(store.attempts.c.request_id).where(store.attempts.c.class_id == class_id)
            ).all()
    finally:
        engine.dispose()
    return len(rows), len({r.request_id for r in rows})


def session(
    database_url: str, students: int, attempts: int, window: float, kill: bool = True, preload: bool = False
) -> Outcome:
    """Run one class against a fresh gunicorn; see the module docstring."""
    began = time.monotonic()
    server = Server(database_url, preload=preload)
    try:
        server.wait_ready()
        status, created = request(server.port, "POST", "/api/classes", CHALLENGE)
        if status != 201:
            raise RuntimeError(f"creating the class answered {status}: {created}")
        code, key = created["code"], created["teacher_key"]
        for _ in range(8):  # both workers open their database pool before the class starts
            request(server.port, "GET", f"/api/classes/{code}")
        crowd = [Student(i, attempts) for i in range(students)]
        start = time.monotonic()
        deadline = start + window + SLACK_S  # bounded: nobody waits for ever
        threads = [
            threading.Thread(
                target=s.run,
                args=(lambda: server.port, code, start + random.uniform(0, window / 2), deadline),
            )
            for s in crowd
        ]
        for t in threads:
            t.start()
        killed, killed_at = None, float("inf")
        if kill:
            time.sleep(window / 3)
            killed, killed_at = server.kill_a_worker(), time.monotonic()
        for t in threads:
            t.join(timeout=max(1.0, deadline - time.monotonic() + REQUEST_TIMEOUT_S))
        accepted = {i for s in crowd for i in s.accepted.values()}
        accepted_count = sum(len(s.accepted) for s in crowd)
        status, listed = request(server.port, "GET", f"/api/classes/{code}/attempts", token=key)
        api_ids = [a["id"] for a in listed["attempts"]] if status == 200 else []
        stored_sql, distinct = count_in_database(database_url, code)
    finally:
        server.stop()
    restarted = Server(database_url, preload=preload)
    try:
        restarted.wait_ready()
        status, listed = request(restarted.port, "GET", f"/api/classes/{code}/attempts", token=key)
        after = len(listed["attempts"]) if status == 200 else -1
        newcomer = {"name": "late", "optimizer": "adam", "hyperparameters": {"lr": 0.01}}
        status_new, _ = request(restarted.port, "POST", f"/api/classes/{code}/attempts", newcomer)
    finally:
        restarted.stop()
    return Outcome(
        students=students,
        accepted=accepted_count,
        stored_sql=stored_sql,
        stored_api=len(api_ids),
        ids_match=set(api_ids) == accepted and len(accepted) == accepted_count,
        duplicates=stored_sql - distinct,
        refused=[r for s in crowd for r in s.refused],
        retries=sum(s.retries for s in crowd),
        killed=killed,
        latencies_ms=[v for s in crowd for v in s.latencies_ms],
        after_kill_ms=[
            v
            for s in crowd
            for v, t in zip(s.latencies_ms, s.sent_at, strict=True)
            if 0 <= t - killed_at <= 10
        ],
        after_restart=after,
        accepted_after_restart=status_new == 201,
        seconds=time.monotonic() - began,
    )


def machine() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        return f"{fields.get('Model name', '?').strip()}, {fields.get('CPU(s)', '?').strip()} CPUs"
    except OSError:
        return f"{os.cpu_count()} CPUs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--attempts", type=int, default=2, help="attempts per student")
    parser.add_argument("--window", type=float, default=30.0, help="seconds the class takes")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL, not SQLite")
    parser.add_argument("--no-kill", action="store_true", help="do not SIGKILL a worker")
    parser.add_argument("--preload", action="store_true", help="gunicorn --preload (workers fork)")
    args = parser.parse_args()
    students, attempts = min(args.students, 500), min(args.attempts, 10)
    with tempfile.TemporaryDirectory(prefix="descent-bench-") as folder:
        if args.postgres:
            from app.classroom.throwaway_postgres import ThrowawayPostgres

            with ThrowawayPostgres() as pg:
                outcome = session(
                    pg.new_database(), students, attempts, args.window, not args.no_kill, args.preload
                )
        else:
            url = f"sqlite:///{Path(folder) / 'descent.sqlite3'}"
            outcome = session(url, students, attempts, args.window, not args.no_kill, args.preload)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"machine: {machine()}, load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    flags = " --preload" if args.preload else ""
    print(
        f"{backend}, gunicorn -w 2{flags}, {students} students × {attempts} attempts within {args.window:g} s"
    )
    slowest = max(outcome.latencies_ms, default=0)
    print(
        f"requests: {len(outcome.latencies_ms)} answered, {outcome.retries} retried; latency p50 "
        f"{outcome.p(0.5):.0f} ms, p95 {outcome.p(0.95):.0f} ms, max {slowest:.0f} ms"
    )
    rest = [v for v in outcome.latencies_ms if v not in outcome.after_kill_ms]
    print(
        f"  in the 10 s after the kill: {len(outcome.after_kill_ms)} requests, p95 "
        f"{outcome.p(0.95, outcome.after_kill_ms):.0f} ms; the others: p95 {outcome.p(0.95, rest):.0f} ms"
    )
    print(f"p95 ≤ {P95_TARGET_MS:g} ms: {'PASS' if outcome.p(0.95) <= P95_TARGET_MS else 'FAIL'}")
    print(
        f"accepted {outcome.accepted}, stored {outcome.stored_sql} (SQL) / {outcome.stored_api} (API), "
        f"duplicates {outcome.duplicates}: exactly once {'PASS' if outcome.exactly_once else 'FAIL'}"
    )
    print(f"SIGKILL worker {outcome.killed}: refused {len(outcome.refused)}")
    print(
        f"restart: {outcome.after_restart} attempts kept, "
        f"a new one accepted: {outcome.accepted_after_restart} ({outcome.seconds:.0f} s in all)"
    )
    for problem in outcome.broken:
        print("BROKEN:", problem)
    return 1 if outcome.broken else 0


if __name__ == "__main__":
    sys.exit(main())
