"""The classroom served by ``gunicorn app:server -w 2`` on 127.0.0.1, against SQLite and a real
PostgreSQL: a few students submit while a worker is SIGKILLed, then the server restarts. Counts, not
times: every accepted attempt is stored exactly once, none is lost to the kill, the class goes on
and survives the restart (``bench/classroom.py`` is the full-size version that also times it)."""

from __future__ import annotations

import pytest

from app.classroom.throwaway_postgres import ThrowawayPostgres
from bench.classroom import session

STUDENTS, ATTEMPTS = 8, 2


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'descent.sqlite3'}"
        return
    try:
        server = ThrowawayPostgres()
        server.start()
    except RuntimeError as error:
        pytest.fail(f"PostgreSQL tests cannot run: {error}")
    yield server.new_database()
    server.stop()


def test_exactly_once_through_a_worker_kill_and_a_restart(database_url):
    outcome = session(database_url, STUDENTS, ATTEMPTS, window=6.0, kill=True)
    assert outcome.killed is not None
    assert outcome.refused == [], outcome
    assert outcome.accepted == STUDENTS * ATTEMPTS  # every student's every attempt got in
    assert outcome.stored_sql == outcome.stored_api == outcome.accepted
    assert outcome.ids_match and outcome.duplicates == 0
    assert outcome.after_restart == outcome.accepted and outcome.accepted_after_restart
