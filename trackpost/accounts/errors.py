"""Errors of login accounts that only accounts raise."""

from trackpost.core.errors import Conflict, NotFound


class AdminNotFound(NotFound):
    code = "admin_not_found"


class EmailTaken(Conflict):
    code = "email_taken"
