"""Parameters and answers of the affiliate postback endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from trackpost.core.fields import Flag, Id, SmallId
from trackpost.core.validation import ParamModel

Event = Literal[
    "conversion",
    "continuity",
    "goal",
    "pending_approved",
    "refund",
    "void",
    "chargeback",
    "reversal",
    "account_signup",
    "account_change",
]


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _events(value: object) -> object:
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, dict):
        return list(value.values())
    return value


# No table holds campaigns or goals yet, so these filters cannot be checked against one; they
# are bounded to 32 bits instead of being stored as any 64-bit number.
Narrowing = SmallId


def _delay(value: int) -> int:
    if value not in (0, 12, 24, 48):
        raise ValueError("must be 0, 12, 24 or 48 (hours)")
    return value


Delay = Annotated[
    int,
    AfterValidator(_delay),
    Field(description="account postbacks only: hours to wait before sending (0, 12, 24, 48)"),
]
Method = Annotated[Literal["GET", "POST"], BeforeValidator(_upper)]
Template = Annotated[str, Field(min_length=1, max_length=4096)]
Events = Annotated[
    list[Event],
    BeforeValidator(_events),
    WithJsonSchema({"type": "string", "examples": ["refund,void"]}),
]


class AddPostback(ParamModel):
    loginid: Id | None = Field(
        None, description="the affiliate; none for account_signup and account_change"
    )
    event: Event
    url: Template
    offerid: Id | None = None
    campaignid: Narrowing | None = None
    goal_id: Narrowing | None = None
    method: Method = "GET"
    body: Template | None = None
    type: Literal["postback", "image", "iframe"] = "postback"
    delay_hours: Delay = 0


class GetPostbacks(ParamModel):
    loginid: Id | None = None
    event: Event | None = None
    offerid: Id | None = None


class EditPostback(ParamModel):
    postbackid: Id
    event: Event | None = None
    url: Template | None = None
    offerid: Id | None = None
    campaignid: Narrowing | None = None
    goal_id: Narrowing | None = None
    method: Method | None = None
    body: Template | None = None
    active: Flag | None = None
    delay_hours: Delay | None = None


class PostbackId(ParamModel):
    postbackid: Id


class PostbackEvents(ParamModel):
    loginid: Id | None = None


class SetPostbackEvents(ParamModel):
    loginid: Id | None = Field(None, description="one affiliate; without it, the global switch")
    enable: Events | None = None
    disable: Events | None = None


def _success(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["result", "message"],
        "properties": {"result": {"const": "Success"}, "message": message},
    }


ADD_RESPONSE = _success({"type": "object", "properties": {"postbackid": {"type": "string"}}})
POSTBACK_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "postbackid": {"type": "string"},
        "loginid": {"type": "string"},
        "event": {"type": "string"},
        "goal_id": {"type": ["integer", "null"]},
        "offerid": {"type": ["integer", "null"]},
        "campaignid": {"type": ["integer", "null"]},
        "type": {"enum": ["postback", "image", "iframe"]},
        "method": {"enum": ["GET", "POST"]},
        "url": {"type": "string"},
        "body": {"type": ["string", "null"]},
        "active": {"type": "boolean"},
        "delay_hours": {"type": "integer"},
        "delivery_state": {"enum": ["active", "paused", "gone"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
LIST_RESPONSE = _success({"type": "array", "items": POSTBACK_SCHEMA})
EVENTS_RESPONSE = _success({"type": "object", "additionalProperties": {"type": "boolean"}})
TEST_RESPONSE = _success({"type": "object", "properties": {"url": {"type": "string"}}})
SUCCESS_RESPONSE: dict[str, Any] = {
    "type": "object",
    "properties": {"result": {"const": "Success"}},
}
