"""The dashboard: today and the last 7 days, the newest locks, failing deliveries."""

from __future__ import annotations

import datetime as dt

from trackpost.accounts.roles import Permission, allowed
from trackpost.core.db import utcnow
from trackpost.customers import console as customer_list
from trackpost.delivery import service as delivery
from trackpost.ui import pnl
from trackpost.ui.pages import Page, Pages, UiRequest

pages = Pages()


@pages.get("/admin/", Permission.READ_CUSTOMERS)
def dashboard(req: UiRequest) -> Page:
    """Money figures and failing deliveries for the roles that may see them; newest locks."""
    values: dict[str, object] = {"locks": customer_list.newest_locks(req.conn, 10)}
    if allowed(req.admin.role, Permission.REPORTS):
        today, week = pnl.dashboard(req.conn, req.settings)
        values.update(today=today, week=week, zone=req.settings.timezone)
    if allowed(req.admin.role, Permission.DELIVERIES):
        since = utcnow() - dt.timedelta(days=7)
        values["failing"] = delivery.recent_failures(req.conn, since, 10)
        values["paused"] = len(delivery.unhealthy_destinations(req.conn, 100))
    return Page("dashboard.html", values)
