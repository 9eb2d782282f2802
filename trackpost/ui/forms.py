"""Reading console forms into the API's parameter models (blank means not given)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel

from trackpost.core.validation import validate

M = TypeVar("M", bound=BaseModel)


def filled(form: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The named fields that were filled in, trimmed."""
    return {n: v.strip() for n in names if (v := form.get(n, "")).strip()}


def flags(form: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """Checkboxes as the API's 1/0 flags (an unticked box is not sent by the browser)."""
    return {n: "1" if form.get(n) else "0" for n in names}


def model(kind: type[M], values: Mapping[str, str]) -> M:
    """The API's parameter model for these values: the same checks and the same 400s."""
    return validate(kind, dict(values))


def page_number(query: Mapping[str, str]) -> int:
    """A list's ?page= (0 when absent or not a number)."""
    raw = (query.get("page") or "0").strip()
    return min(int(raw), 10**6) if raw.isdigit() else 0


def page_link(root: str, filters: Iterable[str], query: Mapping[str, str], page: int) -> str:
    """The list's URL at a page, keeping its filled-in filters."""
    kept = {k: query[k] for k in filters if query.get(k)}
    if page:
        kept["page"] = str(page)
    return f"{root}?{urlencode(kept)}" if kept else root
