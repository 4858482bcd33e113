"""Single sign-on through a real OpenID provider: the certified Node ``oidc-provider`` (from npm,
run as a process of its own) and Debian's Chromium. The first sign-in makes the account, the
provider's group gives its role, signing out ends the session; an ID token with another
sign-in's nonce, an expired one, one for another client or signed by another key is refused;
with local passwords switched off the password form refuses."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sfclaims.people.single_sign_on import Pending, Provider, finish, verified_claims
from sfclaims.platform.db import open_database
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.settings import change_settings
from tests.web.browsing import NEEDS_CHROMIUM, free_port, npm_installed, serving
from tests.web.conftest import SECRET

PROVIDER = Path(__file__).parent / "oidc"
CLIENT_SECRET = "a client secret only the test knows"
pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def provider(monkeypatch) -> Iterator[tuple[str, int]]:
    """The OpenID provider, listening; (its issuer, the port sfclaims will serve on)."""
    npm_installed(PROVIDER, "oidc-provider")
    ours, theirs = free_port(), free_port()
    redirect = f"http://127.0.0.1:{ours}/sign-in/single-sign-on/return"
    process = subprocess.Popen(
        ["node", "provider.mjs", str(theirs), redirect, CLIENT_SECRET],
        cwd=PROVIDER,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "GROUPS_ana": "sfclaims-auditors"},
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # it says so once it listens
        assert line.startswith("listening"), line
        monkeypatch.setenv("SFCLAIMS_SIGN_ON_SECRET", CLIENT_SECRET)
        yield f"http://127.0.0.1:{theirs}", ours
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def server(accounts: str, provider: tuple[str, int]) -> Iterator[str]:
    issuer, port = provider
    engine = open_database(accounts)
    change_settings(
        engine,
        sign_on_issuer=issuer,
        sign_on_client_id="sfclaims",
        sign_on_groups="sfclaims-auditors=auditor; sfclaims-claims=claims",
    )
    engine.dispose()
    yield from serving(accounts, port)


def test_the_first_single_sign_on_makes_the_account_its_group_its_role_and_sign_out_ends_it(
    browser,
    server,
    accounts,
):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server}/sign-in")
    page.click("#sso")
    page.wait_for_selector("input[name=login]")  # the provider's own sign-in page
    assert page.url.startswith("http://127.0.0.1:") and server not in page.url
    page.fill("input[name=login]", "ana")
    page.fill("input[name=password]", "whatever the council's service asks")
    page.click("button[type=submit]")
    page.wait_for_selector("button[autofocus], button[type=submit]")
    if "/sign-in" not in page.url and "Signed in as" not in page.content():
        page.click("button[type=submit]")  # the provider asks to share the name: continue
    page.wait_for_selector("text=Signed in as")
    assert page.url.startswith(server)
    engine = open_database(accounts)
    with engine.connect() as connection:
        made = connection.execute(
            text("SELECT roles, sign_on_subject FROM accounts WHERE name = 'ana'")
        ).one()
        logged = connection.execute(
            text("SELECT action, identified_by FROM activity_log WHERE who = 'ana' ORDER BY id")
        ).all()
    engine.dispose()
    assert made[0] == "auditor" and made[1].endswith(" sub:ana")  # its issuer and subject
    assert [tuple(row) for row in logged] == [
        ("account added", "single sign-on"),
        ("signed in", "single sign-on"),
    ]
    page.goto(f"{server}/audit")  # the auditor's page: the role the group gave
    assert page.locator("h1").first.inner_text().strip() != "Sign in"
    page.click("text=Sign out")
    page.wait_for_url(f"{server}/sign-in**")
    page.goto(f"{server}/audit")
    assert "/sign-in" in page.url  # the session ended with signing out
    context.close()


def test_through_the_provider_a_return_whose_nonce_is_another_sign_ins_is_refused(
    browser,
    server,
    accounts,
):
    """The browser's kept sign-in is swapped for one with another nonce (signed with the
    workspace's own key, as only an insider could): the provider's ID token, made for the
    nonce it was sent, no longer matches, and nobody is signed in."""
    from itsdangerous import URLSafeTimedSerializer

    from sfclaims.people.sessions import workspace_key
    from sfclaims.platform.job_files import identity
    from sfclaims.web.routes.account import SIGN_ON_COOKIE

    engine = open_database(accounts)
    with engine.connect() as connection:
        signer = URLSafeTimedSerializer(workspace_key(SECRET, identity(connection)), "sign-on")
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{server}/sign-in")
    page.click("#sso")
    page.wait_for_selector("input[name=login]")
    (kept,) = [c for c in context.cookies() if c["name"] == SIGN_ON_COOKIE]
    state, _nonce, verifier, began, after = signer.loads(kept["value"])
    context.add_cookies(
        [kept | {"value": signer.dumps([state, "another nonce", verifier, began, after])}]
    )
    page.fill("input[name=login]", "ana")
    page.fill("input[name=password]", "anything")
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit]")
    if "/sign-in" not in page.url:
        page.click("button[type=submit]")
    page.wait_for_selector("text=The sign-in could not be trusted (its nonce is not this")
    assert page.url.startswith(server) and "Signed in as" not in page.content()
    with engine.connect() as connection:
        made = connection.execute(text("SELECT count(*) FROM accounts WHERE name = 'ana'"))
        assert made.scalar_one() == 0
    engine.dispose()
    context.close()


# --- the ID token, checked without a browser: a key of the test's own signs what it says ----


@pytest.fixture(scope="module")
def keys():  # type: ignore[no-untyped-def]
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(2048, parameters={"kid": "ours"}), RSAKey.generate_key(
        2048, parameters={"kid": "ours"}
    )


def id_token(key, **changes) -> str:  # type: ignore[no-untyped-def]
    from joserfc import jwt

    now = int(time.time())
    claims = {
        "iss": "https://login.council.example",
        "aud": "sfclaims",
        "sub": "ana",
        "nonce": "the nonce of this sign-in",
        "iat": now,
        "exp": now + 300,
    } | changes
    return jwt.encode({"alg": "RS256", "kid": "ours"}, claims, key)


def published(key) -> dict:  # type: ignore[no-untyped-def]
    return {"keys": [key.as_dict(private=False)]}


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"nonce": "another sign-in's nonce"}, "its nonce is not this sign-in's"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "had expired"),
        ({"aud": "another client"}, "its aud is not this sign-in's"),
        ({"iss": "https://somewhere.else"}, "its iss is not this sign-in's"),
    ],
)
def test_an_id_token_that_is_not_this_sign_ins_is_refused(keys, changes, why):
    ours, _theirs = keys
    with pytest.raises(RefusedError, match=why):
        verified_claims(
            id_token(ours, **changes),
            published(ours),
            "https://login.council.example",
            "sfclaims",
            "the nonce of this sign-in",
        )


def test_an_id_token_signed_by_another_key_is_refused_and_a_right_one_is_read(keys):
    ours, theirs = keys
    with pytest.raises(RefusedError, match="signature or form did not hold"):
        verified_claims(
            id_token(theirs),
            published(ours),
            "https://login.council.example",
            "sfclaims",
            "the nonce of this sign-in",
        )
    claims = verified_claims(
        id_token(ours),
        published(ours),
        "https://login.council.example",
        "sfclaims",
        "the nonce of this sign-in",
    )
    assert claims["sub"] == "ana"


def test_a_return_that_is_not_the_sign_in_this_browser_began_is_refused(accounts):
    provider = Provider("https://login.council.example", "sfclaims", "secret", [])
    began = Pending("state we keep", "nonce", "verifier", time.time())
    engine = open_database(accounts)
    with pytest.raises(RefusedError, match="not the one this browser began"):
        finish(engine, provider, "http://x/return", began, {"state": "another", "code": "c"})
    with pytest.raises(RefusedError, match="had expired"):
        finish(engine, provider, "http://x/return", None, {"state": "state we keep"})
    engine.dispose()


def test_with_local_passwords_switched_off_the_password_form_refuses(accounts, workspace):
    from tests.web.conftest import PASSWORD, token

    form = workspace.get("/sign-in")  # opened before an admin switched passwords off
    engine = open_database(accounts)
    change_settings(engine, local_passwords=False)
    engine.dispose()
    assert 'id="password"' not in workspace.get("/sign-in").text
    refused = workspace.post(
        "/sign-in",
        data={"csrf_token": token(form.text), "name": "carl", "password": PASSWORD, "next": "/"},
    )
    assert refused.status_code == 400 and "Sign in with your council account" in refused.text


ISSUER = "https://login.example.gov.uk/council/v2.0"
MAPPED = Provider(ISSUER, "sfclaims", "secret", [("auditors", "auditor"), ("claims", "claims")])


def test_a_token_without_its_groups_claim_keeps_the_accounts_roles(engine):
    """The provider leaves the groups out (too many of them, or a misconfiguration): the
    account's roles stay as they were, never all taken away; a token that names them maps them."""
    from sfclaims.people.single_sign_on import _signed_in

    first = _signed_in(engine, MAPPED, {"sub": "ana", "groups": ["auditors"]})
    assert first.roles == frozenset({"auditor"})
    again = _signed_in(engine, MAPPED, {"sub": "ana"})
    assert again.roles == frozenset({"auditor"})
    moved = _signed_in(engine, MAPPED, {"sub": "ana", "groups": ["claims"]})
    assert moved.roles == frozenset({"claims"})


