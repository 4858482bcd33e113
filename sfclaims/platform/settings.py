"""The authority's settings, set once per database: its name and code, the outcome framework in
force (the national one, or a local outcome plan with its version and hash), the quarter
convention and the allocation. Every command decides under the framework in force; a
``--framework`` that differs from it is refused until the setting is changed, so a forgotten
option can never claim under the wrong rules."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, select, update
from sqlmodel import col

from sfclaims.platform.activity import record_activity
from sfclaims.platform.errors import RefusedError, UsageError, every_problem_at_once
from sfclaims.platform.framework import Framework, load_framework
from sfclaims.platform.given import LARGEST_NUMBER, checked_number, checked_text
from sfclaims.platform.models import AuthoritySettings, table_of
from sfclaims.platform.roles import ROLES

QUARTERS = ("financial", "calendar")
NATIONAL = "national"  # what --framework takes for the national framework


@dataclass(frozen=True)
class Settings:
    authority_name: str | None
    authority_code: str | None
    framework_overlay: str | None
    framework: str
    framework_sha256: str
    quarters: str
    allocation: int | None
    changed_at: datetime
    retention_months: int = 24
    second_factor_for_everyone: bool = False  # else the admin, claims and auditor roles alone
    sign_on_issuer: str | None = None  # the OpenID provider (single_sign_on.py)
    sign_on_client_id: str | None = None
    sign_on_groups: str | None = None  # "provider group=role; ..."
    local_passwords: bool = True  # else single sign-on alone signs in to the workspace
    results_payment: int = 800  # pounds a family claimed: the submission's total
    audit_widen_percent: int = 10  # a sample failing more than this is widened
    mail_host: str | None = None  # the council's mail relay: none, no email is sent
    mail_port: int = 25
    mail_sender: str | None = None  # the address the emails come from
    mail_user: str | None = None  # the relay's account, if it asks for one
    mail_password_file: str | None = None  # its password is read from this file when sending
    workspace_address: str | None = None  # the workspace's address, which the emails link to


def read_settings(engine: Engine) -> Settings:
    with engine.connect() as connection:
        row = connection.execute(select(*table_of(AuthoritySettings).c)).first()
    if row is None:
        raise settings_missing()
    values = row._asdict()
    values.pop("id")
    return Settings(**values)


def settings_missing() -> RefusedError:
    return RefusedError(
        "The database's settings row is missing: it was removed outside sfclaims (the "
        "database refuses that to every login, its owner's included, unless its guards are "
        "switched off). Restore the database from its last backup, or ask its administrator."
    )


def quarter_convention(connection: Connection) -> str:
    """The authority's quarters, financial or calendar: how every period is named to people."""
    found = connection.execute(select(col(AuthoritySettings.quarters))).scalar()
    if found is None:
        raise settings_missing()
    return str(found)


def framework_in_force(engine: Engine, given: Path | None = None) -> Framework:
    """The framework every command decides under: the one in force, or ``given`` if it is the
    same (refused otherwise, naming both)."""
    settings = read_settings(engine)
    in_force = load_framework(settings.framework_overlay)
    if settings.framework_overlay and in_force.sha256 != settings.framework_sha256:
        raise RefusedError(
            f"The outcome framework in force ({settings.framework_overlay}) has changed since "
            f"it was put in force.",
            remedy="framework again",
            overlay=settings.framework_overlay,
        )
    if given is None:
        return in_force
    asked = load_framework(None if str(given) == NATIONAL else given)
    if asked.sha256 != in_force.sha256:
        raise RefusedError(
            f"The outcome framework in force is {_named(settings)}, but --framework gives "
            f"{given} ({asked.label()}); to decide under it, put it in force first with "
            f"`sfclaims settings set --framework {given}`."
        )
    return in_force


def _named(settings: Settings) -> str:
    """The framework in force as people read it: the plan's file by its name (never the folder
    the service keeps it in), or the national framework."""
    overlay = settings.framework_overlay
    where = f"the local plan {Path(overlay).name}" if overlay else "the national framework"
    return f"{where} ({settings.framework})"


