"""The multi-key lookup rule shared by customers and transactions.

A request names one row by any of several keys; at least one must be sent, and every key sent
must name the same row, or the answer is 400 lookup_conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from trackpost.core.errors import LookupConflict, MissingLookupKey

R = TypeVar("R", bound=Mapping[str, Any])


def sent(value: object) -> bool:
    """A key counts as sent unless it is absent or blank."""
    return value is not None and value != ""


def require_one(keys: Mapping[str, object], sentence: str) -> None:
    """400 missing_lookup_key when none of the keys was sent."""
    if not any(sent(v) for v in keys.values()):
        raise MissingLookupKey(sentence)


def same_row(found: list[tuple[str, str, R]], id_column: str, noun: str) -> R:
    """The one row every key found, or 400 lookup_conflict naming two keys that disagree."""
    first_key, first_value, first = found[0]
    for key, value, row in found[1:]:
        if row[id_column] != first[id_column]:
            raise LookupConflict(
                f"The lookup keys name different {noun}s: {first_key} {first_value[:128]!r} is "
                f"{noun} {first[id_column]} but {key} {value[:128]!r} is {noun} {row[id_column]}."
            )
    return first
