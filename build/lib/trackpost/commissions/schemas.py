"""Parameters of the commission, goal and payee endpoints (money in the base currency)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, WithJsonSchema

from trackpost.core.fields import Flag, Id, Money, Percent, Str64, Str255, When
from trackpost.core.validation import ParamModel

MAX_SALES = 10**9


def _countries(value: object) -> tuple[str, ...]:
    """ISO-2 codes as a list (countries[]=US, or PHP's indexed countries[0]=US) or a comma list
    ('US,CA'), upper case."""
    if isinstance(value, dict):
        value = list(value.values())
    parts = value if isinstance(value, list) else str(value).split(",")
    codes = []
    for part in parts:
        code = str(part).strip().upper()
        if not code:
            continue
        if len(code) != 2 or not code.isascii() or not code.isalpha():
            raise ValueError("must be ISO 3166 two-letter country codes such as US or CA")
        codes.append(code)
    if len(codes) > 300:
        raise ValueError("must list at most 300 countries")
    return tuple(sorted(set(codes)))


Countries = Annotated[
    tuple[str, ...],
    BeforeValidator(_countries),
    WithJsonSchema({"type": "string", "examples": ["US,CA"]}),
]
GoalId = Annotated[int, Field(ge=0, le=2**63 - 1, description="0 = the main offer")]
Priority = Annotated[int, Field(ge=-(10**9), le=10**9)]
Sales = Annotated[int, Field(ge=0, le=MAX_SALES)]


class PayoutFields(ParamModel):
    """A change's payouts; each one sent is set, the others stay as they are."""

    flat_amount_per_click: Money | None = Field(default=None, description="per raw click")
    flat_amount_per_visitor: Money | None = Field(default=None, description="per unique visitor")
    flat_amount_per_conversion: Money | None = None
    flat_amount_per_continuity: Money | None = None
    percentage_of_customer_conversion: Percent | None = None
    percentage_of_customer_continuity: Percent | None = None
    cpm: Money | None = Field(
        default=None, description="Per 1,000 impressions (trackpost extension)"
    )
    aff_manager_payout: Flag | None = Field(default=None, description="goal changes only")
    aff_referral_payout: Flag | None = Field(default=None, description="goal changes only")
    offer_partner_payout: Flag | None = Field(default=None, description="goal changes only")


class AddChange(PayoutFields):
    offerid: Id
    type: Literal["standard", "disable", "temporary", "tiered", "recurring"] = Field(
        description="tiered and recurring are trackpost extensions"
    )
    loginid: Id | None = Field(default=None, description="restrict to one affiliate")
    username: Str64 | None = Field(default=None, description="restrict to one affiliate")
    countries: Countries | None = Field(default=None, description="ISO-2 codes")
    subaff1: Str255 | None = Field(default=None, validation_alias=AliasChoices("subaff1", "subaff"))
    subaff2: Str255 | None = None
    subaff3: Str255 | None = None
    subaff4: Str255 | None = None
    subaff5: Str255 | None = None
    goalid: GoalId = 0
    start_time: When = None
    end_time: When = None
    after_sales: Sales | None = Field(
        default=None, description="tiered: applies from the affiliate's sale after this number"
    )
    recur: Literal["weekly", "monthly"] | None = Field(
        default=None, description="recurring: the start..end window repeats every week or month"
    )
    priority: Priority | None = Field(
        default=None, description="Default: above every change of the offer (trackpost extension)"
    )
    enabled: Flag = True


class SetPayouts(PayoutFields):
    offerid: Id
    changeid: Annotated[int, Field(ge=0, le=2**63 - 1, description="0 = the default")]
    goalid: GoalId = 0


class SetPriority(ParamModel):
    offerid: Id
    changeid: Id
    priority: Priority


class ChangeHistory(ParamModel):
    offerid: Id | None = Field(default=None, description="One offer's rules (else every rule)")
    changeid: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = Field(
        default=None, description="One change (0: the offer's or a goal's default)"
    )
    start: Annotated[int, Field(ge=0, le=10**9)] = Field(default=0, description="Rows to skip")
    count: Annotated[int, Field(ge=1, le=1000)] = Field(default=100, description="Rows to answer")


class GetChanges(ParamModel):
    offerid: Id
    goalid: GoalId | None = None


class AddGoal(ParamModel):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    allow_repeat: Flag = Field(
        default=False, description="1: a customer may reach this goal more than once"
    )


class NoParams(ParamModel):
    pass


class GoalVars(ParamModel):
    """One goal of set_offer_goals' goal_vars[i][...]."""

    goal_id: Id | None = None
    offer_goal_id: Id | None = None
    enabled: Flag | None = None
    commission_type: Literal["flat", "percentage"] | None = None
    amount: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="flat: 2.50; percentage: 25"
    )
    revenue_type: Literal["dynamic_conversion", "conversion", "sale"] | None = None
    revenue_amount: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="conversion: 2.50; sale: 25 (%); ignored when dynamic"
    )
    aff_manager_payout: Flag | None = None
    aff_referral_payout: Flag | None = None
    offer_partner_payout: Flag | None = None


