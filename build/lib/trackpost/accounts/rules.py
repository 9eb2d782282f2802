"""The rules of a login's own values: username, password, website (shared by API and CLI)."""

from __future__ import annotations

import re

# \Z, not $: "$" also matches before a trailing newline, which would admit "ops\n".
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}\Z")
USERNAME_RULE = "use 1 to 64 letters, digits, '_', '.', '@' or '-'"
MIN_PASSWORD = 8
_SCRIPT_SCHEME = re.compile(r"^\s*(?:javascript|data|vbscript)\s*:", re.IGNORECASE)


def username_problem(username: str) -> str | None:
    """Why a text cannot be a username, or None when it can."""
    return None if USERNAME_RE.match(username) else USERNAME_RULE


def password_problem(password: str) -> str | None:
    """Why a text cannot be a password, or None when it can."""
    if len(password) < MIN_PASSWORD:
        return f"must be at least {MIN_PASSWORD} characters long"
    return None


def website_problem(url: str) -> str | None:
    """An account's website: scheme-less hosts are kept, script and data URLs are refused."""
    if _SCRIPT_SCHEME.match(url) or any(ord(c) < 32 for c in url):
        return "must be a web address such as https://example.com"
    return None
