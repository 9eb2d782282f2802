"""The index a conversion's precedence walk reads: an offer's changes by what they restrict."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trackpost.commissions.change import Change, Event


class ChangeIndex:
    """An offer's changes bucketed by one exact-match restriction each.

    A change restricted to one affiliate can only match that affiliate's events, and one
    restricted to a subaff value only events carrying it: bucketing each change under its
    affiliate (else its first subaff) leaves an event a few candidates to test in priority order,
    not every change of the offer (an offer with a hundred affiliate- or subaff-specific changes).
    """

    __slots__ = ("by_login", "by_subaff", "general", "position")

    def __init__(self, changes: tuple[Change, ...]) -> None:
        self.position = {id(c): i for i, c in enumerate(changes)}
        self.general: tuple[Change, ...] = ()
        self.by_login: dict[int, list[Change]] = {}
        self.by_subaff: list[dict[str, list[Change]]] = [{} for _ in range(5)]
        general: list[Change] = []
        for change in changes:
            if change.loginid is not None:
                self.by_login.setdefault(change.loginid, []).append(change)
                continue
            slot = next((i for i, v in enumerate(change.subaffs) if v is not None), None)
            if slot is None:
                general.append(change)
            else:
                wanted = change.subaffs[slot]
                assert wanted is not None
                self.by_subaff[slot].setdefault(wanted, []).append(change)
        self.general = tuple(general)

    def candidates(self, event: Event) -> tuple[Change, ...] | list[Change]:
        found: list[Change] = []
        if event.loginid is not None and self.by_login:
            found.extend(self.by_login.get(event.loginid, ()))
        for bucket, value in zip(self.by_subaff, event.subaffs, strict=True):
            if bucket and value is not None:
                found.extend(bucket.get(value, ()))
        if not found:
            return self.general
        found.extend(self.general)
        found.sort(key=lambda c: self.position[id(c)])
        return found