def test_accounts_are_keyed_by_issuer_and_subject_and_oid_never_stands_for_sub(engine):
    from sfclaims.people.single_sign_on import _signed_in, subject_key

    by_oid = _signed_in(engine, MAPPED, {"sub": "x", "oid": "abc", "preferred_username": "ana"})
    assert subject_key(ISSUER, {"sub": "x", "oid": "abc"}) == f"{ISSUER} oid:abc"
    with pytest.raises(RefusedError, match="There is already an account ana"):
        # another person whose sub is ana's oid, wanting ana's name: not ana
        _signed_in(engine, MAPPED, {"sub": "abc", "preferred_username": "ana"})
    other = Provider("https://another.example/v2.0", "sfclaims", "secret", MAPPED.groups)
    with pytest.raises(RefusedError, match="There is already an account ana"):
        _signed_in(engine, other, {"sub": "x", "oid": "abc", "preferred_username": "ana"})
    assert _signed_in(engine, MAPPED, {"sub": "y", "oid": "abc"}).name == by_oid.name


@pytest.mark.raw_changes
def test_an_account_kept_before_subjects_named_their_issuer_is_found_and_rekeyed(engine):
    from sfclaims.people.single_sign_on import _signed_in

    _signed_in(engine, MAPPED, {"sub": "ana", "groups": ["auditors"]})
    with engine.begin() as connection:  # as an earlier sfclaims kept it
        connection.execute(text("UPDATE accounts SET sign_on_subject = 'ana'"))
    assert _signed_in(engine, MAPPED, {"sub": "ana"}).name == "ana"
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT sign_on_subject FROM accounts")).scalar_one()
    assert kept == f"{ISSUER} sub:ana"
