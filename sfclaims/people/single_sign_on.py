"""Single sign-on with the council's OpenID provider (OpenID Connect, e.g. Microsoft Entra ID).

The authorisation code flow with PKCE (Authlib makes the S256 challenge), a random ``state``
and ``nonce`` kept by the face for the one sign-in; the code exchanged at the provider's token
endpoint with the client secret; the ID token verified with joserfc (Authlib's JOSE library)
against the provider's published keys: its signature, issuer, audience, expiry and nonce. The
person's account is found by the provider's stable identifier (``oid``, else ``sub``); the first
sign-in makes it, with no role — an admin gives roles, or the provider's groups give them when
the settings map groups to roles (then every sign-in sets them, logged when they change).

The issuer and client ID are settings; the secret is read from the file
``SFCLAIMS_SIGN_ON_SECRET_FILE`` names (readable by its owner alone) or the environment variable
``SFCLAIMS_SIGN_ON_SECRET``, never from the database.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import Engine, select, update
from sqlmodel import col

from sfclaims.intake.kinds import LIST_SEPARATOR, members
from sfclaims.people.accounts import SINGLE_SIGN_ON, Actor, checked_name, new_account
from sfclaims.platform.activity import identified, record_activity
from sfclaims.platform.errors import RefusedError
from sfclaims.platform.models import Account, table_of
from sfclaims.platform.secret_files import secret_from_file
from sfclaims.platform.settings import Settings, group_roles

log = logging.getLogger("sfclaims.people.single_sign_on")

SECRET_FILE = "SFCLAIMS_SIGN_ON_SECRET_FILE"
SECRET_VARIABLE = "SFCLAIMS_SIGN_ON_SECRET"
SCOPES = "openid profile email"
LEEWAY = 60  # seconds of clock difference allowed between the provider and this server
PENDING_FOR = 600  # seconds a sign-in may take at the provider


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    secret: str
    groups: list[tuple[str, str]]


def provider_of(settings: Settings) -> Provider | None:
    """The provider the settings name, with its secret; None when single sign-on is not set."""
    if not (settings.sign_on_issuer and settings.sign_on_client_id):
        return None
    return Provider(
        settings.sign_on_issuer,
        settings.sign_on_client_id,
        client_secret(),
        group_roles(settings.sign_on_groups),
    )


def client_secret() -> str:
    kept = os.environ.get(SECRET_FILE)
    if kept:
        return secret_from_file(Path(kept), "client secret file")
    secret = os.environ.get(SECRET_VARIABLE, "")
    if not secret:
        raise RefusedError(
            f"Single sign-on needs the client secret the provider gave: name a file holding it "
            f"in {SECRET_FILE} (readable by its owner alone)."
        )
    return secret


_metadata: dict[str, tuple[float, dict[str, Any]]] = {}


def metadata(issuer: str) -> dict[str, Any]:
    """The provider's OpenID configuration (kept for an hour), checked to be its own."""
    kept = _metadata.get(issuer)
    if kept is not None and time.monotonic() - kept[0] < 3600:
        return kept[1]
    found = _get_json(f"{issuer}/.well-known/openid-configuration")
    if str(found.get("issuer", "")).rstrip("/") != issuer:
        raise RefusedError("The provider's configuration names another issuer: nothing trusted.")
    _metadata[issuer] = (time.monotonic(), found)
    return found


def _get_json(address: str, **post: Any) -> dict[str, Any]:
    try:
        if post:
            response = httpx.post(address, timeout=10, **post)
        else:
            response = httpx.get(address, timeout=10)
        response.raise_for_status()
        answer = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise RefusedError(
            f"The council's sign-in service could not be reached or did not answer as expected "
            f"({type(error).__name__}); try again, or sign in with a password if allowed."
        ) from None
    if not isinstance(answer, dict):
        raise RefusedError("The council's sign-in service did not answer as expected.")
    return answer


@dataclass(frozen=True)
class Pending:
    """What the face keeps for the one sign-in, until the provider sends the person back."""

    state: str
    nonce: str
    verifier: str
    began: float


def begin(provider: Provider, return_to: str) -> tuple[str, Pending]:
    """Where to send the person to sign in, and what to keep until they come back."""
    from authlib.common.security import generate_token
    from authlib.oauth2.rfc7636 import create_s256_code_challenge

    pending = Pending(generate_token(32), generate_token(32), generate_token(64), time.time())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": return_to,
            "scope": SCOPES,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": create_s256_code_challenge(pending.verifier),
            "code_challenge_method": "S256",
        }
    )
    return f"{metadata(provider.issuer)['authorization_endpoint']}?{query}", pending


