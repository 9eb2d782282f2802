"""Console roles and what each may do; services call `require` before acting for a person."""

from __future__ import annotations

from enum import StrEnum

from trackpost.accounts.errors import InvalidRole, RoleForbidden

ADMIN = "admin"
SUPPORT = "support"
ROLES = (ADMIN, SUPPORT)


class Permission(StrEnum):
    """One kind of action; a role is the set of them it holds."""

    READ_CUSTOMERS = "read customers"
    LOCK = "lock and unlock customers"
    EDIT_DETAILS = "edit customer details"
    MONEY = "act on transactions and money"
    CATALOGUE = "manage offers, landing pages, affiliates and advertisers"
    REPORTS = "read reports"
    SETTINGS = "manage admins, API keys and IP lists"
    POSTBACKS = "read and replay refused advertiser postbacks"
    DELIVERIES = "read and retry outbound deliveries"
    PAYMENTS = "read and act on affiliate payments"


GRANTS: dict[str, frozenset[Permission]] = {
    ADMIN: frozenset(Permission),
    # Support staff answer customers: they find, lock, unlock and edit them, nothing with money
    # and no keys.
    SUPPORT: frozenset({Permission.READ_CUSTOMERS, Permission.LOCK, Permission.EDIT_DETAILS}),
}


def check_role(role: str) -> str:
    """The role named, or 400 invalid_role."""
    if role not in GRANTS:
        raise InvalidRole(f"Parameter 'role' must be one of {', '.join(ROLES)}, not {role[:32]!r}.")
    return role


def allowed(role: str | None, permission: Permission) -> bool:
    """Whether this role holds the permission (an unknown role holds none)."""
    return permission in GRANTS.get(role or "", frozenset())


def require(role: str | None, permission: Permission) -> None:
    """403 forbidden_for_role unless the role holds the permission."""
    if not allowed(role, permission):
        raise RoleForbidden(f"The {role or 'unknown'} role may not {permission.value}.")
