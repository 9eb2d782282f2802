"""Parameters of the payment endpoints (money in the base currency, as the vendor's API)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, WithJsonSchema

from trackpost.core.fields import Flag, Id, Money, SmallId, Str64, Str255, When, id_value
from trackpost.core.payperiods import parse_spec
from trackpost.core.validation import ParamModel

MAX_CENTS = 10**13
_SIGNED_RE = re.compile(r"^-?[0-9]{1,11}(?:\.[0-9]{1,2})?\Z")
STATES = ("open", "stored", "paid", "banned")
State = Literal["open", "stored", "paid", "banned"]


def _signed_money(value: object) -> int:
    text = str(value).strip()
    if not _SIGNED_RE.match(text):
        raise ValueError("must be an amount such as 12.50 or -3.00 (at most 2 decimals)")
    return int(Decimal(text) * 100)


def _ids(value: object) -> tuple[int, ...]:
    """'12' or '12,13': one text, never a list (a JSON array of ids is not the vendor's form)."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError("must be one id or a comma-separated list such as 12,13")
    ids = [id_value(p if isinstance(p, int) else p.strip()) for p in str(value).split(",")]
    if not ids or len(ids) > 1000 or any(i is None for i in ids):
        raise ValueError("must be one id or a comma-separated list (at most 1000) such as 12,13")
    return tuple(dict.fromkeys(i for i in ids if i is not None))


def _spec(value: object) -> str:
    return parse_spec(str(value)).text


def _reason(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        raise ValueError("must say why, in a few words")
    return value.strip() if isinstance(value, str) else value


def _minimums(value: object) -> tuple[int, ...]:
    """'25.00,50,100' as cents, ascending; blank is none."""
    parts = [p.strip() for p in str(value).split(",") if p.strip()]
    if len(parts) > 20:
        raise ValueError("must list at most 20 amounts")
    out = []
    for part in parts:
        if not re.match(r"^[0-9]{1,11}(?:\.[0-9]{1,2})?\Z", part):
            raise ValueError("must be amounts such as 25.00,50.00,100.00")
        out.append(int(Decimal(part) * 100))
    return tuple(sorted(set(out)))


def _vars(value: object) -> dict[str, str]:
    """A JSON object (or form array) of names to text: the payvia's own dump variables."""
    data = value
    if isinstance(value, str):
        try:
            data = json.loads(value) if value.strip() else {}
        except ValueError:
            raise ValueError('must be a JSON object such as {"debtor_name": "Acme Ltd"}') from None
    if not isinstance(data, dict) or len(data) > 50:
        raise ValueError("must be an object of at most 50 names")
    out: dict[str, str] = {}
    for key, val in data.items():
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,63}\Z", str(key)):
            raise ValueError(f"has a name {str(key)[:32]!r} that is not letters, digits and _")
        if not isinstance(val, str | int) or len(str(val)) > 255:
            raise ValueError(f"has a value for {key!r} that is not text of at most 255 characters")
        out[str(key)] = str(val)
    return out


SignedMoney = Annotated[
    int,
    BeforeValidator(_signed_money),
    Field(ge=-MAX_CENTS, le=MAX_CENTS),
    WithJsonSchema(
        {"type": "string", "pattern": r"^-?\d{1,11}(\.\d{1,2})?$", "examples": ["-5.00"]}
    ),
]
Spec = Annotated[
    str,
    BeforeValidator(_spec),
    WithJsonSchema({"type": "string", "format": "tp-payout-period", "examples": ["1,16", "w1"]}),
]
Reason = Annotated[str, BeforeValidator(_reason), Field(max_length=255)]
Minimums = Annotated[
    tuple[int, ...],
    BeforeValidator(_minimums),
    WithJsonSchema({"type": "string", "examples": ["25.00,50.00,100.00"]}),
]
DumpVars = Annotated[
    dict[str, str],
    BeforeValidator(_vars),
    WithJsonSchema({"type": "string", "examples": ['{"debtor_name": "Acme Ltd"}']}),
]
IdList = Annotated[
    tuple[int, ...],
    BeforeValidator(_ids),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(,\d+)*$", "examples": ["12,13"]}),
]
Delay = Annotated[int, Field(ge=0, le=10, description="periods to delay payment by, 0-10")]
_DEFAULT = AliasChoices("default", "is_default")


class AddPeriod(ParamModel):
    spec: Spec = Field(description="3 (monthly from the 3rd), 1,16, w1 (Monday-Sunday) or d5")
    description: Str255 = ""
    delay: Delay = 0
    enabled: Flag = True
    is_default: Flag = Field(default=False, validation_alias=_DEFAULT)
    auto_store: Flag = Field(default=True, description="store payments at the period's end")


class EditPeriod(ParamModel):
    periodid: Id
    spec: Spec | None = None
    description: Str255 | None = None
    delay: Delay | None = None
    enabled: Flag | None = None
    is_default: Flag | None = Field(default=None, validation_alias=_DEFAULT)
    auto_store: Flag | None = None


class SetPeriodAffiliates(ParamModel):
    periodid: Id
    loginids: IdList | None = Field(default=None, description="none clears the list")


class SetAffiliatePayment(ParamModel):
    loginid: Id
    periodid: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = Field(
        default=None, description="0: the default period"
    )
    instant: Flag | None = Field(default=None, description="stored whatever the minimum")


class SetPayviaSettings(ParamModel):
    payvia_type_id: SmallId
    minimums: Minimums | None = Field(default=None, description="the minimums offered")
    cost_type: Literal["flat", "percent"] | None = None
    cost_amount: SignedMoney | None = Field(
        default=None,
        description="flat: an amount in the base currency (1.50); percent: a percentage; "
        "negative: a bonus",
    )
    dump_format: Str64 | None = None
    dump_vars: DumpVars | None = None
    enabled: Flag | None = None


Part = Annotated[str, Field(max_length=65_536)]


class SaveDumpFormat(ParamModel):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$", description="a-z, 0-9, _, -")]
    title: Str255
    media_type: Literal[
        "text/plain", "text/csv", "text/tab-separated-values", "application/xml"
    ] = "text/plain"
    header: Part = ""
    entry_header: Part = ""
    entry: Part = Field(description="{$pay_to}, {$total}, {$affiliate.Payvia.<Field>}, {if}...")
    entry_footer: Part = ""
    footer: Part = ""


class NoParams(ParamModel):
    pass


class SearchPayments(ParamModel):
    loginid: Id | None = None
    state: State | None = None
    payvia_type_id: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    period_start: When = None
    period_end: When = None
    start: Annotated[int, Field(ge=0, le=10**9)] = 0
    count: Annotated[int, Field(ge=1, le=1000)] = 100


class StorePayments(ParamModel):
    paymentid: IdList | None = None
    payvia_type_id: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = Field(
        default=None, description="store every open payment of this payvia at its minimum"
    )


class MarkPaid(ParamModel):
    paymentid: IdList
    reference: Reason
    paid_date: When = None


class AddAdjustment(ParamModel):
    paymentid: Id
    amount: SignedMoney = Field(
        description="In the base currency (12.50; negative, -3.00, takes money off the payment)"
    )
    reason: Reason


class AddInvoice(ParamModel):
    loginid: Id
    amount: Money
    reason: Reason


class PaymentId(ParamModel):
    paymentid: Id


class DumpParams(ParamModel):
    paymentid: IdList | None = None
    payvia_type_id: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    state: Literal["stored", "paid"] = "stored"


class StatementParams(ParamModel):
    paymentid: Id
    format: Literal["html", "csv", "pdf"] = "html"


class BuildParams(ParamModel):
    as_of: When = Field(description="build every period that ended by then (now: 'now')")


ANY_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"type": "string"}, "message": {}},
}


def success(message: Any) -> dict[str, Any]:
    return {"result": "success", "message": message}
