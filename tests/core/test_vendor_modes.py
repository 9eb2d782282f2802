"""Settings for legacy integrations: business errors as 200, and unknown names ignored."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.conftest import BuildApp, make_admin
from tests.support import assert_error

LOCK = "/api/customer/lock"
DETAILS = "/api/customer/set_customer_details"


def test_a_typo_is_refused_with_the_name_it_probably_meant(build_app: BuildApp) -> None:
    built = build_app()
    admin = make_admin(built.services, "ops")
    resp = built.client().patch(
        DETAILS, headers=admin.headers, data={"customer_id": "1", "frstname": "Ada"}
    )
    assert_error(resp, 400, "unknown_parameter", "'frstname'", "did you mean 'firstname'?")
    # Nothing close: no guess.
    resp = built.client().patch(LOCK, headers=admin.headers, data={"customer_id": "1", "zz": "1"})
    body = assert_error(resp, 400, "unknown_parameter", "'zz'")
    assert "did you mean" not in body["message"]


def test_unknown_names_can_be_ignored_for_legacy_clients(build_app: BuildApp) -> None:
    built = build_app(unknown_params="ignore")
    admin = make_admin(built.services, "ops")
    resp = built.client().patch(
        LOCK, headers=admin.headers, data={"customer_id": "1", "junk_from_a_plugin": "x"}
    )
    # The junk is dropped; the call is judged on what it documents (no customer 1 here).
    assert_error(resp, 404, "customer_not_found")


def test_business_errors_can_answer_200_with_the_same_envelope(build_app: BuildApp) -> None:
    strict, vendor = build_app(), build_app(vendor_error_status=200)
    admin = make_admin(strict.services, "ops")
    for built, status in ((strict, 404), (vendor, 200)):
        resp = built.client().patch(LOCK, headers=admin.headers, data={"customer_id": "99"})
        assert_error(resp, status, "customer_not_found")
        resp = built.client().patch(LOCK, headers=admin.headers, data={"customer_id": "x"})
        assert_error(resp, 400 if status == 404 else 200, "invalid_parameter", "customer_id")
        # Authentication and availability keep their statuses: a client must stop or retry.
        resp = built.client().patch(LOCK, headers={**admin.headers, "api-key": "0" * 32})
        assert_error(resp, 401, "unauthorized")
        resp = built.client().get("/api/no/such/endpoint", headers=admin.headers)
        assert_error(resp, status, "unknown_endpoint")


def test_the_settings_refuse_values_they_do_not_know(build_app: BuildApp) -> None:
    with pytest.raises(ValidationError):
        build_app(vendor_error_status=404)
    with pytest.raises(ValidationError):
        build_app(unknown_params="maybe")
