"""A throwaway PostgreSQL server for the tests and the benchmark: Debian's ``postgresql`` binaries,
a fresh cluster in a temporary folder, listening on 127.0.0.1 on a free port, removed on ``stop()``.

``DESCENT_TEST_POSTGRES_URL`` (a server where the user may create databases) is used instead when
set. As root, the cluster runs as the ``postgres`` user (``initdb`` refuses root).

    with ThrowawayPostgres() as server:
        url = server.new_database()   # postgresql+psycopg://postgres@127.0.0.1:PORT/descent_1a2b...
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

SERVER_URL_ENV = "DESCENT_TEST_POSTGRES_URL"
MISSING = (
    "PostgreSQL is not installed: `apt-get install -y postgresql` (Debian's package; .ci/run installs "
    f"it), or set {SERVER_URL_ENV} to a server where this user may create databases"
)


def bin_dir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl``: Debian's newest ``/usr/lib/postgresql/N/bin``, else
    the PATH's."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: _version(p.parts[-3]))
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


class ThrowawayPostgres:
    def __init__(self):
        self.folder: Path | None = None
        self.data: Path | None = None
        self.base_url = os.environ.get(SERVER_URL_ENV, "").strip() or None

    def __enter__(self) -> ThrowawayPostgres:
        self.start()
        return self

    def __exit__(self, *_) -> None:
        self.stop()

    def start(self) -> None:
        if self.base_url is not None:
            return
        binaries = bin_dir()
        if binaries is None:
            raise RuntimeError(MISSING)
        self.folder = Path(tempfile.mkdtemp(prefix="descent-pg-"))
        self.data = self.folder / "data"
        as_postgres = os.geteuid() == 0
        if as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        port = _free_port()
        self._run(
            as_postgres,
            binaries / "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {self.folder} -c fsync=off -c max_connections=200"
        )
        log = self.folder / "server.log"
        self._run(
            as_postgres,
            binaries / "pg_ctl", "-D", str(self.data), "-l", str(log), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip
        self._as_postgres = as_postgres
        self._binaries = binaries
        self.base_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def new_database(self) -> str:
        """A new, empty database on the server; its SQLAlchemy URL."""
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.base_url)
        name = f"descent_{uuid.uuid4().hex[:12]}"
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return url.set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)

    def stop(self) -> None:
        if self.folder is None:
            return
        if self.data is not None and (self.data / "postmaster.pid").exists():
            self._run(
                self._as_postgres, self._binaries / "pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"
            )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def _run(self, as_postgres: bool, *command) -> None:
        command = [str(c) for c in command]
        if as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            log = self.folder / "server.log" if self.folder else None
            tail = log.read_text()[-2000:] if log and log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-2000:]}\n{tail}"
            )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _version(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else 0 for p in text.split("."))
