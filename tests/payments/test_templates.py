"""The dump template subset: the vendor's syntax renders, and nothing else gets through."""

from __future__ import annotations

import pytest

from trackpost.core.errors import InvalidParameter
from trackpost.payments.templates import render

CONTEXT = {
    "pay_to": "Zoë, O'Brien",
    "total": "49.00",
    "n": 7,
    "entry": {"start_nice": "Jan 1, 2026"},
    "affiliate": {"Payvia": {"Pay_To": "Z Ltd", "Account_Type": "Savings"}},
    "empty": "",
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{$pay_to},{$total}", "Zoë, O'Brien,49.00"),
        ("{$entry.start_nice}", "Jan 1, 2026"),
        ("{$affiliate.Payvia.Pay_To}", "Z Ltd"),
        ("{$missing}|{$affiliate.Payvia.Nope}", "|"),
        ("{$pay_to|csv}", '"Zoë, O\'Brien"'),
        ("{$pay_to|ascii|upper|pad:8}|", "ZOE, O'B|"),
        ("{$n|zpad:4}{$n|lpad:3}", "0007  7"),
        ('{$empty|default:"USD"} {$missing|default:$total}', "USD 49.00"),
        ("{$pay_to|xml}", "Zoë, O'Brien"),
        ("{$pay_to|sepa}", "Zoe, O'Brien"),
        ("{if $total}yes{else}no{/if}", "yes"),
        ("{if $empty}yes{elseif $n > 5}big{else}no{/if}", "big"),
        ('{if $affiliate.Payvia.Account_Type|lower == "savings"}32{else}22{/if}', "32"),
        ("{if !$empty && ($n eq 7 || $n lt 2)}ok{/if}", "ok"),
        (
            "{ldelim}$x{rdelim} { a } {{7*7}} {% raw %} {# c #}",
            "{$x} { a } {{7*7}} {% raw %} {# c #}",
        ),
    ],
)
def test_the_vendors_syntax_renders(source: str, expected: str) -> None:
    assert render(source, CONTEXT) == expected


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("{$pay_to.__class__}", "cannot read"),
        ("{$_private}", "cannot read"),
        ("{$pay_to|attr:'x'}", "not a modifier"),
        ("{$pay_to|format}", "not a modifier"),
        ("{$pay_to()}", "not allowed"),
        ("{$pay_to[0]}", "cannot read"),
        ("{if $n == lipsum}x{/if}", "not allowed"),
        ("{if $n}x", "not closed"),
        ("x{/if}", "without its {if}"),
        ("{else}", "outside an {if}"),
        ("a\x02{ 1 }\x03", "control characters"),
        ("{$pay_to|}", "not a modifier"),
    ],
)
def test_anything_outside_the_subset_is_refused(source: str, fragment: str) -> None:
    with pytest.raises(InvalidParameter, match=fragment):
        render(source, CONTEXT)
