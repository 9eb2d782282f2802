"""Errors of conversion caps."""

from trackpost.core.errors import NotFound


class CapNotFound(NotFound):
    code = "cap_not_found"
