"""Every console page and action, mounted under /admin by the app."""

from __future__ import annotations

from starlette.routing import BaseRoute

from trackpost.core.http import Services
from trackpost.ui import (
    affiliate_postbacks,
    caps,
    catalogue,
    clicks,
    commissions,
    crossed,
    customer_actions,
    customers,
    dashboard,
    deliveries,
    partners,
    payments,
    postbacks,
    reports,
    settings,
    webhooks,
)
from trackpost.ui.pages import UiRoute
from trackpost.ui.web import Console

# customer_actions registers its routes on customers' collection when imported.
_ = customer_actions
AREAS = (
    dashboard.pages,
    customers.pages,
    catalogue.pages,
    partners.pages,
    reports.pages,
    postbacks.pages,
    settings.pages,
    deliveries.pages,
    payments.pages,
    webhooks.pages,
    affiliate_postbacks.pages,
    commissions.pages,
    caps.pages,
    clicks.pages,
    crossed.pages,
)


def table() -> list[UiRoute]:
    """The console's routes in declaration order."""
    return [route for area in AREAS for route in area.routes]


def console_routes(services: Services) -> list[BaseRoute]:
    """The console's Starlette routes over this worker's services."""
    return Console(services).routes(table())
