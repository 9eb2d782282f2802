"""The admin's own dump formats: checked when saved, sandboxed, and kept with stored payments."""

from __future__ import annotations

import httpx

from tests.payments.conftest import Pay
from tests.support import assert_error

CHECK = 1
ENTRY = "{$username};{$total};{if $affiliate.Payvia.Pay_To}{$affiliate.Payvia.Pay_To|upper}{/if}\n"


def test_an_own_format_is_used_and_kept_as_it_was(pay: Pay) -> None:
    made = pay.post(
        "/api/payment/save_dump_format",
        name="semi",
        title="Semicolons",
        header="user;amount;to\n",
        entry=ENTRY,
        footer="{$count} payments, {$total}\n",
    )
    assert made == {"name": "semi", "created": True}
    names = {f["name"]: f["shipped"] for f in pay.ok(pay.api.get("/api/payment/dump_formats"))}
    assert names == {
        "csv": True,
        "iif": True,
        "nacha": True,
        "paypal": True,
        "sepa": True,
        "semi": False,
    }
    pay.patch("/api/payment/set_payvia_settings", payvia_type_id=CHECK, dump_format="semi")
    pay.patch(
        "/api/affiliate/payvia",
        **{
            "loginid": pay.net.affiliate,
            "payvia_type_id": CHECK,
            "payvia_info[0][field]": "Pay To",
            "payvia_info[0][value]": "Ann <Lee>",
        },
    )
    pay.sale("2026-01-10")
    pay.build("2026-02-01")
    (p,) = pay.payments()
    user = pay.lines(p["paymentid"])["payment"]["username"]
    first = pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]})
    assert first.text == f"user;amount;to\n{user};5.00;ANN <LEE>\n1 payments, 5.00\n"
    assert first.headers["content-type"].startswith("text/plain")
    # Edited afterwards: the stored payment keeps the format it was stored with.
    again = pay.post("/api/payment/save_dump_format", name="semi", title="v2", entry="{$total}\n")
    assert again["created"] is False
    assert pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]}).text == first.text
    pay.post("/api/payment/add_adjustment", paymentid=p["paymentid"], amount="1.00", reason="x")
    after = pay.api.get("/api/payment/dump", {"paymentid": p["paymentid"]}).text
    assert after == f"user;amount;to\n{user};6.00;ANN <LEE>\n1 payments, 6.00\n"


def test_own_formats_are_refused_unless_safe_and_renderable(pay: Pay) -> None:
    def save(**parts: str) -> httpx.Response:
        params = {"name": "mine", "title": "Mine", "entry": "{$total}\n", **parts}
        return pay.api.post("/api/payment/save_dump_format", params)

    assert_error(save(name="csv"), 400, "invalid_parameter", "'name'", "shipped format")
    assert_error(save(name="Bad Name"), 400, "invalid_parameter", "name")
    assert_error(save(entry="{$total.__class__}"), 400, "invalid_parameter", "'entry'")
    assert_error(save(header="{if $count}x"), 400, "invalid_parameter", "'header'", "{/if}")
    assert_error(save(footer="{$total|attr:'x'}"), 400, "invalid_parameter", "'footer'")
    assert_error(save(entry='{$total|pad:"wide"}'), 400, "invalid_parameter", "'entry'", "rendered")
    assert_error(save(entry_header="{php}x{/php} {$x()}"), 400, "invalid_parameter", "entry_header")
    resp = pay.api.patch(
        "/api/payment/set_payvia_settings", {"payvia_type_id": CHECK, "dump_format": "mine"}
    )
    assert_error(resp, 400, "invalid_parameter", "dump_format", "save_dump_format")
    assert pay.ok(pay.api.get("/api/payment/dump_formats"))[-1]["name"] == "sepa"
