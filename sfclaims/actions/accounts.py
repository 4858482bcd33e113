"""People, for both faces: accounts and their roles (the people stage's own actions, which check
the admin role themselves), who is acting on the command line, each step of signing in to the
workspace (a password, a second factor, single sign-on, a session begun and ended, each logged by
the step), and the key that signs sessions."""

from __future__ import annotations

from sfclaims.people.accounts import (
    MIN_PASSWORD,
    PASSWORD,
    PASSWORD_AND_CODE,
    SINGLE_SIGN_ON,
    Actor,
    add_account,
    allowed,
    change_own_password,
    checked_name,
    disable_account,
    has_accounts,
    list_accounts,
    new_password,
    set_password,
    set_roles,
)
from sfclaims.people.identity import on_the_command_line, password_from_file
from sfclaims.people.second_factor import qr_code_svg, reset, set_up_address
from sfclaims.people.sessions import (
    ensure_secret_key,
    secret_key,
    secret_key_path,
    usable_key,
    workspace_key,
)
from sfclaims.people.signing_in import (
    LockedOut,
    begin,
    check_code,
    check_password,
    lift,
    name_key,
    session_holder,
    sign_out,
)
from sfclaims.people.single_sign_on import Pending, provider_of
from sfclaims.people.single_sign_on import begin as begin_single_sign_on
from sfclaims.people.single_sign_on import finish as finish_single_sign_on
from sfclaims.platform.roles import ADMIN, AUDITOR, CLAIMS, DATA_OFFICER, ROLES

__all__ = [
    "workspace_key",
    "ADMIN",
    "AUDITOR",
    "Actor",
    "CLAIMS",
    "DATA_OFFICER",
    "LockedOut",
    "MIN_PASSWORD",
    "PASSWORD",
    "PASSWORD_AND_CODE",
    "Pending",
    "ROLES",
    "SINGLE_SIGN_ON",
    "add_account",
    "allowed",
    "begin",
    "begin_single_sign_on",
    "change_own_password",
    "check_code",
    "check_password",
    "checked_name",
    "disable_account",
    "ensure_secret_key",
    "finish_single_sign_on",
    "has_accounts",
    "lift",
    "list_accounts",
    "name_key",
    "new_password",
    "on_the_command_line",
    "password_from_file",
    "provider_of",
    "qr_code_svg",
    "reset",
    "secret_key",
    "secret_key_path",
    "session_holder",
    "set_password",
    "set_roles",
    "set_up_address",
    "sign_out",
    "usable_key",
]
