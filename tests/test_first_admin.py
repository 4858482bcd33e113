"""The first admin made from the one-time link `sfclaims init` prints (people/first_admin.py):
once, for thirty minutes, while no account exists; two uses at once make one admin."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text, update

from sfclaims.people.accounts import list_accounts
from sfclaims.people.first_admin import check_link, make_first_admin, make_link
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.models import FirstAdminLink

PASSWORD = "a quiet heron counts blue lanterns"


def test_the_link_makes_one_admin_once_and_is_kept_only_as_its_hash(engine):
    token = make_link(engine)
    assert token is not None and len(token) >= 40
    with engine.connect() as connection:
        kept = connection.execute(select(FirstAdminLink.token_sha256)).scalars().all()
    assert kept and token not in kept[0]  # its SHA-256, never the token
    check_link(engine, token)
    assert make_first_admin(engine, token, "Ann.Admin", PASSWORD) == "ann.admin"
    (ann,) = list_accounts(engine)
    assert ann.name == "ann.admin" and ann.roles == "admin"
    for used in (token, "a-token-never-made"):
        with pytest.raises(RefusedError, match="This link does not make an admin"):
            make_first_admin(engine, used, "eve", PASSWORD)
    assert make_link(engine) is None, "once an account exists, no link is made"
    assert [a.name for a in list_accounts(engine)] == ["ann.admin"]


def test_a_link_past_its_thirty_minutes_makes_no_one(engine):
    token = make_link(engine)
    assert token is not None
    with engine.begin() as connection:  # its time over, as thirty minutes later
        connection.execute(update(FirstAdminLink).values(expires_at=FirstAdminLink.made_at))
    with pytest.raises(RefusedError):
        check_link(engine, token)
    with pytest.raises(RefusedError):
        make_first_admin(engine, token, "ann", PASSWORD)
    assert list_accounts(engine) == []


def test_a_weak_password_spends_no_link(engine):
    token = make_link(engine)
    assert token is not None
    with pytest.raises(Exception, match="password"):
        make_first_admin(engine, token, "ann", "password123")
    check_link(engine, token)  # still usable


def test_every_problem_is_said_at_once_and_the_full_name_is_kept(engine):
    """A bad name, a full name too long and a weak password: all three at once, by field, and
    the link still works; given well, the admin has their full name."""
    from sfclaims.platform.errors import SfclaimsError

    token = make_link(engine)
    assert token is not None
    with pytest.raises(SfclaimsError) as refused:
        make_first_admin(engine, token, "Ann Admin!", "password123", "A" * 101)
    assert set(refused.value.about["problems"]) == {"name", "full_name", "password"}
    make_first_admin(engine, token, "ann", PASSWORD, "  Ann   Admin ")
    (ann,) = list_accounts(engine)
    assert ann.full_name == "Ann Admin"


def test_two_uses_at_once_make_one_admin(engine):
    """Two people open the same link and submit at the same moment (released together by an
    event): one admin is made, the other is refused."""
    token = make_link(engine)
    assert token is not None
    go = threading.Barrier(2)
    made: list[str] = []
    refused: list[str] = []

    def use(name: str) -> None:
        go.wait()
        try:
            made.append(make_first_admin(engine, token, name, PASSWORD))
        except RefusedError:
            refused.append(name)

    threads = [threading.Thread(target=use, args=(n,)) for n in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 1 and len(refused) == 1
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 1