def _goal_vars(value: object) -> object:
    """goal_vars[0][goal_id]=1 arrives as {'0': {...}}: the groups in index order."""
    if isinstance(value, dict):
        try:
            return [value[k] for k in sorted(value, key=int)]
        except ValueError:
            raise ValueError("must be indexed goal_vars[0][...], goal_vars[1][...]") from None
    return value


class SetOfferGoals(ParamModel):
    offerid: Id
    goal_vars: Annotated[
        list[GoalVars], BeforeValidator(_goal_vars), Field(min_length=1, max_length=100)
    ]


class SetReferralPayouts(ParamModel):
    offerid: Annotated[int, Field(ge=0, le=2**63 - 1, description="0 = every offer's default")]
    tier1: Percent | None = None
    tier2: Percent | None = None
    tier3: Percent | None = None
    tier4: Percent | None = None
    tier5: Percent | None = None
    tier6: Percent | None = None
    tier7: Percent | None = None
    tier8: Percent | None = None
    base: Literal["payout", "revenue"] = Field(
        default="payout", description="What each tier's percentage is of"
    )


class SetPartner(ParamModel):
    offerid: Id
    loginid: Id
    percentage_of_revenue: Percent | None = None
    flat_amount_per_transaction: Money | None = None


class SetManagerCommission(ParamModel):
    loginid: Id = Field(description="The manager (an admin or affiliate)")
    percentage_of_revenue: Percent | None = None
    flat_amount_per_sale: Money | None = None
    start_after_sales: Sales = Field(
        default=0, description="Nothing is paid until its affiliates have more sales than this"
    )


class SetMoneyRules(ParamModel):
    offerid: Id
    chargeback_fee_cap: Annotated[str, Field(max_length=32)] | None = Field(
        default=None, description="none, payout (the default) or an amount such as 25.00"
    )
    max_transaction_amount: Annotated[str, Field(max_length=32)] | None = Field(
        default=None,
        description="Sales above it (base currency) are held pending for review; 0 removes it",
    )


class PreviewParams(ParamModel):
    transaction_hash: Annotated[str, Field(min_length=1, max_length=64)]
    amount: Annotated[str, Field(max_length=32)] | None = Field(
        default=None,
        description="The sale's amount in the base currency (9.95); percentages use 100 when "
        "not sent",
    )
    transaction_type: Literal["initial", "continuity", "goal"] = "initial"
    goal_id: Id | None = Field(default=None, validation_alias=AliasChoices("goal_id", "goalid"))
    country: Annotated[str, Field(max_length=2)] | None = Field(
        default=None, description="For country-restricted changes (trackpost extension)"
    )


def success(message: Any) -> dict[str, Any]:
    """The lineage's {"result": "Success", "message": ...} answer."""
    return {"result": "Success", "message": message}


ANY_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["result", "message"],
    "properties": {"result": {"type": "string"}, "message": {}},
}
