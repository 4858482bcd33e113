"""A one-time code is used once, whoever gives it at the same moment: two sign-ins racing with
the same recovery code (two server processes) — the first takes it, the second is refused."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from sfclaims.people.accounts import Actor, add_account
from sfclaims.people.second_factor import code_holds, set_up, step_of
from sfclaims.platform.roles import ROLES


@pytest.fixture
def with_factor(engine):  # type: ignore[no-untyped-def]
    import pyotp

    alone = Actor("root", frozenset(ROLES), single_user=True)
    add_account(engine, alone, "root", ["admin"])
    add_account(engine, Actor("root", frozenset({"admin"})), "ada", ["auditor"])
    secret = pyotp.random_base32()
    codes = set_up(engine, "ada", secret, pyotp.TOTP(secret).now())
    assert codes
    return engine, secret, codes


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # one writer on SQLite
def test_a_recovery_code_given_twice_at_the_same_moment_signs_in_once(with_factor):
    """The account's row held by another connection while both sign-ins read the same codes and
    wait to write (ordered by the database's own lock waits, never by sleeping); released, one
    takes the code and the other finds it used."""
    engine, _secret, codes = with_factor
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    import psycopg

    answers: list[bool] = []
    with psycopg.connect(dsn) as holder:
        holder.execute("SELECT 1 FROM accounts WHERE name = 'ada' FOR UPDATE")
        racers = [
            threading.Thread(target=lambda: answers.append(code_holds(engine, "ada", codes[0])))
            for _ in range(2)
        ]
        for racer in racers:
            racer.start()
        deadline = time.monotonic() + 30
        while True:  # bounded: until both wait on the row the test holds
            with engine.connect() as connection:
                waiting = connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                    )
                ).scalar()
            if waiting == 2:
                break
            assert time.monotonic() < deadline, "the two sign-ins never both waited"
            time.sleep(0.05)
        holder.rollback()
    for racer in racers:
        racer.join(30)
    assert sorted(answers) == [False, True]
    assert not code_holds(engine, "ada", codes[0])  # and it stays used
    assert code_holds(engine, "ada", codes[1])


def test_an_app_code_is_good_once(with_factor):
    import pyotp

    engine, secret, _codes = with_factor
    later = pyotp.TOTP(secret).at(int(time.time()) + 30)
    assert step_of(secret, later, None) is not None
    assert code_holds(engine, "ada", later)
    assert not code_holds(engine, "ada", later)
