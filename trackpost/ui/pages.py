"""What a console handler sees and returns: no HTTP types, no SQL, no commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Connection

from trackpost.accounts.console import ConsoleAdmin
from trackpost.accounts.roles import Permission, require
from trackpost.core.config import Settings
from trackpost.core.errors import TrackpostError
from trackpost.core.origin import Origin
from trackpost.core.security import KeyHasher, PasswordHashing

C = TypeVar("C")


@dataclass
class UiRequest:
    """One console request as its handler sees it: the transaction, the admin, the inputs."""

    conn: Connection
    admin: ConsoleAdmin
    origin: Origin
    query: Mapping[str, str]
    form: Mapping[str, str]
    path: Mapping[str, str]
    settings: Settings
    hasher: KeyHasher
    base_url: str
    # The worker's version-keyed caches (Services.cache), for the services that take one.
    caches: Callable[[type[Any]], Any] | None = None

    def cache(self, kind: type[C]) -> C:
        """This worker's one instance of a domain's cache (as an API handler gets it)."""
        if self.caches is None:
            raise RuntimeError("this console request was made without the worker's caches")
        return cast(C, self.caches(kind))

    def require(self, permission: Permission) -> None:
        """403 forbidden_for_role unless the signed-in admin's role holds the permission."""
        require(self.admin.role, permission)

    def path_id(self, name: str) -> int:
        """A numeric path segment (the router's int convertor already checked it)."""
        return int(self.path[name])


@dataclass
class Page:
    """A template and its values; rendered after the transaction ends."""

    template: str
    values: dict[str, Any] = field(default_factory=dict)
    status: int = 200


@dataclass
class Redirect:
    """See other: where to go after a change, and which notice to show there."""

    location: str
    notice: str | None = None


@dataclass
class Download:
    """A file answer (a CSV report)."""

    filename: str
    media_type: str
    body: bytes


Result = Page | Redirect | Download
Handler = Callable[[UiRequest], Result]
# Renders a refused change again with its message and what was typed (a read transaction).
Failed = Callable[[UiRequest, TrackpostError], Result]
# Work before the transaction: hashing a password typed into the form (client address, form).
Prepare = Callable[[PasswordHashing, str, dict[str, str]], Awaitable[dict[str, str]]]


@dataclass
class UiRoute:
    """One console page or action: its permission is checked before its handler runs."""

    method: str
    path: str
    handler: Handler
    permission: Permission
    write: bool = False
    failed: Failed | None = None
    prepare: Prepare | None = None


class Pages:
    """Collects one area's routes, as the API's Router does."""

    def __init__(self) -> None:
        self.routes: list[UiRoute] = []

    def get(self, path: str, permission: Permission) -> Callable[[Handler], Handler]:
        return self._add("GET", path, permission, write=False, failed=None)

    def post(
        self,
        path: str,
        permission: Permission,
        *,
        failed: Failed | None = None,
        prepare: Prepare | None = None,
    ) -> Callable[[Handler], Handler]:
        return self._add("POST", path, permission, write=True, failed=failed, prepare=prepare)

    def _add(
        self,
        method: str,
        path: str,
        permission: Permission,
        *,
        write: bool,
        failed: Failed | None,
        prepare: Prepare | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.routes.append(UiRoute(method, path, fn, permission, write, failed, prepare))
            return fn

        return register


# Where each area of the navigation lives, and the permission that shows it.
NAV = (
    ("Dashboard", "/admin/", Permission.READ_CUSTOMERS),
    ("Customers", "/admin/customers", Permission.READ_CUSTOMERS),
    ("Offers", "/admin/offers", Permission.CATALOGUE),
    ("Affiliates", "/admin/affiliates", Permission.CATALOGUE),
    ("Advertisers", "/admin/advertisers", Permission.CATALOGUE),
    ("Reports", "/admin/reports/transactions", Permission.REPORTS),
    ("Profit & loss", "/admin/reports/pnl", Permission.REPORTS),
    ("Statistics", "/admin/reports/stats", Permission.REPORTS),
    ("Clicks", "/admin/reports/clicks", Permission.REPORTS),
    ("Failed postbacks", "/admin/postbacks/failed", Permission.POSTBACKS),
    ("Deliveries", "/admin/deliveries", Permission.DELIVERIES),
    ("Payments", "/admin/payments", Permission.PAYMENTS),
    ("Settings", "/admin/settings", Permission.SETTINGS),
)
