"""The authority's settings, set once per database: its name and code, the outcome framework in
force (the national one, or a local outcome plan with its version and hash), the quarter
convention and the allocation. Every command decides under the framework in force; a
``--framework`` that differs from it is refused until the setting is changed, so a forgotten
option can never claim under the wrong rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, select, update
from sqlmodel import col

from sfclaims.platform.activity import record_activity
from sfclaims.platform.errors import RefusedError, UsageError
from sfclaims.platform.framework import Framework, load_framework
from sfclaims.platform.given import checked_number, checked_text
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
) -> Settings:
    """Change the settings given; the rest stay."""
    changes: dict[str, object] = {}
    if sign_on_issuer is not None:
        changes["sign_on_issuer"] = checked_issuer(sign_on_issuer)
    if sign_on_client_id is not None:
        changes["sign_on_client_id"] = (
            checked_text(sign_on_client_id, "the client ID", 200).strip() or None
        )
    if sign_on_groups is not None:
        changes["sign_on_groups"] = checked_groups(sign_on_groups) or None
    if local_passwords is not None:
        changes["local_passwords"] = local_passwords
    if authority_name is not None:
        changes["authority_name"] = (
            checked_text(authority_name, "the authority's name", 200).strip() or None
        )
    if authority_code is not None:
        changes["authority_code"] = (
            checked_text(authority_code, "the authority's code", 40).strip() or None
        )
    if framework is not None:
        overlay = None if str(framework) == NATIONAL else str(framework.resolve())
        chosen = load_framework(overlay)
        changes.update(
            framework_overlay=overlay, framework=chosen.label(), framework_sha256=chosen.sha256
        )
    if quarters is not None:
        if quarters.lower() not in QUARTERS:
            raise UsageError(f"The quarters are financial or calendar, not {quarters!r}.")
        changes["quarters"] = quarters.lower()
    if allocation is not None:
        changes["allocation"] = checked_number(allocation, "the allocation")
    if retention_months is not None:
        changes["retention_months"] = checked_number(
            retention_months, "the months personal data is kept", 1, 240
        )
    if second_factor_for_everyone is not None:
        changes["second_factor_for_everyone"] = second_factor_for_everyone
    if results_payment is not None:
        changes["results_payment"] = checked_number(
            results_payment, "the results payment a family", 0, 100_000
        )
    if audit_widen_percent is not None:
        changes["audit_widen_percent"] = checked_number(
            audit_widen_percent, "the failure rate that widens a sample", 0, 100
        )
    if changes:
        with engine.begin() as connection:
            connection.execute(
                update(AuthoritySettings)
                .where(col(AuthoritySettings.id) == 1)
                .values(**changes, changed_at=datetime.now(UTC))
            )
            said = ", ".join(f"{k} = {v}" for k, v in changes.items() if k != "framework_sha256")
            record_activity(connection, by, "settings changed", "settings", said)
    return read_settings(engine)


def settings_lines(settings: Settings) -> list[tuple[str, str]]:
    """The settings as people read them."""
    return [
        ("authority", settings.authority_name or "not set"),
        ("authority code", settings.authority_code or "not set"),
        ("outcome framework", _named(settings)),
        ("framework sha256", settings.framework_sha256),
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
        ("changed", f"{settings.changed_at:%d/%m/%Y %H:%M}"),
    ]


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
