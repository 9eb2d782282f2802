"""Console session primitives: random tokens, the signed cookie value, CSRF token checks."""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "tp_session"
LOGIN_COOKIE = "tp_login"
CSRF_FIELD = "csrf_token"


def new_token() -> str:
    """256 random bits, URL-safe: a session id, a CSRF token or a sign-in form's nonce."""
    return secrets.token_urlsafe(32)


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets; a missing one never matches."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


class CookieSigner:
    """Signs cookie values with a key derived from the server secret (never the secret itself).

    A forged or altered cookie is refused before any database read; the session row, found by
    the token's keyed hash, is what makes a signed value a live session.
    """

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"trackpost console cookie", hashlib.sha256).digest()

    def _mac(self, value: str) -> str:
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:43]

    def sign(self, value: str) -> str:
        return f"{value}.{self._mac(value)}"

    def unsign(self, signed: str | None) -> str | None:
        """The value when the signature is right, else None."""
        if not signed or len(signed) > 200:
            return None
        value, _, mac = signed.rpartition(".")
        return value if value and same(mac, self._mac(value)) else None
