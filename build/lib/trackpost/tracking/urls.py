"""Landing-page URL templates: %%macro%% filling and deep-link paths, precompiled per page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

_MACRO_RE = re.compile(r"%%([A-Za-z0-9_]{1,32})%%")
_NAME_RE = re.compile(r"[A-Za-z0-9_]{1,32}\Z")
_DEEP_SAFE = "/:@!$&'()*+,;=-._~"

# The built-in macros of a landing page URL. Any other %%name%% is filled with the click's link
# parameter of that name (a custom pass-through such as cust_var), or with nothing.
MACROS = frozenset(
    {
        "click_hash",
        "transaction_hash",
        "aff_id",
        "offer_id",
        "landing_page_id",
        "campaign_id",
        "subaff",
        "subaff1",
        "subaff2",
        "subaff3",
        "subaff4",
        "subaff5",
        "subids",
        "_ocid",
    }
)


@dataclass(frozen=True, slots=True)
class UrlTemplate:
    """A URL split around its macros: even items are literal text, odd items macro names."""

    parts: tuple[str, ...]

    @classmethod
    def compile(cls, url: str) -> UrlTemplate:
        return cls(tuple(_MACRO_RE.split(url)))

    def fill(self, values: Mapping[str, str]) -> str:
        if len(self.parts) == 1:
            return self.parts[0]
        out: list[str] = []
        for i, part in enumerate(self.parts):
            if i % 2 == 0:
                out.append(part)
            else:
                # A macro with no value becomes empty: a literal %%name%% is not a valid
                # percent-encoding, and the advertiser's server may refuse the URL.
                out.append(quote(values.get(part, ""), safe=""))
        return "".join(out)


def is_macro_name(name: str) -> bool:
    """Whether a link parameter's name is one a %%macro%% can carry."""
    return _NAME_RE.match(name) is not None


def with_deep_link(url: str, path: str) -> str:
    """Append a deep-link path to the URL's path; scheme, host, query and fragment stay."""
    deep = quote(path.lstrip("/"), safe=_DEEP_SAFE)
    if not deep:
        return url
    parts = urlsplit(url)
    return urlunsplit(
        (
            parts.scheme,
            parts.netloc,
            f"{parts.path.rstrip('/')}/{deep}",
            parts.query,
            parts.fragment,
        )
    )


# Every character a URI may hold as it is; anything else (an IRI's "日本") is percent-encoded
# from UTF-8, as browsers do, so that the answer never fails after the click is committed.
_URI_SAFE = "!#$%&'()*+,-./:;=?@[]_~"


def as_uri(location: str) -> str:
    """The landing URL as a URI: ASCII-only, existing escapes kept."""
    return location if location.isascii() else quote(location, safe=_URI_SAFE)
