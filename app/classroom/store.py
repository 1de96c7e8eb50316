"""Classes, students and attempts in a real database (SQLAlchemy 2 Core).

SQLite by default: ``<instance>/descent.sqlite3``, where the instance folder is ``$DESCENT_INSTANCE``
or ``instance/`` at the top of the project, created on first use. PostgreSQL (or any SQLAlchemy URL)
when ``DESCENT_DATABASE_URL`` is set; a plain ``postgresql://`` URL uses the psycopg 3 driver.

The schema is versioned: ``descent_schema`` holds one row, the version; ``MIGRATIONS`` are ordered
functions, and ``migrate`` applies the missing ones in one transaction under a lock, so several
workers starting at once migrate once. A database newer than this code is refused.

Every write is one short transaction. The per-student rate limit lives in the database (the student
row's ``last_attempt_at``, updated only if a second has passed), so it holds across gunicorn
workers and hosts; so does the limit on new classes per client address (``classroom_creators``,
addresses kept only hashed). A client that sends no student token (each attempt then joins a new
student) or many tokens is held by two token buckets per class and client address
(``classroom_clients``): one for new students, one for attempts, both sized for a whole class behind
one school's address, far looser than the per-student limit. An attempt may carry a
``request_id``: sending it again (a retry after a lost answer) returns the stored attempt instead of
storing it twice.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

DATABASE_URL_ENV = "DESCENT_DATABASE_URL"
INSTANCE_ENV = "DESCENT_INSTANCE"
DEFAULT_INSTANCE = Path(__file__).resolve().parents[2] / "instance"
LIFETIME_S = 24 * 3600.0
MIN_INTERVAL_S = 1.0  # per student: about one attempt a second
MAX_STUDENTS = 500  # per class: a join code cannot be used to fill the database
MAX_ATTEMPTS = 5000  # per class
#: Per client address: at most this many new classes in a window (a school behind one address has
#: several teachers; a script filling the database is stopped).
CLASSES_PER_WINDOW = 30
CLASS_WINDOW_S = 3600.0
#: Per class and client address, a token bucket (burst, refill per second) for new students and one
#: for attempts. A class behind one school NAT shares an address: 120 students may join at once and
#: 240 attempts go through at once (60 students, four each), then 10 a second (every student of a
#: class of 60 every 6 s); one script is held to that instead of no limit at all.
JOIN_LIMIT = (120, 0.5)
ATTEMPT_LIMIT = (240, 10.0)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed on phones
CODE_LENGTH = 6

metadata = MetaData()
schema = Table("descent_schema", metadata, Column("version", Integer, nullable=False))
classes = Table(
    "classroom_classes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(16), nullable=False, unique=True),
    Column("teacher_key_hash", String(64), nullable=False),
    Column("challenge", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
    Column("names_hidden", Boolean, nullable=False, default=False),
    Column("locked", Boolean, nullable=False, default=False),
    Column("revealed", Boolean, nullable=False, default=False),
    Column("ended", Boolean, nullable=False, default=False),
)


def _class_id() -> Column:
    return Column(
        "class_id",
        Integer,
        ForeignKey("classroom_classes.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )


students = Table(
    "classroom_students",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _class_id(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("last_attempt_at", Float, nullable=True),
)
attempts = Table(
    "classroom_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _class_id(),
    Column("student_id", Integer, ForeignKey("classroom_students.id", ondelete="CASCADE"), nullable=False),
    Column("request_id", String(64), nullable=True),
    Column("name", String(40), nullable=False),
    Column("answer", JSON, nullable=False),
    Column("result", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("student_id", "request_id", name="one_attempt_per_request"),
)


#: Who started how many classes lately: one row per client address (hashed), a fixed window each.
creators = Table(
    "classroom_creators",
    metadata,
    Column("client_hash", String(64), primary_key=True),
    Column("window_start", Float, nullable=False),
    Column("count", Integer, nullable=False),
)


#: Token buckets per class and client address (hashed): ``kind`` is "join" or "attempt".
clients = Table(
    "classroom_clients",
    metadata,
    Column("class_id", Integer, ForeignKey("classroom_classes.id", ondelete="CASCADE"), primary_key=True),
    Column("client_hash", String(64), primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)


def _v1(connection: Connection) -> None:
    metadata.create_all(connection, tables=[classes, students, attempts])


def _v2(connection: Connection) -> None:
    metadata.create_all(connection, tables=[creators])


def _v3(connection: Connection) -> None:
    metadata.create_all(connection, tables=[clients])


#: Version n is reached by running ``MIGRATIONS[n - 1]``; append, never edit or reorder.
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3]
VERSION = len(MIGRATIONS)


class ClassroomError(Exception):
    """A request the classroom refuses, with its HTTP status and a short reason."""

    status = 400

    def __init__(self, message: str, status: int | None = None, retry_after: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.retry_after = retry_after  # seconds, for a 429 or a 503


@dataclass(frozen=True)
class Class:
    id: int
    code: str
    teacher_key_hash: str
    challenge: dict
    created_at: float
    expires_at: float
    names_hidden: bool
    locked: bool
    revealed: bool
    ended: bool

    def teacher(self, key: str | None) -> bool:
        """Is ``key`` this class's teacher key? (Constant-time comparison of the hashes.)"""
        return isinstance(key, str) and hmac.compare_digest(_hash(key), self.teacher_key_hash)

    def flags(self) -> dict[str, bool]:
        return {k: getattr(self, k) for k in ("names_hidden", "locked", "revealed", "ended")}


