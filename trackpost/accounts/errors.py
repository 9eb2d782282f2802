"""Errors of admin-account management."""

from trackpost.core.errors import NotFound


class AdminNotFound(NotFound):
    code = "admin_not_found"
