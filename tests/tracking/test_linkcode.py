"""Tracking codes: the vendor's base64 of twelve dot-separated ids, both ways, and decoding."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support import ApiClient, assert_error
from tests.tracking.support import code_of, network, ok
from trackpost.core.fields import MAX_ID
from trackpost.tracking.linkcode import FIELDS, MalformedCode, TrackingCode, decode

VENDOR_EXAMPLE = "MS4xOTIuMTM5LjEyOS4yNC4wLjAuMC4wLjAuMC4w"

ids = st.integers(min_value=0, max_value=MAX_ID)


@given(st.tuples(*[ids] * 12))
def test_encode_decode_round_trip(values: tuple[int, ...]) -> None:
    code = TrackingCode(*values)
    assert decode(code.encoded()) == (code, False)
    assert decode(code.dotted()) == (code, True)
    assert decode(code.encoded().rstrip("=")) == (code, False)


def test_vendor_example_decodes_to_the_documented_ids() -> None:
    code, unencoded = decode(VENDOR_EXAMPLE)
    assert not unencoded
    assert code == TrackingCode(1, 192, 139, 129, 24, 0, 0, 0, 0, 0, 0, 0)
    assert code.encoded() == VENDOR_EXAMPLE
    assert base64.b64decode(code.encoded()) == b"1.192.139.129.24.0.0.0.0.0.0.0"


def test_encoded_form_is_php_base64_with_padding() -> None:
    code = TrackingCode(loginid=3, offerid=1, landing_pageid=1)
    assert code.dotted() == "3.0.1.1.0.0.0.0.0.0.0.0"
    assert code.encoded() == "My4wLjEuMS4wLjAuMC4wLjAuMC4wLjA="
    assert len(FIELDS) == 12


@pytest.mark.parametrize(
    "text",
    [
        "",
        "!!!",
        "bm90IGlkcw==",  # "not ids"
        base64.b64encode(b"1.2").decode(),  # too few fields
        base64.b64encode(b"1.2.3.4.5.6.7.8.9.10.11.12.13").decode(),  # too many
        base64.b64encode(b"1.2.3.-4").decode(),
        "1.2.3",
        "1.2.3.99999999999999999999",
        base64.b64encode(b"\xff\xfe.1.2.3").decode(),
        "A" * 401,
        "MS4x=OTIu",
    ],
)
def test_malformed_codes_are_refused(text: str) -> None:
    with pytest.raises(MalformedCode):
        decode(text)


def test_decode_endpoint_returns_the_documented_fields(api: ApiClient) -> None:
    net = network(api)
    code = code_of(api, loginid=net["loginid"], offerid=net["offerid"])
    body = ok(api.get("/api/affiliate/decode_trackingcode", {"ocode": code}))
    assert {k: body[k] for k in ("loginid", "programid", "offerid", "landing_pageid")} == {
        "loginid": net["loginid"],
        "programid": "0",
        "offerid": net["offerid"],
        "landing_pageid": net["landing_pageid"],
    }
    for name in (
        "campaignid",
        "adtoolid",
        "subid1",
        "subid2",
        "promotionalid",
        "additional_trackingid",
        "is_unencoded",
        "old_code",
        "inhouse",
        "affsubid",
        "affsource",
    ):
        assert body[name] == "0", name
    login = body["tracked_details"]["login_details"]
    assert (login["loginid"], login["type"], login["status"], login["inhouse"]) == (
        net["loginid"],
        "affiliate",
        "0",
        "0",
    )
    lp = body["tracked_details"]["lp_details"]
    assert lp["landing_pageid"] == net["landing_pageid"]
    assert lp["url"] == "https://adv.example/land?ch=%%click_hash%%"
    assert lp["disable_deep_linking"] == "0"


def test_decode_unencoded_and_unknown_ids(api: ApiClient) -> None:
    body = ok(api.get("/api/affiliate/decode_trackingcode", {"ocode": "5.5.17.17.0.1.2.3.0.0.0.0"}))
    assert body["is_unencoded"] == "1"
    assert (body["loginid"], body["adtoolid"], body["subid1"], body["subid2"]) == (
        "5",
        "1",
        "2",
        "3",
    )
    assert body["tracked_details"] == {"login_details": None, "lp_details": None}


def test_malformed_ocode_is_404_with_a_clear_message(api: ApiClient) -> None:
    resp = api.get("/api/affiliate/decode_trackingcode", {"ocode": "not a code"})
    assert_error(resp, 404, "invalid_tracking_code", "ocode", "not a tracking code")
    assert_error(
        api.get("/api/affiliate/decode_trackingcode", {}), 400, "missing_parameter", "ocode"
    )
