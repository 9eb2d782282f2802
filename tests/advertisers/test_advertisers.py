"""POST /api/advertiser/add_advertiser and PATCH /api/advertiser/edit_advertiser."""

from __future__ import annotations

from tests.support import ApiClient, assert_error
from tests.tracking.support import add_advertiser, add_affiliate, code_of, login_row, network, ok
from trackpost.core.http import Services
from trackpost.core.security import verify_password

ADD = "/api/advertiser/add_advertiser"
EDIT = "/api/advertiser/edit_advertiser"
BASE = {"username": "acme", "password": "correct horse", "email": "ops@acme.example"}


def test_add_returns_the_documented_body_with_the_new_loginid(api: ApiClient) -> None:
    resp = api.post(ADD, BASE)
    assert resp.status_code == 200
    body = resp.json()
    assert body == [{"result": "Success", "message": {"loginid": body[0]["message"]["loginid"]}}]
    assert body[0]["message"]["loginid"].isdigit()


def test_password_is_stored_as_argon2_and_never_returned(
    api: ApiClient, services: Services
) -> None:
    loginid = ok(api.post(ADD, BASE))[0]["message"]["loginid"]
    row = login_row(services, loginid)
    assert row["type"] == "advertiser"
    assert row["password_hash"].startswith("$argon2id$")
    assert verify_password("correct horse", row["password_hash"])
    listed = ok(api.get("/api/affiliate/search", {"type": "advertiser"}))
    assert "password" not in listed[loginid]
    assert "correct horse" not in str(listed)
    assert row["password_hash"] not in str(listed)


def test_contact_fields_are_stored(api: ApiClient, services: Services) -> None:
    extra = {"firstname": "Ada", "company": "Acme", "zip_code": "12345", "join_ip": "203.0.113.9"}
    loginid = ok(api.post(ADD, {**BASE, **extra}))[0]["message"]["loginid"]
    row = login_row(services, loginid)
    assert (row["firstname"], row["company"], row["zip_code"], row["join_ip"]) == (
        "Ada",
        "Acme",
        "12345",
        "203.0.113.9",
    )


def test_required_parameters(api: ApiClient) -> None:
    for name in ("username", "password", "email"):
        data = {k: v for k, v in BASE.items() if k != name}
        assert_error(api.post(ADD, data), 400, "missing_parameter", f"'{name}'")


def test_bad_values_are_400_naming_the_parameter(api: ApiClient, services: Services) -> None:
    assert_error(api.post(ADD, {**BASE, "email": "nope"}), 400, "invalid_parameter", "email")
    assert_error(api.post(ADD, {**BASE, "password": "short"}), 400, "invalid_parameter", "password")
    assert_error(api.post(ADD, {**BASE, "username": "a b"}), 400, "invalid_parameter", "username")
    assert_error(api.post(ADD, {**BASE, "join_ip": "1.2.3"}), 400, "invalid_parameter", "join_ip")
    assert_error(
        api.post(ADD, {**BASE, "firstname": "x" * 256}), 400, "invalid_parameter", "firstname"
    )
    assert_error(api.post(ADD, {**BASE, "bogus": "1"}), 400, "unknown_parameter", "bogus")
    assert ok(api.get("/api/affiliate/search", {"type": "advertiser"})) == {}


def test_username_is_unique_across_all_accounts_case_insensitively(api: ApiClient) -> None:
    ok(api.post(ADD, BASE))
    again = {**BASE, "username": "ACME", "email": "other@acme.example"}
    assert_error(api.post(ADD, again), 409, "username_taken", "ACME")
    affiliate = add_affiliate(api, username="taken_by_aff")
    assert affiliate
    clash = {**BASE, "username": "taken_by_aff", "email": "x@acme.example"}
    assert_error(api.post(ADD, clash), 409, "username_taken")
    admin = {**BASE, "username": "tf_admin", "email": "y@acme.example"}
    assert_error(api.post(ADD, admin), 409, "username_taken")


def test_email_is_unique_among_advertisers_only(api: ApiClient) -> None:
    ok(api.post(ADD, BASE))
    again = {**BASE, "username": "acme2", "email": "OPS@acme.example"}
    assert_error(api.post(ADD, again), 409, "email_taken", "OPS@acme.example")
    # An affiliate may share an advertiser's email.
    add_affiliate(api, email="ops@acme.example")


def test_ref_names_the_referring_affiliate_by_loginid_or_code(
    api: ApiClient, services: Services
) -> None:
    net = network(api)
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    by_id = ok(api.post(ADD, {**BASE, "ref": net["loginid"]}))[0]["message"]["loginid"]
    assert login_row(services, by_id)["ref_loginid"] == int(net["loginid"])
    by_code = add_advertiser(api, ref=code)
    assert login_row(services, by_code)["ref_loginid"] == int(net["loginid"])
    assert_error(
        api.post(ADD, {**BASE, "username": "r3", "email": "r3@x.example", "ref": "999"}),
        404,
        "referrer_not_found",
        "999",
    )


def test_edit_changes_only_what_is_sent(api: ApiClient, services: Services) -> None:
    loginid = ok(api.post(ADD, {**BASE, "firstname": "Ada", "city": "Paris"}))[0]["message"][
        "loginid"
    ]
    before = login_row(services, loginid)["password_hash"]
    resp = api.patch(EDIT, {"loginid": loginid, "city": "Lyon", "password": "new password!"})
    assert resp.status_code == 200
    assert resp.json() == [{"result": "Success"}]
    row = login_row(services, loginid)
    assert (row["firstname"], row["city"]) == ("Ada", "Lyon")
    assert row["password_hash"] != before
    assert verify_password("new password!", row["password_hash"])


def test_edit_email_must_stay_unique(api: ApiClient, services: Services) -> None:
    first = ok(api.post(ADD, BASE))[0]["message"]["loginid"]
    second = add_advertiser(api)
    assert_error(
        api.patch(EDIT, {"loginid": second, "email": "Ops@Acme.example"}), 409, "email_taken"
    )
    assert ok(api.patch(EDIT, {"loginid": first, "email": "ops@acme.example"}))
    ok(api.patch(EDIT, {"loginid": second, "email": "new@acme.example"}))
    assert login_row(services, second)["email"] == "new@acme.example"


def test_edit_unknown_or_non_advertiser_is_404(api: ApiClient) -> None:
    assert_error(api.patch(EDIT, {"loginid": "9999"}), 404, "advertiser_not_found", "9999")
    aff = add_affiliate(api)
    assert_error(api.patch(EDIT, {"loginid": aff, "city": "x"}), 404, "advertiser_not_found")
    assert_error(api.patch(EDIT, {}), 400, "missing_parameter", "loginid")
    assert_error(api.patch(EDIT, {"loginid": "0"}), 400, "invalid_parameter", "loginid")
    assert_error(api.patch(EDIT, {"loginid": str(2**64)}), 400, "invalid_parameter", "loginid")
