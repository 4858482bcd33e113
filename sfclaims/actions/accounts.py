"""People, for both faces: accounts and their roles (the people stage's own actions, which check
the admin role themselves), who is acting on the command line, each step of signing in to the
workspace (a password, a second factor, single sign-on, a session begun and ended, each logged by
the step), and the key that signs sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sfclaims.platform.lazily import names_from

if TYPE_CHECKING:  # the names, typed; at run time each is imported when first asked for
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
        set_full_name,
        set_password,
        set_roles,
    )
    from sfclaims.people.first_admin import LINK_MINUTES, make_first_admin
    from sfclaims.people.first_admin import PATH as FIRST_ADMIN_PATH
    from sfclaims.people.first_admin import check_link as check_first_admin_link
    from sfclaims.people.first_admin import make_link as first_admin_link
    from sfclaims.people.identity import on_the_command_line, password_from_file
    from sfclaims.people.notifications import EVENTS, choice_of, choose, events_for
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

#: Where each name lives: a command imports only what it uses, so it starts quickly.
_WHERE = {
    "ADMIN": ("sfclaims.platform.roles", "ADMIN"),
    "AUDITOR": ("sfclaims.platform.roles", "AUDITOR"),
    "Actor": ("sfclaims.people.accounts", "Actor"),
    "CLAIMS": ("sfclaims.platform.roles", "CLAIMS"),
    "DATA_OFFICER": ("sfclaims.platform.roles", "DATA_OFFICER"),
    "EVENTS": ("sfclaims.people.notifications", "EVENTS"),
    "FIRST_ADMIN_PATH": ("sfclaims.people.first_admin", "PATH"),
    "LINK_MINUTES": ("sfclaims.people.first_admin", "LINK_MINUTES"),
    "LockedOut": ("sfclaims.people.signing_in", "LockedOut"),
    "MIN_PASSWORD": ("sfclaims.people.accounts", "MIN_PASSWORD"),
    "PASSWORD": ("sfclaims.people.accounts", "PASSWORD"),
    "PASSWORD_AND_CODE": ("sfclaims.people.accounts", "PASSWORD_AND_CODE"),
    "Pending": ("sfclaims.people.single_sign_on", "Pending"),
    "ROLES": ("sfclaims.platform.roles", "ROLES"),
    "SINGLE_SIGN_ON": ("sfclaims.people.accounts", "SINGLE_SIGN_ON"),
    "add_account": ("sfclaims.people.accounts", "add_account"),
    "set_full_name": ("sfclaims.people.accounts", "set_full_name"),
    "allowed": ("sfclaims.people.accounts", "allowed"),
    "begin": ("sfclaims.people.signing_in", "begin"),
    "begin_single_sign_on": ("sfclaims.people.single_sign_on", "begin"),
    "change_own_password": ("sfclaims.people.accounts", "change_own_password"),
    "check_code": ("sfclaims.people.signing_in", "check_code"),
    "check_password": ("sfclaims.people.signing_in", "check_password"),
    "choice_of": ("sfclaims.people.notifications", "choice_of"),
    "choose": ("sfclaims.people.notifications", "choose"),
    "check_first_admin_link": ("sfclaims.people.first_admin", "check_link"),
    "checked_name": ("sfclaims.people.accounts", "checked_name"),
    "disable_account": ("sfclaims.people.accounts", "disable_account"),
    "ensure_secret_key": ("sfclaims.people.sessions", "ensure_secret_key"),
    "events_for": ("sfclaims.people.notifications", "events_for"),
    "finish_single_sign_on": ("sfclaims.people.single_sign_on", "finish"),
    "first_admin_link": ("sfclaims.people.first_admin", "make_link"),
    "has_accounts": ("sfclaims.people.accounts", "has_accounts"),
    "lift": ("sfclaims.people.signing_in", "lift"),
    "list_accounts": ("sfclaims.people.accounts", "list_accounts"),
    "make_first_admin": ("sfclaims.people.first_admin", "make_first_admin"),
    "name_key": ("sfclaims.people.signing_in", "name_key"),
    "new_password": ("sfclaims.people.accounts", "new_password"),
    "on_the_command_line": ("sfclaims.people.identity", "on_the_command_line"),
    "password_from_file": ("sfclaims.people.identity", "password_from_file"),
    "provider_of": ("sfclaims.people.single_sign_on", "provider_of"),
    "qr_code_svg": ("sfclaims.people.second_factor", "qr_code_svg"),
    "reset": ("sfclaims.people.second_factor", "reset"),
    "secret_key": ("sfclaims.people.sessions", "secret_key"),
    "secret_key_path": ("sfclaims.people.sessions", "secret_key_path"),
    "session_holder": ("sfclaims.people.signing_in", "session_holder"),
    "set_password": ("sfclaims.people.accounts", "set_password"),
    "set_roles": ("sfclaims.people.accounts", "set_roles"),
    "set_up_address": ("sfclaims.people.second_factor", "set_up_address"),
    "sign_out": ("sfclaims.people.signing_in", "sign_out"),
    "usable_key": ("sfclaims.people.sessions", "usable_key"),
    "workspace_key": ("sfclaims.people.sessions", "workspace_key"),
}

__all__ = [
    "ADMIN",
    "AUDITOR",
    "Actor",
    "CLAIMS",
    "DATA_OFFICER",
    "EVENTS",
    "FIRST_ADMIN_PATH",
    "LINK_MINUTES",
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
    "choice_of",
    "choose",
    "check_first_admin_link",
    "checked_name",
    "disable_account",
    "ensure_secret_key",
    "events_for",
    "finish_single_sign_on",
    "first_admin_link",
    "has_accounts",
    "lift",
    "list_accounts",
    "make_first_admin",
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
    "set_full_name",
    "set_password",
    "set_roles",
    "set_up_address",
    "sign_out",
    "usable_key",
    "workspace_key",
]


__getattr__ = names_from(__name__, _WHERE)
