"""Creating and changing affiliates: add_affiliate (both spellings), edit_affiliate, payvia."""

from __future__ import annotations

import pytest

from tests.support import ApiClient, assert_error
from tests.tracking.support import add_affiliate, login_row, ok
from trackpost.core.http import Services
from trackpost.core.security import verify_password

EDIT = "/api/affiliate/edit_affiliate"
BASE = {"username": "pub1", "password": "pub-secret-1", "email": "pub1@example.com", "payvia": "1"}


def _search(api: ApiClient, **params: str) -> dict[str, dict[str, object]]:
    body = ok(api.get("/api/affiliate/search", params))
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("path", ["/api/affiliate/add_affiliate", "/api/affiliate/addaffiliate"])
def test_add_answers_at_both_vendor_spellings(api: ApiClient, path: str) -> None:
    body = ok(api.post(path, BASE))
    loginid = body[0]["message"]["loginid"]
    assert body == [{"result": "Success", "message": {"loginid": loginid}}]
    found = _search(api, loginid=loginid)[loginid]
    assert (found["username"], found["status"], found["payvia_type_id"]) == ("pub1", "0", "1")


def test_default_payout_methods_exist_from_id_1(api: ApiClient) -> None:
    for payvia in ("1", "4", "8"):
        add_affiliate(api, payvia=payvia)
    assert_error(
        api.post("/api/affiliate/add_affiliate", {**BASE, "payvia": "99"}),
        404,
        "payvia_not_found",
        "99",
    )


def test_password_hashed_never_returned(api: ApiClient, services: Services) -> None:
    loginid = add_affiliate(api, password="pub-secret-9")
    row = login_row(services, loginid)
    assert row["password_hash"].startswith("$argon2id$")
    assert verify_password("pub-secret-9", row["password_hash"])
    text = api.get("/api/affiliate/search", {"loginid": loginid}).text
    assert "pub-secret-9" not in text
    assert "argon2" not in text
    assert "password" not in text


def test_fields_status_money_and_payvia_info(api: ApiClient) -> None:
    loginid = add_affiliate(
        api,
        status="4",
        minimum_payout="50.5",
        custom1="a",
        custom5="e" * 255,
        country="FR",
        **{"payvia_info[0][field]": "Pay To", "payvia_info[0][value]": "Ada"},
    )
    found = _search(api, loginid=loginid, return_payvia_info="1")[loginid]
    assert found["status"] == "4"
    assert found["minimum_payout"] == "50.50"
    assert (found["custom1"], found["custom5"], found["country"]) == ("a", "e" * 255, "FR")
    assert found["payvia_details"] == [{"field": "Pay To", "value": "Ada"}]


def test_required_and_invalid_values_are_400(api: ApiClient) -> None:
    add = "/api/affiliate/add_affiliate"
    for name in ("username", "password", "email", "payvia"):
        data = {k: v for k, v in BASE.items() if k != name}
        assert_error(api.post(add, data), 400, "missing_parameter", f"'{name}'")
    for name, value in [
        ("status", "6"),
        ("status", "-1"),
        ("custom1", "x" * 256),
        ("minimum_payout", "1e3"),
        ("minimum_payout", "ten"),
        ("minimum_payout", "-5"),
        ("email", "no-at-sign"),
        ("payvia", "0"),
        # Payout methods live in a 32-bit column: PostgreSQL refused a larger id with a 500.
        ("payvia", str(2**31)),
    ]:
        assert_error(api.post(add, {**BASE, name: value}), 400, "invalid_parameter", name)
    assert _search(api) == {}


def test_edit_changes_only_what_is_sent(api: ApiClient, services: Services) -> None:
    loginid = add_affiliate(api, firstname="Ada", city="Paris")
    resp = api.patch(EDIT, {"loginid": loginid, "city": "Lyon", "status": "2"})
    assert resp.json() == [{"result": "Success"}]
    found = _search(api, loginid=loginid)[loginid]
    assert (found["firstname"], found["city"], found["status"]) == ("Ada", "Lyon", "2")
    ok(api.patch(EDIT, {"loginid": loginid, "password": "a new secret", "email": "n@x.example"}))
    row = login_row(services, loginid)
    assert verify_password("a new secret", row["password_hash"])
    assert row["email"] == "n@x.example"


def test_edit_unknown_or_non_affiliate_is_404(api: ApiClient) -> None:
    assert_error(api.patch(EDIT, {"loginid": "4242"}), 404, "affiliate_not_found", "4242")
    adv = ok(
        api.post(
            "/api/advertiser/add_advertiser",
            {"username": "adv", "password": "adv-secret", "email": "a@x.example"},
        )
    )[0]["message"]["loginid"]
    assert_error(api.patch(EDIT, {"loginid": adv}), 404, "affiliate_not_found")


def test_managers_are_added_never_replaced(api: ApiClient) -> None:
    aff = add_affiliate(api)
    manager_a = add_affiliate(api)
    manager_b = add_affiliate(api)
    ok(api.patch(EDIT, {"loginid": aff, "affiliate_manager_loginid": manager_a}))
    ok(api.patch(EDIT, {"loginid": aff, "affiliate_manager_loginid": manager_b}))
    ok(api.patch(EDIT, {"loginid": aff, "affiliate_manager_loginid": manager_a}))
    assert _search(api, loginid=aff)[aff]["affiliate_managers"] == [manager_a, manager_b]
    assert_error(
        api.patch(EDIT, {"loginid": aff, "affiliate_manager_loginid": aff}),
        400,
        "invalid_parameter",
        "affiliate_manager_loginid",
    )
    assert_error(
        api.patch(EDIT, {"loginid": aff, "affiliate_manager_loginid": "777"}),
        404,
        "manager_not_found",
    )


def test_payvia_endpoint_reports_each_change(api: ApiClient) -> None:
    aff = add_affiliate(api, **{"payvia_info[0][field]": "Pay To", "payvia_info[0][value]": "A"})
    resp = api.patch(
        "/api/affiliate/payvia",
        {
            "loginid": aff,
            "payvia_type_id": "1",
            "payvia_info[0][field]": "Address",
            "payvia_info[0][value]": "1 Main St",
        },
    )
    assert ok(resp) == [
        {"field": "payvia_type_id", "result": f"Updated Payvia Type to 1 for loginid {aff}"},
        {"field": "Address", "result": "Updated Payvia Info: 'Address' is now '1 Main St'"},
    ]
    # Same method: details merge.
    details = _search(api, loginid=aff, return_payvia_info="1")[aff]["payvia_details"]
    assert details == [
        {"field": "Address", "value": "1 Main St"},
        {"field": "Pay To", "value": "A"},
    ]
    # A new method starts from empty details.
    ok(
        api.patch(
            "/api/affiliate/payvia",
            {"loginid": aff, "payvia_type_id": "4", "payvia_info[Email]": "pp@x.example"},
        )
    )
    found = _search(api, loginid=aff, return_payvia_info="1")[aff]
    assert found["payvia_type_id"] == "4"
    assert found["payvia_details"] == [{"field": "Email", "value": "pp@x.example"}]
    assert_error(
        api.patch("/api/affiliate/payvia", {"loginid": aff, "payvia_type_id": "1"}),
        400,
        "missing_parameter",
        "payvia_info",
    )
