"""The change index picks exactly the change a walk over every change in priority order picks."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from trackpost.commissions.change import CONTINUITY, INITIAL, STANDARD, TEMPORARY, Change, Event
from trackpost.commissions.rules import Rules, deciding_change

NOW = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
_SUB = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@st.composite
def _change(draw: st.DrawFn, n: int) -> Change:
    kind = draw(st.sampled_from([STANDARD, TEMPORARY]))
    return Change(
        changeid=n + 1,
        offerid=1,
        goalid=0,
        type=kind,
        priority=n,
        enabled=draw(st.booleans()),
        loginid=draw(st.one_of(st.none(), st.sampled_from([10, 11]))),
        countries=draw(st.one_of(st.none(), st.just(frozenset({"US"})))),
        subaffs=_one_subaff(draw(st.sampled_from([None, 0, 1, 4])), draw(_SUB)),
        start_time=NOW - dt.timedelta(hours=1) if kind == TEMPORARY else None,
        end_time=NOW + dt.timedelta(hours=draw(st.sampled_from([-1, 1]))) if kind else None,
        flat_conversion=draw(st.one_of(st.none(), st.integers(0, 500))),
        flat_continuity=draw(st.one_of(st.none(), st.integers(0, 500))),
    )


def _one_subaff(slot: int | None, value: str | None) -> tuple[str | None, ...]:
    """At most one restricted subaff: more would make a matching change too rare to test."""
    return tuple(value if i == slot else None for i in range(5))


def _walk(changes: tuple[Change, ...], event: Event) -> Change | None:
    for change in changes:
        if change.terms(event.kind) is not None and change.matches(event):
            return change
    return None


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    count=st.integers(0, 30),
    loginid=st.sampled_from([None, 10, 11, 12]),
    subaffs=st.tuples(_SUB, _SUB, _SUB, _SUB, _SUB),
    country=st.sampled_from([None, "US", "DE"]),
    kind=st.sampled_from([INITIAL, CONTINUITY]),
)
def test_the_index_decides_as_the_full_walk(
    data: st.DataObject,
    count: int,
    loginid: int | None,
    subaffs: tuple[str | None, ...],
    country: str | None,
    kind: str,
) -> None:
    changes = tuple(data.draw(_change(n)) for n in range(count))
    rules = Rules(changes={(1, 0): changes})
    event = Event(kind, 1, loginid, 4900, NOW, country=country, subaffs=subaffs)
    assert deciding_change(rules, event) == _walk(changes, event)
    # Asked again (the index is built once and kept): the same answer.
    assert deciding_change(rules, event) == _walk(changes, event)
