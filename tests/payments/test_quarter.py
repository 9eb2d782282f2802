"""A simulated quarter of a small network, paid as an admin would, reconciled to the cent.

Eight accounts on every period format (monthly, twice a month, weekly, every 5 days with a
delay), every payee kind (affiliate, referral, manager, partner), five payvias with their
formats, minimums, fees and a bonus; sales every day, voids and chargebacks (some of sales in
periods already paid), revenue updates, adjustments, an invoice, a banned affiliate and an
instant-payment one. The builds run day by day as the job would; stored payments are dumped
and paid each week. At the end: every payee row is in exactly one payment, every payment's
total is the sum of its lines, payments add up to the ledger, and nothing paid ever changed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.payments.conftest import Pay
from trackpost.core.fields import cents_text
from trackpost.models.tables import payment_adjustments as PA
from trackpost.models.tables import payment_lines as PL
from trackpost.models.tables import payments as P
from trackpost.models.tables import transaction_payouts as TP
from trackpost.models.tables import transactions as T

UTC = dt.UTC
START = dt.date(2026, 1, 1)
DAYS = 90
PAYVIAS = {  # payvia -> (format, minimums, cost type, cost)
    1: ("iif", "20.00,50.00", "flat", "1.00"),
    2: ("nacha", "10.00", "flat", "0.25"),
    3: ("sepa", "25.00", "percent", "1.5"),
    4: ("paypal", "5.00", "percent", "-2"),  # a 2 % bonus
    5: ("csv", "", "flat", "0"),
}
DETAILS = {
    1: {"Pay To": "Payee"},
    2: {"Routing Number": "021000021", "Account Number": "12345", "Account Type": "Checking"},
    3: {"IBAN": "FR1420041010050500013M02606", "BIC": "PSSTFRPPLIL"},
    4: {"PayPal Email": "pp@ex.com"},
    5: {"Pay To": "Someone"},
}


def _setup(pay: Pay) -> dict[str, int]:
    for pid, (fmt, mins, kind, cost) in PAYVIAS.items():
        params = {"payvia_type_id": pid, "dump_format": fmt, "minimums": mins}
        params |= {"cost_type": kind, "cost_amount": cost}
        params["dump_vars"] = (
            '{"debtor_name": "Net", "debtor_iban": "DE89370400440532013000", '
            '"debtor_bic": "COBADEFFXXX", "odfi_routing": "09100001", "company_id": "1"}'
        )
        pay.patch("/api/payment/set_payvia_settings", **params)
    twice = pay.post("/api/payment/add_period", spec="1,16")["periodid"]
    weekly = pay.post("/api/payment/add_period", spec="w1")["periodid"]
    fives = pay.post("/api/payment/add_period", spec="d5", delay="1", auto_store="0")["periodid"]
    acc = {"a": pay.net.affiliate}
    acc["m"] = pay.affiliate("q_manager", payvia=5)
    acc["p"] = pay.affiliate("q_partner", payvia=4)
    acc["b"] = pay.affiliate("q_b", payvia=2, ref=str(acc["a"]))
    acc["c"] = pay.affiliate("q_c", payvia=3)
    acc["d"] = pay.affiliate("q_d", payvia=4)
    acc["e"] = pay.affiliate("q_e", payvia=5)
    acc["f"] = pay.affiliate("q_f", payvia=1, minimum_payout="500.00")
    periods = {"b": twice, "c": weekly, "d": fives, "p": weekly}
    for name, periodid in periods.items():
        pay.patch("/api/payment/set_affiliate_payment", loginid=acc[name], periodid=periodid)
    pay.patch("/api/payment/set_affiliate_payment", loginid=acc["f"], instant="1")
    for name in ("b", "c", "d"):
        pay.patch(
            "/api/affiliate/edit_affiliate", loginid=acc[name], affiliate_manager_loginid=acc["m"]
        )
    for name, loginid in acc.items():
        payvia = {"a": 1, "m": 5, "p": 4, "b": 2, "c": 3, "d": 4, "e": 5, "f": 1}[name]
        info: dict[str, Any] = {"loginid": loginid, "payvia_type_id": payvia}
        for i, (field, value) in enumerate(DETAILS[payvia].items()):
            info[f"payvia_info[{i}][field]"] = field
            info[f"payvia_info[{i}][value]"] = value
        pay.patch("/api/affiliate/payvia", **info)
    pay.patch("/api/offer/set_referral_payouts", offerid="0", tier1="10")
    pay.patch(
        "/api/affiliate/set_manager_commission",
        loginid=acc["m"],
        percentage_of_revenue="5",
        start_after_sales="0",
    )
    pay.patch(
        "/api/offer/set_offer_partner",
        offerid=str(pay.net.offer),
        loginid=str(acc["p"]),
        percentage_of_revenue="2",
    )
    return acc


def _rows(pay: Pay, table: Any) -> list[dict[str, Any]]:
    with pay.services.db.transaction(write=False) as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


def _snapshot(pay: Pay, paymentid: str) -> tuple[Any, ...]:
    lines = pay.lines(paymentid)
    dump = pay.api.get("/api/payment/dump", {"paymentid": paymentid}).text
    return lines["payment"], lines["lines"], dump


@pytest.mark.timeout(900)
def test_a_quarter_reconciles_to_the_cent(pay: Pay, tmp_path: Path) -> None:
    acc = _setup(pay)
    rng = random.Random(27)
    links = {name: pay.link_for(loginid) for name, loginid in acc.items() if name not in "mp"}
    sales: list[int] = []
    paid: dict[str, tuple[Any, ...]] = {}
    late_voids: list[int] = []
    for n in range(DAYS):
        day = START + dt.timedelta(days=n)
        stamp = f"{day.isoformat()} {rng.randrange(0, 24):02d}:{rng.randrange(60):02d}"
        if n == 45:
            pay.patch("/api/affiliate/edit_affiliate", loginid=acc["e"], status="2")
            del links["e"]  # a banned affiliate's links stop working
        for name in rng.sample(sorted(links), k=2):
            sales.append(pay.sale(stamp, link=links[name]))
        if n % 6 == 5:  # a void or chargeback of an earlier sale, often of a paid period
            target = sales.pop(rng.randrange(len(sales) - 2))
            kind = "process_void" if n % 12 == 5 else "process_chargeback"
            late_voids.append(pay.void(target, stamp, kind))
        if n % 20 == 10:
            orderid = f"ord-{rng.randrange(1, pay._seq)}"
            pay.api.patch(
                "/api/transaction/transaction_update_revenue_by_orderid",
                {"orderid": orderid, "amount": "1995"},
            )
        if n == 40:
            pay.post("/api/payment/add_invoice", loginid=acc["c"], amount="12.34", reason="q")
        pay.build((day + dt.timedelta(days=1)).isoformat())
        if n == 50:
            opened = pay.payments(state="open")
            if opened:
                pid = opened[0]["paymentid"]
                pay.post("/api/payment/add_adjustment", paymentid=pid, amount="-0.75", reason="r")
        if day.weekday() == 4:  # Fridays: store the short-period payments, dump, pay
            for payvia in PAYVIAS:
                pay.post("/api/payment/store", payvia_type_id=payvia)
                stored = pay.payments(state="stored", payvia_type_id=payvia)
                if not stored:
                    continue
                resp = pay.api.get("/api/payment/dump", {"payvia_type_id": payvia})
                assert resp.status_code == 200, resp.text
                ids = ",".join(p["paymentid"] for p in stored)
                pay.patch("/api/payment/mark_paid", paymentid=ids, reference=f"{day}-{payvia}")
                for p in stored:
                    paid[p["paymentid"]] = _snapshot(pay, p["paymentid"])
    pay.build("2026-04-15")  # every period (and the delayed one) has paid March by now

    # Nothing paid ever changed: same payment, same lines, same dump.
    for pid, snap in paid.items():
        assert _snapshot(pay, pid) == snap
    payments = _rows(pay, P)
    lines = _rows(pay, PL)
    by_payment: dict[int, int] = defaultdict(int)
    for ln in lines:
        by_payment[ln["paymentid"]] += ln["amount"]
    for p in payments:
        assert p["total"] == by_payment[p["paymentid"]], p
    # Every payee row that counts is in the payments, to the cent, and only once in full.
    ledger = {t["transactionid"]: t for t in _rows(pay, T)}
    owed: dict[int, int] = defaultdict(int)
    expected_by_login: dict[int, int] = defaultdict(int)
    for row in _rows(pay, TP):
        if ledger[row["transactionid"]]["status"] not in ("pending", "denied"):
            owed[row["payoutid"]] += row["amount"]
            expected_by_login[row["loginid"]] += row["amount"]
    held: dict[int, int] = defaultdict(int)
    for ln in lines:
        if ln["kind"] == "payout":
            held[ln["payoutid"]] += ln["amount"]
    assert {k: v for k, v in held.items() if v} == {k: v for k, v in owed.items() if v}
    # Payments (+ adjustments, invoices and fees, each a line) == the ledger's payee rows.
    extras: dict[int, int] = defaultdict(int)
    pay_login = {p["paymentid"]: p["loginid"] for p in payments}
    for ln in lines:
        if ln["kind"] != "payout":
            extras[pay_login[ln["paymentid"]]] += ln["amount"]
    by_login: dict[int, int] = defaultdict(int)
    for p in payments:
        by_login[p["loginid"]] += p["total"]
    for loginid in set(by_login) | set(expected_by_login):
        assert by_login[loginid] == expected_by_login[loginid] + extras[loginid], loginid
    assert all(a["paymentid"] is not None for a in _rows(pay, PA))
    # Every payee kind was paid; the banned affiliate's money is Banned, never stored or paid.
    kinds = {ln["payee_kind"] for ln in lines if ln["kind"] == "payout"}
    assert kinds == {"affiliate", "referral", "manager", "partner"}
    states: dict[int, set[str]] = {p["loginid"]: set() for p in payments}
    for p in payments:
        states[p["loginid"]].add(p["state"])
    assert "banned" in states[acc["e"]]
    assert all(p["state"] != "banned" or p["loginid"] == acc["e"] for p in payments)
    # Late voids and chargebacks landed in the payee's payment of their time, never in a
    # payment already stored or paid: never before their sale's, often after it.
    payee_of = {r["payoutid"]: r["loginid"] for r in _rows(pay, TP)}
    where = {
        (ln["transactionid"], payee_of[ln["payoutid"]]): ln["paymentid"]
        for ln in lines
        if ln["kind"] == "payout"
    }
    later = 0
    for tid in late_voids:
        parent = ledger[tid]["parent_transactionid"]
        for (txn, loginid), paymentid in where.items():
            if txn == tid:
                assert paymentid >= where[(parent, loginid)]
                later += paymentid > where[(parent, loginid)]
    assert later > 0
    # The instant-payment affiliate was paid whatever its 500.00 minimum.
    assert any(p["loginid"] == acc["f"] and p["state"] == "paid" for p in payments)
    # Every format was dumped for real along the way, and the totals agree with the search.
    formats = {p["dump_format"] for p in payments if p["state"] == "paid"}
    assert formats == {"iif", "nacha", "sepa", "paypal", "csv"}
    totals = pay.search(count=1)["totals"]
    assert totals["total"] == cents_text(sum(p["total"] for p in payments))