def database_url() -> str:
    """``$DESCENT_DATABASE_URL``, or the SQLite file in the instance folder (created here)."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    folder = Path(os.environ.get(INSTANCE_ENV) or DEFAULT_INSTANCE)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'descent.sqlite3'}"


@cache
def store_for(url: str) -> Store:
    """One ``Store`` (one connection pool) per URL and process."""
    return Store(url)


def default_store() -> Store:
    return store_for(database_url())


class Store:
    """The classroom's database. Every method is one transaction; ``now`` (seconds since the epoch)
    defaults to the clock and lets a caller say when something happened."""

    def __init__(
        self,
        url: str,
        join_limit: tuple[float, float] = JOIN_LIMIT,
        attempt_limit: tuple[float, float] = ATTEMPT_LIMIT,
    ):
        self.engine = _engine(url)
        self.limits = {"join": join_limit, "attempt": attempt_limit}  # (burst, per second)
        migrate(self.engine)

    # -- classes -------------------------------------------------------------------------------

    def create_class(
        self, challenge: dict, client: str | None = None, now: float | None = None
    ) -> tuple[Class, str]:
        """A new class with a fresh join code; returns it and its teacher key (only hashed here).
        ``client`` (the creator's address) may start ``CLASSES_PER_WINDOW`` classes an hour, else
        429. Classes past their 24 h are deleted on the way."""
        now = time.time() if now is None else now
        if client is not None:
            with self.engine.begin() as c:
                _count_a_new_class(c, _hash(client), now)
        key = secrets.token_urlsafe(32)
        self.purge_expired(time.time())
        for _ in range(10):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            row = {
                "code": code,
                "teacher_key_hash": _hash(key),
                "challenge": challenge,
                "created_at": now,
                "expires_at": now + LIFETIME_S,
                "names_hidden": False,
                "locked": False,
                "revealed": False,
                "ended": False,
            }
            try:
                with self.engine.begin() as c:
                    c.execute(insert(classes).values(row))
            except IntegrityError:
                continue  # that code is taken: draw another
            return self.get_class(code, now), key
        raise ClassroomError("could not find a free join code; try again", 503)

    def get_class(self, code: Any, now: float | None = None) -> Class:
        """The class with this join code; 404 if there is none, 410 once it has expired."""
        if not isinstance(code, str) or not code.isascii() or not code.isalnum() or len(code) > 16:
            raise ClassroomError("no class has that code", 404)
        with self.engine.begin() as c:
            row = c.execute(select(classes).where(classes.c.code == code.upper())).mappings().first()
        if row is None:
            raise ClassroomError("no class has that code", 404)
        found = Class(**row)
        if found.expires_at <= (time.time() if now is None else now):
            raise ClassroomError("this class has expired (classes last 24 hours)", 410)
        return found

    def set_flags(self, class_id: int, **flags: bool) -> None:
        """Set any of ``names_hidden``, ``locked``, ``revealed``, ``ended``."""
        with self.engine.begin() as c:
            c.execute(update(classes).where(classes.c.id == class_id).values(**flags))

    def purge_expired(self, now: float) -> int:
        """Delete the classes past their lifetime, with their students and attempts."""
        with self.engine.begin() as c:
            gone = select(classes.c.id).where(classes.c.expires_at <= now)
            c.execute(delete(attempts).where(attempts.c.class_id.in_(gone)))
            c.execute(delete(clients).where(clients.c.class_id.in_(gone)))
            c.execute(delete(students).where(students.c.class_id.in_(gone)))
            return c.execute(delete(classes).where(classes.c.expires_at <= now)).rowcount

    # -- students and attempts -----------------------------------------------------------------

    def student(self, found: Class, token: str | None) -> int | None:
        """The id of the student of this class holding ``token``, or ``None``."""
        if not token or not isinstance(token, str):
            return None
        with self.engine.begin() as c:
            return _student(c, found, token)

    def join(self, found: Class, client: str | None = None, now: float | None = None) -> tuple[int, str]:
        """A new student of this class: ``(id, token)``; the token is only stored hashed. 429 when
        ``client`` (an address) has used up its bucket of new students in this class."""
        now = time.time() if now is None else now
        with self.engine.begin() as c:
            self._take(c, found, client, "join", now)
            return _join(c, found, now)

    def refuse_early(
        self,
        found: Class,
        token: str | None,
        request_id: Any = None,
        client: str | None = None,
        now: float | None = None,
    ) -> None:
        """Raise the refusal ``submit`` would give for the rate limits or a foreign token (403, 429),
        reading only, so that a refused attempt is not computed first. ``submit`` decides."""
        now = time.time() if now is None else now
        with self.engine.begin() as c:
            if token is not None:
                row = c.execute(
                    select(students.c.id, students.c.last_attempt_at).where(
                        students.c.token_hash == _hash(token), students.c.class_id == found.id
                    )
                ).first()
                if row is None:
                    raise ClassroomError("that student token is not from this class", 403)
                if isinstance(request_id, str) and _by_request(c, row.id, request_id) is not None:
                    return  # a retry: answered with the stored attempt
                if row.last_attempt_at is not None and row.last_attempt_at > now - MIN_INTERVAL_S:
                    raise ClassroomError(SLOW_DOWN, 429)
            if client is not None:
                for kind in ("attempt",) if token is not None else ("join", "attempt"):
                    if self._level(c, found, client, kind, now) < 1:
                        raise _bucket_empty(kind, self.limits[kind])

    def submit(
        self,
        found: Class,
        token: str | None,
        name: str,
        answer: dict,
        result: dict,
        request_id: str | None = None,
        now: float | None = None,
        client: str | None = None,
    ) -> tuple[dict, str, bool]:
        """Store an attempt in one transaction: ``(attempt, student token, created)``.

        Without a token the student joins here. The same ``request_id`` again returns the stored
        attempt with ``created`` false, also once the class is locked or ended (it was accepted
        before). 403 for a token not of this class, 429 within a second of the student's last
        attempt, 423 while the class is locked or revealed, 409 once it has ended. With ``client``
        (the sender's address) also 429 once that address has used up its buckets of new students or
        attempts in this class (``JOIN_LIMIT``, ``ATTEMPT_LIMIT``).
        """
        now = time.time() if now is None else now
        try:
            with self.engine.begin() as c:
                state = c.execute(
                    select(classes.c.locked, classes.c.ended, classes.c.revealed).where(
                        classes.c.id == found.id
                    )
                ).first()
                student_id = None
                if token is not None:
                    student_id = _student(c, found, token)
                    if student_id is None:
                        raise ClassroomError("that student token is not from this class", 403)
                    stored = None if request_id is None else _by_request(c, student_id, request_id)
                    if stored is not None:  # a retry of an accepted attempt, even after a lock
                        return stored, token, False
                refuse_attempts(state)
                if student_id is None:
                    self._take(c, found, client, "join", now)
                    student_id, token = _join(c, found, now)
                allowed = c.execute(
                    update(students)
                    .where(students.c.id == student_id)
                    .where(
                        (students.c.last_attempt_at.is_(None))
                        | (students.c.last_attempt_at <= now - MIN_INTERVAL_S)
                    )
                    .values(last_attempt_at=now)
                ).rowcount
                if not allowed:
                    raise ClassroomError(SLOW_DOWN, 429)
                self._take(c, found, client, "attempt", now)
                count = c.execute(
                    select(func.count()).select_from(attempts).where(attempts.c.class_id == found.id)
                ).scalar_one()
                if count >= MAX_ATTEMPTS:
                    raise ClassroomError(f"this class has {MAX_ATTEMPTS} attempts, the most it keeps", 409)
                row = {
                    "class_id": found.id,
                    "student_id": student_id,
                    "request_id": request_id,
                    "name": name,
                    "answer": answer,
                    "result": result,
                    "created_at": now,
                }
                row["id"] = c.execute(insert(attempts).values(row)).inserted_primary_key[0]
        except (IntegrityError, ClassroomError) as error:
            # The same request sent twice at once: the other copy won (unique request id, or the
            # rate limit it just set). Answer with its attempt.
            if request_id is None or token is None or getattr(error, "status", 429) != 429:
                raise
            with self.engine.begin() as c:
                student_id = _student(c, found, token)
                stored = None if student_id is None else _by_request(c, student_id, request_id)
            if stored is None:
                raise
            return stored, token, False
        return _attempt(row), token, True

    def _take(self, c: Connection, found: Class, client: str | None, kind: str, now: float) -> None:
        """Take one token from ``client``'s ``kind`` bucket in this class, or raise 429. Atomic
        across workers: one conditional UPDATE of one row, serialized by the database."""
        if client is None:
            return
        burst, rate = self.limits[kind]
        key = {"class_id": found.id, "client_hash": _hash(client), "kind": kind}
        _insert_if_missing(c, clients, {**key, "tokens": float(burst), "updated_at": now})
        level = _bucket_level(burst, rate, now)
        taken = c.execute(
            update(clients)
            .where(*(clients.c[k] == v for k, v in key.items()), level >= 1)
            .values(tokens=level - 1, updated_at=_later(now))
        ).rowcount
        if not taken:
            raise _bucket_empty(kind, (burst, rate))

    def _level(self, c: Connection, found: Class, client: str, kind: str, now: float) -> float:
        burst, rate = self.limits[kind]
        level = c.execute(
            select(_bucket_level(burst, rate, now)).where(
                clients.c.class_id == found.id, clients.c.client_hash == _hash(client), clients.c.kind == kind
            )
        ).scalar()
        return float(burst) if level is None else level

    def attempts(self, found: Class, student_id: int | None = None) -> list[dict]:
        """The class's attempts in the order they came (only ``student_id``'s if given)."""
        query = select(attempts).where(attempts.c.class_id == found.id).order_by(attempts.c.id)
        if student_id is not None:
            query = query.where(attempts.c.student_id == student_id)
        with self.engine.begin() as c:
            return [_attempt(r) for r in c.execute(query).mappings()]

    def remove_attempt(self, found: Class, attempt_id: int) -> bool:
        with self.engine.begin() as c:
            return bool(
                c.execute(
                    delete(attempts).where(attempts.c.id == attempt_id, attempts.c.class_id == found.id)
                ).rowcount
            )

    def stored_attempt(self, found: Class, token: str | None, request_id: Any) -> dict | None:
        """The attempt this student already sent with this ``request_id``, or ``None``."""
        if not isinstance(request_id, str):
            return None
        with self.engine.begin() as c:
            student_id = _student(c, found, token) if isinstance(token, str) else None
            return None if student_id is None else _by_request(c, student_id, request_id)

    def count_attempts(self, found: Class) -> int:
        with self.engine.begin() as c:
            return c.execute(
                select(func.count()).select_from(attempts).where(attempts.c.class_id == found.id)
            ).scalar_one()


def migrate(engine: Engine) -> int:
    """Bring the schema to ``VERSION``; returns the version found before. Refuses a newer one."""
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.execute(text("SELECT pg_advisory_xact_lock(7301)"))  # one migrating worker at a time
        metadata.create_all(c, tables=[schema])
        found = c.execute(select(schema.c.version)).scalar()
        if found is None:
            c.execute(insert(schema).values(version=0))
            found = 0
        if found > VERSION:
            raise RuntimeError(
                f"the database's schema is version {found}, newer than this Descent's ({VERSION}): "
                "upgrade Descent or use another database"
            )
        for version in range(found + 1, VERSION + 1):
            MIGRATIONS[version - 1](c)
        c.execute(update(schema).values(version=VERSION))
    return found


def schema_version(engine: Engine) -> int:
    with engine.begin() as c:
        return c.execute(select(schema.c.version)).scalar_one()


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    # A forked worker must not share its parent's connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    return engine


def _sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy emits BEGIN itself (below): IMMEDIATE takes the write lock at once, so concurrent
    # workers wait for each other (busy timeout) instead of failing on a lock upgrade.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable against a killed process
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def refuse_attempts(state) -> None:
    """Raise if a class in this state (anything with ``locked``, ``ended`` and ``revealed``;
    ``None``: gone) takes no attempts: 409 once ended, 423 while locked or its answers are shown
    (an attempt made after seeing the class's would not be a prediction or a try of one's own)."""
    if state is None or state.ended:
        raise ClassroomError("this class has ended: no more attempts", 409)
    if state.revealed:
        raise ClassroomError("the teacher has revealed the class's attempts: no more attempts", 423)
    if state.locked:
        raise ClassroomError("the teacher has locked submissions for now", 423)


SLOW_DOWN = "one attempt a second, please: try again in a moment"


def _bucket_level(burst: float, rate: float, now: float):
    """The bucket's tokens at ``now`` (SQL): refilled at ``rate`` a second up to ``burst``. A clock
    behind the row's (another host) refills nothing rather than draining it."""
    elapsed = case((clients.c.updated_at < now, literal(now) - clients.c.updated_at), else_=0.0)
    filled = clients.c.tokens + elapsed * float(rate)
    return case((filled > float(burst), literal(float(burst))), else_=filled)


def _later(now: float):
    return case((clients.c.updated_at < now, literal(now)), else_=clients.c.updated_at)


def _bucket_empty(kind: str, limit: tuple[float, float]) -> ClassroomError:
    burst, rate = limit
    what = "new students" if kind == "join" else "attempts"
    return ClassroomError(
        f"too many {what} from one address in this class (at most {burst:g} at once, then "
        f"{rate:g} a second): try again in a moment",
        429,
        retry_after=max(1, math.ceil(1 / rate)),
    )


def _insert_if_missing(c: Connection, table: Table, row: dict) -> None:
    """Insert ``row`` unless a row with its primary key exists (a race between workers is fine)."""
    if c.dialect.name in ("sqlite", "postgresql"):
        dialect = sqlite if c.dialect.name == "sqlite" else postgresql
        c.execute(dialect.insert(table).values(row).on_conflict_do_nothing())
        return
    keys = [column.name for column in table.primary_key]
    if c.execute(select(*table.primary_key).where(*(table.c[k] == row[k] for k in keys))).first() is None:
        c.execute(insert(table).values(row))


def _count_a_new_class(c: Connection, client_hash: str, now: float) -> None:
    """Count a new class against its creator's window (429 when it is full). Atomic across
    workers: the conditional UPDATE of one row is serialized by the database."""
    c.execute(delete(creators).where(creators.c.window_start <= now - CLASS_WINDOW_S))
    _insert_if_missing(c, creators, {"client_hash": client_hash, "window_start": now, "count": 0})
    counted = c.execute(
        update(creators)
        .where(creators.c.client_hash == client_hash, creators.c.count < CLASSES_PER_WINDOW)
        .values(count=creators.c.count + 1)
    ).rowcount
    if not counted:
        began = c.execute(
            select(creators.c.window_start).where(creators.c.client_hash == client_hash)
        ).scalar_one()
        wait = max(1, math.ceil(began + CLASS_WINDOW_S - now))
        raise ClassroomError(
            f"{CLASSES_PER_WINDOW} classes an hour from one address at most: try again in "
            f"{math.ceil(wait / 60)} min",
            429,
            retry_after=wait,
        )


def _join(c: Connection, found: Class, now: float) -> tuple[int, str]:
    count = c.execute(
        select(func.count()).select_from(students).where(students.c.class_id == found.id)
    ).scalar_one()
    if count >= MAX_STUDENTS:
        raise ClassroomError(f"this class is full ({MAX_STUDENTS} students)", 409)
    token = secrets.token_urlsafe(24)
    row = {"class_id": found.id, "token_hash": _hash(token), "created_at": now}
    return c.execute(insert(students).values(row)).inserted_primary_key[0], token


def _student(c: Connection, found: Class, token: str) -> int | None:
    if not isinstance(token, str):
        return None
    query = select(students.c.id).where(
        students.c.token_hash == _hash(token), students.c.class_id == found.id
    )
    return c.execute(query).scalar()


def _by_request(c: Connection, student_id: int, request_id: str) -> dict | None:
    query = select(attempts).where(attempts.c.student_id == student_id, attempts.c.request_id == request_id)
    row = c.execute(query).mappings().first()
    return None if row is None else _attempt(row)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _attempt(row) -> dict:
    return {
        "id": row["id"],
        "student_id": row["student_id"],
        "name": row["name"],
        "answer": row["answer"],
        "result": row["result"],
        "created_at": row["created_at"],
    }
