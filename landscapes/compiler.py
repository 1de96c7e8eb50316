"""Run a slow, unpredictable function of a text in worker processes with a deadline, cached by text.

``landscapes.formula`` uses it for SymPy: differentiating some short formulas takes minutes, and a
thread cannot be stopped, so the work runs in a process that is killed past ``CPU_SECONDS`` of its
own CPU time (or ``WALL_SECONDS``, whichever comes first) and replaced. The deadline counts the
worker's CPU, not the clock, so a busy machine does not refuse a formula that a quiet one accepts:
past ``WALL_SECONDS`` (the worker, at niceness ``NICENESS``, got too little CPU) the answer is
``BusyError``, which says to try again and is not cached.

Safe under threads (gunicorn's gthread workers, werkzeug's threaded server): workers are started
through the "forkserver" context, so no process is forked from a process that runs threads; a
thread borrows an idle worker from a small pool, and a second request for a text being compiled
waits for the first one's answer instead of starting its own.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import NamedTuple

CPU_SECONDS = 2.0  # of the worker's CPU time per text
WALL_SECONDS = 10.0  # per text, in case the worker gets no CPU at all
WORKERS = 2  # per server process: two users typing formulas at once do not wait for each other
NICENESS = 15  # workers yield the CPU to the server's other requests (a CPU share of ~3 % when busy)
CACHE_SIZE = 256  # texts (answers and refusals)
_POLL_SECONDS = 0.05


BUSY = "The server is too busy to prepare this formula just now: try again in a moment."


class BusyError(ValueError):
    """The worker got too little CPU to finish before ``WALL_SECONDS``: not the text's fault."""


class Compiler:
    """``compile(text)``: ``build(text, pickled work(text))`` where ``work`` ran in a worker process.

    ``work`` (a module-level function, so a worker can import it) returns a picklable value or raises
    ``ValueError``; past the deadline the answer is ``ValueError(too_slow.format(seconds=...))``.
    ``build`` turns the pickled value into the result in this process and may raise ``ValueError``
    too. Both answers and refusals are cached by text.
    """

    def __init__(self, work: Callable, build: Callable, too_slow: str, preload: str | None = None):
        self.work, self.build, self.too_slow = work, build, too_slow
        self.preload = preload or work.__module__
        self.cpu_seconds, self.wall_seconds = CPU_SECONDS, WALL_SECONDS
        self.replaced = 0  # workers killed at the deadline (and started again)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Future] = OrderedDict()
        self._idle: queue.Queue[_Worker] | None = None

    def compile(self, text: str):
        with self._lock:
            future = self._cache.get(text)
            mine = future is None
            if mine:
                future = self._cache[text] = Future()
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
            else:
                self._cache.move_to_end(text)
        if mine:
            try:
                future.set_result(self.build(text, self._run(text)))
            except BusyError as error:  # the next request for this text tries again
                with self._lock:
                    self._cache.pop(text, None)
                future.set_result(_Refusal(str(error)))
            except ValueError as error:
                future.set_result(_Refusal(str(error)))
            except BaseException as error:  # not a refusal (e.g. no process could start): retry later
                with self._lock:
                    self._cache.pop(text, None)
                future.set_exception(error)
                raise
        result = future.result()
        if isinstance(result, _Refusal):
            raise ValueError(result.message)  # a fresh exception: a cached one would grow its traceback
        return result

    def cache_clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def worker_pids(self) -> list[int]:
        """The pids of the idle workers (for tests: a worker killed at the deadline is replaced)."""
        return [] if self._idle is None else [w.process.pid for w in list(self._idle.queue)]

    def _run(self, text: str) -> bytes:
        idle = self._pool()
        worker = idle.get()
        try:
            status, answer = worker.ask(text, self.cpu_seconds, self.wall_seconds)
        except _DeadlineError as deadline:
            worker.kill()
            self.replaced += 1
            worker = _Worker(self.work)
            if deadline.args == ("wall",):
                raise BusyError(BUSY) from None
            raise ValueError(self.too_slow.format(seconds=self.cpu_seconds)) from None
        except (EOFError, OSError):  # the worker died (out of memory, killed from outside)
            worker.kill()
            worker = _Worker(self.work)
            raise ValueError("The formula could not be prepared: simplify it.") from None
        finally:
            idle.put(worker)
        if status == "refused":
            raise ValueError(answer)
        return answer

    def _pool(self) -> queue.Queue:
        with self._lock:
            if self._idle is None:
                context = _context()
                if context.get_start_method() == "forkserver":
                    context.set_forkserver_preload([self.preload])  # SymPy imported once, not per worker
                idle = queue.Queue()
                for _ in range(WORKERS):
                    idle.put(_Worker(self.work))
                self._idle = idle
            return self._idle


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


class _DeadlineError(Exception):
    pass


class _Refusal(NamedTuple):
    message: str


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, work: Callable):
        context = _context()
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, work), daemon=True, name="formula")
        self.process.start()
        child.close()

    def ask(self, text: str, cpu_seconds: float, wall_seconds: float) -> tuple[str, object]:
        """The worker's answer to ``text``; ``_DeadlineError("cpu")`` or ``("wall")`` past a deadline."""
        cpu_before = _cpu_seconds(self.process.pid)
        started = time.monotonic()
        self.conn.send(text)
        while not self.conn.poll(_POLL_SECONDS):
            cpu = _cpu_seconds(self.process.pid)
            over_cpu = cpu is not None and cpu_before is not None and cpu - cpu_before > cpu_seconds
            if over_cpu:
                raise _DeadlineError("cpu")
            if time.monotonic() - started > wall_seconds:
                raise _DeadlineError("wall")
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def _cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of process ``pid`` (Linux ``/proc``); ``None`` where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _serve(conn, work: Callable) -> None:
    """A worker's loop: a text in, ``("ok", pickled work(text))`` or ``("refused", message)`` out."""
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    while True:
        try:
            text = conn.recv()
        except (EOFError, OSError):  # the server process has gone
            return
        try:
            answer = ("ok", pickle.dumps(work(text)))
        except ValueError as error:
            answer = ("refused", str(error))
        except (RecursionError, MemoryError, ArithmeticError, TypeError):
            answer = ("refused", "The formula could not be prepared: simplify it.")
        conn.send(answer)
