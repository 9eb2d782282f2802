"""Errors of admin-account management."""

from trackpost.core.errors import BadRequest, Conflict, NotFound


class AdminNotFound(NotFound):
    code = "admin_not_found"


class UsernameTaken(Conflict):
    code = "username_taken"


class InvalidUsername(BadRequest):
    code = "invalid_username"