def change_settings(
    engine: Engine,
    *,
    authority_name: str | None = None,
    authority_code: str | None = None,
    framework: Path | None = None,
    quarters: str | None = None,
    allocation: int | None = None,
    by: str | None = None,
    retention_months: int | None = None,
    second_factor_for_everyone: bool | None = None,
    sign_on_issuer: str | None = None,
    sign_on_client_id: str | None = None,
    sign_on_groups: str | None = None,
    local_passwords: bool | None = None,
    results_payment: int | None = None,
    audit_widen_percent: int | None = None,
    mail_host: str | None = None,
    mail_port: int | None = None,
    mail_sender: str | None = None,
    mail_user: str | None = None,
    mail_password_file: str | None = None,
    workspace_address: str | None = None,
) -> Settings:
    """Change the settings given; the rest stay ("" clears a text setting). Every setting is
    checked before any is changed: the error raised names the first problem, and carries every
    one by setting (``about["problems"]``), so a form can show them all at once."""
    given = {
        "mail_host": mail_host,
        "mail_port": mail_port,
        "mail_sender": mail_sender,
        "mail_user": mail_user,
        "mail_password_file": mail_password_file,
        "workspace_address": workspace_address,
        "sign_on_issuer": sign_on_issuer,
        "sign_on_client_id": sign_on_client_id,
        "sign_on_groups": sign_on_groups,
        "local_passwords": local_passwords,
        "authority_name": authority_name,
        "authority_code": authority_code,
        "quarters": quarters,
        "allocation": allocation,
        "retention_months": retention_months,
        "second_factor_for_everyone": second_factor_for_everyone,
        "results_payment": results_payment,
        "audit_widen_percent": audit_widen_percent,
    }
    changes: dict[str, object] = every_problem_at_once(
        **{
            name: functools.partial(_CHECKS[name], value)
            for name, value in given.items()
            if value is not None
        }
    )
    if framework is not None:
        overlay = None if str(framework) == NATIONAL else str(framework.resolve())
        chosen = load_framework(overlay)
        changes.update(
            framework_overlay=overlay, framework=chosen.label(), framework_sha256=chosen.sha256
        )
    if changes:
        with engine.begin() as connection:
            connection.execute(
                update(AuthoritySettings)
                .where(col(AuthoritySettings.id) == 1)
                .values(**changes, changed_at=datetime.now(UTC))
            )
            said = ", ".join(
                f"{k} = {'a file on the server' if k == 'mail_password_file' and v else v}"
                for k, v in changes.items()
                if k != "framework_sha256"
            )
            record_activity(connection, by, "settings changed", "settings", said)
    return read_settings(engine)


def settings_lines(settings: Settings) -> list[tuple[str, str]]:
    """The settings as people read them."""
    return [
        ("authority", settings.authority_name or "not set"),
        ("authority code", settings.authority_code or "not set"),
        ("outcome framework", _named(settings)),
        ("the framework file's fingerprint (SHA-256)", settings.framework_sha256),
        ("quarters", settings.quarters),
        (
            "allocation",
            f"{settings.allocation:,}" if settings.allocation is not None else "not set",
        ),
        ("retention", f"{settings.retention_months} months"),
        ("results payment", f"£{settings.results_payment:,} a family"),
        ("audit", f"a sample failing more than {settings.audit_widen_percent}% is widened"),
        (
            "second factor",
            "every account"
            if settings.second_factor_for_everyone
            else "admins, the claims team and auditors",
        ),
        (
            "single sign-on",
            f"{settings.sign_on_issuer} (client {settings.sign_on_client_id})"
            if settings.sign_on_issuer
            else "not set",
        ),
        ("groups as roles", settings.sign_on_groups or "none: an admin gives the roles"),
        ("local passwords", "allowed" if settings.local_passwords else "switched off"),
        (
            "email notifications",
            f"through {settings.mail_host}:{settings.mail_port}, from {settings.mail_sender}"
            + (f", as {settings.mail_user}" if settings.mail_user else "")
            + (", its password read from a file" if settings.mail_password_file else "")
            if settings.mail_host and settings.mail_sender
            else "not set: no email is sent",
        ),
        ("workspace address", settings.workspace_address or "not set: emails name the page"),
        ("changed", f"{settings.changed_at:%d/%m/%Y %H:%M}"),
    ]


EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")
HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def checked_email(address: str, what: str = "the email address") -> str:
    """An email address as people write one (name@council.gov.uk), or "" for none."""
    address = checked_text(address, what, 254).strip()
    if address and not EMAIL.fullmatch(address):
        raise UsageError(f"{what[0].upper()}{what[1:]} is written like name@council.gov.uk.")
    return address


