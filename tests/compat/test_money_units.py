"""Every money parameter and field states its unit in the OpenAPI document: the base currency
(decimals) or cents, since the vendor's inputs differ (update-revenue takes cents)."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from tests.support import ApiClient

MONEY = re.compile(r"amount|cost|payout|revenue|^conversion$|^continuity$|min_pay|total|gross")
# Flags named after a payout (goal changes: whether managers, referrers, partners are paid).
NOT_MONEY = re.compile(
    r"percent|count|cost_type|remove_payout|_perc$|"
    r"^(aff_manager_payout|aff_referral_payout|offer_partner_payout)$"
)
UNITS = ("base currency", "cents", "synonym of amount")


def _described(schema: dict[str, Any], doc: dict[str, Any]) -> str:
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    parts = [schema.get("description", "")]
    parts += [_described(s, doc) for s in schema.get("anyOf", [])]
    return " ".join(parts)


def _money_parameters(doc: dict[str, Any], public: bool) -> list[tuple[str, str, str]]:
    out = []
    for path, ops in doc["paths"].items():
        if path.startswith("/signup/") != public:
            continue
        for method, op in ops.items():
            found = [
                (p["name"], (p.get("description") or "") + _described(p["schema"], doc))
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            schema = body.get("schema", {})
            if "$ref" in schema:
                schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            found += [(n, _described(p, doc)) for n, p in schema.get("properties", {}).items()]
            out += [
                (f"{method.upper()} {path}", n, d)
                for n, d in found
                if MONEY.search(n) and not NOT_MONEY.search(n)
            ]
    return out


def test_every_money_parameter_states_its_unit(http: TestClient) -> None:
    doc = http.get("/openapi.json").json()
    found = _money_parameters(doc, public=False)
    assert len(found) > 15
    unstated = [f"{op} {name}" for op, name, text in found if not any(u in text for u in UNITS)]
    assert unstated == []


def test_every_postback_money_parameter_states_its_unit(http: TestClient) -> None:
    doc = http.get("/openapi.json").json()
    found = _money_parameters(doc, public=True)
    unstated = [f"{op} {name}" for op, name, text in found if not any(u in text for u in UNITS)]
    assert unstated == []


def test_money_fields_of_the_transaction_report_state_their_unit(http: TestClient) -> None:
    doc = http.get("/openapi.json").json()
    op = doc["paths"]["/api/report/transaction"]["get"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    row = schema["additionalProperties"]
    for name in ("amount", "chargeback_cost", "total_payout"):
        assert "base currency" in row["properties"][name]["description"], name
    assert (
        "base currency"
        in row["properties"]["payouts"]["items"]["properties"]["amount"]["description"]
    )


def test_money_in_responses_is_a_decimal_string(api: ApiClient) -> None:
    """One convention in every response: get_details and the report alike ('49.00')."""
    adv = api.post(
        "/api/advertiser/add_advertiser",
        {"username": "m1", "password": "money-pass-1", "email": "m1@ex.com"},
    ).json()[0]["message"]["loginid"]
    offer = api.post(
        "/api/offer/add_offer", {"name": "M", "advertiserid": adv, "conversion": "49"}
    ).json()[0]["message"]["offerid"]
    shown = api.get("/api/offer/get_details", {"offerid": offer}).json()["message"][offer]
    assert (shown["conversion"], shown["cost_flat"]) == ("49.00", "49.00")
