"""Parameters every login account shares (username, password, contact fields); success answers."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from trackpost.accounts.rules import password_problem, username_problem, website_problem
from trackpost.core.fields import Str32, Str64, Str255
from trackpost.core.validation import ParamModel


def _rule(problem: Callable[[str], str | None]) -> AfterValidator:
    """A validator from one of accounts' rules: the rule's sentence becomes the 400's."""

    def check(value: str) -> str:
        why = problem(value)
        if why:
            raise ValueError(why)
        return value

    return AfterValidator(check)


def _ip(value: str) -> str:
    text = value.strip()
    if text == "":
        return text
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError("must be an IPv4 or IPv6 address") from None


Username = Annotated[
    str, Field(max_length=64, json_schema_extra={"format": "tp-username"}), _rule(username_problem)
]
Password = Annotated[
    str,
    Field(max_length=1024, json_schema_extra={"format": "tp-password"}),
    _rule(password_problem),
]
IpAddress = Annotated[
    str, Field(max_length=64, json_schema_extra={"format": "tp-ip"}), AfterValidator(_ip)
]
Website = Annotated[
    str, Field(max_length=2048, json_schema_extra={"format": "tp-url"}), _rule(website_problem)
]


class ContactFields(ParamModel):
    """Optional contact fields every login account carries (the vendor's login table)."""

    firstname: Str255 | None = None
    lastname: Str255 | None = None
    company: Str255 | None = None
    url: Website | None = None
    tel: Str64 | None = None
    icq: Str64 | None = None
    aim: Str64 | None = None
    msn: Str255 | None = None
    skype: Str255 | None = None
    address1: Str255 | None = None
    address2: Str255 | None = None
    city: Str255 | None = None
    state: Str255 | None = None
    country: Str255 | None = None
    zip_code: Str32 | None = None
    custom1: Str255 | None = None
    custom2: Str255 | None = None
    custom3: Str255 | None = None
    custom4: Str255 | None = None
    custom5: Str255 | None = None
    join_ip: IpAddress | None = None
    ref: (
        Annotated[
            str, Field(max_length=400, description="referring affiliate: loginid or tracking code")
        ]
        | None
    ) = None


def success_message(message: dict[str, Any]) -> dict[str, Any]:
    """The vendor's answer {"result": "Success", "message": ...}, its message as described."""
    return {
        "type": "object",
        "required": ["result", "message"],
        "properties": {"result": {"const": "Success"}, "message": message},
    }


def success_with(key: str) -> dict[str, Any]:
    """The vendor's creation answer: [{"result": "Success", "message": {key: "12"}}]."""
    keyed = {"type": "object", "required": [key], "properties": {key: {"type": "string"}}}
    return {"type": "array", "items": success_message(keyed)}


SUCCESS_LOGINID = success_with("loginid")
SUCCESS_ONLY: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["result"],
        "properties": {"result": {"const": "Success"}},
    },
}