def finish(
    engine: Engine,
    provider: Provider,
    return_to: str,
    pending: Pending | None,
    answer: dict[str, str],
) -> Actor:
    """The person the provider sent back, signed in: their account found by the provider's
    identifier, or made (no role), roles set from groups when mapped. Refused in one sentence
    when anything does not hold."""
    if pending is None or time.time() - pending.began > PENDING_FOR:
        raise RefusedError("That sign-in had expired: start again.")
    if answer.get("state") != pending.state:
        raise RefusedError("That sign-in was not the one this browser began: start again.")
    if answer.get("error"):
        raise RefusedError("The council's sign-in service did not sign you in: start again.")
    code = answer.get("code", "")
    if not code:
        raise RefusedError("The council's sign-in service sent no code: start again.")
    found = metadata(provider.issuer)
    tokens = _get_json(
        found["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": return_to,
            "code_verifier": pending.verifier,
        },
        auth=(provider.client_id, provider.secret),
    )
    claims = verified_claims(
        str(tokens.get("id_token", "")),
        _get_json(found["jwks_uri"]),
        provider.issuer,
        provider.client_id,
        pending.nonce,
    )
    return _signed_in(engine, provider, claims)


def verified_claims(
    id_token: str,
    keys: dict[str, Any],
    issuer: str,
    client_id: str,
    nonce: str,
    now: float | None = None,
) -> dict[str, Any]:
    """The ID token's claims, once its signature holds against the provider's keys and it was
    issued by the issuer, for this client, for this sign-in (nonce), and has not expired."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    try:
        published = KeySet.import_key_set(keys)  # type: ignore[arg-type]
        token = jwt.decode(id_token, published, algorithms=["RS256", "ES256"])
        jwt.JWTClaimsRegistry(
            now=int(now if now is not None else time.time()),
            leeway=LEEWAY,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError, TypeError) as error:
        raise RefusedError(
            f"The sign-in could not be trusted ({_why(error)}): start again."
        ) from None
    return dict(token.claims)


def _why(error: Exception) -> str:
    from joserfc.errors import ExpiredTokenError, InvalidClaimError

    if isinstance(error, ExpiredTokenError):
        return "its token had expired"
    if isinstance(error, InvalidClaimError):
        return f"its {error.claim} is not this sign-in's"
    return "its token's signature or form did not hold"


def subject_key(issuer: str, claims: dict[str, Any]) -> str:
    """Who the person is at the provider, as an account keeps it: the issuer and, within it,
    the subject — Entra ID's object ID (``oid``, one per person across every app) or else the
    token's ``sub`` — each named, so no ``sub`` can ever be taken for an ``oid``."""
    if claims.get("oid"):
        return f"{issuer} oid:{claims['oid']}"
    return f"{issuer} sub:{claims['sub']}"


def _signed_in(engine: Engine, provider: Provider, claims: dict[str, Any]) -> Actor:
    subject = subject_key(provider.issuer, claims)
    legacy = str(claims.get("oid") or claims["sub"])  # as accounts kept it before the issuer
    wanted = claims.get("preferred_username") or claims.get("email") or legacy
    mapped = _mapped_roles(provider, claims)
    with engine.begin() as connection:
        found = select(col(Account.name), col(Account.roles), col(Account.disabled))
        row = connection.execute(found.where(col(Account.sign_on_subject) == subject)).first()
        if row is None:  # an account that signed on before subjects named their issuer
            row = connection.execute(found.where(col(Account.sign_on_subject) == legacy)).first()
            if row is not None:
                connection.execute(
                    update(table_of(Account))
                    .where(col(Account.name) == row.name)
                    .values(sign_on_subject=subject)
                )
        if row is None:
            name = checked_name(str(wanted)[:64])
            taken = connection.execute(
                select(col(Account.name)).where(col(Account.name) == name)
            ).first()
            if taken is not None:
                raise RefusedError(
                    f"There is already an account {name} that does not sign in through the "
                    f"council's sign-in service; ask an admin."
                )
            roles = mapped if mapped is not None else frozenset()
            identified(name, SINGLE_SIGN_ON)
            new_account(
                connection,
                name,
                roles,
                name,
                f"at first single sign-on; roles: {', '.join(sorted(roles)) or 'none yet'}",
                sign_on_subject=subject,
            )
            return Actor(name, roles, identified_by=SINGLE_SIGN_ON)
        if row.disabled:
            raise RefusedError("Your sfclaims account is disabled; ask an admin.")
        roles = members(row.roles)
        if mapped is not None and mapped != roles:
            connection.execute(
                update(table_of(Account))
                .where(col(Account.name) == row.name)
                .values(roles=LIST_SEPARATOR.join(sorted(mapped)))
            )
            identified(row.name, SINGLE_SIGN_ON)
            record_activity(
                connection,
                row.name,
                "roles changed",
                row.name,
                f"from the provider's groups: {', '.join(sorted(mapped)) or 'none'}",
            )
            roles = mapped
        return Actor(row.name, roles, identified_by=SINGLE_SIGN_ON)


def _mapped_roles(provider: Provider, claims: dict[str, Any]) -> frozenset[str] | None:
    """The roles the person's groups give, when the settings map groups and the token says
    which groups the person is in; None — the account's roles kept as they are — otherwise (a
    token without its groups claim, as a provider sends when a person is in too many groups,
    says nothing of them: it never takes every role away)."""
    if not provider.groups:
        return None
    groups = claims.get("groups")
    if not isinstance(groups, list):
        log.warning("a sign-in's token named no groups: the account's roles are kept")
        return None
    return frozenset(role for group, role in provider.groups if group in groups)
