"""Errors of login accounts that only accounts raise."""

from trackpost.core.errors import BadRequest, Conflict, Forbidden, NotFound


class AdminNotFound(NotFound):
    code = "admin_not_found"


class EmailTaken(Conflict):
    code = "email_taken"


class RoleForbidden(Forbidden):
    code = "forbidden_for_role"


class InvalidRole(BadRequest):
    code = "invalid_role"


class InvalidPassword(BadRequest):
    code = "invalid_password"
