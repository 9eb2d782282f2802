"""An offer's commission changes and goals on its console page, over HTTP on both backends."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.postbacks.network import build_network
from tests.support import ApiClient
from tests.ui.support import console_admin, sign_in
from trackpost.core.http import Services


def _changes(api: ApiClient, offerid: int) -> list[dict[str, Any]]:
    answer = api.get("/api/offer/get_commission_changes", {"offerid": offerid})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["message"]["changes"]
    return found


def test_changes_are_added_reordered_and_their_payouts_edited(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    offer = build_network(api, services).offer
    page = f"/admin/offers/{offer}"
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    assert "Commission changes" in http.get(page).text

    for amount in ("7.00", "8.00"):
        added = http.post(
            f"{page}/changes",
            data={"csrf_token": csrf, "type": "standard", "flat_amount_per_conversion": amount},
            follow_redirects=False,
        )
        assert added.status_code == 303
    first, second, default = _changes(api, offer)
    assert (second["Flat Conversion Payout"], first["Flat Conversion Payout"]) == ("7.00", "8.00")
    assert default["Change Id"] == 0
    newest, older = first["Change Id"], second["Change Id"]
    assert f'id="change-0-{newest}"' in http.get(page).text

    down = http.post(
        f"{page}/changes/{newest}/move",
        data={"csrf_token": csrf, "direction": "down", "goalid": "0"},
        follow_redirects=False,
    )
    assert down.status_code == 303
    assert [c["Change Id"] for c in _changes(api, offer)] == [older, newest, 0]
    top = http.post(
        f"{page}/changes/{older}/move",
        data={"csrf_token": csrf, "direction": "up", "goalid": "0"},
        follow_redirects=False,
    )
    assert top.status_code == 303  # already first: nothing moves
    assert [c["Change Id"] for c in _changes(api, offer)] == [older, newest, 0]

    paid = http.post(
        f"{page}/changes/0/payouts",
        data={"csrf_token": csrf, "goalid": "0", "flat_amount_per_conversion": "6.50"},
        follow_redirects=False,
    )
    assert paid.status_code == 303
    assert _changes(api, offer)[-1]["Flat Conversion Payout"] == "6.50"
    edited = http.post(
        f"{page}/changes/{newest}/payouts",
        data={"csrf_token": csrf, "goalid": "0", "percentage_of_customer_conversion": "12.5"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    assert _changes(api, offer)[1]["Percentage Conversion Payout"] == "12.50"

    typo = http.post(
        f"{page}/changes",
        data={"csrf_token": csrf, "type": "standard", "flat_amount_per_conversion": "lots"},
    )
    assert typo.status_code == 400
    assert "flat_amount_per_conversion" in typo.text
    assert 'value="lots"' in typo.text
    missing = http.post(
        f"{page}/changes/424242/payouts",
        data={"csrf_token": csrf, "flat_amount_per_conversion": "1.00"},
    )
    assert missing.status_code == 404


def test_goals_are_defined_and_enabled_on_the_offer(
    http: TestClient, api: ApiClient, services: Services
) -> None:
    offer = build_network(api, services).offer
    page = f"/admin/offers/{offer}"
    console_admin(services.db, "boss")
    csrf = sign_in(http, "boss")
    defined = http.post(
        f"{page}/goals/new",
        data={"csrf_token": csrf, "goal_name": "Free signup"},
        follow_redirects=False,
    )
    assert defined.status_code == 303
    (goal,) = api.get("/api/offer/get_goals").json()["message"]["goals"]
    again = http.post(f"{page}/goals/new", data={"csrf_token": csrf, "goal_name": "free SIGNUP"})
    assert again.status_code == 409
    enabled = http.post(
        f"{page}/goals",
        data={
            "csrf_token": csrf,
            "goal_id": str(goal["goal_id"]),
            "enabled": "1",
            "commission_type": "flat",
            "amount": "2.50",
            "revenue_type": "conversion",
            "revenue_amount": "4.00",
        },
        follow_redirects=False,
    )
    assert enabled.status_code == 303
    assert "Free signup (" in http.get(page).text
    groups = [c.get("offer_goal_id", 0) for c in _changes(api, offer)]
    assert groups == [0, goal["goal_id"]]  # the goal's default joins the list


def test_support_cannot_touch_money_rules(http: TestClient, services: Services) -> None:
    console_admin(services.db, "helper", role="support")
    csrf = sign_in(http, "helper")
    for action in ("changes", "changes/1/payouts", "changes/1/move", "goals", "goals/new"):
        refused = http.post(f"/admin/offers/1/{action}", data={"csrf_token": csrf})
        assert refused.status_code == 403, action
        assert "forbidden_for_role" in refused.text
