"""The %%variable%% templates: every modifier, the vendor's name-on-empty rule, encoding, errors."""

from __future__ import annotations

import base64
import hashlib

import pytest

from trackpost.delivery.errors import InvalidTemplate
from trackpost.delivery.templates import parse, parse_url

VALUES = {
    "aff_username": "Ada Lovelace",
    "orderid": "A&B=1",
    "device_type_name": "Desktop",
    "cust_email": "",
    "custom_var": "xyz",
}


def render(source: str, context: str = "url") -> str:
    return parse(source).render(VALUES, context)  # type: ignore[arg-type]


def test_values_are_percent_encoded_in_a_url() -> None:
    assert render("u=%%aff_username%%&o=%%orderid%%") == "u=Ada%20Lovelace&o=A%26B%3D1"


def test_raw_and_urlencode_are_not_encoded_twice() -> None:
    assert render("%%orderid|raw%%") == "A&B=1"
    assert render("%%orderid|transform:urlencode%%") == "A%26B%3D1"


def test_an_empty_variable_without_default_becomes_its_name() -> None:
    assert render("e=%%cust_email%%") == "e=cust_email"
    assert render("e=%%subaff3%%") == "e=subaff3"  # absent counts as empty


def test_default() -> None:
    assert render("e=%%cust_email|default:none%%") == "e=none"
    assert render("e=%%cust_email|default:%%") == "e="  # an empty default turns the trap off
    assert render("u=%%aff_username|default:x%%") == "u=Ada%20Lovelace"


def test_if() -> None:
    assert render("d=%%if|device_type_name=Desktop:1%%") == "d=1"
    assert render("d=%%if|device_type_name=Mobile:1%%") == "d="
    assert render("d=%%if|device_type_name=Mobile:1|default:0%%") == "d=0"


def test_transforms_chain_left_to_right() -> None:
    md5 = hashlib.md5(b"Ada Lovelace", usedforsecurity=False).hexdigest()
    assert render("%%aff_username|transform:md5%%") == md5
    b64 = base64.b64encode(b"Ada Lovelace").decode()
    assert render("%%aff_username|transform:base64|raw%%") == b64
    assert (
        render("%%aff_username|transform:lower|transform:md5%%")
        == hashlib.md5(b"ada lovelace", usedforsecurity=False).hexdigest()
    )
    assert render("%%aff_username|upper%%") == "ADA%20LOVELACE"  # a bare transform name
    assert render("%%aff_username|md5|base64|raw%%") == base64.b64encode(md5.encode()).decode()
    # The name-on-empty rule comes first, the transforms then run on the name.
    assert render("%%cust_email|transform:upper%%") == "CUST_EMAIL"
    # A default after a transform applies to the transformed value when it is empty.
    assert render("%%cust_email|default:|transform:upper|default:none%%") == "none"


def test_custom_pass_through_variables() -> None:
    assert render("cv=%%custom_var%%") == "cv=xyz"
    assert render("cv=%%other_custom%%") == "cv=other_custom"


def test_json_and_form_contexts() -> None:
    assert render('{"u": "%%aff_username%%", "o": "%%orderid%%"}', "json") == (
        '{"u": "Ada Lovelace", "o": "A&B=1"}'
    )
    assert parse('{"o": "%%x%%"}').render({"x": 'a"b\\c'}, "json") == '{"o": "a\\"b\\\\c"}'
    assert render("u=%%aff_username%%", "form") == "u=Ada%20Lovelace"


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("x=%%aff_idd%%", "unknown variable %%aff_idd%% (did you mean aff_id?) at position 5"),
        ("x=%%cust_emial%%", "unknown variable %%cust_emial%%"),
        ("x=%%subaff6%%", "unknown variable %%subaff6%%"),
        ("x=%%aff_id|transform:sha1%%", "unknown modifier 'transform:sha1' at position 12"),
        ("x=%%aff_id|bogus%%", "unknown modifier 'bogus'"),
        ("x=%%aff_id", "'%%' is never closed at position 3"),
        ("x=%%%%", "names no variable at position 3"),
        ("x=%%if|aff_id%%", "`if` needs name=match:output"),
        ("x=%%bad name%%", "is not a variable name"),
    ],
)
def test_bad_templates_name_the_problem_and_position(source: str, fragment: str) -> None:
    with pytest.raises(InvalidTemplate) as err:
        parse(source)
    assert fragment in err.value.message
    assert err.value.message.startswith("Parameter 'url': ")


@pytest.mark.parametrize(
    "source",
    ["ftp://x/", "%%aff_id%%/x", "https://%%aff_id%%.example.com/", "https://a b/", "/relative"],
)
def test_urls_need_a_literal_scheme_and_host(source: str) -> None:
    with pytest.raises(InvalidTemplate):
        parse_url(source)


def test_variables_are_listed() -> None:
    t = parse_url("https://t.example/?a=%%aff_id%%&d=%%if|device_type_name=x:1%%&c=%%cust_zip%%")
    assert t.variables == {"aff_id", "device_type_name", "cust_zip"}
