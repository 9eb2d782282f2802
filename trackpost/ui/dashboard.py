"""The dashboard: today and the last 7 days, and the newest locks."""

from __future__ import annotations

import datetime as dt

from trackpost.accounts.roles import Permission, allowed
from trackpost.core.db import utcnow
from trackpost.customers import console as customer_list
from trackpost.ui.pages import Page, Pages, UiRequest
from trackpost.ui.pnl import profit_loss

pages = Pages()


@pages.get("/admin/", Permission.READ_CUSTOMERS)
def dashboard(req: UiRequest) -> Page:
    """Money figures for roles that may read reports; the newest locks for everyone."""
    values: dict[str, object] = {"locks": customer_list.newest_locks(req.conn, 10)}
    if allowed(req.admin.role, Permission.REPORTS):
        today = utcnow().date()
        week = profit_loss(req.conn, today - dt.timedelta(days=6), today)
        values.update(today=week.days[-1], week=week.total, partial=week.partial)
    return Page("dashboard.html", values)