def checked_host(host: str) -> str | None:
    """The mail relay's host name or address ("" for none: no email is sent)."""
    host = checked_text(host, "the mail relay", 253).strip()
    if host and not HOST.fullmatch(host):
        raise UsageError("The mail relay is a host name (smtp.council.gov.uk) or an address.")
    return host or None


def checked_password_file(path: str) -> str | None:
    """The file the relay's password is read from: it must exist now, and be readable by the
    service's own account alone (a password is never kept in the database)."""
    path = checked_text(path, "the password file", 1000).strip()
    if not path:
        return None
    file = Path(path).expanduser()
    if not file.is_file():
        raise UsageError("The mail relay's password file does not exist, or is not a file.")
    if file.stat().st_mode & 0o077:
        raise UsageError(
            "The mail relay's password file may be readable by its owner alone "
            "(chmod 600), as it holds a password."
        )
    return str(file.resolve())


def checked_address(address: str) -> str | None:
    """The workspace's address as its people reach it: https (http only on this machine's
    loopback, for tests), no query; "" for none."""
    address = checked_text(address, "the workspace's address", 500).strip().rstrip("/")
    if not address:
        return None
    parts = urlsplit(address)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if (
        not parts.hostname
        or parts.query
        or parts.fragment
        or (parts.scheme != "https" and not (parts.scheme == "http" and loopback))
    ):
        raise UsageError(
            "The workspace's address is an https address, such as https://sfclaims.council.gov.uk."
        )
    return address


def checked_issuer(issuer: str) -> str | None:
    """An issuer: an https address (http only on this machine's loopback, for tests)."""
    issuer = issuer.strip().rstrip("/")
    if not issuer:
        return None
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise UsageError(f"The provider's issuer is an https address, not {issuer!r}.")
    return issuer


def checked_groups(groups: str) -> str:
    """The mapping of the provider's groups to roles, as ``GROUP=ROLE; GROUP=ROLE``."""
    pairs = group_roles(groups)
    return "; ".join(f"{group}={role}" for group, role in pairs)


def group_roles(groups: str | None) -> list[tuple[str, str]]:
    pairs = []
    for part in (groups or "").split(";"):
        if not part.strip():
            continue
        group, _, role = part.partition("=")
        if not group.strip() or role.strip() not in ROLES:
            raise UsageError(
                f"Each group is given as GROUP=ROLE, a role being one of {', '.join(ROLES)}; "
                f"not {part.strip()!r}."
            )
        pairs.append((group.strip(), role.strip()))
    return pairs


def _quarters(given: str) -> str:
    if given.lower() not in QUARTERS:
        raise UsageError(f"The quarters are financial or calendar, not {given!r}.")
    return given.lower()


def _text(what: str, longest: int) -> Callable[[Any], str | None]:
    return lambda given: checked_text(given, what, longest).strip() or None


def _number(what: str, least: int = 0, most: int = LARGEST_NUMBER) -> Callable[[Any], int]:
    return lambda given: checked_number(given, what, least, most)


def _yes_or_no(given: Any) -> bool:
    return bool(given)


#: Each setting a person may change, and its check: the value kept, or a UsageError.
_CHECKS: dict[str, Callable[[Any], object]] = {
    "mail_host": checked_host,
    "mail_port": _number("the mail relay's port", 1, 65535),
    "mail_sender": lambda given: checked_email(given, "the sender's address") or None,
    "mail_user": _text("the relay's account", 200),
    "mail_password_file": checked_password_file,
    "workspace_address": checked_address,
    "sign_on_issuer": checked_issuer,
    "sign_on_client_id": _text("the client ID", 200),
    "sign_on_groups": lambda given: checked_groups(given) or None,
    "local_passwords": _yes_or_no,
    "authority_name": _text("the authority's name", 200),
    "authority_code": _text("the authority's code", 40),
    "quarters": _quarters,
    "allocation": _number("the allocation"),
    "retention_months": _number("the months personal data is kept", 1, 240),
    "second_factor_for_everyone": _yes_or_no,
    "results_payment": _number("the results payment a family", 0, 100_000),
    "audit_widen_percent": _number("the failure rate that widens a sample", 0, 100),
}
